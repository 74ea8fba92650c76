// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// One run: every workload in a fixed order, each over every contender in a rotated order. The
// workloads on other interfaces than the contenders' (TLS streams, the selector, HTTP over
// Beast) are measured here; the others by their families (workloads.hpp).
#include "run.hpp"

#include "http_workload.hpp"
#include "selector_workload.hpp"
#include "workloads.hpp"
#ifdef SOCKMODE_BENCH_TLS
#include "tls.hpp"
#endif

#include <cstdio>

namespace bench {

std::string contender_filter;

namespace {

template <class... C>
std::vector<contender_info> infos(type_list<C...>) {
  return {contender_info{C::key, C::label, C::has_timeout}...};
}

#ifdef SOCKMODE_BENCH_TLS
// Two contenders, same rotation rule: sockmode::ssl::stream against asio::ssl::stream.
const char* const tls_keys[] = {tls::asio_key, tls::sockmode_key};

void run_tls_bulk(const run_context& ctx) {
  for_each_key(tls_keys, ctx.rotate, [&](const char* key) {
    guarded(ctx.prefix + "tls bulk " + key, 60, [&] {
      record(ctx.run, "tls_bulk", key, "throughput",
             tls::bulk(key, ctx.listener, ctx.cfg.tls_bulk_bytes), "MiB/s");
    });
  });
}

void run_tls_pingpong(const run_context& ctx) {
  for_each_key(tls_keys, ctx.rotate, [&](const char* key) {
    guarded(ctx.prefix + "tls ping-pong " + key, 60, [&] {
      record_latencies(ctx.run, "tls_pingpong", key,
                       tls::pingpong(key, ctx.listener, ctx.cfg.pingpong_warmup, ctx.cfg.pingpong));
    });
  });
}
#endif

void run_selector(const run_context& ctx) {
  const config& cfg = ctx.cfg;
  for (const std::size_t n : cfg.selector_registered) {
    guarded(ctx.prefix + "selector " + std::to_string(n), 120, [&] {
      const selector_figures f =
          selector_cost(n, cfg.selector_active, cfg.selector_calls, ctx.rotate);
      const std::string metric = "ns_per_select_" + std::to_string(n);
      record(ctx.run, "selector", "sm_selector", metric, f.sockmode_select, "ns");
      record(ctx.run, "selector", "raw_epoll", metric, f.raw_epoll, "ns");
      record(ctx.run, "selector", "poll", metric, f.raw_poll, "ns");
    });
  }
}

void run_http_get(const run_context& ctx) {  // three contenders, rotated like the others
  for_each_key(http_get::keys, ctx.rotate, [&](const char* key) {
    guarded(ctx.prefix + "http_get " + key, 60, [&] {
      record_latencies(ctx.run, "http_get", key,
                       http_get::round_trips(key, ctx.cfg.http_get_warmup, ctx.cfg.http_get));
    });
  });
}

}  // namespace

std::vector<contender_info> contender_infos() { return infos(all_contenders{}); }

void one_run(int run, const config& cfg) {
  loopback_listener listener;
  const run_context ctx{run, static_cast<std::size_t>(run), cfg, listener,
                        "run " + std::to_string(run + 1) + ": "};
  auto wanted = [&](const char* workload) { return cfg.only.empty() || cfg.only == workload; };
  if (!cfg.smoke) std::fprintf(stderr, "sockmode_bench: run %d/%d\n", run + 1, cfg.runs);

  if (wanted("recv_ready")) run_recv_ready(ctx);
  if (wanted("pingpong_threads")) run_pingpong_threads(ctx);
  if (wanted("pingpong_processes")) run_pingpong_processes(ctx);
  if (wanted("bulk")) run_bulk(ctx);
  if (wanted("connect_accept")) run_connect_accept(ctx);
  for (int k = 0; k < 3; ++k) {
    if (wanted(timeout_workloads[k])) run_timeout(ctx, k);
  }
  if (wanted("threads64")) run_threads64(ctx);
#ifdef SOCKMODE_BENCH_TLS
  if (wanted("tls_bulk")) run_tls_bulk(ctx);
  if (wanted("tls_pingpong")) run_tls_pingpong(ctx);
#endif
  if (wanted("selector")) run_selector(ctx);
  if (wanted("http_get")) run_http_get(ctx);
  if (wanted("close_threads")) run_close_threads(ctx);
  if (wanted("scale")) run_scale(ctx);
}

}  // namespace bench
