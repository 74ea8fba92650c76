// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The figures a benchmark run records, the queries the summary makes of them, and the files
// written from them: results.csv (one row per run and figure), summary.md and chart.dat.
#ifndef SOCKMODE_BENCHMARKS_RESULTS_HPP
#define SOCKMODE_BENCHMARKS_RESULTS_HPP

#include <cstddef>
#include <string>
#include <vector>

namespace bench {

struct contender_info {
  std::string key;
  std::string label;
  bool has_timeout;
};

// One figure of one run (0-based), as a row of results.csv.
void record(int run, const std::string& workload, const std::string& contender,
            const std::string& metric, double value, const std::string& unit);
// p50, p99 and p99.9 of round-trip latencies, in µs.
void record_latencies(int run, const char* workload, const char* key, std::vector<double> l);
// Timeout overshoot samples, pooled over the runs.
void pool(const std::string& workload, const std::string& contender,
          const std::vector<double>& samples);
const std::vector<double>& pooled(const std::string& workload, const std::string& contender);
void clear_results();  // forgets everything recorded (after the warm-up)

// The median over runs of one figure; NaN when there is none.
double median_of(const std::string& workload, const std::string& contender,
                 const std::string& metric);
// The per-run ratios contender / reference (both from the same run).
std::vector<double> ratios(const std::string& workload, const std::string& metric,
                           const std::string& contender, const std::string& reference);
double ratio_of(const std::string& workload, const std::string& metric,
                const std::string& contender, const std::string& reference);

// The workloads of the relative-speed table and the chart.
struct workload_column {
  const char* workload;
  const char* metric;
  const char* title;
  bool lower_is_better;
};
extern const workload_column headline[6];

void write_outputs(const std::string& dir, const std::vector<contender_info>& cs,
                   const std::string& summary);

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_RESULTS_HPP
