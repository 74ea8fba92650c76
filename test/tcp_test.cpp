// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/tcp.hpp>

#include "support.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

static_assert(beast::is_sync_read_stream<sockmode::tcp::socket>::value,
              "sockmode::tcp::socket must be an Asio SyncReadStream");
static_assert(beast::is_sync_write_stream<sockmode::tcp::socket>::value,
              "sockmode::tcp::socket must be an Asio SyncWriteStream");
static_assert(beast::is_sync_stream<sockmode::tcp::socket>::value);

namespace {

std::vector<char> pattern(std::size_t size) {
  std::vector<char> data(size);
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>('a' + i % 26);
  return data;
}

// A composed read of a message the peer sent only part of ends with the timeout code after
// about the socket's timeout; where the operation hands bytes back, it hands back what came.
// A failure names its row (printed by operator<<) and its address.
struct partial_read_row {
  const char* name;
  std::string partial;                    // what the peer sends, short of what the read wants
  std::optional<std::string> delivered;   // what the caller gets back, where the read says
  std::string (*read)(sockmode::tcp::socket& server, error_code& ec);
};
std::ostream& operator<<(std::ostream& os, const partial_read_row& row) {
  return os << row.name;
}

const partial_read_row partial_read_rows[] = {
    {"asio_read_reports_bytes_received_before_timeout", "abcd", "abcd",
     [](sockmode::tcp::socket& server, error_code& ec) {
       char data[10] = {};
       const std::size_t n = asio::read(server, asio::buffer(data), ec);
       return std::string(data, n);
     }},
    {"beast_http_read_times_out_on_half_a_request", "GET /half HTTP/1.1\r\nHost: loc",
     std::nullopt,
     [](sockmode::tcp::socket& server, error_code& ec) {
       beast::flat_buffer buffer;
       http::request<http::string_body> request;
       http::read(server, buffer, request, ec);
       return std::string();
     }},
};

}  // namespace

BOOST_DATA_TEST_CASE(composed_read_of_a_partial_message_times_out_after_about_the_timeout,
                     test::loopbacks * boost::unit_test::data::make(partial_read_rows), address,
                     row) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  server.settimeout(200ms);
  client.sendall(asio::buffer(row.partial));
  error_code ec;
  std::string delivered;
  const auto took = test::elapsed([&] { delivered = row.read(server, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  if (row.delivered) BOOST_TEST(delivered == *row.delivered);
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_DATA_TEST_CASE(read_until_times_out_on_a_partial_line_and_loses_no_byte,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  server.settimeout(200ms);
  client.sendall(asio::buffer(std::string("hello ")));

  std::string line;
  error_code ec;
  std::size_t n = 0;
  const auto took =
      test::elapsed([&] { n = asio::read_until(server, asio::dynamic_buffer(line), '\n', ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
  BOOST_TEST(line == "hello ");  // what was read before the timeout stays in the buffer

  client.sendall(asio::buffer(std::string("world\nnext")));
  n = asio::read_until(server, asio::dynamic_buffer(line), '\n', ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(n == 12u);
  BOOST_TEST(line.substr(0, n) == "hello world\n");
}

BOOST_DATA_TEST_CASE(throwing_read_until_reports_the_timeout_code, test::loopbacks, address) {
  // Asio's throwing overloads call the ec overload of read_some and throw their own
  // system_error, so the code, not the sockmode exception type, is what reaches the caller.
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  server.settimeout(200ms);
  client.sendall(asio::buffer(std::string("no newline")));
  std::string line;
  try {
    asio::read_until(server, asio::dynamic_buffer(line), '\n');
    BOOST_FAIL("read_until did not throw");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == sockmode::error::timeout), e.what());
    BOOST_TEST((e.code() == std::errc::timed_out));
  }
  BOOST_TEST(line == "no newline");
}

BOOST_DATA_TEST_CASE(asio_read_and_write_move_a_large_payload_in_timeout_mode,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  client.settimeout(10s);
  server.settimeout(10s);
  const std::vector<char> sent = pattern(4u << 20);  // far more than the socket buffers hold
  std::size_t written = 0;
  error_code write_ec;
  std::thread writer([&] { written = asio::write(client, asio::buffer(sent), write_ec); });
  std::vector<char> received(sent.size());
  error_code read_ec;
  const std::size_t n = asio::read(server, asio::buffer(received), read_ec);
  writer.join();
  BOOST_TEST(!write_ec, write_ec.message());
  BOOST_TEST(!read_ec, read_ec.message());
  BOOST_TEST(written == sent.size());
  BOOST_TEST(n == sent.size());
  BOOST_TEST((received == sent));
}

BOOST_DATA_TEST_CASE(asio_read_and_write_work_in_blocking_mode, test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  const std::vector<char> sent = pattern(1u << 20);
  std::thread writer([&] {
    asio::write(client, asio::buffer(sent));
    client.shutdown(sockmode::tcp::socket::shutdown_send);
  });
  std::vector<char> received(sent.size());
  const std::size_t n = asio::read(server, asio::buffer(received));
  // After everything, the peer's shutdown is end of stream: read_some reports eof.
  char extra = 0;
  error_code ec;
  asio::read(server, asio::buffer(&extra, 1), ec);
  writer.join();
  BOOST_TEST(n == sent.size());
  BOOST_TEST((received == sent));
  BOOST_TEST((ec == asio::error::eof), ec.message());
}

BOOST_DATA_TEST_CASE(beast_http_read_resumes_after_a_timeout_without_losing_bytes,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  server.settimeout(200ms);
  client.sendall(asio::buffer(std::string("POST /echo HTTP/1.1\r\nHost: loc")));
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  error_code ec;
  http::read(server, buffer, parser, ec);
  BOOST_TEST_REQUIRE((ec == sockmode::error::timeout), ec.message());

  client.sendall(asio::buffer(std::string("alhost\r\nContent-Length: 5\r\n\r\nhel")));
  http::read(server, buffer, parser, ec);
  BOOST_TEST_REQUIRE((ec == sockmode::error::timeout), ec.message());

  client.sendall(asio::buffer(std::string("lo")));
  http::read(server, buffer, parser, ec);
  BOOST_TEST_REQUIRE(!ec, ec.message());
  const auto& request = parser.get();
  BOOST_TEST(request.method() == http::verb::post);
  BOOST_TEST(std::string(request.target()) == "/echo");
  BOOST_TEST(std::string(request[http::field::host]) == "localhost");
  BOOST_TEST(request.body() == "hello");
}

BOOST_DATA_TEST_CASE(beast_http_read_returns_a_whole_request_in_timeout_mode,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  server.settimeout(5s);
  std::thread sender([&] {
    client.sendall(asio::buffer(std::string("POST /echo HTTP/1.1\r\nHost: localhost\r\n")));
    std::this_thread::sleep_for(50ms);
    client.sendall(asio::buffer(std::string("Content-Length: 5\r\n\r\nhello")));
  });
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  error_code ec;
  http::read(server, buffer, request, ec);
  sender.join();
  BOOST_TEST_REQUIRE(!ec, ec.message());
  BOOST_TEST(request.method() == http::verb::post);
  BOOST_TEST(std::string(request.target()) == "/echo");
  BOOST_TEST(request.body() == "hello");
}

BOOST_DATA_TEST_CASE(beast_http_write_sends_a_whole_response_in_timeout_mode,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = test::connected_pair(address);
  server.settimeout(10s);
  client.settimeout(10s);
  const std::vector<char> body_bytes = pattern(2u << 20);  // must wait for buffer room
  const std::string body(body_bytes.begin(), body_bytes.end());

  http::response<http::string_body> sent{http::status::ok, 11};
  sent.set(http::field::content_type, "text/plain");
  sent.body() = body;
  sent.prepare_payload();

  beast::flat_buffer buffer;
  http::response<http::string_body> received;
  error_code read_ec;
  std::thread reader([&] { http::read(client, buffer, received, read_ec); });
  error_code write_ec;
  const std::size_t n = http::write(server, sent, write_ec);
  reader.join();
  BOOST_TEST(!write_ec, write_ec.message());
  BOOST_TEST(n > body.size());
  BOOST_TEST(!read_ec, read_ec.message());
  BOOST_TEST(received.result() == http::status::ok);
  BOOST_TEST(std::string(received[http::field::content_type]) == "text/plain");
  BOOST_TEST(received.body().size() == body.size());
  BOOST_TEST((received.body() == body));
}

BOOST_DATA_TEST_CASE(tcp_socket_connects_to_an_acceptor_over_loopback_in_every_mode,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(5s);

  sockmode::tcp::socket blocking;
  blocking.connect(listener.local_endpoint());
  BOOST_TEST(listener.accept().remote_endpoint() == blocking.local_endpoint());

  sockmode::tcp::socket timed;
  timed.settimeout(5s);
  timed.connect(listener.local_endpoint());
  BOOST_TEST(listener.accept().remote_endpoint() == timed.local_endpoint());

  sockmode::tcp::socket non_blocking(test::loopback(address).protocol());
  non_blocking.setblocking(false);
  error_code ec = non_blocking.connect_ex(listener.local_endpoint());
  if (ec) {
    BOOST_TEST((ec == asio::error::would_block), ec.message());
    non_blocking.wait(sockmode::tcp::socket::wait_write, 5s);
    ec = non_blocking.connect_ex(listener.local_endpoint());  // completed: succeeds, as CPython
  }
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(listener.accept().remote_endpoint() == non_blocking.local_endpoint());
}
