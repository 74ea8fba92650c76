// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "http_workload.hpp"

#include "harness.hpp"

#include <sockmode/tcp_stream.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace bench::http_get {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

const std::string body = "hello, sockmode\n";  // 16 bytes

// Beast's synchronous server loop over a blocking Asio socket: the same for every contender.
void serve(asio::ip::tcp::socket socket) {
  set_nodelay(socket.native_handle());
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    http::request<http::empty_body> request;
    http::read(socket, buffer, request, ec);
    if (ec) return;  // end of stream: the client is done
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::content_type, "text/plain");
    response.keep_alive(request.keep_alive());
    response.body() = body;
    response.prepare_payload();
    http::write(socket, response, ec);
    if (ec) return;
  }
}

template <class Stream, class BeforeRequest>
std::vector<double> client(Stream& stream, std::size_t warmup, std::size_t n,
                           BeforeRequest before_request) {
  http::request<http::empty_body> request{http::verb::get, "/", 11};
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(true);
  beast::flat_buffer buffer;
  std::vector<double> latencies(n);
  for (std::size_t i = 0; i < warmup + n; ++i) {
    const std::int64_t t0 = now_ns();
    before_request(stream);
    http::write(stream, request);
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    const std::int64_t t1 = now_ns();
    if (response.result() != http::status::ok || response.body() != body) {
      throw std::runtime_error("http_get: unexpected response");
    }
    if (i >= warmup) latencies[i - warmup] = static_cast<double>(t1 - t0) * 1e-3;
  }
  return latencies;
}

}  // namespace

std::vector<double> round_trips(const char* key, std::size_t warmup, std::size_t n) {
  asio::io_context server_context;
  asio::ip::tcp::acceptor acceptor(server_context,
                                   {asio::ip::make_address("127.0.0.1"), 0});
  const pinned_to_cpu0 pin;
  std::thread server([&] {
    pin_to_cpu(0);
    try {
      serve(acceptor.accept());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sockmode_bench: http server: %s\n", e.what());
    }
  });
  struct join {
    std::thread& t;
    ~join() { t.join(); }
  } join_on_exit{server};

  asio::io_context client_context;
  const asio::ip::tcp::endpoint endpoint = acceptor.local_endpoint();
  if (std::strcmp(key, beast_key) == 0) {
    beast::tcp_stream stream(client_context);
    stream.connect(endpoint);
    set_nodelay(stream.socket().native_handle());
    return client(stream, warmup, n, [](beast::tcp_stream&) {});
  }
  sockmode::tcp_stream stream(client_context);
  stream.connect(endpoint);
  set_nodelay(stream.socket().native_handle());
  if (std::strcmp(key, sockmode_expiry_key) == 0) {
    return client(stream, warmup, n, [](sockmode::tcp_stream& s) {
      s.expires_after(std::chrono::seconds(5));
    });
  }
  return client(stream, warmup, n, [](sockmode::tcp_stream&) {});
}

}  // namespace bench::http_get
