// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_IO_ERROR_HPP
#define SOCKMODE_IO_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <string>

namespace sockmode {

/// What every throwing sockmode call throws (a `boost::system::system_error`, so existing
/// handlers keep working), plus how many bytes the call moved before it failed: nonzero only
/// for `sendall`, the one call that can fail after a partial transfer.
class SOCKMODE_API io_error : public boost::system::system_error {
 public:
  io_error(boost::system::error_code ec, const char* what, std::size_t bytes_transferred = 0)
      : system_error(ec, what), bytes_transferred_(bytes_transferred) {}
  /// `what()` reads "<what>: <message><detail>", e.g. "connect 127.0.0.1:5000: timed out"
  /// with `detail` " after 250 ms": the words a person reads, without Boost's
  /// "[category:value]" suffix (`code()` has both).
  io_error(boost::system::error_code ec, const std::string& what, std::size_t bytes_transferred,
           const std::string& detail)
      : system_error(ec, what),
        bytes_transferred_(bytes_transferred),
        what_(what + ": " + ec.message() + detail) {}

  std::size_t bytes_transferred() const noexcept { return bytes_transferred_; }

  const char* what() const noexcept override {
    return what_.empty() ? system_error::what() : what_.c_str();
  }

 private:
  std::size_t bytes_transferred_;
  std::string what_;
};

}  // namespace sockmode

#endif  // SOCKMODE_IO_ERROR_HPP
