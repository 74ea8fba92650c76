// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: the first half of an exception's message, "connect 127.0.0.1:5000".
#ifndef SOCKMODE_SRC_DESCRIBE_HPP
#define SOCKMODE_SRC_DESCRIBE_HPP

#include <sstream>
#include <string>

namespace sockmode::detail {

// `op`, then `preposition` and the endpoint as Asio prints it ("[::1]:80", a Unix path), or
// `op` alone when the endpoint prints as nothing (an unnamed Unix socket).
template <class Endpoint>
std::string describe(const char* op, const Endpoint& endpoint, const char* preposition = "") {
  std::ostringstream printed;
  printed << endpoint;
  if (printed.str().empty()) return op;
  return std::string(op) + " " + preposition + printed.str();
}

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_DESCRIBE_HPP
