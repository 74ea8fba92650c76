// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// close() and cancel() against calls in flight, in every operation and mode. The module's other
// file, close_race_reuse_test.cpp, has descriptor numbers reused right after close() and
// destroying against closing.
#include <sockmode/sockmode.hpp>

#include "close_race_helpers.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using test::clock;

// As fill, again after short pauses until nothing more fits: on TCP the first fill stops when
// the send buffer is full, and room appears as the data moves on into the peer's receive
// buffer.
template <class Socket>
std::size_t fill_until_still(Socket& s, std::size_t chunk_size = 1 << 16) {
  std::size_t total = stress::fill(s, chunk_size);
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(10ms);
    const std::size_t more = stress::fill(s, chunk_size);
    total += more;
    if (more == 0) break;
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

// A scenario whose call is `call(*object, ec)` (its count, or 0 when it returns none), ended
// by the object's close() and cancel(); `keep` holds what the call needs.
template <class Object, class Call>
scenario on(const std::shared_ptr<Object>& object, std::shared_ptr<void> keep, Call call) {
  scenario s;
  s.call = [object, call](error_code& ec) -> std::size_t {
    if constexpr (std::is_void_v<decltype(call(*object, ec))>) {
      call(*object, ec);
      return 0;
    } else {
      return call(*object, ec);
    }
  };
  s.close = [object] { object->close(); };
  s.cancel = [object] {
    error_code ignored;
    object->cancel(ignored);
  };
  s.keep = std::move(keep);
  return s;
}

using unix_pair = std::pair<sockmode::local::stream_socket, sockmode::local::stream_socket>;
using datagram_pair =
    std::pair<sockmode::local::datagram_socket, sockmode::local::datagram_socket>;

std::shared_ptr<test::tcp_pair> new_tcp_pair() {
  return std::make_shared<test::tcp_pair>(test::connected_pair());
}

// One end of a pair, sharing the pair's ownership.
template <class Pair, class Socket>
std::shared_ptr<Socket> end_of(const std::shared_ptr<Pair>& pair, Socket Pair::*end) {
  return std::shared_ptr<Socket>(pair, &((*pair).*end));
}

const auto recv_one = [](auto& socket, error_code& ec) {
  char byte = 0;
  return socket.recv(asio::buffer(&byte, 1), ec);
};
const auto accept_one = [](auto& acceptor, error_code& ec) { acceptor.accept(ec); };
const auto nothing_transferred = [](std::size_t n, bool) { BOOST_TEST(n == 0u); };

// send (or sendall) of 4 MiB from the `from` end of `pair`, whose send path is full, to its
// `to` end: every byte the call reported, and no other, reaches the peer.
template <class Pair, class Socket>
scenario send_into_full(const std::shared_ptr<Pair>& pair, Socket Pair::*from, Socket Pair::*to,
                        sockmode::timeout_type mode, bool all_of_it, char byte) {
  const auto sender = end_of(pair, from);
  const std::size_t queued = fill_until_still(*sender);
  sender->settimeout(mode);
  auto data = std::make_shared<std::vector<char>>(4u << 20, byte);
  scenario s = on(sender, pair, [data, all_of_it](Socket& socket, error_code& ec) {
    return all_of_it ? socket.sendall(asio::buffer(*data), ec)
                     : socket.send(asio::buffer(*data), ec);
  });
  s.may_complete = !all_of_it;
  s.check = [sender, receiver = end_of(pair, to), queued](std::size_t n, bool) {
    sender->close();
    BOOST_TEST(stress::read_to_end(*receiver).size() == queued + n);
  };
  return s;
}

using factory = std::function<scenario(sockmode::timeout_type)>;

std::vector<std::pair<std::string, factory>> scenarios() {
  using sockmode::timeout_type;
  std::vector<std::pair<std::string, factory>> all;
  all.emplace_back("tcp recv", [](timeout_type mode) {
    auto pair = new_tcp_pair();
    pair->client.settimeout(mode);
    scenario s = on(end_of(pair, &test::tcp_pair::client), pair, recv_one);
    s.check = [pair](std::size_t n, bool closed) {
      BOOST_TEST(n == 0u);
      if (closed) return;
      pair->server.sendall(asio::buffer("z", 1));  // still usable after cancel
      pair->client.settimeout(5s);
      char byte = 0;
      BOOST_TEST(pair->client.recv(asio::buffer(&byte, 1)) == 1u);
      BOOST_TEST(byte == 'z');
    };
    return s;
  });
  all.emplace_back("tcp read_some", [](timeout_type mode) {
    auto pair = new_tcp_pair();
    pair->client.settimeout(mode);
    scenario s = on(end_of(pair, &test::tcp_pair::client), pair,
                    [](sockmode::tcp::socket& client, error_code& ec) {
                      char bytes[16];
                      return client.read_some(asio::buffer(bytes), ec);
                    });
    s.check = nothing_transferred;
    return s;
  });
  for (const bool all_of_it : {false, true}) {
    all.emplace_back(all_of_it ? "tcp sendall" : "tcp send", [all_of_it](timeout_type mode) {
      return send_into_full(new_tcp_pair(), &test::tcp_pair::client, &test::tcp_pair::server,
                            mode, all_of_it, 's');
    });
  }
  all.emplace_back("unix recv", [](timeout_type mode) {
    auto pair = std::make_shared<unix_pair>(sockmode::socketpair());
    pair->first.settimeout(mode);
    scenario s = on(end_of(pair, &unix_pair::first), pair, recv_one);
    s.check = nothing_transferred;
    return s;
  });
  all.emplace_back("unix sendall", [](timeout_type mode) {
    return send_into_full(std::make_shared<unix_pair>(sockmode::socketpair()), &unix_pair::first,
                          &unix_pair::second, mode, true, 'u');
  });
  all.emplace_back("udp receive_from", [](timeout_type mode) {
    auto u = std::make_shared<sockmode::udp::socket>(sockmode::udp::protocol::v4());
    u->bind({asio::ip::address_v4::loopback(), 0});
    u->settimeout(mode);
    return on(u, u, [](sockmode::udp::socket& socket, error_code& ec) {
      char bytes[64];
      sockmode::udp::endpoint from;
      return socket.receive_from(asio::buffer(bytes), from, ec);
    });
  });
  all.emplace_back("unix datagram send", [](timeout_type mode) {
    auto pair =
        std::make_shared<datagram_pair>(sockmode::socketpair(asio::local::datagram_protocol()));
    fill_until_still(pair->first, 512);
    pair->first.settimeout(mode);
    scenario s = on(end_of(pair, &datagram_pair::first), pair,
                    [](sockmode::local::datagram_socket& a, error_code& ec) {
                      char bytes[512] = {};
                      return a.send(asio::buffer(bytes), ec);
                    });
    s.check = nothing_transferred;
    return s;
  });
  all.emplace_back("tcp connect", [](timeout_type mode) {
    auto full = std::make_shared<test::full_listener>();
    auto c = std::make_shared<sockmode::tcp::socket>(sockmode::tcp::protocol::v4());
    c->settimeout(mode);
    return on(c, full, [full](sockmode::tcp::socket& socket, error_code& ec) {
      ec = socket.connect_ex(full->endpoint());
    });
  });
  all.emplace_back("tcp accept", [](timeout_type mode) {
    auto l = std::make_shared<sockmode::tcp::acceptor>(test::loopback());
    l->settimeout(mode);
    return on(l, l, accept_one);
  });
  all.emplace_back("unix accept", [](timeout_type mode) {
    auto path = std::make_shared<test::temp_path>();
    auto l = std::make_shared<sockmode::local::stream_acceptor>(
        sockmode::local::stream_acceptor::endpoint_type(path->str()));
    l->settimeout(mode);
    return on(l, std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<void>>>(l, path),
              accept_one);
  });
  for (const bool write : {false, true}) {
    all.emplace_back(write ? "tcp wait(write)" : "tcp wait(read)", [write](timeout_type mode) {
      auto pair = new_tcp_pair();
      if (write) fill_until_still(pair->client);
      const wait_type what = write ? wait_type::wait_write : wait_type::wait_read;
      scenario s = on(end_of(pair, &test::tcp_pair::client), pair,
                      [what, mode](sockmode::tcp::socket& client, error_code& ec) {
                        client.wait(what, mode, ec);
                      });
      s.may_complete = write;
      return s;
    });
  }
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
                BOOST_TEST(stress::ended_by_close(out.ec), out.ec.message());
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
    scenario s = on(c, c, [&listener](sockmode::local::stream_socket& socket, error_code& ec) {
      ec = socket.connect_ex(listener.local_endpoint());
    });
    s.name = "unix connect, full backlog";
    const outcome out = race(s, by_close, 30ms);
    BOOST_TEST(stress::ended_by_close(out.ec), out.ec.message());
    BOOST_TEST(out.end_to_return < 2.0);
  }
}
