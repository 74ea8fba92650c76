// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_CREATE_CONNECTION_HPP
#define SOCKMODE_CREATE_CONNECTION_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/connection_error.hpp>
#include <sockmode/connection_timeout_error.hpp>
#include <sockmode/default_timeout.hpp>
#include <sockmode/tcp.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace sockmode {

/// How `create_connection` connects. A default-constructed value takes `getdefaulttimeout()`
/// at construction, which for a temporary is the time of the call: Python's sentinel default.
struct connection_options {
  /// The mode for the whole call and for the socket it returns: `nullopt` blocking, `0`
  /// non-blocking (fails with `would_block`, as Python's), `t` one deadline covering name
  /// resolution and every connection attempt.
  timeout_type timeout = getdefaulttimeout();
  /// Bound before connecting, as Python's `source_address`.
  std::optional<tcp::endpoint> source_address;
  /// RFC 8305 when the name has addresses of both families: IPv6 first, then the families
  /// alternate, a new attempt every `attempt_delay` (or at once when one fails) while the
  /// earlier ones go on; the first to connect wins and the others are closed.
  bool happy_eyeballs = true;
  std::chrono::nanoseconds attempt_delay = std::chrono::milliseconds(250);
};

/// Python's `socket.create_connection((host, service), timeout, source_address)`: resolves
/// `host` (see `resolve`), tries each address in turn, and returns the first socket that
/// connects, in the mode `options.timeout` names. On failure it throws `connection_error`,
/// which lists every attempt; when the timeout passed, a `connection_timeout_error`, which is
/// also a `timeout_error` (Python raises `TimeoutError`). Timeout mode bounds the whole call,
/// not each attempt.
SOCKMODE_API tcp::socket create_connection(std::string_view host, std::string_view service,
                              const connection_options& options = {});
/// As above, with the default options but for `timeout`.
SOCKMODE_API tcp::socket create_connection(std::string_view host, std::string_view service,
                              timeout_type timeout);
/// As above, but reports failure through `ec` (the last attempt's error, or the resolver's),
/// and each attempt through `attempts` when given.
SOCKMODE_API tcp::socket create_connection(std::string_view host, std::string_view service,
                              const connection_options& options, boost::system::error_code& ec,
                              std::vector<connection_attempt>* attempts = nullptr);
/// As above, with the default options but for `timeout`.
SOCKMODE_API tcp::socket create_connection(std::string_view host, std::string_view service,
                              timeout_type timeout, boost::system::error_code& ec);

/// The same over addresses already resolved (in the order to try them), under the same rules.
SOCKMODE_API tcp::socket create_connection(const std::vector<tcp::endpoint>& endpoints,
                              const connection_options& options = {});
SOCKMODE_API tcp::socket create_connection(const std::vector<tcp::endpoint>& endpoints,
                              const connection_options& options, boost::system::error_code& ec,
                              std::vector<connection_attempt>* attempts = nullptr);

}  // namespace sockmode

#endif  // SOCKMODE_CREATE_CONNECTION_HPP
