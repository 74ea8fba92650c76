// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TIMEOUT_ERROR_HPP
#define SOCKMODE_TIMEOUT_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/io_error.hpp>

#include <cstddef>
#include <string>

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
  // io_error's constructors, written out: inherited ones (`using io_error::io_error`) from a
  // virtual base are called by clang with arguments that their definition for a base
  // subobject does not take, which LLVM 14 cannot write as valid bitcode, so LTO of any code
  // that makes a connection_timeout_error failed there.
  timeout_error(boost::system::error_code ec, const char* what,
                std::size_t bytes_transferred = 0)
      : io_error(ec, what, bytes_transferred) {}
  timeout_error(boost::system::error_code ec, const std::string& what,
                std::size_t bytes_transferred, const std::string& detail)
      : io_error(ec, what, bytes_transferred, detail) {}
};

}  // namespace sockmode

#endif  // SOCKMODE_TIMEOUT_ERROR_HPP
