// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/selector.hpp>

#include "support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace test;
using boost::asio::buffer;
using boost::system::error_code;
namespace asio_error = boost::asio::error;
namespace errc = boost::system::errc;
using sockmode::selector;
using wait_type = sockmode::tcp::socket::wait_type;

namespace {

// An idle datagram socket bound to loopback: registered, never ready to read.
sockmode::udp::socket bound_udp() {
  sockmode::udp::socket s;
  s.bind({boost::asio::ip::address_v4::loopback(), 0});
  return s;
}

std::pair<sockmode::local::stream_socket, sockmode::local::stream_socket> unix_pair() {
  static boost::asio::io_context io;  // never run: sockmode only takes the descriptors
  boost::asio::local::stream_protocol::socket a(io), b(io);
  boost::asio::local::connect_pair(a, b);
  return {sockmode::local::stream_socket(std::move(a)), sockmode::local::stream_socket(std::move(b))};
}

bool reports(const std::vector<selector::ready>& r, const void* data,
             selector::events_type events) {
  return std::any_of(r.begin(), r.end(),
                     [&](const selector::ready& x) { return x.data == data && x.events == events; });
}

bool mentions(const std::vector<selector::ready>& r, const void* data) {
  return std::any_of(r.begin(), r.end(), [&](const selector::ready& x) { return x.data == data; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registration)

BOOST_AUTO_TEST_CASE(add_modify_and_remove_follow_python_rules) {
  auto [client, server] = connected_pair();
  selector sel;
  error_code ec;
  sel.add(server, selector::event_read, &server);
  BOOST_TEST(sel.size() == 1u);
  sel.add(server, selector::event_read, nullptr, ec);  // Python: KeyError, already registered
  BOOST_TEST((ec == errc::file_exists));
  sel.modify(client, selector::event_read, nullptr, ec);
  BOOST_TEST((ec == errc::no_such_file_or_directory));
  sel.remove(client, ec);
  BOOST_TEST((ec == errc::no_such_file_or_directory));
  sel.remove(server);
  BOOST_TEST(sel.size() == 0u);
  sel.remove(server, ec);
  BOOST_TEST((ec == errc::no_such_file_or_directory));
}

BOOST_AUTO_TEST_CASE(empty_or_unknown_events_are_invalid_argument) {
  auto [client, server] = connected_pair();
  selector sel;
  error_code ec;
  sel.add(server, 0, nullptr, ec);
  BOOST_TEST((ec == asio_error::invalid_argument));
  sel.add(server, 4, nullptr, ec);
  BOOST_TEST((ec == asio_error::invalid_argument));
  sel.add(server, selector::event_read, nullptr);
  sel.modify(server, 0, nullptr, ec);
  BOOST_TEST((ec == asio_error::invalid_argument));
  BOOST_CHECK_THROW(sel.add(client, 8), sockmode::io_error);
}

BOOST_AUTO_TEST_CASE(a_closed_or_unopened_socket_cannot_be_added) {
  selector sel;
  error_code ec;
  sockmode::tcp::socket unopened;
  sel.add(unopened, selector::event_read, nullptr, ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  sockmode::tcp::socket closed(sockmode::tcp::protocol::v4());
  closed.close();
  sel.add(closed, selector::event_read, nullptr, ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  BOOST_TEST(sel.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_moved_selector_keeps_its_registrations) {
  auto [client, server] = connected_pair();
  selector first;
  first.add(server, selector::event_read, &server);
  selector second(std::move(first));
  client.sendall(buffer(std::string("x")));
  BOOST_TEST(reports(second.select(5s), &server, selector::event_read));
  error_code ec;
  first.select(0s, ec);  // NOLINT(bugprone-use-after-move): a moved-from selector is defined
  BOOST_TEST((ec == asio_error::bad_descriptor));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(readiness)

BOOST_AUTO_TEST_CASE(zero_timeout_polls_and_reports_nothing_when_nothing_is_ready) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  std::vector<selector::ready> r;
  const seconds took = elapsed([&] { r = sel.select(0s); });
  BOOST_TEST(r.empty());
  BOOST_TEST(took.count() < 1.0);
}

BOOST_AUTO_TEST_CASE(a_readable_socket_is_reported_with_its_data) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  client.sendall(buffer(std::string("ping")));
  const auto r = sel.select(5s);
  BOOST_TEST(r.size() == 1u);
  BOOST_TEST(reports(r, &server, selector::event_read));
}

BOOST_AUTO_TEST_CASE(a_connected_socket_is_reported_writable_and_not_readable) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(client, selector::event_read | selector::event_write, &client);
  const auto r = sel.select(5s);
  BOOST_TEST(r.size() == 1u);
  BOOST_TEST(reports(r, &client, selector::event_write));
}

BOOST_AUTO_TEST_CASE(select_times_out_with_an_empty_list) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  std::vector<selector::ready> r;
  error_code ec;
  const seconds took = elapsed([&] { r = sel.select(200ms, ec); });
  BOOST_TEST(!ec);
  BOOST_TEST(r.empty());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_AUTO_TEST_CASE(select_waits_until_a_socket_becomes_ready) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  std::thread later = send_later(client, 200ms, "late");
  std::vector<selector::ready> r;
  const seconds took = elapsed([&] { r = sel.select(10s); });
  later.join();
  BOOST_TEST(reports(r, &server, selector::event_read));
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 5.0);
}

BOOST_AUTO_TEST_CASE(a_ready_socket_is_reported_until_its_data_is_read) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  client.sendall(buffer(std::string("abc")));
  BOOST_TEST(reports(sel.select(5s), &server, selector::event_read));
  BOOST_TEST(reports(sel.select(0s), &server, selector::event_read));  // level-triggered
  char got[8];
  BOOST_TEST(server.recv(buffer(got)) == 3u);
  BOOST_TEST(sel.select(0s).empty());
}

BOOST_AUTO_TEST_CASE(an_acceptor_with_a_pending_connection_is_readable) {
  sockmode::tcp::acceptor listener(loopback());
  selector sel;
  sel.add(listener, selector::event_read, &listener);
  BOOST_TEST(sel.select(0s).empty());
  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  BOOST_TEST(reports(sel.select(5s), &listener, selector::event_read));
  sockmode::tcp::socket peer = listener.accept();
  BOOST_TEST(sel.select(0s).empty());
}

BOOST_AUTO_TEST_CASE(only_the_active_sockets_among_many_are_reported) {
  std::deque<sockmode::udp::socket> sockets;
  selector sel;
  for (int i = 0; i < 500; ++i) {
    sockets.push_back(bound_udp());
    sel.add(sockets.back(), selector::event_read, &sockets.back());
  }
  sockmode::udp::socket sender(boost::asio::ip::udp::v4());
  std::vector<const void*> active;
  for (std::size_t i = 7; i < sockets.size(); i += 97) {
    sender.send_to(buffer(std::string("d")), sockets[i].local_endpoint());
    active.push_back(&sockets[i]);
  }
  for (const void* a : active) {
    // Each datagram is queued before select() asks; loopback delivers synchronously.
    BOOST_TEST(mentions(sel.select(5s), a));
  }
  const auto r = sel.select(0s);
  BOOST_TEST(r.size() == active.size());
  for (const selector::ready& x : r) {
    BOOST_TEST((std::find(active.begin(), active.end(), x.data) != active.end()));
    BOOST_TEST(x.events == selector::event_read);
  }
}

BOOST_AUTO_TEST_CASE(tcp_udp_and_unix_sockets_share_a_selector) {
  auto [client, server] = connected_pair();
  auto [ua, ub] = unix_pair();
  sockmode::udp::socket u = bound_udp();
  selector sel;
  sel.add(server, selector::event_read, &server);
  sel.add(ub, selector::event_read, &ub);
  sel.add(u, selector::event_read, &u);
  client.sendall(buffer(std::string("t")));
  ua.sendall(buffer(std::string("l")));
  sockmode::udp::socket sender(boost::asio::ip::udp::v4());
  sender.send_to(buffer(std::string("u")), u.local_endpoint());
  std::vector<selector::ready> all;
  for (int i = 0; i < 50 && all.size() < 3; ++i) all = sel.select(1s);
  BOOST_TEST(all.size() == 3u);
  BOOST_TEST(reports(all, &server, selector::event_read));
  BOOST_TEST(reports(all, &ub, selector::event_read));
  BOOST_TEST(reports(all, &u, selector::event_read));
}

BOOST_AUTO_TEST_CASE(modify_changes_events_and_data_and_remove_stops_reports) {
  auto [client, server] = connected_pair();
  selector sel;
  int first = 0;
  int second = 0;
  sel.add(server, selector::event_write, &first);
  BOOST_TEST(reports(sel.select(5s), &first, selector::event_write));
  sel.modify(server, selector::event_read, &second);
  BOOST_TEST(sel.select(0s).empty());
  client.sendall(buffer(std::string("x")));
  BOOST_TEST(reports(sel.select(5s), &second, selector::event_read));
  sel.modify(server, selector::event_read, &first);  // data alone
  BOOST_TEST(reports(sel.select(0s), &first, selector::event_read));
  sel.remove(server);
  BOOST_TEST(sel.select(0s).empty());
}

BOOST_AUTO_TEST_CASE(a_hung_up_peer_counts_as_readable) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  client.close();
  BOOST_TEST(reports(sel.select(5s), &server, selector::event_read));
  char c = 0;
  BOOST_TEST(server.recv(buffer(&c, 1)) == 0u);
}

BOOST_AUTO_TEST_CASE(a_negative_timeout_is_rejected) {
  selector sel;
  BOOST_CHECK_THROW(sel.select(-1ms), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(threads)

BOOST_AUTO_TEST_CASE(wakeup_from_another_thread_ends_a_waiting_select) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  std::thread waker([&] {
    std::this_thread::sleep_for(200ms);
    sel.wakeup();
  });
  std::vector<selector::ready> r;
  error_code ec;
  const seconds took = elapsed([&] { r = sel.select(10s, ec); });
  waker.join();
  BOOST_TEST(!ec);
  BOOST_TEST(r.empty());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 5.0);
}

BOOST_AUTO_TEST_CASE(a_wakeup_before_select_ends_the_next_select_only) {
  selector sel;
  sel.wakeup();
  sel.wakeup();  // wake-ups do not accumulate beyond one select
  std::vector<selector::ready> r;
  const seconds first = elapsed([&] { r = sel.select(10s); });
  BOOST_TEST(r.empty());
  BOOST_TEST(first.count() < 2.0);
  const seconds second = elapsed([&] { r = sel.select(200ms); });
  BOOST_TEST(second.count() >= 0.15);
}

BOOST_AUTO_TEST_CASE(a_socket_added_from_another_thread_is_reported_by_a_waiting_select) {
  auto [client, server] = connected_pair();
  client.sendall(buffer(std::string("ready before it is added")));
  selector sel;
  std::thread adder([&] {
    std::this_thread::sleep_for(200ms);
    sel.add(server, selector::event_read, &server);
  });
  std::vector<selector::ready> r;
  const seconds took = elapsed([&] { r = sel.select(10s); });
  adder.join();
  BOOST_TEST(reports(r, &server, selector::event_read));
  BOOST_TEST(took.count() < 5.0);
}

BOOST_AUTO_TEST_CASE(registered_sockets_keep_their_own_modes_and_calls) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  server.settimeout(100ms);
  char c = 0;
  error_code ec;
  server.recv(buffer(&c, 1), ec);
  BOOST_TEST((ec == sockmode::error::timeout));
  std::thread later = send_later(client, 100ms, "y");
  server.settimeout(5s);
  BOOST_TEST(server.recv(buffer(&c, 1)) == 1u);  // waits on its own, while registered
  later.join();
  BOOST_TEST(sel.select(0s).empty());
}

BOOST_AUTO_TEST_CASE(closing_a_registered_socket_while_another_thread_selects_is_safe) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  std::thread closer([&] {
    std::this_thread::sleep_for(100ms);
    server.close();
    sockmode::tcp::socket reuse(sockmode::tcp::protocol::v4());  // may take the number
    client.sendall(buffer(std::string("to a closed peer")));
  });
  std::vector<selector::ready> r;
  for (int i = 0; i < 5; ++i) {
    const auto got = sel.select(100ms);
    r.insert(r.end(), got.begin(), got.end());
  }
  closer.join();
  BOOST_TEST(!mentions(r, &server));
  BOOST_TEST(sel.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(closing)

BOOST_AUTO_TEST_CASE(closing_a_registered_socket_removes_it_and_a_later_remove_succeeds) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  client.sendall(buffer(std::string("unread")));
  BOOST_TEST(reports(sel.select(5s), &server, selector::event_read));
  server.close();
  BOOST_TEST(sel.size() == 0u);
  BOOST_TEST(sel.select(0s).empty());
  error_code ec;
  sel.remove(server, ec);  // Python's unregister after close works too
  BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(a_closed_entry_is_never_reported_for_a_reused_descriptor_number) {
  auto [client, server] = connected_pair();
  sockmode::tcp::acceptor listener(loopback());
  selector sel;
  const int number = server.native_handle();
  sel.add(server, selector::event_read, &server);
  server.close();
  // The lowest free number is handed out next: this socket takes the closed one's.
  sockmode::tcp::socket reused(sockmode::tcp::protocol::v4());
  BOOST_REQUIRE(reused.native_handle() == number);
  reused.connect(listener.local_endpoint());
  sockmode::tcp::socket peer = listener.accept();
  peer.sendall(buffer(std::string("for the new socket")));
  reused.wait(wait_type::wait_read, 5s);
  BOOST_TEST(sel.select(0s).empty());
  sel.add(reused, selector::event_read, &reused);  // the number is free in the selector too
  const auto r = sel.select(5s);
  BOOST_TEST(r.size() == 1u);
  BOOST_TEST(reports(r, &reused, selector::event_read));
}

BOOST_AUTO_TEST_CASE(a_closed_socket_whose_file_lives_on_in_a_duplicate_is_not_reported) {
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(server, selector::event_read, &server);
  // epoll watches the open file, not the number: without removing it first, the duplicate
  // would keep it reporting after close().
  const int duplicate = ::dup(server.native_handle());
  BOOST_REQUIRE(duplicate >= 0);
  server.close();
  client.sendall(buffer(std::string("still arrives at the duplicate")));
  std::vector<selector::ready> r = sel.select(300ms);
  ::close(duplicate);
  BOOST_TEST(r.empty());
}

BOOST_AUTO_TEST_CASE(a_destroyed_socket_and_a_released_one_leave_the_selector) {
  auto pair = std::make_unique<tcp_pair>(connected_pair());
  auto [client, server] = connected_pair();
  selector sel;
  sel.add(pair->server, selector::event_read, &pair->server);
  sel.add(server, selector::event_read, &server);
  pair.reset();
  BOOST_TEST(sel.size() == 1u);
  boost::asio::ip::tcp::socket released = server.release();
  BOOST_TEST(sel.size() == 0u);
  client.sendall(buffer(std::string("z")));
  BOOST_TEST(sel.select(200ms).empty());
}

BOOST_AUTO_TEST_CASE(a_destroyed_selector_leaves_its_sockets_open_and_usable) {
  auto [client, server] = connected_pair();
  {
    selector sel;
    sel.add(server, selector::event_read, &server);
    selector other;
    other.add(server, selector::event_read, &server);
  }
  client.sendall(buffer(std::string("ok")));
  char got[4];
  server.settimeout(5s);
  BOOST_TEST(server.recv(buffer(got)) == 2u);
  server.close();  // must not reach the destroyed selectors
}

BOOST_AUTO_TEST_CASE(a_socket_in_two_selectors_leaves_both_when_closed) {
  auto [client, server] = connected_pair();
  selector a;
  selector b;
  a.add(server, selector::event_read, &server);
  b.add(server, selector::event_write, &server);
  BOOST_TEST(reports(b.select(5s), &server, selector::event_write));
  server.close();
  BOOST_TEST(a.size() == 0u);
  BOOST_TEST(b.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
