// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// What the workload families share: the list of contenders, the rotation that keeps any one of
// them from always running first, the watchdog around each measurement, and the families'
// entry points, which one_run() calls in turn.
#ifndef SOCKMODE_BENCHMARKS_WORKLOADS_HPP
#define SOCKMODE_BENCHMARKS_WORKLOADS_HPP

#include "config.hpp"
#include "contenders.hpp"
#include "harness.hpp"
#include "run.hpp"

#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace bench {

template <class... C>
struct type_list {};
template <class C>
struct tag {
  using type = C;
};

using all_contenders =
    type_list<raw_posix, posix_poll, asio_sync, asio_async_timeout, poco_socket,
              sockmode_socket<mode::blocking>, sockmode_socket<mode::timeout>,
              sockmode_socket<mode::non_blocking>>;
// For the workloads on what a connection costs: sockmode against the physical limit.
using raw_and_sockmode = type_list<raw_posix, sockmode_socket<mode::timeout>>;

// Calls f(tag<C>{}) for every contender, starting at a different one each run so that no
// contender always runs first (warm caches) or last.
template <class F, class... C>
void for_each_contender(type_list<C...>, std::size_t rotate, F f) {
  std::vector<std::function<void()>> calls{[&f] {
    if (contender_filter.empty() || contender_filter == C::key) f(tag<C>{});
  }...};
  for (std::size_t i = 0; i < calls.size(); ++i) calls[(i + rotate) % calls.size()]();
}

// The same for contenders known by their keys alone: calls f(key).
template <std::size_t N, class F>
void for_each_key(const char* const (&keys)[N], std::size_t rotate, F f) {
  for (std::size_t i = 0; i < N; ++i) {
    const char* key = keys[(i + rotate) % N];
    if (contender_filter.empty() || contender_filter == key) f(key);
  }
}

// Runs one measurement under the watchdog; a failure is reported and leaves the figure missing.
template <class F>
void guarded(const std::string& phase, double budget_seconds, F f) {
  watchdog::arm(phase.c_str(), budget_seconds);
  try {
    f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sockmode_bench: %s failed: %s\n", phase.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "sockmode_bench: %s failed\n", phase.c_str());
  }
  watchdog::disarm();
}

// One run of the workloads.
struct run_context {
  int run;  // 0-based
  std::size_t rotate;
  const config& cfg;
  loopback_listener& listener;
  std::string prefix;  // "run N: ", before each phase's name
};

// Every contender of `list` in turn, f(tag<C>{}) under the watchdog as phase "WHAT KEY".
template <class List, class F>
void measure_each(const run_context& ctx, List list, const std::string& what, double budget, F f) {
  for_each_contender(list, ctx.rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(ctx.prefix + what + " " + C::key, budget, [&] { f(t); });
  });
}

// latency_workloads.cpp: one-byte calls on one connection.
void run_recv_ready(const run_context& ctx);
void run_pingpong_threads(const run_context& ctx);
void run_pingpong_processes(const run_context& ctx);
void run_timeout(const run_context& ctx, int k);  // timeouts[k] on a silent peer

// throughput_workloads.cpp: bytes, connections and threads.
void run_bulk(const run_context& ctx);
void run_connect_accept(const run_context& ctx);
void run_threads64(const run_context& ctx);
void run_close_threads(const run_context& ctx);

// scale_workload.cpp: descriptors and memory per socket.
void run_scale(const run_context& ctx);

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_WORKLOADS_HPP
