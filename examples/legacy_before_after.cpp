// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Legacy blocking Asio code, and the same code with a timeout: three lines change.
//
// before: a silent peer blocks fetch() forever.
// after:  the socket type, its creation and one settimeout() call; the loop, asio::read_until
//         and the error handling stay as they were. A silent peer now costs 250 ms.

#include <sockmode/sockmode.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;
namespace asio = boost::asio;

// Before: plain Asio. Shown for comparison; main() does not call it on a silent peer.
[[maybe_unused]] std::string fetch_before(const asio::ip::tcp::endpoint& server) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);                        // (1)
  socket.connect(server);                                  // (2)
  asio::write(socket, asio::buffer(std::string("GET\n")));
  std::string line;
  asio::read_until(socket, asio::dynamic_buffer(line), '\n');  // hangs on a silent peer
  return line;
}

// After: three lines changed, marked.
std::string fetch_after(const asio::ip::tcp::endpoint& server) {
  sockmode::tcp::socket socket;                            // (1) sockmode's socket
  socket.settimeout(250ms);                                // (2) Python's settimeout
  socket.connect(server);                                  // (3) now under the timeout too
  asio::write(socket, asio::buffer(std::string("GET\n")));
  std::string line;
  asio::read_until(socket, asio::dynamic_buffer(line), '\n');  // throws after 250 ms
  return line;
}

int main() {
  sockmode::tcp::acceptor silent({asio::ip::make_address("127.0.0.1"), 0});
  try {
    fetch_after(silent.local_endpoint());
  } catch (const boost::system::system_error& e) {
    std::printf("fetch: %s\n", e.code().message().c_str());
    return e.code() == sockmode::error::timeout ? 0 : 1;
  }
  return 1;
}
