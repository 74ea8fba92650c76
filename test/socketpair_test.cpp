// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/socketpair.hpp>

#include "support.hpp"

#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

using namespace test;
using boost::asio::buffer;
using boost::system::error_code;
namespace asio_error = boost::asio::error;

namespace {

int int_option(int fd, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  BOOST_REQUIRE(::getsockopt(fd, SOL_SOCKET, name, &value, &size) == 0);
  return value;
}

template <class Socket>
void check_descriptor(Socket& s, int type) {
  const int fd = s.native_handle();
  BOOST_TEST(int_option(fd, SO_DOMAIN) == AF_UNIX);
  BOOST_TEST(int_option(fd, SO_TYPE) == type);
  BOOST_TEST((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  BOOST_TEST((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
}

template <class Socket>
std::string recv_string(Socket& s) {
  std::string data(64, '\0');
  data.resize(s.recv(buffer(data)));
  return data;
}

// The highest descriptor number open in this process.
int highest_descriptor() {
  int highest = 2;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* entry = ::readdir(dir))
      highest = std::max(highest, std::atoi(entry->d_name));
    ::closedir(dir);
  }
  return highest;
}

// Lowers RLIMIT_NOFILE and uses up every descriptor left, until destroyed.
class out_of_descriptors {
 public:
  out_of_descriptors() {
    BOOST_REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(highest_descriptor() + 8);
    BOOST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    for (rlim_t i = 0; i < lowered.rlim_cur; ++i) {  // the free numbers below the limit
      const int fd = ::dup(0);
      if (fd < 0) break;
      filler_.push_back(fd);
    }
  }
  ~out_of_descriptors() {
    for (const int fd : filler_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> filler_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(socketpair_is_a_connected_unix_stream_pair_in_blocking_mode) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [a, b] = sockmode::socketpair();
  for (auto* s : {&a, &b}) {
    BOOST_TEST(!s->gettimeout().has_value());
    check_descriptor(*s, SOCK_STREAM);
  }
  a.sendall(buffer(std::string("ping")));
  BOOST_TEST(recv_string(b) == "ping");
  b.sendall(buffer(std::string("pong")));
  BOOST_TEST(recv_string(a) == "pong");
  a.close();
  BOOST_TEST(recv_string(b).empty());  // end of stream
}

BOOST_AUTO_TEST_CASE(both_ends_take_the_default_timeout) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(200ms);
  auto [a, b] = sockmode::socketpair();
  BOOST_TEST(a.gettimeout() == sockmode::timeout_type(200ms));
  BOOST_TEST(b.gettimeout() == sockmode::timeout_type(200ms));
  char byte = 0;
  error_code ec;
  const seconds took = elapsed([&] { b.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  sockmode::setdefaulttimeout(0s);
  auto pair = sockmode::socketpair(boost::asio::local::stream_protocol());
  BOOST_TEST(!pair.first.getblocking());
  BOOST_TEST(!pair.second.getblocking());
  pair.first.recv(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio_error::would_block), ec.message());
}

BOOST_AUTO_TEST_CASE(datagram_socketpair_keeps_message_boundaries) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [a, b] = sockmode::socketpair(boost::asio::local::datagram_protocol());
  for (auto* s : {&a, &b}) {
    BOOST_TEST(!s->gettimeout().has_value());
    check_descriptor(*s, SOCK_DGRAM);
  }
  a.send(buffer(std::string("one")));
  a.send(buffer(std::string("three")));
  BOOST_TEST(recv_string(b) == "one");
  BOOST_TEST(recv_string(b) == "three");
  b.send(buffer(std::string("back")));
  BOOST_TEST(recv_string(a) == "back");
}

BOOST_AUTO_TEST_CASE(datagram_socketpair_ends_take_the_default_timeout) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(200ms);
  error_code ec;
  auto [a, b] = sockmode::socketpair(boost::asio::local::datagram_protocol(), ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(a.gettimeout() == sockmode::timeout_type(200ms));
  BOOST_TEST(b.gettimeout() == sockmode::timeout_type(200ms));
  char byte = 0;
  const seconds took = elapsed([&] { a.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
}

BOOST_AUTO_TEST_CASE(socketpair_out_of_descriptors_fails_with_the_kernel_error) {
  out_of_descriptors limit;
  error_code ec;
  auto [a, b] = sockmode::socketpair(boost::asio::local::stream_protocol(), ec);
  BOOST_TEST((ec == boost::system::errc::too_many_files_open), ec.message());
  BOOST_TEST(!a.is_open());
  BOOST_TEST(!b.is_open());
  auto [c, d] = sockmode::socketpair(boost::asio::local::datagram_protocol(), ec);
  BOOST_TEST((ec == boost::system::errc::too_many_files_open), ec.message());
  // The throwing form is not tried here: UBSan's type checks of the exception need a pipe, and
  // there is no descriptor left for one.
}
