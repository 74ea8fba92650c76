// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The io_uring wait backend: Asio's io_uring backend as its default, in a private copy of
// Boost (src/wait/backend.hpp). Nothing from Boost may be included before these lines.
#if defined(BOOST_CONFIG_HPP) || defined(boost)
#error "the private engine's Boost must be the first thing this file includes"
#endif
#define boost sockmode_uring_boost
#define boost_asio_detail_posix_thread_function sockmode_uring_boost_posix_thread_function
#if !__has_include(<sockmode_uring_boost/version.hpp>)
#error "build with the private Boost include directory (CMakeLists.txt, sockmode_private_boost)"
#endif
#define BOOST_ASIO_HAS_IO_URING 1
#define BOOST_ASIO_HAS_IO_URING_AS_DEFAULT 1
#define BOOST_ASIO_DISABLE_BOOST_DATE_TIME 1

// liburing is loaded when the first thread asks for io_uring, not linked: a program links
// with `-lsockmode -pthread` alone, whether liburing is installed or not, and where it is
// not (or is not liburing 2) io_uring counts as refused and every thread waits with epoll.
// Asio calls four of its functions (the rest are inline in liburing.h); each is redirected
// here to the loaded library. __io_uring_get_cqe, which liburing.h's own inline functions
// call, is renamed before that header is read.
#define __io_uring_get_cqe sockmode_uring_get_cqe
#include <liburing.h>
#include <dlfcn.h>

// For `make memcheck` (the CMake option SOCKMODE_VALGRIND) the backend tells valgrind what it
// cannot see of io_uring: the bytes a read wrote (SOCKMODE_KERNEL_WROTE, below) and how a
// thread waits for the ring (sockmode_uring_get_cqe). Every other build compiles none of it.
#if defined(SOCKMODE_VALGRIND)
#if !__has_include(<valgrind/memcheck.h>)
#error "SOCKMODE_VALGRIND needs valgrind's client request header (Debian: valgrind)"
#endif
#include <valgrind/memcheck.h>
#include <poll.h>
// The kernel writes a read's bytes as the ring completes it, outside any system call valgrind
// follows: memcheck would take them as never written and report their first use (a parser
// reading a received header) as uninitialised. The ring's own memory needs nothing: valgrind
// takes the pages liburing maps as defined from the moment they are mapped.
#define SOCKMODE_KERNEL_WROTE(address, size) VALGRIND_MAKE_MEM_DEFINED(address, size)
#endif

namespace {

struct uring_library {
  decltype(&::io_uring_queue_init) queue_init = nullptr;
  decltype(&::io_uring_queue_exit) queue_exit = nullptr;
  decltype(&::io_uring_submit) submit = nullptr;
  decltype(&::sockmode_uring_get_cqe) get_cqe = nullptr;
};

template <class F>
void load(void* library, const char* name, F& f) {
  f = reinterpret_cast<F>(::dlsym(library, name));
}

const uring_library& uring() {
  static const uring_library loaded = [] {
    uring_library l;
    // Never closed: the rings it made live as long as their threads.
    void* library = ::dlopen("liburing.so.2", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) return l;
    load(library, "io_uring_queue_init", l.queue_init);
    load(library, "io_uring_queue_exit", l.queue_exit);
    load(library, "io_uring_submit", l.submit);
    load(library, "__io_uring_get_cqe", l.get_cqe);
    if (!l.queue_init || !l.queue_exit || !l.submit || !l.get_cqe) l = {};
    return l;
  }();
  return loaded;
}

// Asio 1.81 makes every io_uring instance with 16,384 entries: about 2.6 MiB of kernel memory
// and 14 ms to set up on the reference machine, per thread here. A thread's wait context has
// a handful of operations in flight at most (a read or a wait, the timer's timeout, a cancel,
// the wake-ups other threads post), and Asio submits early when the ring is full, so 64
// entries are plenty: 64 us to set up and no measurable memory. Asio takes the size from a
// constant only; its one call is in io_uring_service::init_ring.
constexpr unsigned uring_entries = 64;

}  // namespace

static int sockmode_uring_queue_init(io_uring* ring, unsigned flags) {
  // Without the library Asio sees io_uring_setup refused, as on a kernel without it.
  return uring().queue_init ? uring().queue_init(uring_entries, ring, flags) : -ENOSYS;
}

// Only after a successful queue_init, so the library is there.
static void sockmode_uring_queue_exit(io_uring* ring) { uring().queue_exit(ring); }
static int sockmode_uring_submit(io_uring* ring) { return uring().submit(ring); }
#if defined(SOCKMODE_VALGRIND)
// valgrind (3.19) runs io_uring_enter as a system call that cannot block: a thread waiting in
// it keeps valgrind's lock, and every other thread of the process stands still until the wait
// ends, so a peer thread's send never comes and a blocking call waits forever. Under valgrind
// a wait for a completion waits in poll(2) on the ring's descriptor instead, which is readable
// while a completion is there and which valgrind knows may block; nothing else changes.
static int sockmode_uring_wait_in_poll(io_uring* ring, io_uring_cqe** cqe) {
  for (;;) {
    const int result = uring().get_cqe(ring, cqe, 0, 0, nullptr);  // never waits
    if (result == 0 && *cqe != nullptr) return 0;
    if (result < 0 && result != -EAGAIN) return result;
    pollfd ring_fd{ring->ring_fd, POLLIN, 0};
    if (::poll(&ring_fd, 1, -1) < 0) return -errno;  // EINTR, as io_uring_enter's
  }
}
#endif

extern "C" int sockmode_uring_get_cqe(io_uring* ring, io_uring_cqe** cqe, unsigned submit,
                                      unsigned wait_nr, sigset_t* sigmask) {
#if defined(SOCKMODE_VALGRIND)
  // Asio waits for one completion with nothing to submit and no signal mask.
  if (RUNNING_ON_VALGRIND && submit == 0 && wait_nr == 1 && sigmask == nullptr)
    return sockmode_uring_wait_in_poll(ring, cqe);
#endif
  return uring().get_cqe(ring, cqe, submit, wait_nr, sigmask);
}

#define io_uring_queue_init(entries, ring, flags) sockmode_uring_queue_init(ring, flags)
#define io_uring_queue_exit sockmode_uring_queue_exit
#define io_uring_submit sockmode_uring_submit

// Asio 1.81 prepares its cancel requests (and one timeout removal) without setting their user
// data, and liburing leaves the field as the reused queue entry had it: the request's own
// completion ("nothing left to cancel", ENOENT) then lands on whichever operation last used
// the entry, and a later wait on that descriptor fails with it. Zero the field first; Asio
// sets it afterwards where it wants one. Asio writes the calls as ::io_uring_prep_..., so the
// replacements live in the global namespace.
static inline void sockmode_prep_cancel(io_uring_sqe* sqe, void* user_data, int flags) {
  io_uring_prep_cancel(sqe, user_data, flags);
  io_uring_sqe_set_data(sqe, nullptr);
}
static inline void sockmode_prep_timeout_remove(io_uring_sqe* sqe, __u64 user_data,
                                                unsigned flags) {
  io_uring_prep_timeout_remove(sqe, user_data, flags);
  io_uring_sqe_set_data(sqe, nullptr);
}
#define io_uring_prep_cancel sockmode_prep_cancel
#define io_uring_prep_timeout_remove sockmode_prep_timeout_remove

#include "asio_backend.hpp"

#include <boost/system/system_error.hpp>

#include <cerrno>
#include <new>

namespace sockmode::detail {

wait_backend* make_uring_backend(int* error) noexcept {
  try {
    return new asio_wait_backend("io_uring");
  } catch (const boost::system::system_error& e) {
    *error = e.code().value() != 0 ? e.code().value() : ENOSYS;  // io_uring_setup refused
  } catch (const std::bad_alloc&) {
    *error = ENOMEM;
  } catch (...) {
    *error = ENOSYS;
  }
  return nullptr;
}

}  // namespace sockmode::detail
