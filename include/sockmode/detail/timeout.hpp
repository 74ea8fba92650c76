// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_DETAIL_TIMEOUT_HPP
#define SOCKMODE_DETAIL_TIMEOUT_HPP

#include <sockmode/detail/config.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <ratio>
#include <stdexcept>
#include <type_traits>

namespace sockmode {

/// A mode: `nullopt` is blocking, zero is non-blocking, a positive duration is timeout mode.
using timeout_type = std::optional<std::chrono::nanoseconds>;

/// An absolute deadline (Go's SetDeadline): `nullopt` is none.
using deadline_type = std::optional<std::chrono::steady_clock::time_point>;

namespace detail {

// Half of the steady_clock range: `now() + t` cannot overflow for the next ~146 years of
// uptime, so a deadline never wraps into the past.
inline constexpr std::chrono::nanoseconds max_timeout{std::chrono::nanoseconds::max() / 2};

[[noreturn]] SOCKMODE_API void throw_invalid_timeout(const char* why);

inline std::chrono::nanoseconds checked(std::chrono::nanoseconds t) {
  if (t.count() < 0) throw_invalid_timeout("timeout must not be negative");
  if (t > max_timeout) throw_invalid_timeout("timeout is too large");
  return t;
}

// Converts any duration without the silent wrap of an implicit conversion
// (`hours::max()` to nanoseconds) and rejects NaN and infinity in floating forms.
// Rounds up, as CPython does: a positive timeout never becomes non-blocking mode.
//
// A floating count is converted as CPython's _PyTime_FromSecondsObject converts a float:
// multiplied to nanoseconds in double, then rounded up. A wider type would differ: 0.1 s is
// exactly 100000000 ns in CPython, but 0.1L * 1e9 is a little above it and rounds up to one more.
template <class Rep, class Period>
std::chrono::nanoseconds to_timeout(std::chrono::duration<Rep, Period> t) {
  if constexpr (std::is_floating_point_v<Rep>) {
    using real = std::common_type_t<Rep, double>;  // double, unless Rep is long double
    // Exact for every std ratio from nano to hours: integral values well inside 2**53.
    const real ns_per_tick = static_cast<real>(Period::num) * real(1e9) /
                             static_cast<real>(Period::den);
    const real ns = static_cast<real>(t.count()) * ns_per_tick;
    if (std::isnan(ns)) throw_invalid_timeout("timeout is NaN");
    if (ns < 0) throw_invalid_timeout("timeout must not be negative");
    const real up = std::ceil(ns);
    // 2**62 is max_timeout + 1, exact in any floating type, so the comparison is too.
    static_assert(max_timeout.count() == (std::int64_t{1} << 62) - 1);
    if (!(up < std::ldexp(real(1), 62))) throw_invalid_timeout("timeout is too large");
    return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(up));
  } else {
    using wide = std::chrono::duration<long double, std::nano>;
    const wide w = std::chrono::duration_cast<wide>(t);
    if (w.count() < 0) throw_invalid_timeout("timeout must not be negative");
    if (!(w <= wide(max_timeout))) throw_invalid_timeout("timeout is too large");
    // Exact, in 128 bits: duration_cast multiplies before it divides, which overflows 64 bits
    // for a period that is not a whole number of ns (1/60 s: count * 50000000 / 3) well below
    // the largest timeout.
    using to_ns = std::ratio_divide<Period, std::nano>;
    __extension__ using exact = __int128;
    const exact ns = (static_cast<exact>(t.count()) * to_ns::num + (to_ns::den - 1)) / to_ns::den;
    return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(ns));
  }
}

}  // namespace detail
}  // namespace sockmode

#endif  // SOCKMODE_DETAIL_TIMEOUT_HPP
