// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/basic_socket.hpp>
#include <sockmode/local.hpp>
#include <sockmode/tcp.hpp>
#include <sockmode/udp.hpp>

#include "describe.hpp"
#include "home_context.hpp"
#include "last_error.hpp"
#include "syscalls.hpp"
#include "wait/io_state.hpp"

#include <boost/asio/detail/socket_ops.hpp>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace sockmode {

using boost::system::error_code;

namespace {

// Runs `syscall` (-1 and errno when it fails) once under perform_without_waiting(), the guard
// against a concurrent close(): for the calls that never wait.
template <class Syscall>
void syscall_without_waiting(detail::io_state& state, const Syscall& syscall, error_code& ec) {
  state.perform_without_waiting(
      [&](error_code& e) -> std::size_t {
        e = syscall() < 0 ? detail::last_error() : error_code();
        return 0;
      },
      ec);
}

}  // namespace

template <class Protocol>
basic_socket<Protocol>::basic_socket() : socket_(detail::home_context()) {}

template <class Protocol>
basic_socket<Protocol>::basic_socket(const Protocol& protocol)
    : socket_(detail::home_context()) {
  error_code ec;
  open_socket(protocol, ec);
  if (ec) detail::throw_error(ec, "socket");
}

template <class Protocol>
basic_socket<Protocol>::basic_socket(const executor_type& executor, int fd,
                                     const Protocol& protocol)
    : socket_(executor), protocol_(protocol) {
  state_->set_descriptor(fd);
}

template <class Protocol>
basic_socket<Protocol>::basic_socket(const executor_type& executor) : socket_(executor) {}

template <class Protocol>
basic_socket<Protocol>::basic_socket(const executor_type& executor, const Protocol& protocol)
    : socket_(executor) {
  open(protocol);
}

template <class Protocol>
basic_socket<Protocol>::basic_socket(const executor_type& executor,
                                     const endpoint_type& endpoint)
    : socket_(executor) {
  error_code ec;
  open(endpoint.protocol(), ec);
  if (ec) detail::throw_error(ec, "socket");
  bind(endpoint, ec);
  if (ec) {
    error_code ignored;
    close(ignored);  // no destructor runs for a constructor that throws
    detail::throw_error(ec, detail::describe("bind", endpoint), 0, std::nullopt);
  }
}

template <class Protocol>
basic_socket<Protocol>::basic_socket(const executor_type& executor, const Protocol& protocol,
                                     native_handle_type fd)
    : socket_(executor) {
  error_code ec;
  assign_descriptor(protocol, fd, ec);
  if (ec) detail::throw_error(ec, "socket");
}

template <class Protocol>
void basic_socket<Protocol>::reopen_if_closed() {
  if (!state_->closed()) return;
  renew_state();
  asio_owns_ = false;
  protocol_.reset();
}

template <class Protocol>
void basic_socket<Protocol>::open(const Protocol& protocol) {
  error_code ec;
  open(protocol, ec);
  if (ec) detail::throw_error(ec, "socket");
}

template <class Protocol>
void basic_socket<Protocol>::open(const Protocol& protocol, error_code& ec) {
  if (is_open() || socket_.is_open()) {
    ec = boost::asio::error::already_open;
    return;
  }
  reopen_if_closed();
  state_->open([&](error_code& e) { open_socket(protocol, e); }, ec);
}

template <class Protocol>
void basic_socket<Protocol>::assign(const Protocol& protocol, native_handle_type fd) {
  error_code ec;
  assign(protocol, fd, ec);
  if (ec) detail::throw_error(ec, "assign");
}

template <class Protocol>
void basic_socket<Protocol>::assign(const Protocol& protocol, native_handle_type fd,
                                    error_code& ec) {
  if (is_open() || socket_.is_open()) {
    ec = boost::asio::error::already_open;
    return;
  }
  reopen_if_closed();
  state_->open([&](error_code& e) { assign_descriptor(protocol, fd, e); }, ec);
}

template <class Protocol>
Protocol basic_socket<Protocol>::option_protocol(error_code& ec) const {
  if (protocol_) {
    ec = is_open() ? error_code() : boost::asio::error::bad_descriptor;
    return *protocol_;
  }
  // Adopted from Asio or opened through asio_socket(): the descriptor's own family.
  const endpoint_type local = local_endpoint(ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
  return local.protocol();
}

template <class Protocol>
void basic_socket<Protocol>::set_raw_option(int level, int name, const void* data,
                                            std::size_t size, error_code& ec) {
  state_->perform_without_waiting(
      [&](error_code& e) -> std::size_t {
        boost::asio::detail::socket_ops::state_type flags = 0;
        boost::asio::detail::socket_ops::setsockopt(fd(), flags, level, name, data, size, e);
        return 0;
      },
      ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
}

template <class Protocol>
void basic_socket<Protocol>::get_raw_option(int level, int name, void* data, std::size_t* size,
                                            error_code& ec) const {
  state_->perform_without_waiting(
      [&](error_code& e) -> std::size_t {
        boost::asio::detail::socket_ops::getsockopt(fd(), 0, level, name, data, size, e);
        return 0;
      },
      ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
}

template <class Protocol>
void basic_socket<Protocol>::raw_io_control(int command, void* data, error_code& ec) {
  if (command == static_cast<int>(FIONBIO)) {
    ec = boost::asio::error::operation_not_supported;
    return;
  }
  const auto request = static_cast<unsigned long>(static_cast<unsigned>(command));
  syscall_without_waiting(*state_, [&] { return ::ioctl(fd(), request, data); }, ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
}

template <class Protocol>
std::size_t basic_socket<Protocol>::available() const {
  error_code ec;
  const std::size_t n = available(ec);
  if (ec) detail::throw_error(ec, "available");
  return n;
}

template <class Protocol>
std::size_t basic_socket<Protocol>::available(error_code& ec) const {
  int n = 0;
  syscall_without_waiting(*state_, [&] { return ::ioctl(fd(), FIONREAD, &n); }, ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
  return ec ? 0 : static_cast<std::size_t>(n);
}

template <class Protocol>
void basic_socket<Protocol>::non_blocking(bool mode, error_code& ec) {
  if (state_->closed()) {
    ec = boost::asio::error::bad_descriptor;
    return;
  }
  ec = {};
  setblocking(!mode);
}

template <class Protocol>
void teardown(boost::beast::role_type role, basic_socket<Protocol>& socket, error_code& ec) {
  if (role == boost::beast::role_type::server)
    socket.shutdown(boost::asio::socket_base::shutdown_send, ec);
  if (ec) return;
  // Until the peer's end of stream, under the socket's mode: what is still in flight is
  // dropped, as the websocket close has already been exchanged.
  char discard[2048];
  for (;;) {
    socket.read_some(boost::asio::buffer(discard), ec);
    if (ec == boost::asio::error::eof) break;
    if (ec) return;
  }
  ec = {};
  if (role == boost::beast::role_type::client)
    socket.shutdown(boost::asio::socket_base::shutdown_send, ec);
  if (ec) return;
  socket.close(ec);
}

template <class Protocol>
basic_socket<Protocol>::basic_socket(asio_socket_type&& socket) : socket_(std::move(socket)) {
  error_code ec;
  if (socket_.is_open()) adopt(ec);
  if (ec) detail::throw_error(ec, "socket");
}

template <class Protocol>
basic_socket<Protocol>::basic_socket(const Protocol& protocol, native_handle_type fd)
    : socket_(detail::home_context()) {
  error_code ec;
  assign_descriptor(protocol, fd, ec);
  if (ec) detail::throw_error(ec, "socket");
}

template <class Protocol>
void basic_socket<Protocol>::assign_descriptor(const Protocol& protocol, int fd,
                                               error_code& ec) {
  detail::check_socket(fd, protocol.family(), protocol.type(), ec);
  if (ec) return;
  protocol_ = protocol;
  state_->set_descriptor(fd);
}

template <class Protocol>
basic_socket<Protocol> basic_socket<Protocol>::fromfd(native_handle_type fd,
                                                      const Protocol& protocol) {
  error_code ec;
  basic_socket s = fromfd(fd, protocol, ec);
  if (ec) detail::throw_error(ec, "fromfd");
  return s;
}

template <class Protocol>
basic_socket<Protocol> basic_socket<Protocol>::fromfd(native_handle_type fd,
                                                      const Protocol& protocol,
                                                      error_code& ec) {
  basic_socket s;
  const int copy = detail::duplicate(fd, ec);
  if (ec) return s;
  s.assign_descriptor(protocol, copy, ec);
  if (ec) ::close(copy);
  return s;
}

template <class Protocol>
basic_socket<Protocol> basic_socket<Protocol>::dup() const {
  error_code ec;
  basic_socket s = dup(ec);
  if (ec) detail::throw_error(ec, "dup");
  return s;
}

template <class Protocol>
basic_socket<Protocol> basic_socket<Protocol>::dup(error_code& ec) const {
  basic_socket copy;
  int copy_fd = -1;
  endpoint_type local;
  // Never waits, and no deadline applies; perform_without_waiting() is the guard against a
  // concurrent close().
  state_->perform_without_waiting(
      [&](error_code& e) -> std::size_t {
        // The protocol from the descriptor itself: a socket adopted from Asio or opened
        // through asio_socket() has no protocol_.
        socklen_t size = static_cast<socklen_t>(local.capacity());
        if (::getsockname(fd(), local.data(), &size) != 0) {
          e = detail::last_error();
          return 0;
        }
        detail::resize_endpoint(local, size);
        copy_fd = detail::duplicate(fd(), e);
        return 0;
      },
      ec);
  if (ec == boost::asio::error::not_connected) ec = boost::asio::error::bad_descriptor;
  if (ec) return copy;
  copy.protocol_ = local.protocol();
  copy.state_->set_descriptor(copy_fd);
  copy.state_->set_timeout(gettimeout());
  return copy;
}

template <class Protocol>
basic_socket<Protocol>& basic_socket<Protocol>::operator=(basic_socket&& other) noexcept {
  if (this != &other) {
    error_code ignored;
    close(ignored);
    io_object::operator=(std::move(other));
    socket_ = std::move(other.socket_);
    protocol_ = other.protocol_;
    asio_owns_ = other.asio_owns_;
  }
  return *this;
}

template <class Protocol>
basic_socket<Protocol>::~basic_socket() {
  error_code ignored;
  close(ignored);
}

template <class Protocol>
void basic_socket<Protocol>::adopt(error_code& ec) {
  // sockmode makes its syscalls itself, on a descriptor that must never block.
  socket_.native_non_blocking(true, ec);
  if (ec) return;
  asio_owns_ = true;
  state_->set_descriptor(socket_.native_handle());
}

template <class Protocol>
void basic_socket<Protocol>::open_socket(const Protocol& protocol, error_code& ec) {
  // No Asio object yet: registering with a reactor costs an epoll_ctl at open and at close,
  // a third of a connect+accept round; asio_socket() makes it if it is ever wanted.
  const int fd = detail::open_socket(protocol.family(), protocol.type(), protocol.protocol(), ec);
  if (ec) return;
  protocol_ = protocol;
  state_->set_descriptor(fd);
}

template <class Protocol>
void basic_socket<Protocol>::materialize(error_code& ec) const {
  // Also inside close_when_unused()'s last step, for release(): closed_ is set by then, but the
  // descriptor is still open until that step ends.
  ec = {};
  if (asio_owns_ || fd() < 0 || !protocol_ || !state_->descriptor_open()) return;
  socket_.assign(*protocol_, fd(), ec);
  if (!ec) asio_owns_ = true;
}

template <class Protocol>
auto basic_socket<Protocol>::asio_socket() -> asio_socket_type& {
  error_code ec;
  state_->serialize([&] { materialize(ec); });
  if (ec) detail::throw_error(ec, "asio_socket");
  return socket_;
}

template <class Protocol>
auto basic_socket<Protocol>::asio_socket() const -> const asio_socket_type& {
  error_code ec;
  state_->serialize([&] { materialize(ec); });
  if (ec) detail::throw_error(ec, "asio_socket");
  return socket_;
}

template <class Protocol>
void basic_socket<Protocol>::open_for(const endpoint_type& endpoint, error_code& ec) {
  state_->open(
      [&](error_code& e) {
        if (socket_.is_open()) adopt(e);  // opened through asio_socket(): use that descriptor
        else open_socket(endpoint.protocol(), e);
      },
      ec);
}

template <class Protocol>
void basic_socket<Protocol>::bind(const endpoint_type& endpoint) {
  error_code ec;
  bind(endpoint, ec);
  if (ec) detail::throw_error(ec, detail::describe("bind", endpoint), 0, std::nullopt);
}

template <class Protocol>
void basic_socket<Protocol>::bind(const endpoint_type& endpoint, error_code& ec) {
  open_for(endpoint, ec);
  if (ec) return;
  const auto size = static_cast<socklen_t>(endpoint.size());
  syscall_without_waiting(*state_, [&] { return ::bind(fd(), endpoint.data(), size); }, ec);
}

template <class Protocol>
void basic_socket<Protocol>::connect(const endpoint_type& endpoint) {
  error_code ec;
  connect(endpoint, ec);
  if (ec) {
    detail::throw_error(ec, detail::describe("connect", endpoint), 0, shown_timeout(gettimeout()));
  }
}

template <class Protocol>
void basic_socket<Protocol>::connect(const endpoint_type& endpoint, error_code& ec) {
  open_for(endpoint, ec);
  if (ec) return;
  // Asio's own connect would poll without a deadline, so the syscall is made here. Once this
  // call has started the handshake, connecting again reports how it went: 0 when it completed,
  // EALREADY while still in progress, or the kernel's error. A mode that would wait asks once
  // more before waiting: on loopback the handshake has usually completed by then, which saves
  // the wait's registration and epoll round trip.
  const bool may_wait = getblocking();
  bool started = false;
  const auto attempt = [&](error_code& e) -> std::size_t {
    if (::connect(fd(), endpoint.data(),
                  static_cast<socklen_t>(endpoint.size())) == 0) {
      e = {};
    } else if (errno == EINPROGRESS || (errno == EALREADY && (started || !gettimeout()))) {
      // EALREADY at the first attempt: a handshake an earlier call began. A blocking
      // descriptor waits for it in the kernel, so blocking mode waits too, as CPython's does;
      // the other modes report EALREADY at once, as CPython's non-blocking descriptor does.
      e = boost::asio::error::would_block;
    } else if (started && errno == EISCONN) {
      e = {};
    } else if (errno == EAGAIN) {
      // A full Unix backlog (or, for other families, a kernel short of resources): not a
      // connect in progress, and no readiness event will say when to try again. Blocking mode
      // retries a Unix connect after a back-off sleep, as CPython's blocking descriptor sleeps
      // in the kernel until the listener accepts; otherwise it fails at once, as in CPython.
      e = detail::io_state::no_readiness_event();
    } else {
      e = detail::last_error();
    }
    return 0;
  };
  const auto attempt_twice = [&](error_code& e) -> std::size_t {
    attempt(e);
    if (!started && may_wait && e == boost::asio::error::would_block) {
      started = true;
      attempt(e);
    }
    started = true;
    return 0;
  };
  if (endpoint.protocol().family() == AF_UNIX) {
    state_->perform_with_back_off(wait_type::wait_write, attempt_twice, ec);
  } else {
    state_->perform(wait_type::wait_write, attempt_twice, ec);
  }
}

template <class Protocol>
error_code basic_socket<Protocol>::connect_ex(const endpoint_type& endpoint) {
  error_code ec;
  connect(endpoint, ec);
  return ec;
}

template <class Protocol>
void basic_socket<Protocol>::wait(wait_type what, timeout_type timeout) {
  error_code ec;
  wait(what, timeout, ec);
  if (ec) fail(ec, "wait", 0, shown_timeout(timeout));
}

template <class Protocol>
void basic_socket<Protocol>::wait(wait_type what, timeout_type timeout, error_code& ec) {
  if (!detail::is_wait_type(what)) {
    ec = boost::asio::error::invalid_argument;
    return;
  }
  state_->wait(what, timeout, ec);
}

template <class Protocol>
void basic_socket<Protocol>::shutdown(shutdown_type what) {
  error_code ec;
  shutdown(what, ec);
  if (ec) detail::throw_error(ec, "shutdown");
}

template <class Protocol>
void basic_socket<Protocol>::shutdown(shutdown_type what, error_code& ec) {
  syscall_without_waiting(*state_, [&] { return ::shutdown(fd(), static_cast<int>(what)); }, ec);
}

template <class Protocol>
void basic_socket<Protocol>::close() {
  error_code ec;
  close(ec);
  if (ec) detail::throw_error(ec, "close");
}

template <class Protocol>
void basic_socket<Protocol>::close(error_code& ec) {
  ec = {};
  state_->close_when_unused([&] {
    if (asio_owns_) {
      if (socket_.is_open()) socket_.close(ec);
    } else if (fd() >= 0 && ::close(fd()) != 0) {
      ec = detail::last_error();
    }
  });
}

template <class Protocol>
typename basic_socket<Protocol>::asio_socket_type basic_socket<Protocol>::release() {
  asio_socket_type released(socket_.get_executor());
  state_->close_when_unused([&] {
    error_code ec;
    materialize(ec);
    if (ec && fd() >= 0) ::close(fd());  // could not hand it over: do not leak it
    if (socket_.is_open()) {
      error_code ignored;
      socket_.non_blocking(false, ignored);
    }
    released = std::move(socket_);
  });
  return released;
}

template <class Protocol>
typename basic_socket<Protocol>::endpoint_type basic_socket<Protocol>::local_endpoint() const {
  error_code ec;
  auto endpoint = local_endpoint(ec);
  if (ec) detail::throw_error(ec, "local_endpoint");
  return endpoint;
}

template <class Protocol>
typename basic_socket<Protocol>::endpoint_type basic_socket<Protocol>::query_endpoint(
    int (*query)(int, sockaddr*, socklen_t*), error_code& ec) const {
  endpoint_type endpoint;
  socklen_t size = static_cast<socklen_t>(endpoint.capacity());
  syscall_without_waiting(*state_, [&] { return query(fd(), endpoint.data(), &size); }, ec);
  if (!ec) detail::resize_endpoint(endpoint, size);
  return endpoint;
}

template <class Protocol>
typename basic_socket<Protocol>::endpoint_type basic_socket<Protocol>::local_endpoint(
    error_code& ec) const {
  return query_endpoint(&::getsockname, ec);
}

template <class Protocol>
typename basic_socket<Protocol>::endpoint_type basic_socket<Protocol>::remote_endpoint() const {
  error_code ec;
  auto endpoint = remote_endpoint(ec);
  if (ec) detail::throw_error(ec, "remote_endpoint");
  return endpoint;
}

template <class Protocol>
typename basic_socket<Protocol>::endpoint_type basic_socket<Protocol>::remote_endpoint(
    error_code& ec) const {
  return query_endpoint(&::getpeername, ec);
}

template <class Protocol>
void basic_socket<Protocol>::fail(const error_code& ec, const char* op,
                                  std::size_t bytes_transferred, timeout_type timeout) const {
  error_code e;
  std::string what = op;
  if (const endpoint_type peer = remote_endpoint(e); !e) {
    what = detail::describe(op, peer);
  } else if (const endpoint_type local = local_endpoint(e); !e) {
    what = detail::describe(op, local, "on ");
  }
  detail::throw_error(ec, what, bytes_transferred, timeout);
}

template class basic_socket<boost::asio::ip::tcp>;
template class basic_socket<boost::asio::ip::udp>;
template class basic_socket<boost::asio::local::stream_protocol>;
template class basic_socket<boost::asio::local::datagram_protocol>;
template SOCKMODE_API void teardown(boost::beast::role_type, basic_socket<boost::asio::ip::tcp>&,
                                    error_code&);
template SOCKMODE_API void teardown(boost::beast::role_type,
                                    basic_socket<boost::asio::local::stream_protocol>&,
                                    error_code&);

}  // namespace sockmode
