// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_STRESS_STRESS_COMMON_HPP
#define SOCKMODE_TEST_STRESS_STRESS_COMMON_HPP

// What the stress run's threads share: options, counters, what each thread is doing (for the
// watchdog), random choices, and the data every byte is checked against. For stress.cpp alone.

#include <sockmode/sockmode.hpp>


#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace asio_error = boost::asio::error;
using rng = std::mt19937_64;
using wait_type = asio::socket_base::wait_type;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct options {
  double seconds = 5;
  int threads = 64;
  std::uint64_t seed = 0;
  std::int64_t overshoot_limit_ns = 5'000'000'000;  // past a call's deadline
  std::int64_t stall_limit_ns = 30'000'000'000;     // any one call, or the wind-down
};
options opt;

// The longest timeout another thread ever gives a socket it does not own (disruptors and the
// shared listeners): a call's deadline is at most this much after its start, whatever the
// owner set, unless the owner chose blocking mode.
constexpr std::int64_t foreign_timeout_max_ns = 50'000'000;

std::atomic<bool> stop{false};
std::mutex print_mutex;

struct counters {
  std::atomic<std::uint64_t> operations{0};
  std::atomic<std::uint64_t> bytes{0};          // stream bytes read and checked
  std::atomic<std::uint64_t> datagrams{0};      // datagrams received and checked
  std::atomic<std::uint64_t> datagram_bytes{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> would_blocks{0};
  std::atomic<std::uint64_t> cancels{0};        // cancel() calls made
  std::atomic<std::uint64_t> aborted{0};        // calls that ended with operation_aborted
  std::atomic<std::uint64_t> closes{0};         // close() from a thread not using the socket
  std::atomic<std::uint64_t> resets{0};         // SO_LINGER 0 closes
  std::atomic<std::uint64_t> half_closes{0};    // shutdown(send) from another thread
  std::atomic<std::uint64_t> mode_changes{0};   // from another thread, and setdefaulttimeout
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> streams_checked{0};   // reached end of stream, counts compared
  std::atomic<std::uint64_t> udp_lost{0};
  std::atomic<std::uint64_t> abandoned{0};
  std::atomic<std::uint64_t> violations{0};
};
counters g;

void violation(const std::string& what) {
  if (g.violations.fetch_add(1) < 25) {
    std::lock_guard<std::mutex> lock(print_mutex);
    std::fprintf(stderr, "stress: VIOLATION: %s\n", what.c_str());
  }
}

// ---------------------------------------------------------------------------------------------
// What each thread is doing, for the watchdog.

struct activity {
  std::string role;
  std::mutex m;
  const char* op = nullptr;    // null: between calls
  std::int64_t start_ns = 0;
  std::int64_t bound_ns = -1;  // when the call must have ended; -1: no bound (blocking)
  std::int64_t mode_ns = -1;
  std::uint32_t generation = 0;
  std::uint64_t calls = 0;
  // Overshoot past the timeout of calls that timed out, in ns: a reservoir sample.
  std::vector<std::int64_t> overshoot;
  std::uint64_t overshoot_seen = 0;
  rng sampler{1};

  void record_overshoot(std::int64_t ns) {
    constexpr std::size_t cap = 8192;
    ++overshoot_seen;
    if (overshoot.size() < cap) {
      overshoot.push_back(ns);
    } else if (const std::uint64_t j = sampler() % overshoot_seen; j < cap) {
      overshoot[j] = ns;
    }
  }
};

std::vector<std::unique_ptr<activity>> activities;

// Marks a call in progress for the watchdog.
class doing {
 public:
  doing(activity& a, const char* op, sockmode::timeout_type mode) : a_(a) {
    const std::int64_t start = now_ns();
    std::int64_t bound = -1;
    if (mode) bound = start + std::max<std::int64_t>(mode->count(), foreign_timeout_max_ns);
    std::lock_guard<std::mutex> lock(a.m);
    a.op = op;
    a.start_ns = start;
    a.bound_ns = bound;
    a.mode_ns = mode ? mode->count() : -1;
    ++a.calls;
  }
  doing(const doing&) = delete;
  doing& operator=(const doing&) = delete;
  ~doing() {
    std::lock_guard<std::mutex> lock(a_.m);
    a_.op = nullptr;
    g.operations.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  activity& a_;
};

// ---------------------------------------------------------------------------------------------
// Random choices.

std::chrono::nanoseconds random_timeout(rng& r, double low_ns = 20e3, double high_ns = 30e6) {
  std::uniform_real_distribution<double> d(std::log(low_ns), std::log(high_ns));
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::exp(d(r))));
}

// The owner's choice: a fifth blocking, a fifth non-blocking, the rest timeouts.
sockmode::timeout_type random_mode(rng& r) {
  const auto k = r() % 10;
  if (k < 2) return std::nullopt;
  if (k < 4) return std::chrono::nanoseconds(0);
  return random_timeout(r);
}

// What another thread sets: never blocking, never longer than foreign_timeout_max_ns.
sockmode::timeout_type foreign_mode(rng& r) {
  if (r() % 4 == 0) return std::chrono::nanoseconds(0);
  return random_timeout(r, 20e3, static_cast<double>(foreign_timeout_max_ns));
}

// Log-uniform in [1, max], sometimes 0.
std::size_t random_length(rng& r, std::size_t max) {
  if (r() % 40 == 0) return 0;
  std::uniform_real_distribution<double> d(0, std::log(static_cast<double>(max)));
  return std::min(max, static_cast<std::size_t>(std::exp(d(r))));
}

template <class Object>
bool set_mode(Object& s, sockmode::timeout_type t) {
  try {
    s.settimeout(t);
    return true;
  } catch (const sockmode::io_error&) {
    return false;  // closed by another thread
  }
}

// ---------------------------------------------------------------------------------------------
// The data: byte `pos` of stream `key` is a function of both, so a byte lost, duplicated or
// reordered shows as a mismatch at once.

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void fill(std::uint64_t key, std::uint64_t pos, unsigned char* out, std::size_t n) {
  std::uint64_t word = 0;
  std::uint64_t word_index = ~std::uint64_t{0};
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t p = pos + i;
    if ((p >> 3) != word_index) {
      word_index = p >> 3;
      word = mix(key ^ (word_index * 0x100000001b3ULL));
    }
    out[i] = static_cast<unsigned char>(word >> ((p & 7) * 8));
  }
}

constexpr std::uint64_t fnv_start = 0xcbf29ce484222325ULL;
std::uint64_t fnv(std::uint64_t h, const unsigned char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

std::uint64_t stream_key(int cell, std::uint32_t generation) {
  return mix((static_cast<std::uint64_t>(cell) << 32) | generation);
}

std::string describe(const error_code& ec) { return ec.message() + " [" + ec.to_string() + "]"; }

bool is_would_block(const error_code& ec) {
  return ec == asio_error::would_block || ec == asio_error::try_again;
}

// Counts the outcomes every call can have whatever its socket; false for anything else.
bool common_outcome(const error_code& ec) {
  if (ec == sockmode::error::timeout) {
    g.timeouts.fetch_add(1);
    return true;
  }
  if (is_would_block(ec)) {
    g.would_blocks.fetch_add(1);
    return true;
  }
  if (ec == asio_error::operation_aborted) {
    g.aborted.fetch_add(1);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

struct cell {
  virtual ~cell() = default;
  virtual void disrupt(rng& r) = 0;
  // Mode changes made by other threads: a call's overshoot is only measured against the
  // timeout its owner set when no other thread changed it meanwhile.
  std::atomic<std::uint32_t> foreign{0};
};

}  // namespace

#endif  // SOCKMODE_TEST_STRESS_STRESS_COMMON_HPP
