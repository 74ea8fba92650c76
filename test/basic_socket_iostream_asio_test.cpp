// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// basic_socket_iostream, Asio's interface: default construction, connect(host, service),
// expiry, error(), close(). The second file of the module, which
// basic_socket_iostream_test.cpp defines.
#include <sockmode/basic_socket_iostream.hpp>

#include "basic_socket_iostream_helpers.hpp"

#include <istream>
#include <string>
#include <thread>

BOOST_FIXTURE_TEST_SUITE(basic_socket_iostream, test::no_default_timeout)

BOOST_AUTO_TEST_CASE(a_read_sends_the_unflushed_request_first_as_asios_http_client_expects) {
  sockmode::tcp::acceptor listener(test::loopback());
  std::thread server([&] {
    sockmode::tcp::socket peer = listener.accept();
    peer.settimeout(5s);
    sockmode::tcp::iostream in(peer);
    std::string request;
    std::getline(in, request);
    peer.sendall(asio::buffer("you said " + request + "\n"));
  });
  sockmode::tcp::iostream stream;
  BOOST_TEST(!stream.error());
  stream.expires_after(5s);
  stream.connect("127.0.0.1", std::to_string(listener.local_endpoint().port()));
  BOOST_TEST(static_cast<bool>(stream), stream.error().message());
  stream << "GET /\n";  // no flush, as Asio's example
  std::string answer;
  std::getline(stream, answer);
  server.join();
  BOOST_TEST(answer == "you said GET /");
}

BOOST_AUTO_TEST_CASE(the_host_and_service_constructor_connects) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::iostream stream("127.0.0.1", std::to_string(listener.local_endpoint().port()));
  BOOST_TEST(static_cast<bool>(stream), stream.error().message());
  sockmode::tcp::socket peer = listener.accept();
  BOOST_TEST((peer.remote_endpoint() == stream.socket().local_endpoint()));
}

BOOST_AUTO_TEST_CASE(a_failed_connect_sets_failbit_and_error) {
  const auto closed = [] {
    sockmode::tcp::acceptor probe(test::loopback());
    return probe.local_endpoint();
  }();
  sockmode::tcp::iostream stream("127.0.0.1", std::to_string(closed.port()));
  BOOST_TEST(stream.fail());
  BOOST_TEST((stream.error() == asio::error::connection_refused), stream.error().message());

  sockmode::tcp::iostream by_endpoint;
  by_endpoint.connect(closed);
  BOOST_TEST(by_endpoint.fail());
  BOOST_TEST((by_endpoint.error() == asio::error::connection_refused));
}

BOOST_AUTO_TEST_CASE(one_expiry_bounds_the_whole_stream_and_nothing_is_lost) {
  auto [client, server] = test::connected_pair();
  sockmode::tcp::iostream stream(std::move(client));
  BOOST_TEST((stream.expiry() == sockmode::tcp::iostream::time_point::max()));
  stream.expires_after(500ms);
  BOOST_TEST((stream.expiry() > sockmode::tcp::iostream::clock_type::now()));
  std::thread first = test::send_later(server, 250ms, "one\n");
  std::string line;
  std::getline(stream, line);
  first.join();
  BOOST_TEST(line == "one");
  // The second line gets what is left of the same 500 ms, about 250 ms.
  const auto took = test::elapsed([&] { std::getline(stream, line); });
  BOOST_TEST(stream.fail());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  BOOST_TEST((stream.error() == boost::system::errc::timed_out));
  BOOST_TEST(took.count() < 0.45);

  // Lifted, the stream goes on: what arrives later is read whole.
  stream.expires_at(sockmode::tcp::iostream::time_point::max());
  stream.clear();
  server.sendall(asio::buffer(std::string("two\n")));
  BOOST_TEST(static_cast<bool>(std::getline(stream, line)));
  BOOST_TEST(line == "two");
}

BOOST_AUTO_TEST_CASE(an_expiry_set_before_connect_bounds_it_against_a_full_listener) {
  test::full_listener full;
  sockmode::tcp::iostream stream;
  stream.expires_after(300ms);
  const auto took = test::elapsed(
      [&] { stream.connect("127.0.0.1", std::to_string(full.endpoint().port())); });
  BOOST_TEST(stream.fail());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  BOOST_TEST(took.count() >= 0.25);
  BOOST_TEST(took.count() < 2.0);

  sockmode::tcp::iostream by_endpoint;
  by_endpoint.expires_after(200ms);
  by_endpoint.connect(full.endpoint());
  BOOST_TEST(by_endpoint.fail());
  BOOST_TEST((by_endpoint.error() == sockmode::error::timeout), by_endpoint.error().message());
}

BOOST_AUTO_TEST_CASE(connect_keeps_the_sockets_mode_and_gives_it_the_expiry) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::iostream stream;
  stream.socket().settimeout(2s);
  const auto expiry = sockmode::tcp::iostream::clock_type::now() + 10s;
  stream.expires_at(expiry);
  stream.connect(listener.local_endpoint());
  BOOST_TEST(static_cast<bool>(stream), stream.error().message());
  BOOST_TEST((stream.socket().gettimeout() == sockmode::timeout_type(2s)));
  BOOST_TEST((stream.socket().read_deadline() == sockmode::deadline_type(expiry)));
  BOOST_TEST((stream.socket().write_deadline() == sockmode::deadline_type(expiry)));
}

BOOST_AUTO_TEST_CASE(close_sends_what_is_buffered_and_connect_may_follow) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::iostream stream;
  stream.expires_after(5s);
  stream.connect(listener.local_endpoint());
  sockmode::tcp::socket first = listener.accept();
  stream << "bye";
  stream.close();
  BOOST_TEST(!stream.fail());
  BOOST_TEST(!stream.socket().is_open());
  first.settimeout(5s);
  BOOST_TEST(test::read_to_end(first) == "bye");

  stream.connect(listener.local_endpoint());
  BOOST_TEST(static_cast<bool>(stream), stream.error().message());
  sockmode::tcp::socket second = listener.accept();
  stream << "again" << std::flush;
  second.settimeout(5s);
  std::string got(5, '\0');
  asio::read(second, asio::buffer(got));
  BOOST_TEST(got == "again");
}

BOOST_AUTO_TEST_CASE(a_read_whose_pending_output_cannot_go_out_fails_and_keeps_that_output) {
  auto [client, server] = test::connected_pair();
  const std::size_t filler = test::fill_send_buffer(client);
  client.settimeout(200ms);
  sockmode::tcp::iostream stream(client);
  stream << "request\n";  // buffered: the send buffer is full
  std::string line;
  const auto took = test::elapsed([&] { std::getline(stream, line); });
  BOOST_TEST(stream.fail());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  // Once the peer reads, the kept request goes out whole, once.
  std::string received;
  std::thread reader([&] {
    server.settimeout(10s);
    received = test::read_to_end(server);
  });
  stream.clear();
  client.settimeout(10s);
  BOOST_TEST(static_cast<bool>(stream.flush()), stream.error().message());
  client.shutdown(sockmode::tcp::socket::shutdown_send);
  reader.join();
  BOOST_TEST((received == std::string(filler, 'x') + "request\n"));
}

BOOST_AUTO_TEST_SUITE_END()
