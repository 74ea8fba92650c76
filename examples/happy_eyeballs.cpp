// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// create_connection with Happy Eyeballs (RFC 8305): an IPv6 address whose listener never
// answers (its accept queue is full, so its SYNs are dropped) and an IPv4 address that
// accepts, as a name with both families would give. The IPv6 attempt starts first; after the
// attempt delay (250 ms) the IPv4 one starts beside it, wins, and the IPv6 attempt is closed.

#include <sockmode/sockmode.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using sockmode::tcp::endpoint;

int main() {
  // An IPv6 listener with listen(0), its queue filled: further connects hang.
  sockmode::tcp::acceptor v6({asio::ip::make_address("::1"), 0}, 0);
  std::vector<std::unique_ptr<sockmode::tcp::socket>> fillers;
  for (int i = 0; i < 16; ++i) {
    auto& filler = fillers.emplace_back(std::make_unique<sockmode::tcp::socket>());
    filler->setblocking(false);
    boost::system::error_code ec = filler->connect_ex(v6.local_endpoint());
    if (ec && (filler->wait(sockmode::tcp::socket::wait_write, 100ms, ec), ec)) break;
  }
  sockmode::tcp::acceptor v4({asio::ip::make_address("127.0.0.1"), v6.local_endpoint().port()});

  const auto start = std::chrono::steady_clock::now();
  std::vector<sockmode::connection_attempt> attempts;
  boost::system::error_code ec;
  sockmode::tcp::socket s = sockmode::create_connection(
      {v6.local_endpoint(), v4.local_endpoint()}, sockmode::connection_options{}, ec, &attempts);
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start).count();
  if (ec) {
    std::printf("failed: %s\n", ec.message().c_str());
    return 1;
  }
  std::printf("connected to %s after %.0f ms\n",
              s.remote_endpoint().address().to_string().c_str(), ms);
  for (const auto& a : attempts) {
    std::printf("  attempt %-22s %s\n", a.endpoint.address().to_string().c_str(),
                a.error ? a.error.message().c_str() : "connected");
  }
  return s.remote_endpoint().address().is_v4() ? 0 : 1;
}
