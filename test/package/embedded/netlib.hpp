#pragma once

#include <sockmode/tcp.hpp>

namespace netlib {
// A connected loopback pair's server end, in timeout mode.
sockmode::tcp::socket quiet_peer(sockmode::tcp::acceptor& listener, sockmode::tcp::socket& client);
}  // namespace netlib
