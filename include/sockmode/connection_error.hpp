// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_CONNECTION_ERROR_HPP
#define SOCKMODE_CONNECTION_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/io_error.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sockmode {

/// One address `create_connection` tried, and how that attempt ended.
struct connection_attempt {
  boost::asio::ip::tcp::endpoint endpoint;
  boost::system::error_code error;
};

/// What `create_connection` throws: Python's `ExceptionGroup` of `all_errors=True`. `code()` is
/// the last attempt's error (or the resolver's, when no address was tried); `attempts()` lists
/// every address tried, in the order the attempts started. When the call's timeout passed, the
/// exception is a `connection_timeout_error`, which is also a `timeout_error`.
class SOCKMODE_API connection_error : public virtual io_error {
 public:
  /// `what()`: "create_connection example.internal:443: timed out after 2 s ([::1]:443:
  /// timed out; 127.0.0.1:443: Connection refused)".
  connection_error(boost::system::error_code ec, const std::string& what,
                   const std::string& detail, std::vector<connection_attempt> attempts)
      : io_error(ec, what, 0, detail), attempts_(std::move(attempts)) {}

  const std::vector<connection_attempt>& attempts() const noexcept { return attempts_; }

 private:
  std::vector<connection_attempt> attempts_;
};

}  // namespace sockmode

#endif  // SOCKMODE_CONNECTION_ERROR_HPP
