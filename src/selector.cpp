// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// selectors.DefaultSelector: an epoll set of its own, waited on through io_state.
//
// Why an epoll instance per selector: select() must cost O(ready), not O(registered), so the
// registrations have to live in the kernel between calls. The thread's internal io_context
// cannot hold them (its registrations are edge-triggered and cached for at most 8 sockets),
// and a readiness handler per socket in an io_context would re-arm every one of them per
// call. So the selector keeps a level-triggered epoll set, as Python's EpollSelector does, and
// its descriptor is the one thing select() waits on, through the same wait path as every
// sockmode call (io_state::perform_within): the thread's context, its timer, its abort.
#include <sockmode/selector.hpp>

#include <sockmode/error.hpp>

#include "last_error.hpp"
#include "wait/io_state.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/errc.hpp>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace sockmode::detail {

using boost::system::error_code;

namespace {

// Guards every io_state::selected_in_, and is taken before any selector's own mutex: add and remove
// change both sides of a link, close_when_unused() removes a closing descriptor from every
// selector.
std::mutex selector_registry;


}  // namespace

struct selector_core {
  // epoll_event.data.u64 of a registration: entry index and the entry's generation, so that
  // an event read from the kernel just before its registration was removed (and the entry
  // reused) is recognised and dropped.
  static constexpr std::uint64_t wake_tag = std::numeric_limits<std::uint64_t>::max();

  struct entry {
    io_state* owner = nullptr;  // null: free
    int fd = -1;
    selector::events_type events = 0;
    void* data = nullptr;
    std::uint32_t generation = 0;
  };

  selector_core() : wait_state(std::nullopt) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) throw_error(last_error(), "epoll_create1");
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.u64 = wake_tag;
    if (wake_fd < 0 || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &wake) != 0) {
      const error_code ec = last_error();
      if (wake_fd >= 0) ::close(wake_fd);
      ::close(epoll_fd);
      throw_error(ec, "eventfd");
    }
    wait_state.set_descriptor(epoll_fd);
  }

  ~selector_core() {
    {
      std::lock_guard<std::mutex> registry(selector_registry);
      std::lock_guard<std::mutex> guard(mutex);
      for (const entry& s : entries) {
        if (s.owner == nullptr) continue;
        auto& links = s.owner->selected_in_;
        links.erase(std::remove(links.begin(), links.end(), this), links.end());
      }
    }
    // Through close_when_unused(): every thread's context forgets the epoll descriptor first.
    wait_state.close_when_unused([this] { ::close(epoll_fd); });
    ::close(wake_fd);
  }

  static std::uint32_t epoll_events(selector::events_type events) {
    std::uint32_t e = 0;
    if (events & selector::event_read) e |= EPOLLIN;
    if (events & selector::event_write) e |= EPOLLOUT;
    return e;
  }

  static bool valid(selector::events_type events) {
    return events != 0 && (events & ~(selector::event_read | selector::event_write)) == 0;
  }

  // With `mutex` held.
  std::uint32_t* find(const io_state& owner) {
    const auto it = index.find(&owner);
    return it == index.end() ? nullptr : &it->second;
  }

  void add(io_state& owner, selector::events_type events, void* data, error_code& ec) {
    if (!valid(events)) {
      ec = boost::asio::error::invalid_argument;
      return;
    }
    // close_when_unused() sets closed_ before it takes the registry mutex to drop the descriptor
    // from selectors, and closes it only after that: checked under the registry mutex, the
    // descriptor is open until this registration is dropped again.
    std::lock_guard<std::mutex> registry(selector_registry);
    const int fd = owner.descriptor();
    if (owner.closed() || fd < 0) {
      ec = boost::asio::error::bad_descriptor;
      return;
    }
    std::lock_guard<std::mutex> guard(mutex);
    if (find(owner) != nullptr) {
      ec = boost::system::errc::make_error_code(boost::system::errc::file_exists);
      return;
    }
    std::uint32_t i = 0;
    if (free_entries.empty()) {
      i = static_cast<std::uint32_t>(entries.size());
      entries.emplace_back();
    } else {
      i = free_entries.back();
      free_entries.pop_back();
    }
    entry& s = entries[i];
    epoll_event event{};
    event.events = epoll_events(events);
    event.data.u64 = (std::uint64_t{s.generation} << 32) | i;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
      ec = last_error();
      free_entries.push_back(i);
      return;
    }
    s.owner = &owner;
    s.fd = fd;
    s.events = events;
    s.data = data;
    index.emplace(&owner, i);
    owner.selected_in_.push_back(this);
    ec = {};
  }

  void modify(io_state& owner, selector::events_type events, void* data, error_code& ec) {
    if (!valid(events)) {
      ec = boost::asio::error::invalid_argument;
      return;
    }
    std::lock_guard<std::mutex> guard(mutex);
    const std::uint32_t* i = find(owner);
    if (i == nullptr) {
      ec = boost::system::errc::make_error_code(boost::system::errc::no_such_file_or_directory);
      return;
    }
    entry& s = entries[*i];
    if (events != s.events) {
      epoll_event event{};
      event.events = epoll_events(events);
      event.data.u64 = (std::uint64_t{s.generation} << 32) | *i;
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, s.fd, &event) != 0) {
        ec = last_error();
        return;
      }
    }
    s.events = events;
    s.data = data;
    ec = {};
  }

  // With the registry mutex and `mutex` held; the descriptor is still open.
  void erase(std::uint32_t i) {
    entry& s = entries[i];
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, s.fd, nullptr);
    auto& links = s.owner->selected_in_;
    links.erase(std::remove(links.begin(), links.end(), this), links.end());
    index.erase(s.owner);
    s = entry{nullptr, -1, 0, nullptr, s.generation + 1};
    free_entries.push_back(i);
  }

  void remove(io_state& owner, error_code& ec) {
    std::lock_guard<std::mutex> registry(selector_registry);
    std::lock_guard<std::mutex> guard(mutex);
    const std::uint32_t* i = find(owner);
    if (i == nullptr) {
      // A closed socket was already taken out when it closed.
      ec = owner.closed() ? error_code() : boost::system::errc::make_error_code(boost::system::errc::no_such_file_or_directory);
      return;
    }
    erase(*i);
    ec = {};
  }

  std::vector<selector::ready> select(timeout_type timeout, error_code& ec) {
    std::vector<selector::ready> out;
    {
      std::lock_guard<std::mutex> guard(mutex);
      // One entry per registration and the wake-up: everything ready is reported at once, as in
      // Python. Grown here by the one selecting thread, never shrunk, never cleared.
      const std::size_t wanted = index.size() + 1;
      if (buffer.size() < wanted) buffer.resize(std::max(wanted, buffer.size() * 2));
    }
    int got = 0;
    wait_state.perform_within(
        io_state::wait_type::wait_read, timeout,
        [&](error_code& e) -> std::size_t {
          got = ::epoll_wait(epoll_fd, buffer.data(), static_cast<int>(buffer.size()), 0);
          if (got > 0) e = {};
          else if (got == 0 || errno == EINTR) e = boost::asio::error::would_block;
          else e = last_error();
          return 0;
        },
        ec);
    if (ec == error::timeout || ec == boost::asio::error::would_block) {
      ec = {};  // nothing ready in time: an empty list, as Python
      return out;
    }
    if (ec) return out;
    out.reserve(static_cast<std::size_t>(got));
    std::lock_guard<std::mutex> guard(mutex);
    for (int k = 0; k < got; ++k) {
      const epoll_event& e = buffer[static_cast<std::size_t>(k)];
      if (e.data.u64 == wake_tag) {
        std::uint64_t count = 0;
        static_cast<void>(::read(wake_fd, &count, sizeof count));
        continue;
      }
      const auto i = static_cast<std::uint32_t>(e.data.u64 & 0xffffffffu);
      const auto generation = static_cast<std::uint32_t>(e.data.u64 >> 32);
      if (i >= entries.size()) continue;
      const entry& s = entries[i];
      if (s.owner == nullptr || s.generation != generation) continue;  // removed meanwhile
      // Python's mapping: error and hang-up count for whichever events were asked for.
      selector::events_type ready = 0;
      if (e.events & ~std::uint32_t{EPOLLIN}) ready |= selector::event_write;
      if (e.events & ~std::uint32_t{EPOLLOUT}) ready |= selector::event_read;
      ready &= s.events;
      if (ready != 0) out.push_back({ready, s.data});
    }
    return out;
  }

  void wakeup() const noexcept {
    const std::uint64_t one = 1;
    static_cast<void>(::write(wake_fd, &one, sizeof one));  // EAGAIN: already pending
  }

  static void drop(io_state& state) noexcept {
    std::lock_guard<std::mutex> registry(selector_registry);
    while (!state.selected_in_.empty()) {
      selector_core* core = state.selected_in_.back();
      std::lock_guard<std::mutex> guard(core->mutex);
      if (const std::uint32_t* i = core->find(state)) core->erase(*i);  // unlinks it
      else state.selected_in_.pop_back();
    }
  }

  int epoll_fd = -1;
  int wake_fd = -1;
  io_state wait_state;  // the epoll descriptor's, for waiting on it through the wait path
  mutable std::mutex mutex;  // entries, free_entries, index
  std::vector<entry> entries;
  std::vector<std::uint32_t> free_entries;
  std::unordered_map<const io_state*, std::uint32_t> index;
  std::vector<epoll_event> buffer;  // select()'s, one selecting thread at a time
};

void drop_from_selectors(io_state& state) noexcept { selector_core::drop(state); }

void lock_selectors_for_fork() noexcept { selector_registry.lock(); }
void unlock_selectors_after_fork() noexcept { selector_registry.unlock(); }

}  // namespace sockmode::detail

namespace sockmode {

using boost::system::error_code;

selector::selector() : core_(std::make_unique<detail::selector_core>()) {}
selector::selector(selector&& other) noexcept = default;
selector& selector::operator=(selector&& other) noexcept = default;
selector::~selector() = default;

void selector::add(detail::io_object& object, events_type events, void* data) {
  error_code ec;
  add(object, events, data, ec);
  if (ec) detail::throw_error(ec, "selector::add");
}

void selector::add(detail::io_object& object, events_type events, void* data, error_code& ec) {
  if (!core_) ec = boost::asio::error::bad_descriptor;
  else core_->add(*object.state_, events, data, ec);
}

void selector::modify(detail::io_object& object, events_type events, void* data) {
  error_code ec;
  modify(object, events, data, ec);
  if (ec) detail::throw_error(ec, "selector::modify");
}

void selector::modify(detail::io_object& object, events_type events, void* data,
                      error_code& ec) {
  if (!core_) ec = boost::asio::error::bad_descriptor;
  else core_->modify(*object.state_, events, data, ec);
}

void selector::remove(detail::io_object& object) {
  error_code ec;
  remove(object, ec);
  if (ec) detail::throw_error(ec, "selector::remove");
}

void selector::remove(detail::io_object& object, error_code& ec) {
  if (!core_) ec = boost::asio::error::bad_descriptor;
  else core_->remove(*object.state_, ec);
}

std::vector<selector::ready> selector::select(timeout_type timeout) {
  error_code ec;
  std::vector<ready> r = select(timeout, ec);
  if (ec) detail::throw_error(ec, "select");
  return r;
}

std::vector<selector::ready> selector::select(timeout_type timeout, error_code& ec) {
  if (!core_) {
    ec = boost::asio::error::bad_descriptor;
    return {};
  }
  return core_->select(timeout, ec);
}

void selector::wakeup() noexcept {
  if (core_) core_->wakeup();
}

std::size_t selector::size() const noexcept {
  if (!core_) return 0;
  std::lock_guard<std::mutex> guard(core_->mutex);
  return core_->index.size();
}

}  // namespace sockmode
