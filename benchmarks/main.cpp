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
//
// The program: the workload families (latency_workloads.cpp, throughput_workloads.cpp,
// scale_workload.cpp, and run.cpp for TLS, selector and HTTP), one run of them all (run.cpp),
// the figures and files written (results.cpp), the summary (report.cpp).
#include "config.hpp"
#include "harness.hpp"
#include "report.hpp"
#include "results.hpp"
#include "run.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

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
    clear_results();
  }
  for (int run = 0; run < cfg.runs; ++run) one_run(run, cfg);
  const auto cs = contender_infos();
  const std::string summary = report(cfg, cs);
  if (!out.empty()) write_outputs(out, cs, summary);
  std::fprintf(stderr, "sockmode_bench: %.1f s\n", seconds_since(t0));
  std::cout << summary << std::flush;
  return 0;
}
