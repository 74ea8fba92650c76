// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_UDP_HPP
#define SOCKMODE_UDP_HPP

#include <sockmode/basic_socket.hpp>

#include <boost/asio/ip/udp.hpp>

namespace sockmode {

extern template class SOCKMODE_API basic_socket<boost::asio::ip::udp>;

namespace udp {
using protocol = boost::asio::ip::udp;
using endpoint = protocol::endpoint;
using socket = basic_socket<protocol>;
}  // namespace udp

}  // namespace sockmode

#endif  // SOCKMODE_UDP_HPP
