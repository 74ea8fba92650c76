// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// basic_socket: sockets in the child of a fork(). Run as their own ctest test (label fork),
// which the TSan pass leaves out.

#include <sockmode/basic_socket.hpp>

#include "basic_socket_helpers.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

BOOST_AUTO_TEST_SUITE(after_fork)

BOOST_AUTO_TEST_CASE(child_keeps_using_its_sockets_after_fork) {
  auto [client, server] = connected_pair();
  client.settimeout(100ms);
  char byte = 0;
  error_code ec;
  client.recv(buffer(&byte, 1), ec);  // the parent thread's wait context now exists
  BOOST_REQUIRE((ec == sockmode::error::timeout));

  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // Only async-signal-safe-ish, self-checking work here; the exit code is the verdict.
    int verdict = 0;
    error_code child_ec;
    client.settimeout(100ms);
    client.recv(buffer(&byte, 1), child_ec);
    if (child_ec != sockmode::error::timeout) verdict |= 1;
    client.settimeout(5s);
    client.sendall(buffer("c", 1), child_ec);
    if (child_ec) verdict |= 2;
    const std::size_t n = client.recv(buffer(&byte, 1), child_ec);
    if (child_ec || n != 1 || byte != 'p') verdict |= 4;
    ::_exit(verdict);
  }
  server.settimeout(5s);
  char got = 0;
  BOOST_TEST(server.recv(buffer(&got, 1)) == 1u);
  BOOST_TEST(got == 'c');
  server.sendall(buffer("p", 1));
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  // The parent's own waits still work too.
  client.settimeout(100ms);
  client.recv(buffer(&byte, 1), ec);
  BOOST_TEST((ec == sockmode::error::timeout));
}

BOOST_AUTO_TEST_CASE(fork_from_a_thread_that_never_made_a_call_does_not_hang) {
  // The fork handlers run in the forking thread; one that never used sockmode must not
  // deadlock on its own first use of sockmode's per-thread state. Run in a child process with
  // an alarm, so a hang fails the test instead of stalling it.
  sockmode::tcp::socket opened(sockmode::tcp::protocol::v4());  // the handlers are installed
  char byte = 0;
  error_code ec;
  opened.recv(buffer(&byte, 1), ec);  // this thread has made a call: only `fresh` below has not
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::alarm(10);
    int verdict = 1;
    std::thread fresh([&verdict] {
      const pid_t grandchild = ::fork();
      if (grandchild == 0) ::_exit(0);
      int status = 0;
      if (grandchild > 0 && ::waitpid(grandchild, &status, 0) == grandchild && WIFEXITED(status))
        verdict = 0;
    });
    fresh.join();
    ::_exit(verdict);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));  // not killed by its alarm
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_CASE(child_can_close_a_socket_another_parent_thread_was_waiting_on) {
  // A thread keeps waiting (and timing out) on `a` while the main thread forks: whatever lock
  // that thread held at the fork, the child must still be able to close `a`.
  auto [a, a_peer] = connected_pair();
  a.settimeout(1ns);
  std::atomic<bool> done{false};
  std::thread spinner([&] {
    char byte = 0;
    error_code ec;
    for (int i = 0; i < 10000000 && !done.load(); ++i) a.recv(buffer(&byte, 1), ec);
  });
  int hung = 0;
  for (int i = 0; i < 40; ++i) {
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
      ::alarm(5);
      a.close();
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++hung;
  }
  done = true;
  spinner.join();
  BOOST_TEST(hung == 0);
}

BOOST_AUTO_TEST_SUITE_END()
