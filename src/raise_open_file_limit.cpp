// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/raise_open_file_limit.hpp>

#include "last_error.hpp"

#include <boost/system/system_error.hpp>

#include <sys/resource.h>

#include <climits>
#include <cstdio>
#include <limits>

namespace sockmode {
namespace {

constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

std::uint64_t as_count(rlim_t limit) noexcept {
  return limit == RLIM_INFINITY ? unlimited : static_cast<std::uint64_t>(limit);
}

// The highest soft limit the system takes when the hard limit says "unlimited": Linux refuses
// any RLIMIT_NOFILE above fs.nr_open (EPERM), macOS any above OPEN_MAX (EINVAL).
rlim_t highest_settable(rlim_t hard) noexcept {
  if (hard != RLIM_INFINITY) return hard;
#if defined(__linux__)
  if (std::FILE* f = std::fopen("/proc/sys/fs/nr_open", "re")) {
    unsigned long long nr_open = 0;
    const bool read = std::fscanf(f, "%llu", &nr_open) == 1;
    std::fclose(f);
    if (read && nr_open > 0) return static_cast<rlim_t>(nr_open);
  }
  return 1024 * 1024;  // the kernel's default nr_open
#elif defined(OPEN_MAX)
  return OPEN_MAX;
#else
  return hard;
#endif
}

}  // namespace

std::uint64_t raise_open_file_limit(boost::system::error_code& ec) noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    ec = detail::last_error();
    return 0;
  }
  ec = {};
  const rlim_t target = highest_settable(limit.rlim_max);
  // RLIM_INFINITY is the largest rlim_t, so an unlimited soft limit is never "raised" here.
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
    rlimit raised = limit;
    raised.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      ec = detail::last_error();
      return as_count(limit.rlim_cur);
    }
    limit = raised;
  }
  return as_count(limit.rlim_cur);
}

std::uint64_t raise_open_file_limit() {
  boost::system::error_code ec;
  const std::uint64_t n = raise_open_file_limit(ec);
  if (ec) throw boost::system::system_error(ec, "raise_open_file_limit (RLIMIT_NOFILE)");
  return n;
}

}  // namespace sockmode
