// The wait path: every call that would block ends up here.
#include <sockmode/detail/io_state.hpp>
#include <sockmode/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <poll.h>
#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <memory>

namespace sockmode::detail {
namespace {

using boost::system::error_code;
using clock = std::chrono::steady_clock;

std::atomic<unsigned> fork_generation{0};

extern "C" void sockmode_after_fork_in_child() {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

// The io_context a thread waits on. One per thread, not per socket: its three descriptors
// (epoll, eventfd, timerfd) are the whole descriptor cost of sockmode. A socket's descriptor
// is registered with it only for the duration of one wait.
struct thread_context {
  boost::asio::io_context io{1};  // run by this thread alone; other threads only post
  boost::asio::posix::stream_descriptor descriptor{io};
  boost::asio::steady_timer timer{io};
  unsigned fork_gen = fork_generation.load(std::memory_order_relaxed);
  std::uint64_t wait_id = 0;  // which wait a posted cancel is meant for
  bool aborted = false;
};

thread_context& this_thread_context() {
  thread_local std::unique_ptr<thread_context> context;
  if (!context) {
    context = std::make_unique<thread_context>();
  } else if (const unsigned gen = fork_generation.load(std::memory_order_relaxed);
             context->fork_gen != gen) {
    // The child shares the parent's epoll instance until asio makes it a new one.
    context->io.notify_fork(boost::asio::execution_context::fork_child);
    context->fork_gen = gen;
  }
  return *context;
}

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
      .count();
}

bool would_block(const error_code& ec) noexcept {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

// Waits on `context` until `fd` is ready for `w`, the deadline passes (-1: none), or another
// thread aborts the wait.
error_code wait_ready(thread_context& context, int fd, io_state::wait_type w,
                      std::int64_t deadline_ns) {
  if (deadline_ns >= 0 && now_ns() >= deadline_ns) return error::timeout;
  context.aborted = false;
  error_code ec;
  context.descriptor.assign(fd, ec);
  if (ec) return ec;

  bool ready = false;
  bool timer_done = deadline_ns < 0;
  bool timed_out = false;
  error_code ready_ec;
  context.descriptor.async_wait(static_cast<boost::asio::posix::descriptor_base::wait_type>(w), [&](const error_code& e) {
    ready_ec = e;
    ready = true;
    if (!timer_done) context.timer.cancel();
  });
  if (deadline_ns >= 0) {
    context.timer.expires_at(clock::time_point(std::chrono::nanoseconds(deadline_ns)));
    context.timer.async_wait([&](const error_code& e) {
      timer_done = true;
      if (!e && !ready) {
        timed_out = true;
        context.descriptor.cancel();
      }
    });
  }
  // run_one returns after each handler, including a stale cancel meant for an earlier wait;
  // signals are absorbed inside it, and the deadline is absolute, so neither restarts it.
  while (!(ready && timer_done)) context.io.run_one();
  if (context.io.stopped()) context.io.restart();
  context.descriptor.release();

  if (context.aborted) return boost::asio::error::operation_aborted;
  if (!ready_ec) return {};  // ready, even if the deadline passed at the same moment
  if (timed_out && ready_ec == boost::asio::error::operation_aborted) return error::timeout;
  return ready_ec;
}

}  // namespace

struct waiter {
  thread_context* context;
  std::uint64_t id;
  waiter* next;
};

io_state::io_state(timeout_type mode) noexcept
    : timeout_ns_(mode ? mode->count() : -1) {
  static const int registered = pthread_atfork(nullptr, nullptr, &sockmode_after_fork_in_child);
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

bool io_state::enter(error_code& ec) noexcept {
  users_.fetch_add(1);  // seq_cst pairs with shut(): either it sees us, or we see closed_
  if (closed_.load()) {
    leave();
    ec = boost::asio::error::bad_descriptor;
    return false;
  }
  if (fd_.load(std::memory_order_acquire) < 0) {
    leave();
    ec = boost::asio::error::not_connected;  // never opened: CPython's ENOTCONN
    return false;
  }
  return true;
}

void io_state::leave() noexcept {
  if (users_.fetch_sub(1) == 1 && closed_.load()) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.notify_all();
  }
}

std::size_t io_state::perform(wait_type w, attempt_fn attempt, error_code& ec,
                              bool deadline_from_start) {
  return run(w, timeout_ns_.load(std::memory_order_relaxed), attempt, ec, deadline_from_start);
}

void io_state::wait(wait_type w, timeout_type timeout, error_code& ec) {
  short events = POLLIN;
  if (w == wait_type::wait_write) events = POLLOUT;
  if (w == wait_type::wait_error) events = POLLPRI;
  run(w, timeout ? checked(*timeout).count() : -1,
      [&](error_code& e) -> std::size_t {
        pollfd p{fd_.load(std::memory_order_relaxed), events, 0};
        const int n = ::poll(&p, 1, 0);
        if (n < 0) e = error_code(errno, boost::system::system_category());
        else if (n == 0) e = boost::asio::error::would_block;
        else e = {};
        return 0;
      },
      ec, false);
}

std::size_t io_state::run(wait_type w, std::int64_t timeout_ns, attempt_fn attempt,
                          error_code& ec, bool deadline_from_start) {
  if (!enter(ec)) return 0;
  const std::uint64_t generation = cancel_generation_.load(std::memory_order_acquire);
  // One deadline for the whole call: retries after a spurious wake-up, a signal or a partial
  // transfer keep it.
  std::int64_t deadline_ns = deadline_from_start && timeout_ns > 0 ? now_ns() + timeout_ns : -1;
  std::size_t n = 0;
  for (;;) {
    n = attempt(ec);
    if (!would_block(ec)) break;
    if (timeout_ns == 0) {
      ec = boost::asio::error::would_block;
      break;
    }
    if (timeout_ns > 0 && deadline_ns < 0) deadline_ns = now_ns() + timeout_ns;
    ec = await(fd_.load(std::memory_order_relaxed), w, deadline_ns, generation);
    if (ec) break;
  }
  leave();
  return n;
}

error_code io_state::await(int fd, wait_type w, std::int64_t deadline_ns,
                           std::uint64_t cancel_generation) {
  thread_context& context = this_thread_context();
  waiter self{&context, ++context.wait_id, nullptr};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_.load() || cancel_generation_.load() != cancel_generation)
      return boost::asio::error::operation_aborted;
    self.next = waiters_;
    waiters_ = &self;
  }
  const error_code ec = wait_ready(context, fd, w, deadline_ns);
  std::lock_guard<std::mutex> lock(mutex_);
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
    boost::asio::post(w->context->io, [context = w->context, id = w->id] {
      if (context->wait_id != id) return;
      context->aborted = true;
      context->descriptor.cancel();
      context->timer.cancel();
    });
  }
}

void io_state::cancel() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  cancel_generation_.fetch_add(1);
  abort_waiters();
}

void io_state::shut() noexcept {
  closed_.store(true);
  std::unique_lock<std::mutex> lock(mutex_);
  abort_waiters();
  idle_.wait(lock, [this] { return users_.load() == 0; });
}

}  // namespace sockmode::detail
