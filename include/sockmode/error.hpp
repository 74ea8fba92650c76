// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_ERROR_HPP
#define SOCKMODE_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sockmode {

/// sockmode's own error codes. `error::timeout` compares equal to the condition
/// `errc::timed_out`, yet stays distinct from the kernel's ETIMEDOUT, so callers can tell
/// "my deadline passed" from "the peer stopped answering TCP retransmissions".
/// It also compares equal to Beast's `beast::condition::timeout` (not to the code
/// `beast::error::timeout`, which only `sockmode::tcp_stream` reports, as Beast's own does).
enum class error { timeout = 1 };

/// The category of `sockmode::error`; its name is "sockmode".
SOCKMODE_API const boost::system::error_category& error_category() noexcept;

SOCKMODE_API boost::system::error_code make_error_code(error e) noexcept;
SOCKMODE_API boost::system::error_condition make_error_condition(error e) noexcept;

}  // namespace sockmode

namespace boost::system {
template <>
struct is_error_code_enum<sockmode::error> : std::true_type {};
}  // namespace boost::system

#endif  // SOCKMODE_ERROR_HPP
