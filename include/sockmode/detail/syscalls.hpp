// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_DETAIL_SYSCALLS_HPP
#define SOCKMODE_DETAIL_SYSCALLS_HPP

#include <sockmode/detail/config.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <sys/uio.h>

#include <cstddef>

namespace sockmode::detail {

// A buffer sequence as the kernel takes it; like Asio, at most 64 buffers go into one call.
// Zero-length buffers take no entry, so that empty ones in front never hide a non-empty one
// from the call (a read would return 0 with data waiting). `truncated`: non-empty buffers were
// left out, which a stream call may do (a partial transfer) and a datagram must not.
struct iovecs {
  static constexpr std::size_t max_count = 64;
  iovec entries[max_count];
  std::size_t count = 0;
  std::size_t bytes = 0;
  bool truncated = false;
};

template <class Buffer, class BufferSequence>
iovecs to_iovecs(const BufferSequence& buffers) {
  iovecs v;
  const auto end = boost::asio::buffer_sequence_end(buffers);
  for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end; ++it) {
    const Buffer b(*it);
    if (b.size() == 0) continue;
    if (v.count == iovecs::max_count) {
      v.truncated = true;
      break;
    }
    v.entries[v.count].iov_base = const_cast<void*>(static_cast<const void*>(b.data()));
    v.entries[v.count].iov_len = b.size();
    v.bytes += b.size();
    ++v.count;
  }
  return v;
}

// One non-blocking syscall each (sockmode's descriptors are always O_NONBLOCK); EAGAIN comes
// back as would_block. `address`, when given, receives or names the peer.
SOCKMODE_API std::size_t receive(int fd, const iovecs& buffers, void* address, std::size_t* address_size,
                    boost::system::error_code& ec) noexcept;
SOCKMODE_API std::size_t send(int fd, const iovecs& buffers, const void* address, std::size_t address_size,
                 boost::system::error_code& ec) noexcept;

// Resizes `endpoint` to an address length the kernel reported, which can exceed the
// endpoint's storage (a Unix path of 108 bytes without its NUL): clamped rather than thrown
// from inside a call.
template <class Endpoint>
void resize_endpoint(Endpoint& endpoint, std::size_t size) {
  endpoint.resize(size < endpoint.capacity() ? size : endpoint.capacity());
}

}  // namespace sockmode::detail

#endif  // SOCKMODE_DETAIL_SYSCALLS_HPP
