// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// `make demo`: what each call does in each of Python's three socket modes, against a
// loopback server. Blocking calls that would wait forever are cancelled by a watchdog
// thread after 300 ms, so the demo always ends.

#include <sockmode/sockmode.hpp>

#include <boost/asio/ip/address_v4.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

const sockmode::tcp::endpoint loopback{boost::asio::ip::address_v4::loopback(), 0};

struct mode {
  const char* name;
  sockmode::timeout_type timeout;
};
const mode modes[] = {{"blocking", std::nullopt}, {"non-blocking (0s)", 0ns},
                      {"timeout (250ms)", 250ms}};

// Runs `call`; a watchdog cancels `target` after 300 ms if it is still waiting.
template <class Target>
std::string measure(Target& target, const std::function<std::string(error_code&)>& call) {
  error_code ec;
  std::string result;
  const auto start = std::chrono::steady_clock::now();
  bool done = false;
  std::mutex m;
  std::condition_variable cv;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(m);
    if (!cv.wait_for(lock, 300ms, [&] { return done; })) target.cancel();
  });
  result = call(ec);
  {
    std::lock_guard<std::mutex> lock(m);
    done = true;
  }
  cv.notify_one();
  watchdog.join();
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start).count();
  std::string outcome;
  if (!ec) outcome = result.empty() ? "ok" : result;
  else if (ec == sockmode::error::timeout) outcome = "timeout";
  else if (ec == boost::asio::error::would_block) outcome = "would_block";
  else if (ec == boost::asio::error::operation_aborted) outcome = "waits*";
  else outcome = ec.message();
  if (ec && !result.empty()) outcome += " (" + result + ")";
  char cell[96];
  std::snprintf(cell, sizeof cell, "%-26s %6.1f ms", outcome.c_str(), ms);
  return cell;
}

struct pair {
  sockmode::tcp::socket client;
  sockmode::tcp::socket server;
};

pair connected() {
  sockmode::tcp::acceptor listener(loopback);
  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  return {std::move(client), listener.accept()};
}

void fill(sockmode::tcp::socket& s) {
  std::vector<char> chunk(1 << 16);
  error_code ec;
  s.setblocking(false);
  for (int i = 0; i < 10000 && !ec; ++i) s.send(boost::asio::buffer(chunk), ec);
}

// A listen(0) loopback listener whose queue is full: further SYNs are dropped.
struct full_listener {
  sockmode::tcp::acceptor listener{loopback, 0};
  std::vector<std::unique_ptr<sockmode::tcp::socket>> fillers;
  full_listener() {
    for (int i = 0; i < 16; ++i) {
      fillers.push_back(std::make_unique<sockmode::tcp::socket>());
      fillers.back()->setblocking(false);
      error_code ec = fillers.back()->connect_ex(listener.local_endpoint());
      error_code wait_ec;
      if (ec) fillers.back()->wait(sockmode::tcp::socket::wait_write, 100ms, wait_ec);
      if (wait_ec) return;
    }
  }
};

using row = std::function<std::string(const mode&)>;

}  // namespace

int main() {
  full_listener full;
  const std::vector<std::pair<const char*, row>> rows = {
      {"connect to a listening server",
       [](const mode& m) {
         sockmode::tcp::acceptor listener(loopback);
         sockmode::tcp::socket s;
         s.settimeout(m.timeout);
         return measure(s, [&](error_code& ec) {
           s.connect(listener.local_endpoint(), ec);
           return std::string();
         });
       }},
      {"connect to a full accept queue",
       [&full](const mode& m) {
         sockmode::tcp::socket s;
         s.settimeout(m.timeout);
         return measure(s, [&](error_code& ec) {
           s.connect(full.listener.local_endpoint(), ec);
           return std::string();
         });
       }},
      {"recv, 5 bytes already queued",
       [](const mode& m) {
         auto p = connected();
         p.server.sendall(boost::asio::buffer("hello", 5));
         p.client.wait(sockmode::tcp::socket::wait_read, 1s);
         p.client.settimeout(m.timeout);
         return measure(p.client, [&](error_code& ec) {
           char data[16];
           return std::to_string(p.client.recv(boost::asio::buffer(data), ec)) + " bytes";
         });
       }},
      {"recv, peer silent",
       [](const mode& m) {
         auto p = connected();
         p.client.settimeout(m.timeout);
         return measure(p.client, [&](error_code& ec) {
           char data[16];
           p.client.recv(boost::asio::buffer(data), ec);
           return std::string();
         });
       }},
      {"send 64 KiB, peer's buffer full",
       [](const mode& m) {
         auto p = connected();
         fill(p.client);
         p.client.settimeout(m.timeout);
         return measure(p.client, [&](error_code& ec) {
           std::vector<char> chunk(1 << 16);
           p.client.send(boost::asio::buffer(chunk), ec);
           return std::string();
         });
       }},
      {"sendall 64 MiB, peer not reading",
       [](const mode& m) {
         auto p = connected();
         p.client.settimeout(m.timeout);
         std::vector<char> big(64u << 20);
         return measure(p.client, [&](error_code& ec) {
           const std::size_t sent = p.client.sendall(boost::asio::buffer(big), ec);
           return std::to_string(sent >> 20) + " MiB sent";
         });
       }},
      {"accept, nobody connecting",
       [](const mode& m) {
         sockmode::tcp::acceptor listener(loopback);
         listener.settimeout(m.timeout);
         return measure(listener, [&](error_code& ec) {
           listener.accept(ec);
           return std::string();
         });
       }},
      {"mode of an accepted socket",
       [](const mode& m) {
         sockmode::tcp::acceptor listener(loopback);
         listener.settimeout(m.timeout);
         sockmode::tcp::socket client;
         client.connect(listener.local_endpoint());
         listener.wait(sockmode::tcp::acceptor::wait_read, 1s);
         const auto accepted = listener.accept();
         return std::string(accepted.gettimeout() ? "not blocking" : "blocking, as no default is set");
       }},
  };

  std::printf("sockmode demo: Python's socket modes on Boost.Asio (loopback only)\n\n");
  std::printf("%-34s", "call");
  for (const mode& m : modes) std::printf(" | %-36s", m.name);
  std::printf("\n%s\n", std::string(34 + 3 * 39, '-').c_str());
  for (const auto& [name, run] : rows) {
    std::printf("%-34s", name);
    for (const mode& m : modes) std::printf(" | %-36s", run(m).c_str());
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf(
      "\n* blocking mode waits until done; here a watchdog thread called cancel() after 300 ms\n"
      "non-blocking: fails at once with would_block\n"
      "timeout: fails with sockmode::error::timeout after 250 ms; nothing is lost, the socket "
      "stays usable\n");
  return 0;
}
