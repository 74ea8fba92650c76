// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "report.hpp"

#include "harness.hpp"
#include "http_workload.hpp"
#ifdef SOCKMODE_BENCH_TLS
#include "tls.hpp"

#include <openssl/opensslv.h>
#endif

#include <boost/version.hpp>
#include <Poco/Version.h>

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <utility>

#ifndef SOCKMODE_BENCH_FLAGS
#define SOCKMODE_BENCH_FLAGS "unknown"
#endif
#ifndef SOCKMODE_BENCH_BUILD_TYPE
#define SOCKMODE_BENCH_BUILD_TYPE "unknown"
#endif

namespace bench {
namespace {

const std::string sm = "sm_timeout";  // the sockmode contender the targets are set for

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

// "lowest - highest" of the per-run figures; "-" for fewer than two runs.
std::string per_run_range(const std::vector<double>& per_run) {
  if (per_run.size() <= 1) return "-";
  const auto [lo, hi] = std::minmax_element(per_run.begin(), per_run.end());
  return fmt(*lo, 3) + " - " + fmt(*hi, 3);
}

std::string verdict(double measured, bool pass) {
  return std::isnan(measured) ? "n/a" : pass ? "pass" : "**MISS**";
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

void heading(std::ostream& o, const config& cfg) {
  o << "# sockmode benchmarks\n\n"
    << "Loopback TCP (127.0.0.1, TCP_NODELAY), all contenders in the same process and the same run, "
    << "interleaved: " << cfg.runs << (cfg.runs == 1 ? " run" : " runs")
    << ", the contender order rotated each run; figures are medians over runs, ratios are medians of "
    << "the per-run ratios. sockmode targets use **timeout mode** (5 s, never reached)."
    << (cfg.smoke ? "\n\n**Smoke run: tiny counts, figures are not meaningful.**" : "") << "\n\n";
}

struct target {
  std::string what, goal;
  double measured;
  bool higher_is_ok;
  double bound;
  std::string unit;
  std::vector<double> per_run = {};
};

// A target on the ratio of two contenders' figures from the same runs: the median of the
// per-run ratios.
target ratio_target(std::string what, std::string goal, const std::string& workload,
                    const std::string& metric, const std::string& contender,
                    const std::string& reference, bool higher_is_ok, double bound) {
  std::vector<double> per_run = ratios(workload, metric, contender, reference);
  const double measured = median(per_run);
  return {std::move(what), std::move(goal), measured, higher_is_ok, bound, "x", std::move(per_run)};
}

std::vector<target> targets(const config& cfg) {
  const double fds_extra =
      median_of("scale", sm, "fds_per_socket") - median_of("scale", "raw", "fds_per_socket");
  const double overshoot_ms = percentile(pooled("timeout_10ms", sm), 0.99) / 1000.0;
  const std::string sockets = fmt(static_cast<double>(2 * cfg.scale_pairs), 0);
  const std::size_t registered = cfg.selector_registered[1];
  const std::string selector_metric = "ns_per_select_" + std::to_string(registered);
  const std::string idle = std::to_string(cfg.idle_thread_counts.back());
  auto close_ratio = [&](const std::string& key) {
    return median_of("close_threads", key, "rate_" + idle) /
           median_of("close_threads", key, "rate_0");
  };
  return {
      ratio_target("ready-data recv, sockmode timeout / raw", "<= 1.05x", "recv_ready",
                   "ns_per_call", sm, "raw", false, 1.05),
      ratio_target("ping-pong p50 (threads), sockmode timeout / raw", "<= 1.10x",
                   "pingpong_threads", "p50", sm, "raw", false, 1.10),
      ratio_target("ping-pong p50 (processes), sockmode timeout / raw", "<= 1.10x",
                   "pingpong_processes", "p50", sm, "raw", false, 1.10),
      ratio_target("bulk throughput, sockmode timeout / raw", ">= 0.95x", "bulk", "throughput",
                   sm, "raw", true, 0.95),
      ratio_target("connect+accept rate, sockmode timeout / raw", ">= 0.85x", "connect_accept",
                   "rate", sm, "raw", true, 0.85),
      {"extra fds per socket, sockmode - raw (" + sockets + " sockets)", "~ 0 (< 0.01)",
       fds_extra, false, 0.01, ""},
      {"timeout overshoot p99 at 10 ms, sockmode timeout", "<= 2 ms", overshoot_ms, false, 2.0,
       " ms"},
      ratio_target("selector select(), sockmode / raw epoll_wait (" +
                       fmt(static_cast<double>(registered), 0) + " registered, " +
                       std::to_string(cfg.selector_active) + " ready)",
                   "<= 1.2x", "selector", selector_metric, "sm_selector", "raw_epoll", false, 1.2),
      {"connect+accept+close with " + idle + " idle threads alive / with none, sockmode timeout " +
           "(raw: " + fmt(close_ratio("raw"), 2) + ")",
       ">= 0.9x", close_ratio(sm), true, 0.9, "x"},
      ratio_target("ready-data recv, Asio async+run_for / sockmode timeout", ">= 1.5x",
                   "recv_ready", "ns_per_call", "asio_timeout", sm, true, 1.5),
  };
}

void targets_table(std::ostream& o, const config& cfg) {
  o << "## Targets\n\n| target | goal | measured (median) | per-run range | result |\n"
    << "|---|---|---:|---:|---|\n";
  for (const target& t : targets(cfg)) {
    const bool pass = !std::isnan(t.measured) &&
                      (t.higher_is_ok ? t.measured >= t.bound : t.measured <= t.bound);
    o << "| " << t.what << " | " << t.goal << " | " << fmt(t.measured, 3) << t.unit << " | "
      << per_run_range(t.per_run) << " | " << verdict(t.measured, pass) << " |\n";
  }
}

void results_table(std::ostream& o, const config& cfg, const std::vector<contender_info>& cs) {
  o << "\n## Results (medians of " << cfg.runs << ")\n\n"
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
}

void relative_speed_table(std::ostream& o, const std::vector<contender_info>& cs) {
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
}

#ifdef SOCKMODE_BENCH_TLS
// sockmode's stream against Asio's, each over its own socket, in the same runs.
void tls_tables(std::ostream& o) {
  const std::string sm_tls = tls::sockmode_key, asio_tls = tls::asio_key;
  o << "\n## TLS: sockmode::ssl::stream (timeout mode) / asio::ssl::stream (blocking socket)\n\n"
    << "| workload | goal | ratio (median) | per-run range | result |\n|---|---|---:|---:|---|\n";
  for (const target& t :
       {ratio_target("bulk throughput, 64 KiB writes", ">= 0.95x", "tls_bulk", "throughput",
                     sm_tls, asio_tls, true, 0.95),
        ratio_target("1-byte round trip p50", "<= 1.10x", "tls_pingpong", "p50", sm_tls,
                     asio_tls, false, 1.10)}) {
    const double m = t.measured;
    const bool pass = t.higher_is_ok ? m >= t.bound : m <= t.bound;
    o << "| " << t.what << " | " << t.goal << " | " << fmt(m, 3) << (std::isnan(m) ? "" : "x")
      << " | " << per_run_range(t.per_run) << " | " << verdict(m, pass) << " |\n";
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
void http_get_table(std::ostream& o) {
  o << "\n## HTTP GET round trip, keep-alive, 16-byte body: sockmode::tcp_stream / "
    << "beast::tcp_stream\n\n| client stream | p50 µs | p99 µs | p50 / beast (median; per-run "
    << "range) | goal | result |\n|---|---:|---:|---:|---|---|\n";
  for (const auto& [key, label] :
       {std::pair{http_get::beast_key, http_get::beast_label},
        std::pair{http_get::sockmode_key, http_get::sockmode_label},
        std::pair{http_get::sockmode_expiry_key, http_get::sockmode_expiry_label}}) {
    const std::vector<double> per_run = ratios("http_get", "p50", key, http_get::beast_key);
    const double m = median(per_run);
    const bool reference = std::string(key) == http_get::beast_key;
    o << "| " << label << " | " << fmt(median_of("http_get", key, "p50"), 1) << " | "
      << fmt(median_of("http_get", key, "p99"), 1) << " | "
      << (reference ? "1" : fmt(m, 3) + "x; " + per_run_range(per_run)) << " | "
      << (reference ? "" : "<= 1.05x") << " | " << (reference ? "" : verdict(m, m <= 1.05))
      << " |\n";
  }
}

void timeouts_table(std::ostream& o, const config& cfg, const std::vector<contender_info>& cs) {
  o << "\n## Timeout overshoot on a silent peer (µs past the timeout, p50 / p99, pooled over runs)\n\n"
    << "| contender | 1 ms (" << cfg.runs * static_cast<int>(cfg.timeout_samples[0]) << " samples) | 10 ms ("
    << cfg.runs * static_cast<int>(cfg.timeout_samples[1]) << ") | 100 ms ("
    << cfg.runs * static_cast<int>(cfg.timeout_samples[2]) << ") |\n|---|---:|---:|---:|\n";
  for (const contender_info& c : cs) {
    if (!c.has_timeout) continue;
    o << "| " << c.label << " |";
    for (const char* w : timeout_workloads) {
      const std::vector<double>& v = pooled(w, c.key);
      o << " " << fmt(percentile(v, 0.5), 0) << " / " << fmt(percentile(v, 0.99), 0) << " |";
    }
    o << "\n";
  }
}

void scale_table(std::ostream& o, const config& cfg, const std::vector<contender_info>& cs) {
  o << "\n## Scale: " << fmt(static_cast<double>(2 * cfg.scale_pairs), 0) << " sockets ("
    << cfg.scale_pairs << " connected pairs) used from " << cfg.scale_threads << " threads\n\n"
    << "| contender | fds per socket | resident bytes per socket | round trips/s |\n|---|---:|---:|---:|\n";
  for (const contender_info& c : cs) {
    if (c.key != "raw" && c.key != sm) continue;
    o << "| " << c.label << " | " << fmt(median_of("scale", c.key, "fds_per_socket"), 4) << " | "
      << fmt(median_of("scale", c.key, "rss_per_socket"), 0) << " | "
      << fmt(median_of("scale", c.key, "rate"), 0) << " |\n";
  }
}

void selector_table(std::ostream& o, const config& cfg) {
  o << "\n## selector: one select() with " << cfg.selector_active
    << " of N registered UDP sockets ready (ns per call, medians of " << cfg.runs << ")\n\n"
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
}

void method(std::ostream& o, const config& cfg) {
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
}

}  // namespace

std::string report(const config& cfg, const std::vector<contender_info>& cs) {
  std::ostringstream o;
  heading(o, cfg);
  targets_table(o, cfg);
  results_table(o, cfg, cs);
  relative_speed_table(o, cs);
#ifdef SOCKMODE_BENCH_TLS
  tls_tables(o);
#endif
  http_get_table(o);
  timeouts_table(o, cfg, cs);
  scale_table(o, cfg, cs);
  selector_table(o, cfg);
  method(o, cfg);
  return o.str();
}

}  // namespace bench
