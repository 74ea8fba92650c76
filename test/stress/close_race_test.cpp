// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// close() and cancel() against calls in flight, in every operation and mode; descriptor numbers
// reused right after close(); destroying against closing.
#include <sockmode/sockmode.hpp>

#include "reliability.hpp"

#include <boost/asio/read.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace asio_error = boost::asio::error;
using wait_type = asio::socket_base::wait_type;

namespace {

using test::clock;
using test::seconds;

// Fills `s`'s send path until a non-blocking send would block; returns the bytes queued.
template <class Socket>
std::size_t fill(Socket& s, std::size_t chunk_size = 1 << 16) {
  const auto mode = s.gettimeout();
  s.setblocking(false);
  std::vector<char> chunk(chunk_size, 'x');
  std::size_t total = 0;
  error_code ec;
  for (int i = 0; i < 100000 && !ec; ++i) total += s.send(asio::buffer(chunk), ec);
  s.settimeout(mode);
  return total;
}

// As fill, again after short pauses until nothing more fits: on TCP the first fill stops when
// the send buffer is full, and room appears as the data moves on into the peer's receive
// buffer.
template <class Socket>
std::size_t fill_until_still(Socket& s, std::size_t chunk_size = 1 << 16) {
  std::size_t total = fill(s, chunk_size);
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(10ms);
    const std::size_t more = fill(s, chunk_size);
    total += more;
    if (more == 0) break;
  }
  return total;
}

// Reads until end of stream; returns the count.
template <class Socket>
std::size_t drain(Socket& s) {
  s.settimeout(10s);
  std::vector<char> chunk(1 << 16);
  std::size_t total = 0;
  error_code ec;
  for (;;) {
    const std::size_t n = s.recv(asio::buffer(chunk), ec);
    if (ec || n == 0) break;
    total += n;
  }
  return total;
}

// A call that blocks until something ends it, with what it needs kept alive, how to end it,
// and what must hold afterwards.
struct scenario {
  std::string name;
  std::function<std::size_t(error_code&)> call;
  std::function<void()> close;
  std::function<void()> cancel;
  // After the call ended (n: its count): checks that nothing was lost or invented.
  std::function<void(std::size_t n, bool closed)> check = [](std::size_t, bool) {};
  std::shared_ptr<void> keep;
  // Loopback TCP frees memory in a receive queue nobody reads by collapsing it, and opens the
  // window a little: a send or wait(write) on a full connection may then complete before it is
  // ended. It must still account for every byte.
  bool may_complete = false;
};

template <class Object>
void set_close_cancel(scenario& s, const std::shared_ptr<Object>& object) {
  s.close = [object] { object->close(); };
  s.cancel = [object] {
    error_code ignored;
    object->cancel(ignored);
  };
}

using factory = std::function<scenario(sockmode::timeout_type)>;

std::vector<std::pair<std::string, factory>> scenarios() {
  std::vector<std::pair<std::string, factory>> all;
  all.emplace_back("tcp recv", [](sockmode::timeout_type mode) {
    auto pair = std::make_shared<test::tcp_pair>(test::connected_pair());
    auto client = std::shared_ptr<sockmode::tcp::socket>(pair, &pair->client);
    client->settimeout(mode);
    scenario s;
    s.call = [client](error_code& ec) {
      char byte = 0;
      return client->recv(asio::buffer(&byte, 1), ec);
    };
    set_close_cancel(s, client);
    s.check = [pair](std::size_t n, bool closed) {
      BOOST_TEST(n == 0u);
      if (closed) return;
      pair->server.sendall(asio::buffer("z", 1));  // still usable after cancel
      pair->client.settimeout(5s);
      char byte = 0;
      BOOST_TEST(pair->client.recv(asio::buffer(&byte, 1)) == 1u);
      BOOST_TEST(byte == 'z');
    };
    s.keep = pair;
    return s;
  });
  all.emplace_back("tcp read_some", [](sockmode::timeout_type mode) {
    auto pair = std::make_shared<test::tcp_pair>(test::connected_pair());
    auto client = std::shared_ptr<sockmode::tcp::socket>(pair, &pair->client);
    client->settimeout(mode);
    scenario s;
    s.call = [client](error_code& ec) {
      char bytes[16];
      return client->read_some(asio::buffer(bytes), ec);
    };
    set_close_cancel(s, client);
    s.check = [](std::size_t n, bool) { BOOST_TEST(n == 0u); };
    s.keep = pair;
    return s;
  });
  for (const bool all_of_it : {false, true}) {
    const char* name = all_of_it ? "tcp sendall" : "tcp send";
    all.emplace_back(name, [all_of_it](sockmode::timeout_type mode) {
      auto pair = std::make_shared<test::tcp_pair>(test::connected_pair());
      auto client = std::shared_ptr<sockmode::tcp::socket>(pair, &pair->client);
      const std::size_t queued = fill_until_still(*client);
      client->settimeout(mode);
      auto data = std::make_shared<std::vector<char>>(4u << 20, 's');
      scenario s;
      s.call = [client, data, all_of_it](error_code& ec) {
        return all_of_it ? client->sendall(asio::buffer(*data), ec)
                         : client->send(asio::buffer(*data), ec);
      };
      set_close_cancel(s, client);
      s.may_complete = !all_of_it;
      s.check = [pair, queued](std::size_t n, bool) {
        // Every byte the call reported, and no other, reaches the peer.
        pair->client.close();
        BOOST_TEST(drain(pair->server) == queued + n);
      };
      s.keep = pair;
      return s;
    });
  }
  all.emplace_back("unix recv", [](sockmode::timeout_type mode) {
    auto pair = std::make_shared<std::pair<sockmode::local::stream_socket,
                                           sockmode::local::stream_socket>>(sockmode::socketpair());
    auto a = std::shared_ptr<sockmode::local::stream_socket>(pair, &pair->first);
    a->settimeout(mode);
    scenario s;
    s.call = [a](error_code& ec) {
      char byte = 0;
      return a->recv(asio::buffer(&byte, 1), ec);
    };
    set_close_cancel(s, a);
    s.check = [](std::size_t n, bool) { BOOST_TEST(n == 0u); };
    s.keep = pair;
    return s;
  });
  all.emplace_back("unix sendall", [](sockmode::timeout_type mode) {
    auto pair = std::make_shared<std::pair<sockmode::local::stream_socket,
                                           sockmode::local::stream_socket>>(sockmode::socketpair());
    auto a = std::shared_ptr<sockmode::local::stream_socket>(pair, &pair->first);
    const std::size_t queued = fill_until_still(*a);
    a->settimeout(mode);
    auto data = std::make_shared<std::vector<char>>(4u << 20, 'u');
    scenario s;
    s.call = [a, data](error_code& ec) { return a->sendall(asio::buffer(*data), ec); };
    set_close_cancel(s, a);
    s.check = [pair, queued](std::size_t n, bool) {
      pair->first.close();
      BOOST_TEST(drain(pair->second) == queued + n);
    };
    s.keep = pair;
    return s;
  });
  all.emplace_back("udp receive_from", [](sockmode::timeout_type mode) {
    auto u = std::make_shared<sockmode::udp::socket>(sockmode::udp::protocol::v4());
    u->bind({asio::ip::address_v4::loopback(), 0});
    u->settimeout(mode);
    scenario s;
    s.call = [u](error_code& ec) {
      char bytes[64];
      sockmode::udp::endpoint from;
      return u->receive_from(asio::buffer(bytes), from, ec);
    };
    set_close_cancel(s, u);
    s.keep = u;
    return s;
  });
  all.emplace_back("unix datagram send", [](sockmode::timeout_type mode) {
    auto pair = std::make_shared<std::pair<sockmode::local::datagram_socket,
                                           sockmode::local::datagram_socket>>(
        sockmode::socketpair(asio::local::datagram_protocol()));
    auto a = std::shared_ptr<sockmode::local::datagram_socket>(pair, &pair->first);
    fill_until_still(*a, 512);
    a->settimeout(mode);
    scenario s;
    s.call = [a](error_code& ec) {
      char bytes[512] = {};
      return a->send(asio::buffer(bytes), ec);
    };
    set_close_cancel(s, a);
    s.check = [](std::size_t n, bool) { BOOST_TEST(n == 0u); };
    s.keep = pair;
    return s;
  });
  all.emplace_back("tcp connect", [](sockmode::timeout_type mode) {
    auto full = std::make_shared<test::full_listener>();
    auto c = std::make_shared<sockmode::tcp::socket>(sockmode::tcp::protocol::v4());
    c->settimeout(mode);
    scenario s;
    s.call = [c, full](error_code& ec) {
      ec = c->connect_ex(full->endpoint());
      return std::size_t{0};
    };
    set_close_cancel(s, c);
    s.keep = full;
    return s;
  });
  all.emplace_back("tcp accept", [](sockmode::timeout_type mode) {
    auto l = std::make_shared<sockmode::tcp::acceptor>(test::loopback());
    l->settimeout(mode);
    scenario s;
    s.call = [l](error_code& ec) {
      l->accept(ec);
      return std::size_t{0};
    };
    set_close_cancel(s, l);
    s.keep = l;
    return s;
  });
  all.emplace_back("unix accept", [](sockmode::timeout_type mode) {
    auto path = std::make_shared<test::temp_path>();
    auto l = std::make_shared<sockmode::local::stream_acceptor>(
        sockmode::local::stream_acceptor::endpoint_type(path->str()));
    l->settimeout(mode);
    scenario s;
    s.call = [l](error_code& ec) {
      l->accept(ec);
      return std::size_t{0};
    };
    set_close_cancel(s, l);
    s.keep = std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<void>>>(l, path);
    return s;
  });
  all.emplace_back("tcp wait(read)", [](sockmode::timeout_type mode) {
    auto pair = std::make_shared<test::tcp_pair>(test::connected_pair());
    auto client = std::shared_ptr<sockmode::tcp::socket>(pair, &pair->client);
    scenario s;
    s.call = [client, mode](error_code& ec) {
      client->wait(wait_type::wait_read, mode, ec);
      return std::size_t{0};
    };
    set_close_cancel(s, client);
    s.keep = pair;
    return s;
  });
  all.emplace_back("tcp wait(write)", [](sockmode::timeout_type mode) {
    auto pair = std::make_shared<test::tcp_pair>(test::connected_pair());
    auto client = std::shared_ptr<sockmode::tcp::socket>(pair, &pair->client);
    fill_until_still(*client);
    scenario s;
    s.may_complete = true;
    s.call = [client, mode](error_code& ec) {
      client->wait(wait_type::wait_write, mode, ec);
      return std::size_t{0};
    };
    set_close_cancel(s, client);
    s.keep = pair;
    return s;
  });
  return all;
}

struct outcome {
  error_code ec;
  std::size_t n = 0;
  bool ended = false;
  double end_to_return = 0;  // seconds from the first close()/cancel() to the call's return
};

// Starts the call, ends it after `delay` with close (once) or cancel (repeated until the call
// returns: a cancel that comes before the call waits does not reach it).
outcome race(scenario& s, bool by_close, std::chrono::microseconds delay) {
  outcome out;
  std::atomic<bool> done{false};
  clock::time_point returned{};
  std::thread caller([&] {
    out.n = s.call(out.ec);
    returned = clock::now();
    done = true;
  });
  std::this_thread::sleep_for(delay);
  const auto first_end = clock::now();
  if (by_close) {
    s.close();
  } else {
    s.cancel();
  }
  const auto give_up = clock::now() + 20s;
  while (!done.load() && clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
    if (!by_close) s.cancel();
  }
  if (!done.load()) {
    std::fprintf(stderr, "%s: the call did not end 20 s after %s\n", s.name.c_str(),
                 by_close ? "close()" : "cancel()");
    std::abort();  // the thread cannot be joined: fail loudly rather than hang
  }
  caller.join();
  out.ended = true;
  out.end_to_return = std::chrono::duration<double>(returned - first_end).count();
  return out;
}

std::string mode_name(const sockmode::timeout_type& mode) {
  return mode ? "timeout " + std::to_string(mode->count() / 1'000'000) + " ms" : "blocking";
}

}  // namespace

BOOST_AUTO_TEST_CASE(close_and_cancel_end_every_call_in_flight_in_every_mode) {
  const std::vector<std::chrono::microseconds> delays = {0us, 300us, 5ms};
  const int rounds = stress::scaled(1, 10);
  int calls = 0;
  int completed = 0;
  double slowest = 0;
  for (const auto& [name, make] : scenarios()) {
    for (const sockmode::timeout_type mode : {sockmode::timeout_type(std::nullopt),
                                              sockmode::timeout_type(30s)}) {
      for (const bool by_close : {true, false}) {
        for (int round = 0; round < rounds; ++round) {
          for (const auto delay : delays) {
            scenario s = make(mode);
            s.name = name + ", " + mode_name(mode);
            const outcome out = race(s, by_close, delay);
            ++calls;
            slowest = std::max(slowest, out.end_to_return);
            BOOST_TEST_CONTEXT(s.name << (by_close ? ", close()" : ", cancel()") << " after "
                                      << delay.count() << " us") {
              if (!out.ec && s.may_complete) {
                ++completed;
              } else if (by_close) {
                BOOST_TEST((out.ec == asio_error::operation_aborted ||
                            out.ec == asio_error::bad_descriptor),
                           out.ec.message());
              } else {
                BOOST_TEST((out.ec == asio_error::operation_aborted), out.ec.message());
              }
              BOOST_TEST(out.end_to_return < 2.0);
              s.check(out.n, by_close);
            }
          }
        }
      }
    }
  }
  BOOST_TEST_MESSAGE(calls << " calls ended by close() or cancel() (" << completed
                           << " completed first); slowest return " << slowest * 1e3
                           << " ms after it");
}

BOOST_AUTO_TEST_CASE(unix_connect_to_a_full_backlog_ends_on_close_and_cancel) {
  // Blocking mode retries on a back-off timer (the other modes fail at once with EAGAIN):
  // close() and cancel() must end that sleep too.
  for (const bool by_close : {true, false}) {
    test::temp_path path;
    sockmode::local::stream_acceptor listener(
        sockmode::local::stream_acceptor::endpoint_type(path.str()), 0);
    std::vector<std::unique_ptr<sockmode::local::stream_socket>> fillers;
    for (int i = 0; i < 8; ++i) {
      auto f = std::make_unique<sockmode::local::stream_socket>(
          asio::local::stream_protocol());
      f->setblocking(false);
      const error_code ec = f->connect_ex(listener.local_endpoint());
      fillers.push_back(std::move(f));
      if (ec) break;  // the backlog is full
    }
    auto c = std::make_shared<sockmode::local::stream_socket>(asio::local::stream_protocol());
    c->settimeout(std::nullopt);
    scenario s;
    s.name = "unix connect, full backlog";
    s.call = [c, &listener](error_code& ec) {
      ec = c->connect_ex(listener.local_endpoint());
      return std::size_t{0};
    };
    set_close_cancel(s, c);
    const outcome out = race(s, by_close, 30ms);
    BOOST_TEST((out.ec == asio_error::operation_aborted || out.ec == asio_error::bad_descriptor),
               out.ec.message());
    BOOST_TEST(out.end_to_return < 2.0);
  }
}

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
    const std::size_t queued = op == 1 ? fill(a) : 0;
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
      BOOST_TEST((ec == asio_error::operation_aborted || ec == asio_error::bad_descriptor),
                 ec.message());
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
    BOOST_TEST((ec == asio_error::operation_aborted || ec == asio_error::bad_descriptor),
               ec.message());
    if (op == 0) BOOST_TEST(n == 0u);
    // B reads exactly what its peer sent, and its peer exactly what B sent, nothing more.
    std::vector<char> got(to_b.size());
    b.settimeout(5s);
    BOOST_TEST(asio::read(b, asio::buffer(got)) == got.size());
    BOOST_TEST((got == to_b));
    std::vector<char> peer_got;
    b_peer.settimeout(5s);
    std::vector<char> chunk(65536);
    for (;;) {
      const std::size_t m = b_peer.recv(asio::buffer(chunk));
      if (m == 0) break;
      peer_got.insert(peer_got.end(), chunk.begin(), chunk.begin() + static_cast<long>(m));
    }
    BOOST_TEST((peer_got == from_b));
    if (op == 1) BOOST_TEST(drain(a_peer) == queued + n);
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
    b_peer.settimeout(5s);
    std::string got(4096, '\0');
    std::size_t total = 0;
    for (;;) {
      const std::size_t m = b_peer.recv(asio::buffer(got.data() + total, got.size() - total));
      if (m == 0) break;
      total += m;
    }
    BOOST_TEST(got.substr(0, total) == mine);
    BOOST_TEST(drain(a_peer) == sent);  // and A's peer got every byte T was told it sent
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
    BOOST_TEST((ec == asio_error::operation_aborted || ec == asio_error::bad_descriptor));
  }
  BOOST_TEST(stress::settle({before, 1 << 20, 0}).fds == before);
}
