// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_BASIC_ACCEPTOR_HPP
#define SOCKMODE_BASIC_ACCEPTOR_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/basic_socket.hpp>

#include <boost/asio/socket_base.hpp>

#include <sys/ioctl.h>

namespace sockmode {

/// A listening socket whose `accept` follows its own mode (timeout: `error::timeout`,
/// non-blocking: `would_block`). Mode members, deadlines (`accept` and `wait(wait_read)` follow
/// the read deadline), `cancel` and the thread rules are as for basic_socket.
///
/// An accepted socket starts in `getdefaulttimeout()` if a default is set, otherwise in
/// blocking mode, whatever the listener's mode and on every OS.
///
/// Asio's construction and members are here too, with Asio's signatures (see basic_socket):
/// the context or executor given is the Asio acceptor's, which sockmode never runs.
template <class Protocol>
class SOCKMODE_API basic_acceptor : public detail::io_object, public boost::asio::socket_base {
 public:
  using protocol_type = Protocol;
  using endpoint_type = typename Protocol::endpoint;
  using socket_type = basic_socket<Protocol>;
  /// The Asio acceptor inside (see `asio_acceptor()`).
  using asio_acceptor_type = typename Protocol::acceptor;
  using executor_type = typename asio_acceptor_type::executor_type;
  using native_handle_type = typename asio_acceptor_type::native_handle_type;
  using wait_type = boost::asio::socket_base::wait_type;

  /// Opens, binds (with SO_REUSEADDR when `reuse`) and listens with `backlog`.
  /// `backlog` 0 is honoured as given: the kernel then queues at most one connection.
  explicit basic_acceptor(const endpoint_type& endpoint,
                          int backlog = boost::asio::socket_base::max_listen_connections,
                          bool reuse = true);
  /// Adopts an Asio acceptor, which should already be listening. The mode is
  /// `getdefaulttimeout()`.
  explicit basic_acceptor(asio_acceptor_type&& acceptor);

  /// Asio's constructors: on `executor` (or `context`'s), not yet open; open for `protocol`;
  /// opened, with SO_REUSEADDR when `reuse_addr`, bound to `endpoint` and listening with
  /// `max_listen_connections`, as Asio's; or adopting the open descriptor `fd`, which must
  /// be a socket of `protocol`. The mode is `getdefaulttimeout()`. Throw `io_error`.
  explicit basic_acceptor(const executor_type& executor);
  basic_acceptor(const executor_type& executor, const Protocol& protocol);
  basic_acceptor(const executor_type& executor, const endpoint_type& endpoint,
                 bool reuse_addr = true);
  basic_acceptor(const executor_type& executor, const Protocol& protocol,
                 native_handle_type fd);
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  explicit basic_acceptor(ExecutionContext& context)
      : basic_acceptor(executor_type(context.get_executor())) {}
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  basic_acceptor(ExecutionContext& context, const Protocol& protocol)
      : basic_acceptor(executor_type(context.get_executor()), protocol) {}
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  basic_acceptor(ExecutionContext& context, const endpoint_type& endpoint,
                 bool reuse_addr = true)
      : basic_acceptor(executor_type(context.get_executor()), endpoint, reuse_addr) {}
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  basic_acceptor(ExecutionContext& context, const Protocol& protocol, native_handle_type fd)
      : basic_acceptor(executor_type(context.get_executor()), protocol, fd) {}

  basic_acceptor(basic_acceptor&& other) noexcept = default;
  basic_acceptor& operator=(basic_acceptor&& other) noexcept;
  ~basic_acceptor();

  /// Python's `accept`.
  socket_type accept();
  socket_type accept(boost::system::error_code& ec);
  socket_type accept(endpoint_type& peer);
  socket_type accept(endpoint_type& peer, boost::system::error_code& ec);

  /// Asio's `accept` into an existing socket, which must not be open (else `already_open`).
  /// It keeps its executor and otherwise becomes what `accept()` returns: in
  /// `getdefaulttimeout()`, never the listener's mode nor a mode set on `peer` before.
  void accept(socket_type& peer);
  void accept(socket_type& peer, boost::system::error_code& ec);
  void accept(socket_type& peer, endpoint_type& peer_endpoint);
  void accept(socket_type& peer, endpoint_type& peer_endpoint, boost::system::error_code& ec);

  /// Asio's `open`, `bind` (which opens for the endpoint's protocol first if needed) and
  /// `listen`. A closed acceptor may be opened again; it keeps its mode and deadlines.
  void open(const Protocol& protocol = Protocol());
  void open(const Protocol& protocol, boost::system::error_code& ec);
  void assign(const Protocol& protocol, native_handle_type fd);
  void assign(const Protocol& protocol, native_handle_type fd, boost::system::error_code& ec);
  void bind(const endpoint_type& endpoint);
  void bind(const endpoint_type& endpoint, boost::system::error_code& ec);
  void listen(int backlog = boost::asio::socket_base::max_listen_connections);
  void listen(int backlog, boost::system::error_code& ec);

  /// Asio's `set_option` / `get_option` / `io_control`; fail with `bad_descriptor` before
  /// the acceptor is open, and FIONBIO with `operation_not_supported` (see basic_socket).
  template <class SettableSocketOption>
  void set_option(const SettableSocketOption& option) {
    boost::system::error_code ec;
    set_option(option, ec);
    if (ec) detail::throw_error(ec, "set_option");
  }
  template <class SettableSocketOption>
  void set_option(const SettableSocketOption& option, boost::system::error_code& ec) {
    on_descriptor([&](boost::system::error_code& e) { acceptor_.set_option(option, e); }, ec);
  }
  template <class GettableSocketOption>
  void get_option(GettableSocketOption& option) const {
    boost::system::error_code ec;
    get_option(option, ec);
    if (ec) detail::throw_error(ec, "get_option");
  }
  template <class GettableSocketOption>
  void get_option(GettableSocketOption& option, boost::system::error_code& ec) const {
    on_descriptor([&](boost::system::error_code& e) { acceptor_.get_option(option, e); }, ec);
  }
  template <class IoControlCommand>
  void io_control(IoControlCommand& command) {
    boost::system::error_code ec;
    io_control(command, ec);
    if (ec) detail::throw_error(ec, "io_control");
  }
  template <class IoControlCommand>
  void io_control(IoControlCommand& command, boost::system::error_code& ec) {
    if (static_cast<int>(command.name()) == static_cast<int>(FIONBIO)) {
      ec = boost::asio::error::operation_not_supported;
      return;
    }
    on_descriptor([&](boost::system::error_code& e) { acceptor_.io_control(command, e); }, ec);
  }

  /// As basic_socket: `non_blocking(b)` is `setblocking(!b)`; the descriptor stays O_NONBLOCK.
  void non_blocking(bool mode) { setblocking(!mode); }
  void non_blocking(bool mode, boost::system::error_code& ec);
  bool non_blocking() const noexcept { return !getblocking(); }
  bool native_non_blocking() const noexcept { return true; }

  executor_type get_executor() noexcept { return acceptor_.get_executor(); }

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

  /// The Asio acceptor inside. Do not use it for I/O or to change its blocking flags.
  /// (It was `next_layer()` before 0.3; see basic_socket::asio_socket.)
  asio_acceptor_type& asio_acceptor() noexcept { return acceptor_; }

 private:
  void adopt(boost::system::error_code& ec);
  // The descriptor of the next connection, and its address.
  int accept_descriptor(endpoint_type& from, boost::system::error_code& ec);
  socket_type accept_into(endpoint_type* peer, boost::system::error_code& ec);
  void accept_into(socket_type& peer, endpoint_type* peer_endpoint,
                   boost::system::error_code& ec);
  // Runs `f` on the open descriptor, guarded against a concurrent close().
  void on_descriptor(detail::function_ref<void(boost::system::error_code&)> f,
                     boost::system::error_code& ec) const;
  void reopen_if_closed();
  // Throws for a failed `op`, naming it, the listening address and, for a timeout, the
  // timeout: "accept on 127.0.0.1:5000: timed out after 1 s".
  [[noreturn]] void fail(const boost::system::error_code& ec, const char* op,
                         timeout_type timeout) const;

  mutable asio_acceptor_type acceptor_;
};

}  // namespace sockmode

#endif  // SOCKMODE_BASIC_ACCEPTOR_HPP
