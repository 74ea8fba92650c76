// Many threads drive random modes and operations over TCP, Unix stream, UDP and Unix datagram
// sockets on loopback for a set time, while other threads cancel, close, reset, half-close and
// change the modes of their sockets. Every byte is checked: a stream is a known sequence, so
// what the receiver reads must be exactly the next bytes the sender's calls reported sent, and
// at end of stream the counts and checksums must match. A watchdog fails the run on a call
// that outlives its deadline or on a stall; at the end descriptors, threads and memory must be
// back to where they were.
//
//   stress [--seconds S] [--threads N] [--seed X] [--overshoot-limit-ms M] [--stall-limit-s L]
//
// Exit status: 0 pass, 1 a byte, count or resource check failed, 2 the watchdog fired,
// 3 bad arguments.
#include <sockmode/sockmode.hpp>

#include "process_stats.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;
namespace asio_error = boost::asio::error;
using rng = std::mt19937_64;
using wait_type = asio::socket_base::wait_type;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct options {
  double seconds = 5;
  int threads = 64;
  std::uint64_t seed = 0;
  std::int64_t overshoot_limit_ns = 2'000'000'000;  // past a call's deadline
  std::int64_t stall_limit_ns = 30'000'000'000;     // any one call, or the wind-down
};
options opt;

// The longest timeout another thread ever gives a socket it does not own (disruptors and the
// shared listeners): a call's deadline is at most this much after its start, whatever the
// owner set, unless the owner chose blocking mode.
constexpr std::int64_t foreign_timeout_max_ns = 50'000'000;

std::atomic<bool> stop{false};
std::mutex print_mutex;

struct counters {
  std::atomic<std::uint64_t> operations{0};
  std::atomic<std::uint64_t> bytes{0};          // stream bytes read and checked
  std::atomic<std::uint64_t> datagrams{0};      // datagrams received and checked
  std::atomic<std::uint64_t> datagram_bytes{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> would_blocks{0};
  std::atomic<std::uint64_t> cancels{0};        // cancel() calls made
  std::atomic<std::uint64_t> aborted{0};        // calls that ended with operation_aborted
  std::atomic<std::uint64_t> closes{0};         // close() from a thread not using the socket
  std::atomic<std::uint64_t> resets{0};         // SO_LINGER 0 closes
  std::atomic<std::uint64_t> half_closes{0};    // shutdown(send) from another thread
  std::atomic<std::uint64_t> mode_changes{0};   // from another thread, and setdefaulttimeout
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> streams_checked{0};   // reached end of stream, counts compared
  std::atomic<std::uint64_t> udp_lost{0};
  std::atomic<std::uint64_t> abandoned{0};
  std::atomic<std::uint64_t> violations{0};
};
counters g;

void violation(const std::string& what) {
  if (g.violations.fetch_add(1) < 25) {
    std::lock_guard<std::mutex> lock(print_mutex);
    std::fprintf(stderr, "stress: VIOLATION: %s\n", what.c_str());
  }
}

// ---------------------------------------------------------------------------------------------
// What each thread is doing, for the watchdog.

struct activity {
  std::string role;
  std::mutex m;
  const char* op = nullptr;    // null: between calls
  std::int64_t start_ns = 0;
  std::int64_t bound_ns = -1;  // when the call must have ended; -1: no bound (blocking)
  std::int64_t mode_ns = -1;
  std::uint32_t generation = 0;
  std::uint64_t calls = 0;
  // Overshoot past the timeout of calls that timed out, in ns: a reservoir sample.
  std::vector<std::int64_t> overshoot;
  std::uint64_t overshoot_seen = 0;
  rng sampler{1};

  void record_overshoot(std::int64_t ns) {
    constexpr std::size_t cap = 8192;
    ++overshoot_seen;
    if (overshoot.size() < cap) {
      overshoot.push_back(ns);
    } else if (const std::uint64_t j = sampler() % overshoot_seen; j < cap) {
      overshoot[j] = ns;
    }
  }
};

std::vector<std::unique_ptr<activity>> activities;

// Marks a call in progress for the watchdog.
class doing {
 public:
  doing(activity& a, const char* op, sockmode::timeout_type mode) : a_(a) {
    const std::int64_t start = now_ns();
    std::int64_t bound = -1;
    if (mode) bound = start + std::max<std::int64_t>(mode->count(), foreign_timeout_max_ns);
    std::lock_guard<std::mutex> lock(a.m);
    a.op = op;
    a.start_ns = start;
    a.bound_ns = bound;
    a.mode_ns = mode ? mode->count() : -1;
    ++a.calls;
  }
  doing(const doing&) = delete;
  doing& operator=(const doing&) = delete;
  ~doing() {
    std::lock_guard<std::mutex> lock(a_.m);
    a_.op = nullptr;
    g.operations.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  activity& a_;
};

[[noreturn]] void watchdog_fires(const char* why) {
  std::lock_guard<std::mutex> lock(print_mutex);
  const std::int64_t now = now_ns();
  std::fprintf(stderr, "stress: WATCHDOG: %s; seed %llu. Threads:\n", why,
               static_cast<unsigned long long>(opt.seed));
  for (const auto& a : activities) {
    std::unique_lock<std::mutex> guard(a->m, std::try_to_lock);
    if (!guard.owns_lock()) {
      std::fprintf(stderr, "  %-22s (busy)\n", a->role.c_str());
      continue;
    }
    if (a->op == nullptr) {
      std::fprintf(stderr, "  %-22s between calls, generation %u, %llu calls\n", a->role.c_str(),
                   a->generation, static_cast<unsigned long long>(a->calls));
    } else {
      std::fprintf(stderr,
                   "  %-22s in %s for %.3f s (mode %s%lld ns, bound %s%.3f s), generation %u\n",
                   a->role.c_str(), a->op, static_cast<double>(now - a->start_ns) / 1e9,
                   a->mode_ns < 0 ? "blocking " : "", static_cast<long long>(a->mode_ns),
                   a->bound_ns < 0 ? "none " : "",
                   a->bound_ns < 0 ? 0.0 : static_cast<double>(a->bound_ns - a->start_ns) / 1e9,
                   a->generation);
    }
  }
  std::fflush(stderr);
  std::_Exit(2);
}

void watchdog(const std::atomic<bool>& finished, std::int64_t wind_down_limit_ns) {
  while (!finished.load()) {
    std::this_thread::sleep_for(50ms);
    const std::int64_t now = now_ns();
    if (now > wind_down_limit_ns) watchdog_fires("the run did not wind down in time");
    for (const auto& a : activities) {
      std::lock_guard<std::mutex> lock(a->m);
      if (a->op == nullptr) continue;
      if (a->bound_ns >= 0 && now > a->bound_ns + opt.overshoot_limit_ns) {
        char why[200];
        std::snprintf(why, sizeof why, "%s: %s outlived its deadline by %.3f s", a->role.c_str(),
                      a->op, static_cast<double>(now - a->bound_ns) / 1e9);
        a->m.unlock();  // watchdog_fires takes every thread's lock
        watchdog_fires(why);
      }
      if (now - a->start_ns > opt.stall_limit_ns) {
        char why[200];
        std::snprintf(why, sizeof why, "%s: %s stalled for %.3f s", a->role.c_str(), a->op,
                      static_cast<double>(now - a->start_ns) / 1e9);
        a->m.unlock();
        watchdog_fires(why);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Random choices.

std::chrono::nanoseconds random_timeout(rng& r, double low_ns = 20e3, double high_ns = 30e6) {
  std::uniform_real_distribution<double> d(std::log(low_ns), std::log(high_ns));
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::exp(d(r))));
}

// The owner's choice: a fifth blocking, a fifth non-blocking, the rest timeouts.
sockmode::timeout_type random_mode(rng& r) {
  const auto k = r() % 10;
  if (k < 2) return std::nullopt;
  if (k < 4) return std::chrono::nanoseconds(0);
  return random_timeout(r);
}

// What another thread sets: never blocking, never longer than foreign_timeout_max_ns.
sockmode::timeout_type foreign_mode(rng& r) {
  if (r() % 4 == 0) return std::chrono::nanoseconds(0);
  return random_timeout(r, 20e3, static_cast<double>(foreign_timeout_max_ns));
}

// Log-uniform in [1, max], sometimes 0.
std::size_t random_length(rng& r, std::size_t max) {
  if (r() % 40 == 0) return 0;
  std::uniform_real_distribution<double> d(0, std::log(static_cast<double>(max)));
  return std::min(max, static_cast<std::size_t>(std::exp(d(r))));
}

template <class Object>
bool set_mode(Object& s, sockmode::timeout_type t) {
  try {
    s.settimeout(t);
    return true;
  } catch (const sockmode::io_error&) {
    return false;  // closed by another thread
  }
}

// ---------------------------------------------------------------------------------------------
// The data: byte `pos` of stream `key` is a function of both, so a byte lost, duplicated or
// reordered shows as a mismatch at once.

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void fill(std::uint64_t key, std::uint64_t pos, unsigned char* out, std::size_t n) {
  std::uint64_t word = 0;
  std::uint64_t word_index = ~std::uint64_t{0};
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t p = pos + i;
    if ((p >> 3) != word_index) {
      word_index = p >> 3;
      word = mix(key ^ (word_index * 0x100000001b3ULL));
    }
    out[i] = static_cast<unsigned char>(word >> ((p & 7) * 8));
  }
}

constexpr std::uint64_t fnv_start = 0xcbf29ce484222325ULL;
std::uint64_t fnv(std::uint64_t h, const unsigned char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

std::uint64_t stream_key(int cell, std::uint32_t generation) {
  return mix((static_cast<std::uint64_t>(cell) << 32) | generation);
}

std::string describe(const error_code& ec) { return ec.message() + " [" + ec.to_string() + "]"; }

bool is_would_block(const error_code& ec) {
  return ec == asio_error::would_block || ec == asio_error::try_again;
}

// Counts the outcomes every call can have whatever its socket; false for anything else.
bool common_outcome(const error_code& ec) {
  if (ec == sockmode::error::timeout) return g.timeouts.fetch_add(1), true;
  if (is_would_block(ec)) return g.would_blocks.fetch_add(1), true;
  if (ec == asio_error::operation_aborted) return g.aborted.fetch_add(1), true;
  return false;
}

// ---------------------------------------------------------------------------------------------

struct cell {
  virtual ~cell() = default;
  virtual void disrupt(rng& r) = 0;
  // Mode changes made by other threads: a call's overshoot is only measured against the
  // timeout its owner set when no other thread changed it meanwhile.
  std::atomic<std::uint32_t> foreign{0};
};

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
        target->next_layer().set_option(asio::socket_base::linger(true, 0), ec);
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

// ---------------------------------------------------------------------------------------------
// Datagrams: UDP and Unix datagram pairs. Each datagram carries its cell, generation, sequence
// number and length, and a payload that follows from them.

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
      a->next_layer().set_option(asio::socket_base::send_buffer_size(1 << 20));
      b->next_layer().set_option(asio::socket_base::receive_buffer_size(1 << 20));
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

// ---------------------------------------------------------------------------------------------

struct world {
  hub<tcp_kind> tcp;
  hub<unix_kind> unix_stream;
  std::string unix_path;
  std::vector<std::unique_ptr<cell>> cells;
};

void disruptor(world& w, activity& a, rng& r) {
  while (!stop.load()) {
    const auto k = r() % 100;
    if (k < 3) {
      sockmode::timeout_type t = foreign_mode(r);
      if (r() % 3 == 0) t = std::nullopt;
      {
        doing d(a, "setdefaulttimeout", std::chrono::nanoseconds(0));
        sockmode::setdefaulttimeout(t);
      }
      g.mode_changes.fetch_add(1);
    } else if (k < 6) {
      error_code ec;
      doing d(a, "cancel listener", std::chrono::nanoseconds(0));
      if (r() % 2 == 0) w.tcp.listener->cancel(ec);
      else w.unix_stream.listener->cancel(ec);
      g.cancels.fetch_add(1);
    } else {
      cell& c = *w.cells[r() % w.cells.size()];
      doing d(a, "disrupt", std::chrono::nanoseconds(0));
      c.disrupt(r);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200 + r() % 2800));
  }
}

bool parse(int argc, char** argv) {
  opt.seed = std::random_device{}();
  opt.seed = (opt.seed << 32) ^ std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (arg == "--seconds") opt.seconds = std::atof(value);
    else if (arg == "--threads") opt.threads = std::atoi(value);
    else if (arg == "--seed") opt.seed = std::strtoull(value, nullptr, 0);
    else if (arg == "--overshoot-limit-ms") opt.overshoot_limit_ns = std::atoll(value) * 1'000'000;
    else if (arg == "--stall-limit-s") opt.stall_limit_ns = std::atoll(value) * 1'000'000'000;
    else return false;
  }
  return opt.seconds > 0 && opt.seconds <= 3600 && opt.threads >= 6 && opt.threads <= 256;
}

template <class Body>
std::thread spawn(activity& a, Body body) {
  return std::thread([&a, body]() mutable {
    try {
      body();
    } catch (const std::exception& e) {
      violation(a.role + ": exception: " + e.what());
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (!parse(argc, argv)) {
    std::fprintf(stderr,
                 "usage: stress [--seconds S (<= 3600)] [--threads N (6..256)] [--seed X]"
                 " [--overshoot-limit-ms M] [--stall-limit-s L]\n");
    return 3;
  }
  std::printf("stress: seed %llu, %d threads, %.1f s\n", static_cast<unsigned long long>(opt.seed),
              opt.threads, opt.seconds);
  std::fflush(stdout);

  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 8192 && limit.rlim_max > limit.rlim_cur) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 8192);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  const sockmode::timeout_type saved_default = sockmode::getdefaulttimeout();

  // sockmode's process-wide pieces (the home io_context, this thread's wait context) exist
  // before the baseline is taken: they are there for the life of the process.
  {
    auto [a, b] = sockmode::socketpair();
    a.settimeout(1ms);
    char byte = 0;
    error_code ec;
    a.recv(asio::buffer(&byte, 1), ec);
    a.next_layer();
  }
  ::malloc_trim(0);
  const stress::snapshot before = stress::take_snapshot();

  rng seeder(opt.seed);
  auto w = std::make_unique<world>();
  w->tcp.listener = std::make_unique<sockmode::tcp::acceptor>(
      sockmode::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  w->tcp.endpoint = w->tcp.listener->local_endpoint();
  w->unix_path = "/tmp/sockmode-stress-" + std::to_string(::getpid()) + ".sock";
  ::unlink(w->unix_path.c_str());
  w->unix_stream.listener = std::make_unique<sockmode::local::stream_acceptor>(
      sockmode::local::stream_acceptor::endpoint_type(w->unix_path));
  w->unix_stream.endpoint = w->unix_stream.listener->local_endpoint();

  const int disruptors = std::max(1, opt.threads / 16);
  const int pairs = (opt.threads - disruptors) / 2;
  std::vector<std::thread> threads;
  std::vector<rng> rngs;
  auto new_activity = [&](std::string role) -> activity& {
    activities.push_back(std::make_unique<activity>());
    activities.back()->role = std::move(role);
    activities.back()->sampler.seed(seeder());
    return *activities.back();
  };
  for (int i = 0; i < pairs; ++i) {
    switch (i % 4) {
      case 0: {
        auto c = std::make_unique<stream_cell<tcp_kind>>(static_cast<int>(w->tcp.cells.size()), w->tcp);
        w->tcp.cells.push_back(c.get());
        w->cells.push_back(std::move(c));
        break;
      }
      case 1: {
        auto c = std::make_unique<stream_cell<unix_kind>>(
            static_cast<int>(w->unix_stream.cells.size()), w->unix_stream);
        w->unix_stream.cells.push_back(c.get());
        w->cells.push_back(std::move(c));
        break;
      }
      case 2:
        w->cells.push_back(std::make_unique<datagram_cell<udp_kind>>(i));
        break;
      default:
        w->cells.push_back(std::make_unique<datagram_cell<unix_dgram_kind>>(i));
        break;
    }
  }
  // Activities first, so that the watchdog's list never changes while threads run.
  struct plan {
    activity* a;
    int kind;  // 0..3 cells (sender, receiver), 4 disruptor
    cell* c;
    bool sender;
    std::uint64_t seed;
  };
  std::vector<plan> plans;
  for (int i = 0; i < pairs; ++i) {
    const char* names[] = {"tcp", "unix", "udp", "unix-dgram"};
    for (const bool sender : {true, false}) {
      activity& a = new_activity(std::string(names[i % 4]) + "-" + std::to_string(i) +
                                 (sender ? "-send" : "-recv"));
      plans.push_back({&a, i % 4, w->cells[static_cast<std::size_t>(i)].get(), sender, seeder()});
    }
  }
  for (int i = 0; i < disruptors; ++i) {
    activity& a = new_activity("disruptor-" + std::to_string(i));
    plans.push_back({&a, 4, nullptr, false, seeder()});
  }

  std::atomic<bool> finished{false};
  const std::int64_t wind_down_limit =
      now_ns() + static_cast<std::int64_t>(opt.seconds * 1e9) + opt.stall_limit_ns * 2;
  std::thread dog([&] { watchdog(finished, wind_down_limit); });

  std::vector<std::thread> disruptor_threads;
  for (const plan& p : plans) {
    activity& a = *p.a;
    const std::uint64_t seed = p.seed;
    world& wr = *w;
    cell* c = p.c;
    const bool sender = p.sender;
    switch (p.kind) {
      case 0:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<stream_cell<tcp_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      case 1:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<stream_cell<unix_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      case 2:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<datagram_cell<udp_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      case 3:
        threads.push_back(spawn(a, [&a, seed, c, sender] {
          rng r(seed);
          auto& s = static_cast<datagram_cell<unix_dgram_kind>&>(*c);
          if (sender) s.run_sender(a, r);
          else s.run_receiver(a, r);
        }));
        break;
      default:
        disruptor_threads.push_back(spawn(a, [&a, seed, &wr] {
          rng r(seed);
          disruptor(wr, a, r);
        }));
        break;
    }
  }
  const int peak_threads = stress::live_threads();

  const auto run_end = std::chrono::steady_clock::now() +
                       std::chrono::nanoseconds(static_cast<std::int64_t>(opt.seconds * 1e9));
  auto next_report = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < run_end) {
    std::this_thread::sleep_for(20ms);
    if (opt.seconds > 15 && std::chrono::steady_clock::now() >= next_report) {
      next_report += 10s;
      std::printf("stress: %llu calls, %llu bytes checked, %llu violations so far\n",
                  static_cast<unsigned long long>(g.operations.load()),
                  static_cast<unsigned long long>(g.bytes.load()),
                  static_cast<unsigned long long>(g.violations.load()));
      std::fflush(stdout);
    }
  }
  stop = true;
  for (auto& t : disruptor_threads) t.join();
  for (auto& t : threads) t.join();
  finished = true;
  dog.join();

  std::vector<std::int64_t> overshoot;
  for (const auto& a : activities) {
    overshoot.insert(overshoot.end(), a->overshoot.begin(), a->overshoot.end());
  }
  const std::int64_t p50 = stress::percentile(overshoot, 50);
  const std::int64_t p99 = stress::percentile(overshoot, 99);
  const std::int64_t p999 = stress::percentile(overshoot, 99.9);
  const std::int64_t worst = overshoot.empty() ? 0 : overshoot.back();
  const std::size_t samples = overshoot.size();
  std::vector<std::int64_t>().swap(overshoot);
  activities.clear();
  w.reset();  // listeners, mailboxes, cells
  ::unlink(("/tmp/sockmode-stress-" + std::to_string(::getpid()) + ".sock").c_str());
  sockmode::setdefaulttimeout(saved_default);
  ::malloc_trim(0);
  const stress::snapshot after = stress::settle(before);

  const long rss_slack_kib = 64 * 1024;
  bool resources_ok = after.fds == before.fds && after.threads == before.threads;
  if (stress::rss_is_meaningful && after.rss_kib > before.rss_kib + rss_slack_kib)
    resources_ok = false;

  std::printf(
      "stress: seed=%llu threads=%zu (%d live with main and watchdog) seconds=%.1f operations=%llu "
      "bytes_checksummed=%llu datagrams_checked=%llu (%llu bytes) streams_compared=%llu "
      "connections=%llu timeouts=%llu would_block=%llu cancels=%llu aborted=%llu closes=%llu "
      "faults=%llu (resets %llu, half-closes %llu) mode_changes=%llu udp_lost=%llu "
      "abandoned=%llu violations=%llu fds=%d->%d threads=%d->%d rss_kib=%ld->%ld%s "
      "overshoot_us p50=%.1f p99=%.1f p99.9=%.1f max=%.1f (%zu samples)\n",
      static_cast<unsigned long long>(opt.seed), plans.size(), peak_threads, opt.seconds,
      static_cast<unsigned long long>(g.operations.load()),
      static_cast<unsigned long long>(g.bytes.load()),
      static_cast<unsigned long long>(g.datagrams.load()),
      static_cast<unsigned long long>(g.datagram_bytes.load()),
      static_cast<unsigned long long>(g.streams_checked.load()),
      static_cast<unsigned long long>(g.connections.load()),
      static_cast<unsigned long long>(g.timeouts.load()),
      static_cast<unsigned long long>(g.would_blocks.load()),
      static_cast<unsigned long long>(g.cancels.load()),
      static_cast<unsigned long long>(g.aborted.load()),
      static_cast<unsigned long long>(g.closes.load()),
      static_cast<unsigned long long>(g.closes.load() + g.resets.load() + g.half_closes.load()),
      static_cast<unsigned long long>(g.resets.load()),
      static_cast<unsigned long long>(g.half_closes.load()),
      static_cast<unsigned long long>(g.mode_changes.load()),
      static_cast<unsigned long long>(g.udp_lost.load()),
      static_cast<unsigned long long>(g.abandoned.load()),
      static_cast<unsigned long long>(g.violations.load()), before.fds, after.fds,
      before.threads, after.threads, before.rss_kib, after.rss_kib,
      stress::rss_is_meaningful ? "" : " (sanitizer build: not checked)",
      static_cast<double>(p50) / 1e3, static_cast<double>(p99) / 1e3,
      static_cast<double>(p999) / 1e3, static_cast<double>(worst) / 1e3, samples);
  if (!resources_ok) std::printf("stress: FAIL: descriptors, threads or memory not back to baseline\n");
  if (g.violations.load() != 0) std::printf("stress: FAIL: %llu violations (seed %llu)\n",
                                            static_cast<unsigned long long>(g.violations.load()),
                                            static_cast<unsigned long long>(opt.seed));
  const bool pass = resources_ok && g.violations.load() == 0;
  if (pass) std::printf("stress: PASS\n");
  return pass ? 0 : 1;
}
