// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The one main() of every Boost.Test executable, compiled once and linked into each. The test
// module is named after the executable ("tcp" for tcp_test), as BOOST_TEST_MODULE would name
// it; the test files themselves define neither BOOST_TEST_MODULE nor BOOST_TEST_MAIN, so that
// they can all share one precompiled header (test/precompiled.hpp).
#include <boost/test/unit_test.hpp>

#include <string>

namespace {

bool name_the_module() {
  auto& module = boost::unit_test::framework::master_test_suite();
  if (module.argc < 1) return true;
  std::string name = module.argv[0];
  name.erase(0, name.find_last_of('/') + 1);
  const std::string suffix = "_test";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    name.resize(name.size() - suffix.size());
  module.p_name.value = name;
  return true;
}

}  // namespace

int main(int argc, char* argv[]) {
  return boost::unit_test::unit_test_main(&name_the_module, argc, argv);
}
