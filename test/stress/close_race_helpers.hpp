// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_STRESS_CLOSE_RACE_HELPERS_HPP
#define SOCKMODE_TEST_STRESS_CLOSE_RACE_HELPERS_HPP

// What the two files of the close_race module share: their includes and names, filling a send
// path, reading to the end of a stream, and what a call ended by close() reports.

#include <sockmode/sockmode.hpp>

#include "reliability.hpp"

#include <boost/asio/read.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace asio_error = boost::asio::error;
using wait_type = asio::socket_base::wait_type;

namespace stress {

// Fills `s`'s send path until a non-blocking send would block; returns the bytes queued.
template <class Socket>
std::size_t fill(Socket& s, std::size_t chunk_size = 1 << 16) {
  const auto mode = s.gettimeout();
  s.setblocking(false);
  std::vector<char> chunk(chunk_size, 'x');
  std::size_t total = 0;
  error_code ec;
  for (int i = 0; i < 100000 && !ec; ++i) total += s.send(asio::buffer(chunk), ec);
  s.settimeout(mode);
  return total;
}

// What `s` receives until end of stream (or a failure, which the caller's check then shows).
template <class Socket>
std::string read_to_end(Socket& s) {
  s.settimeout(10s);
  std::vector<char> chunk(1 << 16);
  std::string data;
  error_code ec;
  for (;;) {
    const std::size_t n = s.recv(asio::buffer(chunk), ec);
    if (ec || n == 0) break;
    data.append(chunk.data(), n);
  }
  return data;
}

// What a call ended by close() reports: aborted while it waited, or no descriptor any more.
inline bool ended_by_close(const error_code& ec) {
  return ec == asio_error::operation_aborted || ec == asio_error::bad_descriptor;
}

}  // namespace stress

#endif  // SOCKMODE_TEST_STRESS_CLOSE_RACE_HELPERS_HPP
