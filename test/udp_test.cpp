// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/udp.hpp>

#include "support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

namespace {

sockmode::udp::endpoint udp_loopback(const asio::ip::address& address) { return {address, 0}; }

// A UDP socket bound to `address` (127.0.0.1 or ::1) on an ephemeral port.
sockmode::udp::socket bound_socket(const asio::ip::address& address) {
  sockmode::udp::socket s(udp_loopback(address).protocol());
  s.bind(udp_loopback(address));
  return s;
}

}  // namespace

BOOST_DATA_TEST_CASE(send_to_and_receive_from_round_trip_with_sender_endpoint,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::udp::socket receiver = bound_socket(address);
  sockmode::udp::socket sender = bound_socket(address);
  receiver.settimeout(5s);

  const std::string message = "datagram";
  BOOST_TEST(sender.send_to(asio::buffer(message), receiver.local_endpoint()) == message.size());
  char data[64] = {};
  sockmode::udp::endpoint from;
  const std::size_t n = receiver.receive_from(asio::buffer(data), from);
  BOOST_TEST(n == message.size());
  BOOST_TEST(std::string(data, n) == message);
  BOOST_TEST(from == sender.local_endpoint());
  BOOST_TEST(from.address() == address);

  // And back, to the endpoint just learnt.
  receiver.send_to(asio::buffer(std::string("reply")), from);
  sender.settimeout(5s);
  sockmode::udp::endpoint from2;
  error_code ec;
  const std::size_t m = sender.receive_from(asio::buffer(data), from2, ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(std::string(data, m) == "reply");
  BOOST_TEST(from2 == receiver.local_endpoint());
}

BOOST_DATA_TEST_CASE(receive_from_keeps_datagram_boundaries, test::loopbacks, address) {
  sockmode::udp::socket receiver = bound_socket(address);
  sockmode::udp::socket sender = bound_socket(address);
  receiver.settimeout(5s);
  sender.send_to(asio::buffer(std::string("one")), receiver.local_endpoint());
  sender.send_to(asio::buffer(std::string("three")), receiver.local_endpoint());
  char data[64] = {};
  sockmode::udp::endpoint from;
  BOOST_TEST(std::string(data, receiver.receive_from(asio::buffer(data), from)) == "one");
  BOOST_TEST(std::string(data, receiver.receive_from(asio::buffer(data), from)) == "three");
}

BOOST_DATA_TEST_CASE(receive_from_times_out_when_nothing_arrives_then_still_receives,
                     test::loopbacks, address) {
  sockmode::udp::socket receiver = bound_socket(address);
  sockmode::udp::socket sender = bound_socket(address);
  receiver.settimeout(200ms);

  char data[64] = {};
  sockmode::udp::endpoint from;
  error_code ec;
  std::size_t n = 0;
  const auto took = test::elapsed([&] { n = receiver.receive_from(asio::buffer(data), from, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
  BOOST_TEST(receiver.is_open());

  sender.send_to(asio::buffer(std::string("after")), receiver.local_endpoint());
  n = receiver.receive_from(asio::buffer(data), from, ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(std::string(data, n) == "after");
  BOOST_TEST(from == sender.local_endpoint());
}

BOOST_DATA_TEST_CASE(receive_from_throws_timeout_error_on_timeout, test::loopbacks, address) {
  sockmode::udp::socket receiver = bound_socket(address);
  receiver.settimeout(200ms);
  char data[8];
  sockmode::udp::endpoint from;
  try {
    receiver.receive_from(asio::buffer(data), from);
    BOOST_FAIL("receive_from did not throw");
  } catch (const sockmode::timeout_error& e) {
    BOOST_TEST((e.code() == sockmode::error::timeout));
    BOOST_TEST(std::string(e.what()).find("receive_from") != std::string::npos);
  }
}

BOOST_DATA_TEST_CASE(receive_from_waits_for_a_late_datagram_in_timeout_mode,
                     test::loopbacks, address) {
  sockmode::udp::socket receiver = bound_socket(address);
  sockmode::udp::socket sender = bound_socket(address);
  receiver.settimeout(5s);
  const auto destination = receiver.local_endpoint();
  std::thread late([&] {
    std::this_thread::sleep_for(150ms);
    sender.send_to(asio::buffer(std::string("late")), destination);
  });
  char data[16] = {};
  sockmode::udp::endpoint from;
  error_code ec;
  std::size_t n = 0;
  const auto took = test::elapsed([&] { n = receiver.receive_from(asio::buffer(data), from, ec); });
  late.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(std::string(data, n) == "late");
  BOOST_TEST(took.count() >= 0.1);
  BOOST_TEST(took.count() < 4.0);
}

BOOST_DATA_TEST_CASE(receive_from_in_non_blocking_mode_fails_at_once_with_would_block,
                     test::loopbacks, address) {
  sockmode::udp::socket receiver = bound_socket(address);
  receiver.setblocking(false);
  char data[16];
  sockmode::udp::endpoint from;
  error_code ec;
  const auto took = test::elapsed([&] { receiver.receive_from(asio::buffer(data), from, ec); });
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST(took.count() < 1.0);

  // recv on a connected socket too.
  sockmode::udp::socket peer = bound_socket(address);
  receiver.connect(peer.local_endpoint());
  const auto took_recv = test::elapsed([&] { receiver.recv(asio::buffer(data), ec); });
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST(took_recv.count() < 1.0);

  // A datagram already queued is returned at once.
  peer.send_to(asio::buffer(std::string("ready")), receiver.local_endpoint());
  receiver.wait(sockmode::udp::socket::wait_read, 5s);
  const std::size_t n = receiver.recv(asio::buffer(data), ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(std::string(data, n) == "ready");
}

BOOST_DATA_TEST_CASE(connected_udp_sockets_exchange_with_send_and_recv, test::loopbacks, address) {
  sockmode::udp::socket a = bound_socket(address);
  sockmode::udp::socket b = bound_socket(address);
  a.connect(b.local_endpoint());
  b.connect(a.local_endpoint());
  a.settimeout(5s);
  b.settimeout(5s);
  BOOST_TEST(a.remote_endpoint() == b.local_endpoint());

  BOOST_TEST(a.send(asio::buffer(std::string("ping"))) == 4u);
  char data[16] = {};
  std::size_t n = b.recv(asio::buffer(data));
  BOOST_TEST(std::string(data, n) == "ping");

  BOOST_TEST(b.send(asio::buffer(std::string("pong"))) == 4u);
  n = a.recv(asio::buffer(data));
  BOOST_TEST(std::string(data, n) == "pong");
}

BOOST_DATA_TEST_CASE(connected_udp_recv_times_out_when_peer_is_silent, test::loopbacks, address) {
  sockmode::udp::socket a = bound_socket(address);
  sockmode::udp::socket b = bound_socket(address);
  a.connect(b.local_endpoint());
  a.settimeout(200ms);
  char data[16];
  error_code ec;
  std::size_t n = 1;
  const auto took = test::elapsed([&] { n = a.recv(asio::buffer(data), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_DATA_TEST_CASE(connected_udp_recv_ignores_datagrams_from_other_senders,
                     test::loopbacks, address) {
  sockmode::udp::socket a = bound_socket(address);
  sockmode::udp::socket b = bound_socket(address);
  sockmode::udp::socket stranger = bound_socket(address);
  a.connect(b.local_endpoint());
  stranger.send_to(asio::buffer(std::string("stranger")), a.local_endpoint());
  b.send_to(asio::buffer(std::string("friend")), a.local_endpoint());
  a.settimeout(5s);
  char data[16] = {};
  const std::size_t n = a.recv(asio::buffer(data));
  BOOST_TEST(std::string(data, n) == "friend");
}

BOOST_DATA_TEST_CASE(connected_udp_recv_reports_connection_refused_from_a_closed_port,
                     test::loopbacks, address) {
  // The kernel's own error passes through unchanged, as CPython's ConnectionRefusedError.
  sockmode::udp::socket a = bound_socket(address);
  sockmode::udp::endpoint closed_port;
  {
    sockmode::udp::socket gone = bound_socket(address);
    closed_port = gone.local_endpoint();
  }
  a.connect(closed_port);
  a.settimeout(2s);
  a.send(asio::buffer(std::string("x")));
  char data[8];
  error_code ec;
  const auto took = test::elapsed([&] { a.recv(asio::buffer(data), ec); });
  BOOST_TEST((ec == asio::error::connection_refused), ec.message());
  BOOST_TEST(took.count() < 1.5);
}

BOOST_DATA_TEST_CASE(zero_length_recv_never_waits, test::loopbacks, address) {
  sockmode::udp::socket a = bound_socket(address);
  sockmode::udp::socket b = bound_socket(address);
  a.connect(b.local_endpoint());

  a.settimeout(5s);
  error_code ec;
  std::size_t n = 1;
  auto took = test::elapsed([&] { n = a.recv(asio::mutable_buffer(), ec); });
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() < 1.0);

  // Blocking mode: a wrong implementation would wait forever, so a watchdog sends a datagram
  // after a few seconds to end the wait; the elapsed time then shows the failure.
  a.setblocking(true);
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  const auto destination = a.local_endpoint();
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mutex);
    if (!finished.wait_for(lock, 3s, [&] { return done; }))
      b.send_to(asio::buffer(std::string("wake")), destination);
  });
  n = 1;
  took = test::elapsed([&] { n = a.recv(asio::mutable_buffer(), ec); });
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  finished.notify_all();
  watchdog.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() < 1.0);
}

BOOST_DATA_TEST_CASE(io_on_a_closed_udp_socket_fails_with_bad_descriptor,
                     test::loopbacks, address) {
  sockmode::udp::socket s = bound_socket(address);
  const auto destination = s.local_endpoint();
  s.close();
  error_code ec;
  char data[4] = {'x', 'y', 'z', 'w'};
  s.send_to(asio::buffer(data), destination, ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
  sockmode::udp::endpoint from;
  s.receive_from(asio::buffer(data), from, ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
}

BOOST_DATA_TEST_CASE(send_to_on_a_never_opened_socket_opens_it_for_the_destination_protocol,
                     test::loopbacks, address) {
  sockmode::udp::socket receiver = bound_socket(address);
  receiver.settimeout(5s);
  sockmode::udp::socket sender;  // no protocol given: as Python's socket() then sendto()
  const std::string message = "fresh";
  BOOST_TEST(sender.send_to(asio::buffer(message), receiver.local_endpoint()) == message.size());
  BOOST_TEST(sender.is_open());
  BOOST_TEST((sender.local_endpoint().protocol() == receiver.local_endpoint().protocol()));

  char data[16] = {};
  sockmode::udp::endpoint from;
  const std::size_t n = receiver.receive_from(asio::buffer(data), from);
  BOOST_TEST(std::string(data, n) == message);
  BOOST_TEST(from.port() == sender.local_endpoint().port());
  // The socket it opened is the one that answers come back to.
  receiver.send_to(asio::buffer(message), from);
  sender.settimeout(5s);
  BOOST_TEST(sender.receive_from(asio::buffer(data), from) == message.size());
}

BOOST_AUTO_TEST_CASE(receive_from_on_a_never_opened_socket_fails_at_once_with_not_connected) {
  sockmode::udp::socket s;
  s.settimeout(5s);
  char data[4] = {};
  sockmode::udp::endpoint from;
  error_code ec;
  const test::seconds took = test::elapsed([&] { s.receive_from(asio::buffer(data), from, ec); });
  BOOST_TEST((ec == asio::error::not_connected), ec.message());
  BOOST_TEST(took.count() < 1.0);
  BOOST_TEST(!s.is_open());
}
