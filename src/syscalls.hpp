// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: the syscalls that make and check descriptors (src/syscalls.cpp). The ones the
// public headers' inline code makes, receive and send, are in <sockmode/detail/syscalls.hpp>.
#ifndef SOCKMODE_SRC_SYSCALLS_HPP
#define SOCKMODE_SRC_SYSCALLS_HPP

#include <sockmode/detail/syscalls.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>

namespace sockmode::detail {

// New descriptors are non-blocking and close-on-exec from the start, as CPython's.
int open_socket(int family, int type, int protocol, boost::system::error_code& ec) noexcept;
int accept_socket(int listener, void* address, std::size_t* address_size,
                  boost::system::error_code& ec) noexcept;

// A descriptor from outside: checks that it is an open socket of `family` and `type`, then
// sets O_NONBLOCK. Errors: bad_descriptor, not_socket, address_family_not_supported,
// wrong_protocol_type.
void check_socket(int fd, int family, int type, boost::system::error_code& ec) noexcept;
// A close-on-exec duplicate of `fd`, as os.dup.
int duplicate(int fd, boost::system::error_code& ec) noexcept;

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_SYSCALLS_HPP
