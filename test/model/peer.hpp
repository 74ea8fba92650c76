// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_MODEL_PEER_HPP
#define SOCKMODE_TEST_MODEL_PEER_HPP

// The deterministic loopback peer of the model test, in plain POSIX calls so that it is the
// same for both implementations: one instance per implementation, each with its own
// listener and its own end of each slot's connection. Every call is bounded in time.

#include "model/scenario.hpp"

#include <boost/crc.hpp>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace model {

inline std::string errno_kind(int e) {
  if (e == EAGAIN) return "would_block";
  const char* name = ::strerrorname_np(e);
  return std::string("err:") + (name ? name : std::to_string(e).c_str());
}

inline sockaddr_in loopback_address(unsigned short port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

inline unsigned short port_of(int fd) {
  sockaddr_in a{};
  socklen_t size = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) != 0)
    throw std::runtime_error("peer: getsockname failed");
  return ntohs(a.sin_port);
}

// A port on which nothing listens, held by a bound socket so no one else takes it.
class refused_port {
 public:
  refused_port() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    const sockaddr_in a = loopback_address(0);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("peer: cannot bind the refused port");
  }
  refused_port(const refused_port&) = delete;
  refused_port& operator=(const refused_port&) = delete;
  ~refused_port() { ::close(fd_); }
  unsigned short port() const { return port_of(fd_); }

 private:
  int fd_;
};

class peer {
 public:
  peer() : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    const sockaddr_in a = loopback_address(0);
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0)
      throw std::runtime_error("peer: cannot listen");
  }
  peer(const peer&) = delete;
  peer& operator=(const peer&) = delete;
  ~peer() {
    reset();
    ::close(listener_);
  }

  unsigned short port() const { return port_of(listener_); }

  // Closes every end and empties the listener's queue: the start of a seed.
  void reset() {
    join();
    for (int& fd : ends_) close_end(fd);
    for (int i = 0; i < 64; ++i) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 0) != 1) break;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) ::close(fd);
    }
  }

  // A peer action done now: accept, connect, send, shutwr, close, reset, closeq.
  std::string run(const std::string& op, int s, std::size_t n, std::size_t tag,
                  unsigned short port) {
    int& end = ends_[s];
    if (op == "accept") {
      close_end(end);
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 500) != 1) return "none";
      end = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (end < 0) return errno_kind(errno);
      bound(end);
      return "ok";
    }
    if (op == "connect") {
      close_end(end);
      end = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      bound(end);
      const sockaddr_in a = loopback_address(port);
      if (::connect(end, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
        const int e = errno;
        close_end(end);
        return errno_kind(e);
      }
      return "ok";
    }
    if (end < 0) return "none";
    if (op == "send") {
      const std::string data = pattern(n, tag);
      std::size_t sent = 0;
      while (sent < data.size()) {
        const ssize_t k = ::send(end, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (k < 0) return errno_kind(errno) + " n=" + std::to_string(sent);
        sent += static_cast<std::size_t>(k);
      }
      return "ok n=" + std::to_string(sent);
    }
    if (op == "shutwr") return ::shutdown(end, SHUT_WR) == 0 ? "ok" : errno_kind(errno);
    if (op == "reset") {
      const linger abort{1, 0};
      ::setsockopt(end, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    }
    if (op == "close" || op == "reset" || op == "closeq") {
      close_end(end);
      return "ok";
    }
    return "harness:unknown-peer-command";
  }

  // A peer action that runs during the driver's next step, on a thread of its own:
  // send_later (sends after 30 ms), connect_later (connects after 30 ms), drain (reads
  // until finish()).
  void start(const std::string& op, int s, std::size_t n, std::size_t tag, unsigned short port) {
    join();
    stop_ = false;
    result_.clear();
    if (op == "drain") {
      const int fd = ends_[s];
      if (fd < 0) {
        result_ = "none";
        return;
      }
      worker_ = std::thread([this, fd] { result_ = drain(fd); });
      return;
    }
    worker_ = std::thread([this, op, s, n, tag, port] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      result_ = run(op == "send_later" ? "send" : "connect", s, n, tag, port);
    });
  }
  // Ends the action begun by start() (a drain reads what is left) and returns its outcome.
  std::string finish() {
    stop_ = true;
    join();
    return result_;
  }

 private:
  // Both ends stay bounded: a send that cannot finish in 5 s fails.
  static void bound(int fd) {
    const timeval limit{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }
  static void close_end(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void join() {
    if (worker_.joinable()) worker_.join();
  }

  // Reads until the driver's data is all here (finish() is called once the driver's send
  // queue is empty) or the stream ends. The checksum covers the first MiB only.
  std::string drain(int fd) {
    static constexpr std::size_t crc_limit = 1 << 20;
    std::string buf(1 << 16, '\0');
    boost::crc_32_type crc;
    std::size_t total = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < give_up) {
      const ssize_t k = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (k > 0) {
        const std::size_t got = static_cast<std::size_t>(k);
        if (total < crc_limit) crc.process_bytes(buf.data(), std::min(got, crc_limit - total));
        total += got;
        continue;
      }
      if (k == 0) return summary(total, crc.checksum()) + " eof=1";
      if (errno != EAGAIN) return errno_kind(errno) + " n=" + std::to_string(total);
      if (stop_) return summary(total, crc.checksum()) + " eof=0";
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, 5);
    }
    return "harness:drain-timed-out";
  }
  static std::string summary(std::size_t total, std::uint32_t crc) {
    return "ok n=" + std::to_string(total) + " crc=" +
           (total <= (1 << 20) ? std::to_string(crc) : std::string("-"));
  }

  int listener_;
  int ends_[3] = {-1, -1, -1};
  std::thread worker_;
  std::atomic<bool> stop_{false};
  std::string result_;
};

}  // namespace model

#endif  // SOCKMODE_TEST_MODEL_PEER_HPP
