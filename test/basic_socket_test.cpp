// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// basic_socket: the three modes, and the descriptor beneath them (its flags, adoption, release).

#include <sockmode/basic_socket.hpp>

#include "basic_socket_helpers.hpp"

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <limits>

BOOST_AUTO_TEST_SUITE(modes)

BOOST_AUTO_TEST_CASE(new_socket_without_default_is_blocking) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::socket s;
  BOOST_TEST(!s.gettimeout().has_value());
  BOOST_TEST(s.getblocking());
}

BOOST_AUTO_TEST_CASE(settimeout_zero_and_setblocking_false_mean_non_blocking) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.settimeout(0s);
  BOOST_TEST((s.gettimeout() == 0ns));
  BOOST_TEST(!s.getblocking());
  s.setblocking(true);
  BOOST_TEST(!s.gettimeout().has_value());
  s.setblocking(false);
  BOOST_TEST((s.gettimeout() == 0ns));
  s.settimeout(std::nullopt);
  BOOST_TEST(s.getblocking());
}

BOOST_AUTO_TEST_CASE(positive_timeout_is_timeout_mode_and_still_reports_blocking) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.settimeout(250ms);
  BOOST_TEST((s.gettimeout() == 250ms));
  BOOST_TEST(s.getblocking());  // CPython: getblocking() == (gettimeout() != 0)
}

BOOST_AUTO_TEST_CASE(invalid_timeouts_are_rejected_and_keep_the_mode) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.settimeout(250ms);
  BOOST_CHECK_THROW(s.settimeout(-1ms), std::invalid_argument);
  BOOST_CHECK_THROW(s.settimeout(sockmode::timeout_type(-1ns)), std::invalid_argument);
  BOOST_CHECK_THROW(s.settimeout(std::chrono::nanoseconds::max()), std::invalid_argument);
  BOOST_CHECK_THROW(s.settimeout(std::chrono::hours::max()), std::invalid_argument);
  BOOST_CHECK_THROW(s.settimeout(std::chrono::duration<double>(std::nan(""))),
                    std::invalid_argument);
  BOOST_CHECK_THROW(
      s.settimeout(std::chrono::duration<double>(std::numeric_limits<double>::infinity())),
      std::invalid_argument);
  BOOST_TEST((s.gettimeout() == 250ms));
}

BOOST_AUTO_TEST_CASE(tiny_floating_timeout_rounds_up_instead_of_becoming_non_blocking) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.settimeout(std::chrono::duration<double>(1e-10));
  BOOST_TEST((s.gettimeout() == 1ns));
  BOOST_TEST(s.getblocking());
}

BOOST_AUTO_TEST_CASE(floating_timeouts_convert_exactly_as_cpython_does) {
  // CPython multiplies the float seconds by 1e9 in double and rounds up: 0.1 s is exactly
  // 100000000 ns there, although 0.1 * 1e9 in long double is a little more than that.
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  using fsec = std::chrono::duration<double>;
  s.settimeout(fsec(0.1));
  BOOST_TEST((s.gettimeout() == 100000000ns));
  s.settimeout(fsec(0.2));
  BOOST_TEST((s.gettimeout() == 200000000ns));
  s.settimeout(fsec(1.1));
  BOOST_TEST((s.gettimeout() == 1100000000ns));
  s.settimeout(fsec(0.3));
  BOOST_TEST((s.gettimeout() == 300000000ns));
  s.settimeout(fsec(5e-324));  // the smallest double still rounds up to 1 ns
  BOOST_TEST((s.gettimeout() == 1ns));
  s.settimeout(fsec(1.5e-9));
  BOOST_TEST((s.gettimeout() == 2ns));
  s.settimeout(std::chrono::duration<double, std::milli>(100.1));
  BOOST_TEST((s.gettimeout() == 100100000ns));
  s.settimeout(std::chrono::duration<float>(0.25f));
  BOOST_TEST((s.gettimeout() == 250000000ns));
  s.settimeout(std::chrono::duration<double, std::ratio<60>>(0.5));
  BOOST_TEST((s.gettimeout() == 30s));
}

BOOST_AUTO_TEST_CASE(descriptor_is_non_blocking_in_every_mode) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  for (const sockmode::timeout_type t : {sockmode::timeout_type(), sockmode::timeout_type(0ns),
                                         sockmode::timeout_type(1s)}) {
    s.settimeout(t);
    BOOST_TEST((::fcntl(s.native_handle(), F_GETFL) & O_NONBLOCK) != 0);
  }
}

BOOST_DATA_TEST_CASE(descriptors_sockmode_creates_are_close_on_exec_as_in_cpython,
                     loopbacks, address) {
  sockmode::tcp::acceptor listener(loopback(address));
  sockmode::tcp::socket opened(loopback(address).protocol());
  sockmode::tcp::socket connected;
  connected.connect(listener.local_endpoint());
  sockmode::tcp::socket accepted = listener.accept();
  for (const int fd : {listener.native_handle(), opened.native_handle(),
                       connected.native_handle(), accepted.native_handle()}) {
    BOOST_TEST((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    BOOST_TEST((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  }
}

BOOST_DATA_TEST_CASE(asio_socket_of_an_accepted_socket_is_the_same_descriptor_with_its_options,
                     loopbacks, address) {
  auto [client, server] = connected_pair(address);
  const int fd = server.native_handle();
  server.asio_socket().set_option(boost::asio::ip::tcp::no_delay(true));
  BOOST_TEST(server.asio_socket().native_handle() == fd);
  boost::asio::ip::tcp::no_delay option;
  server.asio_socket().get_option(option);
  BOOST_TEST(option.value());
  server.close();  // closes the descriptor once, through the Asio object
  BOOST_TEST(!server.is_open());
  BOOST_TEST(server.native_handle() == -1);
}

BOOST_DATA_TEST_CASE(released_socket_sockmode_opened_is_a_working_blocking_asio_socket,
                     loopbacks, address) {
  auto [client, server] = connected_pair(address);
  boost::asio::ip::tcp::socket raw = client.release();
  BOOST_TEST(raw.is_open());
  BOOST_TEST((::fcntl(raw.native_handle(), F_GETFL) & O_NONBLOCK) == 0);
  server.sendall(buffer("r", 1));
  char byte = 0;
  BOOST_TEST(raw.read_some(buffer(&byte, 1)) == 1u);  // Asio's own blocking read
  BOOST_TEST(byte == 'r');
  BOOST_TEST(!client.is_open());
}

BOOST_AUTO_TEST_CASE(closing_through_asio_socket_never_lets_close_hit_a_reused_descriptor) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.asio_socket().close();  // against the rules, but it must not cost someone else's descriptor
  BOOST_TEST(!s.is_open());
  const int other = ::socket(AF_INET, SOCK_DGRAM, 0);  // likely the number just freed
  BOOST_REQUIRE(other >= 0);
  s.close();
  BOOST_TEST(::fcntl(other, F_GETFD) != -1);  // still open
  ::close(other);
}

BOOST_DATA_TEST_CASE(a_descriptor_opened_through_asio_socket_is_the_one_bind_uses,
                     loopbacks, address) {
  sockmode::tcp::socket s;
  s.asio_socket().open(loopback(address).protocol());
  s.asio_socket().set_option(boost::asio::socket_base::reuse_address(true));
  s.bind(loopback(address));
  BOOST_TEST(s.native_handle() == s.asio_socket().native_handle());
  boost::asio::socket_base::reuse_address option;
  s.asio_socket().get_option(option);
  BOOST_TEST(option.value());
  BOOST_TEST(s.local_endpoint().port() != 0);
}

BOOST_DATA_TEST_CASE(sendall_of_nothing_still_reports_a_closed_or_unopened_socket,
                     loopbacks, address) {
  error_code ec;
  sockmode::tcp::socket unopened;
  unopened.sendall(boost::asio::const_buffer(), ec);
  BOOST_TEST((ec == asio_error::not_connected));
  auto [client, server] = connected_pair(address);
  BOOST_TEST(client.sendall(boost::asio::const_buffer(), ec) == 0u);
  BOOST_TEST(!ec);
  client.close();
  client.sendall(boost::asio::const_buffer(), ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
}

BOOST_AUTO_TEST_CASE(existing_socket_keeps_its_mode_when_the_default_changes) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::socket before;
  sockmode::setdefaulttimeout(300ms);
  sockmode::tcp::socket after;
  BOOST_TEST(!before.gettimeout().has_value());
  BOOST_TEST((after.gettimeout() == 300ms));
}

BOOST_DATA_TEST_CASE(adopted_asio_socket_gets_modes_and_is_released_back_usable,
                     loopbacks, address) {
  boost::asio::io_context user_context;  // sockmode never runs it
  sockmode::tcp::acceptor listener(loopback(address));
  boost::asio::ip::tcp::socket raw(user_context);
  raw.connect(listener.local_endpoint());
  sockmode::tcp::socket peer = listener.accept();

  sockmode::tcp::socket adopted(std::move(raw));
  BOOST_TEST(!adopted.gettimeout().has_value());
  adopted.settimeout(100ms);
  char byte = 0;
  error_code ec;
  adopted.recv(buffer(&byte, 1), ec);
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(user_context.poll() == 0u);  // nothing was queued on the user's context

  boost::asio::ip::tcp::socket back = adopted.release();
  BOOST_TEST(back.is_open());
  BOOST_TEST(!back.non_blocking());  // Asio's ordinary blocking behaviour again
  adopted.recv(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));  // released: this object is closed

  // The released socket works with Asio's own async machinery on the user's context.
  peer.sendall(buffer("a", 1));
  std::size_t got = 0;
  back.async_read_some(buffer(&byte, 1), [&](const error_code& e, std::size_t n) {
    if (!e) got = n;
  });
  user_context.restart();  // poll() above ran out of work and stopped it
  user_context.run_for(2s);
  BOOST_TEST(got == 1u);
  BOOST_TEST(byte == 'a');
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(wait_without_a_timeout_waits_as_long_as_the_mode_says) {
  auto [client, server] = connected_pair();
  server.settimeout(200ms);
  error_code ec;
  seconds took = elapsed([&] { server.wait(wait_type::wait_read, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  server.setblocking(false);  // a poll, as any non-blocking call
  took = elapsed([&] { server.wait(wait_type::wait_read, ec); });
  BOOST_TEST((ec == asio_error::would_block), ec.message());
  BOOST_TEST(took.count() < 1.0);

  server.setblocking(true);
  std::thread sender = send_later(client, 100ms, "x");
  server.wait(wait_type::wait_read);  // the throwing overload: returns once readable
  sender.join();
  char byte = 0;
  BOOST_TEST(server.recv(buffer(&byte, 1)) == 1u);
}
