#!/usr/bin/env bash
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# `make memcheck`: runs the suite in BUILD_DIR (configured with valgrind as the tests' launcher)
# and fails on any valgrind finding: an invalid access, an uninitialised value, a leak
# (`--error-exitcode=1`, `ERROR SUMMARY` above 0). A test's own assertions can fail under
# valgrind for want of speed (its timing bounds assume a process 20-50 times faster, and
# lowering RLIMIT_NOFILE collides with valgrind's reserved descriptors); those are listed, and
# the plain, ASan and TSan passes of `make test` are where they count.
set -uo pipefail
build=${1:?usage: test/memcheck.sh BUILD_DIR}
log="$build/memcheck.log"
(cd "$build" && ctest --output-on-failure -LE "package|bench" --timeout 1500) >"$log" 2>&1
summary=$(awk '/Start +[0-9]+:/ { name = $3 } /ERROR SUMMARY/ { print name ": " $0 }' "$log" |
  sed 's/==[0-9]*== //')
echo "$summary" | sed 's/^/memcheck: /'
grep -E '^ *[0-9]+/[0-9]+ Test' "$log" | sed 's/^/memcheck: /'
if echo "$summary" | grep -qv 'ERROR SUMMARY: 0 errors'; then
  echo "memcheck: valgrind found errors; details in $log" >&2
  exit 1
fi
echo "memcheck: no valgrind error in any test executable (log: $log)"
