// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_STRESS_STREAM_CELL_HPP
#define SOCKMODE_TEST_STRESS_STREAM_CELL_HPP

// A TCP or Unix stream connection driven by a sender thread and a receiver thread, one
// generation after another, through a listener shared by every cell of its kind.

#include "stress_common.hpp"

namespace {

struct tcp_kind {
  using socket = sockmode::tcp::socket;
  using acceptor = sockmode::tcp::acceptor;
  static constexpr const char* name = "tcp";
};
struct unix_kind {
  using socket = sockmode::local::stream_socket;
  using acceptor = sockmode::local::stream_acceptor;
  static constexpr const char* name = "unix";
};

template <class Kind>
struct stream_cell;

// A listener shared by every stream cell of a kind. A connection's first 8 bytes name its
// cell and generation; whichever receiver accepts it puts it in the mailbox for its owner.
template <class Kind>
struct hub {
  std::unique_ptr<typename Kind::acceptor> listener;
  typename Kind::acceptor::endpoint_type endpoint;
  std::mutex m;
  std::map<std::uint64_t, std::shared_ptr<typename Kind::socket>> mailbox;
  std::vector<stream_cell<Kind>*> cells;
};

template <class Kind>
struct stream_cell : cell {
  using socket = typename Kind::socket;

  stream_cell(int cell_id, hub<Kind>& shared) : id(cell_id), h(shared) {}

  const int id;
  hub<Kind>& h;

  std::mutex m;
  std::condition_variable cv;
  // Guarded by m: the sender's generation and how it ended.
  std::uint32_t gen = 0;
  bool connected = false;
  bool sender_finished = false;
  bool receiver_finished = false;
  bool sender_exited = false;
  std::int64_t finished_at = 0;
  std::uint64_t sent = 0;
  std::uint64_t sent_sum = fnv_start;
  std::shared_ptr<socket> client;  // published for the disruptors while streaming
  std::shared_ptr<socket> server;
  std::atomic<bool> reset_injected{false};
  std::atomic<std::uint32_t> receiver_gen{1};

  void disrupt(rng& r) override {
    const bool on_client = r() % 2 == 0;
    std::shared_ptr<socket> target;
    {
      std::lock_guard<std::mutex> lock(m);
      target = on_client ? client : server;
    }
    if (!target) return;
    const auto k = r() % 100;
    error_code ec;
    if (k < 50) {
      target->cancel(ec);
      g.cancels.fetch_add(1);
    } else if (k < 80) {
      foreign.fetch_add(1);
      if (set_mode(*target, foreign_mode(r))) g.mode_changes.fetch_add(1);
    } else if (k < 88) {
      target->close(ec);
      g.closes.fetch_add(1);
    } else if (k < 94) {
      if (!on_client) return;
      target->shutdown(asio::socket_base::shutdown_send, ec);
      if (!ec) g.half_closes.fetch_add(1);
    } else if constexpr (std::is_same_v<Kind, tcp_kind>) {
      if (!on_client) return;
      // Under m, which the sender's own close also takes: the option is set through the Asio
      // object, and no other thread may close the socket meanwhile.
      std::lock_guard<std::mutex> lock(m);
      if (client != target || !target->is_open()) return;
      reset_injected = true;
      try {
        target->asio_socket().set_option(asio::socket_base::linger(true, 0), ec);
      } catch (const std::exception&) {
        return;
      }
      target->close(ec);
      g.resets.fetch_add(1);
    }
  }

  // ----- sender

  bool connect(socket& s, activity& a, rng& r) {
    sockmode::timeout_type mode = s.gettimeout();  // sometimes the default timeout
    if (r() % 4 != 0) {
      mode = random_mode(r);
      set_mode(s, mode);
    }
    for (int attempt = 0; attempt < 200 && !stop.load(); ++attempt) {
      error_code ec;
      {
        doing d(a, "connect", mode);
        ec = s.connect_ex(h.endpoint);
      }
      if (!ec || ec == asio_error::already_connected) break;
      if (ec == sockmode::error::timeout || is_would_block(ec) ||
          ec == asio_error::already_started) {
        common_outcome(ec);
        doing d(a, "wait(write) for connect", 200ms);
        s.wait(wait_type::wait_write, 200ms, ec);
        continue;
      }
      if (ec == std::errc::resource_unavailable_try_again) {  // a full Unix backlog
        std::this_thread::sleep_for(1ms);
        continue;
      }
      violation(std::string(Kind::name) + " connect: " + describe(ec));
      return false;
    }
    error_code ec;
    s.remote_endpoint(ec);
    if (ec) return false;
    const std::uint64_t token = (static_cast<std::uint64_t>(id) << 32) | gen_for_token;
    unsigned char bytes[8];
    std::memcpy(bytes, &token, sizeof bytes);
    set_mode(s, 10s);
    doing d(a, "sendall token", 10s);
    return s.sendall(asio::buffer(bytes), ec) == sizeof bytes && !ec;
  }
  std::uint32_t gen_for_token = 0;  // the sender thread's own copy of gen

  // One random send call; false once the stream is over for the sender.
  bool send_once(socket& s, activity& a, rng& r, std::vector<unsigned char>& buf,
                 std::uint64_t key, std::uint64_t& pos, std::uint64_t& sum) {
    const auto k = r() % 100;
    error_code ec;
    if (k < 4) return set_mode(s, random_mode(r));
    if (k < 9) {
      const auto t = random_timeout(r);
      const std::int64_t start = now_ns();
      {
        doing d(a, "wait(write)", t);
        s.wait(wait_type::wait_write, t, ec);
      }
      if (ec == sockmode::error::timeout) a.record_overshoot(now_ns() - start - t.count());
      if (ec && !common_outcome(ec) && ec != asio_error::bad_descriptor)
        violation(std::string(Kind::name) + " wait(write): " + describe(ec));
      return ec != asio_error::bad_descriptor;
    }
    bool own_deadline = false;
    if (k < 13) {
      try {
        s.set_write_deadline(std::chrono::steady_clock::now() + random_timeout(r));
        own_deadline = true;
      } catch (const sockmode::io_error&) {
        return false;
      }
    }
    const auto op = r() % 3;  // send, sendall, write_some over two buffers
    const std::size_t len = random_length(r, op == 1 ? 256u << 10 : 64u << 10);
    fill(key, pos, buf.data(), len);
    const sockmode::timeout_type mode = random_mode(r);
    if (!set_mode(s, mode)) return false;
    const std::uint32_t foreign_before = foreign.load();
    std::size_t n = 0;
    const std::int64_t start = now_ns();
    {
      doing d(a, op == 0 ? "send" : op == 1 ? "sendall" : "write_some", mode);
      if (op == 0) {
        n = s.send(asio::buffer(buf.data(), len), ec);
      } else if (op == 1) {
        n = s.sendall(asio::buffer(buf.data(), len), ec);
      } else {
        const std::size_t half = len / 2;
        const std::array<asio::const_buffer, 2> parts = {
            asio::buffer(buf.data(), half), asio::buffer(buf.data() + half, len - half)};
        n = s.write_some(parts, ec);
      }
    }
    const std::int64_t took = now_ns() - start;
    if (own_deadline) {
      try {
        s.set_write_deadline(std::nullopt);
      } catch (const sockmode::io_error&) {
      }
    }
    if (n > len) {
      violation(std::string(Kind::name) + " send reported " + std::to_string(n) + " of " +
                std::to_string(len) + " bytes");
      n = len;
    }
    sum = fnv(sum, buf.data(), n);
    pos += n;
    if (!ec) {
      if (op == 1 && n != len) violation(std::string(Kind::name) + " sendall fell short");
      if (len > 0 && n == 0) violation(std::string(Kind::name) + " send returned 0");
      return true;
    }
    if (op != 1 && n != 0) {
      violation(std::string(Kind::name) + " a failed send reported " + std::to_string(n) +
                " bytes: " + describe(ec));
    }
    if (ec == sockmode::error::timeout && mode && mode->count() > 0 && !own_deadline &&
        foreign.load() == foreign_before) {
      a.record_overshoot(took - mode->count());
    }
    if (common_outcome(ec)) return true;
    if (ec == asio_error::bad_descriptor || ec == asio_error::broken_pipe ||
        ec == asio_error::connection_reset) {
      return false;  // closed, half-closed or reset by another thread, or the peer went away
    }
    violation(std::string(Kind::name) + " send: " + describe(ec));
    return false;
  }

  void run_sender(activity& a, rng& r) {
    std::vector<unsigned char> buf(256u << 10);
    while (!stop.load()) {
      std::uint32_t my_gen = 0;
      {
        std::lock_guard<std::mutex> lock(m);
        my_gen = ++gen;
        connected = false;
        sender_finished = receiver_finished = false;
        sent = 0;
        sent_sum = fnv_start;
        reset_injected = false;
      }
      {
        std::lock_guard<std::mutex> lock(a.m);
        a.generation = my_gen;
      }
      gen_for_token = my_gen;
      auto s = std::make_shared<socket>();
      const bool ok = connect(*s, a, r);
      if (ok) {
        g.connections.fetch_add(1);
        std::lock_guard<std::mutex> lock(m);
        client = s;
        connected = true;
      }
      std::uint64_t pos = 0;
      std::uint64_t sum = fnv_start;
      const std::uint64_t key = stream_key(id, my_gen);
      const int calls = 1 + static_cast<int>(r() % 400);
      for (int i = 0; ok && i < calls && !stop.load(); ++i) {
        if (!send_once(*s, a, r, buf, key, pos, sum)) break;
      }
      {
        std::unique_lock<std::mutex> lock(m);
        error_code ec;
        if (r() % 2 == 0) s->shutdown(asio::socket_base::shutdown_send, ec);
        s->close(ec);
        client.reset();
        sent = pos;
        sent_sum = sum;
        sender_finished = true;
        finished_at = now_ns();
        cv.notify_all();
        if (!cv.wait_for(lock, std::chrono::nanoseconds(opt.stall_limit_ns),
                         [&] { return receiver_finished; })) {
          violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                    ": the receiver never finished generation " + std::to_string(my_gen));
          break;
        }
      }
    }
    std::lock_guard<std::mutex> lock(m);
    sender_exited = true;
    cv.notify_all();
  }

  // ----- receiver

  // Accepts one connection from the shared listener and delivers it to its cell's mailbox.
  void accept_one(activity& a, rng& r) {
    auto& listener = *h.listener;
    const auto k = r() % 4;
    sockmode::timeout_type mode;
    error_code ec;
    if (k == 0) {
      mode = std::chrono::nanoseconds(0);
      const auto t = random_timeout(r, 20e3, 20e6);
      doing d(a, "wait(read) on listener", t);
      listener.wait(wait_type::wait_read, t, ec);
    } else {
      mode = random_timeout(r, 20e3, 20e6);
    }
    set_mode(listener, mode);
    typename Kind::socket peer;
    {
      doing d(a, "accept", mode);
      peer = listener.accept(ec);
    }
    if (ec) {
      if (!common_outcome(ec)) violation(std::string(Kind::name) + " accept: " + describe(ec));
      return;
    }
    auto accepted = std::make_shared<socket>(std::move(peer));
    set_mode(*accepted, 10s);
    unsigned char bytes[8];
    std::size_t got = 0;
    while (got < sizeof bytes) {
      std::size_t n = 0;
      {
        doing d(a, "recv token", 10s);
        n = accepted->recv(asio::buffer(bytes + got, sizeof bytes - got), ec);
      }
      if (ec || n == 0) return;  // its sender gave up before the token: dropped
      got += n;
    }
    std::uint64_t token = 0;
    std::memcpy(&token, bytes, sizeof token);
    const auto cell_id = static_cast<std::size_t>(token >> 32);
    const auto token_gen = static_cast<std::uint32_t>(token);
    if (cell_id >= h.cells.size()) {
      violation(std::string(Kind::name) + " token names no cell");
      return;
    }
    if (h.cells[cell_id]->receiver_gen.load() > token_gen) return;  // stale
    std::lock_guard<std::mutex> lock(h.m);
    h.mailbox[token] = std::move(accepted);
  }

  enum class obtained { socket, skip, exit };

  obtained obtain(std::uint32_t my_gen, std::shared_ptr<socket>& out, activity& a, rng& r) {
    const std::int64_t give_up_at = now_ns() + opt.stall_limit_ns;
    const std::uint64_t token = (static_cast<std::uint64_t>(id) << 32) | my_gen;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(h.m);
        if (auto it = h.mailbox.find(token); it != h.mailbox.end()) {
          out = std::move(it->second);
          h.mailbox.erase(it);
          return obtained::socket;
        }
      }
      {
        std::lock_guard<std::mutex> lock(m);
        if (gen < my_gen && sender_exited) return obtained::exit;
        if (gen == my_gen && sender_finished) {
          if (!connected) return obtained::skip;
          // Connected, but its connection never reached the mailbox: its token was lost
          // because the sender's socket was closed or reset before it arrived.
          if (now_ns() - finished_at > 10'000'000'000) {
            g.abandoned.fetch_add(1);
            return obtained::skip;
          }
        }
      }
      if (now_ns() > give_up_at) {
        violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                  ": no connection for generation " + std::to_string(my_gen));
        return obtained::skip;
      }
      accept_one(a, r);
    }
  }

  void run_receiver(activity& a, rng& r) {
    std::vector<unsigned char> buf(64u << 10);
    std::vector<unsigned char> expected(64u << 10);
    for (std::uint32_t my_gen = 1;; ++my_gen) {
      receiver_gen = my_gen;
      {
        std::lock_guard<std::mutex> lock(a.m);
        a.generation = my_gen;
      }
      std::shared_ptr<socket> s;
      const obtained o = obtain(my_gen, s, a, r);
      if (o == obtained::exit) return;
      std::uint64_t pos = 0;
      std::uint64_t sum = fnv_start;
      bool eof = false;
      if (o == obtained::socket) {
        {
          std::lock_guard<std::mutex> lock(m);
          server = s;
        }
        eof = receive_stream(*s, a, r, buf, expected, stream_key(id, my_gen), pos, sum);
      }
      std::unique_lock<std::mutex> lock(m);
      if (s) {
        error_code ec;
        s->close(ec);
        server.reset();
      }
      if (!cv.wait_for(lock, std::chrono::nanoseconds(opt.stall_limit_ns),
                       [&] { return gen == my_gen && sender_finished; })) {
        violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                  ": the sender never finished generation " + std::to_string(my_gen));
        return;
      }
      if (o == obtained::socket) {
        if (eof) {
          g.streams_checked.fetch_add(1);
          if (pos != sent || sum != sent_sum) {
            violation(std::string(Kind::name) + " cell " + std::to_string(id) + " generation " +
                      std::to_string(my_gen) + ": the sender reported " + std::to_string(sent) +
                      " bytes sent, the receiver read " + std::to_string(pos) +
                      " before end of stream" + (sum != sent_sum ? " (checksums differ)" : ""));
          }
        } else if (pos > sent) {
          violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                    ": the receiver read " + std::to_string(pos) + " bytes, more than the " +
                    std::to_string(sent) + " reported sent");
        }
      }
      receiver_finished = true;
      cv.notify_all();
      lock.unlock();
      std::lock_guard<std::mutex> mail(h.m);
      for (auto it = h.mailbox.begin(); it != h.mailbox.end();) {
        if ((it->first >> 32) == static_cast<std::uint64_t>(id) &&
            static_cast<std::uint32_t>(it->first) <= my_gen) {
          it = h.mailbox.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  // Reads and checks until end of stream (true) or until the socket is closed or reset.
  bool receive_stream(socket& s, activity& a, rng& r, std::vector<unsigned char>& buf,
                      std::vector<unsigned char>& expected, std::uint64_t key,
                      std::uint64_t& pos, std::uint64_t& sum) {
    const std::int64_t give_up_at = now_ns() + opt.stall_limit_ns;
    while (now_ns() < give_up_at) {
      const auto k = r() % 100;
      error_code ec;
      if (k < 4) {
        if (!set_mode(s, random_mode(r))) return false;
        continue;
      }
      if (k < 9) {
        const auto t = random_timeout(r);
        const std::int64_t start = now_ns();
        {
          doing d(a, "wait(read)", t);
          s.wait(wait_type::wait_read, t, ec);
        }
        if (ec == sockmode::error::timeout) a.record_overshoot(now_ns() - start - t.count());
        if (ec == asio_error::bad_descriptor) return false;
        continue;
      }
      bool own_deadline = false;
      if (k < 13) {
        try {
          s.set_read_deadline(std::chrono::steady_clock::now() + random_timeout(r));
          own_deadline = true;
        } catch (const sockmode::io_error&) {
          return false;
        }
      }
      const auto op = r() % 3;  // recv, read_some, recv into two buffers
      const std::size_t len = random_length(r, buf.size());
      const sockmode::timeout_type mode = random_mode(r);
      if (!set_mode(s, mode)) return false;
      const std::uint32_t foreign_before = foreign.load();
      std::size_t n = 0;
      const std::int64_t start = now_ns();
      {
        doing d(a, op == 0 ? "recv" : op == 1 ? "read_some" : "recv(2 buffers)", mode);
        if (op == 0) {
          n = s.recv(asio::buffer(buf.data(), len), ec);
        } else if (op == 1) {
          n = s.read_some(asio::buffer(buf.data(), len), ec);
        } else {
          const std::size_t half = len / 2;
          const std::array<asio::mutable_buffer, 2> parts = {
              asio::buffer(buf.data(), half), asio::buffer(buf.data() + half, len - half)};
          n = s.recv(parts, ec);
        }
      }
      const std::int64_t took = now_ns() - start;
      if (own_deadline) {
        try {
          s.set_read_deadline(std::nullopt);
        } catch (const sockmode::io_error&) {
        }
      }
      if (n > len) {
        violation(std::string(Kind::name) + " recv overran its buffer");
        return false;
      }
      if (n > 0) {
        fill(key, pos, expected.data(), n);
        if (std::memcmp(expected.data(), buf.data(), n) != 0) {
          std::size_t at = 0;
          while (buf[at] == expected[at]) ++at;
          violation(std::string(Kind::name) + " cell " + std::to_string(id) +
                    ": wrong byte at stream offset " + std::to_string(pos + at) +
                    " (lost, duplicated or foreign data)" + (ec ? ", with " + describe(ec) : ""));
          return false;
        }
        sum = fnv(sum, buf.data(), n);
        pos += n;
        g.bytes.fetch_add(n, std::memory_order_relaxed);
        if (ec) violation(std::string(Kind::name) + " recv moved data and failed: " + describe(ec));
      }
      if (!ec) {
        if (n == 0 && len > 0) {
          if (op == 1) violation(std::string(Kind::name) + " read_some returned 0 without eof");
          return true;
        }
        continue;
      }
      if (ec == asio_error::eof) {
        if (op != 1) violation(std::string(Kind::name) + " recv reported eof as an error");
        return true;
      }
      if (ec == sockmode::error::timeout && mode && mode->count() > 0 && !own_deadline &&
          foreign.load() == foreign_before) {
        a.record_overshoot(took - mode->count());
      }
      if (common_outcome(ec)) continue;
      if (ec == asio_error::bad_descriptor) return false;  // closed by another thread
      if (ec == asio_error::connection_reset && reset_injected.load()) return false;
      violation(std::string(Kind::name) + " recv: " + describe(ec));
      return false;
    }
    violation(std::string(Kind::name) + " cell " + std::to_string(id) + ": no end of stream");
    return false;
  }
};

}  // namespace

#endif  // SOCKMODE_TEST_STRESS_STREAM_CELL_HPP
