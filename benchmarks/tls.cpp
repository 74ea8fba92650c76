// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "tls.hpp"

#include <sockmode/ssl_stream.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace bench::tls {
namespace {

namespace ssl = boost::asio::ssl;
using namespace std::chrono_literals;

// A self-signed P-256 certificate made in memory: the benchmark needs a server identity, not
// a trusted one (the clients do not verify; the handshake is not timed).
struct identity {
  std::string cert, key;
  identity() {
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    if (!pkey || !x) throw std::runtime_error("tls: key generation");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    const char cn[] = "localhost";
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, pkey, EVP_sha256());
    cert = pem([&](BIO* b) { return PEM_write_bio_X509(b, x); });
    key = pem([&](BIO* b) {
      return PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    });
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  template <class Write>
  static std::string pem(Write write) {
    BIO* b = BIO_new(BIO_s_mem());
    if (!b || write(b) != 1) throw std::runtime_error("tls: PEM");
    char* data = nullptr;
    const long size = BIO_get_mem_data(b, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(b);
    return out;
  }
};

struct contexts {
  ssl::context server{ssl::context::tls_server};
  ssl::context client{ssl::context::tls_client};
  contexts() {
    static const identity id;
    server.use_certificate(boost::asio::buffer(id.cert), ssl::context::pem);
    server.use_private_key(boost::asio::buffer(id.key), ssl::context::pem);
  }
};

contexts& shared_contexts() {
  static contexts c;
  return c;
}

// asio::ssl::stream over an Asio socket left in Asio's blocking behaviour.
class asio_end {
 public:
  asio_end(int fd, bool server)
      : socket_(context(), boost::asio::ip::tcp::v4(), fd),
        tls_(socket_, server ? shared_contexts().server : shared_contexts().client) {}
  ssl::stream<boost::asio::ip::tcp::socket&>& stream() { return tls_; }

 private:
  static boost::asio::io_context& context() {
    static boost::asio::io_context io;
    return io;
  }
  boost::asio::ip::tcp::socket socket_;
  ssl::stream<boost::asio::ip::tcp::socket&> tls_;
};

// sockmode::ssl::stream over an adopted descriptor, in timeout mode (never reached).
class sockmode_end {
 public:
  sockmode_end(int fd, bool server) : tls_(make(fd, server)) { tls_.next_layer().settimeout(5s); }
  sockmode::ssl::stream& stream() { return tls_; }

 private:
  static sockmode::ssl::stream make(int fd, bool server) {
    static boost::asio::io_context io;
    sockmode::tcp::socket socket(boost::asio::ip::tcp::socket(io, boost::asio::ip::tcp::v4(), fd));
    if (server) return sockmode::ssl::stream(std::move(socket), shared_contexts().server);
    return sockmode::ssl::stream(std::move(socket), shared_contexts().client, "",
                                 sockmode::ssl::peer_verification::off);
  }
  sockmode::ssl::stream tls_;
};

// Both ends connected and through the handshake; the caller runs the workload.
template <class End>
std::pair<std::unique_ptr<End>, std::unique_ptr<End>> handshaken(loopback_listener& listener) {
  const auto [a, b] = listener.pair();
  auto client = std::make_unique<End>(a, false);
  auto server = std::make_unique<End>(b, true);
  std::thread peer([&] { server->stream().handshake(ssl::stream_base::server); });
  try {
    client->stream().handshake(ssl::stream_base::client);
  } catch (...) {
    peer.join();
    throw;
  }
  peer.join();
  return {std::move(client), std::move(server)};
}

template <class End>
double bulk_of(loopback_listener& listener, std::size_t bytes) {
  constexpr std::size_t chunk = 64 * 1024;
  auto [sender, receiver] = handshaken<End>(listener);
  const pinned_to_cpu0 pin;  // both ends on one CPU, as the other bulk and ping-pong runs
  std::size_t received = 0;
  const std::int64_t t0 = now_ns();
  std::thread peer([&] {
    pin_to_cpu(0);
    std::vector<char> buffer(chunk);
    boost::system::error_code ec;
    while (received < bytes && !ec)
      received += receiver->stream().read_some(boost::asio::buffer(buffer), ec);
    if (ec) std::fprintf(stderr, "sockmode_bench: tls bulk receiver: %s\n", ec.message().c_str());
  });
  const std::vector<char> data(chunk, 'b');
  boost::system::error_code ec;
  for (std::size_t sent = 0; sent < bytes && !ec; sent += chunk)
    boost::asio::write(sender->stream(), boost::asio::buffer(data.data(), std::min(chunk, bytes - sent)), ec);
  if (ec) sender.reset();  // the receiver sees the end and stops
  peer.join();
  const double seconds = seconds_since(t0);
  if (received != bytes) throw std::runtime_error("tls bulk: short transfer");
  return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

template <class End>
std::vector<double> pingpong_of(loopback_listener& listener, std::size_t warmup, std::size_t n) {
  auto [client, server] = handshaken<End>(listener);
  const pinned_to_cpu0 pin;  // both ends on one CPU, as the other bulk and ping-pong runs
  std::thread peer([&] {
    pin_to_cpu(0);
    char c = 0;
    boost::system::error_code ec;
    for (std::size_t i = 0; i < warmup + n && !ec; ++i) {
      boost::asio::read(server->stream(), boost::asio::buffer(&c, 1), ec);
      if (!ec) boost::asio::write(server->stream(), boost::asio::buffer(&c, 1), ec);
    }
  });
  std::vector<double> latencies(n);
  char c = 'p';
  boost::system::error_code ec;
  for (std::size_t i = 0; i < warmup + n && !ec; ++i) {
    const std::int64_t t0 = now_ns();
    boost::asio::write(client->stream(), boost::asio::buffer(&c, 1), ec);
    if (!ec) boost::asio::read(client->stream(), boost::asio::buffer(&c, 1), ec);
    const std::int64_t t1 = now_ns();
    if (i >= warmup) latencies[i - warmup] = static_cast<double>(t1 - t0) * 1e-3;
  }
  if (ec) client.reset();  // the peer's read fails and it stops
  peer.join();
  if (ec) throw std::runtime_error("tls ping-pong: " + ec.message());
  return latencies;
}

}  // namespace

double bulk(const char* key, loopback_listener& listener, std::size_t bytes) {
  if (std::strcmp(key, sockmode_key) == 0) return bulk_of<sockmode_end>(listener, bytes);
  return bulk_of<asio_end>(listener, bytes);
}

std::vector<double> pingpong(const char* key, loopback_listener& listener, std::size_t warmup,
                             std::size_t n) {
  if (std::strcmp(key, sockmode_key) == 0) return pingpong_of<sockmode_end>(listener, warmup, n);
  return pingpong_of<asio_end>(listener, warmup, n);
}

}  // namespace bench::tls
