// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/ssl_stream.hpp>

#include "home_context.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace sockmode::ssl {
namespace {

// What asio::ssl::stream needs of the layer below it, over a sockmode socket: each read and
// write the engine makes is an ordinary call of that socket, under its mode. It remembers
// the first failed write, after which the record stream is torn (see ssl_stream.hpp) and
// nothing more may be sent.
class transport {
 public:
  using executor_type = boost::asio::io_context::executor_type;
  using lowest_layer_type = transport;

  explicit transport(tcp::socket& socket) noexcept : socket_(&socket) {}

  // Only the asynchronous operations, which sockmode does not offer, would use it: the
  // never-run home context spares the socket its Asio object.
  executor_type get_executor() noexcept { return detail::home_context().get_executor(); }
  lowest_layer_type& lowest_layer() noexcept { return *this; }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    return socket_->read_some(buffers, ec);
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    if (broken_) {
      ec = broken_;
      return 0;
    }
    const std::size_t n = socket_->write_some(buffers, ec);
    if (ec) broken_ = ec;
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) sockmode::detail::throw_error(ec, "read_some");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) sockmode::detail::throw_error(ec, "write_some");
    return n;
  }

  const boost::system::error_code& broken() const noexcept { return broken_; }

 private:
  tcp::socket* socket_;
  boost::system::error_code broken_;
};

enum class role { client, server };

}  // namespace

struct stream::impl {
  impl(tcp::socket&& s, context& ctx, role r)
      : socket(std::move(s)), tls(transport(socket), ctx), side(r) {}

  // Runs one operation of the TLS stream; if a write inside it broke the stream, the
  // operation reports that write's error, whatever the engine made of it.
  template <class Operation>
  std::size_t run(Operation operation, boost::system::error_code& ec) {
    const bool was_broken = static_cast<bool>(tls.next_layer().broken());
    const std::size_t n = operation(ec);
    if (!was_broken && tls.next_layer().broken()) {
      ec = tls.next_layer().broken();
      return 0;
    }
    return n;
  }

  tcp::socket socket;
  boost::asio::ssl::stream<transport> tls;
  role side;
};

context create_default_context() {
  context ctx(context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(boost::asio::ssl::verify_peer);
  return ctx;
}

stream::stream(tcp::socket&& socket, context& ctx, std::string_view host,
               peer_verification verify)
    : impl_(std::make_unique<impl>(std::move(socket), ctx, role::client)) {
  SSL* ssl = impl_->tls.native_handle();
  const std::string name(host);
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);  // fails for a name: ec says which it is
  // RFC 6066: SNI carries DNS names only, never an address. (SSL_set_tlsext_host_name,
  // spelt out: the macro casts in C style.)
  if (ec && !name.empty() &&
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str())) != 1) {
    throw io_error(boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                             boost::asio::error::get_ssl_category()),
                   "ssl::stream: host name");
  }
  if (verify == peer_verification::off) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    return;
  }
  if (name.empty()) throw std::invalid_argument("ssl::stream: verification needs a host name");
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int set = ec ? X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size())
                     : X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  if (set != 1) throw std::invalid_argument("ssl::stream: host name not usable: " + name);
  // Whatever the context says: a client that names a host means to check it.
  SSL_set_verify(ssl, SSL_VERIFY_PEER, SSL_get_verify_callback(ssl));
}

stream::stream(tcp::socket&& socket, context& ctx)
    : impl_(std::make_unique<impl>(std::move(socket), ctx, role::server)) {}

// The transport points at the socket inside impl, which a move of the stream leaves in place.
stream::stream(stream&& other) noexcept = default;
stream& stream::operator=(stream&& other) noexcept = default;
stream::~stream() = default;

void stream::handshake(handshake_type type) {
  boost::system::error_code ec;
  handshake(type, ec);
  if (!ec) return;
  if (ec == boost::asio::error::invalid_argument && impl_ && impl_->side == role::server &&
      type == client) {
    throw std::invalid_argument(
        "ssl::stream: a client handshake needs the stream made with the server's host name");
  }
  const long verify = verify_result();
  if (verify != X509_V_OK && ec.category() == boost::asio::error::get_ssl_category()) {
    const std::string what =
        std::string("handshake: ") + ::X509_verify_cert_error_string(verify);
    detail::throw_error(ec, what.c_str());
  }
  detail::throw_error(ec, "handshake");
}

void stream::handshake(handshake_type type, boost::system::error_code& ec) {
  if (!impl_) {
    ec = boost::asio::error::bad_descriptor;
    return;
  }
  if (type == client && impl_->side == role::server) {
    ec = boost::asio::error::invalid_argument;
    return;
  }
  if ((ec = broken())) return;
  impl_->run(
      [&](boost::system::error_code& e) {
        impl_->tls.handshake(type, e);
        return std::size_t{0};
      },
      ec);
}

std::size_t stream::read_one(boost::asio::mutable_buffer buffer, boost::system::error_code& ec) {
  if (!impl_) {
    ec = boost::asio::error::bad_descriptor;
    return 0;
  }
  // A read may go on after a broken write; the transport refuses any write it would make.
  return impl_->run([&](boost::system::error_code& e) { return impl_->tls.read_some(buffer, e); },
                    ec);
}

std::size_t stream::write_one(boost::asio::const_buffer buffer, boost::system::error_code& ec) {
  if (!impl_) {
    ec = boost::asio::error::bad_descriptor;
    return 0;
  }
  if ((ec = broken())) return 0;
  return impl_->run([&](boost::system::error_code& e) { return impl_->tls.write_some(buffer, e); },
                    ec);
}

void stream::shutdown() {
  boost::system::error_code ec;
  shutdown(ec);
  if (ec) detail::throw_error(ec, "shutdown");
}

void stream::shutdown(boost::system::error_code& ec) {
  if (!impl_) {
    ec = boost::asio::error::bad_descriptor;
    return;
  }
  if ((ec = broken())) return;
  impl_->run(
      [&](boost::system::error_code& e) {
        impl_->tls.shutdown(e);
        return std::size_t{0};
      },
      ec);
}

tcp::socket& stream::next_layer() noexcept { return impl_->socket; }
const tcp::socket& stream::next_layer() const noexcept { return impl_->socket; }

boost::system::error_code stream::broken() const noexcept {
  return impl_ ? impl_->tls.next_layer().broken() : boost::system::error_code();
}

long stream::verify_result() const noexcept {
  return impl_ ? ::SSL_get_verify_result(impl_->tls.native_handle()) : X509_V_OK;
}

SSL* stream::native_handle() noexcept { return impl_->tls.native_handle(); }

}  // namespace sockmode::ssl
