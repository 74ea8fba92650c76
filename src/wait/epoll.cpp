// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The epoll wait backend: Asio's epoll reactor, in a private copy of Boost (src/wait/backend.hpp).
// Nothing from Boost may be included before these lines.
#if defined(BOOST_CONFIG_HPP) || defined(boost)
#error "the private engine's Boost must be the first thing this file includes"
#endif
#define boost sockmode_epoll_boost
#define boost_asio_detail_posix_thread_function sockmode_epoll_boost_posix_thread_function
#if !__has_include(<sockmode_epoll_boost/version.hpp>)
#error "build with the private Boost include directory (CMakeLists.txt, sockmode_private_boost)"
#endif
// Its configuration is sockmode's own. A thread's reactor keeps a timerfd, which spares every
// wait a kernel timer of its own (a wait then blocks in epoll_wait with no timeout: 4-5% of a
// loopback round trip here), only while descriptors are plentiful: while the process holds
// fewer than a quarter of its soft RLIMIT_NOFILE. Beyond that a new thread's reactor has no
// timerfd and times its waits with epoll_wait's timeout: 2 descriptors (epoll, eventfd), not 3,
// so a thread-per-connection server runs out of descriptors later. Asio's reactor does
// without a timerfd wherever timerfd_create fails; the macro below makes it ask
// timer_descriptor() instead, which declines when descriptors are scarce. Nothing here uses
// Boost.DateTime's timers.
#define BOOST_ASIO_DISABLE_BOOST_DATE_TIME 1
#include <boost/asio/detail/config.hpp>
#if !defined(BOOST_ASIO_HAS_TIMERFD)
#error "the epoll backend expects Asio's timerfd support (Linux, glibc 2.8 or later)"
#endif

#include "backend.hpp"

#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

namespace sockmode::detail {
namespace {

int timer_descriptor(int clock, int flags) noexcept {
  const int fd = ::timerfd_create(clock, flags);
  if (fd < 0) return fd;
  // Descriptors are numbered lowest first, so a new one's number tells how many are in use.
  if (epoll_can_afford_timer(fd)) return fd;
  ::close(fd);
  errno = EMFILE;  // not EINVAL, which would make Asio ask again without TFD_CLOEXEC
  return -1;
}

}  // namespace

bool epoll_can_afford_timer(int fd) noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return true;
  return static_cast<rlim_t>(fd) < limit.rlim_cur / 4;
}

}  // namespace sockmode::detail

#define timerfd_create(clock, flags) ::sockmode::detail::timer_descriptor(clock, flags)

#include "asio_backend.hpp"

#include <boost/system/system_error.hpp>

#include <cerrno>
#include <new>

namespace sockmode::detail {

wait_backend* make_epoll_backend(int* error) noexcept {
  try {
    return new asio_wait_backend("epoll");
  } catch (const boost::system::system_error& e) {
    *error = e.code().value() != 0 ? e.code().value() : EMFILE;  // epoll_create1 or eventfd
  } catch (const std::bad_alloc&) {
    *error = ENOMEM;
  } catch (...) {
    *error = ENOMEM;
  }
  return nullptr;
}

}  // namespace sockmode::detail
