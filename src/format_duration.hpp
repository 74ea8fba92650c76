// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: how a message shows a duration (src/error.cpp).
#ifndef SOCKMODE_SRC_FORMAT_DURATION_HPP
#define SOCKMODE_SRC_FORMAT_DURATION_HPP

#include <chrono>
#include <string>

namespace sockmode::detail {

// "250 ms", "2 s", "1500 us": a duration as a message shows it.
std::string format_duration(std::chrono::nanoseconds t);

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_FORMAT_DURATION_HPP
