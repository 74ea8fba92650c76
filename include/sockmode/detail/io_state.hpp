#ifndef SOCKMODE_DETAIL_IO_STATE_HPP
#define SOCKMODE_DETAIL_IO_STATE_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/detail/function_ref.hpp>
#include <sockmode/detail/timeout.hpp>

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
struct thread_slot;

// What the threads using one descriptor share: its mode, whether it may still be used, and
// who is waiting on it. Heap-allocated by io_object, so its address is stable during calls.
class SOCKMODE_API io_state {
 public:
  using wait_type = boost::asio::socket_base::wait_type;
  using attempt_fn = function_ref<std::size_t(boost::system::error_code&)>;

  explicit io_state(timeout_type mode) noexcept;
  io_state(const io_state&) = delete;
  io_state& operator=(const io_state&) = delete;
  ~io_state();

  void set_timeout(timeout_type t) noexcept;
  timeout_type timeout() const noexcept;

  // The descriptor that waits register; set once the socket is opened.
  void set_descriptor(int fd) noexcept;
  int descriptor() const noexcept { return fd_.load(std::memory_order_acquire); }
  // Until shut() has run its close_descriptor step. Read with lock() held.
  bool descriptor_open() const noexcept { return !descriptor_closed_; }

  // Runs `f` under the lock that shut() closes the descriptor under.
  void serialize(function_ref<void()> f);
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  // The one place the modes live. Calls `attempt` (one non-blocking syscall); if it would
  // block, waits as the mode says and tries again, under one deadline for the whole call.
  // The deadline is fixed at the first would-block, which for a single syscall is the start
  // of the call without reading the clock on the fast path; an attempt that may transfer a
  // lot and then still wait (sendall) asks for `deadline_from_start`.
  std::size_t perform(wait_type w, attempt_fn attempt, boost::system::error_code& ec,
                      bool deadline_from_start = false);

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

  // Readiness only, for `timeout` instead of the mode (a select() on one descriptor).
  void wait(wait_type w, timeout_type timeout, boost::system::error_code& ec);

  // Fails the calls waiting right now with operation_aborted.
  void cancel() noexcept;

  // Runs `open_descriptor` (which opens and calls set_descriptor) unless the state is
  // closed, serialised with shut(): a lazy open racing with close() never leaks or reopens.
  void open(function_ref<void(boost::system::error_code&)> open_descriptor,
            boost::system::error_code& ec);

  // Stops new calls (they fail with bad_descriptor), aborts waiting ones, waits until no
  // thread uses the descriptor any more, and only then runs `close_descriptor`, once however
  // many threads call shut(): a reused descriptor number is never touched by a late call,
  // and two concurrent close() calls never close it twice.
  void shut(function_ref<void()> close_descriptor) noexcept;

 private:
  std::size_t run(wait_type w, std::int64_t timeout_ns, attempt_fn attempt,
                  boost::system::error_code& ec, bool deadline_from_start,
                  bool back_off = false);
  thread_slot* enter(boost::system::error_code& ec) noexcept;
  static void leave(thread_slot* slot) noexcept;
  // Until `fd` is ready for `w`, the deadline (-1: none) passes (error::timeout), or cancel()
  // or close() aborts the wait. With fd < 0 there is no descriptor: a sleep until the deadline
  // that cancel() and close() still end.
  boost::system::error_code await(int fd, wait_type w, std::int64_t deadline_ns,
                                  std::uint64_t cancel_generation);
  void abort_waiters();  // with lock() held
  // A mutex from a fixed set shared by all sockets, so that fork() can hold them all and the
  // child never inherits one locked by a thread that did not survive.
  std::mutex& lock() const noexcept;

  std::atomic<std::int64_t> timeout_ns_;  // -1 blocking, 0 non-blocking, > 0 timeout
  std::atomic<int> fd_{-1};
  std::atomic<bool> closed_{false};
  std::atomic<const thread_slot*> owner_{nullptr};  // the first thread to enter a call
  std::atomic<std::uint64_t> cancel_generation_{0};
  waiter* waiters_ = nullptr;          // guarded by lock()
  bool descriptor_closed_ = false;     // guarded by lock()
  // Thread contexts whose cache holds this descriptor; guarded by the registry mutex in
  // src/io_state.cpp.
  std::vector<thread_context*> registered_in_;
  friend struct thread_context;
};

}  // namespace sockmode::detail

#endif  // SOCKMODE_DETAIL_IO_STATE_HPP
