// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/sockmode.hpp>
#include <sockmode/version.hpp>
#ifdef SOCKMODE_CONSUMER_TLS
#include <sockmode/ssl_stream.hpp>
#endif

#include <chrono>
#include <cstdio>

static_assert(SOCKMODE_VERSION >= 200, "sockmode/version.hpp");

int main() {
  using namespace std::chrono_literals;
#ifdef SOCKMODE_CONSUMER_TLS
  // OpenSSL's headers and libraries came with the package.
  sockmode::ssl::context tls_context = sockmode::ssl::create_default_context();
  std::printf("sockmode: TLS context %s\n", tls_context.native_handle() ? "made" : "missing");
#endif
  sockmode::tcp::acceptor listener({boost::asio::ip::make_address("127.0.0.1"), 0});
  sockmode::tcp::socket client = sockmode::create_connection(
      "127.0.0.1", std::to_string(listener.local_endpoint().port()), 50ms);
  char byte = 0;
  boost::system::error_code ec;
  client.recv(boost::asio::buffer(&byte, 1), ec);
  // Thrown from the library, caught here: the exception types are exported.
  try {
    client.recv(boost::asio::buffer(&byte, 1));
  } catch (const sockmode::timeout_error&) {
    std::printf("sockmode %d: recv timed out as expected\n", SOCKMODE_VERSION);
    return ec == sockmode::error::timeout ? 0 : 1;
  }
  return 1;
}
