// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Descriptor numbers reused right after close(), and destroying against closing: the second
// file of the close_race module, which close_race_test.cpp defines.
#include <sockmode/sockmode.hpp>

#include "close_race_helpers.hpp"

#include <fcntl.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

BOOST_AUTO_TEST_CASE(a_call_blocked_before_close_never_touches_the_socket_that_reuses_its_number) {
  // Thread T blocks on socket A; A is closed; a new socket B is opened at once and gets A's
  // descriptor number. Whatever T's call does on its way out, B's data must be intact: T must
  // not read B's bytes, write into B, or accept B's connections.
  std::mt19937 r(12345);
  const int rounds = stress::scaled(80, 2000);
  sockmode::tcp::acceptor other(test::loopback());
  std::vector<char> to_b(32768);
  std::vector<char> from_b(32768);
  for (std::size_t i = 0; i < to_b.size(); ++i) {
    to_b[i] = static_cast<char>(i * 7);
    from_b[i] = static_cast<char>(i * 13 + 1);
  }
  int reused = 0;
  for (int round = 0; round < rounds; ++round) {
    const int op = round % 4;  // recv, sendall, accept, wait(read)
    auto [a, a_peer] = test::connected_pair();
    auto listener = std::make_unique<sockmode::tcp::acceptor>(test::loopback());
    // For sendall the count is checked, not that it waits.
    const std::size_t queued = op == 1 ? stress::fill(a) : 0;
    std::vector<char> big(1u << 20, 'a');
    error_code ec;
    std::size_t n = 0;
    std::thread t([&] {
      if (op == 0) {
        char bytes[4096];
        n = a.recv(asio::buffer(bytes), ec);
      } else if (op == 1) {
        n = a.sendall(asio::buffer(big), ec);
      } else if (op == 2) {
        listener->accept(ec);
      } else {
        a.wait(wait_type::wait_read, std::nullopt, ec);
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(r() % 3000));
    if (op == 2) {
      const int old_fd = listener->native_handle();
      listener->close();
      // A new listener on the old number, with a connection waiting in it.
      sockmode::tcp::acceptor b_listener(test::loopback());
      if (b_listener.native_handle() == old_fd) ++reused;
      sockmode::tcp::socket b_client;
      b_client.connect(b_listener.local_endpoint());
      t.join();
      BOOST_TEST(stress::ended_by_close(ec), ec.message());
      b_listener.settimeout(5s);
      error_code accept_ec;
      b_listener.accept(accept_ec);
      BOOST_TEST(!accept_ec, "the new listener's connection was taken: " << accept_ec.message());
      continue;
    }
    const int old_fd = a.native_handle();
    a.close();
    sockmode::tcp::socket b(sockmode::tcp::protocol::v4());
    if (b.native_handle() == old_fd) ++reused;
    b.connect(other.local_endpoint());
    sockmode::tcp::socket b_peer = other.accept();
    b_peer.sendall(asio::buffer(to_b));
    b.sendall(asio::buffer(from_b));
    b.shutdown(asio::socket_base::shutdown_send);
    t.join();
    BOOST_TEST(stress::ended_by_close(ec), ec.message());
    if (op == 0) BOOST_TEST(n == 0u);
    // B reads exactly what its peer sent, and its peer exactly what B sent, nothing more.
    std::vector<char> got(to_b.size());
    b.settimeout(5s);
    BOOST_TEST(asio::read(b, asio::buffer(got)) == got.size());
    BOOST_TEST((got == to_b));
    BOOST_TEST((stress::read_to_end(b_peer) == std::string(from_b.begin(), from_b.end())));
    if (op == 1) BOOST_TEST(stress::read_to_end(a_peer).size() == queued + n);
  }
  BOOST_TEST_MESSAGE(rounds << " rounds; the new socket had the old number in " << reused);
  BOOST_TEST(reused > rounds / 2);
}

BOOST_AUTO_TEST_CASE(a_thread_hammering_a_closed_socket_never_writes_into_its_successor) {
  // T keeps calling sendall in non-blocking and 1 ms timeout modes while the socket is closed
  // and its number reused: the successor's peer must get only the successor's bytes.
  const int rounds = stress::scaled(60, 1000);
  sockmode::tcp::acceptor other(test::loopback());
  const std::string mine(1000, 'm');
  for (int round = 0; round < rounds; ++round) {
    auto [a, a_peer] = test::connected_pair();
    std::atomic<bool> started{false};
    std::atomic<bool> stop{false};
    std::size_t sent = 0;
    std::thread t([&] {
      const std::vector<char> junk(8192, 'J');
      error_code ec;
      for (int i = 0; i < 1000000 && !stop.load(); ++i) {
        try {
          a.settimeout(i % 2 == 0 ? sockmode::timeout_type(0ns) : sockmode::timeout_type(1ms));
        } catch (const sockmode::io_error&) {
          break;
        }
        sent += a.sendall(asio::buffer(junk), ec);
        started = true;
        if (ec == asio_error::bad_descriptor) break;
      }
    });
    while (!started.load()) std::this_thread::yield();
    a.close();
    sockmode::tcp::socket b(sockmode::tcp::protocol::v4());
    b.connect(other.local_endpoint());
    sockmode::tcp::socket b_peer = other.accept();
    b.sendall(asio::buffer(mine));
    b.shutdown(asio::socket_base::shutdown_send);
    stop = true;
    t.join();
    BOOST_TEST(stress::read_to_end(b_peer) == mine);
    // And A's peer got every byte T was told it sent.
    BOOST_TEST(stress::read_to_end(a_peer).size() == sent);
  }
}

BOOST_AUTO_TEST_CASE(destroying_a_socket_closes_it_and_ends_the_peers_stream) {
  const int before = stress::open_fds();
  {
    auto [client, server] = test::connected_pair();
    auto owned = std::make_unique<sockmode::tcp::socket>(std::move(client));
    owned->sendall(asio::buffer("bye", 3));
    owned.reset();  // the destructor closes
    server.settimeout(5s);
    char bytes[8];
    BOOST_TEST(server.recv(asio::buffer(bytes)) == 3u);
    BOOST_TEST(server.recv(asio::buffer(bytes)) == 0u);  // end of stream
  }
  BOOST_TEST(stress::open_fds() == before);
}

namespace {

// Closes `closed`, opens a socket that takes its descriptor number, destroys `closed`: the
// new socket must still be open, and usable.
template <class Object>
void destroy_after_close_keeps_the_successor(std::unique_ptr<Object> closed,
                                             const std::string& what) {
  const int number = closed->native_handle();
  closed->close();
  sockmode::tcp::acceptor other(test::loopback());  // may take the number instead: retried
  sockmode::tcp::socket successor(sockmode::tcp::protocol::v4());
  const bool same = successor.native_handle() == number || other.native_handle() == number;
  closed.reset();
  BOOST_TEST_CONTEXT(what) {
    BOOST_TEST(same);
    BOOST_TEST(::fcntl(successor.native_handle(), F_GETFD) != -1);
    BOOST_TEST(::fcntl(other.native_handle(), F_GETFD) != -1);
    successor.settimeout(5s);
    successor.connect(other.local_endpoint());
    other.settimeout(5s);
    sockmode::tcp::socket peer = other.accept();
    successor.sendall(asio::buffer("ok", 2));
    char bytes[2];
    peer.settimeout(5s);
    BOOST_TEST(asio::read(peer, asio::buffer(bytes)) == 2u);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(destroying_a_closed_socket_never_closes_the_number_again) {
  {
    auto pair = test::connected_pair();
    destroy_after_close_keeps_the_successor(
        std::make_unique<sockmode::tcp::socket>(std::move(pair.client)), "tcp socket");
  }
  {
    auto pair = test::connected_pair();
    auto s = std::make_unique<sockmode::tcp::socket>(std::move(pair.client));
    s->asio_socket().set_option(asio::ip::tcp::no_delay(true));  // now Asio holds it
    destroy_after_close_keeps_the_successor(std::move(s), "tcp socket with its Asio object");
  }
  {
    auto u = std::make_unique<sockmode::udp::socket>(sockmode::udp::protocol::v4());
    destroy_after_close_keeps_the_successor(std::move(u), "udp socket");
  }
  {
    auto [a, b] = sockmode::socketpair();
    destroy_after_close_keeps_the_successor(
        std::make_unique<sockmode::local::stream_socket>(std::move(a)), "unix socket");
  }
  {
    destroy_after_close_keeps_the_successor(
        std::make_unique<sockmode::tcp::acceptor>(test::loopback()), "acceptor");
  }
  {
    // Moved from: the moved-to socket keeps the descriptor; destroying the husk touches nothing.
    auto pair = test::connected_pair();
    auto husk = std::make_unique<sockmode::tcp::socket>(std::move(pair.client));
    sockmode::tcp::socket moved = std::move(*husk);
    husk.reset();
    moved.settimeout(5s);
    moved.sendall(asio::buffer("m", 1));
    char byte = 0;
    pair.server.settimeout(5s);
    BOOST_TEST(pair.server.recv(asio::buffer(&byte, 1)) == 1u);
  }
}

BOOST_AUTO_TEST_CASE(a_socket_closed_from_another_thread_is_destroyed_by_its_owner_afterwards) {
  // The thread-per-connection shutdown pattern: a supervisor closes, the worker's blocked call
  // returns, and the worker destroys its socket once close() has returned.
  const int before = stress::open_fds();
  const int rounds = stress::scaled(50, 500);
  for (int round = 0; round < rounds; ++round) {
    auto pair = test::connected_pair();
    auto owned = std::make_unique<sockmode::tcp::socket>(std::move(pair.client));
    std::atomic<bool> closed{false};
    error_code ec;
    std::thread worker([&] {
      char byte = 0;
      owned->recv(asio::buffer(&byte, 1), ec);
      while (!closed.load()) std::this_thread::yield();
      owned.reset();
    });
    std::this_thread::sleep_for(std::chrono::microseconds(round % 7 * 100));
    owned->close();
    closed = true;
    worker.join();
    BOOST_TEST(stress::ended_by_close(ec));
  }
  BOOST_TEST(stress::settle({before, 1 << 20, 0}).fds == before);
}
