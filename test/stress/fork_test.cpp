// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// fork() from a process whose other threads are in the middle of traffic, or waiting: both
// processes keep working. Left out of the TSan pass, which does not support fork() from a
// threaded process.
#include <sockmode/sockmode.hpp>

#include "reliability.hpp"

#include <boost/asio/read.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace asio_error = boost::asio::error;

namespace {
using test::clock;
}  // namespace

BOOST_AUTO_TEST_SUITE(after_fork)

BOOST_AUTO_TEST_CASE(child_closes_sockets_parent_threads_waited_on_after_its_own_threads_exit) {
  // In a fork child, the parent's other threads are gone, and glibc recycles their stacks
  // (where their thread-local state and their waits' bookkeeping lived) for the child's own
  // threads, unmapping what its stack cache cannot hold (40 MiB). Eight parent threads blocked
  // in recv hold 64 MiB of stacks; once a child thread has come and gone, closing their
  // sockets in the child must not touch that memory.
  constexpr int waiting = 8;
  std::vector<test::tcp_pair> pairs;
  for (int i = 0; i < waiting; ++i) pairs.push_back(test::connected_pair());
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  std::vector<error_code> results(waiting);
  for (int i = 0; i < waiting; ++i) {
    threads.emplace_back([&, i] {
      pairs[static_cast<std::size_t>(i)].client.settimeout(std::nullopt);
      ++started;
      char byte = 0;
      pairs[static_cast<std::size_t>(i)].client.recv(asio::buffer(&byte, 1),
                                                      results[static_cast<std::size_t>(i)]);
    });
  }
  while (started.load() < waiting) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);  // all of them waiting now
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::alarm(20);
    for (int round = 0; round < 4; ++round) {
      auto [a, b] = sockmode::socketpair();
      std::thread t([&a] {
        a.settimeout(1ms);
        char byte = 0;
        error_code ec;
        a.recv(asio::buffer(&byte, 1), ec);  // this thread's own record and wait context
      });
      t.join();
    }
    for (auto& p : pairs) p.client.close();  // aborts the parent threads' (dead) waits
    sockmode::tcp::acceptor quiet(test::loopback());
    quiet.settimeout(20ms);
    error_code ec;
    quiet.accept(ec);
    ::_exit(ec == sockmode::error::timeout ? 0 : 1);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status),
             "child ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  for (auto& p : pairs) p.client.close();  // the parent's threads are still waiting: end them
  for (auto& t : threads) t.join();
  for (const auto& ec : results)
    BOOST_TEST((ec == asio_error::operation_aborted || ec == asio_error::bad_descriptor));
}

BOOST_AUTO_TEST_CASE(fork_in_the_middle_of_traffic_leaves_parent_and_child_working) {
  // Three streams carry checked data between thread pairs while the main thread forks.
  // Each child uses a socket it inherited, and new sockets of its own with a thread of its own;
  // the parent's streams never notice.
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> moved{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<test::tcp_pair>> tcp_pairs;
  std::vector<std::unique_ptr<std::pair<sockmode::local::stream_socket,
                                        sockmode::local::stream_socket>>> unix_pairs;
  std::vector<std::unique_ptr<std::atomic<std::uint64_t>>> sent_totals;
  // Byte `pos` of stream `salt`.
  const auto byte_at = [](std::uint64_t pos, unsigned salt) {
    return static_cast<char>((pos * 131 + pos / 251 + salt) & 0xff);
  };
  const auto run_stream = [&](auto& from, auto& to, unsigned salt) {
    sent_totals.push_back(std::make_unique<std::atomic<std::uint64_t>>(0));
    std::atomic<std::uint64_t>& sent_total = *sent_totals.back();
    threads.emplace_back([&from, &stop, &errors, &sent_total, byte_at, salt] {
      std::vector<char> buf(65536);
      std::uint64_t pos = 0;
      while (!stop.load()) {
        from.settimeout(std::chrono::milliseconds(1 + pos % 7));  // some sends wait and time out
        const std::size_t len = 1 + (pos * 31) % 60000;
        for (std::size_t i = 0; i < len; ++i) buf[i] = byte_at(pos + i, salt);
        error_code ec;
        pos += from.sendall(asio::buffer(buf.data(), len), ec);
        if (ec && ec != sockmode::error::timeout) ++errors;
      }
      sent_total = pos;
      from.shutdown(asio::socket_base::shutdown_send);
    });
    threads.emplace_back([&to, &errors, &moved, &sent_total, byte_at, salt] {
      std::vector<char> buf(65536);
      std::uint64_t pos = 0;
      for (;;) {
        to.settimeout(5s);
        error_code ec;
        const std::size_t n = to.recv(asio::buffer(buf), ec);
        if (ec) ++errors;
        if (ec || n == 0) break;
        for (std::size_t i = 0; i < n; ++i) {
          if (buf[i] != byte_at(pos + i, salt)) {
            ++errors;  // lost, duplicated or foreign bytes
            return;
          }
        }
        pos += n;
        moved.fetch_add(n);
      }
      // End of stream comes after the sender stored its total.
      if (pos != sent_total.load()) ++errors;
    });
  };
  for (unsigned i = 0; i < 2; ++i) {
    tcp_pairs.push_back(std::make_unique<test::tcp_pair>(test::connected_pair()));
    run_stream(tcp_pairs.back()->client, tcp_pairs.back()->server, i);
  }
  unix_pairs.push_back(std::make_unique<std::pair<sockmode::local::stream_socket,
                                                  sockmode::local::stream_socket>>(
      sockmode::socketpair()));
  run_stream(unix_pairs.back()->first, unix_pairs.back()->second, 9);

  auto [parent_end, child_end] = sockmode::socketpair();
  const int forks = stress::scaled(6, 40);
  int children_ok = 0;
  for (int i = 0; i < forks; ++i) {
    std::this_thread::sleep_for(30ms);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
      ::alarm(20);
      int verdict = 0;
      error_code ec;
      // The inherited socket.
      child_end.settimeout(5s);
      const std::string hello = "child " + std::to_string(i);
      child_end.sendall(asio::buffer(hello), ec);
      if (ec) verdict |= 1;
      char reply[64];
      const std::size_t n = child_end.recv(asio::buffer(reply), ec);
      if (ec || std::string(reply, n) != "parent " + std::to_string(i)) verdict |= 2;
      // New sockets, a thread of its own, and a wait that times out.
      auto [x, y] = sockmode::socketpair();
      std::thread echo([&y] {
        y.settimeout(5s);
        char buf[256];
        error_code e;
        for (int k = 0; k < 200; ++k) {
          const std::size_t m = y.recv(asio::buffer(buf), e);
          if (e || m == 0) break;
          y.sendall(asio::buffer(buf, m), e);
        }
      });
      x.settimeout(5s);
      for (int k = 0; k < 200 && verdict == 0; ++k) {
        const std::string ping = "ping " + std::to_string(k);
        x.sendall(asio::buffer(ping), ec);
        std::string pong(ping.size(), '\0');
        asio::read(x, asio::buffer(pong), ec);
        if (ec || pong != ping) verdict |= 4;
      }
      x.close();
      echo.join();
      sockmode::tcp::acceptor quiet(test::loopback());
      quiet.settimeout(50ms);
      const auto start = clock::now();
      quiet.accept(ec);
      if (ec != sockmode::error::timeout || clock::now() - start < 50ms) verdict |= 8;
      ::_exit(verdict);
    }
    parent_end.settimeout(10s);
    char hello[64];
    error_code ec;
    const std::size_t n = parent_end.recv(asio::buffer(hello), ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(std::string(hello, n) == "child " + std::to_string(i));
    parent_end.sendall(asio::buffer("parent " + std::to_string(i)));
    int status = 0;
    BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
    BOOST_TEST_CONTEXT("child " << i) {
      BOOST_TEST(WIFEXITED(status));
      BOOST_TEST(WEXITSTATUS(status) == 0);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++children_ok;
  }
  const std::uint64_t before_stop = moved.load();
  std::this_thread::sleep_for(100ms);
  stop = true;
  for (auto& t : threads) t.join();
  BOOST_TEST_MESSAGE(forks << " forks during traffic, " << children_ok << " children passed; "
                           << moved.load() << " bytes moved in the parent");
  BOOST_TEST(errors.load() == 0);
  BOOST_TEST(moved.load() > before_stop);  // the parent's streams kept moving after the forks
}

BOOST_AUTO_TEST_SUITE_END()
