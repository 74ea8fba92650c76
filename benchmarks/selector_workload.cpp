// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "selector_workload.hpp"

#include "harness.hpp"

#include <sockmode/selector.hpp>
#include <sockmode/udp.hpp>

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <deque>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

selector_figures selector_cost(std::size_t registered, std::size_t active, std::size_t calls,
                               std::size_t rotate) {
  using namespace std::chrono_literals;
  std::deque<sockmode::udp::socket> sockets;
  for (std::size_t i = 0; i < registered; ++i) {
    sockets.emplace_back();
    sockets.back().bind({boost::asio::ip::address_v4::loopback(), 0});
  }
  // Ready ones spread over the whole set, so that no contender gains from their position.
  sockmode::udp::socket sender(boost::asio::ip::udp::v4());
  const std::size_t stride = registered / active;
  for (std::size_t k = 0; k < active; ++k) {
    sender.send_to(boost::asio::buffer("r", 1), sockets[k * stride].local_endpoint());
  }

  sockmode::selector sel;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail("epoll_create1");
  struct close_on_exit {
    int fd;
    ~close_on_exit() { ::close(fd); }
  } ep_guard{ep};
  std::vector<pollfd> fds;
  fds.reserve(registered);
  for (std::size_t i = 0; i < registered; ++i) {
    sel.add(sockets[i], sockmode::selector::event_read, &sockets[i]);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = i;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, sockets[i].native_handle(), &e) != 0) fail("epoll_ctl");
    fds.push_back({sockets[i].native_handle(), POLLIN, 0});
  }
  // As Python's EpollSelector sizes it: room for every registered socket.
  std::vector<epoll_event> events(registered);

  auto check = [&](std::size_t n, const char* who) {
    if (n != active) {
      throw std::runtime_error(std::string(who) + ": " + std::to_string(n) + " ready, expected " +
                               std::to_string(active));
    }
  };
  // `calls` calls, or as many as fit in a second: poll() over 10,000 descriptors takes
  // milliseconds a call.
  auto time_calls = [&](auto&& one_call) {
    one_call();  // warm: first-call allocations and registrations
    const std::int64_t t0 = now_ns();
    std::size_t done = 0;
    while (done < calls && (done % 64 != 0 || now_ns() - t0 < 1'000'000'000)) {
      one_call();
      ++done;
    }
    return static_cast<double>(now_ns() - t0) / static_cast<double>(done);
  };

  selector_figures f{};
  std::vector<std::function<void()>> contenders{
      [&] {
        f.sockmode_select = time_calls([&] { check(sel.select(1s).size(), "selector"); });
      },
      [&] {
        f.raw_epoll = time_calls([&] {
          const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 0);
          if (n < 0) fail("epoll_wait");
          check(static_cast<std::size_t>(n), "epoll_wait");
        });
      },
      [&] {
        f.raw_poll = time_calls([&] {
          const int n = ::poll(fds.data(), fds.size(), 0);
          if (n < 0) fail("poll");
          check(static_cast<std::size_t>(n), "poll");
        });
      },
  };
  for (std::size_t i = 0; i < contenders.size(); ++i) contenders[(i + rotate) % contenders.size()]();
  return f;
}

}  // namespace bench
