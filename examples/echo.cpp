// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// An echo server and its client, in each of the three modes. The server is the same loop
// whatever the mode; the client shows what each mode makes of a slow echo:
//   blocking      waits for the reply
//   timeout       gives up after 200 ms, then reads the reply when it comes: nothing is lost
//   non-blocking  would_block at once; `wait()` (a select() on one socket) says when to retry
//
// Usage: echo [blocking|timeout|non-blocking]   (all three when no argument)

#include <sockmode/sockmode.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// Echoes each message after `delay`, until the client closes.
void serve(sockmode::tcp::acceptor& listener, std::chrono::milliseconds delay) {
  sockmode::tcp::socket peer = listener.accept();
  char buf[256];
  while (std::size_t n = peer.recv(boost::asio::buffer(buf))) {
    std::this_thread::sleep_for(delay);
    peer.sendall(boost::asio::buffer(buf, n));
  }
}

int run(const std::string& mode) {
  sockmode::tcp::acceptor listener({boost::asio::ip::make_address("127.0.0.1"), 0});
  std::thread server(serve, std::ref(listener), 500ms);

  sockmode::tcp::socket client;
  client.connect(listener.local_endpoint());
  if (mode == "timeout") client.settimeout(200ms);
  if (mode == "non-blocking") client.setblocking(false);
  client.sendall(boost::asio::buffer(std::string("hello")));

  char reply[16] = {};
  error_code ec;
  std::size_t n = client.recv(boost::asio::buffer(reply), ec);
  std::printf("%-13s first recv: %s\n", mode.c_str(),
              ec ? ec.message().c_str() : std::string(reply, n).c_str());
  if (ec == sockmode::error::timeout || ec == boost::asio::error::would_block) {
    client.wait(sockmode::tcp::socket::wait_read, 5s);  // the reply is on its way
    n = client.recv(boost::asio::buffer(reply), ec);
    std::printf("%-13s then:       %s\n", mode.c_str(),
                ec ? ec.message().c_str() : std::string(reply, n).c_str());
  }
  client.close();
  server.join();
  return !ec && std::string(reply, n) == "hello" ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int failures = 0;
  for (const char* mode : {"blocking", "timeout", "non-blocking"}) {
    if (argc < 2 || std::strcmp(argv[1], mode) == 0) failures += run(mode);
  }
  return failures;
}
