#!/usr/bin/env bash
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# `make test`: the plain, ASan+UBSan and TSan passes, the packaging tests and the API
# reference, in two lanes.
#   builds: plain, then (at nice 19) ASan+UBSan, TSan, the reference and the packaging tests
#           (which build consumer projects), one after another;
#   checks: each pass's tests at normal priority, as soon as its build is done.
# The tests mostly wait on loopback, so the builds use the CPU time they leave idle; at nice 19
# a build gets the CPU only when a test does not want it, so timing in the tests is as on an
# idle machine. The first failure stops everything (the other lane is
# killed) and its log is printed. Exit status: 0 when every pass and the reference passed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=build-logs
rm -rf "$logs" && mkdir -p "$logs"
started=$SECONDS

say() { printf '== make test [%ds]: %s\n' $((SECONDS - started)) "$*"; }

make --no-print-directory build-plain || exit 1
say "plain pass built"

# The build lane, in its own process group (set -m) so that stop() ends all of it: each step's
# output goes to its log, its status to a .rc file.
set -m
(
  for step in build-asan build-tsan docs check-packages; do
    nice -n 19 make --no-print-directory "$step" >"$logs/$step.log" 2>&1
    rc=$?
    echo $rc >"$logs/$step.rc"
    [ $rc -eq 0 ] || exit $rc
  done
) &
lane=$!
set +m

stop() {
  kill -- -$lane 2>/dev/null
  wait $lane 2>/dev/null
  exit 1
}

# Waits for a step of the build lane; prints its log and stops on failure.
await() {
  while [ ! -f "$logs/$1.rc" ]; do
    kill -0 $lane 2>/dev/null || { echo "make test: the build lane ended before $1" >&2; stop; }
    sleep 1
  done
  if [ "$(cat "$logs/$1.rc")" != 0 ]; then
    cat "$logs/$1.log"
    echo "make test: $1 failed" >&2
    stop
  fi
  say "$1 done"
}

make --no-print-directory check-plain-tests || stop
say "plain pass passed"
await build-asan
make --no-print-directory check-asan || stop
say "ASan+UBSan pass passed"
await build-tsan
make --no-print-directory check-tsan || stop
say "TSan pass passed"
await docs
cat "$logs/docs.log"
await check-packages
cat "$logs/check-packages.log"
wait $lane
say "all passes passed"
