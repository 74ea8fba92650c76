// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <netlib.hpp>
#include <sockmode/timeout_error.hpp>

#include <cstdio>

int main() {
  sockmode::tcp::acceptor listener({boost::asio::ip::make_address("127.0.0.1"), 0});
  sockmode::tcp::socket client;
  sockmode::tcp::socket server = netlib::quiet_peer(listener, client);
  char byte = 0;
  try {
    server.recv(boost::asio::buffer(&byte, 1));
  } catch (const sockmode::timeout_error&) {
    std::printf("netlib over the installed sockmode: recv timed out as expected\n");
    return 0;
  }
  return 1;
}
