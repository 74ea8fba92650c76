// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/default_timeout.hpp>

#include "support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using sockmode::timeout_type;

namespace {

timeout_type ns(std::chrono::nanoseconds t) { return timeout_type(t); }

}  // namespace

BOOST_AUTO_TEST_CASE(default_timeout_round_trips_blocking_non_blocking_and_timeout) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  BOOST_TEST(!sockmode::getdefaulttimeout().has_value());

  sockmode::setdefaulttimeout(0s);
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(0ns));

  sockmode::setdefaulttimeout(250ms);
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(250ms));

  sockmode::setdefaulttimeout(timeout_type(std::nullopt));
  BOOST_TEST(!sockmode::getdefaulttimeout().has_value());

  sockmode::setdefaulttimeout(ns(250ms));
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(250ms));

  sockmode::setdefaulttimeout(std::chrono::duration<double>(0.25));
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(250ms));

  sockmode::setdefaulttimeout(std::chrono::duration<double>(0.0));
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(0ns));
}

BOOST_AUTO_TEST_CASE(default_timeout_rounds_a_tiny_positive_timeout_up_not_to_non_blocking) {
  // CPython: setdefaulttimeout(1e-10) gives 1e-09, still timeout mode.
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::chrono::duration<double>(1e-10));
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(1ns));
  sockmode::setdefaulttimeout(std::chrono::duration<double, std::nano>(1.5));
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(2ns));
}

BOOST_AUTO_TEST_CASE(default_timeout_accepts_a_century) {
  // CPython accepts settimeout(100 * 365 * 86400.0).
  test::default_timeout_guard guard;
  const auto century = std::chrono::hours(24 * 365 * 100);
  sockmode::setdefaulttimeout(century);
  BOOST_TEST(sockmode::getdefaulttimeout() == ns(century));
}

BOOST_AUTO_TEST_CASE(invalid_default_timeouts_throw_and_leave_the_default_unchanged) {
  test::default_timeout_guard guard;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const timeout_type before : {timeout_type(std::nullopt), ns(0ns), ns(250ms)}) {
    sockmode::setdefaulttimeout(before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(-1ms), std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(-1ns), std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(ns(-1ns)), std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::duration<double>(-0.5)),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::nanoseconds::max()),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(ns(std::chrono::nanoseconds::max())),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::nanoseconds::min()),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::hours::max()),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::seconds::max()),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::duration<double>(nan)),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::duration<double>(inf)),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::duration<double>(-inf)),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
    BOOST_CHECK_THROW(sockmode::setdefaulttimeout(std::chrono::duration<double>(1e30)),
                      std::invalid_argument);
    BOOST_TEST(sockmode::getdefaulttimeout() == before);
  }
}

BOOST_AUTO_TEST_CASE(sockets_created_after_a_change_take_the_default) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::socket blocking;
  BOOST_TEST(!blocking.gettimeout().has_value());
  BOOST_TEST(blocking.getblocking());

  sockmode::setdefaulttimeout(250ms);
  sockmode::tcp::socket unopened;
  sockmode::tcp::socket opened(sockmode::tcp::protocol::v4());
  sockmode::udp::socket datagram(sockmode::udp::protocol::v4());
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket adopted(boost::asio::ip::tcp::socket(listener.asio_acceptor().get_executor()));
  for (const timeout_type t : {unopened.gettimeout(), opened.gettimeout(), datagram.gettimeout(),
                               listener.gettimeout(), adopted.gettimeout()}) {
    BOOST_TEST(t == ns(250ms));
  }
  BOOST_TEST(opened.getblocking());  // timeout mode is "blocking" to Python

  sockmode::setdefaulttimeout(0s);
  sockmode::tcp::socket non_blocking;
  BOOST_TEST(non_blocking.gettimeout() == ns(0ns));
  BOOST_TEST(!non_blocking.getblocking());
}

BOOST_AUTO_TEST_CASE(existing_sockets_keep_their_mode_when_the_default_changes) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::socket default_blocking;
  sockmode::tcp::socket explicit_timeout;
  explicit_timeout.settimeout(1s);
  sockmode::tcp::acceptor listener(test::loopback());

  sockmode::setdefaulttimeout(0s);
  BOOST_TEST(!default_blocking.gettimeout().has_value());
  BOOST_TEST(explicit_timeout.gettimeout() == ns(1s));
  BOOST_TEST(!listener.gettimeout().has_value());

  sockmode::setdefaulttimeout(250ms);
  sockmode::tcp::socket with_default;
  sockmode::setdefaulttimeout(std::nullopt);
  BOOST_TEST(with_default.gettimeout() == ns(250ms));
  BOOST_TEST(!default_blocking.gettimeout().has_value());
  BOOST_TEST(explicit_timeout.gettimeout() == ns(1s));
}

BOOST_AUTO_TEST_CASE(socket_created_under_a_timeout_default_times_out) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(200ms);
  auto [client, server] = test::connected_pair();
  sockmode::setdefaulttimeout(std::nullopt);
  char data[8];
  boost::system::error_code ec;
  const auto took = test::elapsed([&] { server.recv(boost::asio::buffer(data), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_AUTO_TEST_CASE(concurrent_set_and_get_never_see_a_value_that_was_not_set) {
  test::default_timeout_guard guard;
  const std::vector<timeout_type> values = {std::nullopt, ns(0ns), ns(250ms), ns(1s),
                                            ns(std::chrono::hours(24 * 365))};
  sockmode::setdefaulttimeout(values.front());
  auto is_known = [&](const timeout_type& t) {
    for (const auto& v : values)
      if (v == t) return true;
    return false;
  };

  constexpr int writers = 2;
  constexpr int readers = 2;
  constexpr int iterations = 20000;
  const auto give_up = test::clock::now() + 20s;
  std::atomic<int> unknown{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < iterations && test::clock::now() < give_up; ++i) {
        const std::size_t k = static_cast<std::size_t>(i + w) % values.size();
        sockmode::setdefaulttimeout(values[k]);
        if (!is_known(sockmode::getdefaulttimeout())) ++unknown;
      }
    });
  }
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&] {
      for (int i = 0; i < iterations && test::clock::now() < give_up; ++i) {
        if (!is_known(sockmode::getdefaulttimeout())) ++unknown;
        ++reads;
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(unknown.load() == 0);
  BOOST_TEST(reads.load() > 0);
  BOOST_TEST(is_known(sockmode::getdefaulttimeout()));
}

BOOST_AUTO_TEST_CASE(sockets_created_concurrently_with_default_changes_get_a_set_value) {
  test::default_timeout_guard guard;
  const std::vector<timeout_type> values = {std::nullopt, ns(0ns), ns(250ms)};
  sockmode::setdefaulttimeout(values.front());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 20000 && !stop; ++i)
      sockmode::setdefaulttimeout(values[static_cast<std::size_t>(i) % values.size()]);
  });
  int unknown = 0;
  for (int i = 0; i < 2000; ++i) {
    sockmode::tcp::socket s;
    const timeout_type t = s.gettimeout();
    if (t != values[0] && t != values[1] && t != values[2]) ++unknown;
  }
  stop = true;
  writer.join();
  BOOST_TEST(unknown == 0);
}
