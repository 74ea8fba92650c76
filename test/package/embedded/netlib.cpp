// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "netlib.hpp"

#include <chrono>

namespace netlib {
sockmode::tcp::socket quiet_peer(sockmode::tcp::acceptor& listener, sockmode::tcp::socket& client) {
  client.connect(listener.local_endpoint());
  sockmode::tcp::socket server = listener.accept();
  server.settimeout(std::chrono::milliseconds(50));
  return server;
}
}  // namespace netlib
