#!/usr/bin/env bash
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# `make memcheck`: runs the suite in BUILD_DIR (configured with valgrind as the tests' launcher)
# and fails on any valgrind finding: an invalid access, an uninitialised value, a leak
# (`--error-exitcode=1`, `ERROR SUMMARY` above 0), and on a test that valgrind did not see to
# its end (no `ERROR SUMMARY`: killed by its timeout or a signal), which would hide its
# findings. A test's own assertions can fail under valgrind for want of speed (its timing
# bounds assume a process 20-50 times faster, and lowering RLIMIT_NOFILE collides with
# valgrind's reserved descriptors); those are listed, and the plain, ASan and TSan passes of
# `make test` are where they count.
# Left out: the tests that run no test executable (packaging, benchmark smoke, licence lines,
# API reference).
set -uo pipefail
build=${1:?usage: test/memcheck.sh BUILD_DIR}
log="$build/memcheck.log"
# -V: every test's output is in the log, passed or not, each line prefixed with its number.
(cd "$build" && ctest -V -LE "package|bench|licence|docs" --timeout 1500) >"$log" 2>&1
summary=$(awk '
  /^ *Start +[0-9]+: / { n = $2; sub(":", "", n); name[n] = $3; order[++count] = n }
  /^[0-9]+: ==[0-9]+== ERROR SUMMARY:/ {
    n = $1; sub(":", "", n); line = $0; sub(/^[0-9]+: ==[0-9]+== /, "", line)
    found[n] = found[n] name[n] ": " line "\n"
  }
  END {
    for (i = 1; i <= count; ++i) {
      n = order[i]
      if (n in found) printf "%s", found[n]
      else print name[n] ": no ERROR SUMMARY: valgrind did not finish (a timeout or a signal)"
    }
  }' "$log")
echo "$summary" | sed 's/^/memcheck: /'
grep -E '^ *[0-9]+/[0-9]+ Test' "$log" | sed 's/^/memcheck: /'
if [ -z "$summary" ] || echo "$summary" | grep -qv 'ERROR SUMMARY: 0 errors'; then
  echo "memcheck: valgrind found errors, or did not finish a test; details in $log" >&2
  exit 1
fi
echo "memcheck: no valgrind error in any test executable (log: $log)"
