#!/usr/bin/env bash
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Runs the benchmark harness and leaves its figures in benchmarks/results/:
#   results.csv  one row per run, workload, contender and figure (raw data)
#   summary.md   the tables: targets with ratios and pass/miss, every contender on every workload
#   chart.svg    speed relative to raw POSIX per workload (gnuplot)
# and prints summary.md. Usage: benchmarks/run.sh BUILD_DIR [--smoke] [--runs N]
# --smoke: tiny counts, a few seconds, output to BUILD_DIR/bench-smoke instead of results/.
# Benchmarks measure; they never fail on a missed target.
set -euo pipefail

build=${1:?usage: benchmarks/run.sh BUILD_DIR [--smoke] [--runs N]}
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="$build/benchmarks/sockmode_bench"
[ -x "$bin" ] || { echo "run.sh: $bin not built" >&2; exit 1; }

out="$here/results"
for arg in "$@"; do
  [ "$arg" = --smoke ] && out="$build/bench-smoke"
done
mkdir -p "$out"

"$bin" --out "$out" "$@" >/dev/null

# The wait-path workloads again on the io_uring wait backend (the run above uses the default,
# epoll).
mkdir -p "$out/io_uring"
for w in pingpong_threads pingpong_processes threads64 close_threads; do
  mkdir -p "$out/io_uring/$w"
  SOCKMODE_WAIT_BACKEND=io_uring "$bin" "$@" --out "$out/io_uring/$w" --only "$w" >/dev/null
done
{
  echo
  echo "## The io_uring wait backend (SOCKMODE_WAIT_BACKEND=io_uring)"
  echo
  echo "The wait-path workloads run again with sockmode on io_uring, each in its own"
  echo "process (the contenders other than sockmode are unaffected and measured again)."
  for w in pingpong_threads pingpong_processes threads64 close_threads; do
    echo
    echo "### $w"
    echo
    grep -E "^\| (ping-pong|connect\+accept\+close)" "$out/io_uring/$w/summary.md" | grep -v "n/a" || true
    awk -F, -v w="$w" 'NR > 1 && $2 == w && $3 ~ /^sm_/ { print "- " $3 " " $4 ": " $5 " " $6 }' \
      "$out/io_uring/$w/results.csv" | sort | uniq | head -20
  done
} >>"$out/summary.md"

# Syscalls per round trip on the wait path: a one-byte ping-pong between two threads, where
# every recv has to wait. Counted with strace -f -c at N and 2N round trips; the difference
# removes set-up and tear-down. Informative only.
probe_n=2000
[ "$out" = "$build/bench-smoke" ] && probe_n=100
if command -v strace >/dev/null 2>&1; then
  {
    echo
    echo "## Syscalls per round trip on the wait path (strace -f -c)"
    echo
    echo "A one-byte ping-pong between two threads, both ends in the same contender; every recv"
    echo "waits. Counted at $probe_n and $((2 * probe_n)) round trips, difference divided by $probe_n."
    echo "Each round trip is two sends and two waiting recvs."
    echo
    echo "| contender | syscalls per round trip | of which |"
    echo "|---|---:|---|"
    for entry in raw poll asio_timeout poco sm_blocking sm_timeout sm_nonblocking \
        sm_blocking@io_uring sm_timeout@io_uring sm_nonblocking@io_uring; do
      key=${entry%@*}  # KEY@io_uring: on the io_uring wait backend
      backend_env=()
      [ "$entry" != "$key" ] && backend_env=(SOCKMODE_WAIT_BACKEND="${entry#*@}")
      counts=()
      for n in "$probe_n" $((2 * probe_n)); do
        trace=$(mktemp)
        env "${backend_env[@]}" strace -f -c -U name,calls -o "$trace" "$bin" --probe "$key" "$n" >/dev/null 2>&1 || true
        counts+=("$trace")
      done
      # Per-syscall difference between the two traces, divided by probe_n.
      awk -v n="$probe_n" -v key="$entry" '
        FNR == NR && $2 ~ /^[0-9]+$/ { first[$1] = $2; next }
        $2 ~ /^[0-9]+$/ && $1 != "total" { second[$1] = $2 }
        END {
          total = 0; detail = ""
          for (s in second) {
            d = (second[s] - first[s]) / n
            if (d >= 0.05) { total += d; parts[s] = d }
          }
          # largest first
          m = 0; for (s in parts) names[++m] = s
          for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
            if (parts[names[j]] > parts[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
          for (i = 1; i <= m; i++) detail = detail (i > 1 ? ", " : "") sprintf("%s %.1f", names[i], parts[names[i]])
          printf "| %s | %.1f | %s |\n", key, total, detail
        }' "${counts[0]}" "${counts[1]}"
      rm -f "${counts[@]}"
    done
  } >>"$out/summary.md"
fi

# Instructions per ready-data recv call, counted by callgrind: benchmarks/callgrind.sh.
recv_n=20000
[ "$out" = "$build/bench-smoke" ] && recv_n=1000
if command -v valgrind >/dev/null 2>&1; then
  bash "$here/callgrind.sh" "$build" "$out" "$recv_n"
  cat "$out/callgrind.md" >>"$out/summary.md"
fi

if command -v gnuplot >/dev/null 2>&1; then
  gnuplot <<EOF
set terminal svg size 1100,620 dynamic enhanced font "sans,11" background rgb "white"
set output "$out/chart.svg"
set title "sockmode benchmarks: speed relative to raw POSIX blocking (1.0 = raw, higher is faster)\nloopback TCP, medians of interleaved runs; see summary.md"
set datafile separator "\t"
set datafile missing "NaN"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "relative speed (raw POSIX = 1.0)"
set yrange [0:*]
set grid ytics
set key outside bottom center horizontal maxrows 3 noenhanced
set xtics noenhanced rotate by -12 offset -1,0
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor rgb "black"
plot for [i=2:9] "$out/chart.dat" using i:xtic(1) title columnheader(i)
EOF
else
  echo "run.sh: gnuplot not found; no chart" >&2
fi

cat "$out/summary.md"
echo
echo "Figures: $out/results.csv, $out/summary.md, $out/chart.svg"
