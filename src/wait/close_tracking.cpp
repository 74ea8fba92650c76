// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Closing a socket only when no call is inside it: which threads are inside a call on a
// socket, and io_state::close_when_unused, which waits until none is before the descriptor is
// closed.
#include "io_state.hpp"
#include "thread.hpp"

#include <boost/asio/error.hpp>

#include <chrono>
#include <thread>

namespace sockmode::detail {

// src/selector.cpp: takes a closing descriptor out of every selector it is registered in.
void drop_from_selectors(io_state& state) noexcept;

io_state::io_state(timeout_type mode) noexcept
    : timeout_ns_(mode ? mode->count() : -1) {
  install_fork_handlers();
}

io_state::~io_state() = default;

void io_state::set_timeout(timeout_type t) noexcept {
  timeout_ns_.store(t ? t->count() : -1, std::memory_order_relaxed);
}

timeout_type io_state::timeout() const noexcept {
  const std::int64_t ns = timeout_ns_.load(std::memory_order_relaxed);
  if (ns < 0) return std::nullopt;
  return std::chrono::nanoseconds(ns);
}

void io_state::set_descriptor(int fd) noexcept { fd_.store(fd, std::memory_order_release); }

thread_record* io_state::enter(error_code& ec) noexcept {
  if (!closed_.load(std::memory_order_relaxed)) {
    thread_record* record = &this_thread_record();
    // Either close_when_unused() sees our record, or we see closed_. The socket's owner (the first
    // thread to use it) publishes with a plain store, and close_when_unused() from any other thread
    // pays for it with membarrier(); every other thread uses a full fence here.
    const thread_record* owner = owner_.load(std::memory_order_relaxed);
    if (owner == record && membarrier_registered) {
      record->counted = false;
      record->in_use.store(this, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      if (owner == nullptr) owner_.compare_exchange_strong(owner, record);
      record->counted = true;
      record->in_use.store(this, std::memory_order_relaxed);  // for a fork child's close()
      others_in_use_.fetch_add(1);                            // a full barrier, as the store was
    }
    if (!closed_.load()) {
      if (fd_.load(std::memory_order_acquire) >= 0) return record;
      leave(record);
      ec = boost::asio::error::not_connected;  // never opened: CPython's ENOTCONN
      return nullptr;
    }
    leave(record);
  }
  ec = boost::asio::error::bad_descriptor;
  return nullptr;
}

void io_state::leave(thread_record* record) noexcept {
  if (record->counted) {
    record->in_use.load(std::memory_order_relaxed)->others_in_use_.fetch_sub(
        1, std::memory_order_release);
  }
  record->in_use.store(nullptr, std::memory_order_release);
}

void io_state::perform_without_waiting(attempt_fn attempt, error_code& ec) {
  thread_record* const record = enter(ec);
  if (record == nullptr) return;
  struct leave_on_exit {
    thread_record* record;
    ~leave_on_exit() { leave(record); }
  } guard{record};
  attempt(ec);
}

std::mutex& io_state::lock() const noexcept { return socket_lock(this); }

void io_state::serialize(function_ref<void()> f) {
  std::lock_guard<std::mutex> guard(lock());
  f();
}

void io_state::open(function_ref<void(error_code&)> open_descriptor, error_code& ec) {
  std::lock_guard<std::mutex> guard(lock());
  if (closed_.load()) {
    ec = boost::asio::error::bad_descriptor;
    return;
  }
  ec = {};
  if (fd_.load(std::memory_order_relaxed) < 0) open_descriptor(ec);
}

bool io_state::in_use_by_any_thread() const noexcept {
  std::lock_guard<std::mutex> registry(registry_mutex);  // a fork child's flag, dead records
  if (in_fork_child) {
    // Counts left by threads that did not survive the fork cannot be trusted here: ask each
    // live thread instead (rarely many, in a child).
    for (const thread_record* record : live_records) {
      if (record->in_use.load() == this) return true;
    }
    return false;
  }
  const thread_record* owner = owner_.load();
  if (owner != nullptr && !owner->dead && owner->in_use.load() == this) return true;
  return others_in_use_.load() != 0;
}

void io_state::close_when_unused(function_ref<void()> close_descriptor) noexcept {
  closed_.store(true);
  const thread_record* owner = owner_.load();
  if (owner != nullptr && owner != &this_thread_record() && membarrier_registered) {
    // The owner's record store may still sit in its CPU's store buffer, and its load of closed_
    // may already have happened: a barrier on every CPU running this process settles both.
    heavy_fence();
  }
  {
    // A wait that registers from now on sees closed_ and gives up.
    std::lock_guard<std::mutex> guard(lock());
    abort_waiters();
  }
  // Until every thread has left its call on this socket: those in a syscall leave within
  // microseconds, and waiting ones as soon as their abort is handled.
  for (int round = 0;; ++round) {
    if (!in_use_by_any_thread()) break;
    if (round < 16) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  {
    // No call uses the descriptor now; take it out of every thread's cache before it is closed.
    std::lock_guard<std::mutex> registry(registry_mutex);
    while (!registered_in_.empty()) {
      thread_context* context = registered_in_.back();
      if (context->owner_thread.dead) registered_in_.pop_back();
      else context->drop_owner(*this);  // removes it from registered_in_
    }
  }
  drop_from_selectors(*this);
  // A second closer waits here until the first has closed the descriptor.
  std::lock_guard<std::mutex> guard(lock());
  if (!descriptor_closed_) {
    close_descriptor();
    descriptor_closed_ = true;
  }
}

}  // namespace sockmode::detail
