// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Threads come and go: each thread that waits gets a wait context (one descriptor with
// io_uring, three with epoll, two once descriptors are scarce), and must give it back when it
// exits.
#include <sockmode/sockmode.hpp>

#include "reliability.hpp"

#include <boost/test/unit_test.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

namespace {

// Calls that did not time out as they should; counted in any thread, checked in the main one
// (Boost.Test's assertions are for the main thread only).
std::atomic<int> unexpected{0};

// One recv that waits for its 1 ms timeout: the calling thread's first wait makes its context.
void wait_once(sockmode::local::stream_socket& silent) {
  char byte = 0;
  error_code ec;
  silent.recv(asio::buffer(&byte, 1), ec);
  if (ec != sockmode::error::timeout) ++unexpected;
}

// The calling thread's own context, and sockmode's process-wide pieces, exist before a
// baseline is taken; so does TSan's background thread, which it starts with the first thread.
stress::snapshot warm_baseline(sockmode::local::stream_socket& silent) {
  wait_once(silent);
  std::thread([] {}).join();
  ::malloc_trim(0);
  return stress::take_snapshot();
}

}  // namespace

BOOST_AUTO_TEST_CASE(short_lived_threads_give_back_their_wait_contexts) {
  auto [silent, peer] = sockmode::socketpair();
  silent.settimeout(1ms);
  const stress::snapshot before = warm_baseline(silent);
  const int count = stress::scaled(1000, 10000);
  const int batch = 16;
  for (int started = 0; started < count; started += batch) {
    std::vector<std::thread> threads;
    for (int i = 0; i < batch && started + i < count; ++i)
      threads.emplace_back([&silent] { wait_once(silent); });
    for (auto& t : threads) t.join();
  }
  const stress::snapshot after = stress::settle(before);
  BOOST_TEST_MESSAGE(count << " threads waited once, " << batch << " at a time: descriptors "
                           << before.fds << " -> " << after.fds << ", threads "
                           << before.threads << " -> " << after.threads);
  BOOST_TEST(unexpected.load() == 0);
  BOOST_TEST(after.fds == before.fds);
  BOOST_TEST(after.threads == before.threads);
  BOOST_TEST(unexpected.load() == 0);
}

BOOST_AUTO_TEST_CASE(five_hundred_waiting_threads_cost_their_backends_descriptors_each) {
  auto [silent, peer] = sockmode::socketpair();
  silent.settimeout(1ms);
  const stress::snapshot before = warm_baseline(silent);
  constexpr int count = 500;

  std::mutex m;
  std::condition_variable cv;
  int phase = 0;  // 0: alive, not waited; 1: wait once; 2: exit
  int arrived = 0;
  const auto until = [&](int p) {
    std::unique_lock<std::mutex> lock(m);
    ++arrived;
    cv.notify_all();
    cv.wait_for(lock, 120s, [&] { return phase >= p; });
  };
  const auto all_arrived = [&](int expected) {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, 120s, [&] { return arrived >= expected; });
  };
  const auto next_phase = [&] {
    std::lock_guard<std::mutex> lock(m);
    ++phase;
    cv.notify_all();
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&] {
      until(1);
      wait_once(silent);
      until(2);
    });
  }
  BOOST_REQUIRE(all_arrived(count));
  ::malloc_trim(0);
  const stress::snapshot idle = stress::take_snapshot();
  next_phase();
  BOOST_REQUIRE(all_arrived(2 * count));
  ::malloc_trim(0);
  const stress::snapshot waited = stress::take_snapshot();
  next_phase();
  for (auto& t : threads) t.join();
  const stress::snapshot after = stress::settle(before);

  const double fds_per_thread = static_cast<double>(waited.fds - idle.fds) / count;
  const double kib_per_thread = static_cast<double>(waited.rss_kib - idle.rss_kib) / count;
  const double thread_kib = static_cast<double>(idle.rss_kib - before.rss_kib) / count;
  BOOST_TEST_MESSAGE(count << " threads alive: " << fds_per_thread
                           << " descriptors and " << kib_per_thread
                           << " KiB of RSS per thread for its wait context (the thread itself: "
                           << thread_kib << " KiB); descriptors " << before.fds << " -> "
                           << waited.fds << " -> " << after.fds << ", RSS " << before.rss_kib
                           << " -> " << waited.rss_kib << " -> " << after.rss_kib << " KiB"
                           << (stress::rss_is_meaningful ? "" : " (sanitizer build)"));
  // The ring with io_uring; epoll and its eventfd with epoll, and a timerfd while the process
  // holds fewer than a quarter of its soft RLIMIT_NOFILE (src/wait/epoll.cpp).
  const std::string backend = sockmode::detail::wait_backend_name();
  BOOST_TEST_MESSAGE("wait backend: " << backend);
  if (backend == "epoll") {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    BOOST_TEST(waited.fds - idle.fds >= 2 * count);
    BOOST_TEST(waited.fds - idle.fds <= 3 * count);
    if (static_cast<rlim_t>(waited.fds) < limit.rlim_cur / 4)
      BOOST_TEST(waited.fds - idle.fds == 3 * count);
  } else {
    BOOST_TEST(waited.fds - idle.fds == count);
  }
  BOOST_TEST(idle.fds == before.fds);              // a thread that never waited costs none
  if (stress::rss_is_meaningful) BOOST_TEST(kib_per_thread < 256.0);
  BOOST_TEST(after.fds == before.fds);
  BOOST_TEST(after.threads == before.threads);
  BOOST_TEST(unexpected.load() == 0);
}
