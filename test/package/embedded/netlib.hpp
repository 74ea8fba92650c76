// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#pragma once

#include <sockmode/tcp.hpp>

namespace netlib {
// A connected loopback pair's server end, in timeout mode.
sockmode::tcp::socket quiet_peer(sockmode::tcp::acceptor& listener, sockmode::tcp::socket& client);
}  // namespace netlib
