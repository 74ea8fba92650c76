// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Sockets made from descriptors: adopting one (Python's socket(fileno=fd)), fromfd, dup, and
// several sockmode objects on one open file description.
#include <sockmode/basic_socket.hpp>

#include "support.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <utility>

using namespace test;
using boost::asio::buffer;
using boost::system::error_code;
namespace asio_error = boost::asio::error;
using stream_protocol = boost::asio::local::stream_protocol;
using datagram_protocol = boost::asio::local::datagram_protocol;

namespace {

// A connected Unix stream pair made the plain POSIX way: blocking, inheritable descriptors,
// as another library or a parent process would hand them over.
struct raw_pair {
  int fds[2] = {-1, -1};
  raw_pair() { BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~raw_pair() {
    for (const int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  int take(int i) { return std::exchange(fds[i], -1); }
};

bool is_open_descriptor(int fd) { return ::fcntl(fd, F_GETFD) != -1; }
bool is_non_blocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }
bool is_close_on_exec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

std::string recv_string(sockmode::local::stream_socket& s) {
  std::string data(64, '\0');
  data.resize(s.recv(buffer(data)));
  return data;
}

// The errors adopting `fd` as `protocol` reports, or none.
template <class Protocol>
error_code adoption_error(const Protocol& protocol, int fd) {
  try {
    sockmode::basic_socket<Protocol> s(protocol, fd);
    s.release().release();  // it adopted the descriptor: hand it back, still open
    return {};
  } catch (const sockmode::io_error& e) {
    return e.code();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(adopting)

BOOST_AUTO_TEST_CASE(adopted_descriptor_takes_the_default_timeout_and_becomes_o_nonblock) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(1500ms);
  raw_pair raw;
  BOOST_REQUIRE(!is_non_blocking(raw.fds[0]));
  const int fd = raw.fds[0];
  sockmode::local::stream_socket s(stream_protocol(), raw.take(0));
  BOOST_TEST(s.native_handle() == fd);  // adopted, not duplicated
  BOOST_TEST((s.gettimeout() == 1500ms));
  BOOST_TEST(is_non_blocking(fd));

  s.settimeout(150ms);
  char byte = 0;
  error_code ec;
  const seconds took = elapsed([&] { s.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.1);
  BOOST_TEST(took.count() < 3.0);

  BOOST_TEST(::send(raw.fds[1], "hi", 2, 0) == 2);
  BOOST_TEST(recv_string(s) == "hi");
}

BOOST_AUTO_TEST_CASE(adopted_descriptor_is_closed_by_its_socket) {
  raw_pair raw;
  {
    sockmode::local::stream_socket s(stream_protocol(), raw.take(0));
    BOOST_TEST(s.is_open());
  }
  char byte = 0;
  BOOST_TEST(::recv(raw.fds[1], &byte, 1, MSG_DONTWAIT) == 0);  // the peer sees end of stream
}

BOOST_AUTO_TEST_CASE(adopting_a_descriptor_that_is_not_open_fails_with_bad_descriptor) {
  BOOST_TEST((adoption_error(stream_protocol(), -1) == asio_error::bad_descriptor));
  int closed_fd = -1;
  {
    raw_pair raw;
    closed_fd = raw.fds[0];
  }
  BOOST_TEST((adoption_error(stream_protocol(), closed_fd) == asio_error::bad_descriptor));
  try {
    sockmode::tcp::socket s(sockmode::tcp::protocol::v4(), -1);
    BOOST_FAIL("adopting -1 did not throw");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST((e.code() == asio_error::bad_descriptor));
    BOOST_TEST(std::string(e.what()).find("socket") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(adopting_a_file_fails_with_not_socket_and_leaves_it_open) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  BOOST_TEST((adoption_error(stream_protocol(), fd) == asio_error::not_socket));
  BOOST_TEST(is_open_descriptor(fd));
  BOOST_TEST(!is_non_blocking(fd));  // untouched
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(adopting_a_socket_of_another_type_or_family_fails_and_leaves_it_alone) {
  const int tcp_v4 = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int tcp_v6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int unix_stream = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(tcp_v4 >= 0);
  BOOST_REQUIRE(tcp_v6 >= 0);
  BOOST_REQUIRE(unix_stream >= 0);
  const auto wrong_type = boost::system::errc::wrong_protocol_type;  // EPROTOTYPE
  BOOST_TEST((adoption_error(sockmode::udp::protocol::v4(), tcp_v4) == wrong_type));
  BOOST_TEST((adoption_error(datagram_protocol(), unix_stream) == wrong_type));
  BOOST_TEST((adoption_error(sockmode::tcp::protocol::v4(), tcp_v6) ==
              asio_error::address_family_not_supported));
  BOOST_TEST((adoption_error(sockmode::tcp::protocol::v6(), tcp_v4) ==
              asio_error::address_family_not_supported));
  BOOST_TEST((adoption_error(stream_protocol(), tcp_v4) ==
              asio_error::address_family_not_supported));
  for (const int fd : {tcp_v4, tcp_v6, unix_stream}) {
    BOOST_TEST(is_open_descriptor(fd));
    BOOST_TEST(!is_non_blocking(fd));
    ::close(fd);
  }
  // The matching protocol is accepted, for each family.
  const int v6 = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(v6 >= 0);
  sockmode::udp::socket adopted(sockmode::udp::protocol::v6(), v6);
  adopted.bind({boost::asio::ip::address_v6::loopback(), 0});
  BOOST_TEST(adopted.local_endpoint().address().is_v6());
}

BOOST_AUTO_TEST_CASE(adopted_socket_options_go_through_asio_socket_on_the_same_descriptor) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(fd >= 0);
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4(), fd);
  s.asio_socket().set_option(boost::asio::ip::tcp::no_delay(true));
  BOOST_TEST(s.asio_socket().native_handle() == fd);
  int value = 0;
  socklen_t size = sizeof value;
  BOOST_TEST(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &size) == 0);
  BOOST_TEST(value != 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fromfd)

BOOST_AUTO_TEST_CASE(fromfd_works_on_a_duplicate_and_leaves_the_original_open) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  raw_pair raw;
  const int original = raw.fds[0];
  {
    sockmode::local::stream_socket s = sockmode::local::stream_socket::fromfd(original,
                                                                              stream_protocol());
    BOOST_TEST(s.native_handle() != original);
    BOOST_TEST(is_close_on_exec(s.native_handle()));  // as os.dup
    BOOST_TEST(!s.gettimeout().has_value());
    BOOST_TEST(is_non_blocking(original));  // one open file description: one flag
    BOOST_TEST(::send(raw.fds[1], "dup", 3, 0) == 3);
    BOOST_TEST(recv_string(s) == "dup");
  }
  BOOST_TEST(is_open_descriptor(original));
  BOOST_TEST(::send(original, "still", 5, 0) == 5);  // the connection outlives the copy
  char data[8] = {};
  BOOST_TEST(::recv(raw.fds[1], data, sizeof data, 0) == 5);
}

BOOST_AUTO_TEST_CASE(fromfd_takes_the_default_timeout) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(750ms);
  raw_pair raw;
  auto s = sockmode::local::stream_socket::fromfd(raw.fds[0], stream_protocol());
  BOOST_TEST((s.gettimeout() == 750ms));
}

BOOST_AUTO_TEST_CASE(fromfd_rejects_bad_input_without_leaking_a_descriptor) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  const int before = open_descriptors();
  error_code ec;
  auto s = sockmode::local::stream_socket::fromfd(fd, stream_protocol(), ec);
  BOOST_TEST((ec == asio_error::not_socket), ec.message());
  BOOST_TEST(!s.is_open());
  sockmode::local::stream_socket::fromfd(-1, stream_protocol(), ec);
  BOOST_TEST((ec == asio_error::bad_descriptor), ec.message());
  raw_pair raw;
  sockmode::udp::socket::fromfd(raw.fds[0], sockmode::udp::protocol::v4(), ec);
  BOOST_TEST((ec == asio_error::address_family_not_supported), ec.message());
  BOOST_TEST(open_descriptors() == before + 2);  // only raw's two
  ::close(fd);
  BOOST_CHECK_THROW(sockmode::local::datagram_socket::fromfd(raw.fds[0], datagram_protocol()),
                    sockmode::io_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(duplicating)

BOOST_AUTO_TEST_CASE(dup_keeps_the_mode_of_the_original_not_the_default) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(3s);
  auto [client, server] = connected_pair();
  for (const sockmode::timeout_type mode :
       {sockmode::timeout_type(), sockmode::timeout_type(0ns), sockmode::timeout_type(250ms)}) {
    client.settimeout(mode);
    sockmode::tcp::socket copy = client.dup();
    BOOST_TEST(copy.gettimeout() == mode);
    BOOST_TEST(copy.native_handle() != client.native_handle());
    BOOST_TEST(is_close_on_exec(copy.native_handle()));
    BOOST_TEST(copy.remote_endpoint() == client.remote_endpoint());
  }
}

BOOST_AUTO_TEST_CASE(each_object_on_one_descriptor_keeps_its_own_mode) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  auto [client, server] = connected_pair();
  sockmode::tcp::socket timed = server.dup();
  sockmode::tcp::socket non_blocking = server.dup();
  sockmode::tcp::socket& blocking = server;
  timed.settimeout(200ms);
  non_blocking.setblocking(false);
  char byte = 0;
  error_code ec;

  const seconds timed_took = elapsed([&] { timed.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(timed_took.count() >= 0.15);
  BOOST_TEST(timed_took.count() < 3.0);

  const seconds non_blocking_took = elapsed([&] { non_blocking.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == asio_error::would_block), ec.message());
  BOOST_TEST(non_blocking_took.count() < 0.1);

  std::thread sender = send_later(client, 150ms, "b");
  std::size_t n = 0;
  const seconds blocking_took = elapsed([&] { n = blocking.recv(buffer(&byte, 1), ec); });
  sender.join();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(n == 1u);
  BOOST_TEST(byte == 'b');
  BOOST_TEST(blocking_took.count() >= 0.1);

  BOOST_TEST(timed.gettimeout() == sockmode::timeout_type(200ms));
  BOOST_TEST(non_blocking.gettimeout() == sockmode::timeout_type(0ns));
  BOOST_TEST(!blocking.gettimeout().has_value());
  for (const int fd : {timed.native_handle(), non_blocking.native_handle(),
                       blocking.native_handle()})
    BOOST_TEST(is_non_blocking(fd));
}

BOOST_AUTO_TEST_CASE(closing_one_copy_leaves_the_other_connected) {
  auto [client, server] = connected_pair();
  sockmode::tcp::socket copy = server.dup();
  server.close();
  copy.settimeout(5s);
  client.sendall(buffer("x", 1));
  char byte = 0;
  BOOST_TEST(copy.recv(buffer(&byte, 1)) == 1u);
  BOOST_TEST(byte == 'x');
  copy.close();  // the last descriptor: now the peer sees end of stream
  client.settimeout(5s);
  BOOST_TEST(client.recv(buffer(&byte, 1)) == 0u);
}

BOOST_AUTO_TEST_CASE(dup_of_a_closed_or_unopened_socket_fails_with_bad_descriptor) {
  sockmode::tcp::socket unopened;
  error_code ec;
  sockmode::tcp::socket copy = unopened.dup(ec);
  BOOST_TEST((ec == asio_error::bad_descriptor), ec.message());
  BOOST_TEST(!copy.is_open());
  auto [client, server] = connected_pair();
  client.close();
  client.dup(ec);
  BOOST_TEST((ec == asio_error::bad_descriptor), ec.message());
  BOOST_CHECK_THROW(client.dup(), sockmode::io_error);
}

BOOST_AUTO_TEST_CASE(dup_of_an_adopted_unix_descriptor_carries_data_both_ways) {
  raw_pair raw;
  sockmode::local::stream_socket s(stream_protocol(), raw.take(0));
  sockmode::local::stream_socket peer(stream_protocol(), raw.take(1));
  s.settimeout(5s);
  sockmode::local::stream_socket copy = s.dup();
  BOOST_TEST(copy.gettimeout() == sockmode::timeout_type(5s));
  copy.sendall(buffer("to", 2));
  peer.settimeout(5s);
  BOOST_TEST(recv_string(peer) == "to");
  peer.sendall(buffer("fro", 3));
  BOOST_TEST(recv_string(copy) == "fro");
  copy.asio_socket().set_option(boost::asio::socket_base::send_buffer_size(1 << 16));
  BOOST_TEST(copy.asio_socket().native_handle() == copy.native_handle());
}

BOOST_AUTO_TEST_CASE(dup_of_an_adopted_asio_socket_knows_its_protocol) {
  sockmode::tcp::acceptor listener({boost::asio::ip::address_v6::loopback(), 0});
  boost::asio::io_context user_context;
  boost::asio::ip::tcp::socket raw(user_context);
  raw.connect(listener.local_endpoint());
  sockmode::tcp::socket adopted(std::move(raw));
  sockmode::tcp::socket copy = adopted.dup();
  BOOST_TEST(copy.local_endpoint().address().is_v6());
  // asio_socket() needs the protocol to hand the descriptor to Asio.
  copy.asio_socket().set_option(boost::asio::ip::tcp::no_delay(true));
  BOOST_TEST(copy.asio_socket().native_handle() == copy.native_handle());
  BOOST_TEST(copy.asio_socket().local_endpoint() == adopted.local_endpoint());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(after_fork)

BOOST_AUTO_TEST_CASE(child_and_parent_use_one_adopted_descriptor_each_in_its_own_mode) {
  raw_pair raw;
  sockmode::local::stream_socket s(stream_protocol(), raw.take(0));
  sockmode::local::stream_socket peer(stream_protocol(), raw.take(1));
  s.setblocking(false);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // The exit code is the verdict. The child's socket waits; the parent's stays non-blocking.
    int verdict = 0;
    error_code ec;
    char byte = 0;
    s.settimeout(100ms);
    s.recv(buffer(&byte, 1), ec);
    if (ec != sockmode::error::timeout) verdict |= 1;
    s.settimeout(5s);
    s.sendall(buffer("c", 1), ec);
    if (ec) verdict |= 2;
    ::_exit(verdict);
  }
  peer.settimeout(5s);
  char got = 0;
  BOOST_TEST(peer.recv(buffer(&got, 1)) == 1u);
  BOOST_TEST(got == 'c');
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_TEST(s.gettimeout() == sockmode::timeout_type(0ns));  // the child's settimeout stayed there
  error_code ec;
  s.recv(buffer(&got, 1), ec);
  BOOST_TEST((ec == asio_error::would_block), ec.message());
}

BOOST_AUTO_TEST_SUITE_END()
