#ifndef SOCKMODE_DETAIL_TIMEOUT_HPP
#define SOCKMODE_DETAIL_TIMEOUT_HPP

#include <chrono>
#include <cmath>
#include <optional>
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

[[noreturn]] void throw_invalid_timeout(const char* why);

inline std::chrono::nanoseconds checked(std::chrono::nanoseconds t) {
  if (t.count() < 0) throw_invalid_timeout("timeout must not be negative");
  if (t > max_timeout) throw_invalid_timeout("timeout is too large");
  return t;
}

// Converts any duration without the silent wrap of an implicit conversion
// (`hours::max()` to nanoseconds) and rejects NaN and infinity in floating forms.
// Rounds up, as CPython does: a positive timeout never becomes non-blocking mode.
template <class Rep, class Period>
std::chrono::nanoseconds to_timeout(std::chrono::duration<Rep, Period> t) {
  using wide = std::chrono::duration<long double, std::nano>;
  const wide w = std::chrono::duration_cast<wide>(t);
  if (std::isnan(w.count())) throw_invalid_timeout("timeout is NaN");
  if (w.count() < 0) throw_invalid_timeout("timeout must not be negative");
  if (!(w <= wide(max_timeout))) throw_invalid_timeout("timeout is too large");
  if constexpr (std::is_floating_point_v<Rep>) {
    return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(std::ceil(w.count())));
  } else {
    return std::chrono::ceil<std::chrono::nanoseconds>(t);
  }
}

}  // namespace detail
}  // namespace sockmode

#endif  // SOCKMODE_DETAIL_TIMEOUT_HPP
