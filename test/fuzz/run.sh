#!/usr/bin/env bash
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Runs every fuzz target for SECONDS each, starting from its corpus in test/fuzz/corpus/<target>
# (read only: new inputs go to BUILD_DIR/corpus/<target>), and prints each target's runs and
# executions per second. A finding (crash, broken property, sanitizer report, leak) fails the
# run and leaves the input in BUILD_DIR/artifacts/. Usage: test/fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail

build=${1:?usage: test/fuzz/run.sh BUILD_DIR SECONDS}
seconds=${2:?usage: test/fuzz/run.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=(timeout endpoint buffers options)

mkdir -p "$build/artifacts"
failed=0
for t in "${targets[@]}"; do
  bin="$build/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: $bin not built" >&2; exit 1; }
  mkdir -p "$build/corpus/$t"
  log="$build/fuzz_$t.log"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
       -artifact_prefix="$build/artifacts/$t-" "$build/corpus/$t" "$here/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz_$t: ${runs:-?} runs in ${seconds} s, ${rate:-?} exec/s, no finding"
  else
    echo "fuzz_$t: FINDING (log: $log; input: $build/artifacts/)" >&2
    grep -E 'ERROR|property failed|runtime error|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    failed=$((failed + 1))
  fi
done
[ "$failed" -eq 0 ] || { echo "fuzz: $failed of ${#targets[@]} targets failed" >&2; exit 1; }
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no finding"
