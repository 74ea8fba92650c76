// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/basic_acceptor.hpp>
#include <sockmode/local.hpp>
#include <sockmode/tcp.hpp>

#include "describe.hpp"
#include "home_context.hpp"
#include "syscalls.hpp"
#include "wait/io_state.hpp"

#include <cerrno>
#include <utility>

namespace sockmode {

using boost::system::error_code;

template <class Protocol>
basic_acceptor<Protocol>::basic_acceptor(const endpoint_type& endpoint, int backlog,
                                         bool reuse)
    : acceptor_(detail::home_context()) {
  error_code ec;
  const Protocol protocol = endpoint.protocol();
  const int fd = detail::open_socket(protocol.family(), protocol.type(), protocol.protocol(), ec);
  if (ec) detail::throw_error(ec, "socket");
  acceptor_.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    detail::throw_error(ec, "socket");
  }
  if (reuse) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (ec) detail::throw_error(ec, "setsockopt");
  acceptor_.bind(endpoint, ec);
  if (ec) detail::throw_error(ec, detail::describe("bind", endpoint), 0, std::nullopt);
  acceptor_.listen(backlog, ec);
  if (ec) detail::throw_error(ec, detail::describe("listen", endpoint), 0, std::nullopt);
  state_->set_descriptor(fd);
}

template <class Protocol>
basic_acceptor<Protocol>::basic_acceptor(const executor_type& executor) : acceptor_(executor) {}

template <class Protocol>
basic_acceptor<Protocol>::basic_acceptor(const executor_type& executor,
                                         const Protocol& protocol)
    : acceptor_(executor) {
  open(protocol);
}

template <class Protocol>
basic_acceptor<Protocol>::basic_acceptor(const executor_type& executor,
                                         const endpoint_type& endpoint, bool reuse_addr)
    : acceptor_(executor) {
  // No destructor runs for a constructor that throws: close what was opened.
  error_code ec;
  const char* op = "socket";
  open(endpoint.protocol(), ec);
  if (!ec && reuse_addr) {
    op = "setsockopt";
    set_option(boost::asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    op = "bind";
    bind(endpoint, ec);
  }
  if (!ec) {
    op = "listen";
    listen(boost::asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    error_code ignored;
    close(ignored);
    detail::throw_error(ec, detail::describe(op, endpoint), 0, std::nullopt);
  }
}

template <class Protocol>
basic_acceptor<Protocol>::basic_acceptor(const executor_type& executor,
                                         const Protocol& protocol, native_handle_type fd)
    : acceptor_(executor) {
  assign(protocol, fd);
}

template <class Protocol>
void basic_acceptor<Protocol>::reopen_if_closed() {
  if (state_->closed()) renew_state();
}

template <class Protocol>
void basic_acceptor<Protocol>::open(const Protocol& protocol) {
  error_code ec;
  open(protocol, ec);
  if (ec) detail::throw_error(ec, "socket");
}

template <class Protocol>
void basic_acceptor<Protocol>::open(const Protocol& protocol, error_code& ec) {
  if (acceptor_.is_open()) {
    ec = boost::asio::error::already_open;
    return;
  }
  reopen_if_closed();
  state_->open(
      [&](error_code& e) {
        const int fd =
            detail::open_socket(protocol.family(), protocol.type(), protocol.protocol(), e);
        if (e) return;
        acceptor_.assign(protocol, fd, e);
        if (e) ::close(fd);
        else state_->set_descriptor(fd);
      },
      ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::assign(const Protocol& protocol, native_handle_type fd) {
  error_code ec;
  assign(protocol, fd, ec);
  if (ec) detail::throw_error(ec, "assign");
}

template <class Protocol>
void basic_acceptor<Protocol>::assign(const Protocol& protocol, native_handle_type fd,
                                      error_code& ec) {
  if (acceptor_.is_open()) {
    ec = boost::asio::error::already_open;
    return;
  }
  reopen_if_closed();
  state_->open(
      [&](error_code& e) {
        detail::check_socket(fd, protocol.family(), protocol.type(), e);
        if (!e) acceptor_.assign(protocol, fd, e);
        if (!e) adopt(e);
      },
      ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::bind(const endpoint_type& endpoint) {
  error_code ec;
  bind(endpoint, ec);
  if (ec) detail::throw_error(ec, detail::describe("bind", endpoint), 0, std::nullopt);
}

template <class Protocol>
void basic_acceptor<Protocol>::bind(const endpoint_type& endpoint, error_code& ec) {
  if (!acceptor_.is_open()) open(endpoint.protocol(), ec);
  if (ec) return;
  on_descriptor([&](error_code& e) { acceptor_.bind(endpoint, e); }, ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::listen(int backlog) {
  error_code ec;
  listen(backlog, ec);
  if (ec) fail(ec, "listen", std::nullopt);
}

template <class Protocol>
void basic_acceptor<Protocol>::listen(int backlog, error_code& ec) {
  on_descriptor([&](error_code& e) { acceptor_.listen(backlog, e); }, ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::on_descriptor(
    detail::function_ref<void(error_code&)> f, error_code& ec) const {
  state_->perform_without_waiting(
      [&](error_code& e) -> std::size_t {
        f(e);
        return 0;
      },
      ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
}

template <class Protocol>
void basic_acceptor<Protocol>::non_blocking(bool mode, error_code& ec) {
  if (state_->closed()) {
    ec = boost::asio::error::bad_descriptor;
    return;
  }
  ec = {};
  setblocking(!mode);
}

template <class Protocol>
basic_acceptor<Protocol>::basic_acceptor(asio_acceptor_type&& acceptor)
    : acceptor_(std::move(acceptor)) {
  error_code ec;
  if (acceptor_.is_open()) adopt(ec);
  if (ec) detail::throw_error(ec, "listen");
}

template <class Protocol>
basic_acceptor<Protocol>& basic_acceptor<Protocol>::operator=(basic_acceptor&& other) noexcept {
  if (this != &other) {
    error_code ignored;
    close(ignored);
    io_object::operator=(std::move(other));
    acceptor_ = std::move(other.acceptor_);
  }
  return *this;
}

template <class Protocol>
basic_acceptor<Protocol>::~basic_acceptor() {
  error_code ignored;
  close(ignored);
}

template <class Protocol>
void basic_acceptor<Protocol>::adopt(error_code& ec) {
  acceptor_.native_non_blocking(true, ec);
  if (!ec) state_->set_descriptor(acceptor_.native_handle());
}

template <class Protocol>
auto basic_acceptor<Protocol>::accept() -> socket_type {
  error_code ec;
  socket_type peer = accept(ec);
  if (ec) fail(ec, "accept", gettimeout());
  return peer;
}

template <class Protocol>
auto basic_acceptor<Protocol>::accept(error_code& ec) -> socket_type {
  return accept_into(nullptr, ec);
}

template <class Protocol>
auto basic_acceptor<Protocol>::accept(endpoint_type& peer) -> socket_type {
  error_code ec;
  socket_type s = accept(peer, ec);
  if (ec) fail(ec, "accept", gettimeout());
  return s;
}

template <class Protocol>
auto basic_acceptor<Protocol>::accept(endpoint_type& peer, error_code& ec) -> socket_type {
  return accept_into(&peer, ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::accept(socket_type& peer) {
  error_code ec;
  accept(peer, ec);
  if (ec) fail(ec, "accept", gettimeout());
}

template <class Protocol>
void basic_acceptor<Protocol>::accept(socket_type& peer, error_code& ec) {
  accept_into(peer, nullptr, ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::accept(socket_type& peer, endpoint_type& peer_endpoint) {
  error_code ec;
  accept(peer, peer_endpoint, ec);
  if (ec) fail(ec, "accept", gettimeout());
}

template <class Protocol>
void basic_acceptor<Protocol>::accept(socket_type& peer, endpoint_type& peer_endpoint,
                                      error_code& ec) {
  accept_into(peer, &peer_endpoint, ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::accept_into(socket_type& peer, endpoint_type* peer_endpoint,
                                           error_code& ec) {
  if (peer.is_open() || peer.socket_.is_open()) {
    ec = boost::asio::error::already_open;
    return;
  }
  endpoint_type from;
  const int fd = accept_descriptor(from, ec);
  if (ec) return;
  if (peer_endpoint != nullptr) *peer_endpoint = from;
  try {
    peer = socket_type(peer.get_executor(), fd, from.protocol());
  } catch (...) {
    ::close(fd);
    throw;
  }
}

template <class Protocol>
auto basic_acceptor<Protocol>::accept_into(endpoint_type* peer, error_code& ec) -> socket_type {
  endpoint_type from;
  const int fd = accept_descriptor(from, ec);
  if (ec) return socket_type();
  if (peer != nullptr) *peer = from;
  try {
    // Starts in getdefaulttimeout(), else blocking: never the listener's mode.
    return socket_type(acceptor_.get_executor(), fd, from.protocol());
  } catch (...) {
    ::close(fd);
    throw;
  }
}

template <class Protocol>
int basic_acceptor<Protocol>::accept_descriptor(endpoint_type& from, error_code& ec) {
  int fd = -1;
  state_->perform(
      wait_type::wait_read,
      [&](error_code& e) -> std::size_t {
        std::size_t size = from.capacity();
        fd = detail::accept_socket(acceptor_.native_handle(), from.data(), &size, e);
        if (!e) detail::resize_endpoint(from, size);
        // A connection that died in the queue: wait for the next one, as Asio does.
        if (e == boost::asio::error::connection_aborted || e.value() == EPROTO)
          e = boost::asio::error::would_block;
        return 0;
      },
      ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
  return fd;
}

template <class Protocol>
void basic_acceptor<Protocol>::wait(wait_type what, timeout_type timeout) {
  error_code ec;
  wait(what, timeout, ec);
  if (ec) fail(ec, "wait", timeout);
}

template <class Protocol>
void basic_acceptor<Protocol>::wait(wait_type what, timeout_type timeout, error_code& ec) {
  if (!detail::is_wait_type(what)) {
    ec = boost::asio::error::invalid_argument;
    return;
  }
  state_->wait(what, timeout, ec);
}

template <class Protocol>
void basic_acceptor<Protocol>::close() {
  error_code ec;
  close(ec);
  if (ec) detail::throw_error(ec, "close");
}

template <class Protocol>
void basic_acceptor<Protocol>::close(error_code& ec) {
  ec = {};
  state_->close_when_unused([&] {
    if (acceptor_.is_open()) acceptor_.close(ec);
  });
}

template <class Protocol>
auto basic_acceptor<Protocol>::local_endpoint() const -> endpoint_type {
  error_code ec;
  auto endpoint = local_endpoint(ec);
  if (ec) detail::throw_error(ec, "local_endpoint");
  return endpoint;
}

template <class Protocol>
auto basic_acceptor<Protocol>::local_endpoint(error_code& ec) const -> endpoint_type {
  endpoint_type endpoint;
  state_->perform_without_waiting(
      [&](error_code& e) -> std::size_t {
        endpoint = acceptor_.local_endpoint(e);
        return 0;
      },
      ec);
  return endpoint;
}

template <class Protocol>
void basic_acceptor<Protocol>::fail(const error_code& ec, const char* op,
                                    timeout_type timeout) const {
  error_code e;
  std::string what = op;
  if (const endpoint_type local = local_endpoint(e); !e) what = detail::describe(op, local, "on ");
  // A deadline may have been what ended the call: then no timeout is named.
  detail::throw_error(ec, what, 0, read_deadline() ? std::nullopt : timeout);
}

template class basic_acceptor<boost::asio::ip::tcp>;
template class basic_acceptor<boost::asio::local::stream_protocol>;

}  // namespace sockmode
