// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/local.hpp>

#include "support.hpp"

#include <boost/asio/read.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
using stream_endpoint = asio::local::stream_protocol::endpoint;
using datagram_endpoint = asio::local::datagram_protocol::endpoint;

namespace {

using test::temp_path;

struct local_pair {
  sockmode::local::stream_socket client;
  sockmode::local::stream_socket server;
};

local_pair connected_local_pair(const temp_path& path) {
  sockmode::local::stream_acceptor listener(stream_endpoint(path.str()));
  sockmode::local::stream_socket client;
  client.connect(stream_endpoint(path.str()));
  sockmode::local::stream_socket server = listener.accept();
  return {std::move(client), std::move(server)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(stream_socket_connects_to_an_acceptor_on_a_unix_path) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const temp_path path;
  sockmode::local::stream_acceptor listener(stream_endpoint(path.str()));
  listener.settimeout(5s);
  BOOST_TEST(listener.local_endpoint().path() == path.str());
  BOOST_TEST(::access(path.str().c_str(), F_OK) == 0);

  sockmode::local::stream_socket client;
  client.settimeout(5s);
  client.connect(stream_endpoint(path.str()));
  sockmode::local::stream_socket server = listener.accept();
  BOOST_TEST(client.remote_endpoint().path() == path.str());
  BOOST_TEST(!server.gettimeout().has_value());  // accepted: blocking, not the listener's mode

  BOOST_TEST(client.sendall(asio::buffer(std::string("to server"))) == 9u);
  char data[32] = {};
  BOOST_TEST(asio::read(server, asio::buffer(data, 9)) == 9u);
  BOOST_TEST(std::string(data, 9) == "to server");

  BOOST_TEST(server.sendall(asio::buffer(std::string("to client"))) == 9u);
  BOOST_TEST(asio::read(client, asio::buffer(data, 9)) == 9u);
  BOOST_TEST(std::string(data, 9) == "to client");
}

BOOST_AUTO_TEST_CASE(stream_recv_times_out_when_peer_is_silent_then_reads_later_data) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const temp_path path;
  auto [client, server] = connected_local_pair(path);
  server.settimeout(200ms);
  char data[32] = {};
  error_code ec;
  std::size_t n = 1;
  const auto took = test::elapsed([&] { n = server.recv(asio::buffer(data), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  client.sendall(asio::buffer(std::string("later")));
  server.settimeout(5s);
  n = server.recv(asio::buffer(data), ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(std::string(data, n) == "later");
}

BOOST_AUTO_TEST_CASE(stream_recv_waits_for_data_sent_later_in_timeout_mode) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const temp_path path;
  auto [client, server] = connected_local_pair(path);
  server.settimeout(5s);
  std::thread sender = test::send_later(client, 150ms, "hello");
  char data[32] = {};
  error_code ec;
  std::size_t n = 0;
  const auto took = test::elapsed([&] { n = server.recv(asio::buffer(data), ec); });
  sender.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(std::string(data, n) == "hello");
  BOOST_TEST(took.count() >= 0.1);
  BOOST_TEST(took.count() < 4.0);
}

BOOST_AUTO_TEST_CASE(stream_recv_in_non_blocking_mode_fails_at_once_with_would_block) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const temp_path path;
  auto [client, server] = connected_local_pair(path);
  server.setblocking(false);
  char data[8];
  error_code ec;
  const auto took = test::elapsed([&] { server.recv(asio::buffer(data), ec); });
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST(took.count() < 1.0);
}

BOOST_AUTO_TEST_CASE(stream_recv_returns_zero_and_read_some_eof_at_end_of_stream) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const temp_path path;
  auto [client, server] = connected_local_pair(path);
  server.settimeout(5s);
  client.sendall(asio::buffer(std::string("bye")));
  client.close();
  char data[8] = {};
  error_code ec;
  BOOST_TEST(std::string(data, server.recv(asio::buffer(data), ec)) == "bye");
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(server.recv(asio::buffer(data), ec) == 0u);
  BOOST_TEST(!ec, ec.message());
  server.read_some(asio::buffer(data), ec);
  BOOST_TEST((ec == asio::error::eof), ec.message());
}

BOOST_AUTO_TEST_CASE(stream_sendall_moves_a_large_payload_in_timeout_mode) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const temp_path path;
  auto [client, server] = connected_local_pair(path);
  client.settimeout(10s);
  server.settimeout(10s);
  std::vector<char> sent(2u << 20);
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i % 251);
  std::size_t written = 0;
  error_code write_ec;
  std::thread writer([&] { written = client.sendall(asio::buffer(sent), write_ec); });
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

BOOST_AUTO_TEST_CASE(stream_accept_follows_the_listener_mode) {
  const temp_path path;
  sockmode::local::stream_acceptor listener(stream_endpoint(path.str()));
  listener.settimeout(200ms);
  error_code ec;
  const auto took = test::elapsed([&] { listener.accept(ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  listener.setblocking(false);
  const auto took_nb = test::elapsed([&] { listener.accept(ec); });
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST(took_nb.count() < 1.0);
}

BOOST_AUTO_TEST_CASE(datagram_sockets_exchange_on_unix_paths) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const temp_path path_a;
  const temp_path path_b;
  sockmode::local::datagram_socket a(asio::local::datagram_protocol{});
  sockmode::local::datagram_socket b(asio::local::datagram_protocol{});
  a.bind(datagram_endpoint(path_a.str()));
  b.bind(datagram_endpoint(path_b.str()));
  a.settimeout(5s);
  b.settimeout(5s);

  BOOST_TEST(a.send_to(asio::buffer(std::string("hello b")), datagram_endpoint(path_b.str())) ==
             7u);
  char data[32] = {};
  datagram_endpoint from;
  std::size_t n = b.receive_from(asio::buffer(data), from);
  BOOST_TEST(std::string(data, n) == "hello b");
  BOOST_TEST(from.path() == path_a.str());

  b.send_to(asio::buffer(std::string("hello a")), from);
  datagram_endpoint from_b;
  n = a.receive_from(asio::buffer(data), from_b);
  BOOST_TEST(std::string(data, n) == "hello a");
  BOOST_TEST(from_b.path() == path_b.str());
}

BOOST_AUTO_TEST_CASE(datagram_receive_from_times_out_then_still_receives) {
  const temp_path path_a;
  const temp_path path_b;
  sockmode::local::datagram_socket a(asio::local::datagram_protocol{});
  sockmode::local::datagram_socket b(asio::local::datagram_protocol{});
  a.bind(datagram_endpoint(path_a.str()));
  b.bind(datagram_endpoint(path_b.str()));
  b.settimeout(200ms);
  char data[32] = {};
  datagram_endpoint from;
  error_code ec;
  const auto took = test::elapsed([&] { b.receive_from(asio::buffer(data), from, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  a.send_to(asio::buffer(std::string("after")), datagram_endpoint(path_b.str()));
  const std::size_t n = b.receive_from(asio::buffer(data), from, ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(std::string(data, n) == "after");
}

namespace {

// A Unix listener made with listen(0) plus one pending connection: its backlog is full, so a
// further connect gets EAGAIN from the kernel until the listener accepts.
struct full_local_listener {
  explicit full_local_listener(const temp_path& path)
      : listener(stream_endpoint(path.str()), 0) {
    pending.setblocking(false);
    static_cast<void>(pending.connect_ex(stream_endpoint(path.str())));
  }
  sockmode::local::stream_acceptor listener;
  sockmode::local::stream_socket pending;
};

}  // namespace

BOOST_AUTO_TEST_CASE(stream_connect_to_a_full_backlog_fails_at_once_unless_blocking) {
  // CPython's descriptor is O_NONBLOCK in these modes, so the kernel's EAGAIN comes back at
  // once; no readiness event would ever end a wait for it.
  const temp_path path;
  full_local_listener full(path);
  for (const sockmode::timeout_type mode :
       {sockmode::timeout_type(2s), sockmode::timeout_type(0s)}) {
    sockmode::local::stream_socket late;
    late.settimeout(mode);
    error_code ec;
    const auto took = test::elapsed([&] { ec = late.connect_ex(stream_endpoint(path.str())); });
    BOOST_TEST((ec == std::errc::resource_unavailable_try_again), ec.message());
    BOOST_TEST((ec != asio::error::would_block));  // not a connect in progress
    BOOST_TEST(took.count() < 1.0);
  }
}

BOOST_AUTO_TEST_CASE(stream_connect_in_blocking_mode_waits_until_the_full_backlog_has_room) {
  // As CPython, whose blocking descriptor sleeps in the kernel until the listener accepts.
  const temp_path path;
  full_local_listener full(path);
  sockmode::local::stream_socket accepted;
  std::thread acceptor([&] {
    std::this_thread::sleep_for(300ms);
    accepted = full.listener.accept();
  });
  sockmode::local::stream_socket late;
  late.setblocking(true);
  error_code ec;
  const auto took = test::elapsed([&] { ec = late.connect_ex(stream_endpoint(path.str())); });
  acceptor.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(took.count() >= 0.2);
  BOOST_TEST(took.count() < 5.0);
  late.settimeout(5s);
  late.sendall(asio::buffer(std::string("in")));
  sockmode::local::stream_socket second = full.listener.accept();
  char data[4] = {};
  second.settimeout(5s);
  BOOST_TEST(std::string(data, second.recv(asio::buffer(data))) == "in");
}

BOOST_AUTO_TEST_CASE(stream_connect_waiting_for_a_full_backlog_ends_on_cancel_and_on_close) {
  const temp_path path;
  full_local_listener full(path);
  for (const bool use_close : {false, true}) {
    sockmode::local::stream_socket late(asio::local::stream_protocol{});  // cancel() needs it open
    late.setblocking(true);
    std::thread stopper([&] {
      std::this_thread::sleep_for(200ms);
      if (use_close) late.close();
      else late.cancel();
    });
    error_code ec;
    const auto took = test::elapsed([&] { ec = late.connect_ex(stream_endpoint(path.str())); });
    stopper.join();
    BOOST_TEST((ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor),
               ec.message());
    BOOST_TEST(took.count() >= 0.15);
    BOOST_TEST(took.count() < 5.0);
  }
}

BOOST_AUTO_TEST_CASE(stream_connect_waiting_for_a_full_backlog_ends_at_the_write_deadline) {
  // The back-off sleeps also end at the socket's deadline, which ends the call; a deadline
  // moved while it sleeps is taken up on the next try.
  const temp_path path;
  full_local_listener full(path);
  sockmode::local::stream_socket late(asio::local::stream_protocol{});
  late.setblocking(true);
  late.set_write_deadline(std::chrono::steady_clock::now() + 10s);
  std::thread mover([&] {
    std::this_thread::sleep_for(100ms);
    late.set_write_deadline(std::chrono::steady_clock::now() + 200ms);
  });
  error_code ec;
  const auto took = test::elapsed([&] { ec = late.connect_ex(stream_endpoint(path.str())); });
  mover.join();
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.25);
  BOOST_TEST(took.count() < 5.0);
}

BOOST_AUTO_TEST_CASE(accept_survives_a_peer_bound_to_a_path_without_room_for_its_nul) {
  // Linux lets a client bind a 108-byte sun_path with no terminating NUL and then reports an
  // address longer than sockaddr_un; accept must neither throw nor leave the listener stuck.
  const temp_path path;
  sockmode::local::stream_acceptor listener(stream_endpoint(path.str()));
  listener.settimeout(2s);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string name = "/tmp/sockmode-long-" + std::to_string(::getpid()) + "-";
  name.resize(sizeof(address.sun_path), 'x');
  std::memcpy(address.sun_path, name.data(), sizeof(address.sun_path));  // no NUL
  const int raw = ::socket(AF_UNIX, SOCK_STREAM, 0);
  BOOST_REQUIRE(raw >= 0);
  ::unlink(name.c_str());
  BOOST_REQUIRE(::bind(raw, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  sockaddr_un server{};
  server.sun_family = AF_UNIX;
  std::memcpy(server.sun_path, path.str().c_str(), path.str().size() + 1);
  BOOST_REQUIRE(::connect(raw, reinterpret_cast<const sockaddr*>(&server), sizeof server) == 0);
  error_code ec;
  boost::asio::local::stream_protocol::endpoint peer;
  sockmode::local::stream_socket accepted = listener.accept(peer, ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(accepted.is_open());
  ::close(raw);
  ::unlink(name.c_str());
  listener.close();  // returns: no call was left marked in progress
  BOOST_TEST(!listener.is_open());
}
