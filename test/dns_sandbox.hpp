// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_DNS_SANDBOX_HPP
#define SOCKMODE_TEST_DNS_SANDBOX_HPP

// A private resolv.conf pointing at a DNS server on loopback that this test process runs, so
// that name resolution is tested without touching the real network or the real files. The
// process moves into a mount namespace of its own (as `unshare -m` does) before any thread
// starts, and bind-mounts its resolv.conf there; the machine's files are never changed. Needs
// root; without it the tests that need the server are skipped with a message saying why.
//
// The server answers by the first label of the name asked:
//   dual.*    A 127.0.0.1 and AAAA ::1, at once
//   late.*    the same, 600 ms late
//   silent.*  never
//   anything else: NXDOMAIN

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test {

class dns_sandbox {
 public:
  static dns_sandbox*& instance() {
    static dns_sandbox* current = nullptr;
    return current;
  }

  dns_sandbox() {
    instance() = this;
    setup();
    if (ready_) server_ = std::thread([this] { serve(); });
  }
  dns_sandbox(const dns_sandbox&) = delete;
  dns_sandbox& operator=(const dns_sandbox&) = delete;
  ~dns_sandbox() {
    stop_ = true;
    if (server_.joinable()) server_.join();
    for (std::thread& t : late_) t.join();
    if (fd_ >= 0) ::close(fd_);
    if (!conf_.empty()) ::unlink(conf_.c_str());
    instance() = nullptr;
  }

  bool ready() const { return ready_; }
  const std::string& why_not() const { return why_; }
  int queries() const { return queries_.load(); }
  int pending() const { return pending_.load(); }  // late answers not sent yet

 private:
  void setup() {
    const pid_t pid = ::getpid();
    address_ = "127.77." + std::to_string(pid % 250) + "." + std::to_string(1 + pid / 250 % 250);
    if (::geteuid() != 0) return skip("name-resolution tests need root for a private mount namespace");
    if (::access("/etc/resolv.conf", F_OK) != 0) return skip("/etc/resolv.conf does not exist");
    if (::unshare(CLONE_NEWNS) != 0) return skip(std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno));
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return skip(std::string("mount --make-rprivate /: ") + std::strerror(errno));
    conf_ = "/tmp/sockmode-resolv-" + std::to_string(pid) + ".conf";
    std::ofstream(conf_) << "nameserver " << address_ << "\noptions timeout:1 attempts:1\n";
    if (::mount(conf_.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0)
      return skip(std::string("mount --bind resolv.conf: ") + std::strerror(errno));
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    ::inet_pton(AF_INET, address_.c_str(), &a.sin_addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return skip(std::string("bind ") + address_ + ":53: " + std::strerror(errno));
    ready_ = true;
  }

  void skip(std::string why) { why_ = std::move(why); }

  void serve() {
    for (int rounds = 0; !stop_ && rounds < 20 * 60 * 30; ++rounds) {  // bounded: 30 min
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      unsigned char q[512];
      sockaddr_storage from{};
      socklen_t from_size = sizeof from;
      const ssize_t n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 17) continue;
      ++queries_;
      answer(std::vector<unsigned char>(q, q + n), from, from_size);
    }
  }

  void answer(const std::vector<unsigned char>& q, sockaddr_storage from, socklen_t from_size) {
    std::size_t i = 12;
    std::string first;
    while (i < q.size() && q[i] != 0) {
      const std::size_t len = q[i];
      if (first.empty()) first.assign(reinterpret_cast<const char*>(&q[i + 1]), std::min(len, q.size() - i - 1));
      i += len + 1;
    }
    if (i + 5 > q.size()) return;
    const int qtype = q[i + 1] << 8 | q[i + 2];
    const std::size_t question_end = i + 5;
    if (first == "silent") return;
    std::vector<unsigned char> r(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(question_end));
    r[2] = 0x81;  // QR, RD
    r[3] = 0x80;  // RA, NOERROR
    r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
    if (first == "dual" || first == "late") {
      std::vector<unsigned char> rdata;
      if (qtype == 1) rdata = {127, 0, 0, 1};
      if (qtype == 28) {
        rdata = std::vector<unsigned char>(16, 0);
        rdata[15] = 1;
      }
      if (!rdata.empty()) {
        r[7] = 1;
        const unsigned char rr[] = {0xc0, 0x0c, 0, static_cast<unsigned char>(qtype), 0, 1,
                                    0, 0, 0, 60, 0, static_cast<unsigned char>(rdata.size())};
        r.insert(r.end(), std::begin(rr), std::end(rr));
        r.insert(r.end(), rdata.begin(), rdata.end());
      }
    } else {
      r[3] = 0x83;  // NXDOMAIN
    }
    const auto send = [this, r, from, from_size] {
      ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<const sockaddr*>(&from), from_size);
      --pending_;
    };
    ++pending_;
    if (first == "late") {
      std::lock_guard<std::mutex> guard(late_mutex_);
      late_.emplace_back([send] {
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
        send();
      });
    } else {
      send();
    }
  }

  std::string address_;
  std::string conf_;
  std::string why_;
  bool ready_ = false;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::atomic<int> pending_{0};
  std::thread server_;
  std::mutex late_mutex_;
  std::vector<std::thread> late_;
};

// For BOOST_AUTO_TEST_CASE(..., *boost::unit_test::precondition(test::dns_ready)).
struct dns_ready_t {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    dns_sandbox* s = dns_sandbox::instance();
    boost::test_tools::assertion_result result(s != nullptr && s->ready());
    if (s == nullptr) result.message() << "no DNS sandbox";
    else if (!s->ready()) result.message() << "skipped: " << s->why_not();
    return result;
  }
};
inline constexpr dns_ready_t dns_ready{};

inline int threads_alive() {
  int count = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d)) count += e->d_name[0] != '.';
    ::closedir(d);
  }
  return count;
}

}  // namespace test

#endif  // SOCKMODE_TEST_DNS_SANDBOX_HPP
