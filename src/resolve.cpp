// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Name resolution within a call budget. glibc's getaddrinfo runs on a thread of its own, which
// the caller waits for through the wait path (an eventfd); once the budget is spent the caller
// leaves, and the lookup finishes on its own and frees what it holds. See README, "Name
// resolution".
#include <sockmode/resolve.hpp>
#include <sockmode/detail/io_object.hpp>
#include <sockmode/error.hpp>

#include "call_budget.hpp"
#include "event.hpp"
#include "resolve_within.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>

#include <net/if.h>
#include <netdb.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace sockmode {
namespace detail {
namespace {

using boost::system::error_code;
using results_type = boost::asio::ip::tcp::resolver::results_type;

// Asio's own mapping of getaddrinfo's codes, so that errors compare as the resolver's would.
error_code translate(int rc, int saved_errno) {
  namespace e = boost::asio::error;
  switch (rc) {
    case 0: return {};
    case EAI_AGAIN: return e::host_not_found_try_again;
    case EAI_BADFLAGS: return e::invalid_argument;
    case EAI_FAIL: return e::no_recovery;
    case EAI_FAMILY: return e::address_family_not_supported;
    case EAI_MEMORY: return e::no_memory;
    case EAI_NONAME:
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
      return e::host_not_found;
    case EAI_SERVICE: return e::service_not_found;
    case EAI_SOCKTYPE: return e::socket_type_not_supported;
    default:
      // EAI_SYSTEM names its cause in errno; anything else (or errno 0) is still a failure.
      if (rc == EAI_SYSTEM && saved_errno != 0) return {saved_errno, boost::system::system_category()};
      return e::no_recovery;
  }
}

// A lookup in flight, shared by the thread that makes it and every caller waiting for it.
struct lookup {
  lookup(std::string h, std::string s, error_code& opened)
      : host(std::move(h)), service(std::move(s)), done(opened), pid(::getpid()) {}

  void run() noexcept;

  const std::string host;
  const std::string service;
  event done;  // raised once, never reset: every waiter sees it
  const pid_t pid;  // a fork child never joins its parent's lookup: the thread is not there
  std::atomic<bool> finished{false};
  // Written by the lookup's thread before `finished`; read by waiters after it.
  results_type results;
  error_code ec;
};

// Lookups in flight by host and service, so that a caller retrying against a slow or dead
// server joins the lookup still running instead of starting another thread each time.
std::mutex in_flight_mutex;
std::unordered_map<std::string, std::weak_ptr<lookup>>& in_flight =
    *new std::unordered_map<std::string, std::weak_ptr<lookup>>;  // outlives detached threads

std::string key_of(const std::string& host, const std::string& service) {
  std::string key = host;
  key += '\0';
  key += service;
  return key;
}

void lookup::run() noexcept {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // as Python's create_connection; no AI_ADDRCONFIG either
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                               service.empty() ? nullptr : service.c_str(), &hints, &list);
  ec = translate(rc, errno);
  if (rc == 0) {
    try {
      results = results_type::create(list, host, service);
      if (results.empty()) ec = boost::asio::error::host_not_found;
    } catch (const std::bad_alloc&) {
      ec = boost::asio::error::no_memory;
    }
    ::freeaddrinfo(list);
  }
  {
    std::lock_guard<std::mutex> guard(in_flight_mutex);
    const auto it = in_flight.find(key_of(host, service));
    if (it != in_flight.end() && it->second.lock().get() == this) in_flight.erase(it);
  }
  finished.store(true, std::memory_order_release);
  done.notify();
}

void lock_in_flight() { in_flight_mutex.lock(); }
void unlock_in_flight() { in_flight_mutex.unlock(); }

std::shared_ptr<lookup> start_or_join(const std::string& host, const std::string& service,
                                      error_code& ec) {
  static const int registered = pthread_atfork(&lock_in_flight, &unlock_in_flight,
                                               &unlock_in_flight);
  static_cast<void>(registered);
  std::lock_guard<std::mutex> guard(in_flight_mutex);
  std::weak_ptr<lookup>& in_flight_entry = in_flight[key_of(host, service)];
  if (std::shared_ptr<lookup> running = in_flight_entry.lock();
      running && running->pid == ::getpid()) {
    return running;
  }
  std::shared_ptr<lookup> started;
  try {
    started = std::make_shared<lookup>(host, service, ec);
    if (!ec) std::thread([started] { started->run(); }).detach();
  } catch (const std::system_error& e) {  // no thread to be had (EAGAIN)
    ec = error_code(e.code().value(), boost::system::system_category());
  }
  if (ec) {
    in_flight.erase(key_of(host, service));
    return nullptr;
  }
  in_flight_entry = started;
  return started;
}

// A numeric address and port need no resolver: no thread, no wait, no failure mode.
bool resolve_numeric(const std::string& host, const std::string& service, results_type& out) {
  unsigned short port = 0;
  const char* const end = service.data() + service.size();
  const auto [rest, err] = std::from_chars(service.data(), end, port);
  if (service.empty() || err != std::errc() || rest != end) return false;
  // Asio reads an IPv6 scope it cannot name ("::1%nonsense") as scope 0, and an overlong
  // number through atoi; getaddrinfo refuses both. Such a host goes to the resolver, as in
  // CPython.
  if (const std::size_t percent = host.find('%'); percent != std::string::npos) {
    const std::string scope = host.substr(percent + 1);
    unsigned number = 0;
    const auto [last, bad] = std::from_chars(scope.data(), scope.data() + scope.size(), number);
    const bool numeric = !scope.empty() && bad == std::errc() && last == scope.data() + scope.size() &&
                         number <= static_cast<unsigned>(std::numeric_limits<int>::max());
    if (!numeric && (scope.empty() || ::if_nametoindex(scope.c_str()) == 0)) return false;
  }
  error_code ec;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, ec);
  if (ec) return false;
  out = results_type::create(boost::asio::ip::tcp::endpoint(address, port), host, service);
  return true;
}

}  // namespace

results_type resolve_within(std::string_view host_view, std::string_view service_view,
                            const call_budget& budget, error_code& ec) {
  ec = {};
  // getaddrinfo and the address parser read C strings: "127.0.0.1\0.evil" would resolve as
  // the part before the NUL. CPython refuses such a string too.
  if (host_view.find('\0') != std::string_view::npos ||
      service_view.find('\0') != std::string_view::npos) {
    ec = boost::asio::error::invalid_argument;
    return {};
  }
  const std::string host(host_view);
  const std::string service(service_view);
  results_type results;
  if (resolve_numeric(host, service, results)) return results;
  if (budget.non_blocking()) {
    ec = boost::asio::error::would_block;  // a name needs a lookup, and a lookup takes time
    return results;
  }
  if (budget.expired()) {
    ec = sockmode::error::timeout;
    return results;
  }
  const std::shared_ptr<lookup> request = start_or_join(host, service, ec);
  if (ec) return results;
  if (!request->finished.load(std::memory_order_acquire)) {
    request->done.wait(budget.remaining(), ec);
    if (ec) return results;  // the lookup goes on without us; `request` is only a reference
  }
  if (!request->finished.load(std::memory_order_acquire)) {
    ec = boost::asio::error::operation_aborted;  // not expected: the event is raised last
    return results;
  }
  ec = request->ec;
  if (!ec) results = request->results;
  return results;
}

}  // namespace detail

boost::asio::ip::tcp::resolver::results_type resolve(std::string_view host,
                                                     std::string_view service,
                                                     timeout_type timeout) {
  boost::system::error_code ec;
  auto results = resolve(host, service, timeout, ec);
  if (ec) {
    std::string what = "resolve " + std::string(host) + ":" + std::string(service);
    for (std::size_t nul; (nul = what.find('\0')) != std::string::npos;) what.replace(nul, 1, "\\0");
    detail::throw_error(ec, what, 0, timeout);
  }
  return results;
}

boost::asio::ip::tcp::resolver::results_type resolve(std::string_view host,
                                                     std::string_view service,
                                                     timeout_type timeout,
                                                     boost::system::error_code& ec) {
  if (timeout) timeout = detail::checked(*timeout);
  return detail::resolve_within(host, service, detail::call_budget(timeout), ec);
}

}  // namespace sockmode
