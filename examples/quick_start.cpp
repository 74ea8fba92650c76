// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/sockmode.hpp>

#include <iostream>

using namespace std::chrono_literals;

int main() {
  sockmode::tcp::acceptor server({boost::asio::ip::make_address("127.0.0.1"), 0});
  sockmode::tcp::socket client;
  client.settimeout(250ms);                     // Python: s.settimeout(0.25)
  client.connect(server.local_endpoint());      // connect is subject to the timeout too
  char reply[64];
  try {
    client.recv(boost::asio::buffer(reply));    // the server never answers...
  } catch (const sockmode::timeout_error& e) {  // Python: except TimeoutError
    std::cout << "recv: " << e.code().message() << " after 250 ms\n";
  }
}
