// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The throughput workloads: bulk transfer, connect+accept rate (also with many idle threads
// alive), and round trips on 64 connections at once.
#include "idle_threads.hpp"
#include "workloads.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

namespace bench {
namespace {

using ms = std::chrono::milliseconds;

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

// Connections per second of the contender's own connect + accept + close.
template <class C>
double connect_accept_rate(std::size_t count) {
  return static_cast<double>(count) / C::connect_accept(count);
}

}  // namespace

void run_bulk(const run_context& ctx) {
  measure_each(ctx, all_contenders{}, "bulk", 60, [&](auto t) {
    using C = typename decltype(t)::type;
    record(ctx.run, "bulk", C::key, "throughput", bulk<C>(ctx.listener, ctx.cfg.bulk_bytes),
           "MiB/s");
  });
}

void run_connect_accept(const run_context& ctx) {
  measure_each(ctx, all_contenders{}, "connect+accept", 60, [&](auto t) {
    using C = typename decltype(t)::type;
    record(ctx.run, "connect_accept", C::key, "rate", connect_accept_rate<C>(ctx.cfg.connects),
           "per_s");
  });
}

void run_threads64(const run_context& ctx) {
  measure_each(ctx, all_contenders{}, "64 threads", 60, [&](auto t) {
    using C = typename decltype(t)::type;
    record(ctx.run, "threads64", C::key, "rate",
           many_threads<C>(ctx.listener, ctx.cfg.threads64, ctx.cfg.threads64_seconds),
           "round_trips_per_s");
  });
}

// connect + accept + close with 0, 1,000 and 10,000 idle threads alive that have each made a
// sockmode call: close() must not scan them all.
void run_close_threads(const run_context& ctx) {
  for (const std::size_t alive : ctx.cfg.idle_thread_counts) {
    const idle_threads idle(alive);
    const std::string count = std::to_string(alive);
    measure_each(ctx, raw_and_sockmode{}, "close_threads " + count, 60, [&](auto t) {
      using C = typename decltype(t)::type;
      record(ctx.run, "close_threads", C::key, "rate_" + count,
             connect_accept_rate<C>(ctx.cfg.connects), "per_s");
    });
  }
}

}  // namespace bench
