// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: the wait engine's one time type.
#ifndef SOCKMODE_SRC_WAIT_TIME_HPP
#define SOCKMODE_SRC_WAIT_TIME_HPP

#include <chrono>
#include <cstdint>
#include <limits>

namespace sockmode::detail {

// A point on steady_clock, in nanoseconds since the clock's epoch. Every time the engine keeps
// or passes on is one: a socket's read and write deadlines, a call's limit, when a backend wait
// ends. `never` is the one "none"; being the largest value, it is later than any other.
using instant = std::int64_t;
inline constexpr instant never = std::numeric_limits<instant>::max();

inline instant to_instant(std::chrono::steady_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline std::chrono::steady_clock::time_point to_time_point(instant t) noexcept {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t));
}

inline instant now() noexcept { return to_instant(std::chrono::steady_clock::now()); }

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_WAIT_TIME_HPP
