// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/error.hpp>

#include <sockmode/io_error.hpp>
#include <sockmode/timeout_error.hpp>

#include "support.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <sstream>
#include <string>
#include <system_error>

using sockmode::error;

BOOST_AUTO_TEST_CASE(timeout_code_has_its_own_category_and_message) {
  const boost::system::error_code ec = error::timeout;
  BOOST_TEST(ec.category().name() == std::string("sockmode"));
  BOOST_TEST(ec.message() == "timed out");
  BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_CASE(timeout_code_compares_equal_to_timed_out_condition) {
  const boost::system::error_code ec = error::timeout;
  BOOST_TEST((ec == boost::system::errc::timed_out));
  BOOST_TEST((ec == std::errc::timed_out));
  BOOST_TEST((ec.default_error_condition() == boost::system::errc::make_error_condition(
                                                  boost::system::errc::timed_out)));
}

BOOST_AUTO_TEST_CASE(timeout_code_compares_equal_to_beasts_timeout_condition) {
  const boost::system::error_code ec = error::timeout;
  BOOST_TEST((ec == boost::beast::condition::timeout));
  // Beast's code is a code of its own; tcp_stream reports that one (see tcp_stream_test).
  BOOST_TEST((ec != boost::beast::error::timeout));
  // Only the timeout: Beast's condition is not every sockmode code.
  const boost::system::error_code other(2, sockmode::error_category());
  BOOST_TEST((other != boost::beast::condition::timeout));
}

BOOST_AUTO_TEST_CASE(timeout_code_is_distinct_from_kernel_etimedout) {
  const boost::system::error_code ours = error::timeout;
  const boost::system::error_code kernel(ETIMEDOUT, boost::system::system_category());
  BOOST_TEST((kernel == boost::system::errc::timed_out));
  BOOST_TEST((ours != kernel));
  BOOST_TEST((kernel != error::timeout));
}

BOOST_AUTO_TEST_CASE(timeout_error_is_a_system_error_carrying_code_and_operation) {
  try {
    throw sockmode::timeout_error(error::timeout, "recv");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == error::timeout));
    BOOST_TEST(std::string(e.what()).find("recv") != std::string::npos);
    BOOST_TEST(dynamic_cast<const sockmode::timeout_error*>(&e) != nullptr);
    return;
  }
  BOOST_FAIL("not caught as system_error");
}

BOOST_AUTO_TEST_CASE(io_error_carries_bytes_transferred) {
  const sockmode::io_error e(boost::asio::error::broken_pipe, "sendall", 42);
  BOOST_TEST(e.bytes_transferred() == 42u);
  const sockmode::timeout_error t(error::timeout, "sendall", 7);
  BOOST_TEST(t.bytes_transferred() == 7u);
}

// Messages people can read: the operation, the endpoint and, for a timeout, the timeout.
namespace {

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_connect_timeout_names_the_endpoint_and_the_timeout) {
  test::full_listener full;
  sockmode::tcp::socket s;
  s.settimeout(std::chrono::milliseconds(250));
  const std::string what = message_of([&] { s.connect(full.endpoint()); });
  const std::string expected =
      "connect 127.0.0.1:" + std::to_string(full.endpoint().port()) + ": timed out after 250 ms";
  BOOST_TEST(what == expected);
}

BOOST_AUTO_TEST_CASE(a_refused_connect_names_the_endpoint_and_the_kernel_error) {
  sockmode::tcp::endpoint closed;
  {
    sockmode::tcp::acceptor probe(test::loopback());
    closed = probe.local_endpoint();
  }
  sockmode::tcp::socket s;
  const std::string what = message_of([&] { s.connect(closed); });
  BOOST_TEST(what == "connect 127.0.0.1:" + std::to_string(closed.port()) + ": Connection refused");
}

BOOST_AUTO_TEST_CASE(a_recv_timeout_names_the_peer_and_the_timeout) {
  auto [client, server] = test::connected_pair();
  client.settimeout(std::chrono::milliseconds(1500));
  server.settimeout(std::chrono::microseconds(200000));
  char byte;
  const std::string what = message_of([&] { server.recv(boost::asio::buffer(&byte, 1)); });
  std::ostringstream peer;
  peer << client.local_endpoint();
  BOOST_TEST(what == "recv " + peer.str() + ": timed out after 200 ms");
}

BOOST_AUTO_TEST_CASE(an_accept_timeout_names_the_listening_address) {
  sockmode::tcp::acceptor listener(test::loopback());
  listener.settimeout(std::chrono::milliseconds(250));
  const std::string what = message_of([&] { listener.accept(); });
  BOOST_TEST(what == "accept on 127.0.0.1:" + std::to_string(listener.local_endpoint().port()) +
                         ": timed out after 250 ms");
}

BOOST_AUTO_TEST_CASE(a_wait_timeout_names_the_wait_s_own_timeout) {
  auto [client, server] = test::connected_pair();
  server.settimeout(std::chrono::seconds(30));
  const std::string what = message_of(
      [&] { server.wait(sockmode::tcp::socket::wait_read, std::chrono::milliseconds(100)); });
  BOOST_TEST(what.find(": timed out after 100 ms") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(errors_other_than_timeouts_carry_no_timeout) {
  sockmode::tcp::socket never_opened;
  never_opened.settimeout(std::chrono::seconds(1));
  char byte;
  const std::string what = message_of([&] { never_opened.recv(boost::asio::buffer(&byte, 1)); });
  BOOST_TEST(what.rfind("recv: ", 0) == 0u, what);
  BOOST_TEST(what.find("after") == std::string::npos, what);
}
