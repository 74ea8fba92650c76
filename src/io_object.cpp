// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/default_timeout.hpp>
#include <sockmode/detail/io_object.hpp>

#include "home_context.hpp"
#include "wait/io_state.hpp"

#include <boost/asio/error.hpp>

#include <utility>

namespace sockmode::detail {
namespace {

// Deliberately never destroyed: sockets in static storage may outlive any destruction order.
io_state& closed_state() {
  static io_state* const state = [] {
    auto* s = new io_state(std::nullopt);
    s->close_when_unused([] {});
    return s;
  }();
  return *state;
}

}  // namespace

boost::asio::io_context& home_context() {
  static auto* const context = new boost::asio::io_context;
  return *context;
}

io_object::io_object() : state_(new io_state(getdefaulttimeout())) {
  closed_state();  // so that moves, which are noexcept, never allocate
}

io_object::io_object(io_object&& other) noexcept
    : state_(std::exchange(other.state_, &closed_state())) {}

io_object& io_object::operator=(io_object&& other) noexcept {
  if (this != &other) {
    if (state_ != &closed_state()) delete state_;
    state_ = std::exchange(other.state_, &closed_state());
  }
  return *this;
}

io_object::~io_object() {
  if (state_ != &closed_state()) delete state_;
}

void io_object::renew_state() {
  const bool moved_from = state_ == &closed_state();
  auto* fresh = new io_state(moved_from ? getdefaulttimeout() : state_->timeout());
  if (!moved_from) {
    fresh->set_deadline(io_state::wait_type::wait_read,
                        state_->deadline(io_state::wait_type::wait_read));
    fresh->set_deadline(io_state::wait_type::wait_write,
                        state_->deadline(io_state::wait_type::wait_write));
    delete state_;
  }
  state_ = fresh;
}

void io_object::settimeout(timeout_type t) {
  if (t) t = checked(*t);  // before anything changes: a rejected timeout keeps the mode
  if (state_->closed()) throw_error(boost::asio::error::bad_descriptor, "settimeout");
  state_->set_timeout(t);
}

timeout_type io_object::gettimeout() const noexcept { return state_->timeout(); }

void io_object::setblocking(bool flag) {
  settimeout(flag ? std::nullopt : timeout_type(std::chrono::nanoseconds(0)));
}

bool io_object::getblocking() const noexcept {
  const timeout_type t = gettimeout();
  return !t || t->count() != 0;
}

namespace {

std::int64_t to_deadline_ns(deadline_type t) noexcept {
  if (!t || *t == std::chrono::steady_clock::time_point::max()) return io_state::no_deadline;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count();
}

deadline_type from_deadline_ns(std::int64_t ns) noexcept {
  if (ns == io_state::no_deadline) return std::nullopt;
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(ns)));
}

}  // namespace

void io_object::set_deadline(deadline_type t) {
  set_read_deadline(t);
  set_write_deadline(t);
}

void io_object::set_read_deadline(deadline_type t) {
  if (state_->closed()) throw_error(boost::asio::error::bad_descriptor, "set_read_deadline");
  state_->set_deadline(io_state::wait_type::wait_read, to_deadline_ns(t));
}

void io_object::set_write_deadline(deadline_type t) {
  if (state_->closed()) throw_error(boost::asio::error::bad_descriptor, "set_write_deadline");
  state_->set_deadline(io_state::wait_type::wait_write, to_deadline_ns(t));
}

deadline_type io_object::read_deadline() const noexcept {
  return from_deadline_ns(state_->deadline(io_state::wait_type::wait_read));
}

deadline_type io_object::write_deadline() const noexcept {
  return from_deadline_ns(state_->deadline(io_state::wait_type::wait_write));
}

void io_object::cancel() {
  boost::system::error_code ec;
  cancel(ec);
  if (ec) throw_error(ec, "cancel");
}

void io_object::cancel(boost::system::error_code& ec) noexcept {
  if (state_->closed()) {
    ec = boost::asio::error::bad_descriptor;
    return;
  }
  ec = {};
  state_->cancel();
}

}  // namespace sockmode::detail
