// The wait path: every call that would block ends up here.
#include <sockmode/detail/io_state.hpp>
#include <sockmode/detail/syscalls.hpp>
#include <sockmode/error.hpp>

#include "wait_backend.hpp"
#include "cannot_wait.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <linux/membarrier.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sockmode::detail {

wait_backend::~wait_backend() = default;

namespace {

constexpr std::size_t not_read = static_cast<std::size_t>(-1);

using boost::system::error_code;
using clock = std::chrono::steady_clock;

std::atomic<unsigned> fork_generation{0};

// Guards the links between sockets and the thread contexts that hold their registrations:
// io_state::registered_in_, thread_slot::dead, and changes to any context's cache. Taken on
// a cache miss, when a socket closes and when a thread exits; never on the wait fast path.
std::mutex registry_mutex;
// Never destroyed: a socket in static storage may be closed after this file's statics are gone.
// The slots of the threads alive (in a fork child: of the forking thread and the threads made
// since), and the slots of threads that have exited, for new threads to take. Slots are never
// freed, so a socket may keep a pointer to its owner's slot whatever became of the thread.
std::vector<thread_slot*>& all_slots = *new std::vector<thread_slot*>;   // guarded by registry_mutex
std::vector<thread_slot*>& free_slots = *new std::vector<thread_slot*>;  // guarded by registry_mutex
// In a fork child: threads of the parent that did not survive may have left their calls
// counted in a socket's others_in_use_, so close() asks the live threads' slots instead.
bool in_fork_child = false;  // written with registry_mutex held, before any other thread exists

constexpr std::size_t lock_count = 16;
std::mutex socket_locks[lock_count];

// The heavy half of an asymmetric fence (Linux membarrier): makes every running thread of this
// process execute a full barrier. Registered once; where the kernel refuses, every thread
// takes the light half's place with a full fence of its own and this is never called.
bool register_heavy_fence() noexcept {
  return ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
         ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
}

const bool fast_owner_entry = register_heavy_fence();

void heavy_fence() noexcept {
  if (::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
    // Not expected to run: registration proved the call works, and it has no other failure
    // mode. Should it fail anyway, this is a timing argument, not a guarantee: store buffers
    // drain within nanoseconds, and a millisecond is a wide margin.
    static std::atomic<int> barrier{0};
    barrier.fetch_add(1);  // a full barrier on this CPU, at least
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

// Every thread waits with epoll, or with io_uring when SOCKMODE_WAIT_BACKEND=io_uring asks for
// it (one descriptor per thread instead of three, fewer syscalls per wait, but more CPU per
// wait and a slower round trip on the reference machine: README, "Benchmarks"). The choice is
// the process's, made at the first wait; a refused io_uring_setup (an old kernel, seccomp, a
// container) falls back to epoll for good.
std::atomic<bool> uring_refused{false};

bool uring_wanted() noexcept {
#if defined(SOCKMODE_HAS_IO_URING)
  static const bool wanted = [] {
    const char* v = std::getenv("SOCKMODE_WAIT_BACKEND");
    return v != nullptr && std::strcmp(v, "io_uring") == 0;
  }();
  return wanted && !uring_refused.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

// Throws boost::system::system_error with the errno where the kernel refuses a descriptor or
// memory for it (EMFILE, ENFILE, ENOMEM).
wait_backend* make_backend() {
#if defined(SOCKMODE_HAS_IO_URING)
  if (uring_wanted()) {
    int error = 0;
    if (wait_backend* b = make_uring_backend(&error)) return b;
    if (error == EMFILE || error == ENFILE || error == ENOMEM) {
      // Out of descriptors or memory, not refused: epoll would fail the same way.
      throw boost::system::system_error(error_code(error, boost::system::system_category()),
                                        "cannot wait");
    }
    uring_refused.store(true, std::memory_order_relaxed);
  }
#endif
  int error = 0;
  if (wait_backend* b = make_epoll_backend(&error)) return b;
  throw boost::system::system_error(error_code(error, boost::system::system_category()),
                                    "cannot wait");
}

int descriptors_per_waiting_thread() noexcept {
  return uring_wanted() ? uring_descriptors : epoll_descriptors;
}

// What sockmode keeps per thread. Which socket, if any, the thread is inside a call on (a
// thread is inside at most one call at a time), and its wait context, made by its first wait
// so that threads that never wait cost no descriptors.
//
// Whether a socket is still in use is two questions for close(), each O(1): is its owner (the
// first thread to use it) inside a call on it, which the owner publishes with one plain store
// in its slot, and how many other threads are, a counter in the socket that only they pay for.
struct thread_slot {
  std::atomic<const io_state*> in_use{nullptr};
  bool counted = false;  // the call in progress is in its socket's others_in_use_
  bool dead = false;     // in a fork child: a thread that did not survive the fork
  std::unique_ptr<thread_context> context;
  // The errno of this thread's last failed attempt to make its context, while it has none.
  int context_error = 0;
};

// A thread waiting on a socket, in the socket's list of waiters (io_state::waiters_).
struct waiter {
  thread_context* context;
  std::uint64_t id;
  waiter* next;
  bool writes;  // the direction whose deadline applies
};

// The wait backend a thread waits with (src/wait_backend.hpp): one per thread, not per
// socket, so that a thread that never waits costs no descriptors. With io_uring it costs one
// descriptor (the ring); with epoll two (epoll, eventfd).
//
// A descriptor stays registered with it after a wait, in a small cache, so that the next wait
// on the same socket costs no registration syscalls. A socket's entries are dropped from every
// cache before its descriptor is closed (io_state::shut), so no cache ever holds a closed or
// reused descriptor number.
struct thread_context {
  struct registration {
    // The socket it belongs to. Entries are dropped before their socket's descriptor closes
    // (io_state::shut), so a live entry never refers to a closed or reused number.
    io_state* owner = nullptr;
    std::uint64_t last_use = 0;
  };

  explicit thread_context(const thread_slot& thread)
      : backend(make_backend()), owner_thread(thread) {}
  thread_context(const thread_context&) = delete;
  thread_context& operator=(const thread_context&) = delete;
  ~thread_context() {
    std::lock_guard<std::mutex> registry(registry_mutex);
    drop_all();
  }

  // The slot holding `owner`'s descriptor, registered on a miss (evicting the least recently
  // used entry); no_slot if it cannot be registered. Only this context's own thread calls it.
  std::size_t acquire(io_state& owner, int fd, error_code& ec) {
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      for (std::size_t i = 0; i < cache.size(); ++i) {
        if (cache[i].owner == &owner) {
          cache[i].last_use = ++use_clock;
          return i;
        }
      }
    }
    std::lock_guard<std::mutex> registry(registry_mutex);
    std::lock_guard<std::mutex> lock(cache_mutex);
    std::size_t victim = 0;
    for (std::size_t i = 1; i < cache.size(); ++i) {
      if (cache[i].last_use < cache[victim].last_use) victim = i;
    }
    drop(victim);
    if (const int e = backend->assign(victim, fd); e != 0) {
      ec = error_code(e, boost::system::system_category());
      return wait_backend::no_slot;
    }
    cache[victim].owner = &owner;
    cache[victim].last_use = ++use_clock;
    owner.registered_in_.push_back(this);
    return victim;
  }

  // With registry_mutex and cache_mutex held. The descriptor belongs to its socket and is
  // still open here: deregister it, never close it.
  void drop(std::size_t i) {
    registration& r = cache[i];
    if (r.owner == nullptr) return;
    backend->release(i);
    auto& links = r.owner->registered_in_;
    links.erase(std::remove(links.begin(), links.end(), this), links.end());
    r.owner = nullptr;
  }

  // With registry_mutex held.
  void drop_all() {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (std::size_t i = 0; i < cache.size(); ++i) drop(i);
  }

  void drop_owner(const io_state& owner) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (std::size_t i = 0; i < cache.size(); ++i) {
      if (cache[i].owner == &owner) drop(i);
    }
  }

  std::unique_ptr<wait_backend> backend;
  std::mutex cache_mutex;  // this thread, and another one dropping a closed socket
  std::array<registration, wait_backend::slots> cache{};
  std::uint64_t use_clock = 0;
  unsigned fork_gen = fork_generation.load(std::memory_order_relaxed);
  const thread_slot& owner_thread;  // whose context this is
  // The wait in progress, or the last one. Signals carry the id of the wait they are meant
  // for, so one that arrives late is recognised and ignored.
  std::uint64_t wait_id = 0;
  // This thread's entry in the waiters of the socket it waits on. Here rather than on its
  // stack: a fork child may still walk a list that holds a thread that did not survive the
  // fork, whose stack the child's new threads may reuse.
  waiter self{};
};

// A thread's slot, taken when the thread first uses sockmode and given back when it exits.
struct slot_holder {
  slot_holder() {
    std::lock_guard<std::mutex> registry(registry_mutex);
    if (free_slots.empty()) {
      slot = new thread_slot;
    } else {
      slot = free_slots.back();
      free_slots.pop_back();
    }
    all_slots.push_back(slot);
  }
  slot_holder(const slot_holder&) = delete;
  slot_holder& operator=(const slot_holder&) = delete;
  ~slot_holder() {
    slot->context.reset();  // drops its registrations first
    std::lock_guard<std::mutex> registry(registry_mutex);
    all_slots.erase(std::remove(all_slots.begin(), all_slots.end(), slot), all_slots.end());
    free_slots.push_back(slot);
  }
  thread_slot* slot;
};

// src/selector.cpp: its registry lock, held across fork() like the locks above.
void lock_selectors_for_fork() noexcept;
void unlock_selectors_after_fork() noexcept;

namespace {

thread_local slot_holder current_holder;

thread_slot& current_slot() noexcept { return *current_holder.slot; }

// fork() with every socket lock and the registry held, so the child inherits none of them
// locked by a thread that does not exist there. The forking thread also drops its
// registrations while its epoll instance is still its own: the child shares that instance
// until notify_fork, and could neither re-register a registration nor deregister one without
// also removing the parent's.
extern "C" void sockmode_before_fork() {
  static_cast<void>(current_slot());  // taken now: taking it takes the registry mutex
  lock_selectors_for_fork();  // every close() takes it (drop_from_selectors)
  for (std::mutex& m : socket_locks) m.lock();
  registry_mutex.lock();
  if (thread_context* context = current_slot().context.get()) context->drop_all();
}

void unlock_after_fork() {
  registry_mutex.unlock();
  for (std::mutex& m : socket_locks) m.unlock();
  unlock_selectors_after_fork();
}

extern "C" void sockmode_after_fork_in_parent() { unlock_after_fork(); }

extern "C" void sockmode_after_fork_in_child() {
  if (fast_owner_entry) register_heavy_fence();  // idempotent; in case it is not inherited
  // The other threads' contexts are memory without a thread, and their epoll or io_uring
  // instances are the parent's: never touch them again. Their slots stay allocated, marked
  // dead, and are never handed out again.
  for (thread_slot* slot : all_slots) {
    if (slot != &current_slot()) slot->dead = true;
  }
  all_slots.assign(1, &current_slot());
  in_fork_child = true;
  fork_generation.fetch_add(1, std::memory_order_relaxed);
  unlock_after_fork();
}

thread_context& this_thread_context() {
  thread_slot& slot = current_slot();
  std::unique_ptr<thread_context>& context = slot.context;
  if (!context) {
    try {
      context = std::make_unique<thread_context>(slot);
    } catch (const boost::system::system_error& e) {
      slot.context_error = e.code().value();  // for the message (explain_cannot_wait)
      throw;
    }
    slot.context_error = 0;
  } else if (const unsigned gen = fork_generation.load(std::memory_order_relaxed);
             context->fork_gen != gen) {
    // A new backend for the child, once the old one has let go of the parent's instance;
    // the cache is empty (see sockmode_before_fork).
    context->backend->fork_child();
    context->backend.reset(make_backend());
    context->fork_gen = gen;
  }
  return *context;
}

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
      .count();
}

// The back-off of io_state::perform_with_back_off: 100 us doubling to 20 ms. Short sleeps
// first, because room often appears soon. The cap trades the delay in noticing room against
// the cost of waiting: each retry is a connect() and a timer wake-up, about 100 us of CPU on
// the reference machine, so a long wait costs about 0.6% of a CPU and room is noticed within
// 20 ms (a 10 ms cap measured 1.1%, 50 ms 0.3%; README, "How it works").
constexpr std::int64_t first_back_off_ns = 100'000;
constexpr std::int64_t back_off_cap_ns = 20'000'000;

bool would_block(const error_code& ec) noexcept {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

// The error a wait that did not end ready reports, or none: a moved deadline is a spurious
// wake-up, and the caller tries again.
error_code wait_error(const wait_outcome& o) noexcept {
  switch (o.how) {
    case wake::ready:
      return o.error != 0 ? error_code(o.error, boost::system::system_category()) : error_code();
    case wake::aborted: return boost::asio::error::operation_aborted;
    case wake::deadline_moved: return {};
    case wake::timed_out: break;
  }
  return error::timeout;
}

wait_backend::direction direction_of(io_state::wait_type w) noexcept {
  if (w == io_state::wait_type::wait_write) return wait_backend::write_ready;
  if (w == io_state::wait_type::wait_error) return wait_backend::error_ready;
  return wait_backend::read_ready;
}

}  // namespace

bool explain_cannot_wait(const error_code& ec, std::string& what, std::string& detail) {
  const int e = current_slot().context_error;
  if (e == 0 || current_slot().context || ec != error_code(e, boost::system::system_category()))
    return false;
  what += ": cannot wait";
  detail = " (each waiting thread holds " + std::to_string(descriptors_per_waiting_thread()) +
           (descriptors_per_waiting_thread() == 1 ? " descriptor" : " descriptors");
  if (e == EMFILE) detail += "; raise RLIMIT_NOFILE)";
  else if (e == ENFILE) detail += "; the system's file table is full: raise fs.file-max)";
  else detail += " and kernel memory)";
  return true;
}

// src/selector.cpp: takes a closing descriptor out of every selector it is registered in.
void drop_from_selectors(io_state& state) noexcept;


io_state::io_state(timeout_type mode) noexcept
    : timeout_ns_(mode ? mode->count() : -1) {
  static const int registered =
      pthread_atfork(&sockmode_before_fork, &sockmode_after_fork_in_parent,
                     &sockmode_after_fork_in_child);
  static_cast<void>(registered);
}

io_state::~io_state() = default;

void io_state::set_timeout(timeout_type t) noexcept {
  timeout_ns_.store(t ? t->count() : -1, std::memory_order_relaxed);
}

timeout_type io_state::timeout() const noexcept {
  const std::int64_t ns = timeout_ns_.load(std::memory_order_relaxed);
  if (ns < 0) return std::nullopt;
  return std::chrono::nanoseconds(ns);
}

void io_state::set_descriptor(int fd) noexcept { fd_.store(fd, std::memory_order_release); }

thread_slot* io_state::enter(error_code& ec) noexcept {
  if (!closed_.load(std::memory_order_relaxed)) {
    thread_slot* slot = &current_slot();
    // Either shut() sees our slot, or we see closed_. The socket's owner (the first thread to
    // use it) publishes with a plain store, and shut() from any other thread pays for it with
    // membarrier(); every other thread uses a full fence here.
    const thread_slot* owner = owner_.load(std::memory_order_relaxed);
    if (owner == slot && fast_owner_entry) {
      slot->counted = false;
      slot->in_use.store(this, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      if (owner == nullptr) owner_.compare_exchange_strong(owner, slot);
      slot->counted = true;
      slot->in_use.store(this, std::memory_order_relaxed);  // for a fork child's close()
      others_in_use_.fetch_add(1);                            // a full barrier, as the store was
    }
    if (!closed_.load()) {
      if (fd_.load(std::memory_order_acquire) >= 0) return slot;
      leave(slot);
      ec = boost::asio::error::not_connected;  // never opened: CPython's ENOTCONN
      return nullptr;
    }
    leave(slot);
  }
  ec = boost::asio::error::bad_descriptor;
  return nullptr;
}

void io_state::leave(thread_slot* slot) noexcept {
  if (slot->counted) {
    slot->in_use.load(std::memory_order_relaxed)->others_in_use_.fetch_sub(
        1, std::memory_order_release);
  }
  slot->in_use.store(nullptr, std::memory_order_release);
}

std::size_t io_state::perform(wait_type w, attempt_fn attempt, error_code& ec,
                              bool deadline_from_start) {
  return run(w, timeout_ns_.load(std::memory_order_relaxed), attempt, ec, deadline_from_start);
}

std::size_t io_state::perform_within(wait_type w, timeout_type timeout, attempt_fn attempt,
                                     error_code& ec) {
  return run(w, timeout ? checked(*timeout).count() : -1, attempt, ec, false);
}

void io_state::wait(wait_type w, timeout_type timeout, error_code& ec) {
  short events = POLLIN;
  if (w == wait_type::wait_write) events = POLLOUT;
  if (w == wait_type::wait_error) events = POLLPRI;
  perform_within(
      w, timeout,
      [&](error_code& e) -> std::size_t {
        pollfd p{fd_.load(std::memory_order_relaxed), events, 0};
        const int n = ::poll(&p, 1, 0);
        // EINTR: a signal came while nothing was ready; as for would_block, wait and ask again.
        if (n < 0 && errno != EINTR) e = error_code(errno, boost::system::system_category());
        else if (n <= 0) e = boost::asio::error::would_block;
        else e = {};
        return 0;
      },
      ec);
}

std::size_t io_state::perform_read(const iovecs& buffers, attempt_fn attempt, error_code& ec) {
  return run(wait_type::wait_read, timeout_ns_.load(std::memory_order_relaxed), attempt, ec,
             false, false, buffers.bytes != 0 ? &buffers : nullptr);
}

const char* io_state::wait_backend_name() {
  return this_thread_context().backend->name();
}

std::size_t io_state::perform_with_back_off(wait_type w, attempt_fn attempt, error_code& ec) {
  return run(w, timeout_ns_.load(std::memory_order_relaxed), attempt, ec, false, true);
}

std::size_t io_state::run(wait_type w, std::int64_t timeout_ns, attempt_fn attempt,
                          error_code& ec, bool deadline_from_start, bool back_off,
                          const iovecs* read) {
  thread_slot* const slot = enter(ec);
  if (slot == nullptr) return 0;
  struct leave_on_exit {  // even if an attempt throws: close() waits for this slot
    thread_slot* slot;
    ~leave_on_exit() { leave(slot); }
  } guard{slot};
  // Go's rule: past the deadline a call fails even if its data is there, so that a peer
  // that keeps data flowing cannot stretch an exchange past it. Checked on entry and before
  // every retry after a wait: a wake-up, or a deadline moved into the past by another thread,
  // must not let the retry move data.
  const auto deadline_passed = [&] {
    const std::int64_t d = deadline_for(w).load(std::memory_order_relaxed);
    return d != no_deadline && now_ns() >= d;
  };
  if (deadline_passed()) {
    ec = error::timeout;
    return 0;
  }
  const std::uint64_t generation = cancel_generation_.load(std::memory_order_acquire);
  // One deadline for the whole call: retries after a spurious wake-up, a signal or a partial
  // transfer keep it.
  std::int64_t deadline_ns = deadline_from_start && timeout_ns > 0 ? now_ns() + timeout_ns : -1;
  // A read the backend can hand to the kernel whole (io_uring) waits as one operation, and
  // after a read that drained the socket it goes there without a first try: a try bound to
  // fail would be a syscall more than a blocking read's one. A read that finds data ready
  // that way costs one syscall all the same (the submission completes at once).
  bool submit = false;
  if (read != nullptr && timeout_ns != 0) {
    try {
      submit = this_thread_context().backend->submits_reads();
    } catch (const boost::system::system_error&) {
      // No wait context (no descriptor left for it): a read that waits reports it from await().
    }
    if (!submit) read = nullptr;
  }
  bool try_first = !submit || !reads_drained_.load(std::memory_order_relaxed);
  bool tried_and_waited = false;
  std::size_t n = 0;
  std::int64_t sleep_ns = first_back_off_ns;
  for (bool retry = false;; retry = true) {
    if (retry && deadline_passed()) {
      ec = error::timeout;
      break;
    }
    const bool tried = try_first;
    if (try_first) {
      n = attempt(ec);
    } else {
      ec = boost::asio::error::would_block;
      try_first = true;  // after a deadline moved, try again first
    }
    if (back_off && timeout_ns < 0 && ec == no_readiness_event()) {
      // Nothing to wait for but time (see first_back_off_ns and back_off_cap_ns).
      ec = await(-1, w, now_ns() + sleep_ns, generation);
      if (ec == error::timeout) {
        // The sleep ended, or the socket's deadline for this direction, which await() also
        // waits for: only the latter ends the call.
        if (deadline_passed()) break;
        ec = {};
      }
      if (ec) break;  // aborted by cancel() or close(); no error: the deadline moved, try again
      sleep_ns = std::min(sleep_ns * 2, back_off_cap_ns);
      continue;
    }
    if (!would_block(ec)) break;
    if (timeout_ns == 0) {
      ec = boost::asio::error::would_block;
      break;
    }
    if (timeout_ns > 0 && deadline_ns < 0) deadline_ns = now_ns() + timeout_ns;
    if (submit) {
      tried_and_waited = tried_and_waited || tried;
      std::size_t got = not_read;
      ec = await(fd_.load(std::memory_order_relaxed), w, deadline_ns, generation, read, &got);
      if (got != not_read) {
        n = got;
        if (!ec && n == 0) ec = boost::asio::error::eof;  // submitted reads are stream reads
        break;
      }
    } else {
      ec = await(fd_.load(std::memory_order_relaxed), w, deadline_ns, generation);
    }
    if (ec) break;
  }
  if (submit) {
    // Drained: the read came back short, or its first try found nothing. A read submitted
    // without a try that came back full says nothing either way; trying first next time
    // keeps a reader that never waits (bulk) on the one-syscall path.
    reads_drained_.store(ec ? would_block(ec) || ec == error::timeout
                            : tried_and_waited || n < read->bytes,
                         std::memory_order_relaxed);
  }
  return n;
}

error_code io_state::await(int fd, wait_type w, std::int64_t deadline_ns,
                           std::uint64_t cancel_generation, const iovecs* read,
                           std::size_t* bytes_read) {
  thread_context* made = nullptr;
  try {
    made = &this_thread_context();
  } catch (const boost::system::system_error& e) {
    return e.code();  // the thread's first wait, and no descriptor left for its context (EMFILE)
  }
  thread_context& context = *made;
  // A new id for every await, published before anything can be signalled for it: a signal
  // meant for an earlier await, even one that ended before it waited, is ignored.
  waiter& self = context.self;
  self = {&context, ++context.wait_id, nullptr, w == wait_type::wait_write};
  {
    std::lock_guard<std::mutex> guard(lock());
    if (closed_.load() || cancel_generation_.load() != cancel_generation)
      return boost::asio::error::operation_aborted;
    self.next = waiters_;
    waiters_ = &self;
    // Read once registered: a set_deadline() that this load misses sees this waiter instead.
    deadline_ns = earliest_deadline(w, deadline_ns);
  }
  error_code ec;
  if (deadline_ns >= 0 && now_ns() >= deadline_ns) {
    ec = error::timeout;
  } else if (fd < 0) {
    ec = wait_error(context.backend->wait(self.id, wait_backend::no_slot, direction_of(w),
                                          deadline_ns));
  } else if (const std::size_t slot = context.acquire(*this, fd, ec);
             slot != wait_backend::no_slot) {
    if (read != nullptr) {
      const wait_outcome o =
          context.backend->read(self.id, slot, read->entries, read->count, deadline_ns);
      ec = wait_error(o);
      if (o.how == wake::ready) *bytes_read = o.bytes;
    } else {
      ec = wait_error(context.backend->wait(self.id, slot, direction_of(w), deadline_ns));
    }
  }
  std::lock_guard<std::mutex> guard(lock());
  for (waiter** link = &waiters_; *link != nullptr; link = &(*link)->next) {
    if (*link == &self) {
      *link = self.next;
      break;
    }
  }
  return ec;
}

void io_state::abort_waiters() {
  // Each waiter's context is run only by its own thread; the abort travels there as a posted
  // handler, which ignores itself if that thread has moved on to another wait.
  for (waiter* w = waiters_; w != nullptr; w = w->next) {
    if (w->context->owner_thread.dead) continue;  // a fork child's view of a parent thread
    w->context->backend->signal(w->id, wake::aborted);
  }
}

std::int64_t io_state::earliest_deadline(wait_type w, std::int64_t call_deadline_ns) const noexcept {
  std::int64_t d = deadline_for(w).load(std::memory_order_relaxed);
  if (d == no_deadline) return call_deadline_ns;
  d = std::max<std::int64_t>(d, 0);  // before the clock's epoch: already passed
  return call_deadline_ns < 0 ? d : std::min(d, call_deadline_ns);
}

void io_state::set_deadline(wait_type w, std::int64_t deadline_ns) noexcept {
  const bool writes = w == wait_type::wait_write;
  std::lock_guard<std::mutex> guard(lock());
  (writes ? write_deadline_ns_ : read_deadline_ns_).store(deadline_ns, std::memory_order_relaxed);
  // As Go: a new deadline applies to the calls already waiting. Each recomputes its deadline
  // and waits again, or fails at once if the new one has passed.
  for (waiter* x = waiters_; x != nullptr; x = x->next) {
    if (x->writes != writes || x->context->owner_thread.dead) continue;
    x->context->backend->signal(x->id, wake::deadline_moved);
  }
}

void io_state::use(attempt_fn attempt, error_code& ec) {
  thread_slot* const slot = enter(ec);
  if (slot == nullptr) return;
  struct leave_on_exit {
    thread_slot* slot;
    ~leave_on_exit() { leave(slot); }
  } guard{slot};
  attempt(ec);
}

void io_state::cancel() noexcept {
  std::lock_guard<std::mutex> guard(lock());
  cancel_generation_.fetch_add(1);
  abort_waiters();
}

std::mutex& io_state::lock() const noexcept {
  return socket_locks[(reinterpret_cast<std::uintptr_t>(this) / alignof(io_state)) % lock_count];
}

void io_state::serialize(function_ref<void()> f) {
  std::lock_guard<std::mutex> guard(lock());
  f();
}

void io_state::open(function_ref<void(error_code&)> open_descriptor, error_code& ec) {
  std::lock_guard<std::mutex> guard(lock());
  if (closed_.load()) {
    ec = boost::asio::error::bad_descriptor;
    return;
  }
  ec = {};
  if (fd_.load(std::memory_order_relaxed) < 0) open_descriptor(ec);
}

bool io_state::in_use_by_any_thread() const noexcept {
  std::lock_guard<std::mutex> registry(registry_mutex);  // a fork child's flag, dead slots
  if (in_fork_child) {
    // Counts left by threads that did not survive the fork cannot be trusted here: ask each
    // live thread instead (rarely many, in a child).
    for (const thread_slot* slot : all_slots) {
      if (slot->in_use.load() == this) return true;
    }
    return false;
  }
  const thread_slot* owner = owner_.load();
  if (owner != nullptr && !owner->dead && owner->in_use.load() == this) return true;
  return others_in_use_.load() != 0;
}

void io_state::shut(function_ref<void()> close_descriptor) noexcept {
  closed_.store(true);
  const thread_slot* owner = owner_.load();
  if (owner != nullptr && owner != &current_slot() && fast_owner_entry) {
    // The owner's slot store may still sit in its CPU's store buffer, and its load of closed_
    // may already have happened: a barrier on every CPU running this process settles both.
    heavy_fence();
  }
  {
    // A wait that registers from now on sees closed_ and gives up.
    std::lock_guard<std::mutex> guard(lock());
    abort_waiters();
  }
  // Until every thread has left its call on this socket: those in a syscall leave within
  // microseconds, and waiting ones as soon as their abort is handled.
  for (int round = 0;; ++round) {
    if (!in_use_by_any_thread()) break;
    if (round < 16) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  {
    // No call uses the descriptor now; take it out of every thread's cache before it is closed.
    std::lock_guard<std::mutex> registry(registry_mutex);
    while (!registered_in_.empty()) {
      thread_context* context = registered_in_.back();
      if (context->owner_thread.dead) registered_in_.pop_back();
      else context->drop_owner(*this);  // removes it from registered_in_
    }
  }
  drop_from_selectors(*this);
  // A second closer waits here until the first has closed the descriptor.
  std::lock_guard<std::mutex> guard(lock());
  if (!descriptor_closed_) {
    close_descriptor();
    descriptor_closed_ = true;
  }
}

}  // namespace sockmode::detail
