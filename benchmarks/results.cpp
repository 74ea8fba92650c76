// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "results.hpp"

#include "harness.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <utility>

namespace bench {
namespace {

struct row {
  int run;
  std::string workload, contender, metric, unit;
  double value;
};

std::vector<row> rows;
std::map<std::pair<std::string, std::string>, std::vector<double>> pooled_samples;

void write_csv(const std::string& path) {
  std::ofstream csv(path);
  csv << "run,workload,contender,metric,value,unit\n";
  csv.precision(10);
  for (const row& x : rows)
    csv << x.run + 1 << ',' << x.workload << ',' << x.contender << ',' << x.metric << ','
        << x.value << ',' << x.unit << '\n';
  for (const auto& [key, samples] : pooled_samples) {
    if (samples.empty()) continue;
    for (const double p : {0.5, 0.99})
      csv << "all," << key.first << ',' << key.second << ",pooled_overshoot_p" << (p == 0.5 ? "50" : "99")
          << ',' << percentile(samples, p) << ",us\n";
  }
}

// Rows: workloads; columns: contenders; values: speed relative to raw (raw = 1).
void write_chart_data(const std::string& path, const std::vector<contender_info>& cs) {
  std::ofstream dat(path);
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

}  // namespace

void record(int run, const std::string& workload, const std::string& contender,
            const std::string& metric, double value, const std::string& unit) {
  rows.push_back({run, workload, contender, metric, unit, value});
}

void record_latencies(int run, const char* workload, const char* key, std::vector<double> l) {
  record(run, workload, key, "p50", percentile(l, 0.50), "us");
  record(run, workload, key, "p99", percentile(l, 0.99), "us");
  record(run, workload, key, "p99.9", percentile(l, 0.999), "us");
}

void pool(const std::string& workload, const std::string& contender,
          const std::vector<double>& samples) {
  auto& all = pooled_samples[{workload, contender}];
  all.insert(all.end(), samples.begin(), samples.end());
}

const std::vector<double>& pooled(const std::string& workload, const std::string& contender) {
  static const std::vector<double> none;
  const auto it = pooled_samples.find({workload, contender});
  return it == pooled_samples.end() ? none : it->second;
}

void clear_results() {
  rows.clear();
  pooled_samples.clear();
}

double median_of(const std::string& workload, const std::string& contender,
                 const std::string& metric) {
  std::vector<double> v;
  for (const row& x : rows)
    if (x.workload == workload && x.contender == contender && x.metric == metric)
      v.push_back(x.value);
  return median(v);
}

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

const workload_column headline[6] = {
    {"recv_ready", "ns_per_call", "ready-data recv (1 B)", true},
    {"pingpong_threads", "p50", "ping-pong p50, threads", true},
    {"pingpong_processes", "p50", "ping-pong p50, processes", true},
    {"bulk", "throughput", "bulk 1 GiB", false},
    {"connect_accept", "rate", "connect+accept", false},
    {"threads64", "rate", "64 connections x 2 threads", false},
};

void write_outputs(const std::string& dir, const std::vector<contender_info>& cs,
                   const std::string& summary) {
  write_csv(dir + "/results.csv");
  {
    std::ofstream md(dir + "/summary.md");
    md << summary;
  }
  write_chart_data(dir + "/chart.dat", cs);
}

}  // namespace bench
