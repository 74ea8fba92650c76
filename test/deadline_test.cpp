// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/basic_socket.hpp>

#include "support.hpp"

#include <boost/asio/read.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

// Absolute deadlines (set_deadline / set_read_deadline / set_write_deadline) in every mode.

using namespace test;
using boost::asio::buffer;
using boost::system::error_code;
namespace asio_error = boost::asio::error;
namespace http = boost::beast::http;
using wait_type = sockmode::tcp::socket::wait_type;

namespace {

clock::time_point in(std::chrono::milliseconds d) { return clock::now() + d; }

// Cancels `object` after `limit` unless disarmed first, so that a deadline that fails to end
// a blocking call shows up as operation_aborted instead of a hung test.
class watchdog {
 public:
  watchdog(sockmode::detail::io_object& object, std::chrono::milliseconds limit)
      : thread_([this, &object, limit] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!done_.wait_for(lock, limit, [this] { return disarmed_; })) {
            error_code ignored;
            object.cancel(ignored);
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      disarmed_ = true;
    }
    done_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool disarmed_ = false;
  std::thread thread_;
};

// Sends `data` one byte every `interval` until it is all sent, the peer goes away or `stop`.
class drip {
 public:
  drip(sockmode::tcp::socket& socket, std::string data, std::chrono::milliseconds interval)
      : thread_([this, &socket, data = std::move(data), interval] {
          for (std::size_t i = 0; i < data.size() && !stop_.load(); ++i) {
            error_code ec;
            socket.sendall(buffer(&data[i], 1), ec);
            if (ec) return;
            std::this_thread::sleep_for(interval);
          }
        }) {}
  ~drip() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Waits until `s` has data to read, without reading it.
void wait_readable(sockmode::tcp::socket& s) { s.wait(wait_type::wait_read, 5s); }

}  // namespace

BOOST_AUTO_TEST_SUITE(deadline_settings)

BOOST_AUTO_TEST_CASE(a_new_socket_has_no_deadline_and_getters_report_what_was_set) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  BOOST_TEST(!s.read_deadline().has_value());
  BOOST_TEST(!s.write_deadline().has_value());
  const auto t = in(5s);
  s.set_read_deadline(t);
  BOOST_TEST((s.read_deadline() == t));
  BOOST_TEST(!s.write_deadline().has_value());
  s.set_write_deadline(t + 1s);
  BOOST_TEST((s.write_deadline() == t + 1s));
  s.set_deadline(std::nullopt);
  BOOST_TEST(!s.read_deadline().has_value());
  BOOST_TEST(!s.write_deadline().has_value());
  s.set_deadline(t);
  BOOST_TEST((s.read_deadline() == t));
  BOOST_TEST((s.write_deadline() == t));
  s.set_deadline(clock::time_point::max());  // as good as none
  BOOST_TEST(!s.read_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(setting_a_deadline_on_a_closed_socket_is_bad_descriptor) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.close();
  try {
    s.set_deadline(in(1s));
    BOOST_FAIL("set_deadline on a closed socket did not throw");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST((e.code() == asio_error::bad_descriptor));
  }
}

BOOST_AUTO_TEST_CASE(a_moved_socket_keeps_its_deadlines) {
  auto [client, server] = connected_pair();
  const auto t = in(5s);
  server.set_read_deadline(t);
  sockmode::tcp::socket moved(std::move(server));
  BOOST_TEST((moved.read_deadline() == t));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(each_mode_with_a_deadline)

// A recv in blocking or timeout mode with a read deadline ends with timeout at whichever of
// its timeout and the deadline comes first. The watchdog cancels a call that neither ends.
// A failure names its row (printed by operator<<).
namespace {

struct first_limit_row {
  const char* name;
  sockmode::timeout_type timeout;
  std::chrono::milliseconds deadline;
  double at_most;  // seconds
};
std::ostream& operator<<(std::ostream& os, const first_limit_row& row) {
  return os << row.name;
}

const first_limit_row first_limit_rows[] = {
    {"blocking_recv_fails_with_timeout_at_the_read_deadline", std::nullopt, 200ms, 3.0},
    {"timeout_mode_ends_at_the_deadline_when_it_comes_first", 8s, 200ms, 4.0},
    {"timeout_mode_ends_at_its_timeout_when_that_comes_first", 200ms, 8s, 4.0},
};

}  // namespace

BOOST_DATA_TEST_CASE(recv_fails_with_timeout_at_the_deadline_or_the_timeout_whichever_is_first,
                     boost::unit_test::data::make(first_limit_rows), row) {
  auto [client, server] = connected_pair();
  server.settimeout(row.timeout);
  server.set_read_deadline(in(row.deadline));
  watchdog guard(server, 10s);
  char c = 0;
  error_code ec;
  const seconds took = elapsed([&] { server.recv(buffer(&c, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < row.at_most);
}

BOOST_AUTO_TEST_CASE(non_blocking_recv_would_block_before_the_deadline_and_times_out_after) {
  auto [client, server] = connected_pair();
  server.setblocking(false);
  server.set_read_deadline(in(8s));
  char c = 0;
  error_code ec;
  const seconds took = elapsed([&] { server.recv(buffer(&c, 1), ec); });
  BOOST_TEST((ec == asio_error::would_block));
  BOOST_TEST(took.count() < 1.0);
  server.set_read_deadline(in(-1ms));
  server.recv(buffer(&c, 1), ec);
  BOOST_TEST((ec == sockmode::error::timeout));
}

BOOST_AUTO_TEST_CASE(a_passed_deadline_fails_recv_at_once_even_with_data_queued) {
  auto [client, server] = connected_pair();
  client.sendall(buffer(std::string("abc")));
  wait_readable(server);
  server.set_read_deadline(in(-1ms));
  std::string got(8, '\0');
  error_code ec;
  for (auto mode : {sockmode::timeout_type(std::nullopt), sockmode::timeout_type(0s),
                    sockmode::timeout_type(5s)}) {
    server.settimeout(mode);
    const seconds took = elapsed([&] { server.recv(buffer(got), ec); });
    BOOST_TEST((ec == sockmode::error::timeout));
    BOOST_TEST(took.count() < 1.0);
  }
  // Nothing was consumed: with the deadline cleared the data is all there.
  server.set_read_deadline(std::nullopt);
  got.resize(server.recv(buffer(got)));
  BOOST_TEST(got == "abc");
}

BOOST_AUTO_TEST_CASE(a_cleared_deadline_lets_a_blocking_recv_wait_for_its_data) {
  auto [client, server] = connected_pair();
  server.set_read_deadline(in(-1ms));
  server.set_read_deadline(std::nullopt);
  watchdog guard(server, 10s);
  std::thread later = send_later(client, 300ms, "late");
  std::string got(8, '\0');
  error_code ec;
  got.resize(server.recv(buffer(got), ec));
  later.join();
  BOOST_TEST(!ec);
  BOOST_TEST(got == "late");
}

BOOST_AUTO_TEST_CASE(a_future_deadline_does_not_stop_data_that_comes_before_it) {
  auto [client, server] = connected_pair();
  server.set_read_deadline(in(8s));
  std::thread later = send_later(client, 100ms, "soon");
  std::string got(8, '\0');
  error_code ec;
  got.resize(server.recv(buffer(got), ec));
  later.join();
  BOOST_TEST(!ec);
  BOOST_TEST(got == "soon");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(directions)

BOOST_AUTO_TEST_CASE(a_read_deadline_leaves_writes_alone_and_a_write_deadline_leaves_reads_alone) {
  auto [client, server] = connected_pair();
  client.set_read_deadline(in(-1ms));
  error_code ec;
  client.sendall(buffer(std::string("to server")), ec);
  BOOST_TEST(!ec);
  client.set_read_deadline(std::nullopt);

  server.set_write_deadline(in(-1ms));
  std::string got(16, '\0');
  got.resize(server.recv(buffer(got), ec));
  BOOST_TEST(!ec);
  BOOST_TEST(got == "to server");
  server.send(buffer(std::string("x")), ec);
  BOOST_TEST((ec == sockmode::error::timeout));
}

BOOST_AUTO_TEST_CASE(a_write_deadline_ends_a_blocked_send_and_sendall_reports_what_it_sent) {
  auto [client, server] = connected_pair();
  fill_send_buffer(client);
  client.settimeout(std::nullopt);
  client.set_write_deadline(in(200ms));
  watchdog guard(client, 10s);
  const std::vector<char> chunk(1 << 16, 'x');
  error_code ec;
  const seconds took = elapsed([&] { client.send(buffer(chunk), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  // sendall under a deadline that passes half-way: the count of what went out comes back.
  auto [a, b] = connected_pair();
  const std::vector<char> big(64 << 20, 'y');  // made first: slow under sanitizers
  a.set_write_deadline(in(300ms));
  std::size_t sent = 0;
  const seconds all = elapsed([&] { sent = a.sendall(buffer(big), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(sent > 0u);
  BOOST_TEST(sent < big.size());
  BOOST_TEST(all.count() < 3.0);
}

BOOST_AUTO_TEST_CASE(connect_fails_at_the_write_deadline) {
  full_listener full;
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.set_write_deadline(in(200ms));
  watchdog guard(s, 10s);
  error_code ec;
  const seconds took = elapsed([&] { s.connect(full.endpoint(), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_AUTO_TEST_CASE(accept_follows_the_acceptor_read_deadline) {
  sockmode::tcp::acceptor listener(loopback());
  listener.set_read_deadline(in(200ms));
  watchdog guard(listener, 10s);
  error_code ec;
  const seconds took = elapsed([&] { listener.accept(ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  // A passed deadline fails accept even with a connection waiting; cleared, it is accepted.
  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  listener.wait(wait_type::wait_read, 5s, ec);
  BOOST_TEST((ec == sockmode::error::timeout));  // the read deadline covers wait(wait_read)
  listener.set_read_deadline(std::nullopt);
  listener.wait(wait_type::wait_read, 5s);
  listener.set_read_deadline(in(-1ms));
  listener.accept(ec);
  BOOST_TEST((ec == sockmode::error::timeout));
  listener.set_read_deadline(std::nullopt);
  sockmode::tcp::socket peer = listener.accept(ec);
  BOOST_TEST(!ec);
  BOOST_TEST(peer.is_open());
}

BOOST_AUTO_TEST_CASE(wait_for_readiness_ends_at_the_deadline_before_its_own_timeout) {
  auto [client, server] = connected_pair();
  server.set_read_deadline(in(200ms));
  error_code ec;
  const seconds took = elapsed([&] { server.wait(wait_type::wait_read, std::nullopt, ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() < 3.0);
  BOOST_TEST(took.count() >= 0.15);
}

BOOST_AUTO_TEST_CASE(udp_receive_from_fails_at_the_read_deadline) {
  sockmode::udp::socket s;
  s.bind({boost::asio::ip::address_v4::loopback(), 0});
  s.set_read_deadline(in(200ms));
  watchdog guard(s, 10s);
  char c = 0;
  sockmode::udp::endpoint from;
  error_code ec;
  const seconds took = elapsed([&] { s.receive_from(buffer(&c, 1), from, ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_AUTO_TEST_CASE(bind_shutdown_and_endpoint_queries_ignore_passed_deadlines) {
  sockmode::tcp::socket s;
  s.set_deadline(in(-1ms));
  error_code ec;
  s.bind(loopback(), ec);
  BOOST_TEST(!ec);
  s.local_endpoint(ec);
  BOOST_TEST(!ec);
  auto [client, server] = connected_pair();
  server.set_deadline(in(-1ms));
  server.remote_endpoint(ec);
  BOOST_TEST(!ec);
  server.shutdown(sockmode::tcp::socket::shutdown_send, ec);
  BOOST_TEST(!ec);
  // dup() neither reads nor writes: a passed deadline does not stop it.
  sockmode::tcp::socket copy = server.dup(ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(copy.is_open());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(changed_while_waiting)

// A deadline set by another thread while a recv waits ends that recv with timeout, in
// blocking mode and in timeout mode with a later deadline already set. A failure names its
// row (printed by operator<<); the watchdog cancels a call that never ends.
namespace {

struct changed_deadline_row {
  const char* name;
  sockmode::timeout_type timeout;
  std::optional<std::chrono::milliseconds> first_deadline;  // set before the call
  std::chrono::milliseconds new_deadline;  // set 200 ms into the call, from its time
  double at_least;  // seconds
  double at_most;   // seconds
};
std::ostream& operator<<(std::ostream& os, const changed_deadline_row& row) {
  return os << row.name;
}

const changed_deadline_row changed_deadline_rows[] = {
    {"a_deadline_set_from_another_thread_ends_a_waiting_blocking_recv", std::nullopt,
     std::nullopt, 0ms, 0.15, 3.0},
    {"a_shorter_deadline_set_while_waiting_ends_a_timeout_mode_recv_early", 8s, 6s, 200ms, 0.3,
     4.0},
};

}  // namespace

BOOST_DATA_TEST_CASE(a_deadline_set_while_a_recv_waits_ends_it_with_timeout,
                     boost::unit_test::data::make(changed_deadline_rows), row) {
  auto [client, server] = connected_pair();
  server.settimeout(row.timeout);
  if (row.first_deadline) server.set_read_deadline(in(*row.first_deadline));
  watchdog guard(server, 10s);
  std::thread setter([&] {
    std::this_thread::sleep_for(200ms);
    server.set_read_deadline(in(row.new_deadline));
  });
  char c = 0;
  error_code ec;
  const seconds took = elapsed([&] { server.recv(buffer(&c, 1), ec); });
  setter.join();
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= row.at_least);
  BOOST_TEST(took.count() < row.at_most);
}

BOOST_AUTO_TEST_CASE(a_later_deadline_set_while_waiting_keeps_the_call_waiting) {
  auto [client, server] = connected_pair();
  server.set_read_deadline(in(1s));
  watchdog guard(server, 10s);
  std::thread setter([&] {
    std::this_thread::sleep_for(100ms);
    server.set_read_deadline(in(6s));
  });
  std::thread later = send_later(client, 1500ms, "after the first deadline");
  std::string got(64, '\0');
  error_code ec;
  const seconds took = elapsed([&] { got.resize(server.recv(buffer(got), ec)); });
  setter.join();
  later.join();
  BOOST_TEST(!ec);
  BOOST_TEST(got == "after the first deadline");
  BOOST_TEST(took.count() >= 1.2);
}

BOOST_AUTO_TEST_CASE(a_deadline_set_while_waiting_ends_a_blocked_accept) {
  sockmode::tcp::acceptor listener(loopback());
  watchdog guard(listener, 10s);
  std::thread setter([&] {
    std::this_thread::sleep_for(200ms);
    listener.set_deadline(clock::now());
  });
  error_code ec;
  const seconds took = elapsed([&] { listener.accept(ec); });
  setter.join();
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() < 3.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(composed_operations)

BOOST_AUTO_TEST_CASE(asio_read_over_a_slow_drip_peer_ends_at_the_deadline) {
  auto [client, server] = connected_pair();
  server.settimeout(1s);  // each byte comes well within the per-call timeout
  drip peer(client, std::string(100, 'd'), 100ms);
  server.set_read_deadline(in(600ms));
  std::string got(100, '\0');
  error_code ec;
  std::size_t n = 0;
  const seconds took = elapsed([&] { n = boost::asio::read(server, buffer(got), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(n >= 1u);  // it made progress, and still ended at the deadline
  BOOST_TEST(n < 100u);
  BOOST_TEST(took.count() >= 0.5);
  BOOST_TEST(took.count() < 2.0);  // the per-call timeout alone would run for 10 s
}

BOOST_AUTO_TEST_CASE(beast_http_read_over_a_slow_drip_peer_ends_at_the_deadline) {
  auto [client, server] = connected_pair();
  server.settimeout(1s);
  drip peer(client,
            "GET /a/rather/long/path/so/that/the/request/takes/seconds HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n\r\n",
            100ms);
  server.set_deadline(in(600ms));
  boost::beast::flat_buffer b;
  http::request<http::empty_body> request;
  error_code ec;
  const seconds took = elapsed([&] { http::read(server, b, request, ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= 0.5);
  BOOST_TEST(took.count() < 2.0);
}

BOOST_AUTO_TEST_SUITE_END()

// cancel() keeps Asio's meaning: it aborts the calls waiting now, and a call that starts just
// after it waits as if nothing happened. A deadline in the past is the stop that sticks.
BOOST_AUTO_TEST_SUITE(stopping_a_reader)

BOOST_AUTO_TEST_CASE(a_recv_started_after_a_read_deadline_of_min_fails_at_once_with_timeout) {
  auto [client, server] = connected_pair();
  server.settimeout(std::nullopt);
  server.set_read_deadline(clock::time_point::min());  // before the call starts
  watchdog guard(server, 10s);
  char c = 0;
  error_code ec;
  const seconds took = elapsed([&] { server.recv(buffer(&c, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() < 1.0);
  // And every later one, until the deadline is cleared.
  server.recv(buffer(&c, 1), ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  server.set_read_deadline(std::nullopt);
  client.send(buffer("y", 1));
  BOOST_TEST(server.recv(buffer(&c, 1)) == 1u);
}

BOOST_AUTO_TEST_CASE(a_recv_started_after_cancel_is_not_cancelled_and_waits) {
  auto [client, server] = connected_pair();
  server.settimeout(std::nullopt);
  server.cancel();  // nothing waits yet: forgotten, as Asio's cancel
  watchdog guard(server, 10s);
  std::thread sender = send_later(client, 300ms, "z");
  char c = 0;
  error_code ec;
  const seconds took = elapsed([&] { server.recv(buffer(&c, 1), ec); });
  sender.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(c == 'z');
  BOOST_TEST(took.count() >= 0.25);  // it waited for the data
}

BOOST_AUTO_TEST_SUITE_END()
