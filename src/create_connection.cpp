// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// create_connection: resolution and connection attempts within one call budget. Every wait goes
// through io_state: the attempts are ordinary connect() calls, and the race between them is
// coordinated with an event (src/event.hpp) waited for the same way.
#include <sockmode/create_connection.hpp>
#include <sockmode/connection_timeout_error.hpp>
#include <sockmode/detail/io_object.hpp>
#include <sockmode/error.hpp>

#include "call_budget.hpp"
#include "event.hpp"
#include "format_duration.hpp"
#include "resolve_within.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <list>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace sockmode {
namespace {

using boost::system::error_code;
using attempts_type = std::vector<connection_attempt>;

// One attempt: opens (and binds) on first use, so that a close() from the coordinator before
// the attempt has started leaves nothing behind.
void attempt(tcp::socket& socket, const tcp::endpoint& endpoint,
             const connection_options& options, error_code& ec) {
  ec = {};
  if (options.source_address) socket.bind(*options.source_address, ec);
  if (!ec) socket.connect(endpoint, ec);
}

// Python's loop: each address in turn, until one connects. In timeout mode each attempt gets
// what is left of the one budget, so a timed-out attempt means there is no time for the rest.
tcp::socket connect_in_turn(const std::vector<tcp::endpoint>& endpoints,
                            const connection_options& options, const detail::call_budget& budget,
                            attempts_type& attempts, error_code& ec) {
  for (const tcp::endpoint& endpoint : endpoints) {
    if (budget.expired()) {
      ec = error::timeout;
      break;
    }
    tcp::socket socket;
    socket.settimeout(budget.remaining());
    attempt(socket, endpoint, options, ec);
    attempts.push_back({endpoint, ec});
    if (!ec) return socket;
    if (ec == error::timeout) break;
  }
  return tcp::socket();
}

// RFC 8305's order: the first IPv6 address, then the first IPv4 one, alternating after that;
// each family keeps the resolver's order.
std::vector<tcp::endpoint> interleave(const std::vector<tcp::endpoint>& endpoints) {
  std::vector<tcp::endpoint> v6;
  std::vector<tcp::endpoint> v4;
  for (const tcp::endpoint& e : endpoints) (e.address().is_v6() ? v6 : v4).push_back(e);
  std::vector<tcp::endpoint> order;
  for (std::size_t i = 0; i < std::max(v6.size(), v4.size()); ++i) {
    if (i < v6.size()) order.push_back(v6[i]);
    if (i < v4.size()) order.push_back(v4[i]);
  }
  return order;
}

// Happy Eyeballs: attempts overlap, each a blocking or timed connect() on a thread of its own,
// started `attempt_delay` apart or as soon as one fails. The caller's thread waits for the first to
// finish, or the next start, or the end of the budget; then closes every other attempt (which wakes
// its connect at once) and joins every thread before it returns.
tcp::socket connect_racing(const std::vector<tcp::endpoint>& order,
                           const connection_options& options, const detail::call_budget& budget,
                           attempts_type& attempts, error_code& ec) {
  using clock = detail::call_budget::clock;
  detail::event wake(ec);
  if (ec) return tcp::socket();

  struct runner {
    tcp::endpoint endpoint;
    tcp::socket socket;
    std::thread thread;
    error_code result;  // guarded by `mutex`
    bool finished = false;
    bool ended_itself = false;  // finished before the others were closed
  };
  // A delay beyond the longest timeout is the same as never: no overflow in now() + delay.
  const auto attempt_delay = std::min(options.attempt_delay, detail::max_timeout);
  std::mutex mutex;
  std::list<runner> runners;  // stable addresses for the threads
  std::size_t next = 0;
  std::size_t failures_seen = 0;
  clock::time_point next_start;

  const auto start = [&] {
    runner& r = runners.emplace_back();
    r.endpoint = order[next++];
    next_start = clock::now() + attempt_delay;
    r.socket.settimeout(budget.remaining());
    try {
      r.thread = std::thread([&r, &mutex, &wake, &options] {
        error_code e;
        attempt(r.socket, r.endpoint, options, e);
        {
          std::lock_guard<std::mutex> guard(mutex);
          r.result = e;
          r.finished = true;
        }
        wake.notify();
      });
    } catch (const std::system_error& e) {  // no thread to be had: this attempt fails
      std::lock_guard<std::mutex> guard(mutex);
      r.result = error_code(e.code().value(), boost::system::system_category());
      r.finished = true;
    }
  };

  runner* winner = nullptr;
  // Closes every attempt but the winner (which wakes its connect at once) and joins every
  // thread: on the way out of the loop, and on any exception (a thread is never left joinable).
  const auto close_losers_and_join = [&] {
    for (runner& r : runners) {
      if (&r != winner) {
        error_code ignored;
        r.socket.close(ignored);
      }
    }
    for (runner& r : runners) {
      if (r.thread.joinable()) r.thread.join();
    }
  };
  struct join_on_exit {
    const decltype(close_losers_and_join)& f;
    ~join_on_exit() { f(); }
  } joiner{close_losers_and_join};
  bool timed_out = false;
  start();
  for (;;) {
    wake.reset();  // before looking: a notification from now on ends the wait below
    std::size_t failures = 0;
    bool all_finished = true;
    {
      std::lock_guard<std::mutex> guard(mutex);
      for (runner& r : runners) {
        if (r.finished && !r.result && winner == nullptr) winner = &r;
        if (r.finished && r.result) ++failures;
        all_finished = all_finished && r.finished;
      }
    }
    if (winner != nullptr) break;
    if (budget.expired()) {
      timed_out = true;
      break;
    }
    const bool more = next < order.size();
    if (!more && all_finished) break;
    if (more && (failures > failures_seen || clock::now() >= next_start)) {
      failures_seen = failures;
      start();
      continue;
    }
    timeout_type wait_for = budget.remaining();
    if (more) {
      const auto to_next = std::max(std::chrono::nanoseconds(1),
                                    std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        next_start - clock::now()));
      if (!wait_for || to_next < *wait_for) wait_for = to_next;
    }
    error_code waited;
    wake.wait(wait_for, waited);
    if (waited && waited != error::timeout) {  // the wait itself failed: give up cleanly
      ec = waited;
      break;
    }
  }

  {
    std::lock_guard<std::mutex> guard(mutex);
    for (runner& r : runners) r.ended_itself = r.finished;
  }
  close_losers_and_join();
  for (runner& r : runners) {
    // An attempt cut short reports why: the budget was spent, or another attempt won.
    error_code result = r.result;
    if (!r.ended_itself) {
      result = timed_out ? error_code(error::timeout)
                         : error_code(boost::asio::error::operation_aborted);
    }
    attempts.push_back({r.endpoint, result});
  }
  if (winner != nullptr) {
    ec = {};
    return std::move(winner->socket);
  }
  if (timed_out) ec = error::timeout;
  else if (!ec && !attempts.empty()) ec = attempts.back().error;
  return tcp::socket();
}

bool both_families(const std::vector<tcp::endpoint>& endpoints) {
  const auto v6 = [](const tcp::endpoint& e) { return e.address().is_v6(); };
  return std::any_of(endpoints.begin(), endpoints.end(), v6) &&
         !std::all_of(endpoints.begin(), endpoints.end(), v6);
}

tcp::socket connect_any(const std::vector<tcp::endpoint>& endpoints,
                        const connection_options& options, const detail::call_budget& budget,
                        attempts_type& attempts, error_code& ec) {
  ec = {};
  if (endpoints.empty()) {
    ec = boost::asio::error::host_not_found;  // Python: "getaddrinfo returns an empty list"
    return tcp::socket();
  }
  // Overlapping attempts need time to overlap in: non-blocking mode tries each in turn, and
  // each fails with would_block at once, as in Python.
  tcp::socket socket =
      options.happy_eyeballs && !budget.non_blocking() && both_families(endpoints)
          ? connect_racing(interleave(endpoints), options, budget, attempts, ec)
          : connect_in_turn(endpoints, options, budget, attempts, ec);
  if (!ec) socket.settimeout(options.timeout);
  return socket;
}

detail::call_budget checked_budget(const connection_options& options) {
  timeout_type t = options.timeout;
  if (t) t = detail::checked(*t);
  if (options.attempt_delay.count() < 0) {
    detail::throw_invalid_timeout("attempt_delay must not be negative");
  }
  return detail::call_budget(t);
}

// What follows the last error in the message: how long the call had, and every attempt.
std::string detail_of(const connection_options& options, const error_code& ec,
                      const attempts_type& attempts) {
  std::ostringstream detail;
  if (ec == error::timeout && options.timeout && options.timeout->count() > 0) {
    detail << " after " << detail::format_duration(*options.timeout);
  }
  if (!attempts.empty()) {
    detail << " (";
    for (std::size_t i = 0; i < attempts.size(); ++i) {
      detail << (i ? "; " : "") << attempts[i].endpoint << ": " << attempts[i].error.message();
    }
    detail << ")";
  }
  return detail.str();
}

std::string target_of(std::string_view host, std::string_view service) {
  std::string target(host);
  if (target.find(':') != std::string::npos) target = "[" + target + "]";
  return target + ":" + std::string(service);
}

std::string target_of(const std::vector<tcp::endpoint>& endpoints) {
  std::ostringstream out;
  if (endpoints.empty()) out << "(no address)";
  else out << endpoints.front();
  if (endpoints.size() > 1) out << " and " << endpoints.size() - 1 << " more";
  return out.str();
}

// A timeout is a connection_timeout_error, so that `catch (const timeout_error&)` sees it.
[[noreturn]] void fail(const error_code& ec, const std::string& what, const std::string& detail,
                       attempts_type attempts) {
  if (ec == error::timeout) throw connection_timeout_error(ec, what, detail, std::move(attempts));
  throw connection_error(ec, what, detail, std::move(attempts));
}

}  // namespace

tcp::socket create_connection(std::string_view host, std::string_view service,
                              const connection_options& options, error_code& ec,
                              attempts_type* attempts) {
  attempts_type local;
  attempts_type& tried = attempts != nullptr ? *attempts : local;
  tried.clear();
  const detail::call_budget budget = checked_budget(options);
  const auto results = detail::resolve_within(host, service, budget, ec);
  if (ec) return tcp::socket();
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  return connect_any(endpoints, options, budget, tried, ec);
}

tcp::socket create_connection(std::string_view host, std::string_view service,
                              const connection_options& options) {
  error_code ec;
  attempts_type attempts;
  tcp::socket socket = create_connection(host, service, options, ec, &attempts);
  if (ec) {
    const std::string detail = detail_of(options, ec, attempts);
    fail(ec, "create_connection " + target_of(host, service), detail, std::move(attempts));
  }
  return socket;
}

tcp::socket create_connection(std::string_view host, std::string_view service,
                              timeout_type timeout) {
  connection_options options;
  options.timeout = timeout;
  return create_connection(host, service, options);
}

tcp::socket create_connection(std::string_view host, std::string_view service,
                              timeout_type timeout, error_code& ec) {
  connection_options options;
  options.timeout = timeout;
  return create_connection(host, service, options, ec);
}

tcp::socket create_connection(const std::vector<tcp::endpoint>& endpoints,
                              const connection_options& options, error_code& ec,
                              attempts_type* attempts) {
  attempts_type local;
  attempts_type& tried = attempts != nullptr ? *attempts : local;
  tried.clear();
  return connect_any(endpoints, options, checked_budget(options), tried, ec);
}

tcp::socket create_connection(const std::vector<tcp::endpoint>& endpoints,
                              const connection_options& options) {
  error_code ec;
  attempts_type attempts;
  tcp::socket socket = create_connection(endpoints, options, ec, &attempts);
  if (ec) {
    const std::string detail = detail_of(options, ec, attempts);
    fail(ec, "create_connection " + target_of(endpoints), detail, std::move(attempts));
  }
  return socket;
}

}  // namespace sockmode
