// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_MODEL_SOCKMODE_DRIVER_HPP
#define SOCKMODE_TEST_MODEL_SOCKMODE_DRIVER_HPP

// The sockmode side of the model test: executes one step at a time, as driver.py does on
// CPython's socket module, and answers in the same outcome format (see driver.py).

#include <sockmode/sockmode.hpp>

#include "model/scenario.hpp"

#include <boost/crc.hpp>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>

namespace model {

inline std::string kind_of(const boost::system::error_code& ec) {
  if (!ec) return "ok";
  if (ec == sockmode::error::timeout) return "timeout";
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again)
    return "would_block";
  if (ec.category() == boost::system::system_category() ||
      ec.category() == boost::system::generic_category()) {
    const char* name = ::strerrorname_np(ec.value());
    return std::string("err:") + (name ? name : std::to_string(ec.value()).c_str());
  }
  return std::string("err:") + ec.category().name() + ":" + std::to_string(ec.value());
}

inline std::string mode_text(const sockmode::timeout_type& t) {
  return t ? std::to_string(t->count()) : "none";
}

inline std::uint32_t crc32(const void* data, std::size_t n) {
  boost::crc_32_type crc;
  crc.process_bytes(data, n);
  return crc.checksum();
}

// Ends a call that outlives the watchdog bound with cancel(): a blocking call the scenario
// thought would complete. The step then fails with operation_aborted (err:ECANCELED).
class watchdog {
 public:
  watchdog() : thread_([this] { run(); }) {}
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void arm(sockmode::detail::io_object* object) {
    std::lock_guard<std::mutex> lock(mutex_);
    object_ = object;
    due_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    cv_.notify_all();
  }
  void disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    object_ = nullptr;
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      if (object_ && std::chrono::steady_clock::now() >= due_) {
        boost::system::error_code ignored;
        object_->cancel(ignored);
        object_ = nullptr;
      }
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  sockmode::detail::io_object* object_ = nullptr;
  std::chrono::steady_clock::time_point due_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

class sockmode_driver {
 public:
  sockmode_driver() : flood_(flood_bytes, '\0') {}

  std::string call(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string word; in >> word;) w.push_back(word);
    std::string result;
    try {
      result = execute(w);
    } catch (const std::invalid_argument&) {
      result = "invalid";
    } catch (const boost::system::system_error& e) {  // settimeout on a closed socket
      result = kind_of(e.code());
    }
    if (has_slot(w) && w[0].rfind("sync", 0) != 0) result += mode_of(std::stoi(w[1]));
    return result;
  }

 private:
  using tcp = sockmode::tcp::protocol;

  static bool has_slot(const std::vector<std::string>& w) {
    return w.size() > 1 && w[1].size() == 1 && w[1][0] >= '0' && w[1][0] <= '3' &&
           w[0].find("defaulttimeout") == std::string::npos;
  }

  sockmode::detail::io_object* object(int s) {
    if (s == listener_slot) return listener_ ? &*listener_ : nullptr;
    return sockets_[static_cast<std::size_t>(s)] ? &*sockets_[static_cast<std::size_t>(s)]
                                                  : nullptr;
  }
  sockmode::tcp::socket& sock(int s) { return *sockets_.at(static_cast<std::size_t>(s)); }

  std::string mode_of(int s) {
    sockmode::detail::io_object* o = object(s);
    if (!o) return "";
    return " mode=" + mode_text(o->gettimeout()) + " blk=" + (o->getblocking() ? "1" : "0");
  }

  static sockmode::timeout_type timeout_value(const std::string& text) {
    if (text == "none") return std::nullopt;
    // A floating count, converted as CPython converts a float.
    return sockmode::detail::to_timeout(std::chrono::duration<double>(std::stod(text)));
  }

  // Every other call goes through the throwing overload, which must agree with the ec one:
  // timeout_error exactly for error::timeout, and sendall's count in bytes_transferred().
  template <class F>
  std::string io(sockmode::detail::io_object* o, F&& f, std::size_t* count = nullptr) {
    const bool throwing = (calls_++ % 2) == 1;
    boost::system::error_code ec;
    guard_.arm(o);
    if (throwing) {
      try {
        f(true, ec);
      } catch (const sockmode::timeout_error& e) {
        ec = e.code();
        if (ec != sockmode::error::timeout) return disarm("harness:timeout_error-for-" + kind_of(ec));
        if (count) *count = e.bytes_transferred();
      } catch (const sockmode::io_error& e) {
        ec = e.code();
        if (ec == sockmode::error::timeout) return disarm("harness:io_error-for-timeout");
        if (count) *count = e.bytes_transferred();
      } catch (const boost::system::system_error& e) {
        ec = e.code();
        return disarm("harness:plain-system_error-for-" + kind_of(ec));
      }
    } else {
      f(false, ec);
    }
    return disarm(kind_of(ec));
  }
  std::string disarm(std::string kind) {
    guard_.disarm();
    return kind;
  }

  std::string execute(const std::vector<std::string>& w) {
    const std::string& op = w.at(0);
    const int s = has_slot(w) ? std::stoi(w[1]) : -1;
    if (op == "reset") {
      for (auto& socket : sockets_) socket.reset();
      listener_.reset();
      sockmode::setdefaulttimeout(std::nullopt);
      calls_ = 0;
      return "ok";
    }
    if (op == "setdefaulttimeout") return sockmode::setdefaulttimeout(timeout_value(w.at(1))), "ok";
    if (op == "getdefaulttimeout") return "ok value=" + mode_text(sockmode::getdefaulttimeout());
    if (op == "new") {
      sockets_.at(static_cast<std::size_t>(s)).reset();
      sockets_[static_cast<std::size_t>(s)].emplace(tcp::v4());
      return "ok";
    }
    if (op == "listen") {
      listener_.reset();
      listener_.emplace(sockmode::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0), 8);
      return "ok port=" + std::to_string(listener_->local_endpoint().port());
    }
    if (op == "settimeout") return object(s)->settimeout(timeout_value(w.at(2))), "ok";
    if (op == "setblocking") return object(s)->setblocking(w.at(2) == "1"), "ok";
    if (op == "gettimeout") return "ok value=" + mode_text(object(s)->gettimeout());
    if (op == "getblocking") return std::string("ok value=") + (object(s)->getblocking() ? "1" : "0");
    if (op == "accept") {
      std::optional<sockmode::tcp::socket> accepted;
      std::string kind = io(&*listener_, [&](bool throwing, boost::system::error_code& ec) {
        accepted.emplace(throwing ? listener_->accept() : listener_->accept(ec));
      });
      if (kind == "ok") sockets_.at(static_cast<std::size_t>(s)) = std::move(accepted);
      return kind;
    }
    if (s == listener_slot && op == "close") {
      boost::system::error_code ec;
      listener_->close(ec);
      return kind_of(ec);
    }
    sockmode::tcp::socket& so = sock(s);
    if (op == "connect" || op == "connect_ex") {
      const sockmode::tcp::endpoint to(boost::asio::ip::address_v4::loopback(),
                                       static_cast<unsigned short>(std::stoi(w.at(2))));
      if (op == "connect_ex") {
        guard_.arm(&so);
        return disarm(kind_of(so.connect_ex(to)));
      }
      return io(&so, [&](bool throwing, boost::system::error_code& ec) {
        if (throwing) so.connect(to);
        else so.connect(to, ec);
      });
    }
    if (op == "recv" || op == "recv_into") {
      std::vector<char> buf(std::stoul(w.at(2)));
      std::size_t n = 0;
      std::string kind = io(&so, [&](bool throwing, boost::system::error_code& ec) {
        if (op == "recv") {
          n = throwing ? so.recv(boost::asio::buffer(buf)) : so.recv(boost::asio::buffer(buf), ec);
        } else {
          // recv_into: a two-buffer sequence, so that the scatter path (recvmsg) is used.
          const std::size_t half = buf.size() / 2;
          const std::array<boost::asio::mutable_buffer, 2> parts{
              boost::asio::buffer(buf.data(), half),
              boost::asio::buffer(buf.data() + half, buf.size() - half)};
          n = throwing ? so.recv(parts) : so.recv(parts, ec);
        }
      });
      if (kind != "ok") return kind;
      return kind + " n=" + std::to_string(n) + " crc=" + std::to_string(crc32(buf.data(), n));
    }
    if (op == "send" || op == "sendall" || op == "flood") {
      const std::string payload =
          op == "flood" ? std::string() : pattern(std::stoul(w.at(2)), std::stoul(w.at(3)));
      const boost::asio::const_buffer data =
          op == "flood" ? boost::asio::const_buffer(boost::asio::buffer(flood_))
                        : boost::asio::const_buffer(boost::asio::buffer(payload));
      std::size_t n = 0;
      std::string kind = io(
          &so,
          [&](bool throwing, boost::system::error_code& ec) {
            if (op == "send") n = throwing ? so.send(data) : so.send(data, ec);
            else n = throwing ? so.sendall(data) : so.sendall(data, ec);
          },
          &n);
      // A failed sendall reports its count too (README, "sendall failure"); the comparator
      // knows CPython has none.
      if (kind == "ok" || op != "send") kind += " n=" + std::to_string(n);
      return kind;
    }
    if (op == "shutdown") {
      const auto how = w.at(2) == "rd"   ? sockmode::tcp::socket::shutdown_receive
                       : w.at(2) == "wr" ? sockmode::tcp::socket::shutdown_send
                                         : sockmode::tcp::socket::shutdown_both;
      boost::system::error_code ec;
      so.shutdown(how, ec);
      return kind_of(ec);
    }
    if (op == "close") {
      boost::system::error_code ec;
      so.close(ec);
      return kind_of(ec);
    }
    // Harness synchronisation on the raw descriptor, never compared.
    const int fd = so.native_handle();
    if (op == "sync_read") {
      const int want = std::stoi(w.at(2));
      return wait_until([&] {
        int avail = 0;
        return ::ioctl(fd, FIONREAD, &avail) == 0 && avail >= want;
      }, std::chrono::seconds(5));
    }
    if (op == "sync_outq") {
      return wait_until([&] {
        int queued = 0;
        return ::ioctl(fd, SIOCOUTQ, &queued) == 0 && queued == 0;
      }, std::chrono::seconds(20));
    }
    if (op == "sync_hup" || op == "sync_out") {
      pollfd p{fd, static_cast<short>(op == "sync_hup" ? POLLRDHUP : POLLOUT), 0};
      return ::poll(&p, 1, 5000) == 1 ? "ok" : "sync_failed";
    }
    return "harness:unknown-command";
  }

  template <class Predicate>
  static std::string wait_until(Predicate ready, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (ready()) return "ok";
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return "sync_failed";
  }

  static constexpr int listener_slot = 3;
  std::array<std::optional<sockmode::tcp::socket>, 3> sockets_;
  std::optional<sockmode::tcp::acceptor> listener_;
  std::string flood_;
  unsigned calls_ = 0;
  watchdog guard_;
};

}  // namespace model

#endif  // SOCKMODE_TEST_MODEL_SOCKMODE_DRIVER_HPP
