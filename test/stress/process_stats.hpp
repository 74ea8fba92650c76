// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_TEST_STRESS_PROCESS_STATS_HPP
#define SOCKMODE_TEST_STRESS_PROCESS_STATS_HPP

// What the process holds, from /proc/self: open descriptors, threads and resident memory.
// The reliability checks compare these before and after a run.

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace stress {

// Entries of a /proc directory, without "." and "..".
inline int count_entries(const char* path) {
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) ++count;
  }
  ::closedir(dir);
  return count;
}

// Open descriptors, not counting the one opendir() holds while counting.
inline int open_fds() { return count_entries("/proc/self/fd") - 1; }

inline int live_threads() { return count_entries("/proc/self/task"); }

// VmRSS in KiB.
inline long rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kib;
}

struct snapshot {
  int fds = 0;
  int threads = 0;
  long rss_kib = 0;
};

inline snapshot take_snapshot() { return {open_fds(), live_threads(), rss_kib()}; }

// A joined thread's /proc/self/task entry can outlive join() by a moment: waits, at most
// `limit`, until the counts come back to `baseline`, and returns what it saw last.
inline snapshot settle(const snapshot& baseline,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  snapshot now = take_snapshot();
  while ((now.fds > baseline.fds || now.threads > baseline.threads) &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = take_snapshot();
  }
  return now;
}

// The p-th percentile (0..100) of `samples`, which it sorts; 0 when empty.
inline std::int64_t percentile(std::vector<std::int64_t>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = p / 100.0 * static_cast<double>(samples.size() - 1);
  return samples[static_cast<std::size_t>(rank + 0.5)];
}

// Sanitizer builds keep freed memory in quarantine or shadow it: RSS says little there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool rss_is_meaningful = false;
#else
inline constexpr bool rss_is_meaningful = true;
#endif

}  // namespace stress

#endif  // SOCKMODE_TEST_STRESS_PROCESS_STATS_HPP
