// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/raise_open_file_limit.hpp>

#include <boost/test/unit_test.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace {

rlimit current() {
  rlimit limit{};
  BOOST_REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  return limit;
}

void set_soft(rlim_t soft) {
  rlimit limit = current();
  limit.rlim_cur = soft;
  BOOST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
}

// Restores the limits the test process started with.
struct limit_guard {
  rlimit saved = current();
  ~limit_guard() { ::setrlimit(RLIMIT_NOFILE, &saved); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(raises_the_soft_limit_to_the_hard_limit_and_returns_it) {
  limit_guard guard;
  const rlim_t hard = guard.saved.rlim_max;
  BOOST_REQUIRE_MESSAGE(hard != RLIM_INFINITY && hard > 64, "needs a finite hard limit above 64");
  set_soft(64);
  const std::uint64_t raised = sockmode::raise_open_file_limit();
  BOOST_TEST(raised == hard);
  BOOST_TEST(current().rlim_cur == hard);
  BOOST_TEST(current().rlim_max == hard);  // the hard limit itself is never touched
}

BOOST_AUTO_TEST_CASE(descriptors_past_the_old_soft_limit_can_be_opened_after_raising_it) {
  limit_guard guard;
  const rlim_t hard = guard.saved.rlim_max;
  BOOST_REQUIRE_MESSAGE(hard != RLIM_INFINITY && hard > 256, "needs a finite hard limit above 256");
  set_soft(64);
  std::vector<int> fds;
  int fd = -1;
  while (fds.size() < 256 && (fd = ::dup(0)) >= 0) fds.push_back(fd);
  const std::size_t before = fds.size();
  BOOST_TEST(before < 64u);  // the old limit stopped it
  boost::system::error_code ec;
  sockmode::raise_open_file_limit(ec);
  BOOST_TEST(!ec, ec.message());
  while (fds.size() < 256 && (fd = ::dup(0)) >= 0) fds.push_back(fd);
  BOOST_TEST(fds.size() == 256u);
  for (int open_fd : fds) ::close(open_fd);
}

BOOST_AUTO_TEST_CASE(a_soft_limit_already_at_the_hard_limit_is_left_as_it_is) {
  limit_guard guard;
  set_soft(guard.saved.rlim_max);
  boost::system::error_code ec;
  const std::uint64_t n = sockmode::raise_open_file_limit(ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(current().rlim_cur == guard.saved.rlim_max);
  if (guard.saved.rlim_max != RLIM_INFINITY) BOOST_TEST(n == guard.saved.rlim_max);
  // Twice is the same as once.
  BOOST_TEST(sockmode::raise_open_file_limit() == n);
}
