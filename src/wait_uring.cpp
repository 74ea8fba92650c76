// The io_uring wait backend: Asio's io_uring backend as its default, in a private copy of
// Boost (src/wait_backend.hpp). Nothing from Boost may be included before these lines.
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

// Asio 1.81 makes every io_uring instance with 16,384 entries: about 2.6 MiB of kernel memory
// and 14 ms to set up on the reference machine, per thread here. A thread's wait context has
// a handful of operations in flight at most (a read or a wait, the timer's timeout, a cancel,
// the wake-ups other threads post), and Asio submits early when the ring is full, so 64
// entries are plenty: 64 us to set up and no measurable memory. Asio takes the size from a
// constant only, hence the macro; its one call is in io_uring_service::init_ring.
#include <liburing.h>
namespace sockmode::detail {
constexpr unsigned uring_entries = 64;
}
#define io_uring_queue_init(entries, ring, flags) \
  io_uring_queue_init(::sockmode::detail::uring_entries, ring, flags)

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

#include "wait_backend_impl.hpp"

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
