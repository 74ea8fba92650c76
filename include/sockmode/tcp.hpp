// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TCP_HPP
#define SOCKMODE_TCP_HPP

#include <sockmode/basic_acceptor.hpp>
#include <sockmode/basic_socket.hpp>
#include <sockmode/basic_socket_iostream.hpp>
#include <sockmode/basic_socket_streambuf.hpp>

#include <boost/asio/ip/tcp.hpp>

namespace sockmode {

extern template class SOCKMODE_API basic_socket<boost::asio::ip::tcp>;
extern template class SOCKMODE_API basic_acceptor<boost::asio::ip::tcp>;
extern template class SOCKMODE_API basic_socket_streambuf<boost::asio::ip::tcp>;
extern template class SOCKMODE_API basic_socket_iostream<boost::asio::ip::tcp>;

namespace tcp {
using protocol = boost::asio::ip::tcp;
using endpoint = protocol::endpoint;
using socket = basic_socket<protocol>;
using acceptor = basic_acceptor<protocol>;
using iostream = basic_socket_iostream<protocol>;  // Python: sock.makefile()
}  // namespace tcp

}  // namespace sockmode

#endif  // SOCKMODE_TCP_HPP
