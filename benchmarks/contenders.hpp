// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The contenders. Each wraps one end of an already connected loopback TCP connection (a
// blocking, TCP_NODELAY descriptor it then owns) in its library's API and offers:
//   recv(p, n)            at least one byte, 0 at end of stream;
//   sendall(p, n)         everything;
//   recv_within(p, n, t)  false when nothing came within t (contenders with has_timeout);
//   close();
//   connect_accept(count) seconds for `count` rounds of connect + accept + close, with the
//                         library's own listener, client socket and accept.
// Calls that could wait use the contender's idea of a timeout (5 s, never reached) where it has
// one, so the cost of the timeout machinery is what is measured.
#ifndef SOCKMODE_BENCHMARKS_CONTENDERS_HPP
#define SOCKMODE_BENCHMARKS_CONTENDERS_HPP

#include "harness.hpp"

#include <sockmode/tcp.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/Timespan.h>

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>

namespace bench {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

inline constexpr nanoseconds never_reached = std::chrono::seconds(5);

[[noreturn]] inline void fail(const error_code& ec, const char* what) {
  throw std::runtime_error(std::string(what) + ": " + ec.message());
}

// ---------------------------------------------------------------------------------------------
// 1. Raw POSIX, blocking descriptor: the physical limit.
class raw_posix {
 public:
  static constexpr const char* key = "raw";
  static constexpr const char* label = "raw POSIX blocking";
  static constexpr bool has_timeout = false;

  explicit raw_posix(int fd) : fd_(fd) {}
  ~raw_posix() { close(); }
  raw_posix(const raw_posix&) = delete;
  raw_posix& operator=(const raw_posix&) = delete;

  std::size_t recv(void* p, std::size_t n) {
    for (;;) {
      const ssize_t r = ::recv(fd_, p, n, 0);
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno != EINTR) fail("recv");
    }
  }
  void sendall(const void* p, std::size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      const ssize_t r = ::send(fd_, c, n, MSG_NOSIGNAL);
      if (r < 0) {
        if (errno == EINTR) continue;
        fail("send");
      }
      c += r;
      n -= static_cast<std::size_t>(r);
    }
  }
  bool recv_within(void*, std::size_t, nanoseconds) { return false; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const noexcept { return fd_; }

  static double connect_accept(std::size_t count) {
    loopback_listener listener;
    return timed_rounds(count, [&] {
      const auto [c, s] = listener.connect_accept();
      ::close(s);  // the server closes first: TIME_WAIT stays on the server's side
      ::close(c);
    });
  }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------------------------
// 2. Raw POSIX in CPython's style (Modules/socketmodule.c, sock_call_ex): O_NONBLOCK, a deadline
// taken at the start of the call, poll() for the remaining time (in ms, rounded up) before every
// syscall.
class posix_poll {
 public:
  static constexpr const char* key = "poll";
  static constexpr const char* label = "POSIX O_NONBLOCK+poll (CPython)";
  static constexpr bool has_timeout = true;

  explicit posix_poll(int fd) : fd_(fd) { set_nonblocking(fd_, true); }
  ~posix_poll() { close(); }
  posix_poll(const posix_poll&) = delete;
  posix_poll& operator=(const posix_poll&) = delete;

  std::size_t recv(void* p, std::size_t n) {
    std::size_t got = 0;
    if (!call(POLLIN, never_reached, [&] { return ::recv(fd_, p, n, 0); }, got))
      throw std::runtime_error("recv: timed out");
    return got;
  }
  void sendall(const void* p, std::size_t n) {
    const char* c = static_cast<const char*>(p);
    const std::int64_t deadline = now_ns() + never_reached.count();
    while (n > 0) {
      std::size_t sent = 0;
      const nanoseconds left(deadline - now_ns());
      if (!call(POLLOUT, left, [&] { return ::send(fd_, c, n, MSG_NOSIGNAL); }, sent))
        throw std::runtime_error("sendall: timed out");
      c += sent;
      n -= sent;
    }
  }
  bool recv_within(void* p, std::size_t n, nanoseconds t) {
    std::size_t got = 0;
    return call(POLLIN, t, [&] { return ::recv(fd_, p, n, 0); }, got);
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  static double connect_accept(std::size_t count) {
    loopback_listener listener;
    const sockaddr_in& to = listener.address();
    const int listen_fd = listener.fd();
    set_nonblocking(listen_fd, true);
    const double seconds = timed_rounds(count, [&] {
      // socket.socket() with a default timeout set: created, then made O_NONBLOCK.
      const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (c < 0) fail("socket");
      posix_poll client(c);
      // connect: EINPROGRESS, poll for writability, then SO_ERROR (internal_connect).
      if (::connect(c, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
        if (errno != EINPROGRESS) fail("connect");
        if (!wait(c, POLLOUT, never_reached)) throw std::runtime_error("connect: timed out");
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) fail("connect");
      }
      std::size_t ignored = 0;
      int s = -1;
      if (!call(listen_fd, POLLIN, never_reached,
                [&] {
                  s = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
                  return static_cast<ssize_t>(s < 0 ? -1 : 0);
                },
                ignored))
        throw std::runtime_error("accept: timed out");
      posix_poll server(s);  // the accepted socket takes the default timeout: O_NONBLOCK
      server.close();
    });
    set_nonblocking(listen_fd, false);
    return seconds;
  }

 private:
  static bool wait(int fd, short events, nanoseconds left) {
    for (;;) {
      const std::int64_t ms = left.count() <= 0 ? 0 : (left.count() + 999'999) / 1'000'000;
      pollfd p{fd, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(ms, INT_MAX)));
      if (r > 0) return true;
      if (r == 0) return false;
      if (errno != EINTR) fail("poll");
    }
  }
  template <class Syscall>
  bool call(short events, nanoseconds timeout, Syscall syscall, std::size_t& n) {
    return call(fd_, events, timeout, syscall, n);
  }
  template <class Syscall>
  static bool call(int fd, short events, nanoseconds timeout, Syscall syscall, std::size_t& n) {
    const std::int64_t deadline = now_ns() + timeout.count();
    nanoseconds left = timeout;
    for (;;) {
      if (!wait(fd, events, left)) return false;
      const ssize_t r = syscall();
      if (r >= 0) {
        n = static_cast<std::size_t>(r);
        return true;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) fail("recv/send");
      left = nanoseconds(deadline - now_ns());
      if (left.count() <= 0) return false;
    }
  }

  int fd_;
};

// ---------------------------------------------------------------------------------------------
// The Asio contenders' common part: the descriptor as an Asio socket on the object's own
// io_context.
class asio_end {
 public:
  explicit asio_end(int fd) : socket_(io_) { socket_.assign(tcp::v4(), fd); }
  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

 protected:
  asio::io_context io_{1};
  tcp::socket socket_;
};

// ---------------------------------------------------------------------------------------------
// 3. Boost.Asio synchronous read_some / write_some: no timeout possible.
class asio_sync : public asio_end {
 public:
  static constexpr const char* key = "asio_sync";
  static constexpr const char* label = "Asio sync read_some/write_some";
  static constexpr bool has_timeout = false;

  using asio_end::asio_end;
  std::size_t recv(void* p, std::size_t n) {
    error_code ec;
    const std::size_t got = socket_.read_some(asio::buffer(p, n), ec);
    if (ec == asio::error::eof) return 0;
    if (ec) fail(ec, "read_some");
    return got;
  }
  void sendall(const void* p, std::size_t n) {
    error_code ec;
    asio::write(socket_, asio::buffer(p, n), ec);
    if (ec) fail(ec, "write");
  }
  bool recv_within(void*, std::size_t, nanoseconds) { return false; }

  static double connect_accept(std::size_t count) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const tcp::endpoint to = acceptor.local_endpoint();
    return timed_rounds(count, [&] {
      tcp::socket client(io);
      client.connect(to);
      tcp::socket server(io);
      acceptor.accept(server);
      server.close();
      client.close();
    });
  }
};

// ---------------------------------------------------------------------------------------------
// 4. Asio's documented timeout pattern (example cpp11/timeouts/blocking_tcp_client.cpp): start
// the async operation, restart() + run_for(timeout) the io_context, and on expiry cancel and
// run() until the handler has run. One io_context per object, run by the calling thread only.
class asio_async_timeout : public asio_end {
 public:
  static constexpr const char* key = "asio_timeout";
  static constexpr const char* label = "Asio async+run_for timeout";
  static constexpr bool has_timeout = true;

  using asio_end::asio_end;

  std::size_t recv(void* p, std::size_t n) {
    std::size_t got = 0;
    const error_code ec = run(io_, socket_, never_reached, [&](auto handler) {
      socket_.async_read_some(asio::buffer(p, n), handler);
    }, got);
    if (ec == asio::error::eof) return 0;
    if (ec) fail(ec, "async_read_some");
    return got;
  }
  void sendall(const void* p, std::size_t n) {
    std::size_t sent = 0;
    const error_code ec = run(io_, socket_, never_reached, [&](auto handler) {
      asio::async_write(socket_, asio::buffer(p, n), handler);
    }, sent);
    if (ec) fail(ec, "async_write");
  }
  bool recv_within(void* p, std::size_t n, nanoseconds t) {
    std::size_t got = 0;
    const error_code ec = run(io_, socket_, t, [&](auto handler) {
      socket_.async_read_some(asio::buffer(p, n), handler);
    }, got);
    if (ec == asio::error::operation_aborted) return false;
    if (ec) fail(ec, "async_read_some");
    return true;
  }

  static double connect_accept(std::size_t count) {
    asio::io_context io{1};
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const tcp::endpoint to = acceptor.local_endpoint();
    return timed_rounds(count, [&] {
      tcp::socket client(io);
      std::size_t ignored = 0;
      error_code ec = run(io, client, never_reached, [&](auto handler) {
        client.async_connect(to, [handler](const error_code& e) mutable { handler(e, 0); });
      }, ignored);
      if (ec) fail(ec, "async_connect");
      tcp::socket server(io);
      ec = run(io, acceptor, never_reached, [&](auto handler) {
        acceptor.async_accept(server, [handler](const error_code& e) mutable { handler(e, 0); });
      }, ignored);
      if (ec) fail(ec, "async_accept");
      server.close();
      client.close();
    });
  }

 private:
  // The pattern itself. `start` is given the completion handler.
  template <class Cancellable, class Start>
  static error_code run(asio::io_context& io, Cancellable& object, nanoseconds timeout,
                        Start start, std::size_t& n) {
    error_code result = asio::error::would_block;
    io.restart();
    start([&](const error_code& e, std::size_t k) {
      result = e;
      n = k;
    });
    io.run_for(timeout);
    if (!io.stopped()) {  // timed out: cancel, and let the handler run
      error_code ignored;
      object.cancel(ignored);
      io.run();
    }
    return result;
  }
};

// ---------------------------------------------------------------------------------------------
// 5. Poco::Net::StreamSocket with SO_RCVTIMEO / SO_SNDTIMEO (setReceiveTimeout/setSendTimeout).
class poco_socket {
 public:
  static constexpr const char* key = "poco";
  static constexpr const char* label = "Poco StreamSocket + timeouts";
  static constexpr bool has_timeout = true;

  explicit poco_socket(int fd) : socket_(new Poco::Net::StreamSocketImpl(fd)) {
    set_timeouts(socket_);
  }
  std::size_t recv(void* p, std::size_t n) {
    const int r = socket_.receiveBytes(p, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
    return static_cast<std::size_t>(r);
  }
  void sendall(const void* p, std::size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {  // StreamSocket::sendBytes loops itself on blocking sockets
      const int r = socket_.sendBytes(c, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
      c += r;
      n -= static_cast<std::size_t>(r);
    }
  }
  bool recv_within(void* p, std::size_t n, nanoseconds t) {
    const long long us = (t.count() + 999) / 1000;
    if (us != current_us_) {
      socket_.setReceiveTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(us)));
      current_us_ = us;
    }
    try {
      recv(p, n);
      return true;
    } catch (const Poco::TimeoutException&) {
      return false;
    }
  }
  void close() { socket_.close(); }

  static double connect_accept(std::size_t count) {
    Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
    const Poco::Net::SocketAddress to = listener.address();
    const Poco::Timespan timeout(5, 0);
    return timed_rounds(count, [&] {
      Poco::Net::StreamSocket client;
      client.connect(to, timeout);
      set_timeouts(client);
      Poco::Net::StreamSocket server = listener.acceptConnection();
      set_timeouts(server);
      server.close();
      client.close();
    });
  }

 private:
  static void set_timeouts(Poco::Net::StreamSocket& s) {
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    s.setSendTimeout(Poco::Timespan(5, 0));
  }

  Poco::Net::StreamSocket socket_;
  long long current_us_ = 5'000'000;
};

// ---------------------------------------------------------------------------------------------
// 6. sockmode in its three modes.
enum class mode { blocking, timeout, non_blocking };

// The io_context that adopted descriptors' Asio sockets belong to (sockmode never runs it).
// One per process: a forked child gets its own rather than registering in its parent's epoll.
inline asio::io_context& adoption_context() {
  static std::mutex mutex;
  static asio::io_context* context = nullptr;
  static pid_t owner = 0;
  std::lock_guard<std::mutex> lock(mutex);
  if (context == nullptr || owner != ::getpid()) {
    context = new asio::io_context;  // a parent's context, if any, is left to the parent
    owner = ::getpid();
  }
  return *context;
}

template <mode Mode>
class sockmode_socket {
 public:
  static constexpr const char* key = Mode == mode::blocking  ? "sm_blocking"
                                     : Mode == mode::timeout ? "sm_timeout"
                                                             : "sm_nonblocking";
  static constexpr const char* label = Mode == mode::blocking  ? "sockmode blocking"
                                       : Mode == mode::timeout ? "sockmode timeout (5 s)"
                                                               : "sockmode non-blocking+wait";
  static constexpr bool has_timeout = Mode != mode::blocking;

  explicit sockmode_socket(int fd) : socket_(adopt(fd)) { set_mode(socket_); }

  std::size_t recv(void* p, std::size_t n) {
    error_code ec;
    for (;;) {
      const std::size_t got = socket_.recv(asio::buffer(p, n), ec);
      if constexpr (Mode == mode::non_blocking) {
        if (ec == asio::error::would_block) {
          socket_.wait(sockmode::tcp::socket::wait_type::wait_read, never_reached, ec);
          if (ec) fail(ec, "wait");
          continue;
        }
      }
      if (ec) fail(ec, "recv");
      return got;
    }
  }
  void sendall(const void* p, std::size_t n) {
    error_code ec;
    const char* c = static_cast<const char*>(p);
    for (;;) {
      const std::size_t sent = socket_.sendall(asio::buffer(c, n), ec);
      if constexpr (Mode == mode::non_blocking) {
        if (ec == asio::error::would_block) {
          c += sent;
          n -= sent;
          socket_.wait(sockmode::tcp::socket::wait_type::wait_write, never_reached, ec);
          if (ec) fail(ec, "wait");
          continue;
        }
      }
      if (ec) fail(ec, "sendall");
      return;
    }
  }
  bool recv_within(void* p, std::size_t n, nanoseconds t) {
    error_code ec;
    if constexpr (Mode == mode::non_blocking) {
      socket_.wait(sockmode::tcp::socket::wait_type::wait_read, t, ec);
      if (ec == sockmode::error::timeout) return false;
      if (ec) fail(ec, "wait");
      socket_.recv(asio::buffer(p, n), ec);
    } else {
      socket_.settimeout(t);
      socket_.recv(asio::buffer(p, n), ec);
      socket_.settimeout(never_reached);
      if (ec == sockmode::error::timeout) return false;
    }
    if (ec) fail(ec, "recv");
    return true;
  }
  void close() { socket_.close(); }
  sockmode::tcp::socket& socket() noexcept { return socket_; }

  static double connect_accept(std::size_t count) {
    using wait = sockmode::tcp::socket::wait_type;
    sockmode::tcp::acceptor listener(
        sockmode::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    set_mode(listener);
    const sockmode::tcp::endpoint to = listener.local_endpoint();
    return timed_rounds(count, [&] {
      sockmode::tcp::socket client;
      set_mode(client);
      error_code ec;
      client.connect(to, ec);
      if (Mode == mode::non_blocking && ec == asio::error::would_block) {
        client.wait(wait::wait_write, never_reached, ec);
        if (!ec) client.connect(to, ec);
      }
      if (ec) fail(ec, "connect");
      sockmode::tcp::socket server = listener.accept(ec);
      if (Mode == mode::non_blocking && ec == asio::error::would_block) {
        listener.wait(wait::wait_read, never_reached, ec);
        if (!ec) server = listener.accept(ec);
      }
      if (ec) fail(ec, "accept");
      set_mode(server);  // an accepted socket starts blocking: give it the same mode
      server.close();
      client.close();
    });
  }

 private:
  static tcp::socket adopt(int fd) {
    tcp::socket s(adoption_context());
    s.assign(tcp::v4(), fd);
    return s;
  }
  template <class IoObject>
  static void set_mode(IoObject& object) {
    if constexpr (Mode == mode::blocking) object.settimeout(std::nullopt);
    if constexpr (Mode == mode::timeout) object.settimeout(never_reached);
    if constexpr (Mode == mode::non_blocking) object.setblocking(false);
  }

  sockmode::tcp::socket socket_;
};

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_CONTENDERS_HPP
