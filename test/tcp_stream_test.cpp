// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/tcp_stream.hpp>

#include "support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/dynamic_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#if SOCKMODE_TEST_TLS
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

extern char** environ;
#endif

#include <future>
#include <string>
#include <thread>
#include <vector>

static_assert(boost::beast::is_sync_read_stream<sockmode::tcp_stream>::value);
static_assert(boost::beast::is_sync_write_stream<sockmode::tcp_stream>::value);
// beast::get_lowest_layer stops at the stream, never reaching the socket's Asio object.
static_assert(std::is_same_v<boost::beast::lowest_layer_type<sockmode::tcp_stream>,
                             sockmode::tcp_stream>);
static_assert(std::is_same_v<
              boost::beast::lowest_layer_type<
                  boost::beast::websocket::stream<sockmode::tcp_stream>>,
              sockmode::tcp_stream>);
#if SOCKMODE_TEST_TLS
static_assert(
    std::is_same_v<boost::beast::lowest_layer_type<boost::beast::ssl_stream<sockmode::tcp_stream>>,
                   sockmode::tcp_stream>);
#endif

namespace {

using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using sockmode::tcp_stream;

// Answers one HTTP request on `socket` with "you asked for <target>".
template <class Stream>
void answer_one_request(Stream& stream) {
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::read(stream, buffer, request);
  http::response<http::string_body> response(http::status::ok, request.version());
  response.set(http::field::content_type, "text/plain");
  response.body() = "you asked for " + std::string(request.target());
  response.keep_alive(false);
  response.prepare_payload();
  http::write(stream, response);
}

template <class Stream>
http::response<http::string_body> get(Stream& stream, const std::string& target) {
  http::request<http::string_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return response;
}

// A one-connection HTTP server in a thread: answers one request.
class http_server {
 public:
  http_server() : listener_(test::loopback()) {
    thread_ = std::thread([this] {
      try {
        sockmode::tcp::socket socket = listener_.accept();
        answer_one_request(socket);
        socket.shutdown(sockmode::tcp::socket::shutdown_send);
      } catch (const std::exception&) {
        // the client's assertions report what went wrong
      }
    });
  }
  ~http_server() { thread_.join(); }
  sockmode::tcp::endpoint endpoint() const { return listener_.local_endpoint(); }

 private:
  sockmode::tcp::acceptor listener_;
  std::thread thread_;
};

// A closed loopback port: connecting there is refused at once.
sockmode::tcp::endpoint refusing_endpoint() {
  sockmode::tcp::acceptor probe(test::loopback());
  return probe.local_endpoint();
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_http_get_makes_a_round_trip) {
  http_server server;
  boost::asio::io_context context;
  tcp_stream stream(context);
  stream.expires_after(10s);
  stream.connect(server.endpoint());
  const auto response = get(stream, "/index.html");
  BOOST_TEST(response.result_int() == 200);
  BOOST_TEST(response.body() == "you asked for /index.html");
}

BOOST_AUTO_TEST_CASE(the_executor_is_the_one_given) {
  boost::asio::io_context context;
  tcp_stream from_context(context);
  BOOST_TEST((from_context.get_executor() == tcp_stream::executor_type(context.get_executor())));
  tcp_stream from_executor(context.get_executor());
  BOOST_TEST((from_executor.get_executor() == tcp_stream::executor_type(context.get_executor())));
  BOOST_TEST(!from_executor.socket().is_open());
}

BOOST_AUTO_TEST_CASE(a_read_ends_at_the_expiry_when_the_peer_is_silent_and_the_stream_goes_on) {
  auto [client, server] = test::connected_pair();
  tcp_stream stream(std::move(client));
  stream.expires_after(200ms);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code ec;
  const auto took = test::elapsed([&] { http::read(stream, buffer, response, ec); });
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST((ec == beast::condition::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 2.0);
  BOOST_TEST(stream.socket().is_open());

  // The socket is still usable: lift the expiry and the answer is read whole.
  stream.expires_never();
  std::thread answer = test::send_later(
      server, 50ms, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  http::response<http::string_body> second;
  beast::flat_buffer second_buffer;
  http::read(stream, second_buffer, second, ec);
  answer.join();
  BOOST_TEST(!ec);
  BOOST_TEST(second.body() == "hello");
}

BOOST_AUTO_TEST_CASE(one_expiry_bounds_every_operation_until_it_is_set_again) {
  auto [client, server] = test::connected_pair();
  tcp_stream stream(std::move(client));
  stream.expires_after(300ms);
  char byte = 0;
  beast::error_code ec;
  std::thread first = test::send_later(server, 100ms, "a");
  stream.read_some(boost::asio::buffer(&byte, 1), ec);  // within the expiry
  first.join();
  BOOST_TEST(!ec);
  BOOST_TEST(byte == 'a');
  // The second read has what is left of the same 300 ms, not 300 ms of its own.
  const auto took = test::elapsed([&] { stream.read_some(boost::asio::buffer(&byte, 1), ec); });
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST(took.count() < 0.28);
  // Past the expiry, even a write that would succeed at once fails, and sends nothing.
  const auto sent = stream.write_some(boost::asio::buffer("x", 1), ec);
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST(sent == 0u);
  stream.expires_after(5s);
  BOOST_TEST(stream.write_some(boost::asio::buffer("y", 1), ec) == 1u);
  BOOST_TEST(!ec);
  server.settimeout(2s);
  BOOST_TEST(server.recv(boost::asio::buffer(&byte, 1)) == 1u);
  BOOST_TEST(byte == 'y');
}

BOOST_AUTO_TEST_CASE(the_throwing_read_throws_timeout_error_with_beasts_code) {
  auto [client, server] = test::connected_pair();
  tcp_stream stream(std::move(client));
  stream.expires_after(100ms);
  char byte = 0;
  try {
    stream.read_some(boost::asio::buffer(&byte, 1));
    BOOST_FAIL("read_some returned");
  } catch (const sockmode::timeout_error& e) {
    BOOST_TEST(e.code() == beast::error_code(beast::error::timeout));
    BOOST_TEST(std::string(e.what()).find("tcp_stream read_some") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(the_sockets_mode_still_applies_under_a_later_expiry) {
  auto [client, server] = test::connected_pair();
  tcp_stream stream(std::move(client));
  stream.socket().settimeout(150ms);
  stream.expires_after(10s);
  char byte = 0;
  beast::error_code ec;
  const auto took = test::elapsed([&] { stream.read_some(boost::asio::buffer(&byte, 1), ec); });
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST(took.count() >= 0.1);
  BOOST_TEST(took.count() < 2.0);
}

BOOST_AUTO_TEST_CASE(the_socket_reports_sockmodes_code_which_also_matches_beasts_condition) {
  auto [client, server] = test::connected_pair();
  client.settimeout(50ms);
  char byte = 0;
  beast::error_code ec;
  client.read_some(boost::asio::buffer(&byte, 1), ec);
  BOOST_TEST(ec == beast::error_code(sockmode::error::timeout));
  BOOST_TEST((ec == boost::system::errc::timed_out));
  BOOST_TEST((ec == beast::condition::timeout));
  BOOST_TEST((ec != beast::error::timeout));  // that code is tcp_stream's, as Beast's
}

BOOST_AUTO_TEST_CASE(connect_to_a_range_ends_at_the_expiry_against_a_full_listener) {
  test::full_listener full;
  boost::asio::io_context context;
  tcp_stream stream(context);
  const std::vector<sockmode::tcp::endpoint> endpoints{full.endpoint(), full.endpoint()};
  stream.expires_after(300ms);
  beast::error_code ec;
  sockmode::tcp::endpoint connected;
  const auto took = test::elapsed([&] { connected = stream.connect(endpoints, ec); });
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST((connected == sockmode::tcp::endpoint()));
  // One expiry for the whole range: the second endpoint got no 300 ms of its own.
  BOOST_TEST(took.count() >= 0.25);
  BOOST_TEST(took.count() < 0.55);
  BOOST_CHECK_THROW(stream.connect(endpoints), sockmode::timeout_error);

  // Once the expiry has passed, the remaining endpoints are not even offered to the condition.
  stream.expires_after(300ms);
  int offered = 0;
  const auto count = [&](const beast::error_code&, const sockmode::tcp::endpoint&) {
    ++offered;
    return true;
  };
  stream.connect(endpoints, count, ec);
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST(offered == 1);
}

BOOST_AUTO_TEST_CASE(connect_to_a_range_skips_what_fails_and_returns_what_connected) {
  sockmode::tcp::acceptor listener(test::loopback());
  const std::vector<sockmode::tcp::endpoint> endpoints{refusing_endpoint(),
                                                       listener.local_endpoint()};
  boost::asio::io_context context;
  tcp_stream stream(context);
  stream.expires_after(5s);
  BOOST_TEST((stream.connect(endpoints) == listener.local_endpoint()));
  BOOST_TEST((stream.socket().remote_endpoint() == listener.local_endpoint()));

  tcp_stream by_iterator(context);
  beast::error_code ec;
  const auto it = by_iterator.connect(endpoints.begin(), endpoints.end(), ec);
  BOOST_TEST(!ec);
  BOOST_TEST((it == endpoints.begin() + 1));

  // A condition that refuses every endpoint: nothing is tried.
  tcp_stream none(context);
  const auto refused = none.connect(
      endpoints.begin(), endpoints.end(),
      [](const beast::error_code&, const sockmode::tcp::endpoint&) { return false; }, ec);
  BOOST_TEST((refused == endpoints.end()));
  BOOST_TEST(ec == boost::asio::error::not_found);
}

BOOST_AUTO_TEST_CASE(connect_takes_asios_resolver_results) {
  sockmode::tcp::acceptor listener(test::loopback());
  boost::asio::io_context context;
  boost::asio::ip::tcp::resolver resolver(context);
  const auto results =
      resolver.resolve("127.0.0.1", std::to_string(listener.local_endpoint().port()));
  tcp_stream stream(context);
  BOOST_TEST((stream.connect(results) == listener.local_endpoint()));
}

BOOST_AUTO_TEST_CASE(connect_to_an_empty_range_fails_with_not_found) {
  boost::asio::io_context context;
  tcp_stream stream(context);
  beast::error_code ec;
  stream.connect(std::vector<sockmode::tcp::endpoint>{}, ec);
  BOOST_TEST(ec == boost::asio::error::not_found);
}

BOOST_AUTO_TEST_CASE(a_closed_stream_connects_again_in_the_same_mode) {
  sockmode::tcp::acceptor listener(test::loopback());
  boost::asio::io_context context;
  tcp_stream stream(context);
  stream.socket().settimeout(3s);
  stream.connect(listener.local_endpoint());
  stream.close();
  BOOST_TEST(!stream.socket().is_open());
  stream.expires_after(5s);
  stream.connect(listener.local_endpoint());
  BOOST_TEST(stream.socket().is_open());
  BOOST_TEST((stream.socket().gettimeout() == sockmode::timeout_type(3s)));
}

BOOST_AUTO_TEST_CASE(release_socket_hands_over_the_connection_without_the_expiry) {
  auto [client, server] = test::connected_pair();
  const auto peer = client.remote_endpoint();
  tcp_stream stream(std::move(client));
  stream.expires_after(5s);
  sockmode::tcp::socket released = stream.release_socket();
  BOOST_TEST((released.remote_endpoint() == peer));
  BOOST_TEST(!released.read_deadline());
  BOOST_TEST(!released.write_deadline());
  BOOST_TEST(!stream.socket().is_open());
}

BOOST_AUTO_TEST_CASE(cancel_from_another_thread_aborts_a_waiting_read) {
  auto [client, server] = test::connected_pair();
  tcp_stream stream(std::move(client));
  stream.expires_after(10s);
  std::promise<beast::error_code> outcome;
  std::thread reader([&] {
    char byte = 0;
    beast::error_code ec;
    stream.read_some(boost::asio::buffer(&byte, 1), ec);
    outcome.set_value(ec);
  });
  auto result = outcome.get_future();
  // Cancel until the read has ended (a cancel before it waits would be missed).
  for (int i = 0; i < 100 && result.wait_for(20ms) != std::future_status::ready; ++i)
    stream.cancel();
  reader.join();
  BOOST_TEST(result.get() == boost::asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(a_websocket_message_echoes_over_the_stream) {
  sockmode::tcp::acceptor listener(test::loopback());
  std::thread server([&] {
    try {
      websocket::stream<tcp_stream> ws(tcp_stream(listener.accept()));
      beast::get_lowest_layer(ws).expires_after(10s);
      ws.accept();
      beast::flat_buffer buffer;
      ws.read(buffer);
      ws.text(ws.got_text());
      ws.write(buffer.data());
      buffer.consume(buffer.size());
      beast::error_code ec;
      ws.read(buffer, ec);  // the client's close
    } catch (const std::exception&) {
      // the client's assertions report what went wrong
    }
  });
  boost::asio::io_context context;
  websocket::stream<tcp_stream> ws(context);
  beast::get_lowest_layer(ws).expires_after(10s);
  beast::get_lowest_layer(ws).connect(listener.local_endpoint());
  ws.handshake("127.0.0.1", "/");
  ws.write(boost::asio::buffer(std::string("hello")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  BOOST_TEST(beast::buffers_to_string(buffer.data()) == "hello");
  ws.close(websocket::close_code::normal);
  server.join();
  BOOST_TEST(!beast::get_lowest_layer(ws).socket().is_open());
}

BOOST_AUTO_TEST_CASE(a_websocket_read_ends_at_the_expiry) {
  sockmode::tcp::acceptor listener(test::loopback());
  std::promise<void> done;
  std::thread server([&] {
    try {
      websocket::stream<tcp_stream> ws(tcp_stream(listener.accept()));
      ws.accept();
      done.get_future().wait();  // silent until the client is done
    } catch (const std::exception&) {
    }
  });
  boost::asio::io_context context;
  websocket::stream<tcp_stream> ws(context);
  beast::get_lowest_layer(ws).connect(listener.local_endpoint());
  ws.handshake("127.0.0.1", "/");
  beast::get_lowest_layer(ws).expires_after(200ms);
  beast::flat_buffer buffer;
  beast::error_code ec;
  const auto took = test::elapsed([&] { ws.read(buffer, ec); });
  done.set_value();
  server.join();
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 2.0);
}

#if SOCKMODE_TEST_TLS

namespace {

namespace ssl = boost::asio::ssl;

// A self-signed certificate for 127.0.0.1 and localhost, made once per run by `openssl req`.
struct certificate {
  std::string dir;
  std::string cert;
  std::string key;
  certificate() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sockmode-tcp-stream-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    dir = pattern;
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    const std::string log = dir + "/req.log";
    std::vector<std::string> argv{"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                  "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                                  "/CN=localhost", "-addext",
                                  "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key,
                                  "-out", cert};
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, "openssl", &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    if (rc != 0 || ::waitpid(pid, &status, 0) != pid || status != 0)
      throw std::runtime_error("openssl req failed; see " + log);
  }
  ~certificate() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const certificate& test_certificate() {
  static const certificate c;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_https_get_makes_a_round_trip_over_beasts_ssl_stream) {
  ssl::context server_ctx(ssl::context::tls_server);
  server_ctx.use_certificate_chain_file(test_certificate().cert);
  server_ctx.use_private_key_file(test_certificate().key, ssl::context::pem);
  sockmode::tcp::acceptor listener(test::loopback());
  std::thread server([&] {
    try {
      beast::ssl_stream<tcp_stream> tls(tcp_stream(listener.accept()), server_ctx);
      beast::get_lowest_layer(tls).expires_after(10s);
      tls.handshake(ssl::stream_base::server);
      answer_one_request(tls);
      beast::error_code ec;
      tls.shutdown(ec);
    } catch (const std::exception&) {
      // the client's assertions report what went wrong
    }
  });

  ssl::context client_ctx(ssl::context::tls_client);
  client_ctx.load_verify_file(test_certificate().cert);
  client_ctx.set_verify_mode(ssl::verify_peer);
  boost::asio::io_context context;
  beast::ssl_stream<tcp_stream> tls(context, client_ctx);
  tls.set_verify_callback(ssl::host_name_verification("localhost"));
  beast::get_lowest_layer(tls).expires_after(10s);
  beast::get_lowest_layer(tls).connect(
      std::vector<sockmode::tcp::endpoint>{listener.local_endpoint()});
  tls.handshake(ssl::stream_base::client);
  const auto response = get(tls, "/secret");
  BOOST_TEST(response.result_int() == 200);
  BOOST_TEST(response.body() == "you asked for /secret");
  beast::error_code ec;
  tls.shutdown(ec);
  // The server closes without waiting for our close_notify, which Beast reports as a
  // truncated stream; any other failure is a real one.
  BOOST_TEST((!ec || ec == ssl::error::stream_truncated || ec == boost::asio::error::eof));
  server.join();
}

BOOST_AUTO_TEST_CASE(a_tls_handshake_ends_at_the_expiry_when_the_server_is_silent) {
  sockmode::tcp::acceptor listener(test::loopback());
  ssl::context client_ctx(ssl::context::tls_client);
  boost::asio::io_context context;
  beast::ssl_stream<tcp_stream> tls(context, client_ctx);
  beast::get_lowest_layer(tls).connect(listener.local_endpoint());
  sockmode::tcp::socket accepted = listener.accept();  // and never answers
  beast::get_lowest_layer(tls).expires_after(200ms);
  beast::error_code ec;
  const auto took = test::elapsed([&] { tls.handshake(ssl::stream_base::client, ec); });
  BOOST_TEST(ec == beast::error_code(beast::error::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 2.0);
}

#endif  // SOCKMODE_TEST_TLS
