// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// basic_socket: receiving, sending and connecting under each mode.

#include <sockmode/basic_socket.hpp>

#include "basic_socket_helpers.hpp"

#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

BOOST_AUTO_TEST_SUITE(receiving)

BOOST_DATA_TEST_CASE(recv_times_out_when_peer_is_silent, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(200ms);
  char byte = 0;
  error_code ec;
  std::size_t n = 1;
  const seconds took = elapsed([&] { n = client.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST((ec == std::errc::timed_out));
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
  BOOST_CHECK_THROW(client.recv(buffer(&byte, 1)), sockmode::timeout_error);
}

BOOST_DATA_TEST_CASE(recv_in_non_blocking_mode_fails_at_once_with_would_block, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.setblocking(false);
  char byte = 0;
  error_code ec;
  const seconds took = elapsed([&] { client.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == asio_error::would_block));
  BOOST_TEST(took.count() < 0.5);
  BOOST_CHECK_THROW(client.read_some(buffer(&byte, 1)), boost::system::system_error);
}

BOOST_DATA_TEST_CASE(recv_returns_queued_data_in_every_mode, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  for (const sockmode::timeout_type t : {sockmode::timeout_type(), sockmode::timeout_type(0ns),
                                         sockmode::timeout_type(1s)}) {
    server.sendall(buffer(std::string("ping")));
    client.settimeout(t);
    // In non-blocking mode the bytes may still be in flight on loopback; wait for them.
    client.wait(wait_type::wait_read, 2s);
    BOOST_TEST(recv_string(client) == "ping");
  }
}

BOOST_DATA_TEST_CASE(blocking_recv_waits_until_data_arrives, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  std::thread peer = send_later(server, 150ms, "late");
  std::string got;
  const seconds took = elapsed([&] { got = recv_string(client); });
  peer.join();
  BOOST_TEST(got == "late");
  BOOST_TEST(took.count() >= 0.1);
}

BOOST_DATA_TEST_CASE(timeout_mode_recv_returns_data_arriving_before_the_deadline,
                     loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(3s);
  std::thread peer = send_later(server, 100ms, "in time");
  const std::string got = recv_string(client);
  peer.join();
  BOOST_TEST(got == "in time");
}

BOOST_DATA_TEST_CASE(no_byte_is_lost_after_a_timeout, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(100ms);
  char byte = 0;
  error_code ec;
  client.recv(buffer(&byte, 1), ec);
  BOOST_REQUIRE((ec == sockmode::error::timeout));
  BOOST_TEST(client.is_open());
  server.sendall(buffer(std::string("hello world")));
  client.settimeout(2s);
  std::string got;
  while (got.size() < 11) got += recv_string(client);
  BOOST_TEST(got == "hello world");
}

BOOST_DATA_TEST_CASE(recv_returns_zero_and_read_some_reports_eof_at_end_of_stream,
                     loopbacks, address) {
  auto [client, server] = connected_pair(address);
  server.shutdown(boost::asio::socket_base::shutdown_send);
  client.settimeout(2s);
  char byte = 0;
  BOOST_TEST(client.recv(buffer(&byte, 1)) == 0u);
  error_code ec;
  BOOST_TEST(client.read_some(buffer(&byte, 1), ec) == 0u);
  BOOST_TEST((ec == asio_error::eof));
}

BOOST_DATA_TEST_CASE(zero_length_buffer_never_waits, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(std::nullopt);  // blocking: would hang forever if it waited
  error_code ec;
  const seconds took = elapsed([&] {
    BOOST_TEST(client.recv(boost::asio::mutable_buffer(), ec) == 0u);
    BOOST_TEST(client.read_some(boost::asio::mutable_buffer(), ec) == 0u);
    BOOST_TEST(client.send(boost::asio::const_buffer(), ec) == 0u);
  });
  BOOST_TEST(!ec);
  BOOST_TEST(took.count() < 1.0);
}

BOOST_AUTO_TEST_CASE(io_on_a_never_opened_socket_is_not_connected_without_waiting) {
  sockmode::tcp::socket s;
  s.settimeout(5s);
  char byte = 0;
  error_code ec;
  const seconds took = elapsed([&] { s.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == asio_error::not_connected));
  BOOST_TEST(took.count() < 1.0);
  s.send(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio_error::not_connected));
}

BOOST_AUTO_TEST_CASE(recv_on_an_open_unconnected_socket_is_not_connected) {
  sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
  s.settimeout(5s);
  char byte = 0;
  error_code ec;
  const seconds took = elapsed([&] { s.recv(buffer(&byte, 1), ec); });
  BOOST_TEST((ec == asio_error::not_connected));
  BOOST_TEST(took.count() < 1.0);
}

BOOST_DATA_TEST_CASE(every_call_on_a_closed_socket_fails_with_bad_descriptor, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.close();
  BOOST_TEST(!client.is_open());
  char byte = 0;
  error_code ec;
  client.recv(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  client.send(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  client.sendall(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  client.connect(server.local_endpoint(), ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  client.shutdown(boost::asio::socket_base::shutdown_both, ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  client.wait(wait_type::wait_read, 1s, ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  client.cancel(ec);
  BOOST_TEST((ec == asio_error::bad_descriptor));
  BOOST_CHECK_THROW(client.settimeout(1s), boost::system::system_error);
  BOOST_CHECK_NO_THROW(client.close());  // closing twice is harmless, as in CPython
  BOOST_CHECK_NO_THROW(client.gettimeout());
}

BOOST_DATA_TEST_CASE(moved_from_socket_behaves_as_closed, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  sockmode::tcp::socket moved = std::move(client);
  char byte = 0;
  error_code ec;
  client.recv(buffer(&byte, 1), ec);  // NOLINT(bugprone-use-after-move): that is the test
  BOOST_TEST((ec == asio_error::bad_descriptor));
  server.sendall(buffer("x", 1));
  BOOST_TEST(moved.recv(buffer(&byte, 1)) == 1u);
}

BOOST_DATA_TEST_CASE(peer_reset_is_reported_as_connection_reset, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  server.asio_socket().set_option(boost::asio::socket_base::linger(true, 0));
  server.close();  // RST instead of FIN
  client.settimeout(2s);
  char byte = 0;
  error_code ec;
  client.recv(buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio_error::connection_reset));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sending)

BOOST_DATA_TEST_CASE(send_times_out_when_the_peer_does_not_read, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  fill_send_buffer(client);
  client.settimeout(200ms);
  std::vector<char> chunk(1 << 16, 'y');
  error_code ec;
  std::size_t n = 1;
  const seconds took = elapsed([&] { n = client.send(buffer(chunk), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(n == 0u);
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_DATA_TEST_CASE(send_in_non_blocking_mode_fails_at_once_with_would_block, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  fill_send_buffer(client);
  client.setblocking(false);
  std::vector<char> chunk(1 << 16, 'y');
  error_code ec;
  const seconds took = elapsed([&] { client.write_some(buffer(chunk), ec); });
  BOOST_TEST((ec == asio_error::would_block));
  BOOST_TEST(took.count() < 0.5);
}

BOOST_DATA_TEST_CASE(sendall_reports_bytes_sent_before_timeout, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(300ms);
  std::vector<char> big(64u << 20, 'z');  // far more than loopback buffers hold
  error_code ec;
  std::size_t sent = 0;
  const seconds took = elapsed([&] { sent = client.sendall(buffer(big), ec); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST(sent > 0u);
  BOOST_TEST(sent < big.size());
  BOOST_TEST(took.count() >= 0.2);
  BOOST_TEST(took.count() < 5.0);
  // The count is exact: the peer receives precisely that many bytes.
  client.shutdown(boost::asio::socket_base::shutdown_send);
  server.settimeout(10s);
  BOOST_TEST(drain(server) == sent);
}

BOOST_DATA_TEST_CASE(sendall_exception_carries_the_bytes_sent, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(200ms);
  std::vector<char> big(64u << 20, 'z');
  try {
    client.sendall(buffer(big));
    BOOST_FAIL("sendall did not time out");
  } catch (const sockmode::timeout_error& e) {
    BOOST_TEST((e.code() == sockmode::error::timeout));
    BOOST_TEST(e.bytes_transferred() > 0u);
    BOOST_TEST(std::string(e.what()).find("sendall") != std::string::npos);
  }
}

BOOST_DATA_TEST_CASE(sendall_sends_every_buffer_of_a_sequence_when_the_peer_reads,
                     loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.settimeout(10s);
  std::vector<char> a(3u << 20, 'a');
  std::vector<char> b(5u << 20, 'b');
  std::string c = "tail";
  const std::vector<boost::asio::const_buffer> sequence{buffer(a), buffer(b), buffer(c)};
  const std::size_t total = a.size() + b.size() + c.size();
  std::size_t received = 0;
  std::string last;
  std::thread reader([&] {
    std::vector<char> chunk(1 << 16);
    for (;;) {
      const std::size_t got = server.recv(buffer(chunk));
      if (got == 0) break;
      received += got;
      last.assign(chunk.data() + (got >= 4 ? got - 4 : 0), got >= 4 ? 4 : got);
    }
  });
  BOOST_TEST(client.sendall(sequence) == total);
  client.shutdown(boost::asio::socket_base::shutdown_send);
  reader.join();
  BOOST_TEST(received == total);
  BOOST_TEST(last == "tail");
}

BOOST_DATA_TEST_CASE(sendall_in_non_blocking_mode_sends_what_fits_then_would_block,
                     loopbacks, address) {
  auto [client, server] = connected_pair(address);
  client.setblocking(false);
  std::vector<char> big(64u << 20, 'n');
  error_code ec;
  const std::size_t sent = client.sendall(buffer(big), ec);
  BOOST_TEST((ec == asio_error::would_block));
  BOOST_TEST(sent > 0u);
  BOOST_TEST(sent < big.size());
  client.shutdown(boost::asio::socket_base::shutdown_send);
  BOOST_TEST(drain(server) == sent);
}

// Found by test/model: sockmode answered would_block after the first partial send without
// asking the kernel again, where CPython's next send reports the peer's RST.
BOOST_DATA_TEST_CASE(sendall_in_non_blocking_mode_to_a_closed_peer_reports_the_kernel_error,
                     loopbacks, address) {
  auto [client, server] = connected_pair(address);
  server.close();  // nothing unread: a FIN now, and an RST for the first byte that arrives
  client.setblocking(false);
  std::vector<char> big(64u << 20, 'c');
  error_code ec;
  const std::size_t sent = client.sendall(buffer(big), ec);
  BOOST_TEST((ec == asio_error::broken_pipe || ec == asio_error::connection_reset),
             ec.message());
  BOOST_TEST(sent < big.size());
}

BOOST_DATA_TEST_CASE(send_to_a_reset_peer_fails_with_the_kernel_error, loopbacks, address) {
  auto [client, server] = connected_pair(address);
  server.asio_socket().set_option(boost::asio::socket_base::linger(true, 0));
  server.close();
  client.settimeout(2s);
  std::vector<char> chunk(1 << 16, 'r');
  error_code ec;
  for (int i = 0; i < 100 && !ec; ++i) client.send(buffer(chunk), ec);
  BOOST_TEST((ec == asio_error::connection_reset || ec == asio_error::broken_pipe));
}

BOOST_AUTO_TEST_CASE(zero_length_send_on_an_open_unconnected_socket_reports_the_kernels_epipe) {
  // As CPython: send(b"") and sendall(b"") make the syscall, which fails with EPIPE.
  for (const sockmode::timeout_type mode :
       {sockmode::timeout_type(), sockmode::timeout_type(0ns), sockmode::timeout_type(5s)}) {
    sockmode::tcp::socket s(sockmode::tcp::protocol::v4());
    s.settimeout(mode);
    error_code ec;
    const seconds took = elapsed([&] {
      BOOST_TEST(s.send(boost::asio::const_buffer(), ec) == 0u);
      BOOST_TEST((ec == asio_error::broken_pipe), ec.message());
      BOOST_TEST(s.sendall(boost::asio::const_buffer(), ec) == 0u);
      BOOST_TEST((ec == asio_error::broken_pipe), ec.message());
      BOOST_TEST(s.write_some(boost::asio::const_buffer(), ec) == 0u);
      BOOST_TEST((ec == asio_error::broken_pipe), ec.message());
    });
    BOOST_TEST(took.count() < 1.0);
  }
}

BOOST_AUTO_TEST_CASE(zero_length_send_with_a_full_send_buffer_returns_zero_without_waiting) {
  // A zero-length buffer never waits (CPython's timeout mode would wait for room here: README,
  // "Differences from Python").
  auto [client, server] = connected_pair();
  fill_send_buffer(client);
  for (const sockmode::timeout_type mode : {sockmode::timeout_type(), sockmode::timeout_type(5s)}) {
    client.settimeout(mode);
    error_code ec;
    const seconds took = elapsed([&] {
      BOOST_TEST(client.send(boost::asio::const_buffer(), ec) == 0u);
      BOOST_TEST(!ec, ec.message());
      BOOST_TEST(client.sendall(boost::asio::const_buffer(), ec) == 0u);
      BOOST_TEST(!ec, ec.message());
    });
    BOOST_TEST(took.count() < 1.0);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(connecting)

BOOST_DATA_TEST_CASE(connect_refused_passes_the_kernel_error_through, loopbacks, address) {
  unsigned short port = 0;
  {
    sockmode::tcp::acceptor closed(loopback(address));
    port = closed.local_endpoint().port();
  }
  sockmode::tcp::socket s;
  s.settimeout(2s);
  const error_code ec = s.connect_ex(loopback(address, port));
  BOOST_TEST((ec == asio_error::connection_refused));
  BOOST_CHECK_THROW(sockmode::tcp::socket().connect(loopback(address, port)),
                    boost::system::system_error);
}

BOOST_DATA_TEST_CASE(connect_times_out_against_a_full_accept_queue, loopbacks, address) {
  full_listener full(address);
  sockmode::tcp::socket s;
  s.settimeout(300ms);
  error_code ec;
  const seconds took = elapsed([&] { ec = s.connect_ex(full.endpoint()); });
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST((ec != error_code(ETIMEDOUT, boost::system::system_category())));
  BOOST_TEST(took.count() >= 0.2);
  BOOST_TEST(took.count() < 5.0);
  BOOST_TEST(s.is_open());
  sockmode::tcp::socket t;
  t.settimeout(300ms);
  BOOST_CHECK_THROW(t.connect(full.endpoint()), sockmode::timeout_error);
}

BOOST_DATA_TEST_CASE(non_blocking_connect_reports_would_block_then_completes, loopbacks, address) {
  sockmode::tcp::acceptor listener(loopback(address));
  sockmode::tcp::socket s;
  s.setblocking(false);
  error_code ec = s.connect_ex(listener.local_endpoint());
  if (ec) {
    BOOST_TEST((ec == asio_error::would_block));
    s.wait(wait_type::wait_write, 2s);
    ec = s.connect_ex(listener.local_endpoint());  // completed: succeeds, as in CPython
  }
  BOOST_TEST(!ec);
  BOOST_TEST(s.remote_endpoint().port() == listener.local_endpoint().port());
  // Connecting again once connected is the kernel's EISCONN.
  ec = s.connect_ex(listener.local_endpoint());
  BOOST_TEST((ec == asio_error::already_connected));
}

BOOST_DATA_TEST_CASE(non_blocking_connect_to_a_full_queue_is_still_in_progress,
                     loopbacks, address) {
  full_listener full(address);
  sockmode::tcp::socket s;
  s.setblocking(false);
  BOOST_TEST((s.connect_ex(full.endpoint()) == asio_error::would_block));
  error_code ec;
  s.wait(wait_type::wait_write, 200ms, ec);
  BOOST_TEST((ec == sockmode::error::timeout));
  BOOST_TEST((s.connect_ex(full.endpoint()) == asio_error::already_started));
}

// Found while building test/model: on a blocking descriptor the kernel waits for a handshake
// an earlier call began, and so does CPython's blocking connect; sockmode's failed with
// EALREADY at once. Timeout and non-blocking modes get EALREADY at once in both.
BOOST_DATA_TEST_CASE(blocking_connect_waits_for_a_handshake_already_in_progress,
                     loopbacks, address) {
  full_listener full(address);
  sockmode::tcp::socket s;
  s.setblocking(false);
  BOOST_TEST((s.connect_ex(full.endpoint()) == asio_error::would_block));
  s.settimeout(200ms);
  BOOST_TEST((s.connect_ex(full.endpoint()) == asio_error::already_started));
  s.setblocking(true);
  error_code ec;
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    s.cancel();
  });
  const seconds took = elapsed([&] { ec = s.connect_ex(full.endpoint()); });
  canceller.join();
  BOOST_TEST((ec == asio_error::operation_aborted), ec.message());
  BOOST_TEST(took.count() >= 0.15);
}

BOOST_DATA_TEST_CASE(blocking_connect_succeeds_and_both_ends_see_each_other, loopbacks, address) {
  sockmode::tcp::acceptor listener(loopback(address));
  sockmode::tcp::socket s;
  s.connect(listener.local_endpoint());
  sockmode::tcp::endpoint peer;
  sockmode::tcp::socket accepted = listener.accept(peer);
  BOOST_TEST((peer == s.local_endpoint()));
  BOOST_TEST((accepted.remote_endpoint() == s.local_endpoint()));
}

BOOST_AUTO_TEST_SUITE_END()
