// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// A port of the mode parts of CPython 3.11's Lib/test/test_socket.py to sockmode: the timeout,
// blocking and non-blocking tests of GeneralModuleTests, NonBlockingTCPTests, TCPTimeoutTest,
// UDPTimeoutTest, InheritanceTest, the Interrupted*Timeout tests, BufferIOTest's empty buffer,
// TestExceptions' setblocking check and the sendmsg/recvmsg timeout tests over TCP, UDP, UDP6
// and the Unix-socket bases. One test case per CPython test, in a suite named after its class;
// where sockmode deliberately differs, the case asserts sockmode's behaviour and cites the
// README.
#include <sockmode/sockmode.hpp>

#include "conformance/conformance.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/socket.h>

#include <array>
#include <limits>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using boost::asio::buffer;
using boost::system::error_code;
using conformance::alarm_guard;
using conformance::check_took;
using conformance::timeout;
namespace asio = boost::asio;
using stream_endpoint = asio::local::stream_protocol::endpoint;

namespace {

const std::string MSG = "Michael Gilfix was here\xe1\x88\xb4\r\n";

int descriptor_flags(int fd) { return ::fcntl(fd, F_GETFL); }
bool close_on_exec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

sockmode::udp::socket bound_udp_socket() {
  sockmode::udp::socket s(sockmode::udp::protocol::v4());
  s.bind({asio::ip::address_v4::loopback(), 0});
  return s;
}

// ThreadedTCPSocketTest: a listening server socket and a client; SocketConnectedTest adds the
// accepted end (cli_conn) and the connected client (serv_conn).
struct tcp_setup {
  test::default_timeout_guard guard;
  sockmode::tcp::acceptor serv{test::loopback()};
  sockmode::tcp::socket cli;
};

struct connected_tcp {
  test::default_timeout_guard guard;
  sockmode::tcp::socket serv_conn;  // the client's end
  sockmode::tcp::socket cli_conn;   // the server's end
  connected_tcp() {
    auto pair = test::connected_pair();
    serv_conn = std::move(pair.client);
    cli_conn = std::move(pair.server);
  }
};

// ConnectedStreamTestMixin over UnixStreamBase: a connected Unix stream pair.
struct connected_unix {
  test::default_timeout_guard guard;
  conformance::temp_path path;
  sockmode::local::stream_socket cli_sock;   // the client's end
  sockmode::local::stream_socket serv_sock;  // the server's end
  connected_unix() {
    sockmode::local::stream_acceptor listener(stream_endpoint(path.str()));
    cli_sock.connect(stream_endpoint(path.str()));
    serv_sock = listener.accept();
  }
};

// settimeout / setdefaulttimeout(T) compile: the C++ form of CPython's TypeError checks.
template <class T, class = void>
struct setdefaulttimeout_accepts : std::false_type {};
template <class T>
struct setdefaulttimeout_accepts<
    T, std::void_t<decltype(sockmode::setdefaulttimeout(std::declval<T>()))>> : std::true_type {};

// SendmsgStreamTests.testSendmsgTimeout: sends 512-byte messages until one times out.
template <class Socket>
void sendmsg_until_timeout(Socket& cli_sock, Socket& serv_sock) {
  cli_sock.settimeout(30ms);
  const std::string half(256, 'a');
  // Two buffers: sockmode sends a sequence with sendmsg, as CPython's sendmsg([b"a"*512]).
  const std::array<asio::const_buffer, 2> message{buffer(half), buffer(half)};
  error_code ec;
  for (int i = 0; i < 1000000 && !ec; ++i) cli_sock.send(message, ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  serv_sock.settimeout(5s);
  std::string head(512, '\0');
  BOOST_TEST(asio::read(serv_sock, buffer(head)) == 512u);
  BOOST_TEST(head == std::string(512, 'a'));
}

// RecvmsgGenericTests.testRecvmsgTimeout: a recvmsg with nothing to read times out.
template <class Socket>
void recvmsg_times_out(Socket& serv_sock) {
  serv_sock.settimeout(30ms);
  std::string first(MSG.size() / 2, '\0');
  std::string second(MSG.size() - first.size(), '\0');
  // A buffer sequence: sockmode reads it with recvmsg.
  const std::array<asio::mutable_buffer, 2> buffers{buffer(first), buffer(second)};
  error_code ec;
  const test::seconds took = test::elapsed([&] { serv_sock.recv(buffers, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  check_took(took, 30ms);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(GeneralModuleTests)

// test_socket.GeneralModuleTests.testDefaultTimeout
BOOST_AUTO_TEST_CASE(testDefaultTimeout) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);  // CPython's initial state, whatever ran before
  BOOST_TEST(!sockmode::getdefaulttimeout().has_value());
  {
    sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
    BOOST_TEST(!s.gettimeout().has_value());
  }
  sockmode::setdefaulttimeout(10s);
  BOOST_TEST((sockmode::getdefaulttimeout() == 10s));
  {
    sockmode::tcp::socket sock(sockmode::tcp::protocol::v4());
    BOOST_TEST((sock.gettimeout() == 10s));
  }
  sockmode::setdefaulttimeout(std::nullopt);
  BOOST_TEST(!sockmode::getdefaulttimeout().has_value());
  {
    sockmode::tcp::socket sock(sockmode::tcp::protocol::v4());
    BOOST_TEST(!sock.gettimeout().has_value());
  }
  BOOST_CHECK_THROW(sockmode::setdefaulttimeout(-1s), std::invalid_argument);
  // TypeError for "spam": a compile error.
  static_assert(!setdefaulttimeout_accepts<const char*>::value);
  static_assert(!setdefaulttimeout_accepts<std::string>::value);
  static_assert(setdefaulttimeout_accepts<std::chrono::seconds>::value);
}

// test_socket.GeneralModuleTests.testSendAfterClose
BOOST_AUTO_TEST_CASE(testSendAfterClose) {
  sockmode::tcp::socket sock(sockmode::tcp::protocol::v4());
  sock.settimeout(1s);
  sock.close();
  BOOST_CHECK_THROW(sock.send(buffer(std::string("spam"))), boost::system::system_error);
  error_code ec;
  sock.send(buffer(std::string("spam")), ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
}

// test_socket.GeneralModuleTests.test_sendall_interrupted
BOOST_AUTO_TEST_CASE(test_sendall_interrupted) {
  // CPython's handler raises, and the exception ends the blocking sendall. A C++ handler cannot
  // throw: the signal interrupts the wait, sendall goes on (PEP 475's rule), and the way to end
  // a blocked call is cancel() from another thread (README, "Differences": signals and
  // "cancelling a blocked call").
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const conformance::temp_path path;
  sockmode::local::stream_acceptor listener(stream_endpoint(path.str()));
  sockmode::local::stream_socket c;
  c.connect(stream_endpoint(path.str()));
  sockmode::local::stream_socket s = listener.accept();  // never reads
  const std::vector<char> data(16u << 20, 'x');  // support.SOCK_MAX_SIZE
  std::thread canceller([&] {
    conformance::block_alarm_in_this_thread();
    std::this_thread::sleep_for(400ms);
    c.cancel();
  });
  error_code ec;
  std::size_t sent = 0;
  test::seconds took;
  {
    alarm_guard alarm(50ms);
    took = test::elapsed([&] { sent = c.sendall(buffer(data), ec); });
    BOOST_TEST(alarm_guard::alarms() == 1);
  }
  canceller.join();
  BOOST_TEST((ec == asio::error::operation_aborted), ec.message());
  BOOST_TEST(sent > 0u);
  BOOST_TEST(sent < data.size());
  BOOST_TEST(took.count() >= 0.3);  // the signal at 50 ms did not end it
  BOOST_TEST(took.count() < 5.0);
}

// test_socket.GeneralModuleTests.test_sendall_interrupted_with_timeout
BOOST_AUTO_TEST_CASE(test_sendall_interrupted_with_timeout) {
  // CPython's second half: a handler that returns, and sendall still times out at its
  // deadline. (The first half, a raising handler, is test_sendall_interrupted above.)
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const conformance::temp_path path;
  sockmode::local::stream_acceptor listener(stream_endpoint(path.str()));
  sockmode::local::stream_socket c;
  c.connect(stream_endpoint(path.str()));
  sockmode::local::stream_socket s = listener.accept();
  c.settimeout(timeout);
  const std::vector<char> data(16u << 20, 'x');
  error_code ec;
  test::seconds took;
  {
    alarm_guard alarm(50ms);
    took = test::elapsed([&] { c.sendall(buffer(data), ec); });
    BOOST_TEST(alarm_guard::alarms() == 1);
  }
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  check_took(took);
  BOOST_CHECK_THROW(c.sendall(buffer(data)), sockmode::timeout_error);
}

// test_socket.GeneralModuleTests.test_socket_consistent_sock_type
BOOST_AUTO_TEST_CASE(test_socket_consistent_sock_type) {
  // CPython: s.type stays SOCK_STREAM (no SOCK_NONBLOCK bit) whatever the mode. sockmode: the
  // kernel's SO_TYPE stays SOCK_STREAM, and no mode change touches the descriptor.
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  const auto type = [&] {
    int value = 0;
    socklen_t size = sizeof value;
    BOOST_REQUIRE(::getsockopt(s.native_handle(), SOL_SOCKET, SO_TYPE, &value, &size) == 0);
    return value;
  };
  BOOST_TEST(type() == SOCK_STREAM);
  s.settimeout(1s);
  BOOST_TEST(type() == SOCK_STREAM);
  s.settimeout(0s);
  BOOST_TEST(type() == SOCK_STREAM);
  s.setblocking(true);
  BOOST_TEST(type() == SOCK_STREAM);
  s.setblocking(false);
  BOOST_TEST(type() == SOCK_STREAM);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(NonBlockingTCPTests)

namespace {
// NonBlockingTCPTests.assert_sock_timeout. CPython's descriptor is O_NONBLOCK unless the
// timeout is None; sockmode's is O_NONBLOCK in every mode (README, "Differences": the
// descriptor's O_NONBLOCK flag).
template <class Socket>
void assert_sock_timeout(Socket& sock, sockmode::timeout_type t) {
  BOOST_TEST((sock.gettimeout() == t));
  const bool blocking = !t || t->count() != 0;
  BOOST_TEST(sock.getblocking() == blocking);
  BOOST_TEST((descriptor_flags(sock.native_handle()) & O_NONBLOCK) != 0);
}
}  // namespace

// test_socket.NonBlockingTCPTests.testSetBlocking
BOOST_AUTO_TEST_CASE(testSetBlocking) {
  tcp_setup t;
  t.serv.setblocking(true);
  assert_sock_timeout(t.serv, std::nullopt);
  t.serv.setblocking(false);
  assert_sock_timeout(t.serv, 0ns);
  t.serv.settimeout(std::nullopt);
  assert_sock_timeout(t.serv, std::nullopt);
  t.serv.settimeout(0s);
  assert_sock_timeout(t.serv, 0ns);
  t.serv.settimeout(10s);
  assert_sock_timeout(t.serv, 10s);
  t.serv.settimeout(0s);
  assert_sock_timeout(t.serv, 0ns);
}

// test_socket.NonBlockingTCPTests.testSetBlocking_overflow
BOOST_AUTO_TEST_CASE(testSetBlocking_overflow) {
  // Issue 15989: a flag above UINT_MAX was truncated to 0. setblocking takes a bool, and any
  // non-zero value converts to true.
  tcp_setup t;
  t.serv.setblocking(false);
  assert_sock_timeout(t.serv, 0ns);
  const unsigned long long above_uint_max =
      static_cast<unsigned long long>(std::numeric_limits<unsigned int>::max()) + 1;
  t.serv.setblocking(above_uint_max != 0);
  t.serv.setblocking(static_cast<bool>(above_uint_max));
  assert_sock_timeout(t.serv, std::nullopt);
}

// test_socket.NonBlockingTCPTests.testInitNonBlocking
BOOST_AUTO_TEST_CASE(testInitNonBlocking) {
  // CPython: a socket made with SOCK_NONBLOCK starts in non-blocking mode. sockmode: an adopted
  // descriptor starts in getdefaulttimeout(), whatever its flags; O_NONBLOCK is sockmode's own
  // setting, not a mode (README, "Differences": adopting a non-blocking descriptor).
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(fd >= 0);
  asio::io_context io;
  asio::ip::tcp::socket raw(io, asio::ip::tcp::v4(), fd);
  sockmode::tcp::socket serv(std::move(raw));
  BOOST_TEST(!serv.gettimeout().has_value());
  BOOST_TEST(serv.getblocking());
  BOOST_TEST((descriptor_flags(serv.native_handle()) & O_NONBLOCK) != 0);
}

// test_socket.NonBlockingTCPTests.testInheritFlagsBlocking
BOOST_AUTO_TEST_CASE(testInheritFlagsBlocking) {
  tcp_setup t;
  sockmode::setdefaulttimeout(std::nullopt);
  t.serv.settimeout(10s);
  t.cli.connect(t.serv.local_endpoint());
  sockmode::tcp::socket conn = t.serv.accept();
  BOOST_TEST(!conn.gettimeout().has_value());
}

// test_socket.NonBlockingTCPTests.testInheritFlagsTimeout
BOOST_AUTO_TEST_CASE(testInheritFlagsTimeout) {
  tcp_setup t;
  sockmode::setdefaulttimeout(20s);
  t.serv.settimeout(10s);
  t.cli.connect(t.serv.local_endpoint());
  sockmode::tcp::socket conn = t.serv.accept();
  BOOST_TEST((conn.gettimeout() == 20s));
}

// test_socket.NonBlockingTCPTests.testAccept
BOOST_AUTO_TEST_CASE(testAccept) {
  tcp_setup t;
  sockmode::setdefaulttimeout(std::nullopt);
  t.serv.setblocking(false);
  error_code ec;
  const test::seconds took = test::elapsed([&] { t.serv.accept(ec); });
  BOOST_TEST((ec == asio::error::would_block), ec.message());  // CPython: BlockingIOError
  BOOST_TEST(took.count() < 1.0);

  std::thread client([&] { t.cli.connect(t.serv.local_endpoint()); });
  t.serv.wait(sockmode::tcp::acceptor::wait_read, 5s);  // select.select([serv], [], [], ...)
  sockmode::tcp::socket conn = t.serv.accept();
  client.join();
  BOOST_TEST(!conn.gettimeout().has_value());
}

// test_socket.NonBlockingTCPTests.testRecv
BOOST_AUTO_TEST_CASE(testRecv) {
  tcp_setup t;
  sockmode::setdefaulttimeout(std::nullopt);
  t.cli.connect(t.serv.local_endpoint());
  sockmode::tcp::socket conn = t.serv.accept();
  conn.setblocking(false);
  std::string msg(MSG.size(), '\0');
  error_code ec;
  conn.recv(buffer(msg), ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());  // CPython: BlockingIOError

  std::thread sender = test::send_later(t.cli, 50ms, MSG);
  conn.wait(sockmode::tcp::socket::wait_read, 5s);
  msg.resize(conn.recv(buffer(msg)));
  sender.join();
  BOOST_TEST(msg == MSG);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TCPTimeoutTest)

// test_socket.TCPTimeoutTest.testTCPTimeout
BOOST_AUTO_TEST_CASE(testTCPTimeout) {
  tcp_setup t;
  t.serv.settimeout(timeout);
  BOOST_CHECK_THROW(t.serv.accept(), sockmode::timeout_error);
}

// test_socket.TCPTimeoutTest.testTimeoutZero
BOOST_AUTO_TEST_CASE(testTimeoutZero) {
  // An error, but not a timeout.
  tcp_setup t;
  t.serv.settimeout(0s);
  error_code ec;
  t.serv.accept(ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  BOOST_TEST((ec != sockmode::error::timeout));
  BOOST_CHECK_THROW(t.serv.accept(), boost::system::system_error);
  try {
    t.serv.accept();
  } catch (const sockmode::timeout_error&) {
    BOOST_ERROR("caught timeout instead of error (TCP)");
  } catch (const boost::system::system_error&) {
  }
}

// test_socket.TCPTimeoutTest.testInterruptedTimeout
BOOST_AUTO_TEST_CASE(testInterruptedTimeout) {
  // CPython: an alarm before the timeout runs the handler, whose exception ends accept(). Here
  // the handler runs too, and accept() neither fails with EINTR nor restarts its deadline
  // (README, "Differences": signals).
  tcp_setup t;
  t.serv.settimeout(timeout);  // longer than the alarm, as in CPython
  error_code ec;
  test::seconds took;
  {
    alarm_guard alarm(50ms);
    took = test::elapsed([&] { t.serv.accept(ec); });
    BOOST_TEST(alarm_guard::alarms() == 1);
  }
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  check_took(took);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDPTimeoutTest)

// test_socket.UDPTimeoutTest.testUDPTimeout
BOOST_AUTO_TEST_CASE(testUDPTimeout) {
  test::default_timeout_guard guard;
  sockmode::udp::socket serv = bound_udp_socket();
  serv.settimeout(timeout);
  char data[1024];
  BOOST_CHECK_THROW(serv.recv(buffer(data)), sockmode::timeout_error);
}

// test_socket.UDPTimeoutTest.testTimeoutZero
BOOST_AUTO_TEST_CASE(testTimeoutZero) {
  test::default_timeout_guard guard;
  sockmode::udp::socket serv = bound_udp_socket();
  serv.settimeout(0s);
  char data[1024];
  error_code ec;
  serv.recv(buffer(data), ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  try {
    serv.recv(buffer(data));
    BOOST_ERROR("recv() returned success when we did not expect it");
  } catch (const sockmode::timeout_error&) {
    BOOST_ERROR("caught timeout instead of error (UDP)");
  } catch (const boost::system::system_error&) {
  }
}

BOOST_AUTO_TEST_SUITE_END()

// CPython's InterruptedTimeoutBase: SIGALRM after 50 ms (setitimer), a handler that raises.
// Here the alarm repeats every 20 ms after the first, and the checks are that every call ends
// at its own deadline with a timeout, never with EINTR, however many signals arrive (README,
// "Differences": signals).
namespace {
template <class Call>
void check_interrupted(Call&& call) {
  error_code ec;
  test::seconds took;
  {
    alarm_guard alarm(50ms, 20ms);
    took = test::elapsed([&] { call(ec); });
    BOOST_TEST(alarm_guard::alarms() >= 1);
  }
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  check_took(took);
}

struct interrupted_recv {  // InterruptedRecvTimeoutTest: UDPTestBase, serv with a timeout
  test::default_timeout_guard guard;
  sockmode::udp::socket serv = bound_udp_socket();
  char data[1024];
  interrupted_recv() { serv.settimeout(timeout); }
};

// InterruptedSendTimeoutTest: a connected TCP pair whose reader never reads; send calls in a
// loop until one has to wait.
template <class Send>
void check_interrupted_send(Send&& send) {
  connected_tcp t;
  t.serv_conn.settimeout(timeout);
  error_code ec;
  test::seconds took{};
  {
    alarm_guard alarm(50ms, 20ms);
    for (int i = 0; i < 1000000 && !ec; ++i) took = test::elapsed([&] { send(t, ec); });
    BOOST_TEST(alarm_guard::alarms() >= 1);
  }
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  check_took(took);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(InterruptedRecvTimeoutTest)

// test_socket.InterruptedRecvTimeoutTest.testInterruptedRecvTimeout
BOOST_AUTO_TEST_CASE(testInterruptedRecvTimeout) {
  interrupted_recv t;
  check_interrupted([&](error_code& ec) { t.serv.recv(buffer(t.data), ec); });
}

// test_socket.InterruptedRecvTimeoutTest.testInterruptedRecvIntoTimeout
BOOST_AUTO_TEST_CASE(testInterruptedRecvIntoTimeout) {
  // recv_into: sockmode's recv already fills the caller's buffer; read_some is Asio's form.
  interrupted_recv t;
  check_interrupted([&](error_code& ec) { t.serv.read_some(buffer(t.data), ec); });
}

// test_socket.InterruptedRecvTimeoutTest.testInterruptedRecvfromTimeout
BOOST_AUTO_TEST_CASE(testInterruptedRecvfromTimeout) {
  interrupted_recv t;
  sockmode::udp::endpoint from;
  check_interrupted([&](error_code& ec) { t.serv.receive_from(buffer(t.data), from, ec); });
}

// test_socket.InterruptedRecvTimeoutTest.testInterruptedRecvfromIntoTimeout
BOOST_AUTO_TEST_CASE(testInterruptedRecvfromIntoTimeout) {
  interrupted_recv t;
  sockmode::udp::endpoint from;
  check_interrupted([&](error_code& ec) {
    t.serv.receive_from(asio::mutable_buffer(t.data, sizeof t.data), from, ec);
  });
}

// test_socket.InterruptedRecvTimeoutTest.testInterruptedRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testInterruptedRecvmsgTimeout) {
  // recvmsg: a buffer sequence, which sockmode reads with recvmsg.
  interrupted_recv t;
  const std::array<asio::mutable_buffer, 2> buffers{buffer(t.data, 512), buffer(t.data + 512, 512)};
  check_interrupted([&](error_code& ec) { t.serv.recv(buffers, ec); });
}

// test_socket.InterruptedRecvTimeoutTest.testInterruptedRecvmsgIntoTimeout
BOOST_AUTO_TEST_CASE(testInterruptedRecvmsgIntoTimeout) {
  interrupted_recv t;
  const std::array<asio::mutable_buffer, 2> buffers{buffer(t.data, 512), buffer(t.data + 512, 512)};
  sockmode::udp::endpoint from;
  check_interrupted([&](error_code& ec) { t.serv.receive_from(buffers, from, ec); });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(InterruptedSendTimeoutTest)

// test_socket.InterruptedSendTimeoutTest.testInterruptedSendTimeout
BOOST_AUTO_TEST_CASE(testInterruptedSendTimeout) {
  const std::string data(512, 'a');
  check_interrupted_send(
      [&](connected_tcp& t, error_code& ec) { t.serv_conn.send(buffer(data), ec); });
}

// test_socket.InterruptedSendTimeoutTest.testInterruptedSendtoTimeout
BOOST_AUTO_TEST_CASE(testInterruptedSendtoTimeout) {
  // The address is ignored: the socket is connection-mode (as in CPython's test).
  const std::string data(512, 'a');
  check_interrupted_send([&](connected_tcp& t, error_code& ec) {
    t.serv_conn.send_to(buffer(data), t.serv_conn.remote_endpoint(), ec);
  });
}

// test_socket.InterruptedSendTimeoutTest.testInterruptedSendmsgTimeout
BOOST_AUTO_TEST_CASE(testInterruptedSendmsgTimeout) {
  // sendmsg: a buffer sequence, which sockmode sends with sendmsg.
  const std::string half(256, 'a');
  const std::array<asio::const_buffer, 2> message{buffer(half), buffer(half)};
  check_interrupted_send([&](connected_tcp& t, error_code& ec) { t.serv_conn.send(message, ec); });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(InheritanceTest)

// test_socket.InheritanceTest.test_SOCK_CLOEXEC
BOOST_AUTO_TEST_CASE(test_SOCK_CLOEXEC) {
  // sockmode always asks for SOCK_CLOEXEC (and SOCK_NONBLOCK); the type stays SOCK_STREAM.
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  int type = 0;
  socklen_t size = sizeof type;
  BOOST_REQUIRE(::getsockopt(s.native_handle(), SOL_SOCKET, SO_TYPE, &type, &size) == 0);
  BOOST_TEST(type == SOCK_STREAM);
  BOOST_TEST(close_on_exec(s.native_handle()));
}

// test_socket.InheritanceTest.test_default_inheritable
BOOST_AUTO_TEST_CASE(test_default_inheritable) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket sock;  // opened by connect
  sock.connect(listener.local_endpoint());
  BOOST_TEST(close_on_exec(sock.native_handle()));
  BOOST_TEST(close_on_exec(listener.native_handle()));
}

// test_socket.InheritanceTest.test_dup
BOOST_AUTO_TEST_CASE(test_dup) {
  // sockmode has no dup(); the descriptor it hands over, release()'s Asio socket, is still
  // non-inheritable once the sockmode object is closed.
  sockmode::tcp::socket sock(sockmode::tcp::protocol::v4());
  asio::ip::tcp::socket newsock = sock.release();
  sock.close();
  BOOST_TEST(newsock.is_open());
  BOOST_TEST(close_on_exec(newsock.native_handle()));
}

// test_socket.InheritanceTest.test_set_inheritable
BOOST_AUTO_TEST_CASE(test_set_inheritable) {
  // sockmode has no set_inheritable(): FD_CLOEXEC is set on the native handle, and sockmode
  // never touches it again, through mode changes and I/O alike.
  sockmode::tcp::socket sock(sockmode::tcp::protocol::v4());
  const int fd = sock.native_handle();
  BOOST_REQUIRE(::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) & ~FD_CLOEXEC) == 0);
  sock.settimeout(1s);
  sock.setblocking(false);
  BOOST_TEST(!close_on_exec(fd));
  BOOST_REQUIRE(::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC) == 0);
  sock.setblocking(true);
  BOOST_TEST(close_on_exec(fd));
}

// test_socket.InheritanceTest.test_get_inheritable_cloexec
BOOST_AUTO_TEST_CASE(test_get_inheritable_cloexec) {
  // The flag cleared behind sockmode's back stays cleared while the socket is used.
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket sock(sockmode::tcp::protocol::v4());
  const int fd = sock.native_handle();
  BOOST_TEST(close_on_exec(fd));
  BOOST_REQUIRE(::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) & ~FD_CLOEXEC) == 0);
  sock.settimeout(5s);
  sock.connect(listener.local_endpoint());
  BOOST_TEST(!close_on_exec(fd));
}

// test_socket.InheritanceTest.test_set_inheritable_cloexec
BOOST_AUTO_TEST_CASE(test_set_inheritable_cloexec) {
  sockmode::tcp::socket sock(sockmode::tcp::protocol::v4());
  const int fd = sock.native_handle();
  BOOST_TEST((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == FD_CLOEXEC);
  BOOST_REQUIRE(::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) & ~FD_CLOEXEC) == 0);
  BOOST_TEST((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
}

// test_socket.InheritanceTest.test_socketpair
BOOST_AUTO_TEST_CASE(test_socketpair) {
  // sockmode has no socketpair(); both ends of a connected Unix stream pair stand in for it.
  connected_unix pair;
  BOOST_TEST(close_on_exec(pair.cli_sock.native_handle()));
  BOOST_TEST(close_on_exec(pair.serv_sock.native_handle()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(BufferIOTest)

// test_socket.BufferIOTest.testRecvFromIntoEmptyBuffer
BOOST_AUTO_TEST_CASE(testRecvFromIntoEmptyBuffer) {
  connected_tcp t;
  t.serv_conn.sendall(buffer(MSG));  // _testRecvFromIntoArray
  t.cli_conn.settimeout(5s);
  t.cli_conn.wait(sockmode::tcp::socket::wait_read, 5s);
  sockmode::tcp::endpoint from;
  BOOST_TEST(t.cli_conn.receive_from(asio::mutable_buffer(), from) == 0u);
  BOOST_TEST(t.cli_conn.receive_from(asio::mutable_buffer(), from) == 0u);  // recvfrom_into(buf, 0)
  std::string msg(MSG.size(), '\0');
  BOOST_TEST(asio::read(t.cli_conn, buffer(msg)) == MSG.size());  // nothing was consumed
  BOOST_TEST(msg == MSG);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestExceptions)

// test_socket.TestExceptions.test_setblocking_invalidfd
BOOST_AUTO_TEST_CASE(test_setblocking_invalidfd) {
  // CPython: a socket object over a descriptor that another object closed fails in
  // setblocking(), which makes an ioctl. sockmode's setblocking never touches the descriptor
  // (the mode is the object's; README, "Differences"), so the closed descriptor shows in the
  // next call that uses it.
  sockmode::tcp::socket sock0(sockmode::tcp::protocol::v4());
  asio::io_context io;
  asio::ip::tcp::socket shared(io, asio::ip::tcp::v4(), sock0.native_handle());
  sockmode::tcp::socket sock(std::move(shared));
  sock0.close();
  BOOST_CHECK_NO_THROW(sock.setblocking(false));
  char byte = 0;
  error_code ec;
  sock.recv(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
  // sock.detach(): hand the number back without closing it a second time.
  asio::ip::tcp::socket detached = sock.release();
  error_code ignored;
  static_cast<void>(detached.release(ignored));
}

BOOST_AUTO_TEST_SUITE_END()

// The sendmsg/recvmsg timeout tests, over the TCP, UDP and Unix-socket bases.

BOOST_AUTO_TEST_SUITE(SendmsgTCPTest)
// test_socket.SendmsgTCPTest.testSendmsgTimeout (SendmsgStreamTests over TCP)
BOOST_AUTO_TEST_CASE(testSendmsgTimeout) {
  connected_tcp t;
  sendmsg_until_timeout(t.serv_conn, t.cli_conn);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RecvmsgTCPTest)
// test_socket.RecvmsgTCPTest.testRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout) {
  connected_tcp t;
  recvmsg_times_out(t.cli_conn);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RecvmsgIntoTCPTest)
// test_socket.RecvmsgIntoTCPTest.testRecvmsgTimeout (recvmsg_into: the same call in sockmode)
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout) {
  connected_tcp t;
  recvmsg_times_out(t.cli_conn);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RecvmsgUDPTest)
// test_socket.RecvmsgUDPTest.testRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout) {
  test::default_timeout_guard guard;
  sockmode::udp::socket serv_sock = bound_udp_socket();
  recvmsg_times_out(serv_sock);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RecvmsgIntoUDPTest)
// test_socket.RecvmsgIntoUDPTest.testRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout) {
  test::default_timeout_guard guard;
  sockmode::udp::socket serv_sock = bound_udp_socket();
  recvmsg_times_out(serv_sock);
}
BOOST_AUTO_TEST_SUITE_END()

namespace {
// CPython's UDP6 bases need IPv6 (support.IPV6_ENABLED) and skip without it; so do these.
boost::test_tools::assertion_result ipv6_loopback(boost::unit_test::test_unit_id) {
  sockmode::udp::socket probe;
  error_code ec;
  probe.bind({asio::ip::address_v6::loopback(), 0}, ec);
  boost::test_tools::assertion_result result(!ec);
  result.message() << "no IPv6 loopback: " << ec.message();
  return result;
}

sockmode::udp::socket bound_udp6_socket() {
  sockmode::udp::socket s(sockmode::udp::protocol::v6());
  s.bind({asio::ip::address_v6::loopback(), 0});
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(RecvmsgUDP6Test)
// test_socket.RecvmsgUDP6Test.testRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout, *boost::unit_test::precondition(ipv6_loopback)) {
  test::default_timeout_guard guard;
  sockmode::udp::socket serv_sock = bound_udp6_socket();
  recvmsg_times_out(serv_sock);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RecvmsgIntoUDP6Test)
// test_socket.RecvmsgIntoUDP6Test.testRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout, *boost::unit_test::precondition(ipv6_loopback)) {
  test::default_timeout_guard guard;
  sockmode::udp::socket serv_sock = bound_udp6_socket();
  recvmsg_times_out(serv_sock);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(SendmsgUnixStreamTest)
// test_socket.SendmsgUnixStreamTest.testSendmsgTimeout (SendmsgStreamTests over UnixStreamBase)
BOOST_AUTO_TEST_CASE(testSendmsgTimeout) {
  connected_unix t;
  sendmsg_until_timeout(t.cli_sock, t.serv_sock);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RecvmsgUnixStreamTest)
// test_socket.RecvmsgUnixStreamTest.testRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout) {
  connected_unix t;
  recvmsg_times_out(t.serv_sock);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RecvmsgIntoUnixStreamTest)
// test_socket.RecvmsgIntoUnixStreamTest.testRecvmsgTimeout
BOOST_AUTO_TEST_CASE(testRecvmsgTimeout) {
  connected_unix t;
  recvmsg_times_out(t.serv_sock);
}
BOOST_AUTO_TEST_SUITE_END()
