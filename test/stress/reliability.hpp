// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_STRESS_RELIABILITY_HPP
#define SOCKMODE_TEST_STRESS_RELIABILITY_HPP

// Shared by the reliability tests: the short form runs in `make test`; SOCKMODE_LONG=1 (set by
// `make stress`) selects the long form.

#include "../support.hpp"
#include "process_stats.hpp"

#include <cstdlib>
#include <cstring>

namespace stress {

inline bool long_form() {
  const char* v = std::getenv("SOCKMODE_LONG");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

inline int scaled(int short_count, int long_count) {
  return long_form() ? long_count : short_count;
}

}  // namespace stress

#endif  // SOCKMODE_TEST_STRESS_RELIABILITY_HPP
