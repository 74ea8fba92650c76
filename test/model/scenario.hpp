// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_MODEL_SCENARIO_HPP
#define SOCKMODE_TEST_MODEL_SCENARIO_HPP

// The seeded generator of the model test: a random sequence of mode changes and operations on
// three TCP socket slots (0-2) and a listener (slot 3), plus the peer's actions and the
// harness's synchronisation steps. It models each socket just enough to keep the scenario
// deterministic: a call that could wait is only made in a mode that waits when the peer is
// scheduled to end the wait (data sent, a connection made, a drain), and a call in a short
// timeout or non-blocking mode is only made when nothing can change during it. It never
// predicts outcomes: those come from running the steps on sockmode and on CPython.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace model {

constexpr std::size_t flood_bytes = std::size_t{64} << 20;  // never fits in the buffers

// The bytes a send of `n` with `tag` carries; driver.py makes the same.
inline std::string pattern(std::size_t n, std::size_t tag) {
  static const std::string base = [] {
    std::string b((64 << 10) + 4096, '\0');
    for (std::size_t i = 0; i < b.size(); ++i)
      b[i] = static_cast<char>(((i * 131) ^ ((i >> 7) * 29)) & 0xFF);
    return b;
  }();
  return base.substr((tag * 97) % 4096, n);
}

enum class actor {
  driver,      // an operation on the implementation under test; outcome compared
  harness,     // synchronisation on the driver's descriptor; must succeed, not compared
  peer,        // a peer action, done before the next step; outcome compared
  peer_start,  // a peer action that runs during the next driver step
  peer_join,   // waits for it; outcome compared
};

struct step {
  actor who;
  std::string text;  // "recv 0 4096"; @main, @full, @refused, @listener name ports
  bool uncertain = false;  // a peer drain whose byte count depends on how much a failed
                           // sendall got out: compared with the driver's own count only
  bool no_room = false;    // a zero-length send while the send buffer is full or the
                           // socket is still connecting
};

struct scenario {
  std::uint64_t seed;
  std::vector<step> steps;
};

class generator {
 public:
  static scenario make(std::uint64_t seed, std::size_t length) {
    generator g(seed);
    g.run(length);
    return {seed, std::move(g.steps_)};
  }

 private:
  enum class cat { blocking, nonblocking, short_timeout, long_timeout };
  // refused: a connect failed and reported it, so connecting again starts afresh;
  // refused_pending: a non-blocking connect failed, the error is still queued;
  // broken: that error was taken by another call, or a SYN-SENT socket was shut down:
  // no more connects (the kernel's answers then depend on which call took what).
  enum class st { none, fresh, connecting, refused, refused_pending, broken, connected, closed };
  enum class peer_st { none, alive, shut, gone };

  struct sock_model {
    st state = st::none;
    cat mode = cat::blocking;
    peer_st peer = peer_st::none;
    std::size_t avail = 0;   // bytes from the peer in our receive queue
    std::size_t unread = 0;  // bytes we sent that the peer has not drained
    bool full = false;       // a flood failed: the buffers are full, the count unknown
    bool uncertain = false;  // since the last drain
    bool shut_rd = false, shut_wr = false;
    // Connected in timeout mode: CPython's next connect() reports what became of the
    // handshake (README, "the socket after connect in timeout mode"), so only a healthy
    // connection is tried again.
    bool timeout_connected = false;
  };

  explicit generator(std::uint64_t seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[pick(v.size())]; }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  void emit(actor who, std::string text, bool uncertain = false, bool no_room = false) {
    steps_.push_back({who, std::move(text), uncertain, no_room});
  }
  static std::string slot(int s) { return std::to_string(s); }
  static bool waits(cat c) { return c == cat::blocking || c == cat::long_timeout; }

  // Timeouts as CPython spells them (floats); sockmode converts the same text as a
  // duration<double>. Each valid one belongs to a category.
  struct timeout_choice {
    const char* text;
    cat mode;
  };
  const timeout_choice& any_timeout() {
    static const std::vector<timeout_choice> valid = {
        {"none", cat::blocking},        {"0", cat::nonblocking},
        {"-0.0", cat::nonblocking},     {"1e-10", cat::short_timeout},
        {"0.001", cat::short_timeout},  {"0.02", cat::short_timeout},
        {"0.05", cat::short_timeout},   {"30", cat::long_timeout},
        {"1e3", cat::long_timeout}};
    return pick(valid);
  }
  const char* bad_timeout() {
    static const std::vector<const char*> bad = {"-1", "-0.5", "nan", "inf", "-inf", "1e10"};
    return pick(bad);
  }

  std::vector<int> slots_where(bool (*ok)(const sock_model&)) const {
    std::vector<int> out;
    for (int s = 0; s < 3; ++s)
      if (ok(sockets_[static_cast<std::size_t>(s)])) out.push_back(s);
    return out;
  }
  sock_model& at(int s) { return sockets_[static_cast<std::size_t>(s)]; }

  void run(std::size_t length) {
    do_new(0);
    while (steps_.size() < length) {
      switch (pick(16)) {
        case 0: do_new(static_cast<int>(pick(3))); break;
        case 1: case 2: do_mode(); break;
        case 3: do_getter(); break;
        case 4: do_default(); break;
        case 5: case 6: do_connect(); break;
        case 7: case 8: do_recv(); break;
        case 9: case 10: do_send(); break;
        case 11: do_peer_send(); break;
        case 12: do_peer_end_or_drain(); break;
        case 13: do_shutdown_or_close(); break;
        case 14: do_listener(); break;
        case 15: if (chance(0.3)) do_flood(); else do_recv(); break;
      }
    }
  }

  void retire_peer(int s) {
    if (at(s).peer != peer_st::none) emit(actor::peer, "closeq " + slot(s));
    at(s).peer = peer_st::none;
  }

  void do_new(int s) {
    if (s == pending_) return;  // its peer end waits in the listener's queue
    retire_peer(s);
    emit(actor::driver, "new " + slot(s));
    at(s) = sock_model{};
    at(s).state = st::fresh;
    at(s).mode = default_;
  }

  void set_mode(int s, cat mode) {
    if (s == 3) listener_mode_ = mode;
    else if (at(s).state != st::closed) at(s).mode = mode;
  }

  void do_mode() {
    std::vector<int> open = slots_where([](const sock_model& m) { return m.state != st::none; });
    if (listener_ != st::none) open.push_back(3);
    if (open.empty()) return;
    const int s = pick(open);
    if (chance(0.3)) {
      const bool flag = chance(0.5);
      emit(actor::driver, "setblocking " + slot(s) + (flag ? " 1" : " 0"));
      set_mode(s, flag ? cat::blocking : cat::nonblocking);
    } else if (chance(0.1)) {
      emit(actor::driver, "settimeout " + slot(s) + " " + bad_timeout());
    } else if (chance(0.05)) {
      // Valid in CPython (< 2**63 ns), too large for sockmode (README, "largest timeout"):
      // a valid timeout follows at once, so that both run on in the same mode.
      emit(actor::driver, "settimeout " + slot(s) + " 5e9");
      const timeout_choice& t = any_timeout();
      emit(actor::driver, "settimeout " + slot(s) + " " + t.text);
      set_mode(s, t.mode);
    } else {
      const timeout_choice& t = any_timeout();
      emit(actor::driver, "settimeout " + slot(s) + " " + t.text);
      set_mode(s, t.mode);
    }
  }

  void do_getter() {
    std::vector<int> open = slots_where([](const sock_model& m) { return m.state != st::none; });
    if (listener_ != st::none) open.push_back(3);
    if (open.empty() || chance(0.2)) return emit(actor::driver, "getdefaulttimeout");
    emit(actor::driver, (chance(0.5) ? "gettimeout " : "getblocking ") + slot(pick(open)));
  }

  void do_default() {
    if (chance(0.1)) return emit(actor::driver, std::string("setdefaulttimeout ") + bad_timeout());
    if (chance(0.05)) emit(actor::driver, "setdefaulttimeout 5e9");  // as in do_mode
    const timeout_choice& t = any_timeout();
    emit(actor::driver, std::string("setdefaulttimeout ") + t.text);
    default_ = t.mode;
  }

  void do_connect() {
    const std::vector<int> open =
        slots_where([](const sock_model& m) { return m.state != st::none; });
    if (open.empty()) return;
    const int s = pick(open);
    if (s == pending_) return;  // its peer end waits in the listener's queue
    sock_model& m = at(s);
    const std::string op = chance(0.25) ? "connect_ex " : "connect ";
    const std::string target = pick(std::vector<std::string>{"@main", "@main", "@full", "@refused"});
    switch (m.state) {
      case st::fresh:
      case st::refused:
        if (target == "@main") {
          emit(actor::driver, op + slot(s) + " @main");
          if (m.mode == cat::nonblocking) emit(actor::harness, "sync_out " + slot(s));
          emit(actor::peer, "accept " + slot(s));
          const bool rd = m.shut_rd, wr = m.shut_wr;  // shutdown before connect still counts
          const bool timed = m.mode == cat::short_timeout || m.mode == cat::long_timeout;
          m = sock_model{st::connected, m.mode, peer_st::alive};
          m.shut_rd = rd;
          m.shut_wr = wr;
          m.timeout_connected = timed;
        } else if (target == "@full") {
          if (waits(m.mode)) return;  // would wait for a SYN the full queue keeps dropping
          emit(actor::driver, op + slot(s) + " @full");
          m.state = st::connecting;
        } else {
          emit(actor::driver, op + slot(s) + " @refused");
          if (m.mode == cat::nonblocking) {
            emit(actor::harness, "sync_out " + slot(s));
            m.state = st::refused_pending;
          } else {
            // In timeout mode CPython leaves the socket as SO_ERROR found it, and its next
            // connect fails with ECONNABORTED (README, "the socket after connect in timeout
            // mode").
            m.state = m.mode == cat::blocking ? st::refused : st::broken;
            m.shut_rd = m.shut_wr = false;  // the kernel's disconnect clears them
          }
        }
        return;
      case st::refused_pending:  // takes the queued error, whatever the target
        emit(actor::driver, op + slot(s) + " " + target);
        m.state = st::refused;
        m.shut_rd = m.shut_wr = false;
        return;
      case st::broken:
        return;
      case st::connecting:
        // Another connect while SYN-SENT: EALREADY at once, except in blocking mode, which
        // waits for the handshake (both), and the full queue never completes it.
        if (m.mode == cat::blocking) return;
        emit(actor::driver, op + slot(s) + " " + target);
        return;
      default:  // connected: EISCONN; closed: EBADF
        if (m.state == st::connected && m.timeout_connected &&
            (m.peer != peer_st::alive || m.shut_wr || m.unread > 0 || m.full))
          return;
        emit(actor::driver, op + slot(s) + " " + target);
        m.timeout_connected = false;
        return;
    }
  }

  void do_recv() {
    const std::vector<int> open =
        slots_where([](const sock_model& m) { return m.state != st::none; });
    if (open.empty()) return;
    const int s = pick(open);
    sock_model& m = at(s);
    const std::size_t n = pick(std::vector<std::size_t>{0, 1, 7, 100, 1000, 4096, 65536});
    const std::string op = (chance(0.5) ? "recv " : "recv_into ") + slot(s) + " " + std::to_string(n);
    const bool would_wait =
        n > 0 && (m.state == st::connecting ||
                  (m.state == st::connected && !m.shut_rd && m.avail == 0 && m.peer == peer_st::alive));
    if (would_wait && waits(m.mode)) {
      if (m.state != st::connected) return;
      const std::size_t k = pick(std::vector<std::size_t>{1, 10, 1000, 16384});
      emit(actor::peer_start, "send_later " + slot(s) + " " + std::to_string(k) + " " +
                                  std::to_string(steps_.size()));
      emit(actor::driver, op);
      emit(actor::peer_join, "send_later " + slot(s));
      m.avail = k - std::min(k, n);
      return;
    }
    emit(actor::driver, op);
    if (m.state == st::connected) m.avail -= std::min(m.avail, n);
    if (m.state == st::refused_pending && n > 0) m.state = st::broken;
  }

  void do_send() {
    const std::vector<int> open =
        slots_where([](const sock_model& m) { return m.state != st::none; });
    if (open.empty()) return;
    const int s = pick(open);
    sock_model& m = at(s);
    std::size_t n = pick(std::vector<std::size_t>{0, 1, 100, 1000, 16384, 60000});
    const std::string op = chance(0.5) ? "send " : "sendall ";
    if (m.state == st::connecting && waits(m.mode)) return;
    if (m.state == st::connected && m.full) {
      // Anything else could partly fit; and CPython's timeout mode polls for room even for
      // nothing (README, zero-length send), so a long timeout would be waited out.
      if (m.mode == cat::long_timeout) return;
      n = 0;
    }
    if (m.state == st::connected && !m.shut_wr && m.unread + n > (64 << 10)) {
      if (!can_drain(m)) return;
      drain(s);
    }
    emit(actor::driver, op + slot(s) + " " + std::to_string(n) + " " + std::to_string(steps_.size()),
         false, (m.state == st::connected && m.full) || m.state == st::connecting);
    if (m.state == st::connected) {
      m.unread += n;
      if (m.peer == peer_st::gone && n > 0) m.shut_wr = true;  // the peer answers with RST
    }
    if (m.state == st::refused_pending) m.state = st::broken;
  }

  static bool can_drain(const sock_model& m) {
    return m.state == st::connected && (m.peer == peer_st::alive || m.peer == peer_st::shut);
  }

  void drain(int s) {
    sock_model& m = at(s);
    emit(actor::peer_start, "drain " + slot(s));
    emit(actor::harness, "sync_outq " + slot(s));
    emit(actor::peer_join, "drain " + slot(s), m.uncertain);
    m.unread = 0;
    m.full = m.uncertain = false;
  }

  void do_flood() {
    const std::vector<int> open =
        slots_where([](const sock_model& m) { return m.state != st::none; });
    if (open.empty()) return;
    const int s = pick(open);
    sock_model& m = at(s);
    if (m.state == st::connecting && waits(m.mode)) return;
    if (m.state == st::connected && !m.shut_wr && can_drain(m) && waits(m.mode)) {
      // Fills every buffer on the way, so the peer reads while it runs.
      emit(actor::peer_start, "drain " + slot(s));
      emit(actor::driver, "flood " + slot(s));
      emit(actor::harness, "sync_outq " + slot(s));
      emit(actor::peer_join, "drain " + slot(s), m.uncertain);
      m.unread = 0;
      m.full = m.uncertain = false;
      return;
    }
    if (m.state == st::connected && !m.shut_wr && m.peer != peer_st::gone && waits(m.mode)) return;
    emit(actor::driver, "flood " + slot(s));
    if (m.state == st::refused_pending) m.state = st::broken;
    if (m.state == st::connected && !m.shut_wr) {
      if (m.peer == peer_st::gone) {
        m.shut_wr = true;  // the peer answers with RST
      } else {
        m.full = m.uncertain = true;
      }
    }
  }

  void do_peer_send() {
    const std::vector<int> ok = slots_where([](const sock_model& m) {
      return m.state == st::connected && m.peer == peer_st::alive && !m.shut_rd && m.avail < (32 << 10);
    });
    if (ok.empty()) return;
    const int s = pick(ok);
    const std::size_t n = pick(std::vector<std::size_t>{1, 10, 1000, 8192, 16384});
    emit(actor::peer, "send " + slot(s) + " " + std::to_string(n) + " " + std::to_string(steps_.size()));
    at(s).avail += n;
    emit(actor::harness, "sync_read " + slot(s) + " " + std::to_string(at(s).avail));
  }

  void do_peer_end_or_drain() {
    const std::vector<int> ok = slots_where([](const sock_model& m) {
      return m.state == st::connected && (m.peer == peer_st::alive || m.peer == peer_st::shut);
    });
    if (ok.empty()) return;
    const int s = pick(ok);
    sock_model& m = at(s);
    if ((m.unread > 0 || m.full) && chance(0.5)) return drain(s);
    const std::size_t what = pick(3);
    if (what == 0 && m.peer == peer_st::alive) {
      emit(actor::peer, "shutwr " + slot(s));
      m.peer = peer_st::shut;
    } else {
      emit(actor::peer, (what == 1 ? "close " : "reset ") + slot(s));
      m.peer = peer_st::gone;
    }
    emit(actor::harness, "sync_hup " + slot(s));
  }

  void do_shutdown_or_close() {
    const std::vector<int> open =
        slots_where([](const sock_model& m) { return m.state != st::none; });
    if (open.empty()) return;
    const int s = pick(open);
    sock_model& m = at(s);
    if (chance(0.4)) {
      emit(actor::driver, "close " + slot(s));
      m.state = st::closed;
      return;
    }
    const std::string how = pick(std::vector<std::string>{"rd", "wr", "rdwr"});
    emit(actor::driver, "shutdown " + slot(s) + " " + how);
    if (m.state == st::connecting || m.state == st::refused_pending) {
      m.state = st::broken;  // SYN-SENT: disconnects
      return;
    }
    if (m.state == st::closed) return;
    if (how != "wr") m.shut_rd = true;
    if (how != "rd") m.shut_wr = true;
  }

  void do_listener() {
    if (listener_ == st::none || chance(0.15)) {
      if (pending_ >= 0) retire_peer(pending_);
      pending_ = -1;
      emit(actor::driver, "listen 3");
      listener_ = st::connected;
      listener_mode_ = default_;
      return;
    }
    if (listener_ == st::connected && chance(0.1)) {
      if (pending_ >= 0) retire_peer(pending_);
      pending_ = -1;
      emit(actor::driver, "close 3");
      listener_ = st::closed;
      return;
    }
    // The peer's end of a new connection goes to a slot whose peer end is free.
    const std::vector<int> free = slots_where([](const sock_model& m) { return m.peer == peer_st::none; });
    if (free.empty()) return;
    const int s = pending_ >= 0 ? pending_ : pick(free);
    if (listener_ == st::connected && pending_ < 0 && chance(0.5)) {
      emit(actor::peer, "connect " + slot(s) + " @listener");
      pending_ = s;
      at(s).peer = peer_st::alive;  // reserved: nothing else uses the peer end of s
      return;
    }
    if (listener_ == st::connected && pending_ < 0 && waits(listener_mode_)) {
      emit(actor::peer_start, "connect_later " + slot(s) + " @listener");
      emit(actor::driver, "accept " + slot(s));
      emit(actor::peer_join, "connect_later " + slot(s));
    } else {
      emit(actor::driver, "accept " + slot(s));
    }
    if (listener_ != st::connected || (pending_ < 0 && !waits(listener_mode_))) return;
    pending_ = -1;
    at(s) = sock_model{st::connected, default_, peer_st::alive};
  }

  std::mt19937_64 rng_;
  std::vector<step> steps_;
  sock_model sockets_[3];
  cat default_ = cat::blocking;
  st listener_ = st::none;  // none, connected (listening) or closed
  cat listener_mode_ = cat::blocking;
  int pending_ = -1;  // the slot whose peer end waits in the listener's queue
};

}  // namespace model

#endif  // SOCKMODE_TEST_MODEL_SCENARIO_HPP
