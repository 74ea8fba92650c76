// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_BASIC_SOCKET_STREAMBUF_HPP
#define SOCKMODE_BASIC_SOCKET_STREAMBUF_HPP

#include <sockmode/basic_socket.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <streambuf>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sockmode {

/// A `std::streambuf` over a stream socket, Python's `SocketIO` behind `makefile()`: every
/// refill (`read_some`) and every send (`write_some`) is one socket call under the socket's
/// mode at the time of the call, with its own timeout. A peer that keeps sending, however
/// slowly, is never cut off unless an expiry is set: Asio's `expires_after` / `expires_at`,
/// one point in time for the whole stream (connect, every read and every write), which is the
/// socket's deadline (`set_deadline`). A call ends at the earlier of the two.
///
/// When a socket call fails (`error::timeout`, `would_block`, `eof`, a reset...), `error()`
/// says which, and no byte is lost or duplicated:
///
/// - reading: the refill reports end of file, so the extraction that needed the byte stops
///   with eofbit (and failbit if it extracted nothing). Bytes already buffered stay; the
///   failed call read nothing. After `clear()` the next extraction continues exactly where
///   this one stopped.
/// - writing: the bytes the socket took are gone from the buffer; every other byte handed to
///   the stream, including the rest of the output operation that failed, stays buffered
///   (the buffer grows past its usual size to hold them). The failure is still reported, so
///   the stream sets badbit. Do not write those bytes again: after `clear()`, `flush()` sends
///   them.
///
/// Output is buffered until the buffer is full, `flush()`, `std::endl`, destruction, or a
/// read that needs the socket: before it reads, the streambuf sends what is buffered, so a
/// request is out before its answer is awaited (a failed send fails the read, with
/// nothing lost). `std::unitbuf` gives Asio's send-on-every-insertion instead.
///
/// The destructor sends what is still buffered, under the socket's mode, ignoring failures
/// (call `flush()` first to see them); then an owning streambuf closes its socket.
///
/// Not thread-safe, as any streambuf; two streambufs may refer to one socket, one reading in
/// one thread while the other writes in another.
template <class Protocol>
class SOCKMODE_API basic_socket_streambuf : public std::streambuf {
 public:
  using socket_type = basic_socket<Protocol>;
  using protocol_type = Protocol;
  using endpoint_type = typename Protocol::endpoint;
  using clock_type = std::chrono::steady_clock;
  using time_point = clock_type::time_point;
  using duration = clock_type::duration;

  /// Owns a socket that is not connected yet (Asio's default): `connect` connects it. Its
  /// mode is `getdefaulttimeout()`.
  basic_socket_streambuf();
  /// Takes the socket over; it closes with this streambuf.
  explicit basic_socket_streambuf(socket_type&& socket);
  /// Uses `socket`, which must outlive this streambuf and stays open after it.
  explicit basic_socket_streambuf(socket_type& socket);

  /// Takes over the buffered bytes and the socket, owned or referred to. The moved-from
  /// streambuf may only be destroyed.
  basic_socket_streambuf(basic_socket_streambuf&& other) noexcept;
  basic_socket_streambuf(const basic_socket_streambuf&) = delete;
  basic_socket_streambuf& operator=(const basic_socket_streambuf&) = delete;
  ~basic_socket_streambuf() override;

  /// The socket; set its mode here (`socket().settimeout(t)`). Read from or write to it
  /// directly only with an empty buffer in that direction, or bytes arrive out of order.
  socket_type& socket() noexcept { return *socket_; }
  const socket_type& socket() const noexcept { return *socket_; }

  /// The outcome of the last socket call this streambuf made: success, `error::timeout`,
  /// `asio::error::would_block`, `asio::error::eof`, or what the kernel reported.
  const boost::system::error_code& error() const noexcept { return error_; }

  /// Asio's `connect(host, service)` (`ip::tcp` only): `create_connection` on a new socket in
  /// this socket's mode, bounded by the mode's timeout and the expiry, whichever ends first;
  /// the new socket replaces the old one (closing it) and carries the expiry. Buffered bytes
  /// of the old connection are dropped, as Asio's. Returns `this`, or null with `error()` set
  /// (`error::timeout` when the expiry or the timeout passed).
  template <class P = Protocol>
  basic_socket_streambuf* connect(std::string_view host, std::string_view service) {
    static_assert(std::is_same_v<P, boost::asio::ip::tcp>,
                  "connect(host, service) resolves names: ip::tcp streams only");
    return connect_to_host(host, service);
  }
  /// As above, to one endpoint.
  basic_socket_streambuf* connect(const endpoint_type& endpoint);
  /// Asio's `close()`: sends what is buffered, then closes the socket (even one this
  /// streambuf does not own). Returns `this`, or null with `error()` set. `connect` may
  /// follow.
  basic_socket_streambuf* close();

  /// The expiry: `time_point::max()` when there is none.
  time_point expiry() const noexcept { return expiry_; }
  /// From now on, connect, every read and every write end at `expiry_time` at the latest
  /// (`error::timeout`), until it is set again; `time_point::max()` lifts it.
  void expires_at(const time_point& expiry_time);
  /// As above, at `now + expiry_time`.
  void expires_after(const duration& expiry_time);

 protected:
  int_type underflow() override;
  std::streamsize xsgetn(char_type* s, std::streamsize n) override;
  int_type overflow(int_type c) override;
  // On failure returns 0 although every byte is kept (see above): a short count is how
  // std::ostream learns of the failure.
  std::streamsize xsputn(const char_type* s, std::streamsize n) override;
  int sync() override;

 private:
  // Sends the put area, then `extra`; whatever the socket did not take stays buffered.
  bool send_buffered(const char_type* extra, std::size_t extra_size);
  bool send_before_reading();
  void set_put_area(std::size_t used);
  basic_socket_streambuf* connect_to_host(std::string_view host, std::string_view service);
  // Puts `socket` in place of the current socket, with its mode and the expiry.
  void replace_socket(socket_type&& socket);
  // What connect may wait: the mode's timeout, shortened to the time left before the expiry.
  timeout_type connect_timeout() const;

  std::optional<socket_type> owned_;
  socket_type* socket_;
  boost::system::error_code error_;
  std::unique_ptr<char_type[]> get_buffer_;
  std::vector<char_type> put_buffer_;
  time_point expiry_ = time_point::max();
};

}  // namespace sockmode

#endif  // SOCKMODE_BASIC_SOCKET_STREAMBUF_HPP
