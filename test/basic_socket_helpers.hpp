// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_BASIC_SOCKET_HELPERS_HPP
#define SOCKMODE_TEST_BASIC_SOCKET_HELPERS_HPP

// Reading helpers shared by the basic_socket test modules.

#include <sockmode/tcp.hpp>

#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace test {

inline std::string recv_string(sockmode::tcp::socket& s, std::size_t max = 4096) {
  std::string data(max, '\0');
  data.resize(s.recv(boost::asio::buffer(data)));
  return data;
}

// Reads until `n` bytes or end of stream, in blocking mode; returns the count.
inline std::size_t drain(sockmode::tcp::socket& s,
                         std::size_t n = std::numeric_limits<std::size_t>::max()) {
  std::vector<char> chunk(1 << 16);
  std::size_t total = 0;
  while (total < n) {
    const std::size_t got = s.recv(boost::asio::buffer(chunk));
    if (got == 0) break;
    total += got;
  }
  return total;
}

}  // namespace test

#endif
