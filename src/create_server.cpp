// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/create_server.hpp>
#include "home_context.hpp"
#include "last_error.hpp"
#include "syscalls.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace sockmode {
namespace {

using boost::system::error_code;
using detail::last_error;

bool set_flag(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// CPython's listen() without an argument.
constexpr int default_backlog = std::min(SOMAXCONN, 128);

// Everything up to listen(); on failure the descriptor is closed and `what` names the step.
int open_listener(const tcp::endpoint& endpoint, const create_server_options& options,
                  const char*& what, error_code& ec) {
  what = "socket";
  const tcp::protocol protocol = endpoint.protocol();
  const int fd = detail::open_socket(protocol.family(), protocol.type(), protocol.protocol(), ec);
  if (ec) return -1;
  // As CPython: a failed SO_REUSEADDR is ignored, a failed SO_REUSEPORT or IPV6_V6ONLY is not.
  set_flag(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  const auto step = [&](const char* name, bool ok) {
    if (!ec && !ok) {
      ec = last_error();
      what = name;
    }
  };
  if (options.reuse_port) step("setsockopt", set_flag(fd, SOL_SOCKET, SO_REUSEPORT, 1));
  if (endpoint.address().is_v6())
    step("setsockopt", set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.dualstack_ipv6 ? 0 : 1));
  if (!ec)
    step("bind",
         ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0);
  if (!ec)
    step("listen",
         ::listen(fd, std::max(0, options.backlog.value_or(default_backlog))) == 0);
  if (ec) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Python's ValueError cases, checked before anything is opened.
void check(const tcp::endpoint& endpoint, const create_server_options& options) {
  if (!options.dualstack_ipv6) return;
  if (!endpoint.address().is_v6())
    throw std::invalid_argument("create_server: dualstack_ipv6 requires an IPv6 endpoint");
  if (!has_dualstack_ipv6())
    throw std::invalid_argument("create_server: dualstack_ipv6 is not supported here");
}

// Both overloads: Python's ValueError cases first, before anything is opened; then the
// listener, handed to an acceptor, which takes the default timeout. On failure `what` names
// the step that failed.
tcp::acceptor create(const tcp::endpoint& endpoint, const create_server_options& options,
                     const char*& what, error_code& ec) {
  check(endpoint, options);
  boost::asio::ip::tcp::acceptor listener(detail::home_context());
  const int fd = open_listener(endpoint, options, what, ec);
  if (!ec) {
    what = "assign";
    listener.assign(endpoint.protocol(), fd, ec);
    if (ec) ::close(fd);
  }
  return tcp::acceptor(std::move(listener));
}

}  // namespace

tcp::acceptor create_server(const tcp::endpoint& endpoint, const create_server_options& options) {
  error_code ec;
  const char* what = nullptr;
  tcp::acceptor listener = create(endpoint, options, what, ec);
  if (ec) {
    std::ostringstream message;  // names the endpoint, as Python's message does
    message << "create_server: " << what << " on " << endpoint;
    detail::throw_error(ec, message.str(), 0, std::nullopt);
  }
  return listener;
}

tcp::acceptor create_server(const tcp::endpoint& endpoint, const create_server_options& options,
                            error_code& ec) {
  const char* what = nullptr;
  return create(endpoint, options, what, ec);
}

bool has_dualstack_ipv6() noexcept {
  error_code ec;
  const int fd = detail::open_socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP, ec);
  if (ec) return false;
  const bool ok = set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
  ::close(fd);
  return ok;
}

}  // namespace sockmode
