// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/create_connection.hpp>

#include "dns_sandbox.hpp"
#include "support.hpp"

#include <boost/asio/error.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <type_traits>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace data = boost::unit_test::data;
using sockmode::tcp::endpoint;

using dns_sandbox = test::dns_sandbox;  // the macro takes an unqualified name
BOOST_TEST_GLOBAL_FIXTURE(dns_sandbox);

namespace {

const char* const loopbacks[] = {"127.0.0.1", "::1"};

// A port on `address` with nothing listening: connecting there is refused at once.
endpoint closed_port(const asio::ip::address& address) {
  sockmode::tcp::acceptor probe(endpoint(address, 0));
  return probe.local_endpoint();
}

sockmode::tcp::acceptor listener_on(const char* address, unsigned short port = 0) {
  return sockmode::tcp::acceptor(endpoint(asio::ip::make_address(address), port));
}

// Whether the threads alive come back to `count`. A joined thread can stay listed in
// /proc/self/task for a moment after join() returns, while the kernel reaps it: bounded wait.
bool threads_settle_to(int count) {
  for (int i = 0; i < 100 && test::threads_alive() != count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return test::threads_alive() == count;
}

}  // namespace

BOOST_DATA_TEST_CASE(connects_to_a_numeric_host_and_leaves_the_socket_in_the_mode_asked,
                     data::make(loopbacks), host) {
  auto listener = listener_on(host);
  const std::string port = std::to_string(listener.local_endpoint().port());
  for (const sockmode::timeout_type mode : {sockmode::timeout_type(), sockmode::timeout_type(5s)}) {
    sockmode::tcp::socket client = sockmode::create_connection(host, port, mode);
    BOOST_TEST((client.gettimeout() == mode));
    sockmode::tcp::socket server = listener.accept();
    BOOST_TEST((server.remote_endpoint() == client.local_endpoint()));
    client.sendall(asio::buffer(std::string("ping")));
    char buf[4];
    BOOST_TEST(server.recv(asio::buffer(buf)) == 4u);
  }
}

BOOST_AUTO_TEST_CASE(the_default_timeout_applies_when_none_is_given) {
  test::default_timeout_guard guard;
  auto listener = listener_on("127.0.0.1");
  const std::string port = std::to_string(listener.local_endpoint().port());
  sockmode::setdefaulttimeout(3s);
  BOOST_TEST((sockmode::create_connection("127.0.0.1", port).gettimeout() == sockmode::timeout_type(3s)));
  sockmode::setdefaulttimeout(std::nullopt);
  BOOST_TEST((sockmode::create_connection("localhost", port).gettimeout() == sockmode::timeout_type()));
}

BOOST_AUTO_TEST_CASE(every_refused_address_is_reported_with_its_error) {
  const std::vector<endpoint> endpoints = {closed_port(asio::ip::make_address("127.0.0.1")),
                                           closed_port(asio::ip::make_address("127.0.0.1"))};
  try {
    sockmode::create_connection(endpoints, {});
    BOOST_FAIL("create_connection did not throw");
  } catch (const sockmode::connection_error& e) {
    BOOST_TEST((e.code() == asio::error::connection_refused), e.what());
    BOOST_REQUIRE(e.attempts().size() == 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      BOOST_TEST((e.attempts()[i].endpoint == endpoints[i]));
      BOOST_TEST((e.attempts()[i].error == asio::error::connection_refused));
    }
    const std::string what = e.what();
    BOOST_TEST(what.find(std::to_string(endpoints[1].port())) != std::string::npos, what);
  }
  error_code ec;
  std::vector<sockmode::connection_attempt> attempts;
  sockmode::tcp::socket s = sockmode::create_connection(endpoints, {}, ec, &attempts);
  BOOST_TEST((ec == asio::error::connection_refused));
  BOOST_TEST(attempts.size() == 2u);
  BOOST_TEST(!s.is_open());
}

BOOST_AUTO_TEST_CASE(the_timeout_is_one_deadline_for_every_address) {
  // Python gives each address the whole timeout; here the call as a whole gets it.
  test::full_listener a;
  test::full_listener b;
  sockmode::connection_options options;
  options.timeout = 400ms;
  error_code ec;
  std::vector<sockmode::connection_attempt> attempts;
  const auto took = test::elapsed(
      [&] { sockmode::create_connection({a.endpoint(), b.endpoint()}, options, ec, &attempts); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.3);
  BOOST_TEST(took.count() < 0.75);
  BOOST_REQUIRE(attempts.size() == 1u);
  BOOST_TEST((attempts[0].error == sockmode::error::timeout));
  BOOST_CHECK_THROW(sockmode::create_connection({a.endpoint()}, options), sockmode::connection_error);
}

BOOST_AUTO_TEST_CASE(a_zero_timeout_fails_with_would_block_as_python_does) {
  auto listener = listener_on("127.0.0.1");
  const std::string port = std::to_string(listener.local_endpoint().port());
  error_code ec;
  std::vector<sockmode::connection_attempt> attempts;
  sockmode::connection_options options;
  options.timeout = 0ns;
  sockmode::create_connection("127.0.0.1", port, options, ec, &attempts);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_REQUIRE(attempts.size() == 1u);
  BOOST_TEST((attempts[0].error == asio::error::would_block));
  sockmode::create_connection("localhost", port, options, ec, &attempts);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST(attempts.empty());  // a name needs a lookup, which cannot finish at once
}

BOOST_AUTO_TEST_CASE(the_source_address_is_bound_before_connecting) {
  auto listener = listener_on("127.0.0.1");
  sockmode::connection_options options;
  options.source_address = endpoint(asio::ip::make_address("127.0.0.2"), 0);
  sockmode::tcp::socket client = sockmode::create_connection(
      "127.0.0.1", std::to_string(listener.local_endpoint().port()), options);
  sockmode::tcp::socket server = listener.accept();
  BOOST_TEST(server.remote_endpoint().address().to_string() == "127.0.0.2");
  BOOST_TEST((client.local_endpoint() == server.remote_endpoint()));
}

// Happy Eyeballs: an IPv6 listener whose accept queue is full (its SYNs go unanswered) and an
// IPv4 listener that accepts, on the same port, as one name with both families would give.
struct eyeballs_fixture {
  test::full_listener v6{asio::ip::make_address("::1")};
  sockmode::tcp::acceptor v4 = listener_on("127.0.0.1", v6.endpoint().port());
  std::vector<endpoint> endpoints{v6.endpoint(), v4.local_endpoint()};
};

BOOST_DATA_TEST_CASE(happy_eyeballs_connects_over_ipv4_after_the_attempt_delay,
                     data::make({250, 100}), delay_ms) {
  eyeballs_fixture f;
  const int fds = test::open_descriptors();
  const int threads = test::threads_alive();
  sockmode::connection_options options;
  options.timeout = 5s;
  if (delay_ms != 250) options.attempt_delay = std::chrono::milliseconds(delay_ms);
  std::vector<sockmode::connection_attempt> attempts;
  error_code ec;
  {
    sockmode::tcp::socket client;
    const auto took = test::elapsed(
        [&] { client = sockmode::create_connection(f.endpoints, options, ec, &attempts); });
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(client.remote_endpoint().address().is_v4());
    BOOST_TEST((client.gettimeout() == sockmode::timeout_type(5s)));
    BOOST_TEST(took.count() >= 0.8 * delay_ms / 1000.0);
    BOOST_TEST(took.count() < delay_ms / 1000.0 + 1.5);
    BOOST_REQUIRE(attempts.size() == 2u);
    BOOST_TEST((attempts[0].endpoint == f.v6.endpoint()));
    BOOST_TEST((attempts[0].error == asio::error::operation_aborted));  // closed: IPv4 won
    BOOST_TEST((attempts[1].endpoint == f.v4.local_endpoint()));
    BOOST_TEST(!attempts[1].error);
    BOOST_TEST(f.v4.accept().is_open());
  }
  // The losing attempt's socket and every attempt's thread are gone by the time it returns.
  BOOST_TEST(threads_settle_to(threads));
  BOOST_TEST(test::open_descriptors() == fds);
}

BOOST_AUTO_TEST_CASE(without_happy_eyeballs_the_addresses_are_tried_in_turn) {
  eyeballs_fixture f;
  sockmode::connection_options options;
  options.timeout = 500ms;
  options.happy_eyeballs = false;
  std::vector<sockmode::connection_attempt> attempts;
  error_code ec;
  const auto took =
      test::elapsed([&] { sockmode::create_connection(f.endpoints, options, ec, &attempts); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.4);
  BOOST_TEST(attempts.size() == 1u);  // the IPv6 attempt used the whole deadline
}

BOOST_AUTO_TEST_CASE(a_refused_attempt_starts_the_next_one_at_once) {
  auto v4 = listener_on("127.0.0.1");
  const std::vector<endpoint> endpoints = {closed_port(asio::ip::make_address("::1")),
                                           v4.local_endpoint()};
  sockmode::connection_options options;
  options.attempt_delay = 2s;
  sockmode::tcp::socket client;
  const auto took =
      test::elapsed([&] { client = sockmode::create_connection(endpoints, options); });
  BOOST_TEST(client.remote_endpoint().address().is_v4());
  BOOST_TEST(took.count() < 1.0);
}

BOOST_AUTO_TEST_CASE(overlapping_attempts_share_the_deadline) {
  test::full_listener v6{asio::ip::make_address("::1")};
  test::full_listener v4;
  sockmode::connection_options options;
  options.timeout = 500ms;
  options.attempt_delay = 100ms;
  std::vector<sockmode::connection_attempt> attempts;
  error_code ec;
  const int threads = test::threads_alive();
  const auto took = test::elapsed(
      [&] { sockmode::create_connection({v6.endpoint(), v4.endpoint()}, options, ec, &attempts); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.4);
  BOOST_TEST(took.count() < 1.5);
  BOOST_REQUIRE(attempts.size() == 2u);
  BOOST_TEST((attempts[0].error == sockmode::error::timeout), attempts[0].error.message());
  BOOST_TEST((attempts[1].error == sockmode::error::timeout), attempts[1].error.message());
  BOOST_TEST(threads_settle_to(threads));
}

BOOST_AUTO_TEST_CASE(a_name_with_both_families_connects_over_ipv6_first,
                     *boost::unit_test::precondition(test::dns_ready)) {
  auto v6 = listener_on("::1");
  auto v4 = listener_on("127.0.0.1", v6.local_endpoint().port());
  sockmode::tcp::socket client = sockmode::create_connection(
      "dual.sockmode.test", std::to_string(v6.local_endpoint().port()), 5s);
  BOOST_TEST(client.remote_endpoint().address().is_v6());
}

BOOST_AUTO_TEST_CASE(a_name_with_both_families_falls_back_to_ipv4_when_ipv6_hangs,
                     *boost::unit_test::precondition(test::dns_ready)) {
  eyeballs_fixture f;
  sockmode::tcp::socket client;
  const auto took = test::elapsed([&] {
    client = sockmode::create_connection("dual.sockmode.test",
                                         std::to_string(f.v6.endpoint().port()), 5s);
  });
  BOOST_TEST(client.remote_endpoint().address().is_v4());
  BOOST_TEST(took.count() >= 0.2);
  BOOST_TEST(took.count() < 1.75);
}

BOOST_AUTO_TEST_CASE(name_resolution_counts_against_the_deadline,
                     *boost::unit_test::precondition(test::dns_ready)) {
  auto listener = listener_on("127.0.0.1");
  const std::string port = std::to_string(listener.local_endpoint().port());
  for (const char* host : {"late.sockmode.test", "silent.sockmode.test"}) {
    try {
      const auto took = test::elapsed([&] { sockmode::create_connection(host, port, 300ms); });
      BOOST_FAIL("create_connection did not throw after " << took.count() << " s");
    } catch (const sockmode::timeout_error& e) {  // as Python's TimeoutError
      BOOST_TEST((e.code() == sockmode::error::timeout), e.what());
      const auto* failed = dynamic_cast<const sockmode::connection_error*>(&e);
      BOOST_REQUIRE(failed != nullptr);
      BOOST_TEST(failed->attempts().empty());  // the deadline passed before any address was known
    }
  }
  // With time for the late answer, the whole call succeeds.
  sockmode::tcp::socket client = sockmode::create_connection("late.sockmode.test", port, 5s);
  BOOST_TEST(client.is_open());
}

BOOST_AUTO_TEST_CASE(bad_options_are_rejected) {
  sockmode::connection_options options;
  options.timeout = -1ns;
  BOOST_CHECK_THROW(sockmode::create_connection("127.0.0.1", "1", options), std::invalid_argument);
  options.timeout = 1s;
  options.attempt_delay = -1ns;
  BOOST_CHECK_THROW(sockmode::create_connection("127.0.0.1", "1", options), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_message_names_the_target_the_timeout_and_every_attempt) {
  test::full_listener full;
  sockmode::connection_options options;
  options.timeout = 300ms;
  try {
    sockmode::create_connection("127.0.0.1", std::to_string(full.endpoint().port()), options);
    BOOST_FAIL("create_connection did not throw");
  } catch (const sockmode::connection_error& e) {
    const std::string port = std::to_string(full.endpoint().port());
    BOOST_TEST(std::string(e.what()) == "create_connection 127.0.0.1:" + port +
                                            ": timed out after 300 ms (127.0.0.1:" + port +
                                            ": timed out)");
  }
}

BOOST_AUTO_TEST_CASE(an_attempt_delay_too_long_to_add_to_the_clock_means_never) {
  // Only a failure starts the next attempt then: no overflow, no exception from inside the race.
  auto v4 = listener_on("127.0.0.1");
  sockmode::connection_options options;
  options.timeout = 5s;
  options.attempt_delay = std::chrono::nanoseconds::max();
  sockmode::tcp::socket client = sockmode::create_connection(
      {closed_port(asio::ip::make_address("::1")), v4.local_endpoint()}, options);
  BOOST_TEST(client.remote_endpoint().address().is_v4());
}

BOOST_AUTO_TEST_CASE(a_timeout_is_caught_as_timeout_error_with_the_attempts_reachable) {
  test::full_listener full;
  const std::string port = std::to_string(full.endpoint().port());
  try {
    sockmode::create_connection("127.0.0.1", port, 200ms);
    BOOST_FAIL("create_connection did not throw");
  } catch (const sockmode::timeout_error& e) {
    BOOST_TEST((e.code() == sockmode::error::timeout), e.what());
    const auto& failed = dynamic_cast<const sockmode::connection_timeout_error&>(e);
    BOOST_REQUIRE(failed.attempts().size() == 1u);
    BOOST_TEST((failed.attempts()[0].endpoint == full.endpoint()));
    BOOST_TEST((failed.attempts()[0].error == sockmode::error::timeout));
  }
}

BOOST_AUTO_TEST_CASE(a_connection_timeout_is_one_io_error_and_one_system_error_to_catch) {
  test::full_listener full;
  sockmode::connection_options options;
  options.timeout = 100ms;
  const std::vector<endpoint> endpoints{full.endpoint()};
  // Each handler type that should see it does, unambiguously (one base subobject each).
  BOOST_CHECK_THROW(sockmode::create_connection(endpoints, options), sockmode::connection_error);
  BOOST_CHECK_THROW(sockmode::create_connection(endpoints, options), sockmode::timeout_error);
  BOOST_CHECK_THROW(sockmode::create_connection(endpoints, options), sockmode::io_error);
  BOOST_CHECK_THROW(sockmode::create_connection(endpoints, options), boost::system::system_error);
  try {
    sockmode::create_connection(endpoints, options);
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == sockmode::error::timeout));
    BOOST_TEST(std::string(e.what()).find("timed out after 100 ms") != std::string::npos,
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_refusal_is_a_connection_error_but_not_a_timeout_error) {
  const std::vector<endpoint> endpoints{closed_port(asio::ip::make_address("127.0.0.1"))};
  sockmode::connection_options options;
  options.timeout = 5s;
  try {
    sockmode::create_connection(endpoints, options);
    BOOST_FAIL("create_connection did not throw");
  } catch (const sockmode::connection_error& e) {
    BOOST_TEST(dynamic_cast<const sockmode::timeout_error*>(&e) == nullptr);
    BOOST_TEST((e.code() == asio::error::connection_refused), e.what());
  }
}

BOOST_AUTO_TEST_CASE(the_timeout_overload_also_reports_through_ec) {
  test::full_listener full;
  const std::string port = std::to_string(full.endpoint().port());
  error_code ec;
  const auto took = test::elapsed([&] {
    const sockmode::tcp::socket s = sockmode::create_connection("127.0.0.1", port, 200ms, ec);
    BOOST_TEST(!s.is_open());
  });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 2.0);

  auto listener = listener_on("127.0.0.1");
  const std::string open_port = std::to_string(listener.local_endpoint().port());
  sockmode::tcp::socket client = sockmode::create_connection("127.0.0.1", open_port, 3s, ec);
  BOOST_TEST(!ec);
  BOOST_TEST((client.gettimeout() == sockmode::timeout_type(3s)));
}

static_assert(std::is_base_of_v<sockmode::timeout_error, sockmode::connection_timeout_error>);
static_assert(std::is_base_of_v<sockmode::connection_error, sockmode::connection_timeout_error>);
