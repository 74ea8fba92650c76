// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The epoll wait backend: Asio's default reactor, as the rest of the program uses it.
#include "wait_backend_impl.hpp"

namespace sockmode::detail {

wait_backend* make_epoll_backend() { return new asio_wait_backend("epoll"); }

}  // namespace sockmode::detail
