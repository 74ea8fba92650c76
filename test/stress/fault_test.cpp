// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Faults from outside: a peer that resets in the middle of sendall, half-closed connections,
// running out of descriptors, a storm of signals. fork() is in fork_test.cpp.
#include <sockmode/sockmode.hpp>

#include "reliability.hpp"

#include <boost/asio/read.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <linux/sockios.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace asio_error = boost::asio::error;
using wait_type = asio::socket_base::wait_type;

namespace {

using test::clock;
using test::seconds;

std::vector<char> pattern(std::size_t size, unsigned salt = 0) {
  std::vector<char> data(size);
  for (std::size_t i = 0; i < size; ++i)
    data[i] = static_cast<char>((i * 131 + i / 251 + salt) & 0xff);
  return data;
}

int queued(int fd, unsigned long request) {
  int bytes = -1;
  ::ioctl(fd, request, &bytes);
  return bytes;
}

// Waits until `sample` returns the same value 5 times in a row, 20 ms apart (at most 10 s).
template <class Sample>
void until_stable(Sample sample) {
  auto last = sample();
  int same = 0;
  for (int i = 0; i < 500 && same < 5; ++i) {
    std::this_thread::sleep_for(20ms);
    const auto now = sample();
    same = now == last ? same + 1 : 0;
    last = now;
  }
}

std::string mode_name(const sockmode::timeout_type& mode) {
  return mode ? "timeout" : "blocking";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_reset)

BOOST_AUTO_TEST_CASE(sendall_reports_every_byte_the_kernel_took_when_the_peer_resets) {
  // The peer reads X bytes, stops until both queues are still, then resets (SO_LINGER 0).
  // sendall must report exactly what left the caller: X read by the peer, plus what waited in
  // the peer's receive queue and in the sender's send queue when the reset threw them away.
  std::mt19937 r(7);
  for (const sockmode::timeout_type mode : {sockmode::timeout_type(std::nullopt),
                                            sockmode::timeout_type(30s)}) {
    for (int round = 0; round < stress::scaled(1, 20); ++round) {
      auto [client, server] = test::connected_pair();
      client.settimeout(mode);
      const std::vector<char> data = pattern(16u << 20);
      std::size_t n = 0;
      error_code ec;
      std::thread sender([&] { n = client.sendall(asio::buffer(data), ec); });
      const std::size_t x = 1 + r() % (1u << 20);
      std::vector<char> got(x);
      server.settimeout(10s);
      BOOST_REQUIRE(asio::read(server, asio::buffer(got)) == x);
      BOOST_TEST(std::equal(got.begin(), got.end(), data.begin()));
      const int client_fd = client.native_handle();
      const int server_fd = server.native_handle();
      until_stable([&] {
        return std::make_pair(queued(client_fd, SIOCOUTQ), queued(server_fd, SIOCINQ));
      });
      const int in_peer = queued(server_fd, SIOCINQ);
      const int in_sender = queued(client_fd, SIOCOUTQ);
      server.asio_socket().set_option(asio::socket_base::linger(true, 0));
      server.close();
      sender.join();
      BOOST_TEST_CONTEXT(mode_name(mode) << ", peer read " << x << ", queued " << in_peer
                                         << " + " << in_sender) {
        BOOST_TEST((ec == asio_error::connection_reset || ec == asio_error::broken_pipe),
                   ec.message());
        BOOST_TEST(n == x + static_cast<std::size_t>(in_peer) +
                            static_cast<std::size_t>(in_sender));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(unix_sendall_reports_every_byte_queued_when_the_peer_closes) {
  std::mt19937 r(8);
  for (const sockmode::timeout_type mode : {sockmode::timeout_type(std::nullopt),
                                            sockmode::timeout_type(30s)}) {
    for (int round = 0; round < stress::scaled(1, 20); ++round) {
      auto [a, b] = sockmode::socketpair();
      a.settimeout(mode);
      const std::vector<char> data = pattern(8u << 20);
      std::size_t n = 0;
      error_code ec;
      std::thread sender([&] { n = a.sendall(asio::buffer(data), ec); });
      const std::size_t x = 1 + r() % (256u << 10);
      std::vector<char> got(x);
      b.settimeout(10s);
      BOOST_REQUIRE(asio::read(b, asio::buffer(got)) == x);
      BOOST_TEST(std::equal(got.begin(), got.end(), data.begin()));
      const int b_fd = b.native_handle();
      until_stable([&] { return queued(b_fd, SIOCINQ); });
      const int in_peer = queued(b_fd, SIOCINQ);
      b.close();
      sender.join();
      BOOST_TEST_CONTEXT(mode_name(mode) << ", peer read " << x << ", queued " << in_peer) {
        BOOST_TEST((ec == asio_error::connection_reset || ec == asio_error::broken_pipe),
                   ec.message());
        BOOST_TEST(n == x + static_cast<std::size_t>(in_peer));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Both directions of a connection, one shut after the other, in every mode.
template <class Socket>
void half_close_both_ways(Socket& client, Socket& server) {
  const std::vector<char> down = pattern(32768, 1);
  const std::vector<char> up = pattern(32768, 2);
  client.settimeout(5s);
  client.sendall(asio::buffer(up));
  client.shutdown(asio::socket_base::shutdown_send);
  std::vector<char> got(up.size());
  server.settimeout(5s);
  BOOST_TEST(asio::read(server, asio::buffer(got)) == got.size());
  BOOST_TEST((got == up));
  for (const sockmode::timeout_type mode :
       {sockmode::timeout_type(std::nullopt), sockmode::timeout_type(0ns),
        sockmode::timeout_type(500ms)}) {
    server.settimeout(mode);
    char byte = 0;
    error_code ec;
    std::size_t n = 1;
    const seconds took = test::elapsed([&] { n = server.recv(asio::buffer(&byte, 1), ec); });
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(n == 0u);  // end of stream, at once
    BOOST_TEST(took.count() < 0.2);
    server.read_some(asio::buffer(&byte, 1), ec);
    BOOST_TEST((ec == asio_error::eof), ec.message());
  }
  // The other direction still carries data.
  server.settimeout(5s);
  server.sendall(asio::buffer(down));
  got.assign(down.size(), 0);
  BOOST_TEST(asio::read(client, asio::buffer(got)) == got.size());
  BOOST_TEST((got == down));
  // Sending on the shut side is the kernel's EPIPE, with nothing sent.
  error_code ec;
  BOOST_TEST(client.send(asio::buffer("x", 1), ec) == 0u);
  BOOST_TEST((ec == asio_error::broken_pipe), ec.message());
  // Then the second direction.
  server.shutdown(asio::socket_base::shutdown_send);
  for (const sockmode::timeout_type mode :
       {sockmode::timeout_type(std::nullopt), sockmode::timeout_type(0ns),
        sockmode::timeout_type(500ms)}) {
    client.settimeout(mode);
    char byte = 0;
    std::size_t n = 1;
    const seconds took = test::elapsed([&] { n = client.recv(asio::buffer(&byte, 1), ec); });
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(n == 0u);
    BOOST_TEST(took.count() < 0.2);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(half_close_works_both_ways_in_every_mode) {
  {
    auto [client, server] = test::connected_pair();
    half_close_both_ways(client, server);
  }
  {
    auto [client, server] = sockmode::socketpair();
    half_close_both_ways(client, server);
  }
}

BOOST_AUTO_TEST_CASE(recv_after_shutdown_receive_returns_end_of_stream_without_waiting) {
  auto [client, server] = test::connected_pair();
  server.shutdown(asio::socket_base::shutdown_receive);
  server.settimeout(std::nullopt);
  char byte = 0;
  std::size_t n = 1;
  const seconds took = test::elapsed([&] { n = server.recv(asio::buffer(&byte, 1)); });
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() < 0.2);
}

namespace {

// Lowers RLIMIT_NOFILE to what is open plus `spare`, then opens descriptors until none is
// left; the destructor gives everything back.
class descriptor_famine {
 public:
  explicit descriptor_famine(int spare)
      : lowered_(static_cast<rlim_t>(stress::open_fds() + spare)) {
    for (int i = 0; i < 100000; ++i) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        errno_at_limit_ = errno;
        break;
      }
      held_.push_back(fd);
    }
  }
  descriptor_famine(const descriptor_famine&) = delete;
  descriptor_famine& operator=(const descriptor_famine&) = delete;
  ~descriptor_famine() {
    for (const int fd : held_) ::close(fd);
  }  // then lowered_ puts the limit back
  int errno_at_limit() const { return errno_at_limit_; }

 private:
  test::soft_file_limit lowered_;  // first: given back last
  std::vector<int> held_;
  int errno_at_limit_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(accept_out_of_descriptors_fails_at_once_and_the_listener_survives) {
  sockmode::tcp::acceptor listener(test::loopback());
  // The throwing accept formats its message once before the famine: UBSan checks each new
  // dynamic type with a pipe(), which fails without descriptors and is then reported as an
  // invalid vptr. Checked once, the type is cached.
  // A member call on the caught exception is checked as well, so the warm-up makes one too.
  listener.settimeout(0ns);
  try {
    listener.accept();
  } catch (const sockmode::io_error& e) {
    BOOST_TEST(std::string_view(e.what()).find("accept") != std::string_view::npos);
  }
  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  client.sendall(asio::buffer("hello", 5));
  auto [silent, silent_peer] = sockmode::socketpair();
  silent.settimeout(1ms);
  char byte = 0;
  error_code ec;
  silent.recv(asio::buffer(&byte, 1), ec);  // this thread's wait context exists from here on
  const std::vector<sockmode::timeout_type> modes = {std::nullopt, 0ns, 2s};
  std::vector<error_code> codes(modes.size());
  std::vector<seconds> took(modes.size());
  std::string what;
  int famine_errno = 0;
  {
    // Nothing here may need a descriptor, Boost.Test's checks included (see above): the
    // outcomes are checked once the famine is over.
    descriptor_famine famine(0);
    famine_errno = famine.errno_at_limit();
    for (std::size_t i = 0; i < modes.size(); ++i) {
      listener.settimeout(modes[i]);
      took[i] = test::elapsed([&] { listener.accept(codes[i]); });
    }
    try {
      listener.accept();
    } catch (const sockmode::io_error& e) {
      what = e.what();
    }
  }
  BOOST_REQUIRE(famine_errno == EMFILE);
  for (std::size_t i = 0; i < modes.size(); ++i) {
    BOOST_TEST_CONTEXT("mode " << (modes[i] ? modes[i]->count() : -1) << " ns") {
      BOOST_TEST((codes[i] == asio_error::no_descriptors), codes[i].message());  // EMFILE
      BOOST_TEST(took[i].count() < 0.5);  // fails at once, never spins or waits
    }
  }
  BOOST_TEST_MESSAGE("accept at the descriptor limit: " << what);
  BOOST_TEST(what.find("accept") != std::string::npos, what);
  BOOST_TEST(what.find(std::strerror(EMFILE)) != std::string::npos, what);
  listener.settimeout(5s);
  sockmode::tcp::socket accepted = listener.accept();  // the listener survived, and so did
  accepted.settimeout(5s);                              // the waiting connection
  char got[5];
  BOOST_TEST(asio::read(accepted, asio::buffer(got)) == 5u);
  BOOST_TEST(std::string(got, 5) == "hello");
}

BOOST_AUTO_TEST_CASE(a_thread_whose_first_wait_finds_no_descriptor_left_gets_an_error_code) {
  // A thread's first wait makes its wait context (epoll and eventfd, or a ring). At the descriptor
  // limit that fails, and the error_code overload must report it (EMFILE), not throw.
  auto [silent, silent_peer] = sockmode::socketpair();
  silent.settimeout(1ms);
  char byte = 0;
  error_code fresh_ec;
  std::string thrown;
  int famine_errno = 0;
  const auto first_wait = [&] {
    try {
      silent.recv(asio::buffer(&byte, 1), fresh_ec);
    } catch (const std::exception& e) {
      thrown = e.what();
    }
  };
  // Once with descriptors, for UBSan's type cache (see above): the thread, and the exception
  // Asio throws when it cannot make the context.
  std::thread(first_wait).join();
  try {
    boost::throw_exception(
        boost::system::system_error(error_code(EMFILE, boost::system::system_category()), "x"));
  } catch (const boost::system::system_error& e) {
    static_cast<void>(e.code());  // as the wait path reads it
  }
  {
    descriptor_famine famine(0);
    famine_errno = famine.errno_at_limit();
    std::thread fresh(first_wait);  // a new thread: its first wait
    fresh.join();
  }
  BOOST_REQUIRE(famine_errno == EMFILE);
  BOOST_TEST(thrown.empty(), "recv(ec) threw: " << thrown);
  BOOST_TEST((fresh_ec == asio_error::no_descriptors), fresh_ec.message());
  // With descriptors back, a thread's first wait makes its context as usual.
  const int before = stress::open_fds();
  error_code later_ec;
  std::thread later([&] { silent.recv(asio::buffer(&byte, 1), later_ec); });
  later.join();
  BOOST_TEST((later_ec == sockmode::error::timeout), later_ec.message());
  BOOST_TEST(stress::settle({before, 1 << 20, 0}).fds == before);
}


BOOST_AUTO_TEST_CASE(a_call_that_cannot_wait_for_want_of_descriptors_says_why_and_what_to_do) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  sockmode::tcp::socket server = listener.accept();
  client.settimeout(1ms);
  char byte = 0;
  std::string what;
  error_code code;
  const auto first_wait = [&] {
    try {
      client.recv(asio::buffer(&byte, 1));
    } catch (const sockmode::io_error& e) {
      what = e.what();
      code = e.code();
    }
  };
  std::thread(first_wait).join();  // with descriptors: a timeout (and UBSan's type cache)
  BOOST_TEST((code == sockmode::error::timeout), what);
  try {  // the exception a wait context that cannot be made throws inside, for the same cache
    boost::throw_exception(
        boost::system::system_error(error_code(EMFILE, boost::system::system_category()), "x"));
  } catch (const boost::system::system_error& e) {
    static_cast<void>(e.code());
  }
  const std::string backend = sockmode::detail::wait_backend_name();
  const int per_thread = backend == "epoll" ? 2 : 1;
  int famine_errno = 0;
  {
    descriptor_famine famine(0);
    famine_errno = famine.errno_at_limit();
    std::thread(first_wait).join();  // a new thread: its first wait makes its context
  }
  BOOST_REQUIRE(famine_errno == EMFILE);
  BOOST_TEST_MESSAGE("a first wait at the descriptor limit: " << what);
  // The code is the kernel's, for code that compares it; the message explains it.
  BOOST_TEST((code == boost::system::errc::too_many_files_open), code.message());
  BOOST_TEST(code.value() == EMFILE);
  const std::string expected =
      "recv 127.0.0.1:" + std::to_string(listener.local_endpoint().port()) +
      ": cannot wait: " + std::strerror(EMFILE) + " (each waiting thread holds " +
      std::to_string(per_thread) + (per_thread == 1 ? " descriptor" : " descriptors") +
      "; raise RLIMIT_NOFILE)";
  BOOST_TEST(what == expected);
  // With descriptors back, the same call times out as usual and says so.
  std::thread(first_wait).join();
  BOOST_TEST((code == sockmode::error::timeout), what);
  BOOST_TEST(what.find("cannot wait") == std::string::npos, what);
}

namespace {

std::atomic<long> alarms{0};
extern "C" void count_alarm(int) { alarms.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

namespace {

// SIGALRM every `period_us` for as long as it lives, with a handler that does not restart
// system calls.
class signal_storm {
 public:
  explicit signal_storm(long period_us) {
    struct sigaction action {};
    action.sa_handler = count_alarm;  // no SA_RESTART: every signal interrupts a syscall
    sigemptyset(&action.sa_mask);
    ok_ = ::sigaction(SIGALRM, &action, &previous_) == 0;
    itimerval storm{};
    storm.it_interval.tv_usec = period_us;
    storm.it_value.tv_usec = period_us;
    ok_ = ok_ && ::setitimer(ITIMER_REAL, &storm, nullptr) == 0;
  }
  signal_storm(const signal_storm&) = delete;
  signal_storm& operator=(const signal_storm&) = delete;
  ~signal_storm() { test::stop_alarms(previous_); }
  bool ok() const { return ok_; }

 private:
  struct sigaction previous_ {};
  bool ok_ = false;
};

}  // namespace

BOOST_AUTO_TEST_CASE(wait_never_fails_with_eintr_under_a_signal_storm) {
  // wait() asks poll() with a zero timeout before it waits; a signal that arrives during that
  // poll makes it fail with EINTR, which must not become the call's result.
  auto [silent, peer] = test::connected_pair();
  const long alarms_before = alarms.load();
  int interrupted = 0;
  int other = 0;
  int calls = 0;
  {
    signal_storm storm(100);
    BOOST_REQUIRE(storm.ok());
    const auto end = clock::now() + std::chrono::milliseconds(stress::scaled(1000, 5000));
    for (; clock::now() < end && interrupted == 0; ++calls) {
      error_code ec;
      silent.wait(wait_type::wait_read, 0ns, ec);
      if (ec == asio_error::interrupted) ++interrupted;
      else if (ec != asio_error::would_block) ++other;
    }
  }
  BOOST_TEST_MESSAGE(calls << " wait(read, 0) calls under " << alarms.load() - alarms_before
                           << " SIGALRM");
  BOOST_TEST(interrupted == 0);
  BOOST_TEST(other == 0);
}

BOOST_AUTO_TEST_CASE(deadlines_hold_under_a_signal_storm) {
  // SIGALRM every 100 us, without SA_RESTART, while threads make timed calls of every kind:
  // each must fail with error::timeout, never before its timeout and never with EINTR.
  const auto storm_for = std::chrono::milliseconds(stress::scaled(1000, 10000));
  sockmode::tcp::acceptor idle_listener(test::loopback());
  auto [reader, reader_peer] = test::connected_pair();
  auto [writer, writer_peer] = test::connected_pair();
  test::fill_send_buffer(writer);
  test::full_listener full;

  auto storm = std::make_unique<signal_storm>(100);
  BOOST_REQUIRE(storm->ok());

  std::mutex m;
  std::vector<std::int64_t> overshoot_ns;
  std::vector<std::string> failures;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int kind = 0; kind < 5; ++kind) {
    threads.emplace_back([&, kind] {
      std::mt19937 r(static_cast<unsigned>(kind));
      const std::chrono::nanoseconds timeouts[] = {1ms, 5ms, 20ms};
      std::vector<char> big(1u << 20, 'b');
      for (int i = 0; i < 100000 && !stop.load(); ++i) {
        const std::chrono::nanoseconds t = timeouts[r() % 3];
        error_code ec;
        const auto start = clock::now();
        const char* what = "";
        switch (kind) {
          case 0: {
            what = "recv";
            reader.settimeout(t);
            char byte = 0;
            reader.recv(asio::buffer(&byte, 1), ec);
            break;
          }
          case 1:
            what = "wait(read)";
            reader_peer.wait(wait_type::wait_read, t, ec);
            break;
          case 2:
            what = "accept";
            idle_listener.settimeout(t);
            idle_listener.accept(ec);
            break;
          case 3:
            what = "sendall";
            writer.settimeout(t);
            writer.sendall(asio::buffer(big), ec);
            break;
          default: {
            what = "connect";
            sockmode::tcp::socket c;
            c.settimeout(t);
            c.connect(full.endpoint(), ec);
            break;
          }
        }
        const auto took = clock::now() - start;
        std::lock_guard<std::mutex> lock(m);
        if (ec != sockmode::error::timeout) {
          failures.push_back(std::string(what) + ": " + ec.message());
        } else if (took < t) {
          failures.push_back(std::string(what) + ": timed out early");
        } else {
          overshoot_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(took - t).count());
        }
      }
    });
  }
  std::this_thread::sleep_for(storm_for);
  stop = true;
  for (auto& t : threads) t.join();
  storm.reset();

  const std::size_t calls = overshoot_ns.size();
  const double p50 = static_cast<double>(stress::percentile(overshoot_ns, 50)) / 1e3;
  const double p99 = static_cast<double>(stress::percentile(overshoot_ns, 99)) / 1e3;
  const double p999 = static_cast<double>(stress::percentile(overshoot_ns, 99.9)) / 1e3;
  const double worst = overshoot_ns.empty() ? 0 : static_cast<double>(overshoot_ns.back()) / 1e3;
  BOOST_TEST_MESSAGE("signal storm: " << alarms.load() << " SIGALRM, " << calls
                                      << " timed calls, overshoot p50 " << p50 << " us, p99 "
                                      << p99 << " us, p99.9 " << p999 << " us, max " << worst
                                      << " us");
  for (const auto& f : failures) BOOST_ERROR(f);
  BOOST_TEST(failures.empty());
  BOOST_TEST(calls > 100u);
  BOOST_TEST(alarms.load() > 1000);
  BOOST_TEST(worst < 1e6);  // 1 s: generous for a loaded 2-core machine and sanitizers
}
