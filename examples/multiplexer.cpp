// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// One thread serving many clients: non-blocking sockets and a selector, Python's
// `selectors` echo server. Every socket is in non-blocking mode; the selector says which one
// is ready, and a call that would still block fails with would_block instead of stalling the
// loop. Eight clients (threads here, to keep the example in one program) each send lines and
// check their echo; the server stops when all have hung up.

#include <sockmode/sockmode.hpp>

#include <boost/asio/read.hpp>

#include <chrono>
#include <cstdio>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;

int main() {
  sockmode::tcp::acceptor listener({boost::asio::ip::make_address("127.0.0.1"), 0});
  listener.setblocking(false);
  const auto endpoint = listener.local_endpoint();

  constexpr int client_count = 8;
  std::vector<std::thread> clients;
  int echoed_ok = 0;
  std::mutex m;
  for (int c = 0; c < client_count; ++c) {
    clients.emplace_back([&, c] {
      sockmode::tcp::socket s;
      s.settimeout(5s);
      s.connect(endpoint);
      bool ok = true;
      for (int i = 0; i < 3; ++i) {
        const std::string line = "client " + std::to_string(c) + " line " + std::to_string(i) + "\n";
        s.sendall(boost::asio::buffer(line));
        std::string reply(line.size(), '\0');
        boost::asio::read(s, boost::asio::buffer(reply));
        ok = ok && reply == line;
      }
      std::lock_guard<std::mutex> guard(m);
      echoed_ok += ok;
    });
  }

  sockmode::selector sel;
  sel.add(listener, sockmode::selector::event_read, &listener);
  std::list<sockmode::tcp::socket> peers;
  int hung_up = 0;
  while (hung_up < client_count) {
    const auto ready = sel.select(5s);
    if (ready.empty()) break;  // nobody for 5 s: give up
    for (const auto& r : ready) {
      if (r.data == &listener) {
        error_code ec;
        sockmode::tcp::socket peer = listener.accept(ec);
        if (ec) continue;  // would_block: another loop iteration took it
        peer.setblocking(false);
        sockmode::tcp::socket& kept = peers.emplace_back(std::move(peer));
        sel.add(kept, sockmode::selector::event_read, &kept);
        continue;
      }
      auto& peer = *static_cast<sockmode::tcp::socket*>(r.data);
      char buf[512];
      error_code ec;
      const std::size_t n = peer.recv(boost::asio::buffer(buf), ec);
      if (ec == boost::asio::error::would_block) continue;
      if (ec || n == 0) {  // the client hung up: closing also removes it from the selector
        peer.close();
        ++hung_up;
        continue;
      }
      peer.settimeout(1s);  // a short echo: let sendall wait for room rather than spin
      peer.sendall(boost::asio::buffer(buf, n));
      peer.setblocking(false);
    }
  }
  for (std::thread& t : clients) t.join();
  std::printf("served %d clients from one thread; %d got every echo back\n", hung_up, echoed_ok);
  return hung_up == client_count && echoed_ok == client_count ? 0 : 1;
}
