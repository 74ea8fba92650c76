// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/resolve.hpp>

#include "dns_sandbox.hpp"
#include "support.hpp"

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

using dns_sandbox = test::dns_sandbox;  // the macro takes an unqualified name
BOOST_TEST_GLOBAL_FIXTURE(dns_sandbox);

namespace {

bool has(const asio::ip::tcp::resolver::results_type& results, const char* address) {
  for (const auto& entry : results) {
    if (entry.endpoint().address() == asio::ip::make_address(address)) return true;
  }
  return false;
}

// Waits (bounded) until `f` holds; true if it did.
template <class F>
bool eventually(F f, std::chrono::seconds limit) {
  const auto until = test::clock::now() + limit;
  while (!f()) {
    if (test::clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The threads alive once the server has sent every late answer it owes: lookups an earlier
// test abandoned end with those answers.
int settled_threads() {
  eventually([] { return test::dns_sandbox::instance()->pending() == 0; }, 10s);
  std::this_thread::sleep_for(50ms);
  return test::threads_alive();
}

}  // namespace

BOOST_AUTO_TEST_CASE(numeric_hosts_resolve_at_once_without_a_lookup_thread) {
  const int threads = settled_threads();
  for (const sockmode::timeout_type mode : {sockmode::timeout_type(0ns), sockmode::timeout_type()}) {
    const auto v4 = sockmode::resolve("127.0.0.1", "8080", mode);
    BOOST_TEST(v4.size() == 1u);
    BOOST_TEST(v4.begin()->endpoint().port() == 8080);
    const auto v6 = sockmode::resolve("::1", "80", mode);
    BOOST_TEST(v6.size() == 1u);
    BOOST_TEST(v6.begin()->endpoint().address().is_v6());
  }
  BOOST_TEST(test::threads_alive() == threads);
}

BOOST_AUTO_TEST_CASE(localhost_resolves_from_etc_hosts_with_no_server_needed) {
  // /etc/hosts comes before DNS in nsswitch.conf; no query reaches a server.
  const int queries = test::dns_sandbox::instance()->queries();
  const auto results = sockmode::resolve("localhost", "80", 5s);
  BOOST_TEST(has(results, "127.0.0.1"));
  BOOST_TEST(test::dns_sandbox::instance()->queries() == queries);
}

BOOST_AUTO_TEST_CASE(a_name_fails_with_would_block_at_once_in_non_blocking_mode) {
  error_code ec;
  const auto took = test::elapsed([&] { sockmode::resolve("localhost", "80", 0ns, ec); });
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST(took.count() < 0.5);
}

BOOST_AUTO_TEST_CASE(a_service_name_resolves_like_a_port) {
  const auto results = sockmode::resolve("127.0.0.1", "http", 5s);
  BOOST_TEST(results.begin()->endpoint().port() == 80);
}

BOOST_AUTO_TEST_CASE(bad_timeouts_are_rejected) {
  BOOST_CHECK_THROW(sockmode::resolve("localhost", "80", sockmode::timeout_type(-1ns)),
                    std::invalid_argument);
  BOOST_CHECK_THROW(sockmode::resolve("localhost", "80", std::chrono::nanoseconds::max()),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_name_resolves_to_both_families,
                     *boost::unit_test::precondition(test::dns_ready)) {
  const auto results = sockmode::resolve("dual.sockmode.test", "443", 5s);
  BOOST_TEST(has(results, "::1"));
  BOOST_TEST(has(results, "127.0.0.1"));
  BOOST_TEST(results.begin()->host_name() == "dual.sockmode.test");
}

BOOST_AUTO_TEST_CASE(an_unknown_name_is_host_not_found,
                     *boost::unit_test::precondition(test::dns_ready)) {
  error_code ec;
  sockmode::resolve("missing.sockmode.test", "80", 5s, ec);
  BOOST_TEST((ec == asio::error::host_not_found), ec.message());
  try {
    sockmode::resolve("missing.sockmode.test", "80", 5s);
    BOOST_FAIL("resolve did not throw");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST(std::string(e.what()).find("missing.sockmode.test:80") != std::string::npos,
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_late_answer_within_the_timeout_is_returned,
                     *boost::unit_test::precondition(test::dns_ready)) {
  for (const sockmode::timeout_type mode : {sockmode::timeout_type(5s), sockmode::timeout_type()}) {
    asio::ip::tcp::resolver::results_type results;
    const auto took = test::elapsed([&] { results = sockmode::resolve("late.sockmode.test", "80", mode); });
    BOOST_TEST(has(results, "127.0.0.1"));
    BOOST_TEST(took.count() >= 0.4);
    BOOST_TEST(took.count() < 4.0);
  }
}

BOOST_AUTO_TEST_CASE(a_late_answer_after_the_timeout_fails_on_time,
                     *boost::unit_test::precondition(test::dns_ready)) {
  const int threads = settled_threads();
  error_code ec;
  const auto took = test::elapsed([&] { sockmode::resolve("late.sockmode.test", "81", 200ms, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 0.5);
  BOOST_CHECK_THROW(sockmode::resolve("late.sockmode.test", "82", 100ms), sockmode::timeout_error);
  // The abandoned lookups end with the late answer.
  BOOST_TEST(eventually([&] { return test::threads_alive() == threads; }, 10s));
}

BOOST_AUTO_TEST_CASE(a_silent_server_times_out_on_time_and_the_lookup_ends_without_leaking,
                     *boost::unit_test::precondition(test::dns_ready)) {
  const int threads = settled_threads();
  const int fds = test::open_descriptors();
  error_code ec;
  const auto took = test::elapsed([&] { sockmode::resolve("silent.sockmode.test", "80", 200ms, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 0.8);
  // The lookup was left running (resolv.conf: timeout:1 attempts:1) and is still there...
  BOOST_TEST(test::threads_alive() == threads + 1);
  // ...until the system resolver gives up; then its thread, its event and its socket are gone.
  BOOST_TEST(eventually([&] { return test::threads_alive() == threads; }, 15s));
  BOOST_TEST(eventually([&] { return test::open_descriptors() == fds; }, 5s));
}

BOOST_AUTO_TEST_CASE(a_retry_joins_the_lookup_still_in_flight,
                     *boost::unit_test::precondition(test::dns_ready)) {
  const int threads = settled_threads();
  for (int i = 0; i < 4; ++i) {
    error_code ec;
    sockmode::resolve("silent.sockmode.test", "90", 100ms, ec);
    BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  }
  BOOST_TEST(test::threads_alive() == threads + 1);
  // A caller with time to spare gets the joined lookup's own answer: the server's silence.
  error_code ec;
  sockmode::resolve("silent.sockmode.test", "90", std::nullopt, ec);
  BOOST_TEST(!!ec);
  BOOST_TEST((ec != sockmode::error::timeout), ec.message());
  BOOST_TEST(eventually([&] { return test::threads_alive() == threads; }, 15s));
}

BOOST_AUTO_TEST_CASE(lookups_from_many_threads_each_get_their_answer,
                     *boost::unit_test::precondition(test::dns_ready)) {
  std::vector<std::thread> callers;
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&answered, i] {
      error_code ec;
      const auto results = sockmode::resolve("dual.sockmode.test", std::to_string(1000 + i % 3), 5s, ec);
      if (!ec && results.begin()->endpoint().port() == 1000 + i % 3) ++answered;
    });
  }
  for (std::thread& t : callers) t.join();
  BOOST_TEST(answered.load() == 8);
}
