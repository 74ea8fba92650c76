// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Every socket syscall sockmode makes for I/O, on descriptors that are always O_NONBLOCK.
#include "syscalls.hpp"

#include "last_error.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sockmode::detail {
namespace {

boost::system::error_code non_blocking_error() noexcept {
  // EINTR cannot mean "blocked and interrupted" on a non-blocking descriptor; retrying after
  // a readiness wait is always right for it.
  const int e = errno == EINTR ? EAGAIN : errno;
  return {e, boost::system::system_category()};
}

msghdr message(const iovecs& buffers, void* address, std::size_t address_size) noexcept {
  msghdr m{};
  m.msg_name = address;
  m.msg_namelen = static_cast<socklen_t>(address_size);
  m.msg_iov = const_cast<iovec*>(buffers.entries);
  m.msg_iovlen = buffers.count;
  return m;
}

}  // namespace

std::size_t receive(int fd, const iovecs& buffers, void* address, std::size_t* address_size,
                    boost::system::error_code& ec) noexcept {
  ssize_t n = 0;
  if (buffers.count == 1) {
    // One buffer, the common case: recv/recvfrom cost the kernel less than recvmsg.
    socklen_t size = address_size != nullptr ? static_cast<socklen_t>(*address_size) : 0;
    n = ::recvfrom(fd, buffers.entries[0].iov_base, buffers.entries[0].iov_len, 0,
                   static_cast<sockaddr*>(address), address != nullptr ? &size : nullptr);
    if (n >= 0 && address_size != nullptr) *address_size = size;
  } else {
    msghdr m = message(buffers, address, address_size != nullptr ? *address_size : 0);
    n = ::recvmsg(fd, &m, 0);
    if (n >= 0 && address_size != nullptr) *address_size = m.msg_namelen;
  }
  if (n < 0) {
    ec = non_blocking_error();
    return 0;
  }
  ec = {};
  return static_cast<std::size_t>(n);
}

std::size_t send(int fd, const iovecs& buffers, const void* address, std::size_t address_size,
                 boost::system::error_code& ec) noexcept {
  // MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE.
  ssize_t n = 0;
  if (buffers.count == 1) {
    n = ::sendto(fd, buffers.entries[0].iov_base, buffers.entries[0].iov_len, MSG_NOSIGNAL,
                 static_cast<const sockaddr*>(address), static_cast<socklen_t>(address_size));
  } else {
    const msghdr m = message(buffers, const_cast<void*>(address), address_size);
    n = ::sendmsg(fd, &m, MSG_NOSIGNAL);
  }
  if (n < 0) {
    ec = non_blocking_error();
    return 0;
  }
  ec = {};
  return static_cast<std::size_t>(n);
}

int open_socket(int family, int type, int protocol, boost::system::error_code& ec) noexcept {
  const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  ec = fd < 0 ? non_blocking_error() : boost::system::error_code();
  return fd;
}

int accept_socket(int listener, void* address, std::size_t* address_size,
                  boost::system::error_code& ec) noexcept {
  socklen_t size = static_cast<socklen_t>(*address_size);
  const int fd = ::accept4(listener, static_cast<sockaddr*>(address), &size,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    ec = non_blocking_error();
    return -1;
  }
  *address_size = size;
  ec = {};
  return fd;
}

void check_socket(int fd, int family, int type, boost::system::error_code& ec) noexcept {
  const auto fail = [&ec](int e) { ec = {e, boost::system::system_category()}; };
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return fail(errno);
  int value = 0;
  socklen_t size = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &size) != 0) return fail(errno);
  if (value != family) return fail(EAFNOSUPPORT);
  size = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &size) != 0) return fail(errno);
  if (value != type) return fail(EPROTOTYPE);
  if ((flags & O_NONBLOCK) == 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    return fail(errno);
  ec = {};
}

int duplicate(int fd, boost::system::error_code& ec) noexcept {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  ec = copy < 0 ? last_error() : boost::system::error_code();
  return copy;
}

}  // namespace sockmode::detail
