// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The selector workload: select() over many registered sockets of which a few are ready.
#ifndef SOCKMODE_BENCHMARKS_SELECTOR_WORKLOAD_HPP
#define SOCKMODE_BENCHMARKS_SELECTOR_WORKLOAD_HPP

#include <cstddef>

namespace bench {

// Nanoseconds per call of each contender, measured on the same sockets in the same run.
struct selector_figures {
  double sockmode_select;  // sockmode::selector::select(1 s)
  double raw_epoll;        // epoll_wait(0) on an epoll set of the same sockets
  double raw_poll;         // poll(0) on a pollfd array of the same sockets
};

// `registered` UDP sockets bound to 127.0.0.1, `active` of them (spread evenly) with one
// datagram queued and never read, so that every call reports exactly those: level-triggered
// readiness, as every contender here has. `calls` timed calls per contender, in an order
// rotated by `rotate` (at most a second's worth each); every call's ready count is checked.
// The raw calls do not wait (timeout 0), the cheapest form of each when sockets are ready.
selector_figures selector_cost(std::size_t registered, std::size_t active, std::size_t calls,
                               std::size_t rotate);

}  // namespace bench

#endif  // SOCKMODE_BENCHMARKS_SELECTOR_WORKLOAD_HPP
