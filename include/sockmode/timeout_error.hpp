// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TIMEOUT_ERROR_HPP
#define SOCKMODE_TIMEOUT_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/io_error.hpp>

namespace sockmode {

/// Thrown when a call reaches its timeout or deadline; Python's `socket.timeout`
/// (`TimeoutError`). Every timeout sockmode throws is one, `create_connection`'s included
/// (`connection_timeout_error`). `code()` is `sockmode::error::timeout`, or Beast's
/// `beast::error::timeout` from `tcp_stream`.
///
/// `io_error` is a virtual base, so that an error that is both a timeout and something else
/// (`connection_timeout_error`) is still one `io_error`, one `system_error`, to catch.
class SOCKMODE_API timeout_error : public virtual io_error {
 public:
  using io_error::io_error;
};

}  // namespace sockmode

#endif  // SOCKMODE_TIMEOUT_ERROR_HPP
