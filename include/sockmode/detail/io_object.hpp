// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_DETAIL_IO_OBJECT_HPP
#define SOCKMODE_DETAIL_IO_OBJECT_HPP

#include <sockmode/detail/config.hpp>
#include <sockmode/detail/io_state.hpp>
#include <sockmode/detail/timeout.hpp>

#include <boost/system/error_code.hpp>

#include <string>
namespace sockmode {
class selector;
}  // namespace sockmode

namespace sockmode::detail {

[[noreturn]] SOCKMODE_API void throw_error(const boost::system::error_code& ec, const char* what,
                              std::size_t bytes_transferred = 0);

// As above; a timeout's message also says how long the call waited ("timed out after 250 ms")
// when `timeout` is the mode's positive timeout.
[[noreturn]] SOCKMODE_API void throw_error(const boost::system::error_code& ec,
                                           const std::string& what,
                                           std::size_t bytes_transferred, timeout_type timeout);

/// The mode and deadline members every socket and acceptor has. Not API in itself (do not name
/// it): they are documented here, and the reference shows them on `basic_socket`'s and
/// `basic_acceptor`'s pages as their own.
class SOCKMODE_API io_object {
 public:
  /// Python's `settimeout`: sets the mode. `std::nullopt`: blocking (calls wait until done);
  /// `0s`: non-blocking (a call that cannot complete at once fails with `would_block`); a
  /// positive timeout: each call fails with `error::timeout` when it has not completed within
  /// `t` of its start, having transferred nothing. Throws `std::invalid_argument` (mode
  /// unchanged) for a negative, NaN or too large (> ~146 years) timeout, and
  /// `io_error(bad_descriptor)` on a closed object, as CPython.
  void settimeout(timeout_type t);
  /// As above, from any `std::chrono::duration`, integral or floating (converted as CPython
  /// converts a float; a positive timeout below 1 ns rounds up to 1 ns).
  template <class Rep, class Period>
  void settimeout(std::chrono::duration<Rep, Period> t) {
    settimeout(timeout_type(to_timeout(t)));
  }
  /// Python's `gettimeout`: `std::nullopt` (blocking), `0ns` (non-blocking) or the timeout.
  timeout_type gettimeout() const noexcept;
  /// Python's `setblocking`: `settimeout(flag ? std::nullopt : 0s)`.
  void setblocking(bool flag);
  /// Python's `getblocking`: `gettimeout() != 0s`, so true in timeout mode too, as CPython.
  /// It reports the mode, never the descriptor's `O_NONBLOCK` flag (always set).
  bool getblocking() const noexcept;

  /// Go's `SetDeadline`: `set_read_deadline(t)` and `set_write_deadline(t)` together.
  void set_deadline(deadline_type t);
  /// Go's `SetReadDeadline`: reads (`recv`, `read_some`, `receive_from`, `accept`,
  /// `wait(wait_read)`, `wait(wait_error)`) end at `t` at the latest, with `error::timeout`,
  /// whatever the mode: a call ends at the earlier of its mode's limit (its start + timeout)
  /// and this deadline. Once `t` has passed, every read fails at once with `error::timeout`,
  /// even with data queued, so a peer that trickles cannot stretch an exchange past it. Set
  /// from another thread, it reaches reads already waiting. `std::nullopt` or
  /// `time_point::max()` clears it. A deadline bounds a whole exchange (many calls, as in
  /// `asio::read_until`); a timeout bounds each call alone. `time_point::min()` is the stop
  /// that cannot be missed: see `cancel`. Throws `io_error(bad_descriptor)` on a closed object.
  void set_read_deadline(deadline_type t);
  /// Go's `SetWriteDeadline`: as `set_read_deadline`, for writes (`send`, `write_some`,
  /// `sendall`, `send_to`, `connect`, `wait(wait_write)`).
  void set_write_deadline(deadline_type t);
  /// The read deadline, or `std::nullopt` when none is set.
  deadline_type read_deadline() const noexcept;
  /// The write deadline, or `std::nullopt` when none is set.
  deadline_type write_deadline() const noexcept;

  /// Asio's `cancel`: the calls waiting on this object now, in any thread, fail with
  /// `operation_aborted`. It is then forgotten: a call that starts just after it waits as if
  /// nothing happened, the race a shutdown path must not lose. To stop a reader for good, set
  /// a deadline in the past instead, `set_read_deadline(std::chrono::steady_clock::time_point::min())`
  /// (or `set_deadline`): it ends the reads waiting now and fails every later one with
  /// `error::timeout` until cleared, as Go's `SetReadDeadline(time.Now())`. Throws
  /// `io_error(bad_descriptor)` on a closed object.
  void cancel();
  /// As above, but reports failure through `ec`.
  void cancel(boost::system::error_code& ec) noexcept;

 protected:
  friend class sockmode::selector;  // registers state_'s descriptor

  io_object();
  io_object(io_object&& other) noexcept;
  io_object& operator=(io_object&& other) noexcept;
  ~io_object();

  // A closed state stays closed, so that a late call never touches a reused descriptor; Asio's
  // open() and assign() after close() get a fresh one instead, with this object's mode and
  // deadlines carried over (a moved-from object starts again in getdefaulttimeout()). Must
  // not race with any other call on the object, as for any Asio object's open().
  void renew_state();

  // Never null: a moved-from object points at a shared, permanently closed state, so every
  // call on it fails with bad_descriptor instead of dereferencing null.
  io_state* state_;
};

}  // namespace sockmode::detail

#endif  // SOCKMODE_DETAIL_IO_OBJECT_HPP
