// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: the definition of io_state, which the public headers only declare
// (<sockmode/detail/io_state.hpp>), so that the engine's bookkeeping can change without
// changing the shared library's ABI. Included by every file of the library that uses it.
#ifndef SOCKMODE_SRC_WAIT_IO_STATE_HPP
#define SOCKMODE_SRC_WAIT_IO_STATE_HPP

#include <sockmode/detail/function_ref.hpp>
#include <sockmode/detail/io_state.hpp>
#include <sockmode/detail/timeout.hpp>

#include "time.hpp"

#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace sockmode::detail {

struct waiter;
struct thread_context;
struct thread_record;
struct selector_core;

// What the threads using one descriptor share: its mode, whether it may still be used, and
// who is waiting on it. Heap-allocated by io_object, so its address is stable during calls.
class io_state {
 public:
  using wait_type = boost::asio::socket_base::wait_type;
  using attempt_fn = detail::attempt_fn;

  explicit io_state(timeout_type mode) noexcept;
  io_state(const io_state&) = delete;
  io_state& operator=(const io_state&) = delete;
  ~io_state();

  void set_timeout(timeout_type t) noexcept;
  timeout_type timeout() const noexcept;

  // The socket's absolute deadlines (Go's SetReadDeadline / SetWriteDeadline), the only times
  // the engine calls deadlines, in steady_clock nanoseconds since its epoch (the engine's one
  // time type, `instant`; no_deadline is its `never`), for the calls that wait for `w`:
  // wait_write is the write direction, the other wait types the read direction. Setting one
  // reaches the calls waiting in that direction right now.
  static constexpr std::int64_t no_deadline = never;
  void set_deadline(wait_type w, std::int64_t deadline_ns) noexcept;
  std::int64_t deadline(wait_type w) const noexcept {
    return deadline_for(w).load(std::memory_order_relaxed);
  }

  // The descriptor that waits register; set once the socket is opened. (Inline code in the
  // public headers reads it, and closed(), through descriptor_of() and is_closed().)
  void set_descriptor(int fd) noexcept;
  int descriptor() const noexcept { return fd_.load(std::memory_order_acquire); }
  // Until close_when_unused() has run its close_descriptor step. Read with lock() held.
  bool descriptor_open() const noexcept { return !descriptor_closed_; }

  // Runs `f` under the lock that close_when_unused() closes the descriptor under.
  void serialize(function_ref<void()> f);
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  // The one place the modes live. Calls `attempt` (one non-blocking syscall); if it would
  // block, waits as the mode says and tries again, under one call limit for the whole call.
  // The call limit (the mode's timeout) is counted from the first would-block, which for a
  // single syscall is the start of the call without reading the clock on the fast path; an
  // attempt that may transfer a lot and then still wait (sendall) asks for `limit_from_start`.
  // The socket's deadline for the direction caps every wait; once that has passed the call
  // fails with error::timeout before it tries, so the fast path pays one relaxed load for it.
  std::size_t perform(wait_type w, attempt_fn attempt, boost::system::error_code& ec,
                      bool limit_from_start = false);

  // As perform, for a stream read into `buffers` (no address, no flags) by `attempt`. Where
  // the thread's wait backend can hand the read itself to the kernel (io_uring), a read that
  // has to wait is submitted whole, and one that follows a read that drained the socket is
  // submitted without trying first: a waiting read then costs what a blocking read costs.
  // End of stream is error eof, as `attempt` reports it.
  std::size_t perform_read(const iovecs& buffers, attempt_fn attempt,
                           boost::system::error_code& ec);

  // As perform, for an attempt that may answer `no_readiness_event()`: it cannot complete yet,
  // and no readiness event will say when it can. The case is connect to a Unix listener whose
  // backlog is full: the kernel answers EAGAIN, and poll() reports an unconnected Unix socket
  // writable at once, so a readiness wait would spin. Blocking mode then sleeps on the
  // thread's timer, with bounded exponential back-off, and tries again; cancel() and close()
  // end the sleep as they end any wait. The other modes fail with that code at once, as
  // CPython's O_NONBLOCK descriptor does in timeout and non-blocking mode.
  std::size_t perform_with_back_off(wait_type w, attempt_fn attempt,
                                    boost::system::error_code& ec);
  // EAGAIN in the generic category: equal to errc::resource_unavailable_try_again, and not
  // taken for would_block (EAGAIN in the system category), which means "wait for readiness".
  static boost::system::error_code no_readiness_event() noexcept {
    return {EAGAIN, boost::system::generic_category()};
  }
  // Runs `attempt` once inside a call (a concurrent close_when_unused() waits for it), without
  // the mode or the deadlines: for calls that never wait (bind, shutdown, getsockname).
  void perform_without_waiting(attempt_fn attempt, boost::system::error_code& ec);

  // As perform, but under `timeout` instead of the mode: selector::select() waits on its epoll
  // descriptor this way.
  std::size_t perform_within(wait_type w, timeout_type timeout, attempt_fn attempt,
                             boost::system::error_code& ec);

  // Readiness only, for `timeout` instead of the mode (a select() on one descriptor).
  void wait(wait_type w, timeout_type timeout, boost::system::error_code& ec);

  // Fails the calls waiting right now with operation_aborted.
  void cancel() noexcept;

  // Runs `open_descriptor` (which opens and calls set_descriptor) unless the state is closed,
  // serialised with close_when_unused(): a lazy open racing with close() never leaks or reopens.
  void open(function_ref<void(boost::system::error_code&)> open_descriptor,
            boost::system::error_code& ec);

  // Stops new calls (they fail with bad_descriptor), aborts waiting ones, waits until no thread
  // uses the descriptor any more, and only then runs `close_descriptor`, once however many threads
  // call close_when_unused(): a reused descriptor number is never touched by a late call, and two
  // concurrent close() calls never close it twice.
  void close_when_unused(function_ref<void()> close_descriptor) noexcept;

 private:
  std::size_t call(wait_type w, std::int64_t timeout_ns, attempt_fn attempt,
                   boost::system::error_code& ec, bool limit_from_start,
                   bool back_off = false, const iovecs* read = nullptr);
  thread_record* enter(boost::system::error_code& ec) noexcept;
  static void leave(thread_record* record) noexcept;
  // Until `fd` is ready for `w`, `limit` (the call limit, or a sleep's end; never: none) or the
  // socket's deadline for `w` passes (error::timeout), or cancel() or close() aborts the wait.
  // With fd < 0 there is no descriptor: a sleep until then that cancel() and close() still end.
  // With `read`, the backend reads into it instead, and a read that completes stores its
  // byte count in *bytes_read (0: end of stream); otherwise *bytes_read is left alone.
  boost::system::error_code wait_once(int fd, wait_type w, instant limit,
                                      std::uint64_t cancel_generation,
                                      const iovecs* read = nullptr,
                                      std::size_t* bytes_read = nullptr);
  void abort_waiters();  // with lock() held
  // Whether any thread is inside a call on this socket (close_when_unused() waits until none is).
  bool in_use_by_any_thread() const noexcept;
  // A mutex from a fixed set shared by all sockets, so that fork() can hold them all and the
  // child never inherits one locked by a thread that did not survive.
  std::mutex& lock() const noexcept;
  const std::atomic<std::int64_t>& deadline_for(wait_type w) const noexcept {
    return w == wait_type::wait_write ? write_deadline_ns_ : read_deadline_ns_;
  }
  // `limit`, or the socket's deadline for `w` if that is earlier: when a wait ends.
  instant capped_by_deadline(wait_type w, instant limit) const noexcept;

  std::atomic<std::int64_t> timeout_ns_;  // -1 blocking, 0 non-blocking, > 0 timeout
  std::atomic<std::int64_t> read_deadline_ns_{no_deadline};
  std::atomic<std::int64_t> write_deadline_ns_{no_deadline};
  std::atomic<int> fd_{-1};
  std::atomic<bool> closed_{false};
  // The last read drained the socket: the next one waits before it tries (perform_read).
  std::atomic<bool> reads_drained_{false};
  std::atomic<const thread_record*> owner_{nullptr};  // the first thread to enter a call
  // Threads other than the owner inside a call on this socket right now.
  mutable std::atomic<unsigned> others_in_use_{0};
  std::atomic<std::uint64_t> cancel_generation_{0};
  waiter* waiters_ = nullptr;          // guarded by lock()
  bool descriptor_closed_ = false;     // guarded by lock()
  // Thread contexts whose cache holds this descriptor; guarded by the registry mutex in
  // src/wait/thread.cpp.
  std::vector<thread_context*> registered_in_;
  friend struct thread_context;
  // Selectors this descriptor is registered in; guarded by the registry mutex in
  // src/selector.cpp. close_when_unused() takes it out of them before the descriptor is closed.
  std::vector<selector_core*> selected_in_;
  friend struct selector_core;
};

// wait() takes wait_read, wait_write or wait_error; any other value fails with
// invalid_argument before anything waits.
inline bool is_wait_type(boost::asio::socket_base::wait_type w) noexcept {
  return w == boost::asio::socket_base::wait_read || w == boost::asio::socket_base::wait_write ||
         w == boost::asio::socket_base::wait_error;
}

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_WAIT_IO_STATE_HPP
