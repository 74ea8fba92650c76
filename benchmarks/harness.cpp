// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "harness.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>

namespace bench {

void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(p * static_cast<double>(samples.size()));
  const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return samples[std::min(i, samples.size() - 1)];
}

double median(std::vector<double> samples) {
  samples.erase(std::remove_if(samples.begin(), samples.end(), [](double v) { return std::isnan(v); }),
                samples.end());
  if (samples.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

void set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) < 0)
    fail("fcntl");
}

void set_nodelay(int fd) {
  const int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) fail("setsockopt");
}

loopback_listener::loopback_listener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("socket");
  address_.sin_family = AF_INET;
  address_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address_.sin_port = 0;
  socklen_t len = sizeof address_;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address_), len) < 0 || ::listen(fd_, 4096) < 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address_), &len) < 0) {
    ::close(fd_);
    fail("listen");
  }
}

loopback_listener::~loopback_listener() { ::close(fd_); }

std::pair<int, int> loopback_listener::connect_accept() {
  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (client < 0) fail("socket");
  if (::connect(client, reinterpret_cast<const sockaddr*>(&address_), sizeof address_) < 0) {
    ::close(client);
    fail("connect");
  }
  const int server = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (server < 0) {
    ::close(client);
    fail("accept");
  }
  return {client, server};
}

std::pair<int, int> loopback_listener::pair() {
  const auto [client, server] = connect_accept();
  set_nodelay(client);
  set_nodelay(server);
  return {client, server};
}

namespace {
std::mutex watchdog_mutex;
const char* watchdog_phase = nullptr;
std::int64_t watchdog_deadline = 0;
}  // namespace

void watchdog::start() {
  std::thread([] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      std::lock_guard<std::mutex> lock(watchdog_mutex);
      if (watchdog_phase != nullptr && now_ns() > watchdog_deadline) {
        std::fprintf(stderr, "sockmode_bench: '%s' exceeded its time budget; stopping\n",
                     watchdog_phase);
        std::fflush(stderr);
        ::_exit(3);
      }
    }
  }).detach();
}

void watchdog::arm(const char* phase, double seconds) {
  std::lock_guard<std::mutex> lock(watchdog_mutex);
  watchdog_phase = phase;
  watchdog_deadline = now_ns() + static_cast<std::int64_t>(seconds * 1e9);
}

void watchdog::disarm() {
  std::lock_guard<std::mutex> lock(watchdog_mutex);
  watchdog_phase = nullptr;
}

cpu_set_t pin_to_cpu(unsigned cpu) {
  cpu_set_t old;
  CPU_ZERO(&old);
  ::pthread_getaffinity_np(::pthread_self(), sizeof old, &old);
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu % n, &one);
  ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one);
  return old;
}

void restore_affinity(const cpu_set_t& mask) {
  ::pthread_setaffinity_np(::pthread_self(), sizeof mask, &mask);
}

std::size_t open_descriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::size_t n = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

std::size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0;
  unsigned long resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace bench
