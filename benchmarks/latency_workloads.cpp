// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The latency workloads, one-byte calls on one connection: recv on ready data, ping-pong
// between threads and between processes, timeout overshoot on a silent peer; and the probes
// that run one contender's ping-pong or ready recv alone.
#include "workloads.hpp"

#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <thread>

namespace bench {
namespace {

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

// The recv calls alone, kept out of line so that callgrind can count exactly them
// (--toggle-collect on this function): one-byte recvs of data already queued.
template <class C>
[[gnu::noinline]] void recv_loop(C& rx, std::size_t n) {
  char c = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (rx.recv(&c, 1) != 1) throw std::runtime_error("short recv");
  }
}

// Calls f(tag<C>{}) for the one contender whose key is `key`; the probes' exit status.
template <class F>
int with_contender(const std::string& key, F f) {
  int status = 2;
  for_each_contender(all_contenders{}, 0, [&](auto t) {
    using C = typename decltype(t)::type;
    if (key != C::key) return;
    f(t);
    status = 0;
  });
  if (status != 0) std::fprintf(stderr, "sockmode_bench: no contender '%s'\n", key.c_str());
  return status;
}

}  // namespace

void run_recv_ready(const run_context& ctx) {
  measure_each(ctx, all_contenders{}, "ready recv", 60, [&](auto t) {
    using C = typename decltype(t)::type;
    record(ctx.run, "recv_ready", C::key, "ns_per_call", ready_recv<C>(ctx.listener, ctx.cfg),
           "ns");
  });
}

void run_pingpong_threads(const run_context& ctx) {
  measure_each(ctx, all_contenders{}, "ping-pong threads", 60, [&](auto t) {
    using C = typename decltype(t)::type;
    record_latencies(ctx.run, "pingpong_threads", C::key,
                     pingpong_threads<C>(ctx.listener, ctx.cfg.pingpong_warmup, ctx.cfg.pingpong));
  });
}

void run_pingpong_processes(const run_context& ctx) {
  measure_each(ctx, all_contenders{}, "ping-pong processes", 60, [&](auto t) {
    using C = typename decltype(t)::type;
    record_latencies(
        ctx.run, "pingpong_processes", C::key,
        pingpong_processes<C>(ctx.listener, ctx.cfg.pingpong_warmup, ctx.cfg.pingpong));
  });
}

void run_timeout(const run_context& ctx, int k) {
  const char* const workload = timeout_workloads[k];
  for_each_contender(all_contenders{}, ctx.rotate, [&](auto t) {
    using C = typename decltype(t)::type;
    if constexpr (C::has_timeout) {
      guarded(ctx.prefix + workload + " " + C::key, 60, [&] {
        const std::vector<double> late =
            overshoot<C>(ctx.listener, timeouts[k], ctx.cfg.timeout_samples[k]);
        record(ctx.run, workload, C::key, "overshoot_p50", percentile(late, 0.5), "us");
        record(ctx.run, workload, C::key, "overshoot_p99", percentile(late, 0.99), "us");
        pool(workload, C::key, late);
      });
    }
  });
}

int probe(const std::string& key, std::size_t n) {
  return with_contender(key, [&](auto t) {
    using C = typename decltype(t)::type;
    loopback_listener listener;
    pingpong_threads<C>(listener, 0, n);
  });
}

int recv_probe(const std::string& key, std::size_t n) {
  return with_contender(key, [&](auto t) {
    using C = typename decltype(t)::type;
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
  });
}

}  // namespace bench
