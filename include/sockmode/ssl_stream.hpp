// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_SSL_STREAM_HPP
#define SOCKMODE_SSL_STREAM_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/io_error.hpp>
#include <sockmode/tcp.hpp>
#include <sockmode/timeout_error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <string_view>

namespace sockmode::ssl {

using context = boost::asio::ssl::context;

/// Whether a client checks the server: its certificate chain against the context's trusted
/// CAs, and that the certificate names the host. `off` is the explicit opt-out.
enum class peer_verification { on, off };

/// Python's `ssl.create_default_context()` for a client: TLS 1.2 or later, the system's
/// default CA paths, peer verification on. The stream adds the host name check.
SOCKMODE_API context create_default_context();

/// TLS over a `sockmode::tcp::socket`, which it owns: Python's `SSLContext.wrap_socket`.
///
/// Every read and write the TLS engine makes on the socket is an ordinary call of that
/// socket, so it follows the socket's mode (set through `next_layer()`), and anything else
/// that governs the socket's calls, such as its deadlines. A handshake or a read may make
/// several such calls; each gets the mode's timeout.
///
/// After a timeout or any other failure:
/// - a failed **read** (`read_some`, or a handshake or shutdown waiting for the peer) leaves
///   the stream usable: the bytes of a partly received record stay in the engine, and the
///   next call carries on where this one stopped. Nothing is lost.
/// - a failed **write** breaks the stream: the engine had already turned the plaintext into a
///   record, and the part of it the socket did not take is gone, so the peer can no longer
///   decrypt anything after it. From then on `write_some`, `handshake` and `shutdown` fail at
///   once with the same error, as does a read that would have to write (a key update);
///   `broken()` reports it. Reads go on, so data the peer sent is still delivered (Go's rule
///   for `tls.Conn`). Close the socket and connect again.
///
/// A client stream is made with the host name it expects: it sends it as SNI, and the
/// handshake verifies the server's certificate chain and that the certificate is for that
/// name (an IP address is checked against the certificate's IP addresses), whatever the
/// context's own verify mode. A failed verification fails the handshake with asio's
/// `ssl` category error "certificate verify failed"; `verify_result()` says why, and the
/// throwing overload puts the reason in the message.
///
/// One thread at a time: an OpenSSL connection is not safe for concurrent use. The socket's
/// `cancel()` and `close()` from another thread still end a blocked call.
class SOCKMODE_API stream : public boost::asio::ssl::stream_base {
 public:
  using next_layer_type = tcp::socket;

  /// A client that verifies `host` (a DNS name or an IP address), or only sends it as SNI
  /// with `peer_verification::off` (an empty host then sends no SNI). Verification with an
  /// empty host throws `std::invalid_argument`.
  stream(tcp::socket&& socket, context& ctx, std::string_view host,
         peer_verification verify = peer_verification::on);
  /// A server, with the context's own certificate and verify settings. A client handshake
  /// on it fails with `invalid_argument`: a client must say which host it expects.
  stream(tcp::socket&& socket, context& ctx);

  stream(stream&& other) noexcept;
  stream& operator=(stream&& other) noexcept;
  /// Closes the socket without a TLS shutdown.
  ~stream();

  /// Performs the TLS handshake as `client` or `server`.
  void handshake(handshake_type type);
  /// As above, but reports failure through `ec`.
  void handshake(handshake_type type, boost::system::error_code& ec);

  /// Asio's SyncReadStream: at least one byte of plaintext. At the end of the stream:
  /// `asio::error::eof` after the peer's close_notify, `ssl::error::stream_truncated` if the
  /// peer closed the connection without one.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) detail::throw_error(ec, "read_some");
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    // A TLS record is read into one buffer at a time, as asio::ssl::stream does.
    return read_one(first_non_empty<boost::asio::mutable_buffer>(buffers), ec);
  }

  /// Asio's SyncWriteStream: at least one byte of plaintext, as one record.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) detail::throw_error(ec, "write_some");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    return write_one(first_non_empty<boost::asio::const_buffer>(buffers), ec);
  }

  /// Sends close_notify and waits for the peer's. The socket stays open.
  void shutdown();
  void shutdown(boost::system::error_code& ec);

  /// The socket: its mode (`settimeout`, `setblocking`), options and `close()`. Do not read
  /// or write it directly while TLS is in use.
  tcp::socket& next_layer() noexcept;
  const tcp::socket& next_layer() const noexcept;

  /// The error of the write that broke the stream, or none (see above).
  boost::system::error_code broken() const noexcept;

  /// OpenSSL's verification result for the peer's certificate (`X509_V_OK`, 0, when it
  /// passed or was not checked); `X509_verify_cert_error_string` names it.
  long verify_result() const noexcept;

  /// OpenSSL's connection, for what this class does not cover.
  SSL* native_handle() noexcept;

 private:
  template <class Buffer, class BufferSequence>
  static Buffer first_non_empty(const BufferSequence& buffers) {
    for (auto i = boost::asio::buffer_sequence_begin(buffers);
         i != boost::asio::buffer_sequence_end(buffers); ++i) {
      if (Buffer b(*i); b.size() != 0) return b;
    }
    return Buffer();
  }
  std::size_t read_one(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);
  std::size_t write_one(boost::asio::const_buffer buffer, boost::system::error_code& ec);

  struct impl;
  std::unique_ptr<impl> impl_;  // never null but after a move
};

}  // namespace sockmode::ssl

#endif  // SOCKMODE_SSL_STREAM_HPP
