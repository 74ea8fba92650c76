// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// A port of CPython 3.11's Lib/test/test_timeout.py to sockmode: one test case per CPython
// test, in a suite named after its class. The scenarios are CPython's; timeouts are shorter
// (conformance::timeout) and remote hosts are replaced by loopback (see testConnectTimeout).
#include <sockmode/sockmode.hpp>

#include "conformance/conformance.hpp"

#include <boost/test/unit_test.hpp>

#include <complex>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using boost::asio::buffer;
using boost::system::error_code;
using conformance::check_took;
using conformance::timeout;

namespace {

// TimeoutTestCase._sock_operation: runs `operation` at most `count` times; one of them must
// fail with a timeout. Returns how long that one took.
test::seconds sock_operation(int count, const std::function<void(error_code&)>& operation) {
  for (int i = 0; i < count; ++i) {
    error_code ec;
    const test::seconds took = test::elapsed([&] { operation(ec); });
    if (ec == sockmode::error::timeout) return took;
    BOOST_TEST_REQUIRE(!ec, "failed with " << ec.message() << " instead of timing out");
  }
  BOOST_FAIL("the timeout was not reached");
  return {};
}

// settimeout(T) compiles: the C++ form of CPython's TypeError check.
template <class T, class = void>
struct settimeout_accepts : std::false_type {};
template <class T>
struct settimeout_accepts<
    T, std::void_t<decltype(std::declval<sockmode::tcp::socket&>().settimeout(std::declval<T>()))>>
    : std::true_type {};

struct tcp_socket {  // setUp: socket.socket(AF_INET, SOCK_STREAM); tearDown: close
  test::default_timeout_guard guard;
  sockmode::tcp::socket sock = make();

  sockmode::tcp::socket make() {  // with CPython's default: no default timeout
    sockmode::setdefaulttimeout(std::nullopt);
    return sockmode::tcp::socket(sockmode::tcp::protocol::v4());
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(CreationTestCase)

// test_timeout.CreationTestCase.testObjectCreation
BOOST_AUTO_TEST_CASE(testObjectCreation) {
  tcp_socket t;
  BOOST_TEST(!t.sock.gettimeout().has_value());  // blocking: no default timeout is set
}

// test_timeout.CreationTestCase.testFloatReturnValue
BOOST_AUTO_TEST_CASE(testFloatReturnValue) {
  tcp_socket t;
  t.sock.settimeout(std::chrono::duration<double>(7.345));
  BOOST_TEST((t.sock.gettimeout() == 7345000000ns));  // CPython: 7.345 * 1e9, rounded up
  BOOST_TEST(std::chrono::duration<double>(*t.sock.gettimeout()).count() == 7.345);
  t.sock.settimeout(3s);
  BOOST_TEST((t.sock.gettimeout() == 3s));
  t.sock.settimeout(std::nullopt);
  BOOST_TEST(!t.sock.gettimeout().has_value());
}

// test_timeout.CreationTestCase.testReturnType
BOOST_AUTO_TEST_CASE(testReturnType) {
  // CPython returns a float whether the timeout was set from an int or a float; sockmode
  // returns nanoseconds whatever duration type set it.
  tcp_socket t;
  static_assert(std::is_same_v<decltype(t.sock.gettimeout()), sockmode::timeout_type>);
  t.sock.settimeout(1s);
  BOOST_TEST((t.sock.gettimeout() == 1000000000ns));
  t.sock.settimeout(std::chrono::duration<double>(3.9));
  BOOST_TEST((t.sock.gettimeout() == 3900000000ns));
}

// test_timeout.CreationTestCase.testTypeCheck
BOOST_AUTO_TEST_CASE(testTypeCheck) {
  tcp_socket t;
  t.sock.settimeout(0s);
  t.sock.settimeout(0s);
  t.sock.settimeout(std::chrono::duration<double>(0.0));
  t.sock.settimeout(std::nullopt);
  BOOST_TEST((t.sock.gettimeout() == std::nullopt));
  // CPython's TypeError is a compile error here: "", (), [], {} and 0j are no timeouts, and
  // neither is a bare number, which has no unit (README, "Differences": any duration).
  static_assert(settimeout_accepts<std::chrono::seconds>::value);
  static_assert(settimeout_accepts<std::chrono::duration<double>>::value);
  static_assert(settimeout_accepts<std::nullopt_t>::value);
  static_assert(!settimeout_accepts<std::string>::value);
  static_assert(!settimeout_accepts<const char*>::value);
  static_assert(!settimeout_accepts<std::tuple<>>::value);
  static_assert(!settimeout_accepts<std::vector<int>>::value);
  static_assert(!settimeout_accepts<std::map<int, int>>::value);
  static_assert(!settimeout_accepts<std::complex<double>>::value);
  static_assert(!settimeout_accepts<int>::value);
  static_assert(!settimeout_accepts<double>::value);
}

// test_timeout.CreationTestCase.testRangeCheck
BOOST_AUTO_TEST_CASE(testRangeCheck) {
  tcp_socket t;
  BOOST_CHECK_THROW(t.sock.settimeout(-1s), std::invalid_argument);
  BOOST_CHECK_THROW(t.sock.settimeout(-1s), std::invalid_argument);
  BOOST_CHECK_THROW(t.sock.settimeout(std::chrono::duration<double>(-1.0)),
                    std::invalid_argument);
  BOOST_TEST(!t.sock.gettimeout().has_value());  // unchanged
}

// test_timeout.CreationTestCase.testTimeoutThenBlocking
BOOST_AUTO_TEST_CASE(testTimeoutThenBlocking) {
  tcp_socket t;
  t.sock.settimeout(10s);
  t.sock.setblocking(true);
  BOOST_TEST(!t.sock.gettimeout().has_value());
  t.sock.setblocking(false);
  BOOST_TEST((t.sock.gettimeout() == 0ns));

  t.sock.settimeout(10s);
  t.sock.setblocking(false);
  BOOST_TEST((t.sock.gettimeout() == 0ns));
  t.sock.setblocking(true);
  BOOST_TEST(!t.sock.gettimeout().has_value());
}

// test_timeout.CreationTestCase.testBlockingThenTimeout
BOOST_AUTO_TEST_CASE(testBlockingThenTimeout) {
  tcp_socket t;
  t.sock.setblocking(false);
  t.sock.settimeout(1s);
  BOOST_TEST((t.sock.gettimeout() == 1s));

  t.sock.setblocking(true);
  t.sock.settimeout(1s);
  BOOST_TEST((t.sock.gettimeout() == 1s));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TCPTimeoutTestCase)

// test_timeout.TCPTimeoutTestCase.testConnectTimeout
BOOST_AUTO_TEST_CASE(testConnectTimeout) {
  // CPython connects to a remote "blackhole" port that drops SYNs. Here the host that drops
  // them is loopback itself: a listen(0) listener whose accept queue is already full.
  tcp_socket t;
  test::full_listener blackhole;
  t.sock.settimeout(timeout);
  check_took(sock_operation(1, [&](error_code& ec) { t.sock.connect(blackhole.endpoint(), ec); }));
}

// test_timeout.TCPTimeoutTestCase.testRecvTimeout
BOOST_AUTO_TEST_CASE(testRecvTimeout) {
  // CPython connects to www.python.org, which does not speak first; a loopback listener that
  // never sends does the same.
  tcp_socket t;
  sockmode::tcp::acceptor server(test::loopback());
  t.sock.connect(server.local_endpoint());
  t.sock.settimeout(timeout);
  char data[1024];
  check_took(sock_operation(1, [&](error_code& ec) { t.sock.recv(buffer(data), ec); }));
}

// test_timeout.TCPTimeoutTestCase.testAcceptTimeout
BOOST_AUTO_TEST_CASE(testAcceptTimeout) {
  test::default_timeout_guard guard;
  sockmode::tcp::acceptor sock(test::loopback());
  sock.settimeout(timeout);
  check_took(sock_operation(1, [&](error_code& ec) { sock.accept(ec); }));
}

// test_timeout.TCPTimeoutTestCase.testSend
BOOST_AUTO_TEST_CASE(testSend) {
  tcp_socket t;
  sockmode::tcp::acceptor serv(test::loopback());  // listens, never accepts or reads
  t.sock.connect(serv.local_endpoint());
  t.sock.settimeout(timeout);
  const std::string data(200000, 'X');  // a lot, to get past the kernel's buffering
  check_took(sock_operation(100, [&](error_code& ec) { t.sock.send(buffer(data), ec); }));
}

// test_timeout.TCPTimeoutTestCase.testSendto
BOOST_AUTO_TEST_CASE(testSendto) {
  tcp_socket t;
  sockmode::tcp::acceptor serv(test::loopback());
  t.sock.connect(serv.local_endpoint());
  t.sock.settimeout(timeout);
  const std::string data(200000, 'X');
  // The address is ignored: the socket is already connected.
  check_took(sock_operation(
      100, [&](error_code& ec) { t.sock.send_to(buffer(data), serv.local_endpoint(), ec); }));
}

// test_timeout.TCPTimeoutTestCase.testSendall
BOOST_AUTO_TEST_CASE(testSendall) {
  tcp_socket t;
  sockmode::tcp::acceptor serv(test::loopback());
  t.sock.connect(serv.local_endpoint());
  t.sock.settimeout(timeout);
  const std::string data(200000, 'X');
  check_took(sock_operation(100, [&](error_code& ec) { t.sock.sendall(buffer(data), ec); }));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDPTimeoutTestCase)

// test_timeout.UDPTimeoutTestCase.testRecvfromTimeout
BOOST_AUTO_TEST_CASE(testRecvfromTimeout) {
  test::default_timeout_guard guard;
  sockmode::udp::socket sock(sockmode::udp::protocol::v4());
  sock.bind({boost::asio::ip::address_v4::loopback(), 0});
  sock.settimeout(timeout);
  char data[1024];
  sockmode::udp::endpoint from;
  check_took(sock_operation(1, [&](error_code& ec) { sock.receive_from(buffer(data), from, ec); }));
}

BOOST_AUTO_TEST_SUITE_END()
