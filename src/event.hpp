// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: a flag one thread raises and others wait for through the wait path.
#ifndef SOCKMODE_SRC_EVENT_HPP
#define SOCKMODE_SRC_EVENT_HPP

#include <sockmode/detail/timeout.hpp>

#include <boost/system/error_code.hpp>

namespace sockmode::detail {

// An eventfd: readable from notify() until reset(). Waiting goes through io_state, the one
// place sockmode waits, so a wait for it obeys the same deadlines as any socket call.
class event {
 public:
  explicit event(boost::system::error_code& ec) noexcept;
  event(const event&) = delete;
  event& operator=(const event&) = delete;
  ~event();

  void notify() noexcept;
  void reset() noexcept;
  // Until notified (no error), `timeout` passes (error::timeout; 0 polls: would_block).
  void wait(timeout_type timeout, boost::system::error_code& ec) const;

 private:
  int fd_;
};

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_EVENT_HPP
