// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_CONFORMANCE_CONFORMANCE_HPP
#define SOCKMODE_TEST_CONFORMANCE_CONFORMANCE_HPP

// Helpers for the ports of CPython 3.11's Lib/test/test_timeout.py and test_socket.py. Each
// test case is named after the CPython test it ports (suite = CPython class, case = method),
// so `--run_test=TCPTimeoutTestCase/testSendall` runs the port of
// test_timeout.TCPTimeoutTestCase.testSendall. Loopback and Unix sockets only.

#include <sockmode/sockmode.hpp>

#include "support.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

namespace conformance {

using namespace std::chrono_literals;

// The timeout the timing tests use. CPython's use 1.5 s with 2 s of fuzz above and 1 s below;
// these keep the run short and check with the same kind of slack: at least 0.7 t, at most
// t + 2.5 s.
inline constexpr std::chrono::milliseconds timeout = 200ms;

inline void check_took(test::seconds took, std::chrono::milliseconds t = timeout) {
  const double expected = std::chrono::duration<double>(t).count();
  BOOST_TEST(took.count() >= 0.7 * expected);
  BOOST_TEST(took.count() < expected + 2.5);
}

// CPython's UnixSocketTestBase binds in a private temporary directory; test::temp_path gives
// a path unique to this process and call for the same reason.
using test::temp_path;

// SIGALRM from setitimer, first after `first` and then every `every` (0: once), with a handler
// installed without SA_RESTART, as CPython's signal.signal installs its handlers: every signal
// interrupts the system call in progress. CPython's Interrupted*Timeout tests raise from the
// handler to end the call; a C++ handler cannot throw, so the ports check what remains of the
// contract: the handler ran, the call neither failed with EINTR nor restarted its deadline.
class alarm_guard {
 public:
  explicit alarm_guard(std::chrono::microseconds first,
                       std::chrono::microseconds every = std::chrono::microseconds(0)) {
    count().store(0);
    struct sigaction action {};
    action.sa_handler = &on_alarm;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART
    BOOST_REQUIRE(::sigaction(SIGALRM, &action, &previous_) == 0);
    itimerval timer{};
    timer.it_value = to_timeval(first);
    timer.it_interval = to_timeval(every);
    BOOST_REQUIRE(::setitimer(ITIMER_REAL, &timer, nullptr) == 0);
  }
  alarm_guard(const alarm_guard&) = delete;
  alarm_guard& operator=(const alarm_guard&) = delete;
  ~alarm_guard() { test::stop_alarms(previous_); }
  static int alarms() { return count().load(); }

 private:
  static std::atomic<int>& count() {
    static std::atomic<int> n{0};  // lock-free: safe to touch from a signal handler
    return n;
  }
  static void on_alarm(int) { count().fetch_add(1); }
  static timeval to_timeval(std::chrono::microseconds t) {
    timeval v{};
    v.tv_sec = static_cast<time_t>(t.count() / 1000000);
    v.tv_usec = static_cast<suseconds_t>(t.count() % 1000000);
    return v;
  }
  struct sigaction previous_ {};
};

// Blocks SIGALRM in the calling thread, so that a helper thread never takes the signal meant
// to interrupt the main thread's call.
inline void block_alarm_in_this_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace conformance

#endif  // SOCKMODE_TEST_CONFORMANCE_CONFORMANCE_HPP
