// The wait path: every call that would block ends up here.
#include <sockmode/detail/io_state.hpp>
#include <sockmode/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <linux/membarrier.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

namespace sockmode::detail {
namespace {

using boost::system::error_code;
using clock = std::chrono::steady_clock;

std::atomic<unsigned> fork_generation{0};

// Guards the links between sockets and the thread contexts that hold their registrations:
// io_state::registered_in_, thread_context::dead, and changes to any context's cache. Taken on
// a cache miss, when a socket closes and when a thread exits; never on the wait fast path.
std::mutex registry_mutex;
// Never destroyed: a socket in static storage may be closed after this file's statics are gone.
std::vector<thread_slot*>& all_slots = *new std::vector<thread_slot*>;  // guarded by registry_mutex

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

// What sockmode keeps per thread. Which socket, if any, the thread is inside a call on: a
// thread is inside at most one call at a time, so one slot per thread tells close() whether
// the descriptor is still in use, and entering a call costs one store instead of a shared
// counter's two atomic read-modify-writes. And the thread's wait context, made by its first
// wait, so that threads that never wait cost no descriptors.
struct thread_slot {
  thread_slot() {
    std::lock_guard<std::mutex> registry(registry_mutex);
    all_slots.push_back(this);
  }
  thread_slot(const thread_slot&) = delete;
  thread_slot& operator=(const thread_slot&) = delete;
  ~thread_slot();

  std::atomic<const io_state*> in_use{nullptr};
  std::unique_ptr<thread_context> context;
};

// A thread waiting on a socket, in the socket's list of waiters (io_state::waiters_).
struct waiter {
  thread_context* context;
  std::uint64_t id;
  waiter* next;
  bool writes;  // the direction whose deadline applies
};

// The io_context a thread waits on. One per thread, not per socket: its three descriptors
// (epoll, eventfd, timerfd) are the whole descriptor cost of sockmode.
//
// A descriptor stays registered with it after a wait, in a small cache, so that the next wait
// on the same socket costs one epoll_ctl(MOD) and the epoll_wait, instead of ADD, FIONBIO, MOD
// and DEL. A socket's entries are dropped from every cache before its descriptor is closed
// (io_state::shut), so no cache ever holds a closed or reused descriptor number.
struct thread_context {
  struct registration {
    explicit registration(boost::asio::io_context& io) : descriptor(io) {}
    boost::asio::posix::stream_descriptor descriptor;
    // The socket it belongs to. Entries are dropped before their socket's descriptor closes
    // (io_state::shut), so a live entry never refers to a closed or reused number.
    io_state* owner = nullptr;
    std::uint64_t last_use = 0;
  };
  static constexpr std::size_t cache_size = 8;

  thread_context() {
    cache.reserve(cache_size);
    for (std::size_t i = 0; i < cache_size; ++i) cache.emplace_back(io);
  }
  thread_context(const thread_context&) = delete;
  thread_context& operator=(const thread_context&) = delete;
  ~thread_context() {
    std::lock_guard<std::mutex> registry(registry_mutex);
    drop_all();
  }

  // The registration for `owner`'s descriptor, made on a miss (evicting the least recently
  // used entry). Only this context's own thread calls it.
  registration* acquire(io_state& owner, int fd, error_code& ec) {
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      for (registration& r : cache) {
        if (r.owner == &owner) {
          r.last_use = ++use_clock;
          return &r;
        }
      }
    }
    std::lock_guard<std::mutex> registry(registry_mutex);
    std::lock_guard<std::mutex> lock(cache_mutex);
    registration* victim = &cache.front();
    for (registration& r : cache) {
      if (r.last_use < victim->last_use) victim = &r;
    }
    drop(*victim);
    victim->descriptor.assign(fd, ec);
    if (ec) return nullptr;
    victim->owner = &owner;
    victim->last_use = ++use_clock;
    owner.registered_in_.push_back(this);
    return victim;
  }

  // With registry_mutex and cache_mutex held. The descriptor belongs to its socket and is
  // still open here: deregister it, never close it.
  void drop(registration& r) {
    if (r.owner == nullptr) return;
    r.descriptor.release();
    auto& links = r.owner->registered_in_;
    links.erase(std::remove(links.begin(), links.end(), this), links.end());
    r.owner = nullptr;
  }

  // With registry_mutex held.
  void drop_all() {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (registration& r : cache) drop(r);
  }

  void drop_owner(const io_state& owner) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (registration& r : cache) {
      if (r.owner == &owner) drop(r);
    }
  }

  boost::asio::io_context io{1};  // run by this thread alone; other threads only post
  std::mutex cache_mutex;         // this thread, and another one dropping a closed socket
  std::vector<registration> cache;
  std::uint64_t use_clock = 0;
  // The deadline timer is left armed when a wait ends early: the next wait, typically with a
  // later deadline, then costs no timer syscall at all. When it fires before the current
  // deadline it re-arms for it; with no wait in progress it just stops.
  boost::asio::steady_timer timer{io};
  std::int64_t timer_expiry_ns = std::numeric_limits<std::int64_t>::max();  // not armed
  std::int64_t deadline_ns = -1;  // of the wait in progress; -1: none

  void arm_timer(std::int64_t expiry_ns) {
    timer_expiry_ns = expiry_ns;
    timer.expires_at(clock::time_point(std::chrono::nanoseconds(expiry_ns)));
    timer.async_wait([this, expiry_ns](const error_code& e) {
      if (e || timer_expiry_ns != expiry_ns) return;  // replaced by an earlier deadline
      timer_expiry_ns = std::numeric_limits<std::int64_t>::max();
      if (deadline_ns < 0) return;
      if (deadline_ns <= expiry_ns) timed_out = true;
      else arm_timer(deadline_ns);
    });
  }
  unsigned fork_gen = fork_generation.load(std::memory_order_relaxed);
  // In a fork child: the thread of this context did not survive the fork. Its context is
  // heap memory without a thread, and its epoll instance is the parent's: never touch it again.
  bool dead = false;
  // This thread's entry in the waiters of the socket it waits on. Here rather than on its
  // stack: a fork child may still walk a list that holds a thread that did not survive the
  // fork, whose stack glibc recycles for the child's new threads or unmaps.
  waiter self{};

  // The wait in progress. Handlers carry the id of the wait they belong to, so a handler left
  // queued by an earlier wait (a cancelled descriptor wait, a late abort) is recognised and
  // ignored.
  std::uint64_t wait_id = 0;
  bool ready = false;
  bool timed_out = false;
  bool aborted = false;
  bool deadline_moved = false;  // the socket's deadline changed: recompute and wait again
  error_code ready_ec;
};

thread_slot::~thread_slot() {
  context.reset();  // drops its registrations first
  std::lock_guard<std::mutex> registry(registry_mutex);
  all_slots.erase(std::remove(all_slots.begin(), all_slots.end(), this), all_slots.end());
}

// src/selector.cpp: its registry lock, held across fork() like the locks above.
void lock_selectors_for_fork() noexcept;
void unlock_selectors_after_fork() noexcept;

namespace {

thread_local thread_slot current_slot;

// fork() with every socket lock and the registry held, so the child inherits none of them
// locked by a thread that does not exist there. The forking thread also drops its
// registrations while its epoll instance is still its own: the child shares that instance
// until notify_fork, and could neither re-register a registration nor deregister one without
// also removing the parent's.
extern "C" void sockmode_before_fork() {
  static_cast<void>(current_slot);  // made now: its constructor takes the registry mutex
  lock_selectors_for_fork();  // every close() takes it (drop_from_selectors)
  for (std::mutex& m : socket_locks) m.lock();
  registry_mutex.lock();
  if (thread_context* context = current_slot.context.get()) context->drop_all();
}

void unlock_after_fork() {
  registry_mutex.unlock();
  for (std::mutex& m : socket_locks) m.unlock();
  unlock_selectors_after_fork();
}

extern "C" void sockmode_after_fork_in_parent() { unlock_after_fork(); }

extern "C" void sockmode_after_fork_in_child() {
  if (fast_owner_entry) register_heavy_fence();  // idempotent; in case it is not inherited
  // The other threads' slots live in their thread-local storage, which glibc recycles for the
  // child's new threads or unmaps: forget them, and mark their contexts (heap memory) dead.
  for (thread_slot* slot : all_slots) {
    if (slot != &current_slot && slot->context) slot->context->dead = true;
  }
  all_slots.assign(1, &current_slot);
  fork_generation.fetch_add(1, std::memory_order_relaxed);
  unlock_after_fork();
}

thread_context& this_thread_context() {
  std::unique_ptr<thread_context>& context = current_slot.context;
  if (!context) {
    context = std::make_unique<thread_context>();
  } else if (const unsigned gen = fork_generation.load(std::memory_order_relaxed);
             context->fork_gen != gen) {
    // A fresh epoll instance for the child; the cache is empty (see sockmode_before_fork).
    context->io.notify_fork(boost::asio::execution_context::fork_child);
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

// Waits on `context` until `entry` is ready for `w`, the deadline passes (-1: none), or another
// thread aborts the wait; `context.wait_id` is this wait's, set by the caller. Without an
// entry, only the deadline or an abort ends it.
error_code wait_ready(thread_context& context, thread_context::registration* entry,
                      io_state::wait_type w, std::int64_t deadline_ns) {
  context.ready = false;
  context.timed_out = false;
  context.aborted = false;
  context.deadline_moved = false;
  context.deadline_ns = deadline_ns;
  const std::uint64_t id = context.wait_id;
  if (entry != nullptr) {
    entry->descriptor.async_wait(static_cast<boost::asio::posix::descriptor_base::wait_type>(w),
                                 [&context, id](const error_code& e) {
                                   if (context.wait_id != id) return;
                                   context.ready_ec = e;
                                   context.ready = true;
                                 });
  }
  if (deadline_ns >= 0 && deadline_ns < context.timer_expiry_ns) context.arm_timer(deadline_ns);
  // run_one returns after each handler, stale ones included; signals are absorbed inside it,
  // and the deadline is absolute, so neither restarts it.
  if (context.io.stopped()) context.io.restart();
  while (!context.ready && !context.timed_out && !context.aborted && !context.deadline_moved)
    context.io.run_one();
  // A descriptor wait still pending completes later as a stale handler; nothing waits for it.
  if (!context.ready && entry != nullptr) entry->descriptor.cancel();
  context.deadline_ns = -1;

  // Ready wins over a deadline or abort that came at the same moment: the caller retries.
  if (context.ready) return context.ready_ec;
  if (context.aborted) return boost::asio::error::operation_aborted;
  if (context.deadline_moved) return {};  // as a spurious wake-up: the caller retries
  return error::timeout;
}

}  // namespace

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
    thread_slot* slot = &current_slot;
    // Either shut() sees our slot, or we see closed_. The socket's owner (the first thread to
    // use it) publishes with a plain store, and shut() from any other thread pays for it with
    // membarrier(); every other thread uses a full fence here.
    const thread_slot* owner = owner_.load(std::memory_order_relaxed);
    if (owner == slot && fast_owner_entry) {
      slot->in_use.store(this, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      if (owner == nullptr) owner_.compare_exchange_strong(owner, slot);
      slot->in_use.store(this);
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

std::size_t io_state::perform_with_back_off(wait_type w, attempt_fn attempt, error_code& ec) {
  return run(w, timeout_ns_.load(std::memory_order_relaxed), attempt, ec, false, true);
}

std::size_t io_state::run(wait_type w, std::int64_t timeout_ns, attempt_fn attempt,
                          error_code& ec, bool deadline_from_start, bool back_off) {
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
  std::size_t n = 0;
  std::int64_t sleep_ns = first_back_off_ns;
  for (bool retry = false;; retry = true) {
    if (retry && deadline_passed()) {
      ec = error::timeout;
      break;
    }
    n = attempt(ec);
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
    ec = await(fd_.load(std::memory_order_relaxed), w, deadline_ns, generation);
    if (ec) break;
  }
  return n;
}

error_code io_state::await(int fd, wait_type w, std::int64_t deadline_ns,
                           std::uint64_t cancel_generation) {
  thread_context* made = nullptr;
  try {
    made = &this_thread_context();
  } catch (const boost::system::system_error& e) {
    return e.code();  // the thread's first wait, and no descriptor left for its context (EMFILE)
  }
  thread_context& context = *made;
  // A new id for every await, published before anything can be posted for it: a handler meant
  // for an earlier await, even one that ended before it waited, is ignored.
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
    ec = wait_ready(context, nullptr, w, deadline_ns);
  } else if (thread_context::registration* entry = context.acquire(*this, fd, ec)) {
    ec = wait_ready(context, entry, w, deadline_ns);
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
    if (w->context->dead) continue;  // a fork child's view of a parent thread
    boost::asio::post(w->context->io, [context = w->context, id = w->id] {
      if (context->wait_id == id) context->aborted = true;
    });
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
    if (x->writes != writes || x->context->dead) continue;
    boost::asio::post(x->context->io, [context = x->context, id = x->id] {
      if (context->wait_id == id) context->deadline_moved = true;
    });
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

void io_state::shut(function_ref<void()> close_descriptor) noexcept {
  closed_.store(true);
  const thread_slot* owner = owner_.load();
  if (owner != nullptr && owner != &current_slot && fast_owner_entry) {
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
    bool in_use = false;
    {
      std::lock_guard<std::mutex> registry(registry_mutex);
      for (const thread_slot* slot : all_slots) {
        if (slot->in_use.load() == this) in_use = true;
      }
    }
    if (!in_use) break;
    if (round < 16) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  {
    // No call uses the descriptor now; take it out of every thread's cache before it is closed.
    std::lock_guard<std::mutex> registry(registry_mutex);
    while (!registered_in_.empty()) {
      thread_context* context = registered_in_.back();
      if (context->dead) registered_in_.pop_back();
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
