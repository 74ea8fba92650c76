// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_DEFAULT_TIMEOUT_HPP
#define SOCKMODE_DEFAULT_TIMEOUT_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/detail/timeout.hpp>

namespace sockmode {

/// Python's `socket.setdefaulttimeout`: the mode of sockets created (or accepted) from now on;
/// existing sockets keep theirs. Process-wide and thread-safe. Throws `std::invalid_argument`
/// for a negative or too large timeout and then leaves the default unchanged.
SOCKMODE_API void setdefaulttimeout(timeout_type t);

template <class Rep, class Period>
void setdefaulttimeout(std::chrono::duration<Rep, Period> t) {
  setdefaulttimeout(timeout_type(detail::to_timeout(t)));
}

/// `nullopt` unless a default was set.
SOCKMODE_API timeout_type getdefaulttimeout() noexcept;

}  // namespace sockmode

#endif  // SOCKMODE_DEFAULT_TIMEOUT_HPP
