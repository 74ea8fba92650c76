// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Every misuse the README's "Bad input" table lists, each with the exact error it gets. A
// misuse is a clear error or documented behaviour, never undefined behaviour; these cases run
// under ASan+UBSan, TSan and valgrind too.
#include <sockmode/sockmode.hpp>

#include "support.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
using sockmode::timeout_type;
namespace asio = boost::asio;

namespace {

// Whether `f` throws exactly `Exception` whose what() starts with `prefix`.
template <class Exception, class F>
bool throws(F&& f, const std::string& prefix) {
  try {
    f();
  } catch (const Exception& e) {
    BOOST_TEST_MESSAGE("threw: " << e.what());
    return std::string(e.what()).rfind(prefix, 0) == 0;
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("threw another type: " << e.what());
    return false;
  }
  return false;
}

// Whether `f` throws io_error with `code`, and a message that starts with `prefix`.
template <class F>
bool fails_with(F&& f, const error_code& code, const std::string& prefix) {
  try {
    f();
  } catch (const sockmode::io_error& e) {
    BOOST_TEST_MESSAGE("threw: " << e.what());
    return e.code() == code && std::string(e.what()).rfind(prefix, 0) == 0;
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("threw another type: " << e.what());
    return false;
  }
  return false;
}

const double not_a_number = std::numeric_limits<double>::quiet_NaN();
const double infinity = std::numeric_limits<double>::infinity();

char byte[1];

}  // namespace

BOOST_AUTO_TEST_SUITE(timeouts)

BOOST_AUTO_TEST_CASE(negative_nan_infinite_and_huge_timeouts_throw_invalid_argument_and_keep_the_mode) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.settimeout(250ms);
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(-1ns); }, "timeout must not be negative"));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(std::chrono::duration<double>(-0.5)); },
                                           "timeout must not be negative"));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(std::chrono::duration<double>(not_a_number)); },
                                           "timeout is NaN"));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(std::chrono::duration<double>(infinity)); },
                                           "timeout is too large"));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(std::chrono::duration<double>(-infinity)); },
                                           "timeout must not be negative"));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(std::chrono::nanoseconds::max()); },
                                           "timeout is too large"));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(std::chrono::hours::max()); },
                                           "timeout is too large"));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(timeout_type(-1ns)); },
                                           "timeout must not be negative"));
  BOOST_TEST((s.gettimeout() == timeout_type(250ms)));
}

BOOST_AUTO_TEST_CASE(the_largest_timeout_is_accepted_and_one_more_nanosecond_is_not) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  const std::chrono::nanoseconds largest((std::int64_t{1} << 62) - 1);
  s.settimeout(largest);
  BOOST_TEST((s.gettimeout() == timeout_type(largest)));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(largest + 1ns); }, "timeout is too large"));
}

// A duration whose period is not a whole number of nanoseconds (1/60 s, a frame) converts
// without overflowing on the way, up to the largest timeout.
BOOST_AUTO_TEST_CASE(timeouts_in_periods_of_a_fraction_of_a_nanosecond_multiple_convert_without_overflow) {
  using frames = std::chrono::duration<std::int64_t, std::ratio<1, 60>>;
  using thirds = std::chrono::duration<std::int64_t, std::ratio<1, 3>>;
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.settimeout(frames(250'000'000'000));  // 4,166,666,666.67 s: 2**62 ns is 4,611,686,018 s
  BOOST_TEST((s.gettimeout() == timeout_type(std::chrono::nanoseconds(4'166'666'666'666'666'667))));
  s.settimeout(thirds(12'000'000'000));  // 4,000,000,000 s
  BOOST_TEST((s.gettimeout() == timeout_type(std::chrono::nanoseconds(4'000'000'000'000'000'000))));
  BOOST_TEST(throws<std::invalid_argument>([&] { s.settimeout(thirds(14'000'000'000)); }, "timeout is too large"));
}

BOOST_AUTO_TEST_CASE(bad_default_timeouts_throw_invalid_argument_and_keep_the_default) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(1s);
  BOOST_TEST(throws<std::invalid_argument>([] { sockmode::setdefaulttimeout(-1ms); }, "timeout must not be negative"));
  BOOST_TEST(throws<std::invalid_argument>(
      [] { sockmode::setdefaulttimeout(std::chrono::duration<double>(not_a_number)); }, "timeout is NaN"));
  BOOST_TEST(throws<std::invalid_argument>(
      [] { sockmode::setdefaulttimeout(std::chrono::duration<float>(INFINITY)); }, "timeout is too large"));
  BOOST_TEST((sockmode::getdefaulttimeout() == timeout_type(1s)));
}

BOOST_AUTO_TEST_CASE(bad_timeouts_of_wait_select_resolve_and_create_connection_throw_invalid_argument) {
  auto pair = sockmode::socketpair();
  auto& a = pair.first;
  BOOST_TEST(throws<std::invalid_argument>([&] { a.wait(a.wait_read, -1ns); }, "timeout must not be negative"));
  error_code ec;
  BOOST_TEST(throws<std::invalid_argument>([&] { a.wait(a.wait_read, -1ns, ec); }, "timeout must not be negative"));
  sockmode::selector sel;
  BOOST_TEST(throws<std::invalid_argument>([&] { sel.select(-1ns); }, "timeout must not be negative"));
  BOOST_TEST(throws<std::invalid_argument>([&] { sockmode::resolve("127.0.0.1", "80", -1ns); },
                                           "timeout must not be negative"));
  BOOST_TEST(throws<std::invalid_argument>(
      [&] { sockmode::create_connection("127.0.0.1", "1", timeout_type(std::chrono::nanoseconds::max())); },
      "timeout is too large"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(unusable_sockets)

BOOST_AUTO_TEST_CASE(every_call_on_a_closed_socket_fails_with_bad_descriptor) {
  auto pair = sockmode::socketpair();
  auto& s = pair.first;
  auto& peer = pair.second;
  s.close();
  const error_code ebadf = asio::error::bad_descriptor;
  BOOST_TEST(!s.is_open());
  BOOST_TEST(s.native_handle() == -1);
  BOOST_TEST(fails_with([&] { s.recv(asio::buffer(byte)); }, ebadf, "recv: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.read_some(asio::buffer(byte)); }, ebadf, "read_some: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.send(asio::buffer(byte)); }, ebadf, "send: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.sendall(asio::buffer(byte)); }, ebadf, "sendall: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.write_some(asio::buffer(byte)); }, ebadf, "write_some: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.settimeout(1s); }, ebadf, "settimeout: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.setblocking(false); }, ebadf, "settimeout: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.set_deadline(test::clock::now()); }, ebadf, "set_read_deadline: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.cancel(); }, ebadf, "cancel: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.wait(s.wait_read, 0s); }, ebadf, "wait: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.shutdown(s.shutdown_both); }, ebadf, "shutdown: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.local_endpoint(); }, ebadf, "local_endpoint: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.remote_endpoint(); }, ebadf, "remote_endpoint: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.dup(); }, ebadf, "dup: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.connect(peer.local_endpoint()); }, ebadf, "connect"));
  BOOST_TEST(fails_with([&] { s.bind(test::temp_path().str()); }, ebadf, "bind"));
  error_code ec;
  s.close(ec);  // closing twice is harmless
  BOOST_TEST(!ec);
  BOOST_TEST((s.gettimeout() == timeout_type()));  // as it was: the failed settimeout changed nothing
}

BOOST_AUTO_TEST_CASE(a_moved_from_socket_is_closed_and_fails_with_bad_descriptor) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  sockmode::tcp::socket t = std::move(s);
  BOOST_TEST(t.is_open());
  BOOST_TEST(!s.is_open());
  BOOST_TEST(fails_with([&] { s.recv(asio::buffer(byte)); }, asio::error::bad_descriptor, "recv: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.settimeout(1s); }, asio::error::bad_descriptor, "settimeout: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.connect(test::loopback(1)); }, asio::error::bad_descriptor, "connect"));
  error_code ec;
  s.close(ec);
  BOOST_TEST(!ec);
  s = sockmode::tcp::socket(sockmode::tcp::protocol::v4());  // a moved-from object takes a new value
  BOOST_TEST(s.is_open());
}

BOOST_AUTO_TEST_CASE(io_on_an_unopened_socket_fails_with_not_connected_without_waiting) {
  sockmode::tcp::socket s;  // blocking mode: any wait would hang
  const error_code enotconn = asio::error::not_connected;
  BOOST_TEST(!s.is_open());
  BOOST_TEST(fails_with([&] { s.recv(asio::buffer(byte)); }, enotconn, "recv: Transport endpoint is not connected"));
  BOOST_TEST(fails_with([&] { s.send(asio::buffer(byte)); }, enotconn, "send: Transport endpoint is not connected"));
  BOOST_TEST(fails_with([&] { s.sendall(asio::buffer(byte)); }, enotconn, "sendall: Transport endpoint is not connected"));
  BOOST_TEST(fails_with([&] { s.wait(s.wait_read, std::nullopt); }, enotconn, "wait: Transport endpoint is not connected"));
  BOOST_TEST(fails_with([&] { s.shutdown(s.shutdown_both); }, enotconn, "shutdown: Transport endpoint is not connected"));
  BOOST_TEST(fails_with([&] { s.remote_endpoint(); }, enotconn, "remote_endpoint: Transport endpoint is not connected"));
  BOOST_TEST(fails_with([&] { s.dup(); }, asio::error::bad_descriptor, "dup: Bad file descriptor"));
  s.settimeout(1s);  // the mode is the object's: fine before it is open
  BOOST_TEST((s.gettimeout() == timeout_type(1s)));
}

BOOST_AUTO_TEST_CASE(every_call_after_release_fails_with_bad_descriptor) {
  auto pair = sockmode::socketpair();
  auto& s = pair.first;
  auto& peer = pair.second;
  auto released = s.release();
  BOOST_TEST(released.is_open());
  BOOST_TEST(!s.is_open());
  BOOST_TEST(fails_with([&] { s.recv(asio::buffer(byte)); }, asio::error::bad_descriptor, "recv: Bad file descriptor"));
  BOOST_TEST(fails_with([&] { s.settimeout(0s); }, asio::error::bad_descriptor, "settimeout: Bad file descriptor"));
  auto again = s.release();  // a second release hands back a closed Asio socket
  BOOST_TEST(!again.is_open());
  // The released socket is Asio's again, blocking as Asio's are, and still connected.
  BOOST_TEST(!released.native_non_blocking());
  peer.sendall(asio::buffer("x", 1));
  BOOST_TEST(released.read_some(asio::buffer(byte)) == 1u);
}

BOOST_AUTO_TEST_CASE(adopting_a_closed_asio_socket_gives_an_unopened_socket) {
  asio::io_context io;
  asio::ip::tcp::socket closed(io);
  sockmode::tcp::socket s(std::move(closed));
  BOOST_TEST(!s.is_open());
  BOOST_TEST(fails_with([&] { s.recv(asio::buffer(byte)); }, asio::error::not_connected, "recv"));
}

BOOST_AUTO_TEST_CASE(adopting_an_asio_socket_whose_descriptor_was_closed_behind_its_back_throws_bad_descriptor) {
  asio::io_context io;
  asio::ip::tcp::socket stale(io, asio::ip::tcp::v4());
  const int fd = stale.native_handle();
  ::close(fd);
  BOOST_TEST(fails_with([&] { sockmode::tcp::socket s(std::move(stale)); }, asio::error::bad_descriptor,
                        "socket: Bad file descriptor"));
}

BOOST_AUTO_TEST_CASE(adopting_a_bad_descriptor_throws_and_leaves_it_alone) {
  using v4 = sockmode::tcp::protocol;
  BOOST_TEST(fails_with([] { sockmode::tcp::socket s(v4::v4(), -1); }, asio::error::bad_descriptor, "socket: Bad file descriptor"));
  BOOST_TEST(fails_with([] { sockmode::tcp::socket s(v4::v4(), 1'000'000); }, asio::error::bad_descriptor, "socket"));
  int pipe_fds[2];
  BOOST_REQUIRE(::pipe(pipe_fds) == 0);
  BOOST_TEST(fails_with([&] { sockmode::tcp::socket s(v4::v4(), pipe_fds[0]); }, asio::error::not_socket,
                        "socket: Socket operation on non-socket"));
  BOOST_TEST(::fcntl(pipe_fds[0], F_GETFD) >= 0);  // still open: left alone
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  BOOST_TEST(fails_with([&] { sockmode::tcp::socket s(v4::v4(), udp); },
                        error_code(EPROTOTYPE, boost::system::system_category()), "socket: Protocol wrong type"));
  BOOST_TEST(fails_with([&] { sockmode::tcp::socket s(v4::v6(), udp); }, asio::error::address_family_not_supported,
                        "socket: Address family not supported"));
  BOOST_TEST(fails_with([&] { sockmode::tcp::socket::fromfd(udp, v4::v4()); },
                        error_code(EPROTOTYPE, boost::system::system_category()), "fromfd"));
  BOOST_TEST(fails_with([] { sockmode::tcp::socket::fromfd(-1, v4::v4()); }, asio::error::bad_descriptor, "fromfd: Bad file descriptor"));
  BOOST_TEST(::fcntl(udp, F_GETFD) >= 0);
  ::close(udp);
}

BOOST_AUTO_TEST_CASE(a_closed_or_moved_from_acceptor_fails_with_bad_descriptor) {
  sockmode::tcp::acceptor listener(test::loopback());
  listener.close();
  BOOST_TEST(fails_with([&] { listener.accept(); }, asio::error::bad_descriptor, "accept"));
  BOOST_TEST(fails_with([&] { listener.settimeout(1s); }, asio::error::bad_descriptor, "settimeout"));
  sockmode::tcp::acceptor other(test::loopback());
  sockmode::tcp::acceptor taken = std::move(other);
  BOOST_TEST(fails_with([&] { other.accept(); }, asio::error::bad_descriptor, "accept"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(arguments)

BOOST_DATA_TEST_CASE(an_endpoint_of_the_other_family_fails_with_the_kernels_error, test::loopbacks, address) {
  sockmode::tcp::acceptor listener(test::loopback(address));
  const bool v4 = address.is_v4();
  sockmode::tcp::socket s(v4 ? sockmode::tcp::protocol::v6() : sockmode::tcp::protocol::v4());
  s.settimeout(1s);
  // An IPv6 socket given an IPv4 endpoint: EINVAL (the address is too short); an IPv4 socket
  // given an IPv6 one: EAFNOSUPPORT.
  const error_code expected = v4 ? asio::error::invalid_argument : asio::error::address_family_not_supported;
  BOOST_TEST(fails_with([&] { s.connect(listener.local_endpoint()); }, expected, "connect"));
  BOOST_TEST(fails_with([&] { s.bind(test::loopback(address)); }, expected, "bind"));
  if (!v4) {
    // (An IPv6 UDP socket sends to an IPv4 endpoint as IPv4: the kernel's dual stack.)
    sockmode::udp::socket u(sockmode::udp::protocol::v4());
    BOOST_TEST(fails_with([&] { u.send_to(asio::buffer(byte), {address, 9}); }, expected, "send_to"));
  }
}

BOOST_AUTO_TEST_CASE(zero_length_buffers_return_zero_at_once_in_every_mode) {
  auto pair = sockmode::socketpair();
  auto& a = pair.first;
  auto& b = pair.second;
  for (const timeout_type mode : {timeout_type(), timeout_type(0s), timeout_type(5s)}) {
    a.settimeout(mode);
    const auto took = test::elapsed([&] {
      BOOST_TEST(a.recv(asio::buffer(byte, 0)) == 0u);
      BOOST_TEST(a.read_some(std::vector<asio::mutable_buffer>{}) == 0u);
      BOOST_TEST(a.send(asio::buffer(byte, 0)) == 0u);
      BOOST_TEST(a.sendall(std::vector<asio::const_buffer>(3)) == 0u);
    });
    BOOST_TEST(took.count() < 1.0);  // blocking mode would otherwise wait for ever
  }
  // More zero-length buffers than one syscall takes, then a real one: the data is read.
  b.sendall(asio::buffer("y", 1));
  std::vector<asio::mutable_buffer> shape(100);
  shape.push_back(asio::buffer(byte));
  a.settimeout(0s);
  BOOST_TEST(a.recv(shape) == 1u);
  BOOST_TEST(byte[0] == 'y');
}

BOOST_AUTO_TEST_CASE(a_non_blocking_sendall_of_more_buffers_than_one_syscall_takes_sends_them_all) {
  auto pair = sockmode::socketpair();
  auto& a = pair.first;
  a.settimeout(0s);
  const std::string text(200, 'z');
  std::vector<asio::const_buffer> pieces;
  for (char& c : const_cast<std::string&>(text)) pieces.push_back(asio::buffer(&c, 1));
  error_code ec;
  BOOST_TEST(a.sendall(pieces, ec) == 200u);  // there is room for all of it
  BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(a_datagram_of_more_buffers_than_one_syscall_takes_is_refused_whole_with_message_size) {
  auto pair = sockmode::socketpair(asio::local::datagram_protocol());
  auto& a = pair.first;
  auto& b = pair.second;
  std::string text(65, 'd');
  std::vector<asio::const_buffer> pieces;
  for (char& c : text) pieces.push_back(asio::buffer(&c, 1));
  BOOST_TEST(fails_with([&] { a.send(pieces); }, asio::error::message_size, "send: Message too long"));
  BOOST_TEST(fails_with([&] { a.sendall(pieces); }, asio::error::message_size, "sendall"));
  b.settimeout(0s);
  error_code ec;
  b.recv(asio::buffer(byte), ec);
  BOOST_TEST(ec == asio::error::would_block);  // nothing was sent, not even a part
  pieces.pop_back();
  BOOST_TEST(a.send(pieces) == 64u);  // 64 is fine
}

BOOST_AUTO_TEST_CASE(a_wait_type_that_names_nothing_fails_with_invalid_argument_at_once) {
  auto pair = sockmode::socketpair();
  auto& a = pair.first;
  auto& b = pair.second;
  const auto bogus = static_cast<sockmode::local::stream_socket::wait_type>(3);  // in the enum's range, naming nothing
  BOOST_TEST(fails_with([&] { a.wait(bogus, std::nullopt); }, asio::error::invalid_argument, "wait: Invalid argument"));
  b.sendall(asio::buffer("x", 1));  // readable: still refused, not taken for wait_read
  BOOST_TEST(fails_with([&] { a.wait(bogus, 0s); }, asio::error::invalid_argument, "wait: Invalid argument"));
  sockmode::tcp::acceptor listener(test::loopback());
  BOOST_TEST(fails_with([&] { listener.wait(bogus, std::nullopt); }, asio::error::invalid_argument, "wait"));
}

BOOST_AUTO_TEST_CASE(selector_masks_that_name_nothing_and_registering_twice_are_errors) {
  auto pair = sockmode::socketpair();
  auto& a = pair.first;
  auto& b = pair.second;
  sockmode::selector sel;
  BOOST_TEST(fails_with([&] { sel.add(a, 0); }, asio::error::invalid_argument, "select"));
  error_code ec;
  sel.add(a, 0, nullptr, ec);
  BOOST_TEST(ec == asio::error::invalid_argument);
  sel.add(a, 4, nullptr, ec);
  BOOST_TEST(ec == asio::error::invalid_argument);
  sel.add(a, sockmode::selector::event_read, nullptr, ec);
  BOOST_TEST(!ec);
  sel.add(a, sockmode::selector::event_read, nullptr, ec);
  BOOST_TEST((ec == std::errc::file_exists));
  sel.modify(b, sockmode::selector::event_read, nullptr, ec);
  BOOST_TEST((ec == std::errc::no_such_file_or_directory));
  sockmode::local::stream_socket unopened;
  sel.add(unopened, sockmode::selector::event_read, nullptr, ec);
  BOOST_TEST(ec == asio::error::bad_descriptor);
}

BOOST_AUTO_TEST_CASE(a_host_or_service_with_a_nul_fails_with_invalid_argument) {
  error_code ec;
  sockmode::resolve(std::string("127.0.0.1\0.evil", 15), "80", 0s, ec);
  BOOST_TEST(ec == asio::error::invalid_argument);
  sockmode::resolve("127.0.0.1", std::string("80\0", 3), 0s, ec);
  BOOST_TEST(ec == asio::error::invalid_argument);
  sockmode::resolve(std::string("localhost\0.evil", 15), "80", 1s, ec);  // a name would reach getaddrinfo
  BOOST_TEST(ec == asio::error::invalid_argument);
  BOOST_TEST(fails_with([] { sockmode::resolve(std::string("127.0.0.1\0x", 11), "80", 0s); }, asio::error::invalid_argument,
                        "resolve 127.0.0.1\\0x:80: Invalid argument"));  // the NUL shown, not cut at
}

// Asio's parser reads an IPv6 scope that names no interface as scope 0; getaddrinfo refuses
// it. Such a host is not numeric, so non-blocking mode does not resolve it.
BOOST_AUTO_TEST_CASE(an_ipv6_scope_that_names_no_interface_is_not_taken_for_a_numeric_address) {
  error_code ec;
  sockmode::resolve("::1%no-such-interface", "80", 0s, ec);
  BOOST_TEST(ec == asio::error::would_block);
  sockmode::resolve("::1%99999999999", "80", 0s, ec);  // more than atoi can hold
  BOOST_TEST(ec == asio::error::would_block);
  // An interface's name or a number is numeric (Asio keeps the scope of link-local addresses).
  const auto link_local = sockmode::resolve("fe80::1%lo", "80", 0s);
  BOOST_TEST(link_local.begin()->endpoint().address().to_v6().scope_id() > 0u);
  BOOST_TEST(sockmode::resolve("fe80::1%7", "80", 0s).begin()->endpoint().address().to_v6().scope_id() == 7u);
}

BOOST_AUTO_TEST_CASE(dualstack_on_an_ipv4_endpoint_throws_invalid_argument) {
  sockmode::create_server_options options;
  options.dualstack_ipv6 = true;
  BOOST_TEST(throws<std::invalid_argument>([&] { sockmode::create_server(test::loopback(), options); },
                                           "create_server: dualstack_ipv6 requires an IPv6 endpoint"));
}

BOOST_AUTO_TEST_CASE(a_unix_path_too_long_for_sun_path_throws_name_too_long_from_asio) {
  const std::string path(108, 'p');  // sun_path holds 107 bytes and the NUL
  try {
    asio::local::stream_protocol::endpoint e(path);
    BOOST_TEST(false);
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code() == asio::error::name_too_long);
  }
  asio::local::stream_protocol::endpoint longest(path.substr(1));
  sockmode::local::stream_socket s;
  error_code ec;
  s.connect(longest, ec);  // a path that fits but names nothing: the kernel's ENOENT
  BOOST_TEST((ec == std::errc::no_such_file_or_directory));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(threads_and_deadlines)

// Mode changes from several threads while another does I/O: every call runs in one of the
// modes set, nothing crashes or races (the TSan pass runs this), and the last change stays.
BOOST_AUTO_TEST_CASE(concurrent_mode_changes_are_safe_and_each_call_sees_one_mode) {
  auto pair = sockmode::socketpair();
  auto& a = pair.first;
  a.settimeout(0s);
  std::atomic<bool> stop{false};
  std::vector<std::thread> changers;
  for (int t = 0; t < 3; ++t) {
    changers.emplace_back([&a, &stop, t] {
      for (int i = 0; !stop.load(); ++i) {
        switch ((i + t) % 3) {
          case 0: a.settimeout(0s); break;
          case 1: a.settimeout(1ms); break;
          default: a.setblocking(false);
        }
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    error_code ec;
    a.recv(asio::buffer(byte), ec);  // never blocks for ever: every mode set here ends it
    BOOST_TEST((ec == asio::error::would_block || ec == sockmode::error::timeout));
  }
  stop = true;
  for (auto& t : changers) t.join();
  a.settimeout(2s);
  BOOST_TEST((a.gettimeout() == timeout_type(2s)));
}

BOOST_AUTO_TEST_CASE(a_deadline_in_the_past_fails_calls_in_its_direction_at_once_with_timeout) {
  auto pair = sockmode::socketpair();
  auto& a = pair.first;
  auto& b = pair.second;
  b.sendall(asio::buffer("x", 1));
  a.set_read_deadline(test::clock::now() - 1s);
  BOOST_TEST(fails_with([&] { a.recv(asio::buffer(byte)); }, sockmode::error::timeout, "recv"));  // data is there
  a.set_read_deadline(test::clock::time_point::min());
  BOOST_TEST(fails_with([&] { a.recv(asio::buffer(byte)); }, sockmode::error::timeout, "recv"));
  BOOST_TEST(a.send(asio::buffer("y", 1)) == 1u);  // writes are not affected
  a.set_read_deadline(test::clock::time_point::max());  // as nullopt: none
  BOOST_TEST(!a.read_deadline());
  BOOST_TEST(a.recv(asio::buffer(byte)) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
