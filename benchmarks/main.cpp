// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// sockmode_bench: every contender on every workload, interleaved, on loopback TCP.
//
//   sockmode_bench [--runs N] [--out DIR] [--smoke] [--only WORKLOAD] [--contender KEY]
//                  [--probe KEY ROUND_TRIPS] [--recv-probe KEY CALLS]
//
// Writes DIR/results.csv (one row per run and figure), DIR/summary.md (the tables) and
// DIR/chart.dat (for gnuplot), and prints the summary. --smoke runs everything once with tiny
// counts (a few seconds), for `make test`. --only and --contender narrow a run down, for
// diagnosis (workload and contender keys as in results.csv). --probe runs only a thread ping-pong of one contender,
// for counting its syscalls under strace; --recv-probe only ready-data recv calls, for callgrind.
#include "contenders.hpp"
#include "harness.hpp"
#include "idle_threads.hpp"
#ifdef SOCKMODE_BENCH_TLS
#include "tls.hpp"

#include <openssl/opensslv.h>
#endif
#include "http_workload.hpp"
#include "selector_workload.hpp"

#include <boost/version.hpp>
#include <Poco/Version.h>

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <deque>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#ifndef SOCKMODE_BENCH_FLAGS
#define SOCKMODE_BENCH_FLAGS "unknown"
#endif
#ifndef SOCKMODE_BENCH_BUILD_TYPE
#define SOCKMODE_BENCH_BUILD_TYPE "unknown"
#endif

namespace bench {
namespace {

using ms = std::chrono::milliseconds;

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

config smoke_config() {
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

const nanoseconds timeouts[3] = {ms(1), ms(10), ms(100)};
const char* const timeout_workloads[3] = {"timeout_1ms", "timeout_10ms", "timeout_100ms"};

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

struct contender_info {
  std::string key;
  std::string label;
  bool has_timeout;
};

template <class... C>
std::vector<contender_info> infos(type_list<C...>) {
  return {contender_info{C::key, C::label, C::has_timeout}...};
}

std::string contender_filter;  // --contender KEY: only that one (for diagnosis)

// Calls f(tag<C>{}) for every contender, starting at a different one each run so that no
// contender always runs first (warm caches) or last.
template <class F, class... C>
void for_each_contender(type_list<C...>, std::size_t rotate, F f) {
  std::vector<std::function<void()>> calls{[&f] {
    if (contender_filter.empty() || contender_filter == C::key) f(tag<C>{});
  }...};
  for (std::size_t i = 0; i < calls.size(); ++i) calls[(i + rotate) % calls.size()]();
}

// ----------------------------------------------------------------------------- the results
struct row {
  int run;
  std::string workload, contender, metric, unit;
  double value;
};

std::vector<row> rows;
std::map<std::pair<std::string, std::string>, std::vector<double>> pooled;  // timeout samples

void record(int run, const std::string& workload, const std::string& contender,
            const std::string& metric, double value, const std::string& unit) {
  rows.push_back({run, workload, contender, metric, unit, value});
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

// ----------------------------------------------------------------------------- the workloads

// Ready data: queue `fill` bytes, wait until all of them are in the receive queue, then time
// `fill` one-byte recv calls. The cost of the mode machinery alone: no call ever waits.
template <class C>
double ready_recv(loopback_listener& listener, const config& cfg) {
  const auto [a, b] = listener.pair();
  raw_posix tx(a);
  C rx(b);
  const std::vector<char> fill(cfg.recv_fill, 'r');
  const std::size_t cycles = std::max<std::size_t>(1, cfg.recv_calls / cfg.recv_fill);
  std::int64_t spent = 0;
  std::size_t calls = 0;
  for (std::size_t cycle = 0; cycle < cycles; ++cycle) {
    tx.sendall(fill.data(), fill.size());
    int queued = 0;
    for (int spin = 0; spin < 100'000; ++spin) {
      if (::ioctl(b, FIONREAD, &queued) < 0) fail("ioctl");
      if (static_cast<std::size_t>(queued) >= fill.size()) break;
      std::this_thread::yield();
    }
    char c = 0;
    const std::int64_t t0 = now_ns();
    for (std::size_t i = 0; i < fill.size(); ++i) {
      if (rx.recv(&c, 1) != 1) throw std::runtime_error("short recv");
    }
    spent += now_ns() - t0;
    calls += fill.size();
  }
  return static_cast<double>(spent) / static_cast<double>(calls);
}

template <class C>
void echo(C& end, std::size_t count) {
  char c = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (end.recv(&c, 1) == 0) return;
    end.sendall(&c, 1);
  }
}

// Times `n` one-byte round trips after a warm-up; microseconds per round trip.
template <class C>
std::vector<double> ping(C& end, std::size_t warmup, std::size_t n) {
  std::vector<double> latencies(n);
  char c = 'p';
  for (std::size_t i = 0; i < warmup + n; ++i) {
    const std::int64_t t0 = now_ns();
    end.sendall(&c, 1);
    if (end.recv(&c, 1) != 1) throw std::runtime_error("peer closed");
    const std::int64_t t1 = now_ns();
    if (i >= warmup) latencies[i - warmup] = static_cast<double>(t1 - t0) * 1e-3;
  }
  return latencies;
}

// Both ends of a ping-pong run on one CPU, as the bulk transfer does: across CPUs a round trip
// here is dominated by the virtual machine's cross-CPU wake-up (from 4 us to 70 us depending on
// the host's state, seen from one session to the next), which hides each contender's own cost.
template <class C>
std::vector<double> pingpong_threads(loopback_listener& listener, std::size_t warmup,
                                     std::size_t n) {
  const auto [a, b] = listener.pair();
  auto server = std::make_unique<C>(b);
  auto client = std::make_unique<C>(a);
  const pinned_to_cpu0 pin;
  std::thread peer([&] {
    pin_to_cpu(0);
    try {
      echo(*server, warmup + n);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sockmode_bench: echo: %s\n", e.what());
    }
  });
  std::vector<double> latencies;
  try {
    latencies = ping(*client, warmup, n);
  } catch (...) {
    client->close();  // the peer sees end of stream and stops
    peer.join();
    throw;
  }
  peer.join();
  server.reset();  // the server closes first: TIME_WAIT stays on its side
  return latencies;
}

// The connection is made before fork(); the child wraps its end in the same contender.
template <class C>
std::vector<double> pingpong_processes(loopback_listener& listener, std::size_t warmup,
                                       std::size_t n) {
  const auto [a, b] = listener.pair();
  const pinned_to_cpu0 pin;  // one CPU, as pingpong_threads
  const pid_t pid = ::fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    ::alarm(120);  // bounded even if the parent disappears
    ::close(a);
    int status = 0;
    try {
      C server(b);
      echo(server, warmup + n);
    } catch (...) {
      status = 1;
    }
    ::_exit(status);
  }
  ::close(b);
  std::vector<double> latencies;
  {
    C client(a);
    try {
      latencies = ping(client, warmup, n);
    } catch (...) {
      client.close();
      ::waitpid(pid, nullptr, 0);
      throw;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return latencies;
}

// sendall of 64 KiB chunks from this thread, recv into 64 KiB from another; MiB/s.
template <class C>
double bulk(loopback_listener& listener, std::size_t bytes) {
  constexpr std::size_t chunk = 64 * 1024;
  const auto [a, b] = listener.pair();
  auto receiver = std::make_unique<C>(b);
  auto sender = std::make_unique<C>(a);
  std::size_t received = 0;
  // Sender and receiver on one CPU. Left to the scheduler, the two threads sometimes share a CPU
  // and sometimes not, and the figure swings by half from one run to the next (on two CPUs it is
  // noisier still, on this kind of virtual machine); on one CPU it is steady and it charges each
  // contender for its own per-call and per-wait cost.
  const pinned_to_cpu0 pin;
  const std::int64_t t0 = now_ns();
  std::thread peer([&] {
    pin_to_cpu(0);
    std::vector<char> buffer(chunk);
    try {
      while (received < bytes) {
        const std::size_t got = receiver->recv(buffer.data(), buffer.size());
        if (got == 0) break;
        received += got;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sockmode_bench: bulk receiver: %s\n", e.what());
    }
  });
  const std::vector<char> data(chunk, 'b');
  try {
    for (std::size_t sent = 0; sent < bytes; sent += chunk)
      sender->sendall(data.data(), std::min(chunk, bytes - sent));
  } catch (...) {
    sender->close();
    peer.join();
    throw;
  }
  peer.join();
  const double seconds = seconds_since(t0);
  if (received != bytes) throw std::runtime_error("bulk: short transfer");
  receiver.reset();
  return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

// A silent peer: how far past the timeout does the call return? Microseconds.
template <class C>
std::vector<double> overshoot(loopback_listener& listener, nanoseconds timeout,
                              std::size_t samples) {
  const auto [a, b] = listener.pair();
  C rx(b);
  raw_posix silent(a);
  std::vector<double> late;
  char c = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    const std::int64_t t0 = now_ns();
    const bool got = rx.recv_within(&c, 1, timeout);
    const std::int64_t t1 = now_ns();
    if (got) throw std::runtime_error("data from a silent peer");
    late.push_back(static_cast<double>(t1 - t0 - timeout.count()) * 1e-3);
  }
  return late;
}

// `n` connections, each with a pinging thread and an echoing thread; round trips per second.
template <class C>
double many_threads(loopback_listener& listener, std::size_t n, double seconds) {
  struct alignas(64) counter {
    std::atomic<std::uint64_t> value{0};
  };
  std::vector<std::unique_ptr<C>> clients, servers;
  for (std::size_t i = 0; i < n; ++i) {
    const auto [a, b] = listener.pair();
    servers.push_back(std::make_unique<C>(b));
    clients.push_back(std::make_unique<C>(a));
  }
  std::vector<counter> counts(n);
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        char c = 0;
        while (servers[i]->recv(&c, 1) == 1) servers[i]->sendall(&c, 1);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "sockmode_bench: echo: %s\n", e.what());
      }
    });
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::sleep_for(ms(1));
      try {
        char c = 'p';
        while (!stop.load(std::memory_order_relaxed)) {
          clients[i]->sendall(&c, 1);
          if (clients[i]->recv(&c, 1) != 1) break;
          counts[i].value.fetch_add(1, std::memory_order_relaxed);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "sockmode_bench: ping: %s\n", e.what());
      }
      clients[i]->close();  // the echoing thread sees end of stream
    });
  }
  auto total = [&] {
    std::uint64_t sum = 0;
    for (auto& c : counts) sum += c.value.load(std::memory_order_relaxed);
    return sum;
  };
  go.store(true);
  std::this_thread::sleep_for(ms(50));  // every thread is in its loop
  const std::uint64_t c0 = total();
  const std::int64_t t0 = now_ns();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const std::uint64_t c1 = total();
  const double elapsed = seconds_since(t0);
  stop.store(true);
  for (auto& t : threads) t.join();
  servers.clear();
  return static_cast<double>(c1 - c0) / elapsed;
}

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

// ----------------------------------------------------------------------------- one run

void record_latencies(int run, const char* workload, const char* key, std::vector<double> l) {
  record(run, workload, key, "p50", percentile(l, 0.50), "us");
  record(run, workload, key, "p99", percentile(l, 0.99), "us");
  record(run, workload, key, "p99.9", percentile(l, 0.999), "us");
}

void one_run(int run, const config& cfg) {
  const auto rotate = static_cast<std::size_t>(run);
  auto wanted = [&](const char* workload) { return cfg.only.empty() || cfg.only == workload; };
  loopback_listener listener;
  const all_contenders contenders;
  const std::string r = "run " + std::to_string(run + 1) + ": ";
  if (!cfg.smoke) std::fprintf(stderr, "sockmode_bench: run %d/%d\n", run + 1, cfg.runs);

  if (wanted("recv_ready")) for_each_contender(contenders, rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(r + "ready recv " + C::key, 60, [&] {
      record(run, "recv_ready", C::key, "ns_per_call", ready_recv<C>(listener, cfg), "ns");
    });
  });
  if (wanted("pingpong_threads")) for_each_contender(contenders, rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(r + "ping-pong threads " + C::key, 60, [&] {
      record_latencies(run, "pingpong_threads", C::key,
                       pingpong_threads<C>(listener, cfg.pingpong_warmup, cfg.pingpong));
    });
  });
  if (wanted("pingpong_processes")) for_each_contender(contenders, rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(r + "ping-pong processes " + C::key, 60, [&] {
      record_latencies(run, "pingpong_processes", C::key,
                       pingpong_processes<C>(listener, cfg.pingpong_warmup, cfg.pingpong));
    });
  });
  if (wanted("bulk")) for_each_contender(contenders, rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(r + "bulk " + C::key, 60, [&] {
      record(run, "bulk", C::key, "throughput", bulk<C>(listener, cfg.bulk_bytes), "MiB/s");
    });
  });
  if (wanted("connect_accept")) for_each_contender(contenders, rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(r + "connect+accept " + C::key, 60, [&] {
      record(run, "connect_accept", C::key, "rate",
             static_cast<double>(cfg.connects) / C::connect_accept(cfg.connects), "per_s");
    });
  });
  for (int k = 0; k < 3; ++k) {
    if (wanted(timeout_workloads[k])) for_each_contender(contenders, rotate, [&](auto t) {
      using C = typename decltype(t)::type;
      if constexpr (C::has_timeout) {
        guarded(r + timeout_workloads[k] + " " + C::key, 60, [&] {
          const std::vector<double> late =
              overshoot<C>(listener, timeouts[k], cfg.timeout_samples[k]);
          record(run, timeout_workloads[k], C::key, "overshoot_p50", percentile(late, 0.5), "us");
          record(run, timeout_workloads[k], C::key, "overshoot_p99", percentile(late, 0.99), "us");
          auto& all = pooled[{timeout_workloads[k], C::key}];
          all.insert(all.end(), late.begin(), late.end());
        });
      }
    });
  }
  if (wanted("threads64")) for_each_contender(contenders, rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(r + "64 threads " + C::key, 60, [&] {
      record(run, "threads64", C::key, "rate",
             many_threads<C>(listener, cfg.threads64, cfg.threads64_seconds), "round_trips_per_s");
    });
  });
#ifdef SOCKMODE_BENCH_TLS
  // Two contenders, same rotation rule: sockmode::ssl::stream against asio::ssl::stream.
  const char* const tls_keys[] = {tls::asio_key, tls::sockmode_key};
  auto for_each_tls = [&](auto f) {
    for (std::size_t i = 0; i < 2; ++i) {
      const char* key = tls_keys[(i + rotate) % 2];
      if (contender_filter.empty() || contender_filter == key) f(key);
    }
  };
  if (wanted("tls_bulk")) for_each_tls([&](const char* key) {
    guarded(r + "tls bulk " + key, 60, [&] {
      record(run, "tls_bulk", key, "throughput", tls::bulk(key, listener, cfg.tls_bulk_bytes),
             "MiB/s");
    });
  });
  if (wanted("tls_pingpong")) for_each_tls([&](const char* key) {
    guarded(r + "tls ping-pong " + key, 60, [&] {
      record_latencies(run, "tls_pingpong", key,
                       tls::pingpong(key, listener, cfg.pingpong_warmup, cfg.pingpong));
    });
  });
#endif
  if (wanted("selector")) {
    for (const std::size_t n : cfg.selector_registered) {
      guarded(r + "selector " + std::to_string(n), 120, [&] {
        const selector_figures f = selector_cost(n, cfg.selector_active, cfg.selector_calls, rotate);
        const std::string metric = "ns_per_select_" + std::to_string(n);
        record(run, "selector", "sm_selector", metric, f.sockmode_select, "ns");
        record(run, "selector", "raw_epoll", metric, f.raw_epoll, "ns");
        record(run, "selector", "poll", metric, f.raw_poll, "ns");
      });
    }
  }
  if (wanted("http_get")) {  // three contenders, rotated like the others
    for (std::size_t i = 0; i < std::size(http_get::keys); ++i) {
      const char* key = http_get::keys[(i + rotate) % std::size(http_get::keys)];
      if (!contender_filter.empty() && contender_filter != key) continue;
      guarded(r + "http_get " + key, 60, [&] {
        record_latencies(run, "http_get", key,
                         http_get::round_trips(key, cfg.http_get_warmup, cfg.http_get));
      });
    }
  }
  if (wanted("close_threads")) {
    // connect + accept + close with 0, 1,000 and 10,000 idle threads alive that have each
    // made a sockmode call: close() must not scan them all.
    for (const std::size_t alive : cfg.idle_thread_counts) {
      const bench::idle_threads idle(alive);
      for_each_contender(type_list<raw_posix, sockmode_socket<mode::timeout>>{}, rotate,
                         [&](auto t) {
        using C = typename decltype(t)::type;
        guarded(r + "close_threads " + std::to_string(alive) + " " + C::key, 60, [&] {
          record(run, "close_threads", C::key, "rate_" + std::to_string(alive),
                 static_cast<double>(cfg.connects) / C::connect_accept(cfg.connects), "per_s");
        });
      });
    }
  }
  if (wanted("scale")) for_each_contender(type_list<raw_posix, sockmode_socket<mode::timeout>>{}, rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    guarded(r + "scale " + C::key, 150, [&] {
      const scale_result s = scale<C>(cfg.scale_pairs, cfg.scale_threads);
      record(run, "scale", C::key, "fds_per_socket", s.fds_per_socket, "fds");
      record(run, "scale", C::key, "rss_per_socket", s.bytes_per_socket, "bytes");
      record(run, "scale", C::key, "rate", s.round_trips_per_second, "round_trips_per_s");
    });
  });
}

// ----------------------------------------------------------------------------- the report

const double nan = std::numeric_limits<double>::quiet_NaN();

double median_of(const std::string& workload, const std::string& contender,
                 const std::string& metric) {
  std::vector<double> v;
  for (const row& x : rows)
    if (x.workload == workload && x.contender == contender && x.metric == metric)
      v.push_back(x.value);
  return median(v);
}

// The per-run ratios contender / reference (both from the same run).
std::vector<double> ratios(const std::string& workload, const std::string& metric,
                           const std::string& contender, const std::string& reference) {
  std::map<int, double> mine, theirs;
  for (const row& x : rows) {
    if (x.workload != workload || x.metric != metric) continue;
    if (x.contender == contender) mine[x.run] = x.value;
    if (x.contender == reference) theirs[x.run] = x.value;
  }
  std::vector<double> v;
  for (const auto& [run, value] : mine) {
    const auto it = theirs.find(run);
    if (it != theirs.end() && it->second > 0) v.push_back(value / it->second);
  }
  return v;
}

double ratio_of(const std::string& workload, const std::string& metric,
                const std::string& contender, const std::string& reference) {
  return median(ratios(workload, metric, contender, reference));
}

std::string fmt(double v, int decimals = 0) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  if (decimals == 0 && std::fabs(v) >= 10'000) {
    // thousands separators for big counts
    std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
    std::string out;
    const std::size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
    out = digits.substr(0, first);
    for (std::size_t i = first; i < digits.size(); i += 3) out += "," + digits.substr(i, 3);
    return out;
  }
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string read_first_line(const char* path, const char* prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

struct workload_column {
  const char* workload;
  const char* metric;
  const char* title;
  bool lower_is_better;
};

const workload_column headline[] = {
    {"recv_ready", "ns_per_call", "ready-data recv (1 B)", true},
    {"pingpong_threads", "p50", "ping-pong p50, threads", true},
    {"pingpong_processes", "p50", "ping-pong p50, processes", true},
    {"bulk", "throughput", "bulk 1 GiB", false},
    {"connect_accept", "rate", "connect+accept", false},
    {"threads64", "rate", "64 connections x 2 threads", false},
};

std::string report(const config& cfg, const std::vector<contender_info>& cs) {
  std::ostringstream o;
  const std::string sm = "sm_timeout";
  const std::string runs = std::to_string(cfg.runs);

  o << "# sockmode benchmarks\n\n"
    << "Loopback TCP (127.0.0.1, TCP_NODELAY), all contenders in the same process and the same run, "
    << "interleaved: " << runs << (cfg.runs == 1 ? " run" : " runs")
    << ", the contender order rotated each run; figures are medians over runs, ratios are medians of "
    << "the per-run ratios. sockmode targets use **timeout mode** (5 s, never reached)."
    << (cfg.smoke ? "\n\n**Smoke run: tiny counts, figures are not meaningful.**" : "") << "\n\n";

  // Targets.
  struct target {
    std::string what, goal;
    double measured;
    bool higher_is_ok;
    double bound;
    std::string unit;
    std::vector<double> per_run = {};
  };
  const double fds_extra = median_of("scale", sm, "fds_per_socket") - median_of("scale", "raw", "fds_per_socket");
  std::vector<double> p99_10ms = pooled[{"timeout_10ms", sm}];
  const std::string selector_metric = "ns_per_select_" + std::to_string(cfg.selector_registered[1]);
  const std::vector<target> targets = {
      {"ready-data recv, sockmode timeout / raw", "<= 1.05x", ratio_of("recv_ready", "ns_per_call", sm, "raw"), false, 1.05, "x", ratios("recv_ready", "ns_per_call", sm, "raw")},
      {"ping-pong p50 (threads), sockmode timeout / raw", "<= 1.10x", ratio_of("pingpong_threads", "p50", sm, "raw"), false, 1.10, "x", ratios("pingpong_threads", "p50", sm, "raw")},
      {"ping-pong p50 (processes), sockmode timeout / raw", "<= 1.10x", ratio_of("pingpong_processes", "p50", sm, "raw"), false, 1.10, "x", ratios("pingpong_processes", "p50", sm, "raw")},
      {"bulk throughput, sockmode timeout / raw", ">= 0.95x", ratio_of("bulk", "throughput", sm, "raw"), true, 0.95, "x", ratios("bulk", "throughput", sm, "raw")},
      {"connect+accept rate, sockmode timeout / raw", ">= 0.85x", ratio_of("connect_accept", "rate", sm, "raw"), true, 0.85, "x", ratios("connect_accept", "rate", sm, "raw")},
      {"extra fds per socket, sockmode - raw (" + fmt(static_cast<double>(2 * cfg.scale_pairs), 0) + " sockets)", "~ 0 (< 0.01)", fds_extra, false, 0.01, ""},
      {"timeout overshoot p99 at 10 ms, sockmode timeout", "<= 2 ms", percentile(p99_10ms, 0.99) / 1000.0, false, 2.0, " ms"},
      {"selector select(), sockmode / raw epoll_wait (" + fmt(static_cast<double>(cfg.selector_registered[1]), 0) + " registered, " + std::to_string(cfg.selector_active) + " ready)", "<= 1.2x", ratio_of("selector", selector_metric, "sm_selector", "raw_epoll"), false, 1.2, "x", ratios("selector", selector_metric, "sm_selector", "raw_epoll")},
      {"connect+accept+close with " + std::to_string(cfg.idle_thread_counts.back()) + " idle threads alive / with none, sockmode timeout (raw: " + fmt(median_of("close_threads", "raw", "rate_" + std::to_string(cfg.idle_thread_counts.back())) / median_of("close_threads", "raw", "rate_0"), 2) + ")", ">= 0.9x", median_of("close_threads", sm, "rate_" + std::to_string(cfg.idle_thread_counts.back())) / median_of("close_threads", sm, "rate_0"), true, 0.9, "x"},
      {"ready-data recv, Asio async+run_for / sockmode timeout", ">= 1.5x", ratio_of("recv_ready", "ns_per_call", "asio_timeout", sm), true, 1.5, "x", ratios("recv_ready", "ns_per_call", "asio_timeout", sm)},
  };
  o << "## Targets\n\n| target | goal | measured (median) | per-run range | result |\n"
    << "|---|---|---:|---:|---|\n";
  for (const target& t : targets) {
    const bool pass = !std::isnan(t.measured) && (t.higher_is_ok ? t.measured >= t.bound : t.measured <= t.bound);
    std::string range = "-";
    if (t.per_run.size() > 1) {
      const auto [lo, hi] = std::minmax_element(t.per_run.begin(), t.per_run.end());
      range = fmt(*lo, 3) + " - " + fmt(*hi, 3);
    }
    o << "| " << t.what << " | " << t.goal << " | " << fmt(t.measured, 3) << t.unit << " | " << range
      << " | " << (std::isnan(t.measured) ? "n/a" : pass ? "pass" : "**MISS**") << " |\n";
  }

  // Headline figures.
  o << "\n## Results (medians of " << runs << ")\n\n"
    << "| contender | ready recv ns/call | ping-pong threads p50 / p99 / p99.9 µs "
    << "| ping-pong processes p50 / p99 / p99.9 µs | bulk MiB/s | connect+accept /s "
    << "| 64 conns round trips/s |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const contender_info& c : cs) {
    auto lat = [&](const char* w) {
      return fmt(median_of(w, c.key, "p50"), 1) + " / " + fmt(median_of(w, c.key, "p99"), 1) + " / " +
             fmt(median_of(w, c.key, "p99.9"), 1);
    };
    o << "| " << c.label << " | " << fmt(median_of("recv_ready", c.key, "ns_per_call"), 1) << " | "
      << lat("pingpong_threads") << " | " << lat("pingpong_processes") << " | "
      << fmt(median_of("bulk", c.key, "throughput"), 0) << " | "
      << fmt(median_of("connect_accept", c.key, "rate"), 0) << " | "
      << fmt(median_of("threads64", c.key, "rate"), 0) << " |\n";
  }

  // Relative speed.
  o << "\n## Speed relative to raw POSIX blocking (1.00 = raw; higher is faster)\n\n| contender |";
  for (const auto& h : headline) o << " " << h.title << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < std::size(headline); ++i) o << "---:|";
  o << "\n";
  for (const contender_info& c : cs) {
    o << "| " << c.label << " |";
    for (const auto& h : headline) {
      const double r = ratio_of(h.workload, h.metric, c.key, "raw");
      o << " " << fmt(h.lower_is_better ? 1.0 / r : r, 2) << " |";
    }
    o << "\n";
  }

#ifdef SOCKMODE_BENCH_TLS
  // TLS: sockmode's stream against Asio's, each over its own socket, in the same runs.
  {
    const std::string sm_tls = tls::sockmode_key, asio_tls = tls::asio_key;
    o << "\n## TLS: sockmode::ssl::stream (timeout mode) / asio::ssl::stream (blocking socket)\n\n"
      << "| workload | goal | ratio (median) | per-run range | result |\n|---|---|---:|---:|---|\n";
    struct tls_target {
      const char* what;
      const char* workload;
      const char* metric;
      bool higher_is_ok;
      double bound;
    };
    for (const tls_target& t :
         {tls_target{"bulk throughput, 64 KiB writes", "tls_bulk", "throughput", true, 0.95},
          tls_target{"1-byte round trip p50", "tls_pingpong", "p50", false, 1.10}}) {
      const std::vector<double> per_run = ratios(t.workload, t.metric, sm_tls, asio_tls);
      const double m = median(per_run);
      std::string range = "-";
      if (per_run.size() > 1) {
        const auto [lo, hi] = std::minmax_element(per_run.begin(), per_run.end());
        range = fmt(*lo, 3) + " - " + fmt(*hi, 3);
      }
      const bool pass = t.higher_is_ok ? m >= t.bound : m <= t.bound;
      o << "| " << t.what << " | " << (t.higher_is_ok ? ">= " : "<= ") << fmt(t.bound, 2)
        << "x | " << fmt(m, 3) << (std::isnan(m) ? "" : "x") << " | " << range << " | "
        << (std::isnan(m) ? "n/a" : pass ? "pass" : "**MISS**") << " |\n";
    }
    o << "\n| contender | bulk MiB/s | round trip p50 / p99 / p99.9 µs |\n|---|---:|---:|\n";
    for (const auto& [key, label] : {std::pair{asio_tls, std::string(tls::asio_label)},
                                     std::pair{sm_tls, std::string(tls::sockmode_label)}}) {
      o << "| " << label << " | " << fmt(median_of("tls_bulk", key, "throughput"), 0) << " | "
        << fmt(median_of("tls_pingpong", key, "p50"), 1) << " / "
        << fmt(median_of("tls_pingpong", key, "p99"), 1) << " / "
        << fmt(median_of("tls_pingpong", key, "p99.9"), 1) << " |\n";
    }
  }
#endif

  // HTTP GET over Beast: sockmode::tcp_stream against beast::tcp_stream, same server, same runs.
  {
    o << "\n## HTTP GET round trip, keep-alive, 16-byte body: sockmode::tcp_stream / "
      << "beast::tcp_stream\n\n| client stream | p50 µs | p99 µs | p50 / beast (median; per-run "
      << "range) | goal | result |\n|---|---:|---:|---:|---|---|\n";
    for (const auto& [key, label] :
         {std::pair{http_get::beast_key, http_get::beast_label},
          std::pair{http_get::sockmode_key, http_get::sockmode_label},
          std::pair{http_get::sockmode_expiry_key, http_get::sockmode_expiry_label}}) {
      const std::vector<double> per_run = ratios("http_get", "p50", key, http_get::beast_key);
      const double m = median(per_run);
      std::string range = "-";
      if (per_run.size() > 1) {
        const auto [lo, hi] = std::minmax_element(per_run.begin(), per_run.end());
        range = fmt(*lo, 3) + " - " + fmt(*hi, 3);
      }
      const bool reference = std::string(key) == http_get::beast_key;
      o << "| " << label << " | " << fmt(median_of("http_get", key, "p50"), 1) << " | "
        << fmt(median_of("http_get", key, "p99"), 1) << " | "
        << (reference ? "1" : fmt(m, 3) + "x; " + range) << " | " << (reference ? "" : "<= 1.05x")
        << " | " << (reference ? "" : std::isnan(m) ? "n/a" : m <= 1.05 ? "pass" : "**MISS**")
        << " |\n";
    }
  }

  // Timeouts.
  o << "\n## Timeout overshoot on a silent peer (µs past the timeout, p50 / p99, pooled over runs)\n\n"
    << "| contender | 1 ms (" << cfg.runs * static_cast<int>(cfg.timeout_samples[0]) << " samples) | 10 ms ("
    << cfg.runs * static_cast<int>(cfg.timeout_samples[1]) << ") | 100 ms ("
    << cfg.runs * static_cast<int>(cfg.timeout_samples[2]) << ") |\n|---|---:|---:|---:|\n";
  for (const contender_info& c : cs) {
    if (!c.has_timeout) continue;
    o << "| " << c.label << " |";
    for (const char* w : timeout_workloads) {
      const std::vector<double>& v = pooled[{w, c.key}];
      o << " " << fmt(percentile(v, 0.5), 0) << " / " << fmt(percentile(v, 0.99), 0) << " |";
    }
    o << "\n";
  }

  // Scale.
  o << "\n## Scale: " << fmt(static_cast<double>(2 * cfg.scale_pairs), 0) << " sockets ("
    << cfg.scale_pairs << " connected pairs) used from " << cfg.scale_threads << " threads\n\n"
    << "| contender | fds per socket | resident bytes per socket | round trips/s |\n|---|---:|---:|---:|\n";
  for (const contender_info& c : cs) {
    if (c.key != "raw" && c.key != sm) continue;
    o << "| " << c.label << " | " << fmt(median_of("scale", c.key, "fds_per_socket"), 4) << " | "
      << fmt(median_of("scale", c.key, "rss_per_socket"), 0) << " | "
      << fmt(median_of("scale", c.key, "rate"), 0) << " |\n";
  }

  // Selector.
  o << "\n## selector: one select() with " << cfg.selector_active
    << " of N registered UDP sockets ready (ns per call, medians of " << runs << ")\n\n"
    << "| registered | sockmode `selector::select(1s)` | raw `epoll_wait(0)` | `poll(0)` | sockmode / epoll | poll / epoll |\n"
    << "|---:|---:|---:|---:|---:|---:|\n";
  for (const std::size_t n : cfg.selector_registered) {
    const std::string m = "ns_per_select_" + std::to_string(n);
    o << "| " << fmt(static_cast<double>(n), 0) << " | " << fmt(median_of("selector", "sm_selector", m), 0)
      << " | " << fmt(median_of("selector", "raw_epoll", m), 0) << " | "
      << fmt(median_of("selector", "poll", m), 0) << " | "
      << fmt(ratio_of("selector", m, "sm_selector", "raw_epoll"), 3) << "x | "
      << fmt(ratio_of("selector", m, "poll", "raw_epoll"), 1) << "x |\n";
  }

  // Method.
  utsname u{};
  ::uname(&u);
  o << "\n## Method\n\n"
    << "- machine: " << read_first_line("/proc/cpuinfo", "model name") << ", "
    << std::thread::hardware_concurrency() << " CPUs, Linux " << u.release << "\n"
    << "- compiler: g++ " << __VERSION__ << "; build type " << SOCKMODE_BENCH_BUILD_TYPE << ", flags `"
    << SOCKMODE_BENCH_FLAGS << "`\n"
    << "- Boost " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "."
    << BOOST_VERSION % 100 << ", Poco " << (POCO_VERSION >> 24) << "." << ((POCO_VERSION >> 16) & 0xff)
    << "." << ((POCO_VERSION >> 8) & 0xff) << "\n"
    << "- runs: " << cfg.runs << ", interleaved (every workload runs every contender, then the next workload)\n"
    << "- ready-data recv: " << cfg.recv_calls << " one-byte recv calls per run, " << cfg.recv_fill
    << " bytes queued before each timed drain\n"
    << "- ping-pong: " << cfg.pingpong << " one-byte round trips per run after " << cfg.pingpong_warmup
    << " warm-up; processes: the connection is made before fork()\n"
    << "- bulk: " << cfg.bulk_bytes / (1024 * 1024) << " MiB per run, sendall of 64 KiB chunks, recv into 64 KiB; "
    << "sender and receiver threads pinned to the same CPU (steady figures; unpinned they swing by half)\n"
    << "- connect+accept: " << cfg.connects << " rounds per run in one thread (connect, accept, "
    << "server closes, client closes), each library's own listener and calls\n"
    << "- HTTP GET: " << cfg.http_get << " round trips per run after " << cfg.http_get_warmup
    << " warm-up on one kept-alive connection, Beast's http::write and http::read on each side, "
    << "the server a thread over a blocking Asio socket; both threads on one CPU\n"
    << "- timeouts: 1 ms / 10 ms / 100 ms, " << cfg.timeout_samples[0] << " / " << cfg.timeout_samples[1]
    << " / " << cfg.timeout_samples[2] << " samples per run\n"
#ifdef SOCKMODE_BENCH_TLS
    << "- TLS: OpenSSL " << OPENSSL_VERSION_STR << ", TLS 1.3, both ends of a connection in the same "
    << "contender, both threads on one CPU; bulk " << cfg.tls_bulk_bytes / (1024 * 1024)
    << " MiB per run in 64 KiB writes (asio::write), read_some into 64 KiB; round trips: "
    << cfg.pingpong << " one-byte write and read each way after " << cfg.pingpong_warmup
    << " warm-up; the handshake is not timed\n"
#endif
    << "- 64 connections: " << cfg.threads64 << " pinging threads and " << cfg.threads64
    << " echoing threads for " << cfg.threads64_seconds << " s per run\n"
    << "- selector: " << cfg.selector_registered[0] << " and " << cfg.selector_registered[1]
    << " UDP sockets bound to 127.0.0.1, " << cfg.selector_active << " of them (evenly spread) with a "
    << "datagram queued and never read; the same sockets in a sockmode::selector, a raw epoll set "
    << "(buffer for every socket) and a pollfd array; " << cfg.selector_calls
    << " timed calls (at most 1 s) per contender and run, order rotated, each call's ready count checked; "
    << "the raw calls with timeout 0\n"
    << "- scale: " << 2 * cfg.scale_pairs << " sockets in a child process (RLIMIT_NOFILE raised to "
    << "the hard limit), /proc/self/fd and /proc/self/statm before and after\n"
    << "- contenders: raw POSIX blocking send/recv; POSIX O_NONBLOCK + poll(timeout) before every "
    << "call (CPython's sock_call_ex); Asio read_some/write_some; Asio async op + restart() + run_for() "
    << "per call (Asio's timeouts/blocking_tcp_client example); Poco StreamSocket with "
    << "setReceiveTimeout/setSendTimeout; sockmode blocking, timeout (5 s) and non-blocking + "
    << "wait(wait_read, 5 s)\n";
  return o.str();
}

void write_outputs(const std::string& dir, const config& cfg, const std::vector<contender_info>& cs,
                   const std::string& summary) {
  {
    std::ofstream csv(dir + "/results.csv");
    csv << "run,workload,contender,metric,value,unit\n";
    csv.precision(10);
    for (const row& x : rows)
      csv << x.run + 1 << ',' << x.workload << ',' << x.contender << ',' << x.metric << ','
          << x.value << ',' << x.unit << '\n';
    for (const auto& [key, samples] : pooled) {
      if (samples.empty()) continue;
      for (const double p : {0.5, 0.99})
        csv << "all," << key.first << ',' << key.second << ",pooled_overshoot_p" << (p == 0.5 ? "50" : "99")
            << ',' << percentile(samples, p) << ",us\n";
    }
  }
  {
    std::ofstream md(dir + "/summary.md");
    md << summary;
  }
  {
    // Rows: workloads; columns: contenders; values: speed relative to raw (raw = 1).
    std::ofstream dat(dir + "/chart.dat");
    dat << "workload";
    for (const contender_info& c : cs) dat << '\t' << c.label;
    dat << '\n';
    for (const auto& h : headline) {
      dat << h.title;
      for (const contender_info& c : cs) {
        const double r = ratio_of(h.workload, h.metric, c.key, "raw");
        const double speed = h.lower_is_better ? 1.0 / r : r;
        dat << '\t';
        if (std::isnan(speed)) dat << "NaN";
        else dat << speed;
      }
      dat << '\n';
    }
  }
  static_cast<void>(cfg);
}

// --probe KEY N: N thread ping-pong round trips of one contender, nothing else, for strace.
int probe(const std::string& key, std::size_t n) {
  int status = 2;
  for_each_contender(all_contenders{}, 0, [&](auto t) {
    using C = typename decltype(t)::type;
    if (key != C::key) return;
    loopback_listener listener;
    pingpong_threads<C>(listener, 0, n);
    status = 0;
  });
  if (status != 0) std::fprintf(stderr, "sockmode_bench: no contender '%s'\n", key.c_str());
  return status;
}

// The recv calls alone, kept out of line so that callgrind can count exactly them
// (--toggle-collect on this function): one-byte recvs of data already queued.
template <class C>
[[gnu::noinline]] void recv_loop(C& rx, std::size_t n) {
  char c = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (rx.recv(&c, 1) != 1) throw std::runtime_error("short recv");
  }
}

// --recv-probe KEY N: N one-byte recv calls of one contender on ready data, nothing else timed,
// for callgrind's instruction count (benchmarks/run.sh).
int recv_probe(const std::string& key, std::size_t n) {
  int status = 2;
  for_each_contender(all_contenders{}, 0, [&](auto t) {
    using C = typename decltype(t)::type;
    if (key != C::key) return;
    loopback_listener listener;
    const auto [a, b] = listener.pair();
    raw_posix tx(a);
    C rx(b);
    const std::vector<char> fill(std::min<std::size_t>(n, 20'000), 'r');
    for (std::size_t done = 0; done < n; done += fill.size()) {
      const std::size_t batch = std::min(fill.size(), n - done);
      tx.sendall(fill.data(), batch);
      for (int queued = 0, spin = 0; static_cast<std::size_t>(queued) < batch && spin < 1'000'000; ++spin) {
        if (::ioctl(b, FIONREAD, &queued) < 0) fail("ioctl");
        std::this_thread::yield();
      }
      recv_loop(rx, batch);
    }
    status = 0;
  });
  if (status != 0) std::fprintf(stderr, "sockmode_bench: no contender '%s'\n", key.c_str());
  return status;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  ::signal(SIGPIPE, SIG_IGN);
  config cfg;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--smoke") {
      const int runs = cfg.runs;
      cfg = smoke_config();
      if (runs != config{}.runs) cfg.runs = runs;
    } else if (arg == "--runs" && i + 1 < argc) {
      cfg.runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--contender" && i + 1 < argc) {
      contender_filter = argv[++i];
    } else if (arg == "--only" && i + 1 < argc) {
      cfg.only = argv[++i];
    } else if (arg == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (arg == "--recv-probe" && i + 2 < argc) {
      const std::string key = argv[i + 1];
      return recv_probe(key, static_cast<std::size_t>(std::atol(argv[i + 2])));
    } else if (arg == "--probe" && i + 2 < argc) {
      const std::string key = argv[i + 1];
      return probe(key, static_cast<std::size_t>(std::atol(argv[i + 2])));
    } else {
      std::fprintf(stderr,
                   "usage: %s [--runs N] [--out DIR] [--smoke] [--only WORKLOAD]"
                   " [--contender KEY] [--probe CONTENDER ROUND_TRIPS]"
                   " [--recv-probe CONTENDER CALLS]\n",
                   argv[0]);
      return 2;
    }
  }
  raise_descriptor_limit();
  watchdog::start();
  const std::int64_t t0 = now_ns();
  if (!cfg.smoke) {
    // One pass with small counts, not recorded: first-touch costs (page faults, lazily created
    // contexts, socket memory) land here rather than on whichever contender happens to run first.
    config warm = smoke_config();
    warm.only = cfg.only;
    warm.bulk_bytes = std::size_t{64} << 20;
    std::fprintf(stderr, "sockmode_bench: warm-up\n");
    one_run(0, warm);
    rows.clear();
    pooled.clear();
  }
  for (int run = 0; run < cfg.runs; ++run) one_run(run, cfg);
  const auto cs = infos(all_contenders{});
  const std::string summary = report(cfg, cs);
  if (!out.empty()) write_outputs(out, cfg, cs, summary);
  std::fprintf(stderr, "sockmode_bench: %.1f s\n", seconds_since(t0));
  std::cout << summary << std::flush;
  return 0;
}
