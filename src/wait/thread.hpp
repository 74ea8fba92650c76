// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: what the wait engine keeps per thread, and the registry that links threads and
// sockets (src/wait/thread.cpp). Shared by the engine's files; never included by a backend.
#ifndef SOCKMODE_SRC_WAIT_THREAD_HPP
#define SOCKMODE_SRC_WAIT_THREAD_HPP

#include "backend.hpp"
#include "io_state.hpp"

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace sockmode::detail {

using boost::system::error_code;

// Bumped in a fork child: a thread context made before it lets go of its backend first.
extern std::atomic<unsigned> fork_generation;
// Guards the links between sockets and the thread contexts that hold their registrations:
// io_state::registered_in_, thread_record::dead, and changes to any context's cache. Taken on
// a cache miss, when a socket closes and when a thread exits; never on the wait fast path.
extern std::mutex registry_mutex;
// The records of the threads alive (in a fork child: of the forking thread and the threads
// made since); guarded by registry_mutex.
extern std::vector<thread_record*>& live_records;
// In a fork child: threads of the parent that did not survive may have left their calls
// counted in a socket's others_in_use_, so close() asks the live threads' records instead.
extern bool in_fork_child;  // written with registry_mutex held, before any other thread exists

// Whether membarrier's private expedited command is registered: then the owner of a socket
// enters a call with a plain store, and a close() from another thread pays with heavy_fence().
extern const bool membarrier_registered;
// The heavy half of the asymmetric fence: every running thread of this process executes a
// full barrier.
void heavy_fence() noexcept;

// A mutex from a fixed set shared by all sockets, so that fork() can hold them all and the
// child never inherits one locked by a thread that did not survive.
std::mutex& socket_lock(const void* socket) noexcept;

// src/wait/backend_choice.cpp: the backend for a new thread context. Throws
// boost::system::system_error with the errno where the kernel refuses a descriptor or memory.
wait_backend* make_backend();

// What sockmode keeps per thread. Which socket, if any, the thread is inside a call on (a
// thread is inside at most one call at a time), and its wait context, made by its first wait
// so that threads that never wait cost no descriptors.
//
// Whether a socket is still in use is two questions for close(), each O(1): is its owner (the
// first thread to use it) inside a call on it, which the owner publishes with one plain store
// in its record, and how many other threads are, a counter in the socket that only they pay for.
struct thread_record {
  std::atomic<const io_state*> in_use{nullptr};
  bool counted = false;  // the call in progress is in its socket's others_in_use_
  bool dead = false;     // in a fork child: a thread that did not survive the fork
  std::unique_ptr<thread_context> context;
  // The errno of this thread's last failed attempt to make its context, while it has none.
  int context_error = 0;
};

// A thread waiting on a socket, in the socket's list of waiters (io_state::waiters_).
struct waiter {
  thread_context* context;
  std::uint64_t id;
  waiter* next;
  bool writes;  // the direction whose deadline applies
};

// The wait backend a thread waits with (src/wait/backend.hpp): one per thread, not per
// socket, so that a thread that never waits costs no descriptors. With io_uring it costs one
// descriptor (the ring); with epoll two (epoll, eventfd).
//
// A descriptor stays registered with it after a wait, in a small cache, so that the next wait on
// the same socket costs no registration syscalls. A socket's entries are dropped from every cache
// before its descriptor is closed (io_state::close_when_unused), so no cache ever holds a closed or
// reused descriptor number.
struct thread_context {
  struct registration {
    // The socket it belongs to. Entries are dropped before their socket's descriptor closes
    // (io_state::close_when_unused), so a live entry never refers to a closed or reused number.
    io_state* owner = nullptr;
    std::uint64_t last_use = 0;
  };

  explicit thread_context(const thread_record& thread)
      : backend(make_backend()), owner_thread(thread) {}
  thread_context(const thread_context&) = delete;
  thread_context& operator=(const thread_context&) = delete;
  ~thread_context() {
    std::lock_guard<std::mutex> registry(registry_mutex);
    drop_all();
  }

  // The record holding `owner`'s descriptor, registered on a miss (evicting the least recently
  // used entry); no_entry if it cannot be registered. Only this context's own thread calls it.
  std::size_t acquire(io_state& owner, int fd, error_code& ec) {
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      for (std::size_t i = 0; i < cache.size(); ++i) {
        if (cache[i].owner == &owner) {
          cache[i].last_use = ++use_clock;
          return i;
        }
      }
    }
    std::lock_guard<std::mutex> registry(registry_mutex);
    std::lock_guard<std::mutex> lock(cache_mutex);
    std::size_t victim = 0;
    for (std::size_t i = 1; i < cache.size(); ++i) {
      if (cache[i].last_use < cache[victim].last_use) victim = i;
    }
    drop(victim);
    if (const int e = backend->assign(victim, fd); e != 0) {
      ec = error_code(e, boost::system::system_category());
      return wait_backend::no_entry;
    }
    cache[victim].owner = &owner;
    cache[victim].last_use = ++use_clock;
    owner.registered_in_.push_back(this);
    return victim;
  }

  // With registry_mutex and cache_mutex held. The descriptor belongs to its socket and is
  // still open here: deregister it, never close it.
  void drop(std::size_t i) {
    registration& r = cache[i];
    if (r.owner == nullptr) return;
    backend->release(i);
    auto& links = r.owner->registered_in_;
    links.erase(std::remove(links.begin(), links.end(), this), links.end());
    r.owner = nullptr;
  }

  // With registry_mutex held.
  void drop_all() {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (std::size_t i = 0; i < cache.size(); ++i) drop(i);
  }

  void drop_owner(const io_state& owner) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (std::size_t i = 0; i < cache.size(); ++i) {
      if (cache[i].owner == &owner) drop(i);
    }
  }

  std::unique_ptr<wait_backend> backend;
  std::mutex cache_mutex;  // this thread, and another one dropping a closed socket
  std::array<registration, wait_backend::cache_size> cache{};
  std::uint64_t use_clock = 0;
  unsigned fork_gen = fork_generation.load(std::memory_order_relaxed);
  const thread_record& owner_thread;  // whose context this is
  // The wait in progress, or the last one. Signals carry the id of the wait they are meant
  // for, so one that arrives late is recognised and ignored.
  std::uint64_t wait_id = 0;
  // This thread's entry in the waiters of the socket it waits on. Here rather than on its
  // stack: a fork child may still walk a list that holds a thread that did not survive the
  // fork, whose stack the child's new threads may reuse.
  waiter self{};
};

// This thread's record, taken at its first use of sockmode and given back when it exits.
thread_record& this_thread_record() noexcept;
// This thread's wait context, made by its first wait. Throws boost::system::system_error
// where it cannot be made (EMFILE, ENFILE, ENOMEM), and records why for the message.
thread_context& this_thread_context();
// Registers the fork handlers, once.
void install_fork_handlers() noexcept;

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_WAIT_THREAD_HPP
