// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/tcp_stream.hpp>

#include <sockmode/error.hpp>
#include <sockmode/io_error.hpp>
#include <sockmode/timeout_error.hpp>

#include <boost/asio/error.hpp>

#include <string>

namespace sockmode {

using boost::system::error_code;

namespace {

// A socket that is not open yet, on `executor`, in `mode`, with `source`'s deadlines.
tcp::socket new_socket(const tcp_stream::executor_type& executor, timeout_type mode,
                       deadline_type read_deadline, deadline_type write_deadline) {
  tcp::socket socket{tcp::protocol::socket(executor)};
  socket.settimeout(mode);
  socket.set_read_deadline(read_deadline);
  socket.set_write_deadline(write_deadline);
  return socket;
}

// The executor of a socket's Asio object: the acceptor's, for an accepted socket.
template <class Socket>
auto executor_of(Socket& socket, int) -> decltype(tcp_stream::executor_type(socket.get_executor())) {
  return socket.get_executor();
}
template <class Socket>
auto executor_of(Socket& socket, long)
    -> decltype(tcp_stream::executor_type(socket.next_layer().get_executor())) {
  return socket.next_layer().get_executor();
}

}  // namespace

tcp_stream::tcp_stream(const executor_type& executor)
    : socket_(tcp::protocol::socket(executor)), executor_(executor) {}

tcp_stream::tcp_stream(socket_type&& socket)
    : socket_(std::move(socket)), executor_(executor_of(socket_, 0)) {}

tcp_stream::~tcp_stream() = default;

void tcp_stream::renew_socket() {
  socket_ = new_socket(executor_, socket_.gettimeout(), socket_.read_deadline(),
                       socket_.write_deadline());
  closed_ = false;
}

tcp_stream::socket_type tcp_stream::release_socket() {
  if (closed_) renew_socket();
  socket_type released = std::move(socket_);
  socket_ = new_socket(executor_, released.gettimeout(), std::nullopt, std::nullopt);
  if (released.is_open()) released.set_deadline(std::nullopt);
  return released;
}

void tcp_stream::expires_after(std::chrono::steady_clock::duration expiry_time) {
  const auto now = std::chrono::steady_clock::now();
  // A duration past the clock's range means never, as Beast's timer saturates.
  if (expiry_time > std::chrono::steady_clock::time_point::max() - now) return expires_never();
  expires_at(now + expiry_time);
}

void tcp_stream::expires_at(std::chrono::steady_clock::time_point expiry_time) {
  if (closed_) renew_socket();
  socket_.set_deadline(expiry_time);
}

void tcp_stream::expires_never() {
  if (closed_) renew_socket();
  socket_.set_deadline(std::nullopt);
}

bool tcp_stream::expired() const noexcept {
  const deadline_type deadline = socket_.write_deadline();
  return deadline && *deadline <= std::chrono::steady_clock::now();
}

void tcp_stream::cancel() {
  error_code ignored;  // a socket closed meanwhile has nothing to cancel
  socket_.cancel(ignored);
}

void tcp_stream::close() {
  error_code ignored;
  socket_.close(ignored);
  closed_ = true;
}

void tcp_stream::connect_socket(const endpoint_type& endpoint, error_code& ec) {
  if (closed_) renew_socket();
  socket_.connect(endpoint, ec);
}

void tcp_stream::fail(const error_code& ec, const char* op, bool timeout) const {
  std::string what = std::string("tcp_stream ") + op;
  error_code ignored;
  const endpoint_type peer = socket_.remote_endpoint(ignored);
  if (!ignored) what += " " + peer.address().to_string() + ":" + std::to_string(peer.port());
  if (timeout) throw timeout_error(ec, what, 0, std::string());
  throw io_error(ec, what, 0, std::string());
}

}  // namespace sockmode
