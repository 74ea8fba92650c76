// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// basic_socket: calls from several threads, cancel and close across threads, signals, and the
// descriptors the wait machinery costs.

#include <sockmode/basic_socket.hpp>

#include "basic_socket_helpers.hpp"

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

BOOST_AUTO_TEST_SUITE(threads)

BOOST_DATA_TEST_CASE(reader_and_writer_threads_wait_independently, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(1500ms);
  fill_send_buffer(client);
  const std::vector<char> payload(4u << 20, 'w');

  error_code read_ec;
  seconds read_took{};
  std::thread reader([&] {
    char byte = 0;
    read_took = elapsed([&] { client.recv(buffer(&byte, 1), read_ec); });
  });
  error_code write_ec;
  std::size_t written = 0;
  std::thread writer([&] { written = client.sendall(buffer(payload), write_ec); });
  std::size_t drained = 0;
  std::thread peer([&] {
    std::this_thread::sleep_for(300ms);  // the writer waits meanwhile
    drained = drain(server);
  });
  writer.join();
  reader.join();
  client.shutdown(boost::asio::socket_base::shutdown_send);
  peer.join();

  BOOST_TEST(!write_ec);
  BOOST_TEST(written == payload.size());
  BOOST_TEST((read_ec == sockmode::error::timeout));  // the writer's progress never woke it
  BOOST_TEST(read_took.count() >= 1.1);
  BOOST_TEST(drained >= payload.size());
}

BOOST_DATA_TEST_CASE(cancel_from_another_thread_wakes_a_blocked_recv, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(std::nullopt);
  error_code ec;
  seconds took{};
  std::thread blocked([&] {
    char byte = 0;
    took = elapsed([&] { client.recv(buffer(&byte, 1), ec); });
  });
  std::this_thread::sleep_for(150ms);
  client.cancel();
  blocked.join();
  BOOST_TEST((ec == asio_error::operation_aborted));
  BOOST_TEST(took.count() < 5.0);
  // Cancel affects only calls in flight: the socket stays usable.
  server.sendall(buffer(std::string("after")));
  client.settimeout(2s);
  BOOST_TEST(recv_string(client) == "after");
}

BOOST_DATA_TEST_CASE(cancel_from_another_thread_wakes_a_blocked_connect, loopbacks, address) {
  full_listener full(address);
  sockmode::tcp::socket s;
  error_code ec;
  std::thread blocked([&] { ec = s.connect_ex(full.endpoint()); });
  std::this_thread::sleep_for(150ms);
  s.cancel();
  blocked.join();
  BOOST_TEST((ec == asio_error::operation_aborted));
}

BOOST_DATA_TEST_CASE(cancel_wakes_both_reader_and_writer, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  fill_send_buffer(client);
  std::vector<char> chunk(1 << 16, 'c');
  error_code read_ec;
  error_code write_ec;
  std::thread reader([&] {
    char byte = 0;
    client.recv(buffer(&byte, 1), read_ec);
  });
  std::thread writer([&] { client.send(buffer(chunk), write_ec); });
  std::this_thread::sleep_for(200ms);
  client.cancel();
  reader.join();
  writer.join();
  BOOST_TEST((read_ec == asio_error::operation_aborted));
  BOOST_TEST((write_ec == asio_error::operation_aborted));
}

BOOST_AUTO_TEST_CASE(a_cancel_racing_with_a_timeout_never_aborts_a_later_wait) {
  // Cancels aimed at waits on `a` that ended (timed out) before they could be delivered must
  // not abort the thread's next, unrelated wait on `b`.
  auto [a, a_peer] = connected_pair();
  auto [b, b_peer] = connected_pair();
  a.settimeout(1ns);
  std::atomic<bool> done{false};
  std::thread canceller([&] {
    for (int i = 0; i < 200000 && !done.load(); ++i) a.cancel();
  });
  char byte = 0;
  error_code ec;
  for (int i = 0; i < 5000; ++i) a.recv(buffer(&byte, 1), ec);
  done = true;
  canceller.join();
  b.settimeout(200ms);
  const seconds took = elapsed([&] { b.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
}

BOOST_AUTO_TEST_CASE(concurrent_close_calls_close_the_descriptor_once) {
  for (int round = 0; round < 300; ++round) {
    auto [client, server] = connected_pair();
    std::atomic<int> ready{0};
    error_code first;
    error_code second;
    auto closer = [&](error_code& ec) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      client.close(ec);
    };
    std::thread other([&] { closer(second); });
    closer(first);
    other.join();
    BOOST_TEST(!first);
    BOOST_TEST(!second);
    BOOST_TEST(!client.is_open());
  }
}

BOOST_DATA_TEST_CASE(close_from_another_thread_wakes_a_blocked_recv, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  error_code ec;
  std::thread blocked([&] {
    char byte = 0;
    client.recv(buffer(&byte, 1), ec);
  });
  std::this_thread::sleep_for(150ms);
  client.close();
  blocked.join();
  BOOST_TEST((ec == asio_error::operation_aborted || ec == asio_error::bad_descriptor));
  BOOST_TEST(!client.is_open());
}

namespace {

// A connected pair whose client no thread has used yet: the first thread to make a call on it
// becomes its owner, which enters calls on a cheaper path that close() must fence against.
tcp_pair unowned_pair() {
  static boost::asio::io_context context;  // outlives the sockets; never run
  sockmode::tcp::acceptor listener(loopback());
  boost::asio::ip::tcp::socket raw(context);
  raw.connect(listener.local_endpoint());
  sockmode::tcp::socket server = listener.accept();
  return {sockmode::tcp::socket(std::move(raw)), std::move(server)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(close_racing_with_calls_never_touches_a_reused_descriptor) {
  // Repeatedly close a socket while another thread hammers it, then open a fresh socket
  // that is likely to get the same descriptor number: the late calls must fail cleanly
  // and never read the new socket's data. Both when the closing thread owns the socket and
  // when the hammering thread does.
  for (const bool hammer_owns : {false, true}) {
    for (int round = 0; round < 50; ++round) {
      auto [client, server] = hammer_owns ? unowned_pair() : connected_pair();
      std::atomic<bool> stop{false};
      std::atomic<bool> started{false};
      std::thread hammer([&] {
        char byte = 0;
        error_code ec;
        for (int i = 0; i < 100000 && !stop.load(); ++i) {
          try {
            client.settimeout(i % 2 == 0 ? sockmode::timeout_type(0ns)
                                         : sockmode::timeout_type(1ms));
          } catch (const boost::system::system_error&) {
            break;  // closed
          }
          client.recv(buffer(&byte, 1), ec);
          started = true;
          if (ec == asio_error::bad_descriptor) break;
        }
      });
      while (!started.load()) std::this_thread::yield();
      client.close();
      auto [other_client, other_server] = connected_pair();
      other_server.sendall(buffer("q", 1));
      stop = true;
      hammer.join();
      other_client.settimeout(2s);
      char byte = 0;
      BOOST_TEST(other_client.recv(buffer(&byte, 1)) == 1u);  // still there: nobody stole it
    }
  }
}

namespace {
volatile sig_atomic_t alarms = 0;
extern "C" void count_alarm(int) { alarms = alarms + 1; }
}  // namespace

BOOST_AUTO_TEST_CASE(signal_storm_does_not_restart_the_deadline) {
  auto [client, server] = connected_pair();
  struct sigaction action {};
  action.sa_handler = count_alarm;  // no SA_RESTART: every signal interrupts the wait
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  BOOST_REQUIRE(::sigaction(SIGALRM, &action, &previous) == 0);
  itimerval storm{};
  storm.it_interval.tv_usec = 1000;
  storm.it_value.tv_usec = 1000;
  BOOST_REQUIRE(::setitimer(ITIMER_REAL, &storm, nullptr) == 0);

  client.settimeout(300ms);
  char byte = 0;
  error_code ec;
  const seconds took = elapsed([&] { client.recv(buffer(&byte, 1), ec); });

  test::stop_alarms(previous);
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(took.count() >= 0.25);
  BOOST_TEST(took.count() < 3.0);
  BOOST_TEST(alarms > 10);
}

BOOST_AUTO_TEST_CASE(ten_thousand_sockets_cost_no_descriptors_beyond_their_own) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  const rlim_t wanted = 10500;
  if (limit.rlim_cur < wanted && limit.rlim_max >= wanted) {
    limit.rlim_cur = wanted;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  const std::size_t pairs = limit.rlim_cur >= wanted ? 5000 : (limit.rlim_cur - 100) / 2;
  const int threads = 8;
  const int before = open_descriptors();

  sockmode::tcp::acceptor listener(loopback());
  std::vector<sockmode::tcp::socket> sockets;
  sockets.reserve(pairs * 2);
  for (std::size_t i = 0; i < pairs; ++i) {
    sockets.emplace_back();
    sockets.back().connect(listener.local_endpoint());
    sockets.push_back(listener.accept());
  }

  // Every socket waits once (a 1 ms timeout that expires), from 8 threads that stay alive
  // until the count is taken, so each has its wait context open.
  std::atomic<int> waited{0};
  std::atomic<bool> counted{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      char byte = 0;
      error_code ec;
      for (std::size_t i = static_cast<std::size_t>(t); i < sockets.size(); i += threads) {
        sockets[i].settimeout(1ms);
        sockets[i].recv(buffer(&byte, 1), ec);
      }
      ++waited;
      while (!counted.load()) std::this_thread::sleep_for(1ms);
    });
  }
  while (waited.load() < threads) std::this_thread::sleep_for(1ms);
  const int during = open_descriptors();
  counted = true;
  for (auto& w : workers) w.join();

  const int extra = during - before - static_cast<int>(sockets.size()) - 1;  // 1: listener
  BOOST_TEST_MESSAGE(sockets.size() << " sockets, " << threads << " threads: " << extra
                                    << " descriptors beyond the sockets'");
  BOOST_TEST(extra >= 0);
  BOOST_TEST(extra <= 3 * threads + 8);  // 3 per waiting thread, plus the shared home context
}

// The wait backend's own descriptors: io_uring's one ring; epoll's epoll and eventfd, and a
// timerfd while the process holds fewer than a quarter of its soft RLIMIT_NOFILE
// (src/wait/epoll.cpp). Epoll is the default; SOCKMODE_WAIT_BACKEND=io_uring (the *_io_uring
// tests) asks for io_uring, which falls back to epoll where the kernel refuses it.
namespace {

// The lowest free descriptor number: the next one the process would get.
int lowest_free_descriptor() {
  const int fd = ::dup(0);
  ::close(fd);
  return fd;
}

// Descriptors a new thread's first wait makes, and the backend it got.
std::pair<int, std::string> descriptors_of_a_waiting_thread(sockmode::tcp::socket& client) {
  const int before = open_descriptors();
  std::string backend;
  int during = 0;
  std::thread([&] {
    char byte = 0;
    error_code ec;
    client.recv(buffer(&byte, 1), ec);  // times out: this thread's wait context now exists
    BOOST_TEST((ec == sockmode::error::timeout));
    backend = sockmode::detail::wait_backend_name();
    during = open_descriptors();
  }).join();
  BOOST_TEST(open_descriptors() == before);  // released when the thread exited
  BOOST_TEST_MESSAGE("wait backend: " << backend << ", " << during - before
                                      << " descriptors for a thread that waited");
  if (std::getenv("SOCKMODE_WAIT_BACKEND") == nullptr) BOOST_TEST(backend == "epoll");
  BOOST_TEST((backend == "io_uring" || backend == "epoll"));
  return {during - before, backend};
}

}  // namespace

BOOST_AUTO_TEST_CASE(with_descriptors_plentiful_a_waiting_thread_costs_3_with_epoll_1_with_io_uring) {
  auto [client, server] = connected_pair();
  client.settimeout(1ms);
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  // Far more than four times what is open.
  const rlim_t plenty = static_cast<rlim_t>(4 * (lowest_free_descriptor() + 64));
  const test::soft_file_limit raised(std::max(limit.rlim_cur, std::min(plenty, limit.rlim_max)));
  BOOST_REQUIRE(raised.applied());
  BOOST_REQUIRE(limit.rlim_max >= plenty);
  const auto [made, backend] = descriptors_of_a_waiting_thread(client);
  BOOST_TEST(made == (backend == "io_uring" ? 1 : 3));
}

BOOST_AUTO_TEST_CASE(with_descriptors_scarce_a_waiting_thread_costs_2_with_epoll_1_with_io_uring) {
  auto [client, server] = connected_pair();
  client.settimeout(1ms);
  // Every number up to the highest open descriptor taken, and a soft limit a few above it: far
  // more than a quarter of it is in use, and there are still enough left for a wait context.
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  int highest = 0;
  for (int fd = 0; fd < static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 65536)); ++fd)
    if (::fcntl(fd, F_GETFD) != -1) highest = fd;
  std::vector<int> held;
  while (lowest_free_descriptor() < highest) held.push_back(::dup(0));
  {
    const test::soft_file_limit lowered(static_cast<rlim_t>(highest + 16));
    BOOST_REQUIRE(lowered.applied());
    const auto [made, backend] = descriptors_of_a_waiting_thread(client);
    BOOST_TEST(made == (backend == "io_uring" ? 1 : 2));
  }
  for (const int fd : held) ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()
