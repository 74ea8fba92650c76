#!/usr/bin/env bash
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Instructions per ready-data recv call, counted by callgrind in user space (the kernel's share
# is not counted): N and 2N one-byte recv calls on queued data, counting only inside the recv
# loop (--toggle-collect), difference divided by N. Exact and repeatable, unlike a timing.
# Writes OUT_DIR/callgrind.md; benchmarks/run.sh runs it as a step of `make bench`.
# Usage: benchmarks/callgrind.sh BUILD_DIR OUT_DIR [N]
set -euo pipefail
build=${1:?usage: benchmarks/callgrind.sh BUILD_DIR OUT_DIR [N]}
out=${2:?usage: benchmarks/callgrind.sh BUILD_DIR OUT_DIR [N]}
recv_n=${3:-20000}
bin="$build/benchmarks/sockmode_bench"
[ -x "$bin" ] || { echo "callgrind.sh: $bin not built" >&2; exit 1; }
mkdir -p "$out"
{
  echo
  echo "## Instructions per ready-data recv call (callgrind)"
  echo
  echo "One-byte recv calls on data already queued: the user-space instructions of the calls"
  echo "alone (\`valgrind --tool=callgrind --toggle-collect='*recv_loop*'\`), counted at $recv_n and"
  echo "$((2 * recv_n)) calls, difference divided by $recv_n. The syscall itself runs in the kernel, which"
  echo "callgrind does not count. Build: $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")."
  echo
  echo "| contender | instructions per recv call |"
  echo "|---|---:|"
  for key in raw asio_sync sm_blocking sm_timeout sm_nonblocking; do
    counts=()
    for n in "$recv_n" $((2 * recv_n)); do
      trace=$(mktemp)
      valgrind --tool=callgrind --callgrind-out-file="$trace" --toggle-collect='*recv_loop*' \
        "$bin" --recv-probe "$key" "$n" >/dev/null 2>&1 || true
      counts+=("$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$trace")")
      rm -f "$trace"
    done
    awk -v n="$recv_n" -v key="$key" -v a="${counts[0]:-0}" -v b="${counts[1]:-0}" \
      'BEGIN { printf "| %s | %.1f |\n", key, (b - a) / n }'
  done
} >"$out/callgrind.md"
