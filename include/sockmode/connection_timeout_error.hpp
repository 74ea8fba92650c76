// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_CONNECTION_TIMEOUT_ERROR_HPP
#define SOCKMODE_CONNECTION_TIMEOUT_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/connection_error.hpp>
#include <sockmode/timeout_error.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sockmode {

/// What `create_connection` throws when its timeout passes (during resolution or the
/// attempts): Python's `create_connection` raises `TimeoutError` then. It is both a
/// `timeout_error`, so `catch (const sockmode::timeout_error&)` catches every timeout, and a
/// `connection_error`, so the attempts stay reachable; `io_error` is a virtual base of both,
/// so it is one `io_error` and one `system_error` too. `code()` is `sockmode::error::timeout`.
class SOCKMODE_API connection_timeout_error : public connection_error, public timeout_error {
 public:
  connection_timeout_error(boost::system::error_code ec, const std::string& what,
                           const std::string& detail, std::vector<connection_attempt> attempts)
      : io_error(ec, what, 0, detail),
        connection_error(ec, what, detail, std::move(attempts)),
        timeout_error(ec, what, 0, detail) {}
};

}  // namespace sockmode

#endif  // SOCKMODE_CONNECTION_TIMEOUT_ERROR_HPP
