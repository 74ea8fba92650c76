#include <sockmode/error.hpp>

#include <sockmode/io_error.hpp>
#include <sockmode/timeout_error.hpp>

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <system_error>

using sockmode::error;

BOOST_AUTO_TEST_CASE(timeout_code_has_its_own_category_and_message) {
  const boost::system::error_code ec = error::timeout;
  BOOST_TEST(ec.category().name() == std::string("sockmode"));
  BOOST_TEST(ec.message() == "timed out");
  BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_CASE(timeout_code_compares_equal_to_timed_out_condition) {
  const boost::system::error_code ec = error::timeout;
  BOOST_TEST((ec == boost::system::errc::timed_out));
  BOOST_TEST((ec == std::errc::timed_out));
  BOOST_TEST((ec.default_error_condition() == boost::system::errc::make_error_condition(
                                                  boost::system::errc::timed_out)));
}

BOOST_AUTO_TEST_CASE(timeout_code_is_distinct_from_kernel_etimedout) {
  const boost::system::error_code ours = error::timeout;
  const boost::system::error_code kernel(ETIMEDOUT, boost::system::system_category());
  BOOST_TEST((kernel == boost::system::errc::timed_out));
  BOOST_TEST((ours != kernel));
  BOOST_TEST((kernel != error::timeout));
}

BOOST_AUTO_TEST_CASE(timeout_error_is_a_system_error_carrying_code_and_operation) {
  try {
    throw sockmode::timeout_error(error::timeout, "recv");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == error::timeout));
    BOOST_TEST(std::string(e.what()).find("recv") != std::string::npos);
    BOOST_TEST(dynamic_cast<const sockmode::timeout_error*>(&e) != nullptr);
    return;
  }
  BOOST_FAIL("not caught as system_error");
}

BOOST_AUTO_TEST_CASE(io_error_carries_bytes_transferred) {
  const sockmode::io_error e(boost::asio::error::broken_pipe, "sendall", 42);
  BOOST_TEST(e.bytes_transferred() == 42u);
  const sockmode::timeout_error t(error::timeout, "sendall", 7);
  BOOST_TEST(t.bytes_transferred() == 7u);
}
