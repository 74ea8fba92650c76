// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The summary of a benchmark run (summary.md): targets with pass/miss, the tables of every
// contender on every workload, and the method.
#ifndef SOCKMODE_BENCHMARKS_REPORT_HPP
#define SOCKMODE_BENCHMARKS_REPORT_HPP

#include "config.hpp"
#include "results.hpp"

#include <string>
#include <vector>

namespace bench {

std::string report(const config& cfg, const std::vector<contender_info>& cs);

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_REPORT_HPP
