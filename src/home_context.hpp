// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_SRC_HOME_CONTEXT_HPP
#define SOCKMODE_SRC_HOME_CONTEXT_HPP

#include <boost/asio/io_context.hpp>

namespace sockmode::detail {

// The io_context that sockets sockmode creates belong to. It is never run (waits happen on
// the calling thread's own context), so it only owns descriptors: three for the process.
boost::asio::io_context& home_context();

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_HOME_CONTEXT_HPP
