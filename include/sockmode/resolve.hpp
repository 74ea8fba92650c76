// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_RESOLVE_HPP
#define SOCKMODE_RESOLVE_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/default_timeout.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>

namespace sockmode {

/// Python's `socket.getaddrinfo(host, service, type=SOCK_STREAM)`, under a mode:
///
/// - `nullopt` (blocking): waits as long as the system resolver takes;
/// - `0` (non-blocking): a numeric host and port resolve at once; a name, which needs a lookup,
///   fails at once with `would_block`;
/// - `t`: fails with `error::timeout` once `t` has passed, even if the lookup is still running.
///   That lookup finishes on its own thread and frees what it holds (see README, "Name
///   resolution"); a later call for the same name and service joins it instead of starting
///   another.
///
/// Numeric addresses never reach the resolver. Names go to glibc's `getaddrinfo`, so
/// `/etc/hosts`, `nsswitch.conf` and `resolv.conf` apply as for every other program. Errors are
/// Asio's (`host_not_found`, `service_not_found`, ...). Flags are Python's: no
/// `AI_ADDRCONFIG`, so `::1` resolves on a host with only loopback addresses. A host or service
/// that contains a NUL fails with `invalid_argument`, never resolving the part before it.
SOCKMODE_API boost::asio::ip::tcp::resolver::results_type resolve(std::string_view host,
                                                     std::string_view service,
                                                     timeout_type timeout = getdefaulttimeout());
SOCKMODE_API boost::asio::ip::tcp::resolver::results_type resolve(std::string_view host,
                                                     std::string_view service,
                                                     timeout_type timeout,
                                                     boost::system::error_code& ec);

}  // namespace sockmode

#endif  // SOCKMODE_RESOLVE_HPP
