// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Beast and Asio's stream wrappers over sockmode sockets (basic_socket.hpp: teardown, the
// executor and lowest-layer members): their synchronous calls follow the socket's mode.
#include <sockmode/basic_socket.hpp>

#include "support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/test/unit_test.hpp>

#if defined(SOCKMODE_TEST_TLS)
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#endif

#include <future>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

static_assert(beast::is_sync_read_stream<sockmode::tcp::socket>::value);
static_assert(beast::is_sync_write_stream<sockmode::tcp::socket>::value);
static_assert(beast::is_sync_stream<sockmode::local::stream_socket>::value);
static_assert(std::is_same_v<beast::lowest_layer_type<sockmode::tcp::socket>,
                             sockmode::tcp::socket>);
static_assert(std::is_same_v<beast::lowest_layer_type<websocket::stream<sockmode::tcp::socket>>,
                             sockmode::tcp::socket>);

namespace {

// A connected pair whose server end sits in a websocket stream that has accepted the client's
// handshake, made by `client` on a thread of its own.
struct websocket_pair {
  websocket::stream<sockmode::tcp::socket> client;
  websocket::stream<sockmode::tcp::socket> server;
};

websocket_pair handshaken_pair(asio::io_context& ioc) {
  sockmode::tcp::acceptor listener{ioc, test::loopback()};
  websocket::stream<sockmode::tcp::socket> client{ioc};
  client.next_layer().settimeout(10s);
  const sockmode::tcp::endpoint at = listener.local_endpoint();
  auto handshake = std::async(std::launch::async, [&] {
    client.next_layer().connect(at);
    client.handshake("localhost", "/");
  });
  sockmode::tcp::socket accepted{ioc};
  listener.settimeout(10s);
  listener.accept(accepted);
  accepted.settimeout(10s);
  websocket::stream<sockmode::tcp::socket> server{std::move(accepted)};
  server.accept();
  handshake.get();
  return {std::move(client), std::move(server)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(get_lowest_layer_of_a_websocket_stream_is_the_sockmode_socket) {
  asio::io_context ioc;
  websocket::stream<sockmode::tcp::socket> ws{ioc};
  static_assert(
      std::is_same_v<decltype(beast::get_lowest_layer(ws)), sockmode::tcp::socket&>);
  BOOST_TEST(&beast::get_lowest_layer(ws) == &ws.next_layer());
}

BOOST_AUTO_TEST_CASE(a_websocket_echo_over_sockmode_sockets_in_blocking_mode) {
  asio::io_context ioc;
  sockmode::tcp::acceptor listener{ioc, test::loopback()};
  auto server = std::async(std::launch::async, [&] {
    sockmode::tcp::socket socket{ioc};
    listener.accept(socket);
    websocket::stream<sockmode::tcp::socket> ws{std::move(socket)};
    ws.accept();
    beast::flat_buffer buffer;
    ws.read(buffer);
    ws.text(ws.got_text());
    ws.write(buffer.data());
    buffer.consume(buffer.size());
    error_code ec;
    ws.read(buffer, ec);  // until the client's close
    return ec;
  });
  websocket::stream<sockmode::tcp::socket> ws{ioc};
  BOOST_TEST(!ws.next_layer().gettimeout().has_value());  // blocking
  const std::vector<sockmode::tcp::endpoint> endpoints = {listener.local_endpoint()};
  sockmode::connect(ws.next_layer(), endpoints);
  ws.handshake("localhost", "/");
  ws.write(asio::buffer(std::string("hello over sockmode")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  BOOST_TEST(beast::buffers_to_string(buffer.data()) == "hello over sockmode");
  ws.close(websocket::close_code::normal);
  const error_code server_ec = server.get();
  BOOST_TEST((server_ec == websocket::error::closed), server_ec.message());
  BOOST_TEST(!ws.next_layer().is_open());  // the teardown closed it
}

BOOST_AUTO_TEST_CASE(a_websocket_read_times_out_against_a_silent_peer) {
  asio::io_context ioc;
  auto [client, server] = handshaken_pair(ioc);
  client.next_layer().settimeout(200ms);
  beast::flat_buffer buffer;
  error_code ec;
  const auto took = test::elapsed([&] { client.read(buffer, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 5.0);
  // Beast's rule: any failed read leaves the websocket stream failed, a timeout too (as with
  // its own timeouts); later calls fail at once. The socket itself is still usable.
  client.next_layer().settimeout(10s);
  client.read(buffer, ec);
  BOOST_TEST((ec == asio::error::operation_aborted), ec.message());
  BOOST_TEST(client.next_layer().is_open());
}

BOOST_AUTO_TEST_CASE(a_websocket_read_ends_at_the_sockets_read_deadline) {
  asio::io_context ioc;
  auto [client, server] = handshaken_pair(ioc);
  client.next_layer().settimeout(std::nullopt);
  client.next_layer().set_read_deadline(std::chrono::steady_clock::now() + 200ms);
  beast::flat_buffer buffer;
  error_code ec;
  const auto took = test::elapsed([&] { client.read(buffer, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() < 5.0);
}

BOOST_AUTO_TEST_CASE(teardown_as_server_shuts_down_first_then_closes_at_the_peers_end) {
  auto [client, server] = test::connected_pair();
  server.settimeout(5s);
  auto peer = std::async(std::launch::async, [&client = client] {
    client.settimeout(5s);
    char byte;
    error_code ec;
    client.read_some(asio::buffer(&byte, 1), ec);  // the server's shutdown: end of stream
    client.close();
    return ec;
  });
  error_code ec;
  sockmode::teardown(beast::role_type::server, server, ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(!server.is_open());
  const error_code peer_ec = peer.get();
  BOOST_TEST((peer_ec == asio::error::eof), peer_ec.message());
}

BOOST_AUTO_TEST_CASE(teardown_in_timeout_mode_fails_with_timeout_when_the_peer_never_closes) {
  auto [client, server] = test::connected_pair();
  client.settimeout(200ms);
  server.sendall(asio::buffer("left over", 9));  // read and dropped on the way
  error_code ec;
  const auto took = test::elapsed([&] {
    using websocket::teardown;  // as Beast calls it: the sockmode overload wins by ADL
    teardown(beast::role_type::client, client, ec);
  });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 5.0);
  BOOST_TEST(client.is_open());  // it did not get as far as closing
}

#if defined(SOCKMODE_TEST_TLS)

namespace {

// A self-signed certificate for localhost, made once per run by `openssl req`.
struct certificate {
  std::filesystem::path dir;
  std::string cert, key;
  certificate() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sockmode-beast-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    dir = pattern;
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
        "-subj /CN=localhost -keyout '" + key + "' -out '" + cert + "' > '" +
        (dir / "req.log").string() + "' 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
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

asio::ssl::context server_context() {
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  ctx.use_certificate_chain_file(test_certificate().cert);
  ctx.use_private_key_file(test_certificate().key, asio::ssl::context::pem);
  return ctx;
}

asio::ssl::context client_context() {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(test_certificate().cert);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

// Both ends' TLS contexts and a loopback listener, for a client in the test's thread and a
// server in another.
struct tls_pair {
  asio::io_context ioc;
  asio::ssl::context server_ctx = server_context();
  asio::ssl::context client_ctx = client_context();
  sockmode::tcp::acceptor listener{ioc, test::loopback()};

  // The server's end: the next connection, in timeout mode (10 s, a safety net).
  sockmode::tcp::socket accept_one() {
    sockmode::tcp::socket socket{ioc};
    listener.settimeout(10s);
    listener.accept(socket);
    socket.settimeout(10s);
    return socket;
  }
};

}  // namespace

static_assert(beast::is_sync_stream<asio::ssl::stream<sockmode::tcp::socket>>::value);
static_assert(beast::is_sync_stream<beast::ssl_stream<sockmode::tcp::socket&>>::value);

BOOST_FIXTURE_TEST_CASE(asio_ssl_stream_over_a_sockmode_socket_handshakes_and_its_read_times_out, tls_pair) {
  std::promise<void> done;
  auto server = std::async(std::launch::async, [&] {
    sockmode::tcp::socket socket = accept_one();
    asio::ssl::stream<sockmode::tcp::socket> tls(std::move(socket), server_ctx);
    tls.handshake(asio::ssl::stream_base::server);
    asio::write(tls, asio::buffer("hello", 5));
    done.get_future().wait_for(10s);  // then silent until the client is done
  });
  asio::ssl::stream<sockmode::tcp::socket> tls(ioc, client_ctx);
  static_assert(std::is_same_v<decltype(tls.lowest_layer()), sockmode::tcp::socket&>);
  tls.next_layer().settimeout(10s);
  tls.next_layer().connect(listener.local_endpoint());
  tls.handshake(asio::ssl::stream_base::client);
  char data[5];
  asio::read(tls, asio::buffer(data));
  BOOST_TEST(std::string(data, 5) == "hello");
  tls.next_layer().settimeout(200ms);
  error_code ec;
  const auto took = test::elapsed([&] { tls.read_some(asio::buffer(data), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 5.0);
  done.set_value();
  server.get();
}

BOOST_AUTO_TEST_CASE(asio_ssl_handshake_times_out_against_a_peer_that_never_answers) {
  asio::io_context ioc;
  asio::ssl::context client_ctx = client_context();
  sockmode::tcp::acceptor listener{ioc, test::loopback()};
  asio::ssl::stream<sockmode::tcp::socket> tls(ioc, client_ctx);
  tls.next_layer().connect(listener.local_endpoint());
  sockmode::tcp::socket silent = listener.accept();  // accepted, never answers
  tls.next_layer().settimeout(200ms);
  error_code ec;
  const auto took = test::elapsed([&] { tls.handshake(asio::ssl::stream_base::client, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 5.0);
}

BOOST_FIXTURE_TEST_CASE(after_a_write_timeout_asio_ssl_stream_goes_on_but_the_peer_cannot_decrypt, tls_pair) {
  // The README's warning: unlike sockmode::ssl::stream, Asio's stream has no guard, and the
  // record the timed-out write cut short is lost to the peer.
  std::promise<void> client_timed_out;
  auto server = std::async(std::launch::async, [&] {
    sockmode::tcp::socket socket = accept_one();
    asio::ssl::stream<sockmode::tcp::socket> tls(std::move(socket), server_ctx);
    tls.handshake(asio::ssl::stream_base::server);
    client_timed_out.get_future().wait_for(10s);  // reads nothing until the client gave up
    tls.next_layer().settimeout(1s);
    std::string data(1 << 16, '\0');
    error_code ec;
    bool saw_after = false;  // any byte of "after" among the 'x's
    for (int i = 0; i < 100000 && !ec; ++i) {
      const std::size_t n = tls.read_some(asio::buffer(data), ec);
      saw_after = saw_after || data.find_first_not_of('x') < n;
    }
    return std::make_pair(ec, saw_after);
  });
  asio::ssl::stream<sockmode::tcp::socket> tls(ioc, client_ctx);
  tls.next_layer().settimeout(10s);
  tls.next_layer().connect(listener.local_endpoint());
  tls.handshake(asio::ssl::stream_base::client);
  tls.next_layer().settimeout(200ms);
  const std::string big(64 << 20, 'x');  // far more than the kernel's buffers hold
  error_code ec;
  asio::write(tls, asio::buffer(big), ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  client_timed_out.set_value();
  tls.next_layer().settimeout(10s);
  asio::write(tls, asio::buffer(std::string("after")), ec);  // Asio's stream lets it through
  BOOST_TEST(!ec, ec.message());
  // The peer waits for the rest of the record that was cut short (here until its own
  // timeout), or fails to decrypt what follows it: either way "after" never arrives.
  const auto [server_ec, saw_after] = server.get();
  BOOST_TEST((server_ec == sockmode::error::timeout ||
              server_ec.category() == asio::error::get_ssl_category()),
             server_ec.message());
  BOOST_TEST(!saw_after);
}

BOOST_FIXTURE_TEST_CASE(beast_ssl_stream_over_a_sockmode_socket_reference_echoes_and_times_out, tls_pair) {
  std::promise<void> done;
  auto server = std::async(std::launch::async, [&] {
    sockmode::tcp::socket socket = accept_one();
    beast::ssl_stream<sockmode::tcp::socket&> stream{socket, server_ctx};
    stream.handshake(asio::ssl::stream_base::server);
    char data[4];
    asio::read(stream, asio::buffer(data));
    asio::write(stream, asio::buffer(data));
    done.get_future().wait_for(10s);
  });
  sockmode::tcp::socket socket{ioc};
  socket.settimeout(10s);
  socket.connect(listener.local_endpoint());
  beast::ssl_stream<sockmode::tcp::socket&> stream{socket, client_ctx};
  static_assert(
      std::is_same_v<decltype(beast::get_lowest_layer(stream)), sockmode::tcp::socket&>);
  BOOST_TEST(&beast::get_lowest_layer(stream) == &socket);
  stream.handshake(asio::ssl::stream_base::client);
  asio::write(stream, asio::buffer("ping", 4));
  char data[4];
  asio::read(stream, asio::buffer(data));
  BOOST_TEST(std::string(data, 4) == "ping");
  socket.settimeout(200ms);
  error_code ec;
  stream.read_some(asio::buffer(data), ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  done.set_value();
  server.get();
}

#endif  // SOCKMODE_TEST_TLS
