// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_RAISE_OPEN_FILE_LIMIT_HPP
#define SOCKMODE_RAISE_OPEN_FILE_LIMIT_HPP

#include <sockmode/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>

namespace sockmode {

/// Lifts the process's soft limit on open descriptors (RLIMIT_NOFILE) to its hard limit, as
/// Go's runtime does at start-up, and returns the soft limit now in force. It never lowers
/// the limit: a soft limit already at the hard one is left as it is. Where the hard limit is
/// unlimited, the soft one goes to the highest value the system accepts (Linux:
/// `/proc/sys/fs/nr_open`; elsewhere `OPEN_MAX` where defined); an unlimited soft limit is
/// returned as `UINT64_MAX`.
///
/// Why it is needed: every thread that has waited holds descriptors of its own for its wait
/// (README, "Descriptors and the file limit"), so a thread-per-connection server reaches the
/// usual soft limit of 1024 well before 1024 connections.
///
/// Why it is opt-in, and not done by sockmode behind your back: the limit is process-wide and
/// belongs to the program. Code in the same process that uses `select()` corrupts memory on a
/// descriptor at or above `FD_SETSIZE` (1024), which the default limit keeps it from ever
/// seeing; and child processes inherit the raised limit, which some programs do not expect (a
/// loop that closes every descriptor up to the limit then takes a million iterations). Call
/// it once, early in `main`, when you know none of that applies.
///
/// Throws `boost::system::system_error` if the limit cannot be read or set.
SOCKMODE_API std::uint64_t raise_open_file_limit();
/// As above, but reports failure through `ec` (and then returns the unchanged soft limit, or
/// 0 when even that could not be read).
SOCKMODE_API std::uint64_t raise_open_file_limit(boost::system::error_code& ec) noexcept;

}  // namespace sockmode

#endif  // SOCKMODE_RAISE_OPEN_FILE_LIMIT_HPP
