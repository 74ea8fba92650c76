// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_LOCAL_HPP
#define SOCKMODE_LOCAL_HPP

#include <sockmode/basic_acceptor.hpp>
#include <sockmode/basic_socket.hpp>
#include <sockmode/basic_socket_iostream.hpp>
#include <sockmode/basic_socket_streambuf.hpp>

#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>

namespace sockmode {

extern template class SOCKMODE_API basic_socket<boost::asio::local::stream_protocol>;
extern template class SOCKMODE_API basic_acceptor<boost::asio::local::stream_protocol>;
extern template class SOCKMODE_API basic_socket_streambuf<boost::asio::local::stream_protocol>;
extern template class SOCKMODE_API basic_socket_iostream<boost::asio::local::stream_protocol>;
extern template class SOCKMODE_API basic_socket<boost::asio::local::datagram_protocol>;

/// Unix domain sockets, under the same modes.
namespace local {
using stream_socket = basic_socket<boost::asio::local::stream_protocol>;
using stream_acceptor = basic_acceptor<boost::asio::local::stream_protocol>;
using iostream = basic_socket_iostream<boost::asio::local::stream_protocol>;
using datagram_socket = basic_socket<boost::asio::local::datagram_protocol>;
}  // namespace local

}  // namespace sockmode

#endif  // SOCKMODE_LOCAL_HPP
