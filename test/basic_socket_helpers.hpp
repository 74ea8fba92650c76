// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_BASIC_SOCKET_HELPERS_HPP
#define SOCKMODE_TEST_BASIC_SOCKET_HELPERS_HPP

// What the basic_socket test modules share: their includes and names, and reading helpers.

#include <sockmode/tcp.hpp>

#include "support.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

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

using namespace test;
using boost::asio::buffer;
using boost::system::error_code;
namespace asio_error = boost::asio::error;
using wait_type = sockmode::tcp::socket::wait_type;

#endif
