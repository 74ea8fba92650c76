// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: the time budget of a call that makes several waits (create_connection, resolve).
#ifndef SOCKMODE_SRC_CALL_BUDGET_HPP
#define SOCKMODE_SRC_CALL_BUDGET_HPP

#include <sockmode/detail/timeout.hpp>

#include <algorithm>
#include <chrono>

namespace sockmode::detail {

// A call budget: one time limit, from the call's start, shared by every wait of a call that makes
// several (resolution, then connection attempts), each of which gets what is left. Not a
// socket's deadline (set_deadline), nor the limit io_state puts on a single call.
class call_budget {
 public:
  using clock = std::chrono::steady_clock;

  // `mode` is validated by the caller (checked()).
  explicit call_budget(timeout_type mode)
      : mode_(mode), at_(mode && mode->count() > 0 ? clock::now() + *mode : clock::time_point()) {}

  bool blocking() const noexcept { return !mode_; }
  bool non_blocking() const noexcept { return mode_ && mode_->count() == 0; }
  bool timed() const noexcept { return mode_ && mode_->count() > 0; }
  bool expired() const noexcept { return timed() && clock::now() >= at_; }
  clock::time_point at() const noexcept { return at_; }

  // The mode for the next wait: blocking, non-blocking, or what is left (at least 1 ns, so
  // that an almost spent budget is not mistaken for non-blocking mode).
  timeout_type remaining() const noexcept {
    if (!timed()) return mode_;
    return std::max(std::chrono::nanoseconds(1),
                    std::chrono::duration_cast<std::chrono::nanoseconds>(at_ - clock::now()));
  }

 private:
  timeout_type mode_;
  clock::time_point at_;
};

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_CALL_BUDGET_HPP
