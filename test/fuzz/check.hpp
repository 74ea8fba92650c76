// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_FUZZ_CHECK_HPP
#define SOCKMODE_TEST_FUZZ_CHECK_HPP

// The fuzz targets' assertion: a broken property aborts, which libFuzzer reports as a crash
// and saves the input that caused it. Unlike assert(), never compiled out.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                      \
  do {                                                                             \
    if (!(condition)) {                                                            \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,     \
                   #condition);                                                    \
      std::abort();                                                                \
    }                                                                              \
  } while (false)

#endif  // SOCKMODE_TEST_FUZZ_CHECK_HPP
