// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Fuzzes every form a timeout or deadline takes: settimeout and setdefaulttimeout with integral
// and floating durations of many periods (std and odd ones), the nanosecond optional of
// wait(), selector::select() and the absolute deadlines. Properties: no UB; a timeout is
// accepted exactly when it is finite, not negative and at most 2**62 - 1 ns, and is then
// stored as its value in ns rounded up (floating counts as CPython converts a float); a
// rejected one throws std::invalid_argument and changes nothing.
#include <sockmode/sockmode.hpp>

#include "check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <ratio>
#include <stdexcept>
#include <type_traits>

namespace {

using std::chrono::nanoseconds;
using sockmode::timeout_type;
constexpr std::int64_t max_ns = (std::int64_t{1} << 62) - 1;

// A connected pair with one byte queued for `ready`: waits on it never wait.
struct fixture {
  std::pair<sockmode::local::stream_socket, sockmode::local::stream_socket> pair =
      sockmode::socketpair();
  sockmode::selector selector;
  fixture() {
    pair.first.sendall(boost::asio::buffer("x", 1));
    selector.add(pair.second, sockmode::selector::event_read);
  }
  sockmode::local::stream_socket& ready() { return pair.second; }
};

fixture& shared() {
  static fixture* f = new fixture;  // kept for the whole run, like the fuzzer's own state
  return *f;
}

// The expected outcome of an integral duration, exactly: nullopt when it must be rejected.
template <class Rep, class Period>
std::optional<std::int64_t> expected_integral(Rep count) {
  using to_ns = std::ratio_divide<Period, std::nano>;
  __extension__ using wide = __int128;
  const wide v = static_cast<wide>(count);
  if (v < 0) return std::nullopt;
  const wide ns = (v * to_ns::num + to_ns::den - 1) / to_ns::den;
  if (ns > max_ns) return std::nullopt;
  return static_cast<std::int64_t>(ns);
}

// Applies `t` to a socket and to the default, and checks both against `expected`.
template <class Duration>
void check_accepts(Duration t, std::optional<std::int64_t> expected, const timeout_type& before) {
  sockmode::local::stream_socket& s = shared().ready();
  s.settimeout(before);
  bool rejected = false;
  try {
    s.settimeout(t);
  } catch (const std::invalid_argument&) {
    rejected = true;
  }
  FUZZ_CHECK(rejected == !expected.has_value());
  if (rejected) {
    FUZZ_CHECK(s.gettimeout() == before);  // the mode as it was
  } else {
    FUZZ_CHECK(s.gettimeout() == timeout_type(nanoseconds(*expected)));
    FUZZ_CHECK(s.getblocking() == (*expected != 0));
  }

  sockmode::setdefaulttimeout(before);
  bool default_rejected = false;
  try {
    sockmode::setdefaulttimeout(t);
  } catch (const std::invalid_argument&) {
    default_rejected = true;
  }
  FUZZ_CHECK(default_rejected == rejected);
  FUZZ_CHECK(sockmode::getdefaulttimeout() == (rejected ? before : s.gettimeout()));
  sockmode::setdefaulttimeout(std::nullopt);
}

template <class Rep, class Period>
void integral(FuzzedDataProvider& in, const timeout_type& before) {
  const Rep count = in.ConsumeIntegral<Rep>();
  check_accepts(std::chrono::duration<Rep, Period>(count), expected_integral<Rep, Period>(count),
                before);
}

template <class Rep>
Rep floating_count(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0: return std::numeric_limits<Rep>::quiet_NaN();
    case 1: return (in.ConsumeBool() ? 1 : -1) * std::numeric_limits<Rep>::infinity();
    case 2: return in.ConsumeBool() ? Rep(-0.0) : Rep(0.0);
    case 3: return std::numeric_limits<Rep>::denorm_min() * in.ConsumeIntegral<std::uint8_t>();
    case 4: return static_cast<Rep>(in.ConsumeIntegral<std::int64_t>()) /
                   static_cast<Rep>(std::int64_t{1} << in.ConsumeIntegralInRange(0, 62));
    default: return in.ConsumeFloatingPoint<Rep>();
  }
}

template <class Rep, class Period>
void floating(FuzzedDataProvider& in, const timeout_type& before) {
  const Rep count = floating_count<Rep>(in);
  // CPython's rule, as documented: the count times ns per tick in double (long double for a
  // long double count), rounded up; NaN, negative and anything from 2**62 ns up rejected.
  using real = std::common_type_t<Rep, double>;
  const real ns = static_cast<real>(count) *
                  (static_cast<real>(Period::num) * real(1e9) / static_cast<real>(Period::den));
  std::optional<std::int64_t> expected;
  if (!std::isnan(ns) && !(ns < 0) && std::ceil(ns) < std::ldexp(real(1), 62))
    expected = static_cast<std::int64_t>(std::ceil(ns));
  // And what that rule means, independently of how it is computed: a positive timeout never
  // becomes non-blocking, and the result is within rounding of the exact value.
  if (expected) {
    const long double exact = static_cast<long double>(count) * Period::num * 1e9L / Period::den;
    FUZZ_CHECK(exact <= 0 || *expected >= 1);
    FUZZ_CHECK(std::fabs(static_cast<long double>(*expected) - exact) <= 1 + exact * 1e-12L);
  }
  check_accepts(std::chrono::duration<Rep, Period>(count), expected, before);
}

// The nanosecond optional, as wait() and selector::select() take it, on a ready socket so
// that an accepted timeout returns at once.
void optional_forms(FuzzedDataProvider& in) {
  const std::int64_t ns = in.ConsumeIntegral<std::int64_t>();
  const bool valid = ns >= 0 && ns <= max_ns;
  fixture& f = shared();
  bool rejected = false;
  try {
    f.ready().wait(sockmode::local::stream_socket::wait_read, nanoseconds(ns));
  } catch (const std::invalid_argument&) {
    rejected = true;
  }
  FUZZ_CHECK(rejected == !valid);
  rejected = false;
  try {
    FUZZ_CHECK(f.selector.select(nanoseconds(ns)).size() == 1);
  } catch (const std::invalid_argument&) {
    rejected = true;
  }
  FUZZ_CHECK(rejected == !valid);
}

// Absolute deadlines: any time_point is taken and read back; one that has passed fails the
// next read at once with error::timeout even though data is there, one far off does not.
void deadlines(FuzzedDataProvider& in) {
  using clock = std::chrono::steady_clock;
  const clock::time_point d{clock::duration(in.ConsumeIntegral<std::int64_t>())};
  sockmode::local::stream_socket& s = shared().ready();
  const clock::time_point before = clock::now();
  s.set_read_deadline(d);
  FUZZ_CHECK(s.read_deadline() == (d == clock::time_point::max() ? sockmode::deadline_type()
                                                                   : sockmode::deadline_type(d)));
  boost::system::error_code ec;
  s.wait(sockmode::local::stream_socket::wait_read, nanoseconds(0), ec);
  if (d <= before) FUZZ_CHECK(ec == sockmode::error::timeout);
  if (d > before + std::chrono::hours(1))
    FUZZ_CHECK(!ec);
  s.set_read_deadline(std::nullopt);
  FUZZ_CHECK(!s.read_deadline());
}

using thirds = std::ratio<1, 3>;
using frames = std::ratio<1, 60>;
using ticks_7ms = std::ratio<7, 1000>;
using days = std::ratio<86400>;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  // The mode before: blocking, non-blocking or a timeout, which a rejection must keep.
  timeout_type before;
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: break;
    case 1: before = nanoseconds(0); break;
    default: before = nanoseconds(in.ConsumeIntegralInRange<std::int64_t>(1, max_ns));
  }
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange(0, 26)) {
      case 0: integral<std::int64_t, std::nano>(in, before); break;
      case 1: integral<std::int64_t, std::micro>(in, before); break;
      case 2: integral<std::int64_t, std::milli>(in, before); break;
      case 3: integral<std::int64_t, std::ratio<1>>(in, before); break;
      case 4: integral<std::int64_t, std::ratio<60>>(in, before); break;
      case 5: integral<std::int64_t, std::ratio<3600>>(in, before); break;
      case 6: integral<std::int32_t, std::ratio<1>>(in, before); break;
      case 7: integral<std::uint64_t, std::milli>(in, before); break;
      case 8: integral<std::int16_t, std::ratio<3600>>(in, before); break;
      case 9: integral<std::uint32_t, days>(in, before); break;
      case 10: integral<std::int64_t, thirds>(in, before); break;
      case 11: integral<std::int64_t, frames>(in, before); break;
      case 12: integral<std::int64_t, ticks_7ms>(in, before); break;
      case 13: integral<std::int64_t, std::pico>(in, before); break;
      case 14: floating<double, std::ratio<1>>(in, before); break;
      case 15: floating<float, std::ratio<1>>(in, before); break;
      case 16: floating<long double, std::ratio<1>>(in, before); break;
      case 17: floating<double, std::milli>(in, before); break;
      case 18: floating<float, std::ratio<3600>>(in, before); break;
      case 19: floating<double, std::nano>(in, before); break;
      case 20: floating<double, thirds>(in, before); break;
      case 21: floating<long double, std::ratio<60>>(in, before); break;
      case 22: floating<float, std::micro>(in, before); break;
      case 23: floating<double, days>(in, before); break;
      case 24: optional_forms(in); break;
      case 25: deadlines(in); break;
      default: {
        const std::int64_t ns = in.ConsumeIntegral<std::int64_t>();
        check_accepts(timeout_type(nanoseconds(ns)),
                      ns >= 0 && ns <= max_ns ? std::optional<std::int64_t>(ns) : std::nullopt,
                      before);
      }
    }
  }
  return 0;
}
