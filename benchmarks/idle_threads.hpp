// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Threads that have each made one sockmode call and then sit idle: the population a
// thread-per-connection server carries. close() must not get slower with it (issue: close
// cost with 1,000 and 10,000 threads alive).
#ifndef SOCKMODE_BENCHMARKS_IDLE_THREADS_HPP
#define SOCKMODE_BENCHMARKS_IDLE_THREADS_HPP

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace bench {

class idle_threads {
 public:
  // Starts `count` threads (64 KiB stacks), each of which makes one non-blocking sockmode
  // recv, and returns once all have.
  explicit idle_threads(std::size_t count);
  ~idle_threads();  // releases and joins them
  idle_threads(const idle_threads&) = delete;
  idle_threads& operator=(const idle_threads&) = delete;
  std::size_t size() const noexcept { return threads_.size(); }

 private:
  static void* body(void* self);
  void release();
  std::vector<pthread_t> threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t started_ = 0;
  bool release_ = false;
};

}  // namespace bench

#endif
