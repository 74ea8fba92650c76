// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/basic_acceptor.hpp>

#include "support.hpp"

#include <boost/asio/read.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// The three listener modes, as settimeout() takes them.
const sockmode::timeout_type listener_modes[] = {std::nullopt, std::chrono::nanoseconds(0),
                                                 std::chrono::nanoseconds(200ms)};

std::string describe(const sockmode::timeout_type& t) {
  if (!t) return "blocking";
  if (t->count() == 0) return "non-blocking";
  return "timeout " + std::to_string(t->count()) + "ns";
}

// Connects a client (blocking, made before any default is set by the caller) and waits until
// the listener reports the connection as acceptable, so that even a non-blocking accept
// finds it.
sockmode::tcp::socket connect_client(sockmode::tcp::acceptor& listener) {
  sockmode::tcp::socket client;
  client.settimeout(std::nullopt);
  client.connect(listener.local_endpoint());
  listener.wait(sockmode::tcp::acceptor::wait_read, 5s);
  return client;
}

// Runs `blocked_accept` on a thread; from this thread, calls `interrupt` until that thread has
// finished (bounded). If it never finishes, connects a client so the accept returns, and
// reports the failure instead of hanging.
template <class Accept, class Interrupt>
void interrupt_blocked_accept(const sockmode::tcp::endpoint& endpoint, Accept blocked_accept,
                              Interrupt interrupt) {
  std::atomic<bool> done{false};
  std::thread acceptor_thread([&] {
    blocked_accept();
    done = true;
  });
  std::this_thread::sleep_for(100ms);  // let it reach the wait; a retry covers a late start
  const auto give_up = test::clock::now() + 5s;
  while (!done && test::clock::now() < give_up) {
    interrupt();
    for (int i = 0; i < 50 && !done; ++i) std::this_thread::sleep_for(10ms);
  }
  const bool finished = done.load();
  sockmode::tcp::socket rescue;
  if (!finished) {
    error_code ignored;
    rescue.connect(endpoint, ignored);
  }
  acceptor_thread.join();
  BOOST_TEST(finished, "accept was not woken up");
}

}  // namespace

BOOST_DATA_TEST_CASE(accept_returns_a_connected_socket_in_blocking_mode, test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  sockmode::tcp::socket client;
  std::thread connector([&] {
    std::this_thread::sleep_for(100ms);
    client.connect(listener.local_endpoint());
  });
  sockmode::tcp::socket server = listener.accept();
  connector.join();
  BOOST_TEST(server.is_open());
  BOOST_TEST(server.remote_endpoint() == client.local_endpoint());
  BOOST_TEST(client.send(boost::asio::buffer("ping", 4)) == 4u);
  char data[4] = {};
  BOOST_TEST(boost::asio::read(server, boost::asio::buffer(data)) == 4u);
  BOOST_TEST(std::string(data, 4) == "ping");
}

BOOST_DATA_TEST_CASE(accept_times_out_when_no_client_connects, test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(200ms);
  error_code ec;
  const auto took = test::elapsed([&] { listener.accept(ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_DATA_TEST_CASE(accept_still_works_after_a_timeout, test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(200ms);
  error_code ec;
  listener.accept(ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(listener.is_open());
  BOOST_TEST(listener.gettimeout() == sockmode::timeout_type(200ms));

  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  listener.settimeout(5s);
  sockmode::tcp::socket server = listener.accept(ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(server.is_open());
}

BOOST_DATA_TEST_CASE(accept_in_timeout_mode_returns_a_client_that_connects_in_time,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(5s);
  sockmode::tcp::socket client;
  std::thread connector([&] {
    std::this_thread::sleep_for(100ms);
    client.connect(listener.local_endpoint());
  });
  error_code ec;
  sockmode::tcp::socket server;
  const auto took = test::elapsed([&] { server = listener.accept(ec); });
  connector.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(server.is_open());
  BOOST_TEST(took.count() < 4.0);
}

BOOST_DATA_TEST_CASE(accept_in_non_blocking_mode_fails_at_once_with_would_block,
                     test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.setblocking(false);
  error_code ec;
  sockmode::tcp::socket accepted;
  const auto took = test::elapsed([&] { accepted = listener.accept(ec); });
  BOOST_TEST((ec == boost::asio::error::would_block), ec.message());
  BOOST_TEST(took.count() < 1.0);
  BOOST_TEST(!accepted.is_open());
}

BOOST_DATA_TEST_CASE(accept_in_non_blocking_mode_returns_a_pending_connection,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.setblocking(false);
  sockmode::tcp::socket client = connect_client(listener);
  error_code ec;
  sockmode::tcp::socket server = listener.accept(ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(server.remote_endpoint() == client.local_endpoint());
}

BOOST_DATA_TEST_CASE(accepted_socket_is_blocking_without_default_whatever_listener_mode,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  for (const auto& mode : listener_modes) {
    BOOST_TEST_CONTEXT("listener " << describe(mode)) {
      sockmode::tcp::acceptor listener(test::loopback(address));
      listener.settimeout(mode);
      sockmode::tcp::socket client = connect_client(listener);
      error_code ec;
      sockmode::tcp::socket server = listener.accept(ec);
      BOOST_TEST_REQUIRE(!ec, ec.message());
      BOOST_TEST(!server.gettimeout().has_value());
      BOOST_TEST(server.getblocking());
      BOOST_TEST(listener.gettimeout() == mode);
    }
  }
}

BOOST_DATA_TEST_CASE(accepted_socket_takes_default_timeout_whatever_listener_mode,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  const sockmode::timeout_type defaults[] = {std::chrono::nanoseconds(1500ms),
                                             std::chrono::nanoseconds(0)};
  for (const auto& mode : listener_modes) {
    for (const auto& default_mode : defaults) {
      BOOST_TEST_CONTEXT("listener " << describe(mode) << ", default " << describe(default_mode)) {
        sockmode::setdefaulttimeout(std::nullopt);
        sockmode::tcp::acceptor listener(test::loopback(address));
        listener.settimeout(mode);
        sockmode::tcp::socket client = connect_client(listener);
        sockmode::setdefaulttimeout(default_mode);  // at accept time, not at listen time
        error_code ec;
        sockmode::tcp::socket server = listener.accept(ec);
        BOOST_TEST_REQUIRE(!ec, ec.message());
        BOOST_TEST(server.gettimeout() == default_mode);
        BOOST_TEST(listener.gettimeout() == mode);
      }
    }
  }
}

BOOST_DATA_TEST_CASE(accepted_and_listening_descriptors_are_always_o_nonblock,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  for (const auto& mode : listener_modes) {
    BOOST_TEST_CONTEXT("listener " << describe(mode)) {
      sockmode::tcp::acceptor listener(test::loopback(address));
      listener.settimeout(mode);
      BOOST_TEST((::fcntl(listener.native_handle(), F_GETFL) & O_NONBLOCK) != 0);
      sockmode::tcp::socket client = connect_client(listener);
      sockmode::tcp::socket server = listener.accept();
      BOOST_TEST(!server.gettimeout().has_value());
      BOOST_TEST((::fcntl(server.native_handle(), F_GETFL) & O_NONBLOCK) != 0);
    }
  }
}

BOOST_DATA_TEST_CASE(socket_accepted_from_non_blocking_listener_waits_for_data,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.setblocking(false);
  sockmode::tcp::socket client = connect_client(listener);
  sockmode::tcp::socket server = listener.accept();
  std::thread sender = test::send_later(client, 150ms, "late");
  char data[4] = {};
  error_code ec;
  std::size_t n = 0;
  const auto took = test::elapsed([&] { n = server.recv(boost::asio::buffer(data), ec); });
  sender.join();
  BOOST_TEST(!ec, ec.message());  // not would_block: the listener's mode is not inherited
  BOOST_TEST(n >= 1u);
  BOOST_TEST(data[0] == 'l');
  BOOST_TEST(took.count() >= 0.1);
}

BOOST_DATA_TEST_CASE(socket_accepted_from_timeout_listener_does_not_time_out,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(100ms);
  sockmode::tcp::socket client = connect_client(listener);
  sockmode::tcp::socket server = listener.accept();
  std::thread sender = test::send_later(client, 400ms, "late");
  char data[4] = {};
  error_code ec;
  const auto took = test::elapsed([&] { server.recv(boost::asio::buffer(data), ec); });
  sender.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(data[0] == 'l');
  BOOST_TEST(took.count() >= 0.3);
}

BOOST_DATA_TEST_CASE(accept_with_peer_endpoint_fills_in_the_client_address,
                     test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(5s);
  sockmode::tcp::socket client = connect_client(listener);
  sockmode::tcp::endpoint peer;
  sockmode::tcp::socket server = listener.accept(peer);
  BOOST_TEST(peer == client.local_endpoint());
  BOOST_TEST(peer.address() == address);
  BOOST_TEST(peer.port() != 0);
  BOOST_TEST(server.remote_endpoint() == peer);

  sockmode::tcp::socket client2 = connect_client(listener);
  sockmode::tcp::endpoint peer2;
  error_code ec;
  sockmode::tcp::socket server2 = listener.accept(peer2, ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(peer2 == client2.local_endpoint());
}

BOOST_DATA_TEST_CASE(accept_with_peer_endpoint_times_out_like_plain_accept,
                     test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(200ms);
  sockmode::tcp::endpoint peer;
  error_code ec;
  const auto took = test::elapsed([&] { listener.accept(peer, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_DATA_TEST_CASE(accept_on_closed_acceptor_fails_with_bad_descriptor,
                     test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.close();
  BOOST_TEST(!listener.is_open());
  for (const auto& mode : listener_modes) {
    BOOST_TEST_CONTEXT("listener " << describe(mode)) {
      error_code ec;
      sockmode::tcp::socket s;
      const auto took = test::elapsed([&] { s = listener.accept(ec); });
      BOOST_TEST((ec == boost::asio::error::bad_descriptor), ec.message());
      BOOST_TEST(took.count() < 1.0);
      BOOST_TEST(!s.is_open());
      sockmode::tcp::endpoint peer;
      listener.accept(peer, ec);
      BOOST_TEST((ec == boost::asio::error::bad_descriptor), ec.message());
    }
  }
  try {
    listener.accept();
    BOOST_FAIL("accept on a closed acceptor did not throw");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST((e.code() == boost::asio::error::bad_descriptor));
    BOOST_TEST(dynamic_cast<const sockmode::timeout_error*>(&e) == nullptr);
  }
}

BOOST_AUTO_TEST_CASE(closing_acceptor_twice_is_harmless) {
  sockmode::tcp::acceptor listener(test::loopback());
  listener.close();
  error_code ec;
  listener.close(ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_CHECK_NO_THROW(listener.close());
}

BOOST_DATA_TEST_CASE(cancel_from_another_thread_wakes_a_blocked_accept, test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.setblocking(true);
  const auto endpoint = listener.local_endpoint();
  error_code ec;
  test::seconds took{};
  interrupt_blocked_accept(
      endpoint, [&] { took = test::elapsed([&] { listener.accept(ec); }); },
      [&] { listener.cancel(); });
  BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
  BOOST_TEST(took.count() < 4.0);

  // The acceptor stays usable after a cancel.
  BOOST_TEST(listener.is_open());
  listener.settimeout(200ms);
  listener.accept(ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
}

BOOST_DATA_TEST_CASE(cancel_from_another_thread_wakes_an_accept_in_timeout_mode,
                     test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(30s);
  const auto endpoint = listener.local_endpoint();
  error_code ec;
  test::seconds took{};
  interrupt_blocked_accept(
      endpoint, [&] { took = test::elapsed([&] { listener.accept(ec); }); },
      [&] { listener.cancel(); });
  BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
  BOOST_TEST(took.count() < 4.0);
}

BOOST_DATA_TEST_CASE(close_from_another_thread_wakes_a_blocked_accept, test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.setblocking(true);
  const auto endpoint = listener.local_endpoint();
  error_code ec;
  sockmode::tcp::socket accepted;
  // close() itself waits for the accept to leave, so it runs on its own thread; the helper
  // rescues with a connection if the accept is never woken.
  std::atomic<bool> close_started{false};
  std::thread closer;
  interrupt_blocked_accept(
      endpoint, [&] { accepted = listener.accept(ec); },
      [&] {
        if (!close_started.exchange(true)) closer = std::thread([&] { listener.close(); });
      });
  if (closer.joinable()) closer.join();
  BOOST_TEST(((ec == boost::asio::error::operation_aborted) ||
              (ec == boost::asio::error::bad_descriptor)),
             ec.message());
  BOOST_TEST(!accepted.is_open());
  BOOST_TEST(!listener.is_open());
  listener.accept(ec);
  BOOST_TEST((ec == boost::asio::error::bad_descriptor), ec.message());
}

BOOST_AUTO_TEST_CASE(close_racing_with_accept_on_another_thread_never_crashes) {
  for (int i = 0; i < 50; ++i) {
    sockmode::tcp::acceptor listener(test::loopback());
    listener.settimeout(i % 2 == 0 ? sockmode::timeout_type(std::nullopt)
                                   : sockmode::timeout_type(30s));
    error_code ec;
    std::thread acceptor_thread([&] { listener.accept(ec); });
    if (i % 3 == 0) std::this_thread::sleep_for(1ms);
    listener.close();
    acceptor_thread.join();
    BOOST_TEST_CONTEXT("iteration " << i) {
      BOOST_TEST(((ec == boost::asio::error::operation_aborted) ||
                  (ec == boost::asio::error::bad_descriptor)),
                 ec.message());
    }
  }
}

namespace {
extern "C" void ignore_signal(int) {}
}  // namespace

BOOST_AUTO_TEST_CASE(signals_do_not_restart_the_accept_deadline) {
  struct sigaction action {};
  action.sa_handler = &ignore_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: every signal interrupts the wait
  struct sigaction previous {};
  BOOST_TEST_REQUIRE(::sigaction(SIGUSR1, &action, &previous) == 0);

  sockmode::tcp::acceptor listener(test::loopback());
  listener.settimeout(300ms);
  std::atomic<bool> done{false};
  const pthread_t target = ::pthread_self();
  std::thread signaller([&] {
    const auto stop = test::clock::now() + 3s;  // a restarted deadline would outlive this
    while (!done && test::clock::now() < stop) {
      ::pthread_kill(target, SIGUSR1);
      std::this_thread::sleep_for(10ms);
    }
  });
  error_code ec;
  const auto took = test::elapsed([&] { listener.accept(ec); });
  done = true;
  signaller.join();
  ::sigaction(SIGUSR1, &previous, nullptr);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.225);
  BOOST_TEST(took.count() < 2.5);
}

BOOST_DATA_TEST_CASE(acceptor_on_a_port_in_use_throws_address_in_use, test::loopbacks, address) {
  sockmode::tcp::acceptor first(test::loopback(address));
  try {
    sockmode::tcp::acceptor second(first.local_endpoint());
    BOOST_FAIL("a second listener bound to the same port");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST((e.code() == boost::asio::error::address_in_use), e.what());
    BOOST_TEST(std::string(e.what()).find("bind") != std::string::npos);
  }
  BOOST_TEST(first.is_open());
}

BOOST_DATA_TEST_CASE(acceptor_honours_an_explicit_backlog, test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  for (const int backlog : {0, 1, 5, 128}) {
    BOOST_TEST_CONTEXT("backlog " << backlog) {
      sockmode::tcp::acceptor listener(test::loopback(address), backlog);
      listener.settimeout(5s);
      sockmode::tcp::socket client;
      client.settimeout(5s);
      client.connect(listener.local_endpoint());
      error_code ec;
      sockmode::tcp::socket server = listener.accept(ec);
      BOOST_TEST(!ec, ec.message());
      BOOST_TEST(server.remote_endpoint() == client.local_endpoint());
    }
  }
}

BOOST_DATA_TEST_CASE(acceptor_without_reuse_address_still_accepts, test::loopbacks, address) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener(test::loopback(address), 4, false);
  listener.settimeout(5s);
  sockmode::tcp::socket client = connect_client(listener);
  BOOST_TEST(listener.accept().remote_endpoint() == client.local_endpoint());
}

BOOST_DATA_TEST_CASE(accept_throws_timeout_error_on_timeout, test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  listener.settimeout(200ms);
  const auto took = test::elapsed([&] {
    try {
      listener.accept();
      BOOST_FAIL("accept did not throw");
    } catch (const sockmode::timeout_error& e) {
      BOOST_TEST((e.code() == sockmode::error::timeout));
      BOOST_TEST((e.code() == std::errc::timed_out));
      BOOST_TEST(std::string(e.what()).find("accept") != std::string::npos);
    }
  });
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  sockmode::tcp::endpoint peer;
  BOOST_CHECK_THROW(listener.accept(peer), sockmode::timeout_error);
}

BOOST_AUTO_TEST_CASE(accept_throws_io_error_not_timeout_error_on_would_block) {
  sockmode::tcp::acceptor listener(test::loopback());
  listener.setblocking(false);
  try {
    listener.accept();
    BOOST_FAIL("accept did not throw");
  } catch (const sockmode::timeout_error&) {
    BOOST_FAIL("would_block reported as a timeout");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST((e.code() == boost::asio::error::would_block));
  }
}

BOOST_AUTO_TEST_CASE(acceptor_timeout_mode_reports_python_blocking_flags) {
  sockmode::tcp::acceptor listener(test::loopback());
  listener.settimeout(200ms);
  BOOST_TEST(listener.getblocking());
  listener.setblocking(false);
  BOOST_TEST(!listener.getblocking());
  BOOST_TEST(listener.gettimeout() == sockmode::timeout_type(0ns));
  listener.setblocking(true);
  BOOST_TEST(!listener.gettimeout().has_value());
}

BOOST_AUTO_TEST_CASE(acceptor_wait_without_a_timeout_waits_as_long_as_the_mode_says) {
  sockmode::tcp::acceptor listener(test::loopback());
  listener.settimeout(200ms);
  error_code ec;
  const test::seconds took =
      test::elapsed([&] { listener.wait(sockmode::tcp::acceptor::wait_read, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  listener.wait(sockmode::tcp::acceptor::wait_read);  // a connection is queued: at once
  BOOST_TEST(listener.accept().is_open());
}
