// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_BASIC_SOCKET_IOSTREAM_HPP
#define SOCKMODE_BASIC_SOCKET_IOSTREAM_HPP

#include <sockmode/basic_socket_streambuf.hpp>

#include <boost/system/error_code.hpp>

#include <istream>
#include <string_view>

namespace sockmode {

/// Python's `sock.makefile('rwb')` as a `std::iostream`: `tcp::iostream`, `local::iostream`.
/// Reads and writes follow the socket's mode, one socket call at a time, each with its own
/// timeout; see `basic_socket_streambuf` for what a failed call leaves behind.
///
/// After a timeout (or `would_block` in non-blocking mode) nothing is lost and the stream is
/// usable again after `clear()`:
///
/// - an extraction that times out stops with eofbit, plus failbit if it extracted nothing;
///   `error() == sockmode::error::timeout` tells it from end of stream
///   (`error() == asio::error::eof`). `std::getline` that times out mid-line leaves the
///   partial line in its string, with eofbit but not failbit; after `clear()`, a second
///   `getline` returns the rest of that line, to append to the first part. A formatted
///   extraction (`f >> n`) that times out mid-token has consumed the part it saw, so `n`
///   holds, say, 12 of 123, also with eofbit only: for input that may stall, read lines or
///   bytes and parse those.
/// - an insertion or `flush()` that times out sets badbit; the stream keeps every byte it was
///   given and not sent, the failed insertion's whole. After `clear()`, `flush()` sends them;
///   never write them again. Insertions after the failed one, up to `clear()`, do nothing
///   (iostream rules): in `f << a << b << std::flush`, if `a` fails, `b` was not taken. Check
///   the stream between insertions whose fate you need to know.
///
/// Output is buffered until `flush()`, `std::endl`, a full buffer, destruction, or an input
/// operation that has to wait for the socket: the streambuf sends what is buffered before it
/// reads, so reading an answer first sends the request written without a flush, as Asio's
/// `ip::tcp::iostream` does (Asio sends at every insertion instead; `tie(this)` cannot do it,
/// since `flush()` itself flushes the tied stream first). If that send fails, the input
/// operation stops as a failed read does (eofbit, failbit if it extracted nothing), `error()`
/// says why, and the unsent bytes stay buffered.
///
/// Asio's interface (the type swap is the port): default construction (not connected),
/// `connect(host, service)` and the constructor that takes them (`ip::tcp` only; failure sets
/// failbit and `error()`), `connect(endpoint)`, `close()`, `error()`, and one expiry for the
/// whole stream, `expires_after` / `expires_at` / `expiry()`. The expiry is the socket's
/// deadline: it bounds connect, every read and every write until it is set again, and the
/// socket's mode still applies to each call. A call that reaches it fails as a timeout does
/// (`error() == sockmode::error::timeout`, which equals `errc::timed_out`; Asio's own
/// reports `asio::error::timed_out`), with nothing lost and the rules above.
template <class Protocol>
class SOCKMODE_API basic_socket_iostream : public std::iostream {
 public:
  using socket_type = basic_socket<Protocol>;
  using streambuf_type = basic_socket_streambuf<Protocol>;
  using protocol_type = Protocol;
  using endpoint_type = typename Protocol::endpoint;
  using clock_type = typename streambuf_type::clock_type;
  using time_point = typename streambuf_type::time_point;
  using duration = typename streambuf_type::duration;

  /// Not connected yet; `connect` connects it. Its socket's mode is `getdefaulttimeout()`.
  basic_socket_iostream();
  /// Asio's `tcp::iostream stream(host, service)`: as `connect(host, service)`.
  template <class P = Protocol>
  basic_socket_iostream(std::string_view host, std::string_view service)
      : basic_socket_iostream() {
    connect<P>(host, service);
  }
  /// Takes the socket over; it closes with the stream.
  explicit basic_socket_iostream(socket_type&& socket);
  /// Uses `socket`, which must outlive the stream and stays open after it.
  explicit basic_socket_iostream(socket_type& socket);

  /// Takes over the state, the buffered bytes and the socket. The moved-from stream may only
  /// be destroyed.
  basic_socket_iostream(basic_socket_iostream&& other);
  basic_socket_iostream(const basic_socket_iostream&) = delete;
  basic_socket_iostream& operator=(const basic_socket_iostream&) = delete;
  /// Sends what is still buffered (failures ignored: `flush()` first to see them).
  ~basic_socket_iostream() override;

  streambuf_type* rdbuf() const noexcept { return &buf_; }
  /// The socket, for its mode: `stream.socket().settimeout(2s)`.
  socket_type& socket() noexcept { return buf_.socket(); }
  /// The outcome of the stream's last socket call (see `basic_socket_streambuf::error`).
  const boost::system::error_code& error() const noexcept { return buf_.error(); }

  /// Resolves and connects under the socket's mode and the expiry (see
  /// `basic_socket_streambuf::connect`); on failure sets failbit, and `error()` says why.
  template <class P = Protocol>
  void connect(std::string_view host, std::string_view service) {
    if (!buf_.template connect<P>(host, service)) setstate(std::ios_base::failbit);
  }
  void connect(const endpoint_type& endpoint);
  /// Sends what is buffered and closes the socket; failbit if either fails.
  void close();

  /// The expiry, `time_point::max()` when there is none.
  time_point expiry() const noexcept { return buf_.expiry(); }
  void expires_at(const time_point& expiry_time) { buf_.expires_at(expiry_time); }
  void expires_after(const duration& expiry_time) { buf_.expires_after(expiry_time); }

 private:
  mutable streambuf_type buf_;
};

}  // namespace sockmode

#endif  // SOCKMODE_BASIC_SOCKET_IOSTREAM_HPP
