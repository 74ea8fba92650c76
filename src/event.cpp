// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "event.hpp"
#include "last_error.hpp"
#include "wait/io_state.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace sockmode::detail {

event::event(boost::system::error_code& ec) noexcept
    : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  ec = fd_ < 0 ? last_error() : boost::system::error_code();
}

event::~event() {
  if (fd_ >= 0) ::close(fd_);
}

void event::notify() noexcept {
  const std::uint64_t one = 1;
  // Cannot fail short of a counter overflow, which 2^64 - 1 notifications do not reach.
  [[maybe_unused]] const ssize_t n = ::write(fd_, &one, sizeof one);
}

void event::reset() noexcept {
  std::uint64_t value = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd_, &value, sizeof value);  // EAGAIN: not set
}

void event::wait(timeout_type timeout, boost::system::error_code& ec) const {
  // A state of its own per wait: several threads may wait for one event, and close_when_unused()
  // takes the descriptor out of this thread's registration cache before the event can close it.
  io_state state(std::nullopt);
  state.set_descriptor(fd_);
  state.wait(io_state::wait_type::wait_read, timeout, ec);
  state.close_when_unused([] {});
}

}  // namespace sockmode::detail
