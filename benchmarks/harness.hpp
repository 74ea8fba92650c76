// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Support for the benchmark: clocks, percentiles, loopback pairs, a watchdog, /proc readings.
// Benchmarks measure and never assert: a failure is reported and recorded as a missing figure.
#ifndef SOCKMODE_BENCHMARKS_HARNESS_HPP
#define SOCKMODE_BENCHMARKS_HARNESS_HPP

#include <netinet/in.h>
#include <sched.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

using clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<nanoseconds>(clock::now().time_since_epoch()).count();
}

inline double seconds_since(std::int64_t t0) noexcept {
  return static_cast<double>(now_ns() - t0) * 1e-9;
}

// Seconds for `count` calls of round().
template <class Round>
double timed_rounds(std::size_t count, Round round) {
  const std::int64_t t0 = now_ns();
  for (std::size_t i = 0; i < count; ++i) round();
  return seconds_since(t0);
}

[[noreturn]] void fail(const std::string& what);  // throws std::runtime_error with errno text

// Nearest-rank percentile (p in [0, 1]) of unsorted samples; NaN when there are none.
double percentile(std::vector<double> samples, double p);
double median(std::vector<double> samples);

// A listening loopback socket (127.0.0.1, port 0) that makes connected TCP pairs.
class loopback_listener {
 public:
  loopback_listener();
  ~loopback_listener();
  loopback_listener(const loopback_listener&) = delete;
  loopback_listener& operator=(const loopback_listener&) = delete;

  // {client, server}: connected, blocking, TCP_NODELAY, close-on-exec.
  std::pair<int, int> pair();
  // The same as connect() and accept4() leave them: without TCP_NODELAY.
  std::pair<int, int> connect_accept();
  const sockaddr_in& address() const noexcept { return address_; }
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  sockaddr_in address_{};
};

void set_nonblocking(int fd, bool on);
void set_nodelay(int fd);

// Ends the process with a message if one phase runs longer than its budget: every loop in the
// benchmark is bounded in count, and this bounds it in time as well, should a peer wedge.
class watchdog {
 public:
  static void start();
  static void arm(const char* phase, double seconds);
  static void disarm();
};

// Pins the calling thread to one CPU (modulo the CPUs there are); the returned mask restores it.
cpu_set_t pin_to_cpu(unsigned cpu);
void restore_affinity(const cpu_set_t& mask);

// Pins the calling thread to CPU 0 for the guard's lifetime, then restores its mask.
class pinned_to_cpu0 {
 public:
  pinned_to_cpu0() : mask_(pin_to_cpu(0)) {}
  ~pinned_to_cpu0() { restore_affinity(mask_); }
  pinned_to_cpu0(const pinned_to_cpu0&) = delete;
  pinned_to_cpu0& operator=(const pinned_to_cpu0&) = delete;

 private:
  cpu_set_t mask_;
};

std::size_t open_descriptors();  // entries in /proc/self/fd
std::size_t resident_bytes();    // /proc/self/statm, resident pages
void raise_descriptor_limit();   // RLIMIT_NOFILE soft limit to the hard limit

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_HARNESS_HPP
