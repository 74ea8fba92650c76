// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Beast's synchronous HTTP client with a timeout: the socket's mode applies to every read and
// write Beast makes. A local server answers the first request at once and stalls on the
// second, which then fails with a timeout instead of hanging.

#include <sockmode/sockmode.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace std::chrono_literals;
namespace http = boost::beast::http;

namespace {

// Answers one request, then reads the next and never answers it.
void server(sockmode::tcp::acceptor& listener) {
  sockmode::tcp::socket peer = listener.accept();
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::read(peer, buffer, request);
  http::response<http::string_body> response{http::status::ok, request.version()};
  response.body() = "hello from loopback\n";
  response.prepare_payload();
  http::write(peer, response);
  http::read(peer, buffer, request);
  boost::system::error_code ec;
  char byte;
  peer.recv(boost::asio::buffer(&byte, 1), ec);  // until the client gives up and closes
}

}  // namespace

int main() {
  sockmode::tcp::acceptor listener({boost::asio::ip::make_address("127.0.0.1"), 0});
  std::thread peer(server, std::ref(listener));

  sockmode::tcp::socket stream = sockmode::create_connection(
      "127.0.0.1", std::to_string(listener.local_endpoint().port()), 2s);
  stream.settimeout(300ms);  // each read and write Beast makes
  http::request<http::empty_body> request{http::verb::get, "/", 11};
  request.set(http::field::host, "localhost");

  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::write(stream, request);
  http::read(stream, buffer, response);
  std::printf("first:  %u %s", response.result_int(), response.body().c_str());

  http::write(stream, request);
  boost::system::error_code ec;
  http::response<http::string_body> stalled;
  const auto start = std::chrono::steady_clock::now();
  http::read(stream, buffer, stalled, ec);
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start).count();
  std::printf("second: %s after %.0f ms\n", ec.message().c_str(), ms);
  stream.close();
  peer.join();
  return ec == sockmode::error::timeout ? 0 : 1;
}
