// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// How many connections a thread-per-connection server serves under the usual soft
// RLIMIT_NOFILE of 1024, each connection's thread blocked in a timed recv (README,
// "Descriptors and the file limit"): about 320 with epoll, whose wait contexts keep a timerfd
// only while less than a quarter of the limit is in use (4 descriptors per connection, then
// 3; with the timerfd always kept it would be 250), and about 500 with io_uring (2).
#include <sockmode/sockmode.hpp>

#include "reliability.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

namespace {

// In a child process, with descriptors of its own: up to `count` connections to `port`, held
// until the parent closes `hold`. Only system calls, as after fork() in a threaded process.
[[noreturn]] void connect_and_hold(unsigned short port, int count, int hold) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max < 4096 ? limit.rlim_max : 4096;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < count; ++i) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) break;
    if (::connect(s, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) break;
  }
  char byte = 0;
  while (::read(hold, &byte, 1) > 0) {
  }
  ::_exit(0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_thread_per_connection_server_under_a_soft_limit_of_1024) {
  sockmode::tcp::acceptor listener(
      sockmode::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int hold[2];
  BOOST_REQUIRE(::pipe2(hold, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(hold[1]);
    connect_and_hold(listener.local_endpoint().port(), 700, hold[0]);
  }
  ::close(hold[0]);

  BOOST_REQUIRE(stress::open_fds() < 32);
  auto lowered = std::make_unique<test::soft_file_limit>(1024);
  BOOST_REQUIRE(lowered->applied());

  // Each connection's thread first makes its wait context (a 1 ms recv that times out), so
  // that the next accept comes after it, as in a server whose threads are already waiting;
  // then it waits until the child closes the connection.
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  error_code accept_error;
  std::string first_unexpected;  // written by the thread that counted the first
  listener.settimeout(5s);
  for (int served = 0;; ++served) {
    sockmode::tcp::socket connection = listener.accept(accept_error);
    if (accept_error) break;
    threads.emplace_back([&, connection = std::move(connection)]() mutable {
      char byte = 0;
      error_code ec;
      connection.settimeout(1ms);
      connection.recv(asio::buffer(&byte, 1), ec);
      if (ec != sockmode::error::timeout) {
        if (ec == boost::system::errc::too_many_files_open) ++refused;
        else if (unexpected++ == 0) first_unexpected = ec.message();
        ready.fetch_add(1);
        return;
      }
      ready.fetch_add(1);
      connection.settimeout(60s);
      // The child's close: end of stream, 0 bytes (as Python's recv returns b"").
      const std::size_t n = connection.recv(asio::buffer(&byte, 1), ec);
      if ((ec || n != 0) && unexpected++ == 0) first_unexpected = ec.message();
    });
    while (ready.load() <= served) std::this_thread::sleep_for(100us);
    if (refused.load() > 0) break;
  }
  const int served = static_cast<int>(threads.size()) - refused.load();
  lowered.reset();
  ::close(hold[1]);  // the child closes its connections and exits
  for (auto& t : threads) t.join();
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);

  const std::string backend = sockmode::detail::wait_backend_name();
  BOOST_TEST_MESSAGE(backend << ": " << served << " connections served, each with its thread in "
                             << "a timed recv, under a soft limit of 1024; then "
                             << (refused.load() > 0 ? "a thread could not make its wait context"
                                                    : "accept failed: " + accept_error.message()));
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(unexpected.load() == 0, first_unexpected);
  // Out of descriptors, either way: accept's EMFILE, or a thread's context that could not be made.
  BOOST_TEST((refused.load() > 0 || accept_error == boost::system::errc::too_many_files_open),
             accept_error.message());
  if (backend == "io_uring") {
    BOOST_TEST(served >= 450);
  } else {
    BOOST_TEST(served >= 300);
  }
  BOOST_TEST(served < 1024);
}
