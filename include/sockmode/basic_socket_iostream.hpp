// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_BASIC_SOCKET_IOSTREAM_HPP
#define SOCKMODE_BASIC_SOCKET_IOSTREAM_HPP

#include <sockmode/basic_socket_streambuf.hpp>

#include <boost/system/error_code.hpp>

#include <istream>

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
/// Output is buffered until `flush()`, `std::endl`, a full buffer or destruction (Python's
/// behaviour; Asio's `ip::tcp::iostream` sets `std::unitbuf`).
template <class Protocol>
class SOCKMODE_API basic_socket_iostream : public std::iostream {
 public:
  using socket_type = basic_socket<Protocol>;
  using streambuf_type = basic_socket_streambuf<Protocol>;

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

 private:
  mutable streambuf_type buf_;
};

}  // namespace sockmode

#endif  // SOCKMODE_BASIC_SOCKET_IOSTREAM_HPP
