// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Stands in front of Beast's example/common/root_certificates.hpp for the drop-in tests.
//
// Beast's client examples verify the server against the public roots that header lists, and
// Beast's example servers present a self-signed certificate (example/common/
// server_certificate.hpp) that no public root signs: the examples, unchanged, cannot talk to
// each other over TLS. A real program adds the authority its servers use to that trust set,
// as the header itself says; this one does so for the example server's certificate, so the
// examples' own code stays exactly as shipped. Both Beast headers are read from the installed
// libboost1.81-doc (their paths come from CMake).
#ifndef SOCKMODE_TEST_DROPIN_ROOT_CERTIFICATES_HPP
#define SOCKMODE_TEST_DROPIN_ROOT_CERTIFICATES_HPP

#include <boost/asio/ssl.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include SOCKMODE_DROPIN_SERVER_CERTIFICATE_HPP

#define load_root_certificates beast_example_load_root_certificates
#include SOCKMODE_DROPIN_ROOT_CERTIFICATES_HPP
#undef load_root_certificates

inline void load_root_certificates(boost::asio::ssl::context& ctx, boost::system::error_code& ec) {
  beast_example_load_root_certificates(ctx, ec);
  if (ec) return;
  boost::asio::ssl::context server{boost::asio::ssl::context::tlsv12};
  load_server_certificate(server);
  X509* certificate = SSL_CTX_get0_certificate(server.native_handle());
  if (certificate == nullptr ||
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.native_handle()), certificate) != 1) {
    ec = boost::system::error_code(static_cast<int>(ERR_get_error()),
                                   boost::asio::error::get_ssl_category());
  }
}

inline void load_root_certificates(boost::asio::ssl::context& ctx) {
  boost::system::error_code ec;
  load_root_certificates(ctx, ec);
  if (ec) throw boost::system::system_error{ec};
}

#endif  // SOCKMODE_TEST_DROPIN_ROOT_CERTIFICATES_HPP
