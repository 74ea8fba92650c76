// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Model-based differential test: each seed's scenario (scenario.hpp) runs step by step on
// sockmode (sockmode_driver.hpp) and on CPython's socket module (driver.py, a subprocess),
// each against its own instance of the same loopback peer (peer.hpp). After every step the
// outcomes must agree, except where the README's "Differences from Python" table says they
// differ; each such exception is a rule in `compare` below.
//
//   model_test --driver test/model/driver.py [--seeds 40] [--first 1] [--length 40]
//              [--duration 60] [--seed N] [--python python3] [--verbose]
//
// A divergence prints the seed, every step up to the first one that differs with both
// outcomes, and the command that replays exactly that seed.

#include "model/sockmode_driver.hpp"

#include "model/peer.hpp"
#include "model/scenario.hpp"
#include "support.hpp"

#include <boost/crc.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace model {
namespace {

// driver.py, started once for the whole run, one command line in and one outcome line out.
class python_driver {
 public:
  python_driver(const std::string& python, const std::string& script) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> args = {python, "-u", script};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawnp(&pid_, python.c_str(), &actions, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + python);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  python_driver(const python_driver&) = delete;
  python_driver& operator=(const python_driver&) = delete;
  ~python_driver() {
    ::close(to_);  // driver.py ends at end of input
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    ::close(from_);
  }

  std::string call(const std::string& line) {
    const std::string out = line + "\n";
    if (::write(to_, out.data(), out.size()) != static_cast<ssize_t>(out.size()))
      return "harness:python-gone";
    // driver.py's own watchdog ends a call after 10 s; a flood drain may take longer.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      const std::size_t eol = buffer_.find('\n');
      if (eol != std::string::npos) {
        std::string result = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 1);
        return result;
      }
      pollfd p{from_, POLLIN, 0};
      if (std::chrono::steady_clock::now() > give_up || ::poll(&p, 1, 1000) < 0)
        return "harness:python-silent";
      if (!p.revents) continue;
      char chunk[4096];
      const ssize_t n = ::read(from_, chunk, sizeof chunk);
      if (n <= 0) return "harness:python-gone";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

struct ports {
  unsigned short full, refused;
};

// One implementation under test, with its own peer and the byte accounting of what it sent.
struct lane {
  std::string name;
  std::function<std::string(const std::string&)> call;
  peer the_peer;
  unsigned short listener_port = 0;
  struct account {
    account() = default;
    std::size_t sent = 0;
    boost::crc_32_type crc;
    bool known = true;  // false once a failed sendall did not say how much it sent
  } accounts[3];
};

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> w;
  for (std::string word; in >> word;) w.push_back(word);
  return w;
}

std::string substitute(const std::string& text, const lane& l, const ports& p) {
  std::string out;
  for (const std::string& w : words_of(text)) {
    if (!out.empty()) out += ' ';
    if (w == "@main") out += std::to_string(l.the_peer.port());
    else if (w == "@full") out += std::to_string(p.full);
    else if (w == "@refused") out += std::to_string(p.refused);
    else if (w == "@listener") out += std::to_string(l.listener_port);
    else out += w;
  }
  return out;
}

struct outcome {
  std::string kind;
  std::map<std::string, std::string> fields;
  std::string get(const std::string& key) const {
    const auto it = fields.find(key);
    return it == fields.end() ? "" : it->second;
  }
  std::string text() const {
    std::string t = kind;
    for (const auto& [k, v] : fields) t += " " + k + "=" + v;
    return t;
  }
};

outcome parse(const std::string& text) {
  outcome o;
  for (const std::string& w : words_of(text)) {
    const std::size_t eq = w.find('=');
    if (o.kind.empty()) o.kind = w;
    else if (eq != std::string::npos) o.fields[w.substr(0, eq)] = w.substr(eq + 1);
  }
  return o;
}

std::string field(const std::string& text, const std::string& key) {
  const outcome o = parse(text);
  const auto it = o.fields.find(key);
  return it == o.fields.end() ? "" : it->second;
}

// Runs one step on one lane and returns its outcome.
std::string execute(lane& l, const step& st, const ports& p) {
  const std::string text = substitute(st.text, l, p);
  const std::vector<std::string> w = words_of(text);
  switch (st.who) {
    case actor::driver:
    case actor::harness: {
      std::string out = l.call(text);
      if (w[0] == "listen" && out.rfind("ok", 0) == 0)
        l.listener_port = static_cast<unsigned short>(std::stoi(field(out, "port")));
      return out;
    }
    case actor::peer:
    case actor::peer_start: {
      const int s = std::stoi(w.at(1));
      std::size_t n = 0, tag = 0;
      unsigned short port = 0;
      if (w[0] == "send" || w[0] == "send_later") {
        n = std::stoul(w.at(2));
        tag = std::stoul(w.at(3));
      }
      if (w[0] == "connect" || w[0] == "connect_later")
        port = static_cast<unsigned short>(std::stoi(w.at(2)));
      if (st.who == actor::peer) return l.the_peer.run(w[0], s, n, tag, port);
      l.the_peer.start(w[0], s, n, tag, port);
      return "started";
    }
    case actor::peer_join:
      return l.the_peer.finish();
  }
  return "harness:unknown-actor";
}

// Keeps each lane's count of the bytes its driver says it sent on each slot since the
// peer last drained it; a drain must find exactly those bytes.
std::string account(lane& l, const step& st, const std::string& out) {
  const std::vector<std::string> w = words_of(st.text);
  const bool new_connection = (st.who == actor::driver && (w[0] == "new" || w[0] == "accept")) ||
                              (st.who == actor::peer && (w[0] == "accept" || w[0] == "connect"));
  if (new_connection && w.size() > 1 && w[1] != "3") {
    l.accounts[std::stoi(w[1])] = lane::account();
    return {};
  }
  if (st.who == actor::driver && (w[0] == "send" || w[0] == "sendall" || w[0] == "flood")) {
    lane::account& a = l.accounts[std::stoi(w[1])];
    const std::string n = field(out, "n");
    if (n.empty()) {
      if (out.rfind("ok", 0) != 0 && w[0] != "send") a.known = false;
      return {};
    }
    const std::size_t count = std::stoul(n);
    if (a.sent < (1 << 20)) {
      const std::string data =
          w[0] == "flood" ? std::string(std::min<std::size_t>(count, 1 << 20), '\0')
                          : pattern(count, std::stoul(w[3]));
      a.crc.process_bytes(data.data(), data.size());
    }
    a.sent += count;
    return {};
  }
  if (st.who == actor::peer_join && w[0] == "drain") {
    lane::account& a = l.accounts[std::stoi(w[1])];
    std::string problem;
    if (a.known && out.rfind("ok", 0) == 0) {
      const std::string got = field(out, "n");
      if (got != std::to_string(a.sent)) {
        problem = l.name + " reported " + std::to_string(a.sent) + " bytes sent, the peer got " + got;
      } else if (a.sent <= (1 << 20) && field(out, "crc") != std::to_string(a.crc.checksum())) {
        problem = l.name + ": the peer's checksum differs from the bytes reported sent";
      }
    }
    a = lane::account();
    return problem;
  }
  return {};
}

// The README rows ("Differences from Python") the comparator allows, with how often each
// was needed.
std::map<std::string, std::size_t> rules_applied;

struct waivers {
  bool slot_mode[4] = {false, false, false, false};
  bool refused_in_timeout_mode[4] = {false, false, false, false};
  bool connected_in_timeout_mode[4] = {false, false, false, false};
  bool shut_before_connect[4] = {false, false, false, false};
};

// Applies the documented differences to the pair, then compares what is left.
bool compare(const step& st, outcome sm, outcome py, waivers& waived) {
  const std::vector<std::string> w = words_of(st.text);
  const std::string& op = w[0];
  const int s = w.size() > 1 && w[1].size() == 1 && std::isdigit(w[1][0]) &&
                        op.find("defaulttimeout") == std::string::npos
                    ? std::stoi(w[1])
                    : -1;
  sm.fields.erase("port");
  py.fields.erase("port");
  const auto drop_mode = [&] {
    for (auto* o : {&sm, &py}) {
      o->fields.erase("mode");
      o->fields.erase("blk");
      if (op == "gettimeout" || op == "getblocking") o->fields.erase("value");
    }
  };
  if (st.who == actor::peer_join && st.uncertain) {
    // The bytes a failed sendall got out differ from run to run; each lane's own account
    // (see `account`) checks them instead.
    for (auto* o : {&sm, &py}) {
      o->fields.erase("n");
      o->fields.erase("crc");
    }
  }
  if (st.who != actor::driver) return sm.text() == py.text();

  // README "sendall failure" and "sendall in non-blocking mode": sockmode reports the count,
  // CPython loses it.
  if ((op == "sendall" || op == "flood") && sm.kind != "ok" && sm.kind == py.kind) {
    sm.fields.erase("n");
    ++rules_applied["sendall failure: sockmode reports the count"];
  }
  // README "non-blocking connect in progress": would_block where CPython raises
  // BlockingIOError(EINPROGRESS), and connect_ex returns EINPROGRESS.
  if ((op == "connect" || op == "connect_ex") && sm.kind == "would_block" &&
      py.kind == "err:EINPROGRESS") {
    py.kind = sm.kind;
    ++rules_applied["non-blocking connect in progress: would_block for EINPROGRESS"];
  }
  // README "connect_ex that times out": CPython returns EWOULDBLOCK, sockmode error::timeout.
  if (op == "connect_ex" && sm.kind == "timeout" && py.kind == "would_block") {
    py.kind = sm.kind;
    ++rules_applied["connect_ex that times out: error::timeout, not EWOULDBLOCK"];
  }
  // README "settimeout on a closed socket": both fail with EBADF, but CPython stores the new
  // timeout and sockmode keeps the old one, until the slot holds a new socket.
  if ((op == "settimeout" || op == "setblocking") && sm.kind == "err:EBADF" &&
      py.kind == "err:EBADF" && s >= 0) {
    waived.slot_mode[s] = true;
    ++rules_applied["settimeout on a closed socket: CPython stores the timeout"];
  }
  // README "largest timeout": 5e9 s is below CPython's 2**63 ns and above sockmode's
  // 2**62 - 1 ns. The scenario sets a valid timeout right after.
  // On a closed socket CPython takes the value, then fails with EBADF (the row above);
  // sockmode rejects the value first.
  if ((op == "settimeout" || op == "setdefaulttimeout") && w.back() == "5e9" &&
      sm.kind == "invalid" && (py.kind == "ok" || py.kind == "err:EBADF")) {
    if (py.kind == "err:EBADF" && s >= 0) waived.slot_mode[s] = true;
    py.kind = sm.kind;
    drop_mode();
    ++rules_applied["largest timeout: 5e9 s valid in CPython only"];
  }
  // README "zero-length send/sendall while the send buffer is full or the socket is still
  // connecting": CPython's timeout mode polls for room first and times out,
  // and on a connecting socket the kernel says EAGAIN (BlockingIOError); sockmode returns 0
  // at once in every mode.
  if ((op == "send" || op == "sendall") && w.at(2) == "0" && st.no_room &&
      (py.kind == "timeout" || py.kind == "would_block") &&
      sm.kind == "ok" && sm.get("n") == "0") {
    py = sm;
    ++rules_applied["zero-length send with no room: 0 at once"];
  }
  // README "the socket after connect in timeout mode": after a refusal CPython has taken the
  // error with SO_ERROR and left the socket at end of stream; sockmode's socket is as after
  // a refused blocking connect (in either), so recv fails with ENOTCONN.
  if (s >= 0 && waived.refused_in_timeout_mode[s] && (op == "recv" || op == "recv_into") &&
      sm.kind == "err:ENOTCONN" && py.kind == "ok" && py.get("n") == "0") {
    py.kind = sm.kind;
    py.fields.erase("n");
    py.fields.erase("crc");
    ++rules_applied["connect refused in timeout mode: recv fails with ENOTCONN, not b\"\""];
  }
  // Same row: CPython's timeout-mode connect never calls connect() again after the wait,
  // so its next connect(), to any address, returns 0 once; sockmode's says EISCONN.
  const bool connecting = (op == "connect" || op == "connect_ex") && s >= 0;
  if (connecting && waived.connected_in_timeout_mode[s] && sm.kind == "err:EISCONN" &&
      py.kind == "ok") {
    py.kind = sm.kind;
    waived.connected_in_timeout_mode[s] = false;
    ++rules_applied["connect in timeout mode: a later connect says EISCONN, not success"];
  } else if (connecting && py.kind == "err:EISCONN") {
    waived.connected_in_timeout_mode[s] = false;
  }
  const bool timeout_mode = py.get("mode") != "none" && py.get("mode") != "0";
  // README "connect in timeout mode after shutdown() of the unconnected socket": the shutdown
  // leaves the socket
  // reporting POLLHUP, so CPython's timeout-mode connect stops waiting at once and reports
  // success while the handshake is still in progress; sockmode waits for it.
  if (op == "shutdown" && s >= 0 && sm.kind == "err:ENOTCONN" && py.kind == sm.kind)
    waived.shut_before_connect[s] = true;
  if (connecting && waived.shut_before_connect[s] && timeout_mode && py.kind == "ok" &&
      sm.kind == "timeout") {
    py.kind = sm.kind;
    ++rules_applied["connect after shutdown of an unconnected socket: no early success"];
  }
  if (connecting && sm.kind == "err:ECONNREFUSED" && py.kind == sm.kind && timeout_mode)
    waived.refused_in_timeout_mode[s] = true;
  if (connecting && sm.kind == "ok" && py.kind == sm.kind && timeout_mode)
    waived.connected_in_timeout_mode[s] = true;
  // README "zero-length recv on a closed socket": CPython returns b"" without a syscall;
  // sockmode fails every call on a closed socket with EBADF.
  if ((op == "recv" || op == "recv_into") && w.at(2) == "0" && sm.kind == "err:EBADF" &&
      py.kind == "ok" && py.get("n") == "0") {
    py.kind = sm.kind;
    py.fields.erase("n");
    py.fields.erase("crc");
    ++rules_applied["zero-length recv on a closed socket: EBADF, not b\"\""];
  }
  if (s >= 0 && waived.slot_mode[s]) drop_mode();
  const bool agree = sm.text() == py.text();
  // A new socket in the slot, or a mode both accepted, ends the waiver.
  if (agree && s >= 0 && sm.kind == "ok" &&
      (op == "new" || op == "accept" || op == "listen" || op == "settimeout" ||
       op == "setblocking"))
    waived.slot_mode[s] = false;
  if (agree && s >= 0 && sm.kind == "ok" && (op == "new" || op == "accept"))
    waived.refused_in_timeout_mode[s] = waived.connected_in_timeout_mode[s] =
        waived.shut_before_connect[s] = false;
  return agree;
}

const char* actor_name(actor a) {
  switch (a) {
    case actor::driver: return "driver ";
    case actor::harness: return "harness";
    case actor::peer: return "peer   ";
    case actor::peer_start: return "peer &>";
    case actor::peer_join: return "peer <&";
  }
  return "?";
}

struct totals {
  std::size_t seeds = 0, steps = 0, driver_calls = 0, compared = 0;
};

struct options {
  std::string python = "python3";
  std::string driver;
  std::uint64_t first = 1;
  std::uint64_t seeds = 40;
  std::size_t length = 40;
  double duration = 0;  // seconds; 0: no limit
  bool verbose = false;
  bool single = false;
};

std::string replay_command(const options& o, std::uint64_t seed) {
  return "model_test --driver " + o.driver + " --python " + o.python + " --length " +
         std::to_string(o.length) + " --seed " + std::to_string(seed) + " --verbose";
}

// Runs one seed on both lanes in lock step; false at the first divergence.
bool run_seed(std::uint64_t seed, const options& opt, lane& sm, lane& py, const ports& p,
              totals& t) {
  const scenario sc = generator::make(seed, opt.length);
  for (lane* l : {&sm, &py}) {
    l->the_peer.reset();
    l->listener_port = 0;
    for (auto& a : l->accounts) a = lane::account();
    if (l->call("reset") != "ok") {
      std::cout << "model: seed " << seed << ": " << l->name << " driver failed to reset\n";
      return false;
    }
  }
  waivers waived;
  std::vector<std::string> log;
  for (std::size_t k = 0; k < sc.steps.size(); ++k) {
    const step& st = sc.steps[k];
    const std::string a = execute(sm, st, p);
    const std::string b = execute(py, st, p);
    std::string problem = account(sm, st, a);
    if (problem.empty()) problem = account(py, st, b);
    std::ostringstream line;
    line << "  #" << k << " " << actor_name(st.who) << " " << st.text << "\n      sockmode: " << a
         << "\n      cpython:  " << b;
    log.push_back(line.str());
    if (opt.verbose) std::cout << log.back() << "\n";
    ++t.steps;
    if (st.who == actor::driver) ++t.driver_calls;
    bool ok = true;
    if (st.who == actor::harness) {
      ok = a == "ok" && b == "ok";
      if (!ok) problem = "a synchronisation step failed";
    } else if (st.who != actor::peer_start) {
      ++t.compared;
      const bool harness_error = a.rfind("harness:", 0) == 0 || b.rfind("harness:", 0) == 0;
      ok = !harness_error && compare(st, parse(a), parse(b), waived);
      if (harness_error) problem = "harness error";
    }
    if (ok && problem.empty()) continue;
    std::cout << "model: seed " << seed << " diverges at step " << k << " of "
              << sc.steps.size() << ": " << st.text
              << (problem.empty() ? "" : " (" + problem + ")") << "\n";
    if (!opt.verbose)
      for (const std::string& entry : log) std::cout << entry << "\n";
    std::cout << "replay: " << replay_command(opt, seed) << "\n";
    return false;
  }
  ++t.seeds;
  return true;
}

int run(const options& opt) {
  // Started before any thread: the sockmode driver's watchdog and the peers' workers.
  python_driver python(opt.python, opt.driver);
  test::full_listener full;
  refused_port refused;
  const ports p{full.endpoint().port(), refused.port()};
  sockmode_driver native;
  lane sm{"sockmode", [&](const std::string& line) { return native.call(line); }, {}, 0, {}};
  lane py{"cpython", [&](const std::string& line) { return python.call(line); }, {}, 0, {}};

  totals t;
  const auto start = std::chrono::steady_clock::now();
  bool all_agree = true;
  for (std::uint64_t i = 0; i < opt.seeds; ++i) {
    if (opt.duration > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
            opt.duration)
      break;
    if (!run_seed(opt.first + i, opt, sm, py, p, t)) {
      all_agree = false;
      break;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "model: " << t.seeds << " seeds agreed (seeds " << opt.first << ".."
            << opt.first + t.seeds - (t.seeds ? 1 : 0) << "), " << t.steps << " steps, "
            << t.driver_calls << " socket calls on each side, " << t.compared
            << " outcomes compared, in " << static_cast<int>(secs) << " s\n";
  std::cout << "model: documented differences applied:" << (rules_applied.empty() ? " none" : "")
            << "\n";
  for (const auto& [rule, count] : rules_applied)
    std::cout << "  " << count << " x " << rule << "\n";
  std::cout << (all_agree ? "model: all outcomes agree\n" : "model: FAILED\n");
  return all_agree ? 0 : 1;
}

}  // namespace
}  // namespace model

int main(int argc, char** argv) {
  model::options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--python") opt.python = value();
    else if (arg == "--driver") opt.driver = value();
    else if (arg == "--first") opt.first = std::stoull(value());
    else if (arg == "--seeds") opt.seeds = std::stoull(value());
    else if (arg == "--length") opt.length = std::stoul(value());
    else if (arg == "--duration") opt.duration = std::stod(value());
    else if (arg == "--seed") {
      opt.first = std::stoull(value());
      opt.seeds = 1;
      opt.single = true;
    }
    else if (arg == "--verbose") opt.verbose = true;
    else {
      std::cerr << "model_test: unknown argument " << arg << "\n";
      return 2;
    }
  }
  if (opt.driver.empty()) {
    std::cerr << "model_test: --driver path/to/driver.py is required\n";
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  return model::run(opt);
}
