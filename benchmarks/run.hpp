// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Running the benchmark: one interleaved run of every workload, and the probes that run one
// contender alone (for strace and callgrind, see run.sh and callgrind.sh).
#ifndef SOCKMODE_BENCHMARKS_RUN_HPP
#define SOCKMODE_BENCHMARKS_RUN_HPP

#include "config.hpp"
#include "results.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace bench {

// --contender KEY: only that contender (for diagnosis); empty: all.
extern std::string contender_filter;

// Every contender, in the order of the tables.
std::vector<contender_info> contender_infos();

// Run `run` (0-based) of every workload cfg.only allows, every contender in turn.
void one_run(int run, const config& cfg);

// --probe KEY N: N thread ping-pong round trips of one contender, nothing else, for strace.
// --recv-probe KEY N: N one-byte recv calls of one contender on ready data, for callgrind.
// Both return the exit status: 2 when there is no such contender.
int probe(const std::string& key, std::size_t n);
int recv_probe(const std::string& key, std::size_t n);

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_RUN_HPP
