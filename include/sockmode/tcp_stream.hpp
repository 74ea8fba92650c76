// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TCP_STREAM_HPP
#define SOCKMODE_TCP_STREAM_HPP

#include <sockmode/connect.hpp>
#include <sockmode/detail/config.hpp>
#include <sockmode/error.hpp>
#include <sockmode/tcp.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace sockmode {

/// Beast's `tcp_stream` (`beast::basic_stream`) for synchronous code: the same members as far
/// as synchronous code uses them, over a `sockmode::tcp::socket`, and an expiry that bounds
/// synchronous reads and writes too (Beast's own applies to asynchronous operations only).
///
/// Expiry, Beast's rule: `expires_after(d)` / `expires_at(t)` set one point in time that
/// bounds every read, write and connect from then on, until the expiry is set again or
/// `expires_never()` lifts it; connect counts as both a read and a write. It is the socket's
/// deadline (`set_deadline`), so the socket's mode still applies to each call as well: a
/// call ends at the earlier of the two. Once the expiry has passed, every call fails at once.
///
/// A call that reaches the expiry (or the socket's own timeout) fails with
/// `boost::beast::error::timeout`, the code Beast's tcp_stream gives its asynchronous
/// operations, so `ec == beast::error::timeout` and `ec == beast::condition::timeout` hold as
/// in Beast code; the throwing overloads throw `sockmode::timeout_error` carrying that code.
/// (The socket itself reports `sockmode::error::timeout`, which compares equal to
/// `beast::condition::timeout` and `errc::timed_out`.) Unlike Beast's, the socket is not
/// closed by a timeout: as everywhere in sockmode, the call that timed out transferred nothing
/// and the stream stays usable; set a new expiry (or none) and go on, or `close()` it.
///
/// The stream is its own lowest layer: `beast::get_lowest_layer` stops here (there is no
/// `next_layer()`), so Beast's layered streams (`beast::ssl_stream<sockmode::tcp_stream>`,
/// `websocket::stream<sockmode::tcp_stream>`) find its `expires_after` where they look for
/// Beast's.
///
/// The executor is the one given, kept for Asio's and Beast's wrappers; sockmode never runs
/// it (calls wait on sockmode's own per-thread io_context).
///
/// Thread safety as the socket's: one thread may read while another writes, and `cancel()`
/// may be called from any thread. `close()`, `connect`, `release_socket()` and the expiry
/// setters are not meant to run beside other calls on the stream (as in Beast).
class SOCKMODE_API tcp_stream {
 public:
  using socket_type = tcp::socket;
  using executor_type = boost::asio::any_io_executor;
  using protocol_type = tcp::protocol;
  using endpoint_type = tcp::endpoint;
  using lowest_layer_type = tcp_stream;

  /// A stream whose socket is not open yet; `connect` opens it. `executor` is kept for
  /// `get_executor()`.
  explicit tcp_stream(const executor_type& executor);
  /// As above, with `context.get_executor()`: `tcp_stream stream(io_context)`.
  template <class ExecutionContext,
            std::enable_if_t<std::is_convertible_v<ExecutionContext&,
                                                   boost::asio::execution_context&>,
                             int> = 0>
  explicit tcp_stream(ExecutionContext& context)
      : tcp_stream(executor_type(context.get_executor())) {}
  /// Takes `socket` over, open or not, in its mode and with its deadlines.
  explicit tcp_stream(socket_type&& socket);

  tcp_stream(tcp_stream&& other) noexcept = default;
  tcp_stream& operator=(tcp_stream&&) = delete;  // as Beast's
  ~tcp_stream();

  socket_type& socket() noexcept { return socket_; }
  const socket_type& socket() const noexcept { return socket_; }

  /// Hands the socket over, in its mode but without the stream's expiry; the stream is then
  /// left with a new socket that is not open, and no expiry.
  socket_type release_socket();

  executor_type get_executor() noexcept { return executor_; }
  lowest_layer_type& lowest_layer() noexcept { return *this; }
  const lowest_layer_type& lowest_layer() const noexcept { return *this; }

  /// Every read, write and connect from now on ends at `now + expiry_time` at the latest.
  void expires_after(std::chrono::steady_clock::duration expiry_time);
  /// As above, at `expiry_time` (`time_point::max()`: never).
  void expires_at(std::chrono::steady_clock::time_point expiry_time);
  /// No expiry: calls follow the socket's mode alone.
  void expires_never();

  /// Calls waiting on the socket, in any thread, fail with `operation_aborted`.
  void cancel();

  /// Closes the socket (calls waiting in other threads fail with `operation_aborted`). A
  /// later `connect` opens a new one, in the same mode; the expiry stays as it was.
  void close();

  /// Connects under the expiry and the socket's mode.
  void connect(const endpoint_type& endpoint) {
    boost::system::error_code ec;
    connect(endpoint, ec);
    if (ec) fail(ec, "connect");
  }
  void connect(const endpoint_type& endpoint, boost::system::error_code& ec) {
    connect_socket(endpoint, ec);
    if (ec) translate(ec);
  }

  /// `sockmode::connect(socket(), endpoints)`: tries each endpoint in turn (closing and
  /// opening the socket again each time, in the same mode) until one connects, all under the
  /// one expiry; once it has passed, the remaining endpoints are not tried. Returns the
  /// endpoint connected to. Fails with the last attempt's error, or `asio::error::not_found`
  /// when there was none; `would_block` (non-blocking mode) and `operation_aborted` end the
  /// call at that endpoint, as there.
  template <class EndpointSequence,
            std::enable_if_t<boost::asio::is_endpoint_sequence<EndpointSequence>::value, int> = 0>
  endpoint_type connect(const EndpointSequence& endpoints) {
    return connect(endpoints, accept_any{});
  }
  template <class EndpointSequence,
            std::enable_if_t<boost::asio::is_endpoint_sequence<EndpointSequence>::value, int> = 0>
  endpoint_type connect(const EndpointSequence& endpoints, boost::system::error_code& ec) {
    return connect(endpoints, accept_any{}, ec);
  }
  /// As above, trying only the endpoints for which `condition(last_error, endpoint)` is true.
  template <class EndpointSequence, class ConnectCondition,
            std::enable_if_t<boost::asio::is_endpoint_sequence<EndpointSequence>::value &&
                                 !std::is_same_v<ConnectCondition, boost::system::error_code>,
                             int> = 0>
  endpoint_type connect(const EndpointSequence& endpoints, ConnectCondition condition) {
    boost::system::error_code ec;
    const endpoint_type connected = connect(endpoints, std::move(condition), ec);
    if (ec) fail(ec, "connect");
    return connected;
  }
  template <class EndpointSequence, class ConnectCondition,
            std::enable_if_t<boost::asio::is_endpoint_sequence<EndpointSequence>::value, int> = 0>
  endpoint_type connect(const EndpointSequence& endpoints, ConnectCondition condition,
                        boost::system::error_code& ec) {
    const auto it = connect_range(endpoints.begin(), endpoints.end(), condition, ec);
    if (ec && ec != boost::asio::error::would_block) return endpoint_type();
    return *it;
  }

  /// The iterator forms: return the iterator connected to, or `end` on failure.
  template <class Iterator,
            std::enable_if_t<!boost::asio::is_endpoint_sequence<Iterator>::value, int> = 0>
  Iterator connect(Iterator begin, Iterator end) {
    return connect(begin, end, accept_any{});
  }
  template <class Iterator,
            std::enable_if_t<!boost::asio::is_endpoint_sequence<Iterator>::value, int> = 0>
  Iterator connect(Iterator begin, Iterator end, boost::system::error_code& ec) {
    return connect_range(begin, end, accept_any{}, ec);
  }
  template <class Iterator, class ConnectCondition,
            std::enable_if_t<!boost::asio::is_endpoint_sequence<Iterator>::value &&
                                 !std::is_same_v<ConnectCondition, boost::system::error_code>,
                             int> = 0>
  Iterator connect(Iterator begin, Iterator end, ConnectCondition condition) {
    boost::system::error_code ec;
    const Iterator it = connect_range(begin, end, condition, ec);
    if (ec) fail(ec, "connect");
    return it;
  }
  template <class Iterator, class ConnectCondition,
            std::enable_if_t<!boost::asio::is_endpoint_sequence<Iterator>::value, int> = 0>
  Iterator connect(Iterator begin, Iterator end, ConnectCondition condition,
                   boost::system::error_code& ec) {
    return connect_range(begin, end, condition, ec);
  }

  /// Beast's SyncReadStream: at least one byte, or `asio::error::eof` at end of stream;
  /// `beast::error::timeout` at the expiry.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) fail(ec, "read_some");
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    const std::size_t n = socket_.read_some(buffers, ec);
    if (ec) translate(ec);
    return n;
  }

  /// Beast's SyncWriteStream: writes at least one byte; `beast::error::timeout` at the expiry.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) fail(ec, "write_some");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    const std::size_t n = socket_.write_some(buffers, ec);
    if (ec) translate(ec);
    return n;
  }

 private:
  struct accept_any {
    bool operator()(const boost::system::error_code&, const endpoint_type&) const noexcept {
      return true;
    }
  };

  // sockmode::connect's loop; the stream adds only its expiry, which is already the socket's
  // deadline: once a failed attempt finds it passed, no other endpoint is tried.
  template <class Iterator, class ConnectCondition>
  Iterator connect_range(Iterator begin, Iterator end, ConnectCondition condition,
                         boost::system::error_code& ec) {
    if (closed_) renew_socket();
    const auto within_expiry = [&](boost::system::error_code last,
                                   const endpoint_type& endpoint) -> bool {
      if (last && expired()) return false;
      translate(last);
      return condition(std::as_const(last), endpoint);
    };
    const Iterator it = sockmode::connect(socket_, begin, end, within_expiry, ec);
    translate(ec);
    return it;
  }

  // Beast's error codes are made here, in the program's code, never in libsockmode: Beast
  // defines its categories inline, so a shared libsockmode would hold instances of its own,
  // and a code made there would not compare equal to the program's `beast::error::timeout`.
  static void translate(boost::system::error_code& ec) noexcept {
    if (ec == error::timeout) ec = boost::beast::error::timeout;
  }
  [[noreturn]] void fail(const boost::system::error_code& ec, const char* op) const {
    fail(ec, op, ec == boost::beast::error::timeout);
  }
  [[noreturn]] void fail(const boost::system::error_code& ec, const char* op,
                         bool timeout) const;

  void connect_socket(const endpoint_type& endpoint, boost::system::error_code& ec);
  // The expiry has passed.
  bool expired() const noexcept;
  // Replaces a socket that is (or was) open by a new one in the same mode and deadlines.
  void renew_socket();

  socket_type socket_;
  executor_type executor_;
  bool closed_ = false;  // close() closed socket_: the next connect needs a new one
};

/// Beast's websocket teardown, found by ADL, for `websocket::stream<sockmode::tcp_stream>`:
/// the server shuts its sending side down first; both then read until the peer's end of
/// stream (under the expiry) and close the socket. Inline, for the reason `translate` is.
inline void teardown(boost::beast::role_type role, tcp_stream& stream,
                     boost::system::error_code& ec) {
  ec = {};
  if (role == boost::beast::role_type::server) {
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
  }
  // Until the peer's end of stream, which says it has read everything.
  char discard[2048];
  for (;;) {
    stream.read_some(boost::asio::buffer(discard), ec);
    if (ec == boost::asio::error::eof) break;
    if (ec) return;
  }
  ec = {};
  stream.close();
}

/// Beast's `close_socket` customisation: `stream.close()`.
inline void beast_close_socket(tcp_stream& stream) { stream.close(); }

}  // namespace sockmode

#endif  // SOCKMODE_TCP_STREAM_HPP
