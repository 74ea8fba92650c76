// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The scale workload: descriptors and resident memory per socket, and the round-trip rate, with
// thousands of sockets used from a few threads.
#include "workloads.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <limits>
#include <stdexcept>
#include <thread>

namespace bench {
namespace {

using ms = std::chrono::milliseconds;

struct scale_result {
  double fds_per_socket = std::numeric_limits<double>::quiet_NaN();
  double bytes_per_socket = std::numeric_limits<double>::quiet_NaN();
  double round_trips_per_second = std::numeric_limits<double>::quiet_NaN();
};

// In a child process, so that descriptor and memory counts start clean: `pairs` connections
// (2 * pairs sockets), each used once from `threads` threads; the counts are read while every
// socket and thread is still alive. A contender with timeouts first makes one 1 ms timed wait per
// thread, so that whatever a thread needs to wait (sockmode's per-thread context) is counted.
template <class C>
scale_result scale(std::size_t pairs, std::size_t threads) {
  int link[2];
  if (::pipe(link) < 0) fail("pipe");
  const pid_t pid = ::fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    ::alarm(120);
    ::close(link[0]);
    scale_result result;
    try {
      loopback_listener listener;
      const std::size_t fds0 = open_descriptors();
      const std::size_t rss0 = resident_bytes();
      std::deque<C> clients, servers;
      for (std::size_t i = 0; i < pairs; ++i) {
        const auto [a, b] = listener.pair();
        clients.emplace_back(a);
        servers.emplace_back(b);
      }
      std::atomic<std::size_t> done{0};
      std::atomic<bool> release{false};
      std::vector<std::thread> pool;
      const std::int64_t t0 = now_ns();
      for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          try {
            char c = 's';
            if constexpr (C::has_timeout) {
              if (t < pairs) servers[t].recv_within(&c, 1, ms(1));
            }
            for (std::size_t i = t; i < pairs; i += threads) {
              clients[i].sendall(&c, 1);
              servers[i].recv(&c, 1);
              servers[i].sendall(&c, 1);
              clients[i].recv(&c, 1);
            }
          } catch (const std::exception& e) {
            std::fprintf(stderr, "sockmode_bench: scale: %s\n", e.what());
          }
          done.fetch_add(1);
          while (!release.load()) std::this_thread::sleep_for(ms(1));
        });
      }
      while (done.load() < threads) std::this_thread::sleep_for(std::chrono::microseconds(100));
      const double elapsed = seconds_since(t0);
      const std::size_t fds1 = open_descriptors();
      const std::size_t rss1 = resident_bytes();
      release.store(true);
      for (auto& t : pool) t.join();
      const double sockets = static_cast<double>(2 * pairs);
      result.fds_per_socket = (static_cast<double>(fds1) - static_cast<double>(fds0)) / sockets;
      result.bytes_per_socket = (static_cast<double>(rss1) - static_cast<double>(rss0)) / sockets;
      result.round_trips_per_second = static_cast<double>(pairs) / elapsed;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sockmode_bench: scale: %s\n", e.what());
    }
    const ssize_t w = ::write(link[1], &result, sizeof result);
    ::_exit(w == static_cast<ssize_t>(sizeof result) ? 0 : 1);
  }
  ::close(link[1]);
  scale_result result;
  const ssize_t r = ::read(link[0], &result, sizeof result);
  ::close(link[0]);
  ::waitpid(pid, nullptr, 0);
  if (r != static_cast<ssize_t>(sizeof result)) throw std::runtime_error("scale child failed");
  return result;
}

}  // namespace

void run_scale(const run_context& ctx) {
  measure_each(ctx, raw_and_sockmode{}, "scale", 150, [&](auto t) {
    using C = typename decltype(t)::type;
    const scale_result s = scale<C>(ctx.cfg.scale_pairs, ctx.cfg.scale_threads);
    record(ctx.run, "scale", C::key, "fds_per_socket", s.fds_per_socket, "fds");
    record(ctx.run, "scale", C::key, "rss_per_socket", s.bytes_per_socket, "bytes");
    record(ctx.run, "scale", C::key, "rate", s.round_trips_per_second, "round_trips_per_s");
  });
}

}  // namespace bench
