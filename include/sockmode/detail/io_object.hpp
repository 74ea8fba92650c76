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
// "250 ms", "2 s", "1500 us": a duration as a message shows it.
SOCKMODE_API std::string format_duration(std::chrono::nanoseconds t);

// As above; a timeout's message also says how long the call waited ("timed out after 250 ms")
// when `timeout` is the mode's positive timeout.
[[noreturn]] SOCKMODE_API void throw_error(const boost::system::error_code& ec,
                                           const std::string& what,
                                           std::size_t bytes_transferred, timeout_type timeout);

// wait() takes wait_read, wait_write or wait_error; any other value fails with
// invalid_argument before anything waits.
inline bool is_wait_type(boost::asio::socket_base::wait_type w) noexcept {
  return w == boost::asio::socket_base::wait_read || w == boost::asio::socket_base::wait_write ||
         w == boost::asio::socket_base::wait_error;
}

// The mode members shared by sockets and acceptors. Documented on basic_socket.
class SOCKMODE_API io_object {
 public:
  void settimeout(timeout_type t);
  template <class Rep, class Period>
  void settimeout(std::chrono::duration<Rep, Period> t) {
    settimeout(timeout_type(to_timeout(t)));
  }
  timeout_type gettimeout() const noexcept;
  void setblocking(bool flag);
  bool getblocking() const noexcept;

  void set_deadline(deadline_type t);
  void set_read_deadline(deadline_type t);
  void set_write_deadline(deadline_type t);
  deadline_type read_deadline() const noexcept;
  deadline_type write_deadline() const noexcept;

  void cancel();
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
