// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_STRESS_DATAGRAM_CELL_HPP
#define SOCKMODE_TEST_STRESS_DATAGRAM_CELL_HPP

// A UDP or Unix datagram pair driven by a sender thread and a receiver thread. Each datagram
// carries its cell, generation, sequence number and length, and a payload that follows from
// them.

#include "stress_common.hpp"

namespace {

struct udp_kind {
  using socket = sockmode::udp::socket;
  static constexpr const char* name = "udp";
  static constexpr bool reliable = false;
};
struct unix_dgram_kind {
  using socket = sockmode::local::datagram_socket;
  static constexpr const char* name = "unix-dgram";
  static constexpr bool reliable = true;  // ordered, and nothing dropped while both are open
};

struct datagram_header {
  std::uint32_t magic;
  std::uint32_t cell;
  std::uint32_t generation;
  std::uint32_t seq;
  std::uint32_t length;
  std::uint32_t reserved;
};
constexpr std::uint32_t datagram_magic = 0x534d4447;

template <class Kind>
struct datagram_cell : cell {
  using socket = typename Kind::socket;

  explicit datagram_cell(int cell_id) : id(cell_id) {}
  const int id;

  std::mutex m;
  std::condition_variable cv;
  std::uint32_t gen = 0;  // guarded by m, as are the next ones
  bool receiver_finished = false;
  bool sender_exited = false;
  std::uint32_t sent_count = 0;
  std::shared_ptr<socket> tx;
  std::shared_ptr<socket> rx;
  typename socket::endpoint_type rx_endpoint;
  typename socket::endpoint_type tx_endpoint;
  std::atomic<bool> sender_finished{false};
  std::atomic<bool> closed_any{false};
  std::atomic<std::uint32_t> attempt_seq{0};  // the highest sequence number a send has used

  void disrupt(rng& r) override {
    std::shared_ptr<socket> target;
    {
      std::lock_guard<std::mutex> lock(m);
      target = r() % 2 == 0 ? tx : rx;
    }
    if (!target) return;
    const auto k = r() % 100;
    error_code ec;
    if (k < 55) {
      target->cancel(ec);
      g.cancels.fetch_add(1);
    } else if (k < 92) {
      foreign.fetch_add(1);
      if (set_mode(*target, foreign_mode(r))) g.mode_changes.fetch_add(1);
    } else {
      closed_any = true;
      target->close(ec);
      g.closes.fetch_add(1);
    }
  }

  bool make_pair() {
    if constexpr (std::is_same_v<Kind, udp_kind>) {
      const sockmode::udp::endpoint local(asio::ip::address_v4::loopback(), 0);
      auto a = std::make_shared<socket>(sockmode::udp::protocol::v4());
      auto b = std::make_shared<socket>(sockmode::udp::protocol::v4());
      a->bind(local);
      b->bind(local);
      a->asio_socket().set_option(asio::socket_base::send_buffer_size(1 << 20));
      b->asio_socket().set_option(asio::socket_base::receive_buffer_size(1 << 20));
      tx_endpoint = a->local_endpoint();
      rx_endpoint = b->local_endpoint();
      tx = std::move(a);
      rx = std::move(b);
    } else {
      auto [a, b] = sockmode::socketpair(asio::local::datagram_protocol());
      tx = std::make_shared<socket>(std::move(a));
      rx = std::make_shared<socket>(std::move(b));
    }
    return true;
  }

  void run_sender(activity& a, rng& r) {
    std::vector<unsigned char> buf(8192 + sizeof(datagram_header));
    while (!stop.load()) {
      std::shared_ptr<socket> s;
      std::uint32_t my_gen = 0;
      {
        std::lock_guard<std::mutex> lock(m);
        my_gen = ++gen;
        receiver_finished = false;
        sender_finished = false;
        closed_any = false;
        attempt_seq = 0;
        make_pair();
        s = tx;
        cv.notify_all();
      }
      {
        std::lock_guard<std::mutex> lock(a.m);
        a.generation = my_gen;
      }
      std::uint32_t seq = 0;
      const int calls = 1 + static_cast<int>(r() % 500);
      for (int i = 0; i < calls && !stop.load(); ++i) {
        const auto k = r() % 100;
        error_code ec;
        if (k < 5) {
          if (!set_mode(*s, random_mode(r))) break;
          continue;
        }
        if (k < 10) {
          const auto t = random_timeout(r);
          const std::int64_t start = now_ns();
          {
            doing d(a, "wait(write)", t);
            s->wait(wait_type::wait_write, t, ec);
          }
          if (ec == sockmode::error::timeout) a.record_overshoot(now_ns() - start - t.count());
          if (ec == asio_error::bad_descriptor) break;
          continue;
        }
        const std::size_t len = sizeof(datagram_header) + r() % 8192;
        const datagram_header header{datagram_magic, static_cast<std::uint32_t>(id), my_gen, seq,
                                     static_cast<std::uint32_t>(len), 0};
        std::memcpy(buf.data(), &header, sizeof header);
        fill(stream_key(id, my_gen) ^ seq, 0, buf.data() + sizeof header, len - sizeof header);
        const sockmode::timeout_type mode = random_mode(r);
        if (!set_mode(*s, mode)) break;
        attempt_seq = seq;
        const std::uint32_t foreign_before = foreign.load();
        std::size_t n = 0;
        const std::int64_t start = now_ns();
        {
          doing d(a, "send_to", mode);
          if constexpr (std::is_same_v<Kind, udp_kind>) {
            n = s->send_to(asio::buffer(buf.data(), len), rx_endpoint, ec);
          } else {
            n = s->send(asio::buffer(buf.data(), len), ec);
          }
        }
        const std::int64_t took = now_ns() - start;
        if (!ec) {
          if (n != len) violation(std::string(Kind::name) + " a datagram was sent in part");
          ++seq;
          continue;
        }
        if (n != 0) violation(std::string(Kind::name) + " a failed send reported bytes");
        if (ec == sockmode::error::timeout && mode && mode->count() > 0 &&
            foreign.load() == foreign_before) {
          a.record_overshoot(took - mode->count());
        }
        if (common_outcome(ec) || ec == asio_error::no_buffer_space) continue;
        if (ec == asio_error::bad_descriptor || ec == asio_error::connection_refused ||
            ec == asio_error::broken_pipe || ec == asio_error::connection_reset) {
          break;  // this end or the other was closed by another thread
        }
        violation(std::string(Kind::name) + " send: " + describe(ec));
        break;
      }
      std::unique_lock<std::mutex> lock(m);
      sent_count = seq;
      sender_finished = true;
      cv.notify_all();
      // The receiver may be waiting in blocking mode for a datagram that will never come:
      // cancel its waits until it says it has finished.
      const std::int64_t give_up_at = now_ns() + opt.stall_limit_ns;
      while (!receiver_finished && now_ns() < give_up_at) {
        std::shared_ptr<socket> receiver = rx;
        lock.unlock();
        error_code ec;
        receiver->cancel(ec);
        lock.lock();
        cv.wait_for(lock, 10ms, [&] { return receiver_finished; });
      }
      if (!receiver_finished) {
        violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                  ": the receiver never finished generation " + std::to_string(my_gen));
        break;
      }
      error_code ec;
      tx->close(ec);
      rx->close(ec);
      tx.reset();
      rx.reset();
    }
    std::lock_guard<std::mutex> lock(m);
    sender_exited = true;
    cv.notify_all();
  }

  void run_receiver(activity& a, rng& r) {
    std::vector<unsigned char> buf(65536);
    std::vector<unsigned char> expected(65536);
    for (std::uint32_t my_gen = 1;; ++my_gen) {
      std::shared_ptr<socket> s;
      typename socket::endpoint_type from_expected;
      {
        std::unique_lock<std::mutex> lock(m);
        if (!cv.wait_for(lock, std::chrono::nanoseconds(opt.stall_limit_ns),
                         [&] { return gen >= my_gen || sender_exited; })) {
          violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                    ": generation " + std::to_string(my_gen) + " never started");
          return;
        }
        if (gen < my_gen) return;  // the sender has exited
        s = rx;
        from_expected = tx_endpoint;
      }
      {
        std::lock_guard<std::mutex> lock(a.m);
        a.generation = my_gen;
      }
      std::uint32_t received = 0;
      std::vector<bool> seen;
      bool draining = false;
      const std::int64_t give_up_at = now_ns() + opt.stall_limit_ns;
      while (now_ns() < give_up_at) {
        if (!draining && sender_finished.load()) {
          draining = true;  // everything the sender will send is sent: read what is queued
          if (!set_mode(*s, std::chrono::nanoseconds(0))) break;
        }
        const auto k = r() % 100;
        error_code ec;
        if (!draining && k < 5) {
          if (!set_mode(*s, random_mode(r))) break;
          continue;
        }
        if (!draining && k < 10) {
          const auto t = random_timeout(r);
          const std::int64_t start = now_ns();
          {
            doing d(a, "wait(read)", t);
            s->wait(wait_type::wait_read, t, ec);
          }
          if (ec == sockmode::error::timeout) a.record_overshoot(now_ns() - start - t.count());
          if (ec == asio_error::bad_descriptor) break;
          continue;
        }
        const sockmode::timeout_type mode =
            draining ? sockmode::timeout_type(std::chrono::nanoseconds(0)) : random_mode(r);
        if (!draining && !set_mode(*s, mode)) break;
        const std::uint32_t foreign_before = foreign.load();
        typename socket::endpoint_type from;
        std::size_t n = 0;
        const std::int64_t start = now_ns();
        {
          doing d(a, "receive_from", mode);
          n = s->receive_from(asio::buffer(buf), from, ec);
        }
        const std::int64_t took = now_ns() - start;
        if (ec) {
          if (ec == sockmode::error::timeout && mode && mode->count() > 0 &&
              foreign.load() == foreign_before) {
            a.record_overshoot(took - mode->count());
          }
          if (draining && (is_would_block(ec) || ec == sockmode::error::timeout)) break;
          if (common_outcome(ec)) continue;
          if (ec == asio_error::bad_descriptor) break;
          violation(std::string(Kind::name) + " receive_from: " + describe(ec));
          break;
        }
        datagram_header header{};
        if (n < sizeof header) {
          violation(std::string(Kind::name) + " a datagram shorter than its header");
          continue;
        }
        std::memcpy(&header, buf.data(), sizeof header);
        if (header.magic != datagram_magic || header.cell != static_cast<std::uint32_t>(id) ||
            header.generation != my_gen || header.length != n ||
            header.seq > attempt_seq.load()) {
          violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                    ": a datagram that was never sent (seq " + std::to_string(header.seq) +
                    ", length " + std::to_string(header.length) + ", received " +
                    std::to_string(n) + ")");
          continue;
        }
        if constexpr (std::is_same_v<Kind, udp_kind>) {
          if (from != from_expected) violation("udp: a datagram from the wrong sender");
        }
        fill(stream_key(id, my_gen) ^ header.seq, 0, expected.data(), n - sizeof header);
        if (std::memcmp(expected.data(), buf.data() + sizeof header, n - sizeof header) != 0) {
          violation(std::string(Kind::name) + " a damaged datagram");
          continue;
        }
        if (seen.size() <= header.seq) seen.resize(header.seq + 1u, false);
        if (seen[header.seq]) {
          violation(std::string(Kind::name) + " datagram " + std::to_string(header.seq) +
                    " received twice");
        }
        seen[header.seq] = true;
        if (Kind::reliable && header.seq != received) {
          violation(std::string(Kind::name) + " datagram " + std::to_string(header.seq) +
                    " arrived as number " + std::to_string(received));
        }
        ++received;
        g.datagrams.fetch_add(1, std::memory_order_relaxed);
        g.datagram_bytes.fetch_add(n, std::memory_order_relaxed);
      }
      std::unique_lock<std::mutex> lock(m);
      if (!cv.wait_for(lock, std::chrono::nanoseconds(opt.stall_limit_ns),
                       [&] { return sender_finished.load(); })) {
        violation(std::string(Kind::name) + ": the sender never finished");
        return;
      }
      if (received > sent_count) {
        violation(std::string(Kind::name) + " cell " + std::to_string(id) + ": received " +
                  std::to_string(received) + " datagrams, " + std::to_string(sent_count) +
                  " reported sent");
      } else if (Kind::reliable && !closed_any.load() && received != sent_count) {
        violation(std::string(Kind::name) + " cell " + std::to_string(id) + ": received " +
                  std::to_string(received) + " of " + std::to_string(sent_count) +
                  " datagrams reported sent");
      } else if (!Kind::reliable) {
        g.udp_lost.fetch_add(sent_count - received);
      }
      receiver_finished = true;
      cv.notify_all();
    }
  }
};

}  // namespace

#endif  // SOCKMODE_TEST_STRESS_DATAGRAM_CELL_HPP
