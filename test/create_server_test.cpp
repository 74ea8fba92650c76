// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/create_server.hpp>

#include "support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace test;
using boost::system::error_code;
namespace asio_error = boost::asio::error;
namespace ip = boost::asio::ip;
namespace data = boost::unit_test::data;

namespace {

int int_option(int fd, int level, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  BOOST_REQUIRE(::getsockopt(fd, level, name, &value, &size) == 0);
  return value;
}

// How many non-blocking connects to `endpoint` complete within a short wait, out of `tries`,
// while nobody accepts: the listener's queue length plus one, at most `tries`.
int connects_queued(const sockmode::tcp::endpoint& endpoint, int tries,
                    std::vector<std::unique_ptr<sockmode::tcp::socket>>& clients) {
  int connected = 0;
  for (int i = 0; i < tries; ++i) {
    auto client = std::make_unique<sockmode::tcp::socket>();
    client->setblocking(false);
    error_code ec = client->connect_ex(endpoint);
    if (ec) client->wait(sockmode::tcp::socket::wait_write, 200ms, ec);
    clients.push_back(std::move(client));
    if (ec) break;
    ++connected;
  }
  return connected;
}

}  // namespace

BOOST_DATA_TEST_CASE(create_server_listens_on_the_endpoint_and_accepts, loopbacks, address) {
  default_timeout_guard guard;
  sockmode::setdefaulttimeout(std::nullopt);
  sockmode::tcp::acceptor listener = sockmode::create_server(loopback(address));
  BOOST_TEST(listener.local_endpoint().address() == address);
  BOOST_TEST(listener.local_endpoint().port() != 0);
  BOOST_TEST(int_option(listener.native_handle(), SOL_SOCKET, SO_ACCEPTCONN) == 1);
  // SO_REUSEADDR, as Python on POSIX.
  BOOST_TEST(int_option(listener.native_handle(), SOL_SOCKET, SO_REUSEADDR) == 1);
  sockmode::tcp::socket client;
  client.settimeout(5s);
  client.connect(listener.local_endpoint());
  listener.settimeout(5s);
  sockmode::tcp::socket server = listener.accept();
  BOOST_TEST(server.remote_endpoint() == client.local_endpoint());
}

BOOST_DATA_TEST_CASE(created_listener_takes_the_default_timeout_on_a_new_descriptor, loopbacks,
                     address) {
  default_timeout_guard guard;
  for (const sockmode::timeout_type mode :
       {sockmode::timeout_type(), sockmode::timeout_type(0ns), sockmode::timeout_type(700ms)}) {
    sockmode::setdefaulttimeout(mode);
    sockmode::tcp::acceptor listener = sockmode::create_server(loopback(address));
    BOOST_TEST(listener.gettimeout() == mode);
    BOOST_TEST((::fcntl(listener.native_handle(), F_GETFL) & O_NONBLOCK) != 0);
    BOOST_TEST((::fcntl(listener.native_handle(), F_GETFD) & FD_CLOEXEC) != 0);
  }
  sockmode::setdefaulttimeout(200ms);
  sockmode::tcp::acceptor listener = sockmode::create_server(loopback(address));
  error_code ec;
  const seconds took = elapsed([&] { listener.accept(ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);
}

BOOST_AUTO_TEST_CASE(ipv6_listener_is_v6_only_unless_dualstack_as_in_python) {
  // On "::": Linux turns IPV6_V6ONLY on by itself for a specific address such as ::1.
  sockmode::tcp::acceptor v6 = sockmode::create_server({ip::address_v6::any(), 0});
  BOOST_TEST(int_option(v6.native_handle(), IPPROTO_IPV6, IPV6_V6ONLY) == 1);
  sockmode::tcp::socket client;
  client.settimeout(5s);
  const error_code ec = client.connect_ex(loopback(v6.local_endpoint().port()));
  BOOST_TEST((ec == asio_error::connection_refused), ec.message());  // no IPv4 on this port
}

BOOST_AUTO_TEST_CASE(dualstack_listener_accepts_ipv4_and_ipv6_clients) {
  BOOST_REQUIRE(sockmode::has_dualstack_ipv6());  // Linux with IPv6: as Python reports here
  sockmode::create_server_options options;
  options.dualstack_ipv6 = true;
  // "::" is where a dual-stack listener makes sense; the clients below connect over loopback.
  sockmode::tcp::acceptor listener =
      sockmode::create_server({ip::address_v6::any(), 0}, options);
  BOOST_TEST(int_option(listener.native_handle(), IPPROTO_IPV6, IPV6_V6ONLY) == 0);
  const unsigned short port = listener.local_endpoint().port();
  listener.settimeout(5s);
  for (const ip::address& address : loopbacks) {
    BOOST_TEST_CONTEXT("client on " << address) {
      sockmode::tcp::socket client;
      client.settimeout(5s);
      client.connect(loopback(address, port));
      sockmode::tcp::endpoint peer;
      sockmode::tcp::socket server = listener.accept(peer);
      BOOST_TEST(peer.address().is_v6());  // an IPv4 client shows as ::ffff:127.0.0.1
      if (address.is_v4()) {
        BOOST_TEST(peer.address().to_v6().is_v4_mapped());
        BOOST_TEST(ip::make_address_v4(ip::v4_mapped, peer.address().to_v6()) == address);
      } else {
        BOOST_TEST(peer.address() == address);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(dualstack_on_an_ipv4_endpoint_is_an_invalid_argument_and_opens_nothing) {
  sockmode::create_server_options options;
  options.dualstack_ipv6 = true;
  const int before = open_descriptors();
  BOOST_CHECK_THROW(sockmode::create_server(loopback(), options), std::invalid_argument);
  error_code ec;
  BOOST_CHECK_THROW(sockmode::create_server(loopback(), options, ec), std::invalid_argument);
  BOOST_TEST(open_descriptors() == before);
}

BOOST_AUTO_TEST_CASE(default_backlog_queues_connections_nobody_has_accepted_yet) {
  sockmode::tcp::acceptor listener = sockmode::create_server(loopback());
  std::vector<std::unique_ptr<sockmode::tcp::socket>> clients;
  BOOST_TEST(connects_queued(listener.local_endpoint(), 8, clients) == 8);
}

BOOST_DATA_TEST_CASE(explicit_backlog_is_honoured_and_negative_means_zero, loopbacks, address) {
  for (const int backlog : {0, -5}) {
    BOOST_TEST_CONTEXT("backlog " << backlog) {
      sockmode::create_server_options options;
      options.backlog = backlog;
      sockmode::tcp::acceptor listener = sockmode::create_server(loopback(address), options);
      std::vector<std::unique_ptr<sockmode::tcp::socket>> clients;
      // listen(0) on Linux queues one connection; the next SYN is dropped.
      BOOST_TEST(connects_queued(listener.local_endpoint(), 8, clients) == 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(reuse_port_lets_two_listeners_share_a_port) {
  sockmode::create_server_options options;
  options.reuse_port = true;
  sockmode::tcp::acceptor first = sockmode::create_server(loopback(), options);
  BOOST_TEST(int_option(first.native_handle(), SOL_SOCKET, SO_REUSEPORT) == 1);
  sockmode::tcp::acceptor second = sockmode::create_server(first.local_endpoint(), options);
  BOOST_TEST(second.local_endpoint() == first.local_endpoint());
}

BOOST_AUTO_TEST_CASE(a_port_in_use_fails_with_address_in_use_naming_the_endpoint) {
  sockmode::tcp::acceptor first = sockmode::create_server(loopback());
  const int before = open_descriptors();
  try {
    sockmode::create_server(first.local_endpoint());
    BOOST_FAIL("a second listener bound to the same port");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST((e.code() == asio_error::address_in_use), e.what());
    const std::string what = e.what();
    BOOST_TEST(what.find("bind") != std::string::npos, what);
    BOOST_TEST(what.find(std::to_string(first.local_endpoint().port())) != std::string::npos, what);
  }
  error_code ec;
  sockmode::tcp::acceptor second = sockmode::create_server(first.local_endpoint(), {}, ec);
  BOOST_TEST((ec == asio_error::address_in_use), ec.message());
  BOOST_TEST(!second.is_open());
  BOOST_TEST(open_descriptors() == before);  // the failed attempts closed their descriptors
}
