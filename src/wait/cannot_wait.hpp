// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: the message of a call that failed because its thread could not make its wait context.
#ifndef SOCKMODE_SRC_CANNOT_WAIT_HPP
#define SOCKMODE_SRC_CANNOT_WAIT_HPP

#include <boost/system/error_code.hpp>

#include <string>

namespace sockmode::detail {

// When `ec` is the error of this thread's failed attempt to make its wait context (out of
// descriptors or memory), appends ": cannot wait" to `what`, sets `detail` to why and what
// to do ("(each waiting thread holds 2 descriptors; raise RLIMIT_NOFILE)") and returns true.
bool explain_cannot_wait(const boost::system::error_code& ec, std::string& what,
                         std::string& detail);

// Descriptors each thread's wait context holds with the backend in use.
int descriptors_per_waiting_thread() noexcept;

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_CANNOT_WAIT_HPP
