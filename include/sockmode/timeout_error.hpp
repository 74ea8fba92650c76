// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TIMEOUT_ERROR_HPP
#define SOCKMODE_TIMEOUT_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/io_error.hpp>

namespace sockmode {

/// Thrown when a call in timeout mode reaches its deadline; Python's `socket.timeout`.
/// `code()` is `sockmode::error::timeout`.
class SOCKMODE_API timeout_error : public io_error {
 public:
  using io_error::io_error;
};

}  // namespace sockmode

#endif  // SOCKMODE_TIMEOUT_ERROR_HPP
