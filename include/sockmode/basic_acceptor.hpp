// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_BASIC_ACCEPTOR_HPP
#define SOCKMODE_BASIC_ACCEPTOR_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/basic_socket.hpp>

#include <boost/asio/socket_base.hpp>

namespace sockmode {

/// A listening socket whose `accept` follows its own mode (timeout: `error::timeout`,
/// non-blocking: `would_block`). Mode members, deadlines (`accept` and `wait(wait_read)` follow
/// the read deadline), `cancel` and the thread rules are as for basic_socket.
///
/// An accepted socket starts in `getdefaulttimeout()` if a default is set, otherwise in
/// blocking mode, whatever the listener's mode and on every OS.
template <class Protocol>
class SOCKMODE_API basic_acceptor : public detail::io_object, public boost::asio::socket_base {
 public:
  using protocol_type = Protocol;
  using endpoint_type = typename Protocol::endpoint;
  using socket_type = basic_socket<Protocol>;
  using next_layer_type = typename Protocol::acceptor;
  using native_handle_type = typename next_layer_type::native_handle_type;
  using wait_type = boost::asio::socket_base::wait_type;

  /// Opens, binds (with SO_REUSEADDR when `reuse`) and listens with `backlog`.
  /// `backlog` 0 is honoured as given: the kernel then queues at most one connection.
  explicit basic_acceptor(const endpoint_type& endpoint,
                          int backlog = boost::asio::socket_base::max_listen_connections,
                          bool reuse = true);
  /// Adopts an Asio acceptor, which should already be listening. The mode is
  /// `getdefaulttimeout()`.
  explicit basic_acceptor(next_layer_type&& acceptor);

  basic_acceptor(basic_acceptor&& other) noexcept = default;
  basic_acceptor& operator=(basic_acceptor&& other) noexcept;
  ~basic_acceptor();

  /// Python's `accept`.
  socket_type accept();
  socket_type accept(boost::system::error_code& ec);
  socket_type accept(endpoint_type& peer);
  socket_type accept(endpoint_type& peer, boost::system::error_code& ec);

  /// As basic_socket::wait.
  void wait(wait_type what, timeout_type timeout);
  void wait(wait_type what, timeout_type timeout, boost::system::error_code& ec);
  /// As basic_socket::wait: for at most the mode's timeout.
  void wait(wait_type what) { wait(what, gettimeout()); }
  void wait(wait_type what, boost::system::error_code& ec) { wait(what, gettimeout(), ec); }

  void close();
  void close(boost::system::error_code& ec);

  bool is_open() const noexcept { return acceptor_.is_open(); }
  /// Always O_NONBLOCK; see basic_socket::native_handle.
  native_handle_type native_handle() noexcept { return acceptor_.native_handle(); }
  endpoint_type local_endpoint() const;
  endpoint_type local_endpoint(boost::system::error_code& ec) const;

  /// The Asio acceptor, for options. Do not use it for I/O or to change its blocking flags.
  next_layer_type& next_layer() noexcept { return acceptor_; }

 private:
  void adopt(boost::system::error_code& ec);
  socket_type accept_into(endpoint_type* peer, boost::system::error_code& ec);
  // Throws for a failed `op`, naming it, the listening address and, for a timeout, the
  // timeout: "accept on 127.0.0.1:5000: timed out after 1 s".
  [[noreturn]] void fail(const boost::system::error_code& ec, const char* op,
                         timeout_type timeout) const;

  next_layer_type acceptor_;
};

}  // namespace sockmode

#endif  // SOCKMODE_BASIC_ACCEPTOR_HPP
