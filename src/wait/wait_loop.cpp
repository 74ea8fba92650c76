// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The wait loop: every call that would block ends up in io_state::call, which tries, waits
// on the thread's backend, and tries again, under one call limit.
#include <sockmode/detail/syscalls.hpp>
#include <sockmode/error.hpp>

#include "../last_error.hpp"
#include "io_state.hpp"
#include "thread.hpp"
#include "time.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <poll.h>

#include <algorithm>
#include <cerrno>

namespace sockmode::detail {

namespace {

constexpr std::size_t not_read = static_cast<std::size_t>(-1);

// The back-off of io_state::perform_with_back_off: 100 us doubling to 20 ms. Short sleeps
// first, because room often appears soon. The cap trades the delay in noticing room against
// the cost of waiting: each retry is a connect() and a timer wake-up, about 100 us of CPU on
// the reference machine, so a long wait costs about 0.6% of a CPU and room is noticed within
// 20 ms (a 10 ms cap measured 1.1%, 50 ms 0.3%; docs/internals.md, "Unix connect to a
// full backlog").
constexpr std::int64_t first_back_off_ns = 100'000;
constexpr std::int64_t back_off_cap_ns = 20'000'000;

bool would_block(const error_code& ec) noexcept {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

// The error a wait that did not end ready reports, or none: a moved deadline is a spurious
// wake-up, and the caller tries again.
error_code wait_error(const wait_outcome& o) noexcept {
  switch (o.how) {
    case wake::ready:
      return o.error != 0 ? error_code(o.error, boost::system::system_category()) : error_code();
    case wake::aborted: return boost::asio::error::operation_aborted;
    case wake::deadline_moved: return {};
    case wake::timed_out: break;
  }
  return error::timeout;
}

wait_backend::direction direction_of(io_state::wait_type w) noexcept {
  if (w == io_state::wait_type::wait_write) return wait_backend::write_ready;
  if (w == io_state::wait_type::wait_error) return wait_backend::error_ready;
  return wait_backend::read_ready;
}

}  // namespace

// The exported calls of <sockmode/detail/io_state.hpp>, for the public headers' inline code.
std::size_t perform(io_state& state, io_state::wait_type w, attempt_fn attempt, error_code& ec,
                    bool limit_from_start) {
  return state.perform(w, attempt, ec, limit_from_start);
}

std::size_t perform_read(io_state& state, const iovecs& buffers, attempt_fn attempt,
                         error_code& ec) {
  return state.perform_read(buffers, attempt, ec);
}

bool is_closed(const io_state& state) noexcept { return state.closed(); }

int descriptor_of(const io_state& state) noexcept { return state.descriptor(); }

const char* wait_backend_name() { return this_thread_context().backend->name(); }

std::size_t io_state::perform(wait_type w, attempt_fn attempt, error_code& ec,
                              bool limit_from_start) {
  return call(w, timeout_ns_.load(std::memory_order_relaxed), attempt, ec, limit_from_start);
}

std::size_t io_state::perform_within(wait_type w, timeout_type timeout, attempt_fn attempt,
                                     error_code& ec) {
  return call(w, timeout ? checked(*timeout).count() : -1, attempt, ec, false);
}

void io_state::wait(wait_type w, timeout_type timeout, error_code& ec) {
  short events = POLLIN;
  if (w == wait_type::wait_write) events = POLLOUT;
  if (w == wait_type::wait_error) events = POLLPRI;
  perform_within(
      w, timeout,
      [&](error_code& e) -> std::size_t {
        pollfd p{fd_.load(std::memory_order_relaxed), events, 0};
        const int n = ::poll(&p, 1, 0);
        // EINTR: a signal came while nothing was ready; as for would_block, wait and ask again.
        if (n < 0 && errno != EINTR) e = last_error();
        else if (n <= 0) e = boost::asio::error::would_block;
        else e = {};
        return 0;
      },
      ec);
}

std::size_t io_state::perform_read(const iovecs& buffers, attempt_fn attempt, error_code& ec) {
  return call(wait_type::wait_read, timeout_ns_.load(std::memory_order_relaxed), attempt, ec,
             false, false, buffers.bytes != 0 ? &buffers : nullptr);
}

std::size_t io_state::perform_with_back_off(wait_type w, attempt_fn attempt, error_code& ec) {
  return call(w, timeout_ns_.load(std::memory_order_relaxed), attempt, ec, false, true);
}

std::size_t io_state::call(wait_type w, std::int64_t timeout_ns, attempt_fn attempt,
                          error_code& ec, bool limit_from_start, bool back_off,
                          const iovecs* read) {
  thread_record* const record = enter(ec);
  if (record == nullptr) return 0;
  struct leave_on_exit {  // even if an attempt throws: close() waits for this record
    thread_record* record;
    ~leave_on_exit() { leave(record); }
  } guard{record};
  // Go's rule: past the deadline a call fails even if its data is there, so that a peer
  // that keeps data flowing cannot stretch an exchange past it. Checked on entry and before
  // every retry after a wait: a wake-up, or a deadline moved into the past by another thread,
  // must not let the retry move data.
  const auto deadline_passed = [&] {
    const std::int64_t d = deadline_for(w).load(std::memory_order_relaxed);
    return d != never && now() >= d;
  };
  if (deadline_passed()) {
    ec = error::timeout;
    return 0;
  }
  const std::uint64_t generation = cancel_generation_.load(std::memory_order_acquire);
  // The call limit: one time limit for the whole call, from `timeout_ns` (never: none), which
  // retries after a spurious wake-up, a signal or a partial transfer keep. Not the socket's
  // deadline, which caps each wait (wait_once) and is checked before each try (deadline_passed).
  instant call_limit = limit_from_start && timeout_ns > 0 ? now() + timeout_ns : never;
  // A read the backend can hand to the kernel whole (io_uring) waits as one operation, and
  // after a read that drained the socket it goes there without a first try: a try bound to
  // fail would be a syscall more than a blocking read's one. A read that finds data ready
  // that way costs one syscall all the same (the submission completes at once).
  bool submit = false;
  if (read != nullptr && timeout_ns != 0) {
    try {
      submit = this_thread_context().backend->submits_reads();
    } catch (const boost::system::system_error&) {
      // No wait context (no descriptor left for it): a read that waits reports it from wait_once().
    }
    if (!submit) read = nullptr;
  }
  bool try_first = !submit || !reads_drained_.load(std::memory_order_relaxed);
  bool tried_and_waited = false;
  std::size_t n = 0;
  std::int64_t sleep_ns = first_back_off_ns;
  for (bool retry = false;; retry = true) {
    if (retry && deadline_passed()) {
      ec = error::timeout;
      break;
    }
    const bool tried = try_first;
    if (try_first) {
      n = attempt(ec);
    } else {
      ec = boost::asio::error::would_block;
      try_first = true;  // after a deadline moved, try again first
    }
    if (back_off && timeout_ns < 0 && ec == no_readiness_event()) {
      // Nothing to wait for but time (see first_back_off_ns and back_off_cap_ns).
      ec = wait_once(-1, w, now() + sleep_ns, generation);
      if (ec == error::timeout) {
        // The sleep ended, or the socket's deadline for this direction, which wait_once() also
        // waits for: only the latter ends the call.
        if (deadline_passed()) break;
        ec = {};
      }
      if (ec) break;  // aborted by cancel() or close(); no error: the deadline moved, try again
      sleep_ns = std::min(sleep_ns * 2, back_off_cap_ns);
      continue;
    }
    if (!would_block(ec)) break;
    if (timeout_ns == 0) {
      ec = boost::asio::error::would_block;
      break;
    }
    if (timeout_ns > 0 && call_limit == never) call_limit = now() + timeout_ns;
    if (submit) {
      tried_and_waited = tried_and_waited || tried;
      std::size_t got = not_read;
      ec = wait_once(fd_.load(std::memory_order_relaxed), w, call_limit, generation, read, &got);
      if (got != not_read) {
        n = got;
        if (!ec && n == 0) ec = boost::asio::error::eof;  // submitted reads are stream reads
        break;
      }
    } else {
      ec = wait_once(fd_.load(std::memory_order_relaxed), w, call_limit, generation);
    }
    if (ec) break;
  }
  if (submit) {
    // Drained: the read came back short, or its first try found nothing. A read submitted
    // without a try that came back full says nothing either way; trying first next time
    // keeps a reader that never waits (bulk) on the one-syscall path.
    reads_drained_.store(ec ? would_block(ec) || ec == error::timeout
                            : tried_and_waited || n < read->bytes,
                         std::memory_order_relaxed);
  }
  return n;
}

error_code io_state::wait_once(int fd, wait_type w, instant limit,
                           std::uint64_t cancel_generation, const iovecs* read,
                           std::size_t* bytes_read) {
  thread_context* made = nullptr;
  try {
    made = &this_thread_context();
  } catch (const boost::system::system_error& e) {
    return e.code();  // the thread's first wait, and no descriptor left for its context (EMFILE)
  }
  thread_context& context = *made;
  // A new id for every await, published before anything can be signalled for it: a signal
  // meant for an earlier await, even one that ended before it waited, is ignored.
  waiter& self = context.self;
  self = {&context, ++context.wait_id, nullptr, w == wait_type::wait_write};
  // When this wait ends: `limit`, capped by the socket's deadline for `w` (read below).
  instant until = limit;
  {
    std::lock_guard<std::mutex> guard(lock());
    if (closed_.load() || cancel_generation_.load() != cancel_generation)
      return boost::asio::error::operation_aborted;
    self.next = waiters_;
    waiters_ = &self;
    // Read once registered: a set_deadline() that this load misses sees this waiter instead.
    until = capped_by_deadline(w, limit);
  }
  error_code ec;
  if (until != never && now() >= until) {
    ec = error::timeout;
  } else if (fd < 0) {
    ec = wait_error(context.backend->wait(self.id, wait_backend::no_entry, direction_of(w),
                                          until));
  } else if (const std::size_t entry = context.acquire(*this, fd, ec);
             entry != wait_backend::no_entry) {
    if (read != nullptr) {
      const wait_outcome o =
          context.backend->read(self.id, entry, read->entries, read->count, until);
      ec = wait_error(o);
      if (o.how == wake::ready) *bytes_read = o.bytes;
    } else {
      ec = wait_error(context.backend->wait(self.id, entry, direction_of(w), until));
    }
  }
  std::lock_guard<std::mutex> guard(lock());
  for (waiter** link = &waiters_; *link != nullptr; link = &(*link)->next) {
    if (*link == &self) {
      *link = self.next;
      break;
    }
  }
  return ec;
}

void io_state::abort_waiters() {
  // Each waiter's context is run only by its own thread; the abort travels there as a posted
  // handler, which ignores itself if that thread has moved on to another wait.
  for (waiter* w = waiters_; w != nullptr; w = w->next) {
    if (w->context->owner_thread.dead) continue;  // a fork child's view of a parent thread
    w->context->backend->signal(w->id, wake::aborted);
  }
}

instant io_state::capped_by_deadline(wait_type w, instant limit) const noexcept {
  const instant d = deadline_for(w).load(std::memory_order_relaxed);
  if (d == never) return limit;
  return std::min(std::max<instant>(d, 0), limit);  // before the epoch: already passed
}

void io_state::set_deadline(wait_type w, std::int64_t deadline_ns) noexcept {
  const bool writes = w == wait_type::wait_write;
  std::lock_guard<std::mutex> guard(lock());
  (writes ? write_deadline_ns_ : read_deadline_ns_).store(deadline_ns, std::memory_order_relaxed);
  // As Go: a new deadline applies to the calls already waiting. Each recomputes when its wait
  // ends and waits again, or fails at once if the new one has passed.
  for (waiter* x = waiters_; x != nullptr; x = x->next) {
    if (x->writes != writes || x->context->owner_thread.dead) continue;
    x->context->backend->signal(x->id, wake::deadline_moved);
  }
}

void io_state::cancel() noexcept {
  std::lock_guard<std::mutex> guard(lock());
  cancel_generation_.fetch_add(1);
  abort_waiters();
}

}  // namespace sockmode::detail
