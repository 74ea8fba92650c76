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
// Its configuration is sockmode's own. Without a timerfd the reactor times its waits with
// epoll_wait's timeout: a waiting thread holds 2 descriptors (epoll, eventfd), not 3, at the
// same speed. Asio 1.81 has no switch for it (its config turns the timerfd on with glibc 2.8
// or later, and every use asks `defined(BOOST_ASIO_HAS_TIMERFD)`): the macro is taken back
// once the config has been read. Nothing here uses Boost.DateTime's timers.
#define BOOST_ASIO_DISABLE_BOOST_DATE_TIME 1
#include <boost/asio/detail/config.hpp>
#undef BOOST_ASIO_HAS_TIMERFD

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
