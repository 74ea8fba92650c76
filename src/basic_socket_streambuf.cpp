// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/basic_socket_streambuf.hpp>
#include <sockmode/create_connection.hpp>
#include <sockmode/error.hpp>
#include <sockmode/io_error.hpp>
#include <sockmode/local.hpp>
#include <sockmode/tcp.hpp>

#include <boost/asio/buffer.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstring>
#include <utility>

namespace sockmode {

namespace {

constexpr std::size_t buffer_size = 8192;  // Python's io.DEFAULT_BUFFER_SIZE
constexpr std::size_t putback_size = 8;    // sungetc after a refill still works

}  // namespace

template <class Protocol>
basic_socket_streambuf<Protocol>::basic_socket_streambuf()
    : basic_socket_streambuf(socket_type()) {}

template <class Protocol>
basic_socket_streambuf<Protocol>::basic_socket_streambuf(socket_type&& socket)
    : owned_(std::move(socket)),
      socket_(&*owned_),
      get_buffer_(new char_type[putback_size + buffer_size]),
      put_buffer_(buffer_size) {
  set_put_area(0);
}

template <class Protocol>
basic_socket_streambuf<Protocol>::basic_socket_streambuf(socket_type& socket)
    : socket_(&socket),
      get_buffer_(new char_type[putback_size + buffer_size]),
      put_buffer_(buffer_size) {
  set_put_area(0);
}

// The buffers are on the heap, so the area pointers copied with the base stay valid.
template <class Protocol>
basic_socket_streambuf<Protocol>::basic_socket_streambuf(basic_socket_streambuf&& other) noexcept
    : std::streambuf(other),
      owned_(std::move(other.owned_)),
      socket_(owned_ ? &*owned_ : other.socket_),
      error_(other.error_),
      get_buffer_(std::move(other.get_buffer_)),
      put_buffer_(std::move(other.put_buffer_)),
      expiry_(other.expiry_) {
  other.setg(nullptr, nullptr, nullptr);
  other.setp(nullptr, nullptr);  // nothing left for its destructor to send
}

template <class Protocol>
basic_socket_streambuf<Protocol>::~basic_socket_streambuf() {
  if (pptr() != pbase() && socket_->is_open()) send_buffered(nullptr, 0);
}

template <class Protocol>
void basic_socket_streambuf<Protocol>::set_put_area(std::size_t used) {
  setp(put_buffer_.data(), put_buffer_.data() + put_buffer_.size());
  // pbump takes an int; what a failed write left behind may be larger.
  for (; used > INT_MAX; used -= INT_MAX) pbump(INT_MAX);
  pbump(static_cast<int>(used));
}

// Pending output goes out before a read waits for its answer.
template <class Protocol>
bool basic_socket_streambuf<Protocol>::send_before_reading() {
  return pptr() == pbase() || send_buffered(nullptr, 0);
}

template <class Protocol>
auto basic_socket_streambuf<Protocol>::underflow() -> int_type {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (!send_before_reading()) return traits_type::eof();
  char_type* const start = get_buffer_.get() + putback_size;
  const std::size_t keep =
      eback() ? std::min(putback_size, static_cast<std::size_t>(gptr() - eback())) : 0;
  if (keep != 0) std::memmove(start - keep, gptr() - keep, keep);
  const std::size_t n = socket_->read_some(boost::asio::buffer(start, buffer_size), error_);
  setg(start - keep, start, start + n);  // n is 0 on failure: nothing was read
  return error_ ? traits_type::eof() : traits_type::to_int_type(*gptr());
}

template <class Protocol>
std::streamsize basic_socket_streambuf<Protocol>::xsgetn(char_type* s, std::streamsize n) {
  std::size_t wanted = static_cast<std::size_t>(n);
  std::size_t got = 0;
  while (got < wanted) {
    if (gptr() == egptr() && wanted - got >= buffer_size) {
      if (!send_before_reading()) break;
      // Large reads go straight into the caller's memory, one socket call each.
      got += socket_->read_some(boost::asio::buffer(s + got, wanted - got), error_);
      char_type* const start = get_buffer_.get() + putback_size;
      setg(start, start, start);  // what was in the get area is no longer the last read
      if (error_) break;
      continue;
    }
    if (gptr() == egptr() && traits_type::eq_int_type(underflow(), traits_type::eof())) break;
    const std::size_t chunk = std::min(wanted - got, static_cast<std::size_t>(egptr() - gptr()));
    std::memcpy(s + got, gptr(), chunk);
    got += chunk;
    gbump(static_cast<int>(chunk));  // chunk <= buffer_size
  }
  return static_cast<std::streamsize>(got);
}

template <class Protocol>
bool basic_socket_streambuf<Protocol>::send_buffered(const char_type* extra,
                                                     std::size_t extra_size) {
  const std::size_t buffered = static_cast<std::size_t>(pptr() - pbase());
  const std::size_t total = buffered + extra_size;
  std::size_t sent = 0;
  // write_some, not sendall: each call has its own timeout, as Python's SocketIO.write, so a
  // peer that keeps reading, however slowly, never makes a long write time out.
  while (sent < total) {
    const std::size_t from_extra = sent > buffered ? sent - buffered : 0;
    const std::array<boost::asio::const_buffer, 2> rest{
        boost::asio::buffer(put_buffer_.data() + std::min(sent, buffered),
                            buffered - std::min(sent, buffered)),
        boost::asio::buffer(extra + from_extra, extra_size - from_extra)};
    sent += socket_->write_some(rest, error_);
    if (error_) break;
  }
  // Keep the unsent rest: first of the buffer, then of `extra`.
  const std::size_t kept_buffered = buffered - std::min(sent, buffered);
  const std::size_t kept_extra = extra_size - (sent > buffered ? sent - buffered : 0);
  if (kept_buffered != 0)
    std::memmove(put_buffer_.data(), put_buffer_.data() + (buffered - kept_buffered),
                 kept_buffered);
  const std::size_t kept = kept_buffered + kept_extra;
  if (kept > put_buffer_.size()) put_buffer_.resize(kept);
  if (kept_extra != 0)
    std::memcpy(put_buffer_.data() + kept_buffered, extra + (extra_size - kept_extra),
                kept_extra);
  if (kept == 0 && put_buffer_.size() > buffer_size) {
    put_buffer_.resize(buffer_size);  // a failed write had grown it; back to normal
    put_buffer_.shrink_to_fit();
  }
  set_put_area(kept);
  return !error_;
}

template <class Protocol>
auto basic_socket_streambuf<Protocol>::overflow(int_type c) -> int_type {
  if (traits_type::eq_int_type(c, traits_type::eof()))
    return sync() == 0 ? traits_type::not_eof(c) : traits_type::eof();
  const char_type ch = traits_type::to_char_type(c);
  if (pptr() < epptr()) {
    *pptr() = ch;
    pbump(1);
    return c;
  }
  return send_buffered(&ch, 1) ? c : traits_type::eof();
}

template <class Protocol>
std::streamsize basic_socket_streambuf<Protocol>::xsputn(const char_type* s, std::streamsize n) {
  const std::size_t size = static_cast<std::size_t>(n);
  if (size <= static_cast<std::size_t>(epptr() - pptr())) {
    std::memcpy(pptr(), s, size);
    set_put_area(static_cast<std::size_t>(pptr() - pbase()) + size);
    return n;
  }
  // Buffer and new bytes go out together, one gathering write_some at a time.
  return send_buffered(s, size) ? n : 0;
}

template <class Protocol>
int basic_socket_streambuf<Protocol>::sync() {
  if (pptr() == pbase()) return 0;
  return send_buffered(nullptr, 0) ? 0 : -1;
}

template <class Protocol>
timeout_type basic_socket_streambuf<Protocol>::connect_timeout() const {
  const timeout_type mode = socket_->gettimeout();
  if (expiry_ == time_point::max()) return mode;
  const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(expiry_ - clock_type::now());
  if (mode && mode->count() == 0) return mode;  // non-blocking stays non-blocking
  if (left.count() <= 0) return timeout_type(std::chrono::nanoseconds(1));  // times out at once
  return mode && *mode < left ? mode : timeout_type(left);
}

template <class Protocol>
void basic_socket_streambuf<Protocol>::replace_socket(socket_type&& socket) {
  socket.settimeout(socket_->gettimeout());
  if (expiry_ != time_point::max()) socket.set_deadline(expiry_);
  *socket_ = std::move(socket);
  char_type* const start = get_buffer_.get() + putback_size;
  setg(start, start, start);
  put_buffer_.assign(buffer_size, char_type());
  set_put_area(0);
}

template <class Protocol>
basic_socket_streambuf<Protocol>* basic_socket_streambuf<Protocol>::connect_to_host(
    std::string_view host, std::string_view service) {
  if constexpr (std::is_same_v<Protocol, boost::asio::ip::tcp>) {
    if (expiry_ != time_point::max() && expiry_ <= clock_type::now()) {
      error_ = error::timeout;
      return nullptr;
    }
    connection_options options;
    options.timeout = connect_timeout();
    socket_type connected = create_connection(host, service, options, error_);
    if (error_) return nullptr;
    replace_socket(std::move(connected));
    return this;
  } else {
    static_cast<void>(host);
    static_cast<void>(service);
    error_ = boost::asio::error::operation_not_supported;
    return nullptr;
  }
}

template <class Protocol>
basic_socket_streambuf<Protocol>* basic_socket_streambuf<Protocol>::connect(
    const endpoint_type& endpoint) {
  socket_type fresh;
  fresh.settimeout(socket_->gettimeout());
  if (expiry_ != time_point::max()) fresh.set_deadline(expiry_);
  fresh.connect(endpoint, error_);
  if (error_) return nullptr;
  replace_socket(std::move(fresh));
  return this;
}

template <class Protocol>
basic_socket_streambuf<Protocol>* basic_socket_streambuf<Protocol>::close() {
  const bool sent = sync() == 0;
  boost::system::error_code ec;
  socket_->close(ec);
  if (ec) error_ = ec;
  char_type* const start = get_buffer_.get() + putback_size;
  setg(start, start, start);  // what was read ahead belonged to that connection
  return sent && !ec ? this : nullptr;
}

template <class Protocol>
void basic_socket_streambuf<Protocol>::expires_at(const time_point& expiry_time) {
  expiry_ = expiry_time;
  const deadline_type deadline =
      expiry_time == time_point::max() ? deadline_type() : deadline_type(expiry_time);
  try {
    socket_->set_deadline(deadline);
  } catch (const io_error&) {
    // A closed socket (bad_descriptor) has nothing to bound; connect gives the next one the
    // expiry.
  }
}

template <class Protocol>
void basic_socket_streambuf<Protocol>::expires_after(const duration& expiry_time) {
  const time_point now = clock_type::now();
  // Too far to add to the clock: never, as Asio's timers saturate.
  expires_at(expiry_time >= time_point::max() - now ? time_point::max() : now + expiry_time);
}

template class basic_socket_streambuf<boost::asio::ip::tcp>;
template class basic_socket_streambuf<boost::asio::local::stream_protocol>;

}  // namespace sockmode
