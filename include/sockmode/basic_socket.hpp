// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_BASIC_SOCKET_HPP
#define SOCKMODE_BASIC_SOCKET_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/default_timeout.hpp>
#include <sockmode/detail/io_object.hpp>
#include <sockmode/detail/syscalls.hpp>
#include <sockmode/error.hpp>
#include <sockmode/io_error.hpp>
#include <sockmode/timeout_error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/container/small_vector.hpp>

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <type_traits>

namespace sockmode {

template <class Protocol>
class basic_acceptor;

namespace detail {
// Asio's constraint on its constructors that take an execution context.
template <class ExecutionContext>
using enable_if_context = std::enable_if_t<
    std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>>;
}  // namespace detail

/// A socket with Python's three modes (see README, "Modes"):
///
/// | mode         | set with                                   | a call that cannot complete  |
/// |--------------|--------------------------------------------|------------------------------|
/// | blocking     | `settimeout(std::nullopt)`, `setblocking(true)` | waits                   |
/// | non-blocking | `settimeout(0s)`, `setblocking(false)`     | fails with `would_block`     |
/// | timeout      | `settimeout(t)`, t > 0                     | fails with `error::timeout` after t |
///
/// A new socket takes `getdefaulttimeout()`. Every I/O call first makes one non-blocking
/// syscall; only if that would block does it wait, on an io_context private to the calling
/// thread (never the socket's own executor), with a steady_timer at the deadline. A call that
/// fails with `would_block` or `error::timeout` has transferred nothing.
///
/// Every operation comes as a throwing overload (throws `timeout_error` on timeout, `io_error`
/// otherwise) and one that reports failure through a trailing `error_code&` instead.
///
/// Thread safety: one thread may read while another writes; `cancel()`, `close()` and the mode
/// setters may be called from any thread. Moving or destroying the object while calls are in
/// flight is undefined, as for any Asio object.
///
/// Supported protocols: `ip::tcp`, `ip::udp`, `local::stream_protocol`,
/// `local::datagram_protocol` (see tcp.hpp, udp.hpp, local.hpp).
///
/// Asio's construction and members are here too, with Asio's signatures, so that code written
/// for `ip::tcp::socket` compiles with only the type changed (README, "Porting from Asio and
/// Beast"). The execution context or executor given to a constructor is the one the Asio
/// socket inside belongs to, and what `get_executor()` returns (Beast's and Asio's stream
/// wrappers make their timers on it); sockmode never runs it, so it need not be running:
/// every call still waits on the calling thread's own io_context, as the mode says.
template <class Protocol>
class SOCKMODE_API basic_socket : public detail::io_object, public boost::asio::socket_base {
 public:
  using protocol_type = Protocol;
  using endpoint_type = typename Protocol::endpoint;
  /// The Asio socket inside (see `asio_socket()`).
  using asio_socket_type = typename Protocol::socket;
  using executor_type = typename asio_socket_type::executor_type;
  /// Asio's and Beast's layering stops here: this object is its own lowest layer, so
  /// `boost::beast::get_lowest_layer` and `ssl::stream::lowest_layer()` reach it, never the
  /// Asio socket inside (which is why that one is `asio_socket()`, not `next_layer()`).
  using lowest_layer_type = basic_socket;
  using native_handle_type = typename asio_socket_type::native_handle_type;
  using wait_type = boost::asio::socket_base::wait_type;
  using shutdown_type = boost::asio::socket_base::shutdown_type;

  /// Not yet open; `connect` opens it. Its mode is `getdefaulttimeout()`.
  basic_socket();
  /// Open for `protocol`, as Python's `socket.socket(family, type)`.
  explicit basic_socket(const Protocol& protocol);
  /// Adopts an Asio socket, open or not, from any io_context; sockmode never runs that
  /// context. The mode is `getdefaulttimeout()`.
  explicit basic_socket(asio_socket_type&& socket);

  /// Asio's constructors: on `executor` (or `context`'s executor), not yet open; open for
  /// `protocol`; opened and bound to `endpoint`; or adopting `fd` as the
  /// `(protocol, fd)` constructor does. The mode is `getdefaulttimeout()`. Throw `io_error`.
  explicit basic_socket(const executor_type& executor);
  basic_socket(const executor_type& executor, const Protocol& protocol);
  basic_socket(const executor_type& executor, const endpoint_type& endpoint);
  basic_socket(const executor_type& executor, const Protocol& protocol, native_handle_type fd);
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  explicit basic_socket(ExecutionContext& context)
      : basic_socket(executor_type(context.get_executor())) {}
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  basic_socket(ExecutionContext& context, const Protocol& protocol)
      : basic_socket(executor_type(context.get_executor()), protocol) {}
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  basic_socket(ExecutionContext& context, const endpoint_type& endpoint)
      : basic_socket(executor_type(context.get_executor()), endpoint) {}
  template <class ExecutionContext, class = detail::enable_if_context<ExecutionContext>>
  basic_socket(ExecutionContext& context, const Protocol& protocol, native_handle_type fd)
      : basic_socket(executor_type(context.get_executor()), protocol, fd) {}
  /// Python's `socket.socket(fileno=fd)`: adopts the open descriptor `fd`, which this object
  /// then owns and closes. The mode is `getdefaulttimeout()`, and `fd` is made O_NONBLOCK
  /// (see `native_handle`). Throws `io_error` and leaves `fd` alone if it is not open
  /// (`bad_descriptor`), not a socket (`not_socket`), of another address family than
  /// `protocol` (`address_family_not_supported`) or of another type (EPROTOTYPE,
  /// `errc::wrong_protocol_type`). Unlike Python, `protocol` is checked, never assumed.
  /// Close-on-exec is left as the caller set it, as in Python.
  explicit basic_socket(const Protocol& protocol, native_handle_type fd);

  basic_socket(basic_socket&& other) noexcept = default;
  basic_socket& operator=(basic_socket&& other) noexcept;
  /// Closes the socket (see `close`).
  ~basic_socket();

  // settimeout, gettimeout, setblocking, getblocking, cancel and the deadlines
  // (set_deadline, set_read_deadline, set_write_deadline, read_deadline, write_deadline) are
  // inherited from detail::io_object, and documented there; the reference shows them here.

  /// Asio's `open`: opens for `protocol`; fails with `already_open` if open. A socket that was
  /// closed may be opened again, and keeps its mode and deadlines (they belong to the object,
  /// as Python's timeout does); not while another thread uses the object.
  void open(const Protocol& protocol = Protocol());
  void open(const Protocol& protocol, boost::system::error_code& ec);
  /// Asio's `assign`: adopts `fd` as the `(protocol, fd)` constructor does; fails with
  /// `already_open` if open. Reopens a closed socket as `open` does.
  void assign(const Protocol& protocol, native_handle_type fd);
  void assign(const Protocol& protocol, native_handle_type fd, boost::system::error_code& ec);

  /// Asio's `set_option` / `get_option` (e.g. `ip::tcp::no_delay`, `socket_base::linger`), on
  /// the descriptor, with Asio's conventions (Linux's doubled buffer sizes read back halved).
  /// Fail with `bad_descriptor` before the socket is open.
  template <class SettableSocketOption>
  void set_option(const SettableSocketOption& option) {
    boost::system::error_code ec;
    set_option(option, ec);
    if (ec) detail::throw_error(ec, "set_option");
  }
  template <class SettableSocketOption>
  void set_option(const SettableSocketOption& option, boost::system::error_code& ec) {
    const Protocol protocol = option_protocol(ec);
    if (ec) return;
    set_raw_option(option.level(protocol), option.name(protocol), option.data(protocol),
                   option.size(protocol), ec);
  }
  template <class GettableSocketOption>
  void get_option(GettableSocketOption& option) const {
    boost::system::error_code ec;
    get_option(option, ec);
    if (ec) detail::throw_error(ec, "get_option");
  }
  template <class GettableSocketOption>
  void get_option(GettableSocketOption& option, boost::system::error_code& ec) const {
    const Protocol protocol = option_protocol(ec);
    if (ec) return;
    std::size_t size = option.size(protocol);
    get_raw_option(option.level(protocol), option.name(protocol), option.data(protocol), &size,
                   ec);
    if (!ec) option.resize(protocol, size);
  }

  /// Asio's `io_control` (e.g. `socket_base::bytes_readable`). FIONBIO, which would change
  /// the descriptor's flag that sockmode owns, fails with `operation_not_supported`: use the
  /// modes (`setblocking`, `non_blocking`).
  template <class IoControlCommand>
  void io_control(IoControlCommand& command) {
    boost::system::error_code ec;
    io_control(command, ec);
    if (ec) detail::throw_error(ec, "io_control");
  }
  template <class IoControlCommand>
  void io_control(IoControlCommand& command, boost::system::error_code& ec) {
    raw_io_control(static_cast<int>(command.name()), command.data(), ec);
  }

  /// Asio's `available`: bytes that can be read now without waiting.
  std::size_t available() const;
  std::size_t available(boost::system::error_code& ec) const;

  /// Asio's `non_blocking` is a mode here: `non_blocking(true)` is `setblocking(false)`
  /// (non-blocking mode, calls fail with `would_block`) and `non_blocking(false)` is
  /// `setblocking(true)` (blocking mode, which also leaves timeout mode, as Python's
  /// `setblocking(True)` does); `non_blocking()` is `!getblocking()`. The descriptor's own flag
  /// is not touched (see `native_non_blocking`).
  void non_blocking(bool mode) { setblocking(!mode); }
  void non_blocking(bool mode, boost::system::error_code& ec);
  bool non_blocking() const noexcept { return !getblocking(); }
  /// Always true: the descriptor is O_NONBLOCK in every mode (see `native_handle`). There is
  /// no setter; the mode is what decides whether a call waits.
  bool native_non_blocking() const noexcept { return true; }

  /// The executor the constructor was given (the home context's for the other constructors;
  /// an accepted socket gets the acceptor's, or that of the socket it was accepted into).
  executor_type get_executor() noexcept { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() noexcept { return *this; }
  const lowest_layer_type& lowest_layer() const noexcept { return *this; }

  /// Opens the socket if needed and binds it.
  void bind(const endpoint_type& endpoint);
  void bind(const endpoint_type& endpoint, boost::system::error_code& ec);

  /// Opens the socket if needed and connects under the mode: waits for the handshake
  /// (blocking), fails with `error::timeout` (timeout) or, while it is still in progress,
  /// with `would_block` (non-blocking; finish with `wait(wait_write, ...)` and connect again).
  /// The kernel's own errors pass through unchanged. A Unix listener whose backlog is full
  /// makes blocking mode wait until it has room (retrying on a back-off timer, so room is
  /// noticed up to 20 ms late); the other modes fail at once with EAGAIN, as in CPython.
  void connect(const endpoint_type& endpoint);
  void connect(const endpoint_type& endpoint, boost::system::error_code& ec);
  /// Python's `connect_ex`: the error instead of an exception.
  boost::system::error_code connect_ex(const endpoint_type& endpoint);

  /// Asio's SyncReadStream: at least one byte, or `asio::error::eof` at end of stream.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) fail(ec, "read_some");
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    const detail::iovecs iov = detail::to_iovecs<boost::asio::mutable_buffer>(buffers);
    const auto attempt = [&](boost::system::error_code& e) -> std::size_t {
      if (iov.bytes == 0) {  // never waits, as CPython's recv(0)
        e = {};
        return 0;
      }
      const std::size_t n = detail::receive(fd(), iov, nullptr, nullptr, e);
      if (!e && n == 0 && is_stream) e = boost::asio::error::eof;
      return n;
    };
    if constexpr (is_stream) return detail::perform_read(*state_, iov, attempt, ec);
    return detail::perform(*state_, wait_type::wait_read, attempt, ec);
  }

  /// Asio's SyncWriteStream: writes at least one byte. One call takes at most 64 non-empty
  /// buffers; on a datagram socket, which must send a message whole, more fail with
  /// `message_size` and send nothing (so do `send`, `sendall` and `send_to`). A datagram
  /// receive fills at most the first 64 non-empty buffers.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) fail(ec, "write_some");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    const detail::iovecs iov = detail::to_iovecs<boost::asio::const_buffer>(buffers);
    return detail::perform(
        *state_, wait_type::wait_write,
        [&](boost::system::error_code& e) -> std::size_t {
          if (!is_stream && iov.truncated) {
            e = boost::asio::error::message_size;
            return 0;
          }
          const std::size_t n = detail::send(fd(), iov, nullptr, 0, e);
          if (iov.bytes == 0 && is_stream) empty_send_never_waits(e);
          return n;
        },
        ec);
  }

  /// Python's `recv`: as `read_some`, but returns 0 at end of stream instead of failing.
  template <class MutableBufferSequence>
  std::size_t recv(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = recv(buffers, ec);
    if (ec) fail(ec, "recv");
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t recv(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    const std::size_t n = read_some(buffers, ec);
    if (ec == boost::asio::error::eof) ec = {};
    return n;
  }

  /// Python's `send`: `write_some` under Python's name.
  template <class ConstBufferSequence>
  std::size_t send(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = send(buffers, ec);
    if (ec) fail(ec, "send");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t send(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    return write_some(buffers, ec);
  }

  /// Python's `sendall`: sends everything under one deadline for the whole call. Returns the
  /// bytes sent; on failure the `ec` overload still returns how many were sent, and the
  /// exception's `bytes_transferred()` says the same. In non-blocking mode it sends what fits
  /// and then fails with `would_block`.
  template <class ConstBufferSequence>
  std::size_t sendall(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = sendall(buffers, ec);
    if (ec) fail(ec, "sendall", n);
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t sendall(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    boost::container::small_vector<boost::asio::const_buffer, 8> rest(
        boost::asio::buffer_sequence_begin(buffers), boost::asio::buffer_sequence_end(buffers));
    const std::size_t total = boost::asio::buffer_size(rest);
    std::size_t sent = 0;
    detail::perform(*state_, wait_type::wait_write,
                    [&](boost::system::error_code& e) -> std::size_t {
                      for (;;) {
                        const detail::iovecs iov =
                            detail::to_iovecs<boost::asio::const_buffer>(rest);
                        if (!is_stream && iov.truncated) {
                          e = boost::asio::error::message_size;
                          return sent;
                        }
                        const std::size_t n = detail::send(fd(), iov, nullptr, 0, e);
                        if (total == 0 && is_stream) empty_send_never_waits(e);
                        sent += n;
                        if (e || sent >= total) return sent;
                        drop_front(rest, n);
                        // Took all it was offered (more buffers than one call takes): go on
                        // at once. Took less: as CPython, a mode that waits checks its time
                        // limit and the socket's deadline and waits for room before the next
                        // send; non-blocking mode asks the kernel again at once, which alone
                        // knows whether it would block or has an error.
                        if (n < iov.bytes && getblocking()) {
                          e = boost::asio::error::would_block;
                          return sent;
                        }
                      }
                    },
                    ec, /*limit_from_start=*/true);
    return sent;
  }

  /// Python's `sendto` (datagram sockets). A socket never opened is opened for the
  /// destination's protocol first, as `connect` does.
  template <class ConstBufferSequence>
  std::size_t send_to(const ConstBufferSequence& buffers, const endpoint_type& destination) {
    boost::system::error_code ec;
    const std::size_t n = send_to(buffers, destination, ec);
    if (ec) fail(ec, "send_to");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t send_to(const ConstBufferSequence& buffers, const endpoint_type& destination,
                      boost::system::error_code& ec) {
    if (fd() < 0) {
      open_for(destination, ec);
      if (ec) return 0;
    }
    const detail::iovecs iov = detail::to_iovecs<boost::asio::const_buffer>(buffers);
    return detail::perform(
        *state_, wait_type::wait_write,
        [&](boost::system::error_code& e) -> std::size_t {
          if (!is_stream && iov.truncated) {
            e = boost::asio::error::message_size;
            return 0;
          }
          return detail::send(fd(), iov, destination.data(),
                              destination.size(), e);
        },
        ec);
  }

  /// Python's `recvfrom` (datagram sockets): one datagram and who sent it. Unlike `send_to`,
  /// it does not open a socket never opened: with no address nothing could reach it, and the
  /// family is unknown, so it fails at once with `not_connected` (bind it, or construct it
  /// with a protocol, first).
  template <class MutableBufferSequence>
  std::size_t receive_from(const MutableBufferSequence& buffers, endpoint_type& sender) {
    boost::system::error_code ec;
    const std::size_t n = receive_from(buffers, sender, ec);
    if (ec) fail(ec, "receive_from");
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t receive_from(const MutableBufferSequence& buffers, endpoint_type& sender,
                           boost::system::error_code& ec) {
    const detail::iovecs iov = detail::to_iovecs<boost::asio::mutable_buffer>(buffers);
    return detail::perform(
        *state_, wait_type::wait_read,
        [&](boost::system::error_code& e) -> std::size_t {
          std::size_t size = sender.capacity();
          const std::size_t n = detail::receive(fd(), iov, sender.data(), &size, e);
          if (!e) detail::resize_endpoint(sender, size);
          return n;
        },
        ec);
  }

  /// Waits until the socket is ready for `what`, for at most `timeout` (nullopt: no limit)
  /// whatever the mode: the readiness wait that completes a non-blocking connect, or drives a
  /// non-blocking socket as `select()` would. Fails with `error::timeout`.
  void wait(wait_type what, timeout_type timeout);
  void wait(wait_type what, timeout_type timeout, boost::system::error_code& ec);
  /// As above, for at most the mode's timeout, `gettimeout()`; non-blocking, it only
  /// polls and fails with `would_block` when the socket is not ready.
  void wait(wait_type what) { wait(what, gettimeout()); }
  void wait(wait_type what, boost::system::error_code& ec) { wait(what, gettimeout(), ec); }

  void shutdown(shutdown_type what);
  void shutdown(shutdown_type what, boost::system::error_code& ec);

  /// Aborts calls waiting in other threads (operation_aborted), waits until none uses the
  /// descriptor, then closes it. Closing twice is harmless; any other call on a closed socket
  /// fails with bad_descriptor.
  void close();
  void close(boost::system::error_code& ec);

  /// Python's `socket.fromfd`: a new socket on a duplicate of `fd` (close-on-exec), which
  /// the caller keeps; checked as the adopting constructor, in `getdefaulttimeout()`.
  static basic_socket fromfd(native_handle_type fd, const Protocol& protocol);
  static basic_socket fromfd(native_handle_type fd, const Protocol& protocol,
                             boost::system::error_code& ec);

  /// Python's `dup`: a new socket on a duplicate of the descriptor (close-on-exec), in this
  /// socket's mode. Each keeps its own mode from then on (see `native_handle`).
  basic_socket dup() const;
  basic_socket dup(boost::system::error_code& ec) const;

  /// Python's `detach`, Asio style: hands the Asio socket back, restored to Asio's blocking
  /// behaviour. This object is then closed. The Asio socket keeps this object's executor
  /// (`get_executor()`): the one given to the constructor, or for a socket made without one an
  /// internal io_context that nobody runs, fine for synchronous calls but not for async ones:
  /// move it to your own context with `tcp::socket mine(io, released.local_endpoint().protocol(),
  /// released.release())`.
  asio_socket_type release();

  bool is_open() const noexcept {
    return !detail::is_closed(*state_) && fd() >= 0 && (!asio_owns_ || socket_.is_open());
  }

  /// The descriptor is always O_NONBLOCK, in every mode: the mode belongs to this object,
  /// not to the descriptor. Code that shares the descriptor must expect EAGAIN; do not clear
  /// the flag, or a timeout-mode call could block past its deadline.
  ///
  /// Several sockmode objects on one open file description (`dup`, `fromfd`, a descriptor
  /// passed to the adopting constructor, a socket inherited over `fork`) each keep their own
  /// mode: the flag they share stays O_NONBLOCK, and each object waits, or not, as its own
  /// mode says. Adopting or duplicating a descriptor sets O_NONBLOCK on the description, so
  /// other holders of it (the descriptor given to `fromfd`, too) see it non-blocking.
  /// Closing one object closes only its own descriptor; the connection ends when the last
  /// descriptor on it is closed.
  native_handle_type native_handle() noexcept { return is_open() ? fd() : -1; }

  endpoint_type local_endpoint() const;
  endpoint_type local_endpoint(boost::system::error_code& ec) const;
  endpoint_type remote_endpoint() const;
  endpoint_type remote_endpoint(boost::system::error_code& ec) const;

  /// The Asio socket inside, for what this class does not offer. Do not use it for I/O, to
  /// change its blocking flags or to close it; sockmode owns those. Opening it on a socket
  /// that is not open yet is fine: bind and connect then use that descriptor.
  /// It is made on first use for sockets sockmode opened or accepted, which otherwise cost no
  /// reactor registration. (It was `next_layer()` before 0.3: Beast's `get_lowest_layer`
  /// follows any `next_layer()`, and would have gone past this object to it.)
  asio_socket_type& asio_socket();
  const asio_socket_type& asio_socket() const;

 private:
  friend class basic_acceptor<Protocol>;

  static constexpr bool is_stream =
      std::is_same_v<asio_socket_type, boost::asio::basic_stream_socket<Protocol>>;
  // A zero-length send still makes the syscall, so that the kernel's errors (EPIPE before
  // connect) come back as in CPython; but it never waits, not even for a full send buffer.
  static void empty_send_never_waits(boost::system::error_code& e) noexcept {
    if (e == boost::asio::error::would_block || e == boost::asio::error::try_again) e = {};
  }
  template <class Buffers>
  static void drop_front(Buffers& rest, std::size_t n) {
    auto sent_whole = rest.begin();
    for (; sent_whole != rest.end() && n >= sent_whole->size(); ++sent_whole) n -= sent_whole->size();
    rest.erase(rest.begin(), sent_whole);
    if (n != 0) rest.front() += n;
  }
  // From accept: the descriptor is already O_NONBLOCK and close-on-exec.
  basic_socket(const executor_type& executor, int fd, const Protocol& protocol);
  // Options and ioctls go straight to the descriptor, with no Asio object made for them.
  Protocol option_protocol(boost::system::error_code& ec) const;
  void set_raw_option(int level, int name, const void* data, std::size_t size,
                      boost::system::error_code& ec);
  void get_raw_option(int level, int name, void* data, std::size_t* size,
                      boost::system::error_code& ec) const;
  void raw_io_control(int command, void* data, boost::system::error_code& ec);
  void reopen_if_closed();
  int fd() const noexcept { return detail::descriptor_of(*state_); }
  // Throws for a failed `op`, naming it, the peer (or the local address) and, for a timeout,
  // the timeout: "recv 127.0.0.1:5000: timed out after 250 ms".
  [[noreturn]] void fail(const boost::system::error_code& ec, const char* op,
                         std::size_t bytes_transferred = 0) const {
    fail(ec, op, bytes_transferred, shown_timeout(gettimeout()));
  }
  // The timeout a timeout error names: none when a deadline may have been what ended the call.
  timeout_type shown_timeout(timeout_type t) const noexcept {
    return read_deadline() || write_deadline() ? std::nullopt : t;
  }
  [[noreturn]] void fail(const boost::system::error_code& ec, const char* op,
                         std::size_t bytes_transferred, timeout_type timeout) const;
  // getsockname or getpeername, guarded like any call.
  endpoint_type query_endpoint(int (*query)(int, sockaddr*, socklen_t*),
                               boost::system::error_code& ec) const;
  // Gives socket_ the descriptor, with the state's lock held; from then on only Asio closes it.
  void materialize(boost::system::error_code& ec) const;
  void adopt(boost::system::error_code& ec);  // puts a user's open socket under sockmode's rules
  void open_socket(const Protocol& protocol, boost::system::error_code& ec);
  // Takes a descriptor from outside: checks it against `protocol`, makes it O_NONBLOCK.
  void assign_descriptor(const Protocol& protocol, int fd, boost::system::error_code& ec);
  void open_for(const endpoint_type& endpoint, boost::system::error_code& ec);

  // Holds the descriptor only once next_layer() or release() asked for it, or when adopted.
  mutable asio_socket_type socket_;
  std::optional<Protocol> protocol_;  // of a descriptor sockmode opened; for materialize()
  mutable bool asio_owns_ = false;    // socket_ holds the descriptor and closes it
};

/// Beast's websocket teardown, found by argument-dependent lookup when a
/// `websocket::stream<sockmode::tcp::socket>` (or `local::stream_socket`) closes: the server
/// shuts down its sending side first, reads until the peer's end of stream, and closes; the
/// client does the same but shuts down after reading. Each step follows the socket's mode and
/// deadlines, so a peer that never closes makes it fail with `error::timeout` in timeout mode.
/// Stream sockets only.
template <class Protocol>
SOCKMODE_API void teardown(boost::beast::role_type role, basic_socket<Protocol>& socket,
                           boost::system::error_code& ec);

}  // namespace sockmode

#endif  // SOCKMODE_BASIC_SOCKET_HPP
