// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/connect.hpp>

#include "support.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

namespace {

// A loopback port nothing listens on: connecting to it is refused at once.
sockmode::tcp::endpoint refused_endpoint() {
  sockmode::tcp::socket s(asio::ip::tcp::v4());
  s.bind(test::loopback());
  return s.local_endpoint();  // closed when `s` goes: the port is free, and refuses
}

asio::ip::tcp::resolver::results_type resolve_numeric(asio::io_context& ioc,
                                                      const sockmode::tcp::endpoint& at) {
  asio::ip::tcp::resolver resolver(ioc);
  return resolver.resolve(at.address().to_string(), std::to_string(at.port()),
                          asio::ip::tcp::resolver::numeric_host |
                              asio::ip::tcp::resolver::numeric_service);
}

}  // namespace

BOOST_AUTO_TEST_CASE(unqualified_connect_over_resolver_results_returns_the_endpoint_connected) {
  asio::io_context ioc;
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket s(ioc);
  const auto results = resolve_numeric(ioc, listener.local_endpoint());
  const sockmode::tcp::endpoint connected = connect(s, results);  // found by ADL
  BOOST_TEST(connected == listener.local_endpoint());
  BOOST_TEST(s.remote_endpoint() == listener.local_endpoint());
}

BOOST_AUTO_TEST_CASE(an_empty_range_fails_with_not_found) {
  sockmode::tcp::socket s;
  const std::vector<sockmode::tcp::endpoint> none;
  error_code ec;
  const sockmode::tcp::endpoint result = sockmode::connect(s, none, ec);
  BOOST_TEST((ec == asio::error::not_found), ec.message());
  BOOST_TEST((result == sockmode::tcp::endpoint()));
  BOOST_CHECK_THROW(sockmode::connect(s, none), sockmode::io_error);
  BOOST_TEST((sockmode::connect(s, none.begin(), none.end(), ec) == none.end()));
  BOOST_TEST((ec == asio::error::not_found), ec.message());
}

BOOST_AUTO_TEST_CASE(the_iterator_form_moves_past_a_refused_endpoint_and_returns_the_next) {
  sockmode::tcp::acceptor listener(test::loopback());
  const std::vector<sockmode::tcp::endpoint> endpoints = {refused_endpoint(),
                                                          listener.local_endpoint()};
  sockmode::tcp::socket s;
  s.settimeout(5s);
  const auto it = sockmode::connect(s, endpoints.begin(), endpoints.end());
  BOOST_TEST((it == endpoints.begin() + 1));
  BOOST_TEST(s.remote_endpoint() == listener.local_endpoint());
  BOOST_TEST(s.gettimeout() == sockmode::timeout_type(5s));  // the mode survived the reopen
}

BOOST_AUTO_TEST_CASE(when_every_endpoint_fails_the_error_is_the_last_attempts) {
  const std::vector<sockmode::tcp::endpoint> endpoints = {refused_endpoint(), refused_endpoint()};
  sockmode::tcp::socket s;
  error_code ec;
  BOOST_TEST((sockmode::connect(s, endpoints.begin(), endpoints.end(), ec) == endpoints.end()));
  BOOST_TEST((ec == asio::error::connection_refused), ec.message());
  BOOST_CHECK_THROW(sockmode::connect(s, endpoints), sockmode::io_error);
}

BOOST_AUTO_TEST_CASE(the_condition_sees_the_previous_error_and_can_skip_endpoints) {
  sockmode::tcp::acceptor first(test::loopback());
  sockmode::tcp::acceptor second(test::loopback());
  const std::vector<sockmode::tcp::endpoint> endpoints = {refused_endpoint(),
                                                          first.local_endpoint(),
                                                          second.local_endpoint()};
  std::vector<error_code> seen;
  sockmode::tcp::socket s;
  const auto skip_first_listener = [&](const error_code& ec, const sockmode::tcp::endpoint& e) {
    seen.push_back(ec);
    return e != first.local_endpoint();
  };
  const sockmode::tcp::endpoint result = sockmode::connect(s, endpoints, skip_first_listener);
  BOOST_TEST(result == second.local_endpoint());
  BOOST_REQUIRE(seen.size() == 3u);
  BOOST_TEST(!seen[0]);
  BOOST_TEST((seen[1] == asio::error::connection_refused), seen[1].message());
  error_code ec;
  const auto it = sockmode::connect(
      s, endpoints.begin(), endpoints.end(),
      [](const error_code&, const sockmode::tcp::endpoint&) { return false; }, ec);
  BOOST_TEST((it == endpoints.end()));
  BOOST_TEST((ec == asio::error::not_found), ec.message());  // nothing was tried
}

BOOST_AUTO_TEST_CASE(in_timeout_mode_each_attempt_gets_the_timeout_and_the_next_can_connect) {
  test::full_listener stalled;
  sockmode::tcp::acceptor working(test::loopback());
  const std::vector<sockmode::tcp::endpoint> endpoints = {stalled.endpoint(),
                                                          working.local_endpoint()};
  sockmode::tcp::socket s;
  s.settimeout(300ms);
  sockmode::tcp::endpoint connected;
  const auto took = test::elapsed([&] { connected = sockmode::connect(s, endpoints); });
  BOOST_TEST(connected == working.local_endpoint());
  BOOST_TEST(took.count() >= 0.25);  // the first attempt waited for its timeout
  BOOST_TEST(took.count() < 5.0);
  BOOST_TEST(s.gettimeout() == sockmode::timeout_type(300ms));
}

BOOST_AUTO_TEST_CASE(a_write_deadline_caps_all_attempts_together) {
  test::full_listener stalled;
  const std::vector<sockmode::tcp::endpoint> endpoints = {stalled.endpoint(), stalled.endpoint(),
                                                          stalled.endpoint()};
  sockmode::tcp::socket s;
  s.settimeout(2s);
  s.set_write_deadline(std::chrono::steady_clock::now() + 300ms);
  const auto took = test::elapsed([&] {
    BOOST_CHECK_THROW(sockmode::connect(s, endpoints), sockmode::timeout_error);
  });
  BOOST_TEST(took.count() >= 0.25);
  BOOST_TEST(took.count() < 1.5);  // not three timeouts of 2 s
}

BOOST_AUTO_TEST_CASE(in_non_blocking_mode_an_attempt_in_progress_ends_the_call_with_would_block) {
  test::full_listener stalled;
  sockmode::tcp::acceptor working(test::loopback());
  const std::vector<sockmode::tcp::endpoint> endpoints = {stalled.endpoint(),
                                                          working.local_endpoint()};
  sockmode::tcp::socket s;
  s.setblocking(false);
  error_code ec;
  const auto it = sockmode::connect(s, endpoints.begin(), endpoints.end(), ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST((it == endpoints.begin()));
  BOOST_TEST(s.is_open());
  error_code wait_ec;
  s.wait(asio::socket_base::wait_write, 100ms, wait_ec);
  BOOST_TEST((wait_ec == sockmode::error::timeout), wait_ec.message());  // still in progress
}

BOOST_AUTO_TEST_CASE(connect_works_for_unix_stream_sockets) {
  test::temp_path path;
  sockmode::local::stream_acceptor listener(asio::local::stream_protocol::endpoint(path.str()));
  const std::vector<asio::local::stream_protocol::endpoint> endpoints = {
      asio::local::stream_protocol::endpoint(path.str())};
  sockmode::local::stream_socket s;
  BOOST_TEST(sockmode::connect(s, endpoints) == endpoints.front());
}
