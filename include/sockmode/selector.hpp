// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_SELECTOR_HPP
#define SOCKMODE_SELECTOR_HPP

#include <sockmode/detail/io_object.hpp>
#include <sockmode/detail/timeout.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace sockmode {
namespace detail {
struct selector_core;  // src/selector.cpp
}  // namespace detail

/// Python's `selectors.DefaultSelector`: readiness across many sockets and acceptors, under a
/// timeout. Level-triggered, as Python's: a socket with unread data is reported by every
/// `select()` until it is read.
///
/// ```
/// sockmode::selector sel;
/// sel.add(listener, sockmode::selector::event_read, &listener);
/// for (const auto& r : sel.select(1s)) { ... r.data, r.events ... }
/// ```
///
/// Registered sockets keep working with their own calls, in their own modes. Closing (or
/// destroying, or `release()`-ing) a socket removes it from every selector it is in before
/// its descriptor is closed: `select()` never reports it, and never reports a socket that later
/// reuses its descriptor number for an entry of the closed one. `remove()` of such a socket
/// succeeds and does nothing.
///
/// `select()` first asks the selector's own epoll set without waiting (one `epoll_wait`); only
/// if nothing is ready does it wait, on the calling thread's internal io_context like any
/// sockmode call, for the epoll descriptor to become readable or the timeout. Its cost grows
/// with the ready sockets, not the registered ones. Costs two descriptors (epoll, eventfd).
///
/// Thread safety: `add`, `modify`, `remove`, `wakeup` and closing registered sockets may be
/// called from any thread, also while another thread is in `select()`; one thread at a time
/// calls `select()`. Moving or destroying the selector while calls are in flight is undefined.
class SOCKMODE_API selector {
 public:
  /// Python's `EVENT_READ` and `EVENT_WRITE`; an acceptor is readable when a connection waits.
  using events_type = unsigned;
  static constexpr events_type event_read = 1;
  static constexpr events_type event_write = 2;

  /// One ready socket: what it is ready for (within what it was registered for) and the data
  /// given to `add` or `modify`.
  struct ready {
    events_type events;
    void* data;
  };

  /// Throws io_error if the kernel refuses the epoll or eventfd descriptor.
  selector();
  selector(selector&& other) noexcept;
  selector& operator=(selector&& other) noexcept;
  /// Registered sockets stay open and usable.
  ~selector();

  /// Registers an open socket or acceptor for `events` (event_read, event_write or both).
  /// Fails with `errc::file_exists` if it is already registered, `bad_descriptor` if it is
  /// closed or not open yet, `invalid_argument` for empty or unknown events.
  void add(detail::io_object& object, events_type events, void* data = nullptr);
  void add(detail::io_object& object, events_type events, void* data,
           boost::system::error_code& ec);

  /// Changes the events and data of a registered socket. `errc::no_such_file_or_directory` if
  /// it is not registered.
  void modify(detail::io_object& object, events_type events, void* data = nullptr);
  void modify(detail::io_object& object, events_type events, void* data,
              boost::system::error_code& ec);

  /// Unregisters it. `errc::no_such_file_or_directory` if it is not registered and still open.
  void remove(detail::io_object& object);
  void remove(detail::io_object& object, boost::system::error_code& ec);

  /// The ready sockets; empty when the timeout passes first or after a `wakeup()`. `timeout`:
  /// nullopt waits until one is ready, zero polls, t waits at most t (same validation as
  /// `settimeout`: std::invalid_argument). Sockets' own modes and deadlines play no part.
  std::vector<ready> select(timeout_type timeout);
  std::vector<ready> select(timeout_type timeout, boost::system::error_code& ec);

  /// Makes the `select()` waiting now, or else the next one, return at once (possibly with
  /// nothing ready). Callable from any thread, and from a signal handler (one `write`).
  void wakeup() noexcept;

  /// How many sockets are registered.
  std::size_t size() const noexcept;

 private:
  std::unique_ptr<detail::selector_core> core_;
};

}  // namespace sockmode

#endif  // SOCKMODE_SELECTOR_HPP
