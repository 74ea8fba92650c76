// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: errno as an error_code, written once.
#ifndef SOCKMODE_SRC_LAST_ERROR_HPP
#define SOCKMODE_SRC_LAST_ERROR_HPP

#include <boost/system/error_code.hpp>

#include <cerrno>

namespace sockmode::detail {

// The error of the system call that just failed: errno, in the system category.
inline boost::system::error_code last_error() noexcept {
  return {errno, boost::system::system_category()};
}

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_LAST_ERROR_HPP
