// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// A thread-per-connection server, the legacy shape sockmode is for, with a clean shutdown:
// on SIGTERM or Ctrl-C the main thread closes the listener and every connection's socket,
// which wakes each worker blocked in accept() or recv() at once. No polling, no timeouts
// needed for the shutdown itself.
//
// Usage: thread_per_connection [--self-test]
//   --self-test: connects a few idle clients, sends itself SIGTERM, and checks that every
//   worker stopped within 100 ms.

#include <sockmode/sockmode.hpp>

#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

struct connection {
  sockmode::tcp::socket socket;
  std::thread worker;
};

void echo(sockmode::tcp::socket& socket) {
  char buf[4096];
  boost::system::error_code ec;
  while (std::size_t n = socket.recv(boost::asio::buffer(buf), ec)) {
    socket.sendall(boost::asio::buffer(buf, n), ec);
    if (ec) break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool self_test = argc > 1 && std::strcmp(argv[1], "--self-test") == 0;
  // Signals are taken by sigwait() in the main thread, never by a worker.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sockmode::tcp::acceptor listener({boost::asio::ip::make_address("127.0.0.1"), 0});
  std::printf("listening on 127.0.0.1:%u, Ctrl-C to stop\n",
              static_cast<unsigned>(listener.local_endpoint().port()));
  std::mutex mutex;
  std::list<connection> connections;
  std::thread acceptor([&] {
    for (;;) {
      boost::system::error_code ec;
      sockmode::tcp::socket peer = listener.accept(ec);
      if (ec) return;  // closed: shutting down
      std::lock_guard<std::mutex> guard(mutex);
      connection& c = connections.emplace_back(connection{std::move(peer), {}});
      c.worker = std::thread(echo, std::ref(c.socket));
    }
  });

  std::vector<sockmode::tcp::socket> clients;
  if (self_test) {
    for (int i = 0; i < 8; ++i) clients.emplace_back().connect(listener.local_endpoint());
    std::thread([] {
      std::this_thread::sleep_for(200ms);
      kill(getpid(), SIGTERM);
    }).detach();
  }

  int signal = 0;
  sigwait(&signals, &signal);
  const auto start = std::chrono::steady_clock::now();
  listener.close();  // wakes accept()
  acceptor.join();
  std::size_t workers = 0;
  {
    std::lock_guard<std::mutex> guard(mutex);
    for (connection& c : connections) c.socket.close();  // wakes each recv()
    for (connection& c : connections) {
      c.worker.join();
      ++workers;
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start).count();
  std::printf("%s: stopped %zu workers in %.2f ms\n", strsignal(signal), workers, ms);
  return self_test && (workers != clients.size() || ms > 100.0) ? 1 : 0;
}
