// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Many threads drive random modes and operations over TCP, Unix stream, UDP and Unix datagram
// sockets on loopback for a set time, while other threads cancel, close, reset, half-close and
// change the modes of their sockets. Every byte is checked: a stream is a known sequence, so
// what the receiver reads must be exactly the next bytes the sender's calls reported sent, and
// at end of stream the counts and checksums must match. A watchdog fails the run on a call
// that outlives its deadline or on a stall; at the end descriptors, threads and memory must be
// back to where they were.
//
//   stress [--seconds S] [--threads N] [--seed X] [--overshoot-limit-ms M] [--stall-limit-s L]
//
// Exit status: 0 pass, 1 a byte, count or resource check failed, 2 the watchdog fired,
// 3 bad arguments.
#include <sockmode/sockmode.hpp>

#include "datagram_cell.hpp"
#include "process_stats.hpp"
#include "stream_cell.hpp"
#include "stress_common.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

// How late the watchdog's own 50 ms sleeps woke up: what the machine's load alone does to a
// thread that sleeps.
std::atomic<std::int64_t> watchdog_late_max_ns{0};
std::atomic<std::int64_t> watchdog_late_last_ns{0};

// Before failing the run for a call past its deadline: waits up to 5 s to tell a late call
// (starved of CPU) from a stuck one, and says which.
void tell_late_from_stuck(activity& a) {
  std::uint64_t calls = 0;
  {
    std::lock_guard<std::mutex> lock(a.m);
    calls = a.calls;
  }
  const std::int64_t start = now_ns();
  while (now_ns() - start < 5'000'000'000) {
    std::this_thread::sleep_for(10ms);
    std::lock_guard<std::mutex> lock(a.m);
    if (a.op == nullptr || a.calls != calls) {
      std::fprintf(stderr, "stress: WATCHDOG: %s's call returned %.3f s after it was noticed\n",
                   a.role.c_str(), static_cast<double>(now_ns() - start) / 1e9);
      return;
    }
  }
  std::fprintf(stderr, "stress: WATCHDOG: %s's call is still in progress 5 s later\n",
               a.role.c_str());
}

[[noreturn]] void watchdog_fires(const char* why) {
  std::lock_guard<std::mutex> lock(print_mutex);
  const std::int64_t now = now_ns();
  std::fprintf(stderr, "stress: WATCHDOG: %s; seed %llu. The watchdog's own 50 ms sleeps woke "
               "up to %.3f s late (last %.3f s). Threads:\n", why,
               static_cast<unsigned long long>(opt.seed),
               static_cast<double>(watchdog_late_max_ns.load()) / 1e9,
               static_cast<double>(watchdog_late_last_ns.load()) / 1e9);
  for (const auto& a : activities) {
    std::unique_lock<std::mutex> guard(a->m, std::try_to_lock);
    if (!guard.owns_lock()) {
      std::fprintf(stderr, "  %-22s (busy)\n", a->role.c_str());
      continue;
    }
    if (a->op == nullptr) {
      std::fprintf(stderr, "  %-22s between calls, generation %u, %llu calls\n", a->role.c_str(),
                   a->generation, static_cast<unsigned long long>(a->calls));
    } else {
      std::fprintf(stderr,
                   "  %-22s in %s for %.3f s (mode %s%lld ns, bound %s%.3f s), generation %u\n",
                   a->role.c_str(), a->op, static_cast<double>(now - a->start_ns) / 1e9,
                   a->mode_ns < 0 ? "blocking " : "", static_cast<long long>(a->mode_ns),
                   a->bound_ns < 0 ? "none " : "",
                   a->bound_ns < 0 ? 0.0 : static_cast<double>(a->bound_ns - a->start_ns) / 1e9,
                   a->generation);
    }
  }
  std::fflush(stderr);
  std::_Exit(2);
}

void watchdog(const std::atomic<bool>& finished, std::int64_t wind_down_limit_ns) {
  while (!finished.load()) {
    const std::int64_t before = now_ns();
    std::this_thread::sleep_for(50ms);
    const std::int64_t now = now_ns();
    const std::int64_t late = now - before - 50'000'000;
    watchdog_late_last_ns = late;
    if (late > watchdog_late_max_ns.load()) watchdog_late_max_ns = late;
    if (now > wind_down_limit_ns) watchdog_fires("the run did not wind down in time");
    for (const auto& a : activities) {
      std::lock_guard<std::mutex> lock(a->m);
      if (a->op == nullptr) continue;
      if (a->bound_ns >= 0 && now > a->bound_ns + opt.overshoot_limit_ns) {
        char why[200];
        std::snprintf(why, sizeof why, "%s: %s outlived its deadline by %.3f s", a->role.c_str(),
                      a->op, static_cast<double>(now - a->bound_ns) / 1e9);
        a->m.unlock();  // watchdog_fires takes every thread's lock
        tell_late_from_stuck(*a);
        watchdog_fires(why);
      }
      if (now - a->start_ns > opt.stall_limit_ns) {
        char why[200];
        std::snprintf(why, sizeof why, "%s: %s stalled for %.3f s", a->role.c_str(), a->op,
                      static_cast<double>(now - a->start_ns) / 1e9);
        a->m.unlock();
        watchdog_fires(why);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

struct world {
  hub<tcp_kind> tcp;
  hub<unix_kind> unix_stream;
  std::string unix_path;
  std::vector<std::unique_ptr<cell>> cells;
};

void disruptor(world& w, activity& a, rng& r) {
  while (!stop.load()) {
    const auto k = r() % 100;
    if (k < 3) {
      sockmode::timeout_type t = foreign_mode(r);
      if (r() % 3 == 0) t = std::nullopt;
      {
        doing d(a, "setdefaulttimeout", std::chrono::nanoseconds(0));
        sockmode::setdefaulttimeout(t);
      }
      g.mode_changes.fetch_add(1);
    } else if (k < 6) {
      error_code ec;
      doing d(a, "cancel listener", std::chrono::nanoseconds(0));
      if (r() % 2 == 0) w.tcp.listener->cancel(ec);
      else w.unix_stream.listener->cancel(ec);
      g.cancels.fetch_add(1);
    } else {
      cell& c = *w.cells[r() % w.cells.size()];
      doing d(a, "disrupt", std::chrono::nanoseconds(0));
      c.disrupt(r);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200 + r() % 2800));
  }
}

bool parse(int argc, char** argv) {
  opt.seed = std::random_device{}();
  opt.seed = (opt.seed << 32) ^ std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (arg == "--seconds") opt.seconds = std::atof(value);
    else if (arg == "--threads") opt.threads = std::atoi(value);
    else if (arg == "--seed") opt.seed = std::strtoull(value, nullptr, 0);
    else if (arg == "--overshoot-limit-ms") opt.overshoot_limit_ns = std::atoll(value) * 1'000'000;
    else if (arg == "--stall-limit-s") opt.stall_limit_ns = std::atoll(value) * 1'000'000'000;
    else return false;
  }
  return opt.seconds > 0 && opt.seconds <= 3600 && opt.threads >= 6 && opt.threads <= 256;
}

template <class Body>
std::thread spawn(activity& a, Body body) {
  return std::thread([&a, body]() mutable {
    try {
      body();
    } catch (const std::exception& e) {
      violation(a.role + ": exception: " + e.what());
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (!parse(argc, argv)) {
    std::fprintf(stderr,
                 "usage: stress [--seconds S (<= 3600)] [--threads N (6..256)] [--seed X]"
                 " [--overshoot-limit-ms M] [--stall-limit-s L]\n");
    return 3;
  }
  std::printf("stress: seed %llu, %d threads, %.1f s\n", static_cast<unsigned long long>(opt.seed),
              opt.threads, opt.seconds);
  std::fflush(stdout);

  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 8192 && limit.rlim_max > limit.rlim_cur) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 8192);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  const sockmode::timeout_type saved_default = sockmode::getdefaulttimeout();

  // sockmode's process-wide pieces (the home io_context, this thread's wait context) exist
  // before the baseline is taken: they are there for the life of the process. So does TSan's
  // background thread, which it starts with the first thread.
  std::thread([] {}).join();
  {
    auto [a, b] = sockmode::socketpair();
    a.settimeout(1ms);
    char byte = 0;
    error_code ec;
    a.recv(asio::buffer(&byte, 1), ec);
    a.asio_socket();
  }
  ::malloc_trim(0);
  const stress::snapshot before = stress::take_snapshot();

  rng seeder(opt.seed);
  auto w = std::make_unique<world>();
  w->tcp.listener = std::make_unique<sockmode::tcp::acceptor>(
      sockmode::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  w->tcp.endpoint = w->tcp.listener->local_endpoint();
  w->unix_path = "/tmp/sockmode-stress-" + std::to_string(::getpid()) + ".sock";
  ::unlink(w->unix_path.c_str());
  w->unix_stream.listener = std::make_unique<sockmode::local::stream_acceptor>(
      sockmode::local::stream_acceptor::endpoint_type(w->unix_path));
  w->unix_stream.endpoint = w->unix_stream.listener->local_endpoint();

  const int disruptors = std::max(1, opt.threads / 16);
  const int pairs = (opt.threads - disruptors) / 2;
  std::vector<std::thread> threads;
  std::vector<rng> rngs;
  auto new_activity = [&](std::string role) -> activity& {
    activities.push_back(std::make_unique<activity>());
    activities.back()->role = std::move(role);
    activities.back()->sampler.seed(seeder());
    return *activities.back();
  };
  for (int i = 0; i < pairs; ++i) {
    switch (i % 4) {
      case 0: {
        auto c = std::make_unique<stream_cell<tcp_kind>>(
            static_cast<int>(w->tcp.cells.size()), w->tcp);
        w->tcp.cells.push_back(c.get());
        w->cells.push_back(std::move(c));
        break;
      }
      case 1: {
        auto c = std::make_unique<stream_cell<unix_kind>>(
            static_cast<int>(w->unix_stream.cells.size()), w->unix_stream);
        w->unix_stream.cells.push_back(c.get());
        w->cells.push_back(std::move(c));
        break;
      }
      case 2:
        w->cells.push_back(std::make_unique<datagram_cell<udp_kind>>(i));
        break;
      default:
        w->cells.push_back(std::make_unique<datagram_cell<unix_dgram_kind>>(i));
        break;
    }
  }
  // Activities first, so that the watchdog's list never changes while threads run.
  struct plan {
    activity* a;
    int kind;  // 0..3 cells (sender, receiver), 4 disruptor
    cell* c;
    bool sender;
    std::uint64_t seed;
  };
  std::vector<plan> plans;
  for (int i = 0; i < pairs; ++i) {
    const char* names[] = {"tcp", "unix", "udp", "unix-dgram"};
    for (const bool sender : {true, false}) {
      activity& a = new_activity(std::string(names[i % 4]) + "-" + std::to_string(i) +
                                 (sender ? "-send" : "-recv"));
      plans.push_back({&a, i % 4, w->cells[static_cast<std::size_t>(i)].get(), sender, seeder()});
    }
  }
  for (int i = 0; i < disruptors; ++i) {
    activity& a = new_activity("disruptor-" + std::to_string(i));
    plans.push_back({&a, 4, nullptr, false, seeder()});
  }

  std::atomic<bool> finished{false};
  const std::int64_t wind_down_limit =
      now_ns() + static_cast<std::int64_t>(opt.seconds * 1e9) + opt.stall_limit_ns * 2;
  std::thread dog([&] { watchdog(finished, wind_down_limit); });

  std::vector<std::thread> disruptor_threads;
  for (const plan& p : plans) {
    activity& a = *p.a;
    const std::uint64_t seed = p.seed;
    world& wr = *w;
    cell* c = p.c;
    const bool sender = p.sender;
    switch (p.kind) {
      case 0:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<stream_cell<tcp_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      case 1:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<stream_cell<unix_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      case 2:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<datagram_cell<udp_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      case 3:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<datagram_cell<unix_dgram_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      default:
        disruptor_threads.push_back(spawn(a, [&a, seed, &wr] {
          rng r(seed);
          disruptor(wr, a, r);
        }));
        break;
    }
  }
  const int peak_threads = stress::live_threads();

  const auto run_end = std::chrono::steady_clock::now() +
                       std::chrono::nanoseconds(static_cast<std::int64_t>(opt.seconds * 1e9));
  auto next_report = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < run_end) {
    std::this_thread::sleep_for(20ms);
    if (opt.seconds > 15 && std::chrono::steady_clock::now() >= next_report) {
      next_report += 10s;
      std::printf("stress: %llu calls, %llu bytes checked, %llu violations so far\n",
                  static_cast<unsigned long long>(g.operations.load()),
                  static_cast<unsigned long long>(g.bytes.load()),
                  static_cast<unsigned long long>(g.violations.load()));
      std::fflush(stdout);
    }
  }
  stop = true;
  for (auto& t : disruptor_threads) t.join();
  for (auto& t : threads) t.join();
  finished = true;
  dog.join();

  std::vector<std::int64_t> overshoot;
  for (const auto& a : activities) {
    overshoot.insert(overshoot.end(), a->overshoot.begin(), a->overshoot.end());
  }
  const std::int64_t p50 = stress::percentile(overshoot, 50);
  const std::int64_t p99 = stress::percentile(overshoot, 99);
  const std::int64_t p999 = stress::percentile(overshoot, 99.9);
  const std::int64_t worst = overshoot.empty() ? 0 : overshoot.back();
  const std::size_t samples = overshoot.size();
  std::vector<std::int64_t>().swap(overshoot);
  activities.clear();
  w.reset();  // listeners, mailboxes, cells
  ::unlink(("/tmp/sockmode-stress-" + std::to_string(::getpid()) + ".sock").c_str());
  sockmode::setdefaulttimeout(saved_default);
  ::malloc_trim(0);
  const stress::snapshot after = stress::settle(before);

  const long rss_slack_kib = 64 * 1024;
  bool resources_ok = after.fds == before.fds && after.threads == before.threads;
  if (stress::rss_is_meaningful && after.rss_kib > before.rss_kib + rss_slack_kib)
    resources_ok = false;

  std::printf(
      "stress: seed=%llu threads=%zu (%d live with main and watchdog) seconds=%.1f operations=%llu "
      "bytes_checksummed=%llu datagrams_checked=%llu (%llu bytes) streams_compared=%llu "
      "connections=%llu timeouts=%llu would_block=%llu cancels=%llu aborted=%llu closes=%llu "
      "faults=%llu (resets %llu, half-closes %llu) mode_changes=%llu udp_lost=%llu "
      "abandoned=%llu violations=%llu fds=%d->%d threads=%d->%d rss_kib=%ld->%ld%s "
      "overshoot_us p50=%.1f p99=%.1f p99.9=%.1f max=%.1f (%zu samples)\n",
      static_cast<unsigned long long>(opt.seed), plans.size(), peak_threads, opt.seconds,
      static_cast<unsigned long long>(g.operations.load()),
      static_cast<unsigned long long>(g.bytes.load()),
      static_cast<unsigned long long>(g.datagrams.load()),
      static_cast<unsigned long long>(g.datagram_bytes.load()),
      static_cast<unsigned long long>(g.streams_checked.load()),
      static_cast<unsigned long long>(g.connections.load()),
      static_cast<unsigned long long>(g.timeouts.load()),
      static_cast<unsigned long long>(g.would_blocks.load()),
      static_cast<unsigned long long>(g.cancels.load()),
      static_cast<unsigned long long>(g.aborted.load()),
      static_cast<unsigned long long>(g.closes.load()),
      static_cast<unsigned long long>(g.closes.load() + g.resets.load() + g.half_closes.load()),
      static_cast<unsigned long long>(g.resets.load()),
      static_cast<unsigned long long>(g.half_closes.load()),
      static_cast<unsigned long long>(g.mode_changes.load()),
      static_cast<unsigned long long>(g.udp_lost.load()),
      static_cast<unsigned long long>(g.abandoned.load()),
      static_cast<unsigned long long>(g.violations.load()), before.fds, after.fds,
      before.threads, after.threads, before.rss_kib, after.rss_kib,
      stress::rss_is_meaningful ? "" : " (sanitizer build: not checked)",
      static_cast<double>(p50) / 1e3, static_cast<double>(p99) / 1e3,
      static_cast<double>(p999) / 1e3, static_cast<double>(worst) / 1e3, samples);
  if (!resources_ok)
    std::printf("stress: FAIL: descriptors, threads or memory not back to baseline\n");
  if (g.violations.load() != 0) std::printf("stress: FAIL: %llu violations (seed %llu)\n",
                                            static_cast<unsigned long long>(g.violations.load()),
                                            static_cast<unsigned long long>(opt.seed));
  const bool pass = resources_ok && g.violations.load() == 0;
  if (pass) std::printf("stress: PASS\n");
  return pass ? 0 : 1;
}
