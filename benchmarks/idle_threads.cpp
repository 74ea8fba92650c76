// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include "idle_threads.hpp"

#include <sockmode/socketpair.hpp>

#include <boost/asio/buffer.hpp>

#include <stdexcept>
#include <string>

namespace bench {
namespace {

// One pair for all threads: each recv finds nothing and returns at once (non-blocking mode),
// which is enough to give the thread its sockmode record.
sockmode::local::stream_socket& shared_socket() {
  static auto pair = [] {
    auto p = sockmode::socketpair();
    p.first.setblocking(false);
    return p;
  }();
  return pair.first;
}

}  // namespace

idle_threads::idle_threads(std::size_t count) {
  shared_socket();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  threads_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    pthread_t t;
    if (const int e = pthread_create(&t, &attr, &idle_threads::body, this); e != 0) {
      pthread_attr_destroy(&attr);
      release();
      throw std::runtime_error("pthread_create failed after " + std::to_string(i) + " threads");
    }
    threads_.push_back(t);
  }
  pthread_attr_destroy(&attr);
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return started_ == threads_.size(); });
}

idle_threads::~idle_threads() { release(); }

void idle_threads::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    release_ = true;
  }
  cv_.notify_all();
  for (pthread_t t : threads_) pthread_join(t, nullptr);
  threads_.clear();
}

void* idle_threads::body(void* p) {
  auto* self = static_cast<idle_threads*>(p);
  char byte = 0;
  boost::system::error_code ec;
  shared_socket().recv(boost::asio::buffer(&byte, 1), ec);  // would_block: nothing there
  std::unique_lock<std::mutex> lock(self->mutex_);
  ++self->started_;
  self->cv_.notify_all();
  self->cv_.wait(lock, [&] { return self->release_; });
  return nullptr;
}

}  // namespace bench
