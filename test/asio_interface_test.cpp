// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Asio's construction and members on basic_socket and basic_acceptor (basic_socket.hpp,
// basic_acceptor.hpp): the lines Asio's own examples use, with only the type changed.
#include <sockmode/basic_socket.hpp>
#include <sockmode/basic_acceptor.hpp>

#include "support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/unicast.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <string>
#include <type_traits>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

namespace {

template <class T, class = void>
struct has_next_layer : std::false_type {};
template <class T>
struct has_next_layer<T, std::void_t<decltype(std::declval<T&>().next_layer())>>
    : std::true_type {};

// Beast's get_lowest_layer follows next_layer(): none may lead past the sockmode object.
static_assert(!has_next_layer<sockmode::tcp::socket>::value);
static_assert(!has_next_layer<sockmode::udp::socket>::value);
static_assert(!has_next_layer<sockmode::local::stream_socket>::value);
static_assert(!has_next_layer<sockmode::tcp::acceptor>::value);
static_assert(std::is_same_v<sockmode::tcp::socket::lowest_layer_type, sockmode::tcp::socket>);
static_assert(std::is_same_v<sockmode::tcp::socket::executor_type, asio::any_io_executor>);
// Asio's overloads resolve as they do for Asio's types: a context, an executor, a protocol.
static_assert(std::is_constructible_v<sockmode::tcp::socket, asio::io_context&>);
static_assert(std::is_constructible_v<sockmode::tcp::socket, asio::io_context::executor_type>);
static_assert(!std::is_convertible_v<asio::io_context&, sockmode::tcp::socket>);  // explicit
static_assert(!std::is_constructible_v<sockmode::tcp::socket, int>);

asio::execution_context& context_of(const asio::any_io_executor& executor) {
  return asio::query(executor, asio::execution::context);
}

bool descriptor_is_non_blocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_socket_made_from_an_io_context_is_closed_and_carries_that_context) {
  asio::io_context ioc;
  sockmode::tcp::socket s(ioc);
  BOOST_TEST(!s.is_open());
  BOOST_TEST(&context_of(s.get_executor()) == &ioc);
  sockmode::tcp::socket from_executor(ioc.get_executor());
  BOOST_TEST(&context_of(from_executor.get_executor()) == &ioc);
  // The context is never run: a connect still completes on the calling thread.
  sockmode::tcp::acceptor listener(test::loopback());
  s.connect(listener.local_endpoint());
  BOOST_TEST(s.is_open());
  BOOST_TEST(ioc.poll() == 0u);
}

BOOST_AUTO_TEST_CASE(a_socket_made_from_a_context_and_a_protocol_is_open_in_the_default_mode) {
  test::default_timeout_guard guard;
  sockmode::setdefaulttimeout(250ms);
  asio::io_context ioc;
  sockmode::tcp::socket s(ioc, asio::ip::tcp::v6());
  BOOST_TEST(s.is_open());
  BOOST_TEST(s.local_endpoint().address().is_v6());
  BOOST_TEST(s.gettimeout() == sockmode::timeout_type(250ms));
  BOOST_TEST(descriptor_is_non_blocking(s.native_handle()));
}

BOOST_AUTO_TEST_CASE(a_socket_made_from_a_context_and_an_endpoint_is_bound_to_it) {
  asio::io_context ioc;
  sockmode::udp::socket receiver(ioc, sockmode::udp::endpoint(asio::ip::address_v4::loopback(), 0));
  const auto at = receiver.local_endpoint();
  BOOST_TEST(at.address() == asio::ip::address(asio::ip::address_v4::loopback()));
  BOOST_TEST(at.port() != 0);
  sockmode::udp::socket sender(ioc, sockmode::udp::endpoint(sockmode::udp::protocol::v4(), 0));
  sender.send_to(asio::buffer("ping", 4), at);
  char data[8] = {};
  sockmode::udp::endpoint from;
  receiver.settimeout(5s);
  BOOST_TEST(receiver.receive_from(asio::buffer(data), from) == 4u);
  BOOST_TEST(from.port() == sender.local_endpoint().port());
}

BOOST_AUTO_TEST_CASE(a_socket_made_from_an_endpoint_in_use_throws_and_leaks_no_descriptor) {
  asio::io_context ioc;
  sockmode::tcp::acceptor taken(test::loopback());
  sockmode::tcp::socket first(ioc);  // Asio's reactor for `ioc`: descriptors of its own
  const int before = test::open_descriptors();
  BOOST_CHECK_THROW(sockmode::tcp::socket(ioc, taken.local_endpoint()), sockmode::io_error);
  BOOST_TEST(test::open_descriptors() == before);
}

BOOST_AUTO_TEST_CASE(a_socket_made_from_a_context_a_protocol_and_a_descriptor_adopts_it) {
  asio::io_context ioc;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  sockmode::tcp::socket s(ioc, asio::ip::tcp::v4(), fd);
  BOOST_TEST(s.native_handle() == fd);
  BOOST_TEST(descriptor_is_non_blocking(fd));
  BOOST_TEST(&context_of(s.get_executor()) == &ioc);
  const int datagram = ::socket(AF_INET, SOCK_DGRAM, 0);
  BOOST_CHECK_THROW(sockmode::tcp::socket(ioc, asio::ip::tcp::v4(), datagram), sockmode::io_error);
  ::close(datagram);
}

BOOST_AUTO_TEST_CASE(an_acceptor_made_in_braces_from_a_context_and_an_address_listens) {
  asio::io_context ioc;
  sockmode::tcp::acceptor a{ioc, {asio::ip::address_v4::loopback(), 0}};
  BOOST_TEST(a.is_open());
  asio::socket_base::reuse_address reuse;
  a.get_option(reuse);
  BOOST_TEST(reuse.value());  // as Asio's (context, endpoint) constructor
  BOOST_TEST(&context_of(a.get_executor()) == &ioc);
  sockmode::tcp::socket client;
  client.connect(a.local_endpoint());
  sockmode::tcp::socket peer(ioc);
  sockmode::tcp::endpoint from;
  a.accept(peer, from);
  BOOST_TEST(peer.is_open());
  BOOST_TEST(from == client.local_endpoint());
  BOOST_TEST(peer.remote_endpoint() == client.local_endpoint());
  BOOST_TEST(&context_of(peer.get_executor()) == &ioc);  // the socket's own, kept
  client.sendall(asio::buffer("hi", 2));
  char data[2];
  BOOST_TEST(peer.recv(asio::buffer(data)) == 2u);
}

BOOST_AUTO_TEST_CASE(an_acceptor_made_without_reuse_address_does_not_set_it) {
  asio::io_context ioc;
  sockmode::tcp::acceptor a(ioc, test::loopback(), false);
  asio::socket_base::reuse_address reuse;
  a.get_option(reuse);
  BOOST_TEST(!reuse.value());
}

BOOST_AUTO_TEST_CASE(an_acceptor_opened_bound_and_listening_step_by_step_accepts) {
  asio::io_context ioc;
  sockmode::tcp::acceptor a(ioc);
  BOOST_TEST(!a.is_open());
  error_code ec;
  a.set_option(asio::socket_base::reuse_address(true), ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
  a.listen(5, ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
  a.open(asio::ip::tcp::v4());
  a.open(asio::ip::tcp::v4(), ec);
  BOOST_TEST((ec == asio::error::already_open), ec.message());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(test::loopback());
  a.listen();
  sockmode::tcp::socket client;
  client.connect(a.local_endpoint());
  sockmode::tcp::socket peer(ioc);
  a.accept(peer);
  BOOST_TEST(peer.remote_endpoint() == client.local_endpoint());
}

BOOST_AUTO_TEST_CASE(an_acceptor_made_from_a_listening_descriptor_adopts_it) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  const sockmode::tcp::endpoint any = test::loopback();
  BOOST_REQUIRE(::bind(fd, any.data(), static_cast<socklen_t>(any.size())) == 0);
  BOOST_REQUIRE(::listen(fd, 4) == 0);
  asio::io_context ioc;
  sockmode::tcp::acceptor a(ioc, asio::ip::tcp::v4(), fd);
  BOOST_TEST(a.native_handle() == fd);
  BOOST_TEST(descriptor_is_non_blocking(fd));
  a.settimeout(100ms);
  sockmode::tcp::socket peer;
  BOOST_CHECK_THROW(a.accept(peer), sockmode::timeout_error);  // its mode, not the flag's
  sockmode::tcp::socket client;
  client.connect(a.local_endpoint());
  a.settimeout(5s);
  a.accept(peer);
  BOOST_TEST(peer.remote_endpoint() == client.local_endpoint());
  const int datagram = ::socket(AF_INET, SOCK_DGRAM, 0);
  BOOST_CHECK_THROW(sockmode::tcp::acceptor(ioc, asio::ip::tcp::v4(), datagram),
                    sockmode::io_error);
  ::close(datagram);
}

BOOST_AUTO_TEST_CASE(accept_into_a_socket_takes_the_default_timeout_not_the_sockets_mode) {
  test::default_timeout_guard guard;
  sockmode::tcp::acceptor a(test::loopback());
  sockmode::tcp::socket client;
  client.connect(a.local_endpoint());
  sockmode::setdefaulttimeout(300ms);
  asio::io_context ioc;
  sockmode::tcp::socket peer(ioc);
  peer.settimeout(7s);
  a.settimeout(2s);
  a.accept(peer);
  BOOST_TEST(peer.gettimeout() == sockmode::timeout_type(300ms));
}

BOOST_AUTO_TEST_CASE(accept_into_an_open_socket_fails_and_leaves_the_connection_queued) {
  sockmode::tcp::acceptor a(test::loopback());
  sockmode::tcp::socket client;
  client.connect(a.local_endpoint());
  sockmode::tcp::socket open(asio::ip::tcp::v4());
  const int fd = open.native_handle();
  error_code ec;
  a.accept(open, ec);
  BOOST_TEST((ec == asio::error::already_open), ec.message());
  BOOST_TEST(open.native_handle() == fd);
  a.settimeout(5s);
  sockmode::tcp::socket fresh;
  a.accept(fresh);
  BOOST_TEST(fresh.remote_endpoint() == client.local_endpoint());
}

BOOST_AUTO_TEST_CASE(accept_into_a_socket_times_out_in_timeout_mode_and_leaves_it_closed) {
  sockmode::tcp::acceptor a(test::loopback());
  a.settimeout(200ms);
  sockmode::tcp::socket peer;
  const auto took = test::elapsed([&] {
    BOOST_CHECK_THROW(a.accept(peer), sockmode::timeout_error);
  });
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 5.0);
  BOOST_TEST(!peer.is_open());
  error_code ec;
  a.setblocking(false);
  a.accept(peer, ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
}

BOOST_AUTO_TEST_CASE(socket_options_round_trip_with_asio_conventions) {
  auto [client, server] = test::connected_pair();
  client.set_option(asio::ip::tcp::no_delay(true));
  asio::ip::tcp::no_delay no_delay;
  client.get_option(no_delay);
  BOOST_TEST(no_delay.value());
  client.set_option(asio::ip::tcp::no_delay(false));
  client.get_option(no_delay);
  BOOST_TEST(!no_delay.value());
  // Linux doubles the size it is given; Asio reads it back halved, and so does sockmode.
  server.set_option(asio::socket_base::receive_buffer_size(64 << 10));
  asio::socket_base::receive_buffer_size size;
  server.get_option(size);
  BOOST_TEST(size.value() == (64 << 10));
  asio::socket_base::linger linger(true, 3);
  server.set_option(linger);
  asio::socket_base::linger read_back;
  server.get_option(read_back);
  BOOST_TEST(read_back.enabled());
  BOOST_TEST(read_back.timeout() == 3);
}

BOOST_DATA_TEST_CASE(options_reach_a_socket_adopted_from_asio_with_its_family, test::loopbacks,
                     address) {
  asio::io_context ioc;
  asio::ip::tcp::socket raw(ioc, test::loopback(address).protocol());
  sockmode::tcp::socket s(std::move(raw));
  asio::ip::unicast::hops hops(17);
  s.set_option(hops);
  asio::ip::unicast::hops read_back;
  s.get_option(read_back);
  BOOST_TEST(read_back.value() == 17);
}

BOOST_AUTO_TEST_CASE(options_on_a_socket_that_is_not_open_fail_with_bad_descriptor) {
  sockmode::tcp::socket never_opened;
  error_code ec;
  never_opened.set_option(asio::ip::tcp::no_delay(true), ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
  asio::ip::tcp::no_delay no_delay;
  never_opened.get_option(no_delay, ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
  sockmode::tcp::socket closed(asio::ip::tcp::v4());
  closed.close();
  BOOST_CHECK_THROW(closed.set_option(asio::ip::tcp::no_delay(true)), sockmode::io_error);
  BOOST_CHECK_THROW(closed.available(), sockmode::io_error);
}

BOOST_AUTO_TEST_CASE(available_and_bytes_readable_count_the_queued_bytes) {
  auto [client, server] = test::connected_pair();
  BOOST_TEST(server.available() == 0u);
  client.sendall(asio::buffer("hello", 5));
  server.wait(asio::socket_base::wait_read, 5s);
  BOOST_TEST(server.available() == 5u);
  asio::socket_base::bytes_readable command;
  server.io_control(command);
  BOOST_TEST(command.get() == 5u);
}

BOOST_AUTO_TEST_CASE(io_control_refuses_to_clear_the_descriptors_non_blocking_flag) {
  auto [client, server] = test::connected_pair();
  // Asio's non_blocking_io command (FIONBIO), which this Boost still declares.
  struct non_blocking_io {
    int value = 0;
    int name() const { return static_cast<int>(FIONBIO); }
    void* data() { return &value; }
  } command;
  error_code ec;
  client.io_control(command, ec);
  BOOST_TEST((ec == asio::error::operation_not_supported), ec.message());
  BOOST_TEST(descriptor_is_non_blocking(client.native_handle()));
  sockmode::tcp::acceptor listener(test::loopback());
  listener.io_control(command, ec);
  BOOST_TEST((ec == asio::error::operation_not_supported), ec.message());
  BOOST_TEST(descriptor_is_non_blocking(listener.native_handle()));
}

BOOST_AUTO_TEST_CASE(non_blocking_true_is_non_blocking_mode_and_false_is_blocking_mode) {
  auto [client, server] = test::connected_pair();
  server.settimeout(5s);
  BOOST_TEST(!server.non_blocking());
  BOOST_TEST(server.native_non_blocking());
  server.non_blocking(true);
  BOOST_TEST(server.non_blocking());
  BOOST_TEST(server.gettimeout() == sockmode::timeout_type(0s));
  char byte;
  error_code ec;
  server.read_some(asio::buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
  server.non_blocking(false, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(!server.gettimeout().has_value());  // blocking, not the earlier timeout
  BOOST_TEST(descriptor_is_non_blocking(server.native_handle()));
  server.close();
  server.non_blocking(true, ec);
  BOOST_TEST((ec == asio::error::bad_descriptor), ec.message());
  sockmode::tcp::acceptor listener(test::loopback());
  listener.non_blocking(true);
  sockmode::tcp::socket peer;
  listener.accept(peer, ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());
}

BOOST_AUTO_TEST_CASE(a_closed_socket_opened_again_keeps_its_mode_and_deadlines) {
  sockmode::tcp::socket s(asio::ip::tcp::v4());
  s.settimeout(1500ms);
  const auto deadline = std::chrono::steady_clock::now() + 1h;
  s.set_read_deadline(deadline);
  error_code ec;
  s.open(asio::ip::tcp::v4(), ec);
  BOOST_TEST((ec == asio::error::already_open), ec.message());
  s.close();
  BOOST_TEST(!s.is_open());
  s.open(asio::ip::tcp::v6());
  BOOST_TEST(s.is_open());
  BOOST_TEST(s.gettimeout() == sockmode::timeout_type(1500ms));
  BOOST_TEST((s.read_deadline() == deadline));
  BOOST_TEST(s.local_endpoint().address().is_v6());
  sockmode::tcp::acceptor listener(test::loopback(asio::ip::address_v6::loopback()));
  s.connect(listener.local_endpoint());
  BOOST_TEST(s.remote_endpoint() == listener.local_endpoint());
}

BOOST_AUTO_TEST_CASE(assign_adopts_a_descriptor_into_a_socket_that_is_not_open) {
  asio::io_context ioc;
  sockmode::tcp::socket s(ioc);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  s.assign(asio::ip::tcp::v4(), fd);
  BOOST_TEST(s.native_handle() == fd);
  BOOST_TEST(descriptor_is_non_blocking(fd));
  const int other = ::socket(AF_INET, SOCK_STREAM, 0);
  error_code ec;
  s.assign(asio::ip::tcp::v4(), other, ec);
  BOOST_TEST((ec == asio::error::already_open), ec.message());
  ::close(other);
}

BOOST_AUTO_TEST_CASE(a_closed_acceptor_opened_again_listens_in_its_mode) {
  asio::io_context ioc;
  sockmode::tcp::acceptor a(ioc, test::loopback());
  a.settimeout(100ms);
  a.close();
  a.open(asio::ip::tcp::v4());
  a.bind(test::loopback());
  a.listen();
  BOOST_TEST(a.gettimeout() == sockmode::timeout_type(100ms));
  sockmode::tcp::socket peer;
  BOOST_CHECK_THROW(a.accept(peer), sockmode::timeout_error);
}

BOOST_AUTO_TEST_CASE(lowest_layer_is_the_sockmode_socket_itself) {
  sockmode::tcp::socket s;
  BOOST_TEST(&s.lowest_layer() == &s);
  const sockmode::tcp::socket& c = s;
  BOOST_TEST(&c.lowest_layer() == &s);
}

BOOST_AUTO_TEST_CASE(asio_socket_and_asio_acceptor_give_the_same_descriptor) {
  auto [client, server] = test::connected_pair();
  BOOST_TEST(client.asio_socket().native_handle() == client.native_handle());
  sockmode::tcp::acceptor a(test::loopback());
  BOOST_TEST(a.asio_acceptor().native_handle() == a.native_handle());
}

BOOST_AUTO_TEST_CASE(unix_stream_sockets_and_acceptors_take_asios_constructors) {
  const std::string path = "/tmp/sockmode_asio_interface_" + std::to_string(::getpid());
  ::unlink(path.c_str());
  asio::io_context ioc;
  sockmode::local::stream_acceptor a(ioc, asio::local::stream_protocol::endpoint(path));
  sockmode::local::stream_socket client(ioc, asio::local::stream_protocol());
  client.connect(asio::local::stream_protocol::endpoint(path));
  sockmode::local::stream_socket peer(ioc);
  a.accept(peer);
  client.sendall(asio::buffer("x", 1));
  char byte = 0;
  peer.settimeout(5s);
  BOOST_TEST(peer.recv(asio::buffer(&byte, 1)) == 1u);
  BOOST_TEST(byte == 'x');
  ::unlink(path.c_str());
}
