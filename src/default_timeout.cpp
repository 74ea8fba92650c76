// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/default_timeout.hpp>

#include <atomic>
#include <cstdint>

namespace sockmode {
namespace {
// -1: no default (blocking); otherwise nanoseconds, 0 being non-blocking.
std::atomic<std::int64_t> default_timeout_ns{-1};
}  // namespace

void setdefaulttimeout(timeout_type t) {
  default_timeout_ns.store(t ? detail::checked(*t).count() : -1, std::memory_order_relaxed);
}

timeout_type getdefaulttimeout() noexcept {
  const std::int64_t ns = default_timeout_ns.load(std::memory_order_relaxed);
  if (ns < 0) return std::nullopt;
  return std::chrono::nanoseconds(ns);
}

}  // namespace sockmode
