// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/basic_acceptor.hpp>
#include <sockmode/local.hpp>
#include <sockmode/tcp.hpp>

#include "describe.hpp"
#include "home_context.hpp"

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
basic_acceptor<Protocol>::basic_acceptor(next_layer_type&& acceptor)
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
auto basic_acceptor<Protocol>::accept_into(endpoint_type* peer, error_code& ec) -> socket_type {
  endpoint_type from;
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
  state_->shut([&] {
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
  state_->use(
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
