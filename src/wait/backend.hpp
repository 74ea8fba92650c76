// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The half of the wait path that touches Asio: one io_context per thread, its steady_timer,
// and the descriptors registered with it. src/wait/wait_loop.cpp decides when and how long to
// wait; a backend only waits. Two implementations share src/wait/asio_backend.hpp:
//
//   epoll    Asio's epoll reactor, with a timerfd while descriptors are plentiful
//            (src/wait/epoll.cpp).
//   io_uring Asio's io_uring backend (src/wait/io_uring.cpp), where liburing is there.
//
// Both use a private copy of Asio, so that its configuration is sockmode's own and the
// program's own Asio is untouched whatever macros it is built with: each backend's file
// renames the namespace `boost` (`#define boost sockmode_epoll_boost`) before it includes
// anything, and finds Boost's headers under that name through a directory of the build tree
// holding a link to Boost's include directory (CMakeLists.txt). Every symbol of its Asio then
// has a name of its own, and needs no linker option (a shared build only makes the ones Boost
// marks visible local: src/wait/private_boost.map). Only plain types cross this interface:
// an error_code made in a backend would name its private category.
#ifndef SOCKMODE_SRC_WAIT_BACKEND_HPP
#define SOCKMODE_SRC_WAIT_BACKEND_HPP

#include "time.hpp"

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

namespace sockmode::detail {

// How a wait ended. Plain values only cross between the backends and the wait loop: an
// error_code made inside the isolated object would name a private copy of its category.
enum class wake : unsigned char { ready, timed_out, aborted, deadline_moved };

struct wait_outcome {
  wake how = wake::ready;
  int error = 0;           // errno of a failed wait or read (ready only)
  std::size_t bytes = 0;   // read(): what was read; 0 with error 0 is end of stream
};

class wait_backend {
 public:
  // Registrations a thread keeps (thread_context's cache, src/wait/thread.hpp, chooses which
  // socket holds which).
  static constexpr std::size_t cache_size = 8;
  static constexpr std::size_t no_entry = static_cast<std::size_t>(-1);
  enum direction : unsigned char { read_ready, write_ready, error_ready };

  wait_backend() = default;
  wait_backend(const wait_backend&) = delete;
  wait_backend& operator=(const wait_backend&) = delete;
  virtual ~wait_backend();

  // Registers `fd` in `entry` (0 or an errno); release() deregisters it and never closes it.
  virtual int assign(std::size_t entry, int fd) noexcept = 0;
  virtual void release(std::size_t entry) noexcept = 0;

  // Waits until `entry`'s descriptor is ready for `d` (no_entry: nothing but the time),
  // `until` passes (never: none) or signal() ends wait `id`. `until` is when this one wait
  // ends: the call's limit or a sleep's end, capped by the socket's deadline (see
  // io_state::wait_once). Only the owning thread calls it.
  virtual wait_outcome wait(std::uint64_t id, std::size_t entry, direction d,
                            instant until) = 0;
  // Whether read() hands the read itself to the kernel, so that a read that has to wait
  // costs the wait alone.
  virtual bool submits_reads() const noexcept = 0;
  // As wait() for reading, but the read is the kernel's: ends with the bytes read, or
  // without reading anything (timed_out, aborted, deadline_moved). A read that completes
  // while it is being cancelled still counts: nothing read is ever dropped.
  virtual wait_outcome read(std::uint64_t id, std::size_t entry, const iovec* buffers,
                            std::size_t count, instant until) = 0;
  // From any thread: ends wait `id` with `how`, if it is still the owner's current wait.
  virtual void signal(std::uint64_t id, wake how) noexcept = 0;
  // In a fork child, from the forking thread: lets go of the parent's epoll or io_uring
  // instance without touching it, so that the backend can then be destroyed safely. The
  // caller replaces it with a new one: Asio 1.81's io_uring service keeps no timeout armed
  // in the ring it makes for the child, so its timers would never fire again.
  virtual void fork_child() = 0;
  virtual const char* name() const noexcept = 0;
};

// Descriptors a thread's wait backend holds at least: epoll and its eventfd, plus a timerfd
// while the process can afford one (epoll_can_afford_timer); io_uring's ring.
constexpr int epoll_descriptors = 2;
constexpr int uring_descriptors = 1;
// Whether a thread's epoll reactor keeps the timerfd `fd` just made: while the process holds
// fewer than a quarter of its soft RLIMIT_NOFILE (src/wait/epoll.cpp).
bool epoll_can_afford_timer(int fd) noexcept;

// nullptr, with *error set (EMFILE, ENFILE, ENOMEM), where the kernel refuses.
wait_backend* make_epoll_backend(int* error) noexcept;
// nullptr, with *error set, where io_uring is refused (old kernels, seccomp, containers) or
// out of descriptors or memory.
wait_backend* make_uring_backend(int* error) noexcept;

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_WAIT_BACKEND_HPP
