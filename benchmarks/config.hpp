// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// What one benchmark run measures and how much: the counts of every workload.
#ifndef SOCKMODE_BENCHMARKS_CONFIG_HPP
#define SOCKMODE_BENCHMARKS_CONFIG_HPP

#include "harness.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace bench {

struct config {
  int runs = 5;
  std::size_t recv_calls = 400'000;  // 1-byte recv calls per run on ready data
  std::size_t recv_fill = 16'384;    // bytes queued before each timed drain
  std::size_t pingpong = 30'000;     // timed round trips per run (after the warm-up)
  std::size_t pingpong_warmup = 1'000;
  std::size_t bulk_bytes = std::size_t{1} << 30;
  std::size_t tls_bulk_bytes = std::size_t{256} << 20;
  std::size_t connects = 1'000;
  std::size_t timeout_samples[3] = {100, 20, 2};  // per run, for 1 ms, 10 ms, 100 ms
  std::size_t threads64 = 64;
  double threads64_seconds = 0.5;
  std::size_t scale_pairs = 5'000;
  std::size_t scale_threads = 8;
  std::size_t selector_registered[2] = {1'000, 10'000};  // sockets in the set
  std::size_t selector_active = 100;                      // of which ready
  std::size_t selector_calls = 5'000;                     // timed calls per contender and run
  std::size_t http_get = 20'000;        // timed HTTP GET round trips per contender and run
  std::size_t http_get_warmup = 1'000;
  std::vector<std::size_t> idle_thread_counts = {0, 1'000, 10'000};  // close_threads
  bool smoke = false;
  std::string only;  // run just this workload (for diagnosis); empty: all
};

// --smoke: everything once with tiny counts (a few seconds).
inline config smoke_config() {
  config c;
  c.runs = 1;
  c.recv_calls = 4'096;
  c.recv_fill = 4'096;
  c.pingpong = 200;
  c.pingpong_warmup = 20;
  c.bulk_bytes = std::size_t{8} << 20;
  c.tls_bulk_bytes = std::size_t{4} << 20;
  c.connects = 50;
  c.timeout_samples[0] = 3;
  c.timeout_samples[1] = 2;
  c.timeout_samples[2] = 1;
  c.threads64_seconds = 0.02;
  c.scale_pairs = 200;
  c.selector_registered[0] = 100;
  c.selector_registered[1] = 200;
  c.selector_active = 10;
  c.selector_calls = 20;
  c.http_get = 100;
  c.http_get_warmup = 10;
  c.idle_thread_counts = {0, 100};
  c.smoke = true;
  return c;
}

// The timeout workloads: a silent peer and each of these timeouts.
inline const nanoseconds timeouts[3] = {std::chrono::milliseconds(1),
                                        std::chrono::milliseconds(10),
                                        std::chrono::milliseconds(100)};
inline const char* const timeout_workloads[3] = {"timeout_1ms", "timeout_10ms", "timeout_100ms"};

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_CONFIG_HPP
