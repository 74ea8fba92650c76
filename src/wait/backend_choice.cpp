// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Which backend a thread waits with, and what a call says when its thread cannot make one.
#include "cannot_wait.hpp"
#include "thread.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sockmode::detail {

// Every thread waits with epoll, or with io_uring when SOCKMODE_WAIT_BACKEND=io_uring asks for
// it (one descriptor per thread instead of two, fewer syscalls per wait, but more CPU per
// wait and a slower round trip on the reference machine: README, "Benchmarks"). The choice is
// the process's, made at the first wait; a refused io_uring_setup (an old kernel, seccomp, a
// container) falls back to epoll for good.
namespace {

std::atomic<bool> uring_refused{false};

bool uring_wanted() noexcept {
#if defined(SOCKMODE_HAS_IO_URING)
  static const bool wanted = [] {
    const char* v = std::getenv("SOCKMODE_WAIT_BACKEND");
    return v != nullptr && std::strcmp(v, "io_uring") == 0;
  }();
  return wanted && !uring_refused.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

}  // namespace

wait_backend* make_backend() {
#if defined(SOCKMODE_HAS_IO_URING)
  if (uring_wanted()) {
    int error = 0;
    if (wait_backend* b = make_uring_backend(&error)) return b;
    if (error == EMFILE || error == ENFILE || error == ENOMEM) {
      // Out of descriptors or memory, not refused: epoll would fail the same way.
      boost::throw_exception(boost::system::system_error(
          error_code(error, boost::system::system_category()), "cannot wait"));
    }
    uring_refused.store(true, std::memory_order_relaxed);
  }
#endif
  int error = 0;
  if (wait_backend* b = make_epoll_backend(&error)) return b;
  // As Asio throws, so that a sanitizer's type cache warmed by Asio's exceptions knows it.
  boost::throw_exception(boost::system::system_error(
      error_code(error, boost::system::system_category()), "cannot wait"));
}

int descriptors_per_waiting_thread() noexcept {
  return uring_wanted() ? uring_descriptors : epoll_descriptors;
}

bool explain_cannot_wait(const error_code& ec, std::string& what, std::string& detail) {
  const int e = this_thread_record().context_error;
  if (e == 0 || this_thread_record().context ||
      ec != error_code(e, boost::system::system_category()))
    return false;
  what += ": cannot wait";
  detail = " (each waiting thread holds " + std::to_string(descriptors_per_waiting_thread()) +
           (descriptors_per_waiting_thread() == 1 ? " descriptor" : " descriptors");
  if (e == EMFILE) detail += "; raise RLIMIT_NOFILE)";
  else if (e == ENFILE) detail += "; the system's file table is full: raise fs.file-max)";
  else detail += " and kernel memory)";
  return true;
}

}  // namespace sockmode::detail
