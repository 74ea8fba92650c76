// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The one implementation of wait_backend, compiled once per Asio backend: by
// src/wait/epoll.cpp with epoll and by src/wait/io_uring.cpp with io_uring, each in its private
// copy of Boost (src/wait/backend.hpp). Include it from exactly those two files; everything in
// it has internal linkage.
#ifndef SOCKMODE_SRC_WAIT_BACKEND_IMPL_HPP
#define SOCKMODE_SRC_WAIT_BACKEND_IMPL_HPP

#include "backend.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <limits>

namespace sockmode::detail {
namespace {

#if defined(SOCKMODE_KERNEL_WROTE)
// Tells a memory checker that the first `bytes` of `buffers` hold what a read wrote there
// (src/wait/io_uring.cpp defines SOCKMODE_KERNEL_WROTE for valgrind).
void kernel_wrote(const iovec* buffers, std::size_t count, std::size_t bytes) noexcept {
  for (std::size_t i = 0; i < count && bytes > 0; ++i) {
    const std::size_t n = buffers[i].iov_len < bytes ? buffers[i].iov_len : bytes;
    SOCKMODE_KERNEL_WROTE(buffers[i].iov_base, n);
    bytes -= n;
  }
}
#endif

// A read's buffers as Asio takes them, without allocating.
struct buffer_range {
  using value_type = boost::asio::mutable_buffer;
  using const_iterator = const boost::asio::mutable_buffer*;
  const_iterator first;
  const_iterator last;
  const_iterator begin() const noexcept { return first; }
  const_iterator end() const noexcept { return last; }
};

class asio_wait_backend final : public wait_backend {
 public:
  explicit asio_wait_backend(const char* name)
      : name_(name),
        entries_{make_entries(std::make_index_sequence<cache_size>())} {}

  ~asio_wait_backend() override {
    for (auto& s : entries_) {
      if (s.is_open()) s.release();
    }
  }

  int assign(std::size_t entry, int fd) noexcept override {
    boost::system::error_code ec;
    entries_[entry].assign(fd, ec);
    return ec ? (ec.value() != 0 ? ec.value() : EINVAL) : 0;
  }

  void release(std::size_t entry) noexcept override {
    if (entries_[entry].is_open()) entries_[entry].release();
  }

  wait_outcome wait(std::uint64_t id, std::size_t entry, direction d,
                    instant until) override {
    begin(id, until);
    if (entry != no_entry) {
      using w = boost::asio::posix::descriptor_base::wait_type;
      const w type = d == write_ready ? w::wait_write : d == error_ready ? w::wait_error : w::wait_read;
      entries_[entry].async_wait(type, [this, id](const boost::system::error_code& e) {
        if (id_ != id) return;
        op_done_ = true;
        if (e == boost::asio::error::operation_aborted && !ready_) return;  // our own cancel
        outcome_error_ = e.value();
        ready_ = true;
      });
    }
    return finish(entry);
  }

  bool submits_reads() const noexcept override {
#if defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
    return true;
#else
    return false;
#endif
  }

  wait_outcome read(std::uint64_t id, std::size_t entry, const iovec* buffers, std::size_t count,
                    instant until) override {
    std::array<boost::asio::mutable_buffer, 64> b;
    if (count > b.size()) count = b.size();
    for (std::size_t i = 0; i < count; ++i) b[i] = {buffers[i].iov_base, buffers[i].iov_len};
    begin(id, until);
    entries_[entry].async_read_some(
        buffer_range{b.data(), b.data() + count},
        [this, id](const boost::system::error_code& e, std::size_t n) {
          if (id_ != id) return;
          op_done_ = true;
          if (e == boost::asio::error::operation_aborted) return;  // cancelled: nothing read
          // End of stream is a read of 0 bytes here; the caller knows what it means.
          outcome_error_ = e == boost::asio::error::eof ? 0 : e.value();
          bytes_ = e == boost::asio::error::eof ? 0 : n;
          ready_ = true;
        });
    const wait_outcome outcome = finish(entry);
#if defined(SOCKMODE_KERNEL_WROTE)
    if (outcome.how == wake::ready) kernel_wrote(buffers, count, outcome.bytes);
#endif
    return outcome;
  }

  void signal(std::uint64_t id, wake how) noexcept override {
    try {
      boost::asio::post(io_, [this, id, how] {
        if (id_ != id) return;
        if (how == wake::aborted) aborted_ = true;
        if (how == wake::deadline_moved) deadline_moved_ = true;
      });
    } catch (...) {
      // Only allocation can fail here; the waiter still ends at `until` or readiness.
    }
  }

  void fork_child() override { io_.notify_fork(boost::asio::execution_context::fork_child); }

  const char* name() const noexcept override { return name_; }

 private:
  template <std::size_t... I>
  std::array<boost::asio::posix::stream_descriptor, cache_size> make_entries(
      std::index_sequence<I...>) {
    return {((void)I, boost::asio::posix::stream_descriptor(io_))...};
  }

  void begin(std::uint64_t id, instant until) {
    // A new id for every wait: a handler of an earlier wait (a late signal) is ignored.
    id_ = id;
    ready_ = timed_out_ = aborted_ = deadline_moved_ = op_done_ = false;
    outcome_error_ = 0;
    bytes_ = 0;
    until_ = until;
    if (until < timer_expiry_) arm_timer(until);  // never: no timer
  }

  wait_outcome finish(std::size_t entry) {
    // run_one returns after each handler, stale ones included; signals are absorbed inside
    // it, and `until_` is absolute, so neither restarts it.
    if (io_.stopped()) io_.restart();
    while (!ready_ && !timed_out_ && !aborted_ && !deadline_moved_) io_.run_one();
    if (entry != no_entry && !op_done_) {
      // The operation is still with the reactor (or the kernel, for io_uring): cancel it and
      // wait until it has really ended, so that no wait outlives its call and a read that
      // completed meanwhile is delivered rather than lost.
      entries_[entry].cancel();
      while (!op_done_) io_.run_one();
    }
    until_ = never;
    id_ = 0;
    // Ready wins over the time running out or a signal that came at the same moment.
    if (ready_) return {wake::ready, outcome_error_, bytes_};
    if (aborted_) return {wake::aborted, 0, 0};
    if (deadline_moved_) return {wake::deadline_moved, 0, 0};
    return {wake::timed_out, 0, 0};
  }

  // The timer is left armed when a wait ends early: the next wait, typically one that ends
  // later, then costs no timer syscall at all. When it fires before the current wait's
  // `until_` it re-arms for it; with no wait in progress it just stops.
  void arm_timer(instant expiry) {
    timer_expiry_ = expiry;
    timer_.expires_at(to_time_point(expiry));
    timer_.async_wait([this, expiry](const boost::system::error_code& e) {
      if (e || timer_expiry_ != expiry) return;  // replaced by an earlier expiry
      timer_expiry_ = never;
      if (until_ == never) return;  // no wait in progress, or one without an end
      if (until_ <= expiry) timed_out_ = true;
      else arm_timer(until_);
    });
  }

  const char* name_;
  boost::asio::io_context io_{1};  // run by its thread alone; other threads only post
  boost::asio::steady_timer timer_{io_};
  std::array<boost::asio::posix::stream_descriptor, cache_size> entries_;
  instant timer_expiry_ = never;  // never: not armed
  instant until_ = never;         // when the wait in progress ends
  std::uint64_t id_ = 0;           // of the wait in progress; 0: none
  bool ready_ = false;
  bool timed_out_ = false;
  bool aborted_ = false;
  bool deadline_moved_ = false;
  bool op_done_ = false;  // the wait's descriptor operation has completed
  int outcome_error_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace
}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_WAIT_BACKEND_IMPL_HPP
