// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Per-thread state: each thread's record and wait context, the registry linking them to
// sockets, and fork().
#include "thread.hpp"

#include <boost/system/system_error.hpp>

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace sockmode::detail {

wait_backend::~wait_backend() = default;

namespace {

// Registered once; where the kernel refuses, every thread takes the light half's place with a
// full fence of its own and heavy_fence() is never called.
bool register_heavy_fence() noexcept {
  return ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
         ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
}

constexpr std::size_t lock_count = 16;
std::mutex socket_locks[lock_count];

}  // namespace

std::atomic<unsigned> fork_generation{0};
std::mutex registry_mutex;
// Never destroyed: a socket in static storage may be closed after this file's statics are
// gone. Records are never freed, so a socket may keep a pointer to its owner's record
// whatever became of the thread.
std::vector<thread_record*>& live_records = *new std::vector<thread_record*>;
namespace {
// The records of threads that have exited, for new threads to take; guarded by registry_mutex.
std::vector<thread_record*>& free_records = *new std::vector<thread_record*>;
}  // namespace
bool in_fork_child = false;

const bool membarrier_registered = register_heavy_fence();

void heavy_fence() noexcept {
  if (::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
    // Not expected to run: registration proved the call works, and it has no other failure
    // mode. Should it fail anyway, this is a timing argument, not a guarantee: store buffers
    // drain within nanoseconds, and a millisecond is a wide margin.
    static std::atomic<int> barrier{0};
    barrier.fetch_add(1);  // a full barrier on this CPU, at least
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::mutex& socket_lock(const void* socket) noexcept {
  return socket_locks[(reinterpret_cast<std::uintptr_t>(socket) / alignof(io_state)) % lock_count];
}

// A thread's record, taken when the thread first uses sockmode and given back when it exits.
struct record_holder {
  record_holder() {
    std::lock_guard<std::mutex> registry(registry_mutex);
    if (free_records.empty()) {
      record = new thread_record;
    } else {
      record = free_records.back();
      free_records.pop_back();
    }
    live_records.push_back(record);
  }
  record_holder(const record_holder&) = delete;
  record_holder& operator=(const record_holder&) = delete;
  ~record_holder() {
    record->context.reset();  // drops its registrations first
    std::lock_guard<std::mutex> registry(registry_mutex);
    live_records.erase(std::remove(live_records.begin(), live_records.end(), record),
                       live_records.end());
    free_records.push_back(record);
  }
  thread_record* record;
};

// src/selector.cpp: its registry lock, held across fork() like the locks above.
void lock_selectors_for_fork() noexcept;
void unlock_selectors_after_fork() noexcept;

namespace {

thread_local record_holder this_thread_holder;

}  // namespace

thread_record& this_thread_record() noexcept { return *this_thread_holder.record; }

namespace {

// fork() with every socket lock and the registry held, so the child inherits none of them
// locked by a thread that does not exist there. The forking thread also drops its
// registrations while its epoll instance is still its own: the child shares that instance
// until notify_fork, and could neither re-register a registration nor deregister one without
// also removing the parent's.
extern "C" void sockmode_before_fork() {
  static_cast<void>(this_thread_record());  // taken now: taking it takes the registry mutex
  lock_selectors_for_fork();  // every close() takes it (drop_from_selectors)
  for (std::mutex& m : socket_locks) m.lock();
  registry_mutex.lock();
  if (thread_context* context = this_thread_record().context.get()) context->drop_all();
}

void unlock_after_fork() {
  registry_mutex.unlock();
  for (std::mutex& m : socket_locks) m.unlock();
  unlock_selectors_after_fork();
}

extern "C" void sockmode_after_fork_in_parent() { unlock_after_fork(); }

extern "C" void sockmode_after_fork_in_child() {
  if (membarrier_registered) register_heavy_fence();  // idempotent; in case it is not inherited
  // The other threads' contexts are memory without a thread, and their epoll or io_uring
  // instances are the parent's: never touch them again. Their records stay allocated, marked
  // dead, and are never handed out again.
  for (thread_record* record : live_records) {
    if (record != &this_thread_record()) record->dead = true;
  }
  live_records.assign(1, &this_thread_record());
  in_fork_child = true;
  fork_generation.fetch_add(1, std::memory_order_relaxed);
  unlock_after_fork();
}

}  // namespace

thread_context& this_thread_context() {
  thread_record& record = this_thread_record();
  std::unique_ptr<thread_context>& context = record.context;
  if (!context) {
    try {
      context = std::make_unique<thread_context>(record);
    } catch (const boost::system::system_error& e) {
      record.context_error = e.code().value();  // for the message (explain_cannot_wait)
      throw;
    }
    record.context_error = 0;
  } else if (const unsigned gen = fork_generation.load(std::memory_order_relaxed);
             context->fork_gen != gen) {
    // A new backend for the child, once the old one has let go of the parent's instance;
    // the cache is empty (see sockmode_before_fork).
    context->backend->fork_child();
    context->backend.reset(make_backend());
    context->fork_gen = gen;
  }
  return *context;
}

void install_fork_handlers() noexcept {
  static const int registered =
      pthread_atfork(&sockmode_before_fork, &sockmode_after_fork_in_parent,
                     &sockmode_after_fork_in_child);
  static_cast<void>(registered);
}

}  // namespace sockmode::detail
