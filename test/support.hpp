// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_SUPPORT_HPP
#define SOCKMODE_TEST_SUPPORT_HPP

// Loopback fixtures shared by the tests. Everything here talks to 127.0.0.1 or ::1 only.

#include <sockmode/sockmode.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/test/tools/detail/print_helper.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <ostream>
#include <utility>
#include <vector>

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

namespace test {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using seconds = std::chrono::duration<double>;

inline sockmode::tcp::endpoint loopback(unsigned short port = 0) {
  return {boost::asio::ip::address_v4::loopback(), port};
}

// The loopback address of each family, 127.0.0.1 and ::1: the dataset of data-driven tests
// (BOOST_DATA_TEST_CASE(name, test::loopbacks, address)) that run once per family.
inline const std::vector<boost::asio::ip::address> loopbacks = {
    boost::asio::ip::address_v4::loopback(), boost::asio::ip::address_v6::loopback()};

inline sockmode::tcp::endpoint loopback(const boost::asio::ip::address& address,
                                        unsigned short port = 0) {
  return {address, port};
}

struct tcp_pair {
  sockmode::tcp::socket client;
  sockmode::tcp::socket server;
};

// A connected pair, both ends in blocking mode unless a default timeout is set.
inline tcp_pair connected_pair(
    const boost::asio::ip::address& address = boost::asio::ip::address_v4::loopback()) {
  sockmode::tcp::acceptor listener(loopback(address));
  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  sockmode::tcp::socket server = listener.accept();
  return {std::move(client), std::move(server)};
}

template <class F>
seconds elapsed(F&& f) {
  const auto start = clock::now();
  std::forward<F>(f)();
  return clock::now() - start;
}

// Sends `data` on `socket` after `delay`, from a new thread the caller joins.
template <class Socket>
std::thread send_later(Socket& socket, std::chrono::milliseconds delay, std::string data) {
  return std::thread([&socket, delay, data = std::move(data)] {
    std::this_thread::sleep_for(delay);
    boost::system::error_code ec;  // the receiving side's assertions report a failure
    socket.sendall(boost::asio::buffer(data), ec);
  });
}

// Fills `socket`'s send buffer until a non-blocking send would block; returns bytes queued.
inline std::size_t fill_send_buffer(sockmode::tcp::socket& socket) {
  const auto mode = socket.gettimeout();
  socket.setblocking(false);
  std::vector<char> chunk(1 << 16, 'x');
  std::size_t total = 0;
  boost::system::error_code ec;
  for (int i = 0; i < 100000 && !ec; ++i) total += socket.send(boost::asio::buffer(chunk), ec);
  socket.settimeout(mode);
  return total;
}

// A loopback listener created with listen(0) whose accept queue is already full, so the
// kernel drops further SYNs and a new connect hangs: the only safe way to provoke a connect
// timeout without sending traffic off the machine. On 127.0.0.1 and on ::1 alike.
class full_listener {
 public:
  explicit full_listener(
      boost::asio::ip::address address = boost::asio::ip::address_v4::loopback())
      : listener_(loopback(address), 0) {
    for (int i = 0; i < 16; ++i) {
      auto filler = std::make_unique<sockmode::tcp::socket>();
      filler->setblocking(false);
      boost::system::error_code ec = filler->connect_ex(endpoint());
      boost::system::error_code wait_ec;
      if (ec) filler->wait(sockmode::tcp::socket::wait_write, 100ms, wait_ec);
      fillers_.push_back(std::move(filler));
      if (wait_ec) return;  // this one is stuck in SYN-SENT: the queue is full
    }
  }
  sockmode::tcp::endpoint endpoint() const { return listener_.local_endpoint(); }

 private:
  sockmode::tcp::acceptor listener_;
  std::vector<std::unique_ptr<sockmode::tcp::socket>> fillers_;
};

// A Unix socket path under /tmp unique to this process and call, removed before and after use.
class temp_path {
 public:
  temp_path() : path_(make()) { ::unlink(path_.c_str()); }
  temp_path(const temp_path&) = delete;
  temp_path& operator=(const temp_path&) = delete;
  ~temp_path() { ::unlink(path_.c_str()); }
  const std::string& str() const noexcept { return path_; }

 private:
  static std::string make() {
    static std::atomic<unsigned> counter{0};
    return "/tmp/sockmode-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1)) + ".sock";
  }
  std::string path_;
};

// Restores the process-wide default timeout when a test ends.
struct default_timeout_guard {
  sockmode::timeout_type saved = sockmode::getdefaulttimeout();
  ~default_timeout_guard() { sockmode::setdefaulttimeout(saved); }
};

// Sets the soft RLIMIT_NOFILE for one scope; the destructor puts the old limit back. applied()
// says whether setrlimit took it (a soft limit above the hard one does not).
class soft_file_limit {
 public:
  explicit soft_file_limit(rlim_t soft) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit changed = saved_;
    changed.rlim_cur = soft;
    applied_ = ::setrlimit(RLIMIT_NOFILE, &changed) == 0;
  }
  soft_file_limit(const soft_file_limit&) = delete;
  soft_file_limit& operator=(const soft_file_limit&) = delete;
  ~soft_file_limit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  bool applied() const { return applied_; }

 private:
  rlimit saved_{};
  bool applied_ = false;
};

// Ends a test's SIGALRM timer and puts `previous` back as the signal's action. Ignoring the
// signal in between discards an alarm generated but not yet delivered (valgrind delivers
// late), which the default action would turn into the end of the process.
inline void stop_alarms(const struct sigaction& previous) {
  itimerval off{};
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::signal(SIGALRM, SIG_IGN);
  ::sigaction(SIGALRM, &previous, nullptr);
}

inline int open_descriptors() {
  int count = 0;
  for (int fd = 0; fd < 65536; ++fd) {
    pollfd p{fd, 0, 0};
    if (::poll(&p, 1, 0) >= 0 && !(p.revents & POLLNVAL)) ++count;
  }
  return count;
}

}  // namespace test

// Lets BOOST_TEST(a == b) print modes (std::optional<nanoseconds>) when a comparison fails.
template <>
struct boost::test_tools::tt_detail::print_log_value<sockmode::timeout_type> {
  void operator()(std::ostream& out, const sockmode::timeout_type& t) const {
    if (!t) out << "nullopt (blocking)";
    else out << t->count() << "ns";
  }
};

#endif  // SOCKMODE_TEST_SUPPORT_HPP
