// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_SOCKETPAIR_HPP
#define SOCKMODE_SOCKETPAIR_HPP

#include <sockmode/local.hpp>

#include <boost/system/error_code.hpp>

#include <utility>

namespace sockmode {

/// Python's `socket.socketpair()`: two connected Unix stream sockets (Python's default
/// family and type). Both ends start in `getdefaulttimeout()`; the descriptors are
/// non-blocking and close-on-exec. On failure the `ec` form returns two closed sockets.
SOCKMODE_API std::pair<local::stream_socket, local::stream_socket> socketpair(
    const boost::asio::local::stream_protocol& protocol = {});
SOCKMODE_API std::pair<local::stream_socket, local::stream_socket> socketpair(
    const boost::asio::local::stream_protocol& protocol, boost::system::error_code& ec);

/// Python's `socket.socketpair(AF_UNIX, SOCK_DGRAM)`: two connected Unix datagram sockets.
SOCKMODE_API std::pair<local::datagram_socket, local::datagram_socket> socketpair(
    const boost::asio::local::datagram_protocol& protocol);
SOCKMODE_API std::pair<local::datagram_socket, local::datagram_socket> socketpair(
    const boost::asio::local::datagram_protocol& protocol, boost::system::error_code& ec);

}  // namespace sockmode

#endif  // SOCKMODE_SOCKETPAIR_HPP
