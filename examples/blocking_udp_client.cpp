// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Asio's timeouts/blocking_udp_client, on sockmode: receive datagrams on an address, each
// receive under a time limit. One receive is one call, so here the per-call timeout is the
// right tool (compare blocking_tcp_client.cpp, where a step is many calls and takes a deadline).
// Asio's original loops forever; this one stops after <count> receives.
//
// Usage: blocking_udp_client <listen_addr> <listen_port> [count, default 10] [seconds, default 10]

#include <sockmode/sockmode.hpp>

#include <chrono>
#include <iostream>
#include <string>

int main(int argc, char* argv[]) {
  if (argc < 3 || argc > 5) {
    std::cerr << "Usage: blocking_udp_client <listen_addr> <listen_port> [count] [seconds]\n";
    return 2;
  }
  try {
    sockmode::udp::socket socket;
    socket.bind({boost::asio::ip::make_address(argv[1]),
                 static_cast<unsigned short>(std::stoi(argv[2]))});
    socket.settimeout(std::chrono::seconds(argc >= 5 ? std::stoi(argv[4]) : 10));
    std::cout << "Listening on " << socket.local_endpoint() << std::endl;  // port 0: the real one
    for (int i = 0, count = argc >= 4 ? std::stoi(argv[3]) : 10; i < count; ++i) {
      char data[1024];
      boost::system::error_code error;
      const std::size_t n = socket.recv(boost::asio::buffer(data), error);
      if (error) std::cout << "Receive error: " << error.message() << std::endl;
      else std::cout << "Received: " << std::string(data, n) << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "Exception: " << e.what() << "\n";
    return 1;
  }
}
