// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: one deadline for a call that makes several waits (create_connection, resolve).
#ifndef SOCKMODE_SRC_DEADLINE_HPP
#define SOCKMODE_SRC_DEADLINE_HPP

#include <sockmode/detail/timeout.hpp>

#include <algorithm>
#include <chrono>

namespace sockmode::detail {

class deadline {
 public:
  using clock = std::chrono::steady_clock;

  // `mode` is validated by the caller (checked()).
  explicit deadline(timeout_type mode)
      : mode_(mode), at_(mode && mode->count() > 0 ? clock::now() + *mode : clock::time_point()) {}

  bool blocking() const noexcept { return !mode_; }
  bool non_blocking() const noexcept { return mode_ && mode_->count() == 0; }
  bool timed() const noexcept { return mode_ && mode_->count() > 0; }
  bool expired() const noexcept { return timed() && clock::now() >= at_; }
  clock::time_point at() const noexcept { return at_; }

  // The mode for the next wait: blocking, non-blocking, or what is left (at least 1 ns, so
  // that an almost spent deadline is not mistaken for non-blocking mode).
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

#endif  // SOCKMODE_SRC_DEADLINE_HPP
