// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/error.hpp>
#include <sockmode/detail/io_object.hpp>
#include <sockmode/detail/timeout.hpp>
#include <sockmode/io_error.hpp>
#include <sockmode/timeout_error.hpp>

#include "format_duration.hpp"
#include "wait/cannot_wait.hpp"

#include <boost/system/errc.hpp>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sockmode {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sockmode"; }

  std::string message(int ev) const override {
    return ev == static_cast<int>(error::timeout) ? "timed out" : "unknown sockmode error";
  }

  boost::system::error_condition default_error_condition(int ev) const noexcept override {
    if (ev == static_cast<int>(error::timeout)) return boost::system::errc::timed_out;
    return {ev, *this};
  }

  // Also Beast's `condition::timeout`, so that `ec == beast::condition::timeout` holds for
  // sockmode's timeouts in Beast code. Beast's condition category is recognised by its name:
  // it is defined inline, so a shared libsockmode and the program may each hold an instance.
  bool equivalent(int ev, const boost::system::error_condition& condition) const
      noexcept override {
    if (ev == static_cast<int>(error::timeout) && condition.value() == 1 &&
        std::strcmp(condition.category().name(), "boost.beast") == 0)
      return true;
    return default_error_condition(ev) == condition;
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

boost::system::error_condition make_error_condition(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

namespace detail {

void throw_error(const boost::system::error_code& ec, const char* what,
                 std::size_t bytes_transferred) {
  std::string why = what;
  std::string detail;
  if (explain_cannot_wait(ec, why, detail)) throw io_error(ec, why, bytes_transferred, detail);
  if (ec == error::timeout) throw timeout_error(ec, what, bytes_transferred);
  throw io_error(ec, what, bytes_transferred);
}

std::string format_duration(std::chrono::nanoseconds t) {
  using namespace std::chrono;
  const auto n = t.count();
  if (n % 1000000000 == 0) return std::to_string(n / 1000000000) + " s";
  if (n % 1000000 == 0) return std::to_string(n / 1000000) + " ms";
  if (n % 1000 == 0) return std::to_string(n / 1000) + " us";
  return std::to_string(n) + " ns";
}

void throw_error(const boost::system::error_code& ec, const std::string& what,
                 std::size_t bytes_transferred, timeout_type timeout) {
  std::string detail;
  if (std::string why = what; explain_cannot_wait(ec, why, detail)) {
    throw io_error(ec, why, bytes_transferred, detail);
  }
  if (ec == error::timeout && timeout && timeout->count() > 0) {
    detail = " after " + format_duration(*timeout);
  }
  if (ec == error::timeout) throw timeout_error(ec, what, bytes_transferred, detail);
  throw io_error(ec, what, bytes_transferred, detail);
}

void throw_invalid_timeout(const char* why) { throw std::invalid_argument(why); }

}  // namespace detail
}  // namespace sockmode
