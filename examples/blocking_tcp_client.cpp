// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Asio's timeouts/blocking_tcp_client, on sockmode: connect, send a line, read lines until the
// echo of it comes back, each step under its own time limit. Asio runs async operations on an
// io_context for a bounded time and closes the socket when time runs out; here the calls stay
// synchronous and each step sets a deadline for everything it does.
//
// A deadline, not settimeout: read_line is many recv calls (asio::read_until), and a timeout
// limits each one alone, so a peer sending one byte every 0.5 s would never trip a 1 s timeout.
// The deadline bounds the step: that peer fails it after 1 s, as Asio's original does.
//
// Usage: blocking_tcp_client <host> <port> <message> [seconds per step, default 10]

#include <sockmode/sockmode.hpp>

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <iostream>
#include <string>

using clock_type = std::chrono::steady_clock;

class client {
 public:
  void connect(const std::string& host, const std::string& service, clock_type::duration limit) {
    socket_ = sockmode::create_connection(host, service, limit);  // one limit for all addresses
  }

  std::string read_line(clock_type::duration limit) {
    socket_.set_read_deadline(clock_type::now() + limit);
    const std::size_t n =
        boost::asio::read_until(socket_, boost::asio::dynamic_buffer(input_), '\n');
    std::string line = input_.substr(0, n - 1);
    input_.erase(0, n);
    return line;
  }

  void write_line(const std::string& line, clock_type::duration limit) {
    socket_.set_write_deadline(clock_type::now() + limit);
    boost::asio::write(socket_, boost::asio::buffer(line + "\n"));
  }

 private:
  sockmode::tcp::socket socket_;
  std::string input_;
};

int main(int argc, char* argv[]) {
  if (argc != 4 && argc != 5) {
    std::cerr << "Usage: blocking_tcp_client <host> <port> <message> [seconds]\n";
    return 2;
  }
  const std::chrono::seconds limit(argc == 5 ? std::stoi(argv[4]) : 10);
  try {
    client c;
    c.connect(argv[1], argv[2], limit);
    const auto sent = clock_type::now();
    c.write_line(argv[3], limit);
    while (c.read_line(limit) != argv[3]) {  // until the line sent comes back
    }
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - sent);
    std::cout << "Round trip time: " << took.count() << " microseconds\n";
  } catch (const std::exception& e) {
    std::cerr << "Exception: " << e.what() << "\n";
    return 1;
  }
}
