// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_DETAIL_IO_STATE_HPP
#define SOCKMODE_DETAIL_IO_STATE_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/detail/function_ref.hpp>

#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>

namespace sockmode::detail {

// What the threads using one descriptor share: its mode, whether it may still be used, and
// who is waiting on it. Opaque here: its definition is the library's own (src/wait/), so the
// engine's bookkeeping is no part of the ABI. The inline and template code of the public
// headers reaches it only through the exported calls below.
class io_state;
struct iovecs;

// One non-blocking attempt of a call: the bytes it transferred, or an error (would_block: try
// again once ready).
using attempt_fn = function_ref<std::size_t(boost::system::error_code&)>;

// The one place the modes live. Calls `attempt`; if it would block, waits as the state's mode
// says and tries again, under one time limit for the whole call (from the first would-block, or
// from the start with `limit_from_start`, for an attempt that may transfer a lot and then
// still wait, as sendall's). The socket's deadline for the direction caps every wait.
SOCKMODE_API std::size_t perform(io_state& state, boost::asio::socket_base::wait_type w,
                                 attempt_fn attempt, boost::system::error_code& ec,
                                 bool limit_from_start = false);
// As perform, for a stream read into `buffers` (no address, no flags) by `attempt`; the wait
// backend may hand a read that has to wait to the kernel whole (io_uring). End of stream is
// error eof, as `attempt` reports it.
SOCKMODE_API std::size_t perform_read(io_state& state, const iovecs& buffers,
                                      attempt_fn attempt, boost::system::error_code& ec);
// Whether the state was closed (close(), or moved from).
SOCKMODE_API bool is_closed(const io_state& state) noexcept;
// Its descriptor, -1 until the socket is opened.
SOCKMODE_API int descriptor_of(const io_state& state) noexcept;

// The calling thread's wait backend, "io_uring" or "epoll" (made now if it was not yet). Not
// used by the headers: the tests ask which backend they measure.
SOCKMODE_API const char* wait_backend_name();

}  // namespace sockmode::detail

#endif  // SOCKMODE_DETAIL_IO_STATE_HPP
