// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/socketpair.hpp>

#include "last_error.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sockmode {
namespace {

using boost::system::error_code;

template <class Protocol>
std::pair<basic_socket<Protocol>, basic_socket<Protocol>> make_pair(const Protocol& protocol,
                                                                    error_code& ec) {
  int fds[2] = {-1, -1};
  if (::socketpair(protocol.family(), protocol.type() | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   protocol.protocol(), fds) != 0) {
    ec = detail::last_error();
    return {};
  }
  ec = {};
  const auto close_unowned = [&fds] {
    for (const int fd : fds)
      if (fd >= 0) ::close(fd);
  };
  try {
    basic_socket<Protocol> first(protocol, fds[0]);  // owns its descriptor once constructed
    fds[0] = -1;
    basic_socket<Protocol> second(protocol, fds[1]);
    fds[1] = -1;
    return {std::move(first), std::move(second)};
  } catch (const io_error& e) {
    close_unowned();
    ec = e.code();
    return {};
  } catch (...) {
    close_unowned();
    throw;
  }
}

template <class Protocol>
std::pair<basic_socket<Protocol>, basic_socket<Protocol>> make_pair(const Protocol& protocol) {
  error_code ec;
  auto pair = make_pair(protocol, ec);
  if (ec) detail::throw_error(ec, "socketpair");
  return pair;
}

}  // namespace

std::pair<local::stream_socket, local::stream_socket> socketpair(
    const boost::asio::local::stream_protocol& protocol) {
  return make_pair(protocol);
}

std::pair<local::stream_socket, local::stream_socket> socketpair(
    const boost::asio::local::stream_protocol& protocol, error_code& ec) {
  return make_pair(protocol, ec);
}

std::pair<local::datagram_socket, local::datagram_socket> socketpair(
    const boost::asio::local::datagram_protocol& protocol) {
  return make_pair(protocol);
}

std::pair<local::datagram_socket, local::datagram_socket> socketpair(
    const boost::asio::local::datagram_protocol& protocol, error_code& ec) {
  return make_pair(protocol, ec);
}

}  // namespace sockmode
