// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_CREATE_SERVER_HPP
#define SOCKMODE_CREATE_SERVER_HPP

#include <sockmode/tcp.hpp>

#include <boost/system/error_code.hpp>

#include <optional>

namespace sockmode {

/// The keyword arguments of Python's `socket.create_server`.
struct create_server_options {
  /// As Python's `listen()` without an argument when unset: min(SOMAXCONN, 128). A negative
  /// backlog is taken as 0, as CPython does.
  std::optional<int> backlog;
  /// SO_REUSEPORT: several listeners may share the port.
  bool reuse_port = false;
  /// One listener for IPv4 and IPv6 (IPV6_V6ONLY off); the endpoint must be IPv6, e.g. `::`.
  bool dualstack_ipv6 = false;
};

/// Python's `socket.create_server`: a TCP listener on `endpoint`, whose address family it
/// takes. SO_REUSEADDR is set, as on POSIX in Python; an IPv6 listener gets IPV6_V6ONLY on
/// unless `dualstack_ipv6`. The descriptor is made non-blocking and close-on-exec; the
/// acceptor starts in `getdefaulttimeout()`, as any new socket.
///
/// Throws `std::invalid_argument`, before opening anything, for `dualstack_ipv6` on an IPv4
/// endpoint or where `has_dualstack_ipv6()` is false (Python's ValueError) — from both
/// overloads, as for any bad argument. Fails with the kernel's error otherwise (address in
/// use: the message names the endpoint).
SOCKMODE_API tcp::acceptor create_server(const tcp::endpoint& endpoint,
                            const create_server_options& options = {});
SOCKMODE_API tcp::acceptor create_server(const tcp::endpoint& endpoint, const create_server_options& options,
                            boost::system::error_code& ec);

/// Python's `socket.has_dualstack_ipv6`: whether an IPv6 TCP socket can also accept IPv4.
SOCKMODE_API bool has_dualstack_ipv6() noexcept;

}  // namespace sockmode

#endif  // SOCKMODE_CREATE_SERVER_HPP
