// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_BASIC_SOCKET_IOSTREAM_HELPERS_HPP
#define SOCKMODE_TEST_BASIC_SOCKET_IOSTREAM_HELPERS_HPP

// What the two files of the basic_socket_iostream module share: their includes and names, the
// fixture of their suite, and reading a stream to its end.

#include <sockmode/basic_socket_iostream.hpp>

#include "support.hpp"

#include <boost/asio/read.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

namespace test {

// Everything `socket` receives until end of stream (or a failure, which the caller's
// comparison then shows).
template <class Socket>
std::string read_to_end(Socket& socket) {
  std::string data;
  std::vector<char> chunk(1 << 16);
  error_code ec;
  for (int i = 0; i < 1'000'000 && !ec; ++i) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    data.append(chunk.data(), n);
  }
  return data;
}

// Disables the process-wide default timeout for the test; each test sets its sockets' modes.
struct no_default_timeout {
  no_default_timeout() { sockmode::setdefaulttimeout(std::nullopt); }
  default_timeout_guard guard;
};

}  // namespace test

#endif  // SOCKMODE_TEST_BASIC_SOCKET_IOSTREAM_HELPERS_HPP
