// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/ssl_stream.hpp>

#include "support.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

static_assert(boost::beast::is_sync_stream<sockmode::ssl::stream>::value);
static_assert(boost::beast::is_sync_read_stream<sockmode::ssl::stream>::value);
static_assert(boost::beast::is_sync_write_stream<sockmode::ssl::stream>::value);

namespace {

using namespace std::chrono_literals;
using sockmode::ssl::stream;
namespace ssl = boost::asio::ssl;

// Starts `argv` with stdin from `stdin_fd` (or /dev/null) and stdout and stderr into `log`.
pid_t spawn(const std::vector<std::string>& argv, int stdin_fd, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  else posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A directory for the run's files, removed at exit.
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sockmode-tls-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A self-signed certificate for localhost and 127.0.0.1, made once per run by `openssl req`;
// it is its own CA.
struct certificate {
  temp_dir dir;
  std::string cert = dir.path + "/cert.pem";
  std::string key = dir.path + "/key.pem";
  certificate() {
    const pid_t pid = spawn({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                             "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                             "/CN=localhost", "-addext",
                             "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out",
                             cert},
                            -1, dir.path + "/req.log");
    if (wait_for(pid) != 0) throw std::runtime_error("openssl req: " + read_file(dir.path + "/req.log"));
  }
};

const certificate& test_certificate() {
  static const certificate c;
  return c;
}

// A client context that trusts the test certificate only.
sockmode::ssl::context trusting_context() {
  sockmode::ssl::context ctx(sockmode::ssl::context::tls_client);
  ctx.load_verify_file(test_certificate().cert);
  return ctx;
}

sockmode::ssl::context server_context() {
  sockmode::ssl::context ctx(sockmode::ssl::context::tls_server);
  ctx.use_certificate_chain_file(test_certificate().cert);
  ctx.use_private_key_file(test_certificate().key, sockmode::ssl::context::pem);
  return ctx;
}

// A free loopback port, by binding a probe socket and closing it (s_server cannot take port 0).
unsigned short free_port() {
  sockmode::tcp::acceptor probe(test::loopback());
  return probe.local_endpoint().port();
}

// `openssl s_server` on 127.0.0.1 with the test certificate. What is written to `send` goes to
// the connected client (s_server's stdin). Killed and reaped on destruction.
class s_server {
 public:
  explicit s_server(std::vector<std::string> options = {}) {
    const certificate& c = test_certificate();
    log_ = c.dir.path + "/s_server.log";
    for (int attempt = 0; attempt < 10; ++attempt) {  // another process may take the port
      port_ = free_port();
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
      std::vector<std::string> argv{"openssl", "s_server", "-accept",
                                    "127.0.0.1:" + std::to_string(port_), "-cert", c.cert,
                                    "-key", c.key};
      argv.insert(argv.end(), options.begin(), options.end());
      pid_ = spawn(argv, fds[0], log_);
      ::close(fds[0]);
      stdin_ = fds[1];
      if (listening()) return;
      stop();
    }
    throw std::runtime_error("s_server did not start: " + read_file(log_));
  }
  ~s_server() { stop(); }
  s_server(const s_server&) = delete;
  s_server& operator=(const s_server&) = delete;

  sockmode::tcp::endpoint endpoint() const { return test::loopback(port_); }
  void send(std::string_view text) {
    if (::write(stdin_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      throw std::runtime_error("write to s_server");
  }
  void signal(int sig) const { ::kill(pid_, sig); }

 private:
  // It prints ACCEPT once listening, or exits (the port was taken meanwhile).
  bool listening() {
    for (int i = 0; i < 500; ++i) {
      if (read_file(log_).find("ACCEPT") != std::string::npos) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  void stop() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);  // also ends a stopped process
      wait_for(pid_);
    }
    pid_ = -1;
  }

  std::string log_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  int stdin_ = -1;
};

sockmode::tcp::socket connect_to(const sockmode::tcp::endpoint& endpoint) {
  sockmode::tcp::socket socket;
  socket.connect(endpoint);
  return socket;
}

// Reads until `text` has arrived whole (or the stream fails).
std::string read_exactly(stream& tls, std::size_t size) {
  std::string data(size, '\0');
  boost::asio::read(tls, boost::asio::buffer(data));
  return data;
}

// The server end's transport for the mid-record test: passes writes to the socket, except that
// once `split` is set it sends only the first half of the next write and then waits for
// `resume` before sending the rest, so the client sees half a record.
class split_writer {
 public:
  using executor_type = boost::asio::io_context::executor_type;
  using lowest_layer_type = split_writer;

  split_writer(sockmode::tcp::socket& socket, boost::asio::io_context& context)
      : socket_(&socket), context_(&context) {}
  executor_type get_executor() noexcept { return context_->get_executor(); }
  lowest_layer_type& lowest_layer() noexcept { return *this; }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    return socket_->read_some(buffers, ec);
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    if (!split) return socket_->write_some(buffers, ec);
    split = false;
    const boost::asio::const_buffer whole = *boost::asio::buffer_sequence_begin(buffers);
    const std::size_t half = whole.size() / 2;
    boost::asio::write(*socket_, boost::asio::buffer(whole.data(), half), ec);
    half_sent.set_value();
    resume.get_future().wait();
    if (!ec) boost::asio::write(*socket_, whole + half, ec);
    return ec ? 0 : whole.size();
  }

  bool split = false;
  std::promise<void> half_sent;
  std::promise<void> resume;

 private:
  sockmode::tcp::socket* socket_;
  boost::asio::io_context* context_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_verifies_the_server_and_data_makes_a_round_trip) {
  s_server server({"-rev"});  // answers each line reversed
  auto ctx = trusting_context();
  stream tls(connect_to(server.endpoint()), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  tls.handshake(stream::client);
  BOOST_TEST(tls.verify_result() == X509_V_OK);
  boost::asio::write(tls, boost::asio::buffer(std::string("sockmode\n")));
  std::string reply;
  boost::asio::read_until(tls, boost::asio::dynamic_buffer(reply), '\n');
  BOOST_TEST(reply == "edomkcos\n");
}

BOOST_AUTO_TEST_CASE(an_ip_address_is_verified_against_the_certificate_addresses) {
  s_server server({"-rev"});
  auto ctx = trusting_context();
  stream tls(connect_to(server.endpoint()), ctx, "127.0.0.1");
  tls.next_layer().settimeout(10s);
  boost::system::error_code ec;
  tls.handshake(stream::client, ec);
  BOOST_TEST(!ec, ec.message());
}

BOOST_AUTO_TEST_CASE(handshake_times_out_when_the_server_never_answers) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket client = connect_to(listener.local_endpoint());
  sockmode::tcp::socket silent = listener.accept();  // accepts, never answers
  auto ctx = trusting_context();
  stream tls(std::move(client), ctx, "localhost");
  tls.next_layer().settimeout(300ms);
  boost::system::error_code ec;
  const test::seconds took = test::elapsed([&] { tls.handshake(stream::client, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.25);
  BOOST_TEST(took.count() < 2.0);
  BOOST_CHECK_THROW(tls.handshake(stream::client), sockmode::timeout_error);
}

BOOST_AUTO_TEST_CASE(a_handshake_that_timed_out_completes_when_called_again) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket client = connect_to(listener.local_endpoint());
  auto server_ctx = server_context();
  stream server(listener.accept(), server_ctx);  // answers only once the client gave up once
  auto ctx = trusting_context();
  stream tls(std::move(client), ctx, "localhost");
  tls.next_layer().settimeout(200ms);
  boost::system::error_code ec;
  tls.handshake(stream::client, ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());

  server.next_layer().settimeout(10s);
  boost::system::error_code server_ec;
  std::thread peer([&] {
    server.handshake(stream::server, server_ec);
    if (!server_ec) boost::asio::write(server, boost::asio::buffer(std::string("ok\n")), server_ec);
  });
  tls.next_layer().settimeout(10s);
  tls.handshake(stream::client, ec);
  BOOST_TEST(!ec, ec.message());
  std::string line;
  if (!ec) boost::asio::read_until(tls, boost::asio::dynamic_buffer(line), '\n', ec);
  peer.join();
  BOOST_TEST(!server_ec, server_ec.message());
  BOOST_TEST(line == "ok\n");
}

BOOST_AUTO_TEST_CASE(setdefaulttimeout_applies_to_the_handshake) {
  test::default_timeout_guard guard;
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::setdefaulttimeout(300ms);
  sockmode::tcp::socket client = connect_to(listener.local_endpoint());
  sockmode::tcp::socket silent = listener.accept();
  auto ctx = trusting_context();
  stream tls(std::move(client), ctx, "localhost");
  BOOST_TEST(tls.next_layer().gettimeout() == sockmode::timeout_type(300ms));
  boost::system::error_code ec;
  const test::seconds took = test::elapsed([&] { tls.handshake(stream::client, ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.25);
  BOOST_TEST(took.count() < 2.0);
}

BOOST_AUTO_TEST_CASE(a_read_that_times_out_leaves_the_stream_usable_and_loses_nothing) {
  s_server server({"-ign_eof"});  // stdin lines go to the client
  auto ctx = trusting_context();
  stream tls(connect_to(server.endpoint()), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  tls.handshake(stream::client);
  tls.next_layer().settimeout(200ms);
  char byte = 0;
  boost::system::error_code ec;
  const test::seconds took =
      test::elapsed([&] { tls.read_some(boost::asio::buffer(&byte, 1), ec); });
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 2.0);
  BOOST_TEST(!tls.broken());

  tls.next_layer().settimeout(10s);
  const std::string line(5000, 'x');
  server.send(line + "\n");
  BOOST_TEST(read_exactly(tls, line.size() + 1) == line + "\n");
}

BOOST_AUTO_TEST_CASE(a_read_that_times_out_mid_record_keeps_the_part_received) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket client = connect_to(listener.local_endpoint());
  sockmode::tcp::socket accepted = listener.accept();
  accepted.settimeout(10s);
  auto server_ctx = server_context();
  boost::asio::io_context never_run;
  ssl::stream<split_writer> server(split_writer(accepted, never_run), server_ctx);
  const std::string payload(10000, 'p');
  std::thread peer([&] {
    boost::system::error_code ec;
    server.handshake(ssl::stream_base::server, ec);
    server.next_layer().split = true;
    if (!ec) server.write_some(boost::asio::buffer(payload), ec);
  });

  auto ctx = trusting_context();
  stream tls(std::move(client), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  tls.handshake(stream::client);
  const bool half = server.next_layer().half_sent.get_future().wait_for(10s) ==
                    std::future_status::ready;
  BOOST_TEST(half);
  tls.next_layer().settimeout(200ms);
  char byte = 0;
  boost::system::error_code ec;
  tls.read_some(boost::asio::buffer(&byte, 1), ec);  // has half a record, cannot decrypt it
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST(SSL_has_pending(tls.native_handle()) == 1);  // the half is in the engine

  server.next_layer().resume.set_value();
  tls.next_layer().settimeout(10s);
  BOOST_TEST(read_exactly(tls, payload.size()) == payload);
  peer.join();
}

BOOST_AUTO_TEST_CASE(a_write_that_times_out_breaks_writes_but_reads_go_on) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket client = connect_to(listener.local_endpoint());
  auto server_ctx = server_context();
  stream server(listener.accept(), server_ctx);
  std::promise<void> done;
  std::promise<void> early_sent;
  std::thread peer([&] {  // sends one line, then never reads
    server.next_layer().settimeout(10s);
    boost::system::error_code ec;
    server.handshake(stream::server, ec);
    if (!ec) boost::asio::write(server, boost::asio::buffer(std::string("early\n")), ec);
    early_sent.set_value();
    done.get_future().wait_for(30s);
  });

  auto ctx = trusting_context();
  stream tls(std::move(client), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  tls.handshake(stream::client);
  early_sent.get_future().wait_for(10s);
  tls.next_layer().settimeout(200ms);
  const std::vector<char> chunk(1 << 16, 'w');
  boost::system::error_code ec;
  for (int i = 0; i < 10000 && !ec; ++i) tls.write_some(boost::asio::buffer(chunk), ec);
  BOOST_TEST((ec == sockmode::error::timeout), ec.message());
  BOOST_TEST((tls.broken() == sockmode::error::timeout));

  // Every later write fails at once with the same error, as do shutdown and handshake...
  boost::system::error_code again;
  const test::seconds took =
      test::elapsed([&] { tls.write_some(boost::asio::buffer(chunk), again); });
  BOOST_TEST((again == sockmode::error::timeout), again.message());
  BOOST_TEST(took.count() < 0.1);
  BOOST_CHECK_THROW(tls.write_some(boost::asio::buffer(chunk)), sockmode::timeout_error);
  tls.shutdown(again);
  BOOST_TEST((again == sockmode::error::timeout));
  tls.handshake(stream::client, again);
  BOOST_TEST((again == sockmode::error::timeout));

  // ...but what the peer sent is still read.
  std::string line;
  boost::asio::read_until(tls, boost::asio::dynamic_buffer(line), '\n', again);
  BOOST_TEST(!again, again.message());
  BOOST_TEST(line == "early\n");
  done.set_value();
  peer.join();
}

BOOST_AUTO_TEST_CASE(an_untrusted_certificate_fails_the_handshake_with_the_reason) {
  s_server server;
  sockmode::ssl::context ctx(sockmode::ssl::context::tls_client);  // trusts no one
  stream tls(connect_to(server.endpoint()), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  boost::system::error_code ec;
  tls.handshake(stream::client, ec);
  BOOST_TEST((ec.category() == boost::asio::error::get_ssl_category()), ec.message());
  BOOST_TEST(ec.message().find("certificate verify failed") != std::string::npos, ec.message());
  BOOST_TEST(tls.verify_result() == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

BOOST_AUTO_TEST_CASE(the_exception_names_why_verification_failed) {
  s_server server;
  sockmode::ssl::context ctx(sockmode::ssl::context::tls_client);
  stream tls(connect_to(server.endpoint()), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  try {
    tls.handshake(stream::client);
    BOOST_FAIL("the handshake succeeded");
  } catch (const sockmode::io_error& e) {
    BOOST_TEST(std::string(e.what()).find("self-signed certificate") != std::string::npos,
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_host_name_fails_verification) {
  s_server server;
  auto ctx = trusting_context();
  stream tls(connect_to(server.endpoint()), ctx, "example.org");
  tls.next_layer().settimeout(10s);
  boost::system::error_code ec;
  tls.handshake(stream::client, ec);
  BOOST_TEST((ec.category() == boost::asio::error::get_ssl_category()), ec.message());
  BOOST_TEST(tls.verify_result() == X509_V_ERR_HOSTNAME_MISMATCH);
}

BOOST_AUTO_TEST_CASE(verification_applies_whatever_the_context_verify_mode) {
  s_server server;
  sockmode::ssl::context ctx(sockmode::ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);  // the stream's host name overrides it
  stream tls(connect_to(server.endpoint()), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  boost::system::error_code ec;
  tls.handshake(stream::client, ec);
  BOOST_TEST((ec.category() == boost::asio::error::get_ssl_category()), ec.message());
}

BOOST_AUTO_TEST_CASE(verification_can_be_turned_off_explicitly) {
  s_server server({"-rev"});
  sockmode::ssl::context ctx(sockmode::ssl::context::tls_client);
  stream tls(connect_to(server.endpoint()), ctx, "example.org", sockmode::ssl::peer_verification::off);
  tls.next_layer().settimeout(10s);
  boost::system::error_code ec;
  tls.handshake(stream::client, ec);
  BOOST_TEST(!ec, ec.message());
}

BOOST_AUTO_TEST_CASE(a_client_handshake_needs_a_host_name) {
  sockmode::tcp::acceptor listener(test::loopback());
  auto ctx = trusting_context();
  stream tls(connect_to(listener.local_endpoint()), ctx);
  boost::system::error_code ec;
  tls.handshake(stream::client, ec);
  BOOST_TEST((ec == boost::asio::error::invalid_argument));
  BOOST_CHECK_THROW(tls.handshake(stream::client), std::invalid_argument);
  BOOST_CHECK_THROW(stream(connect_to(listener.local_endpoint()), ctx, ""), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(shutdown_exchanges_close_notify_and_the_peer_sees_eof) {
  sockmode::tcp::acceptor listener(test::loopback());
  sockmode::tcp::socket client = connect_to(listener.local_endpoint());
  auto server_ctx = server_context();
  stream server(listener.accept(), server_ctx);
  server.next_layer().settimeout(10s);
  boost::system::error_code server_ec;
  std::size_t read = 0;
  std::thread peer([&] {
    server.handshake(stream::server, server_ec);
    char byte = 0;
    if (!server_ec) read = server.read_some(boost::asio::buffer(&byte, 1), server_ec);
    if (server_ec == boost::asio::error::eof) server.shutdown(server_ec);
  });
  auto ctx = trusting_context();
  stream tls(std::move(client), ctx, "localhost");
  tls.next_layer().settimeout(10s);
  tls.handshake(stream::client);
  tls.shutdown();
  peer.join();
  BOOST_TEST(read == 0u);
  BOOST_TEST(!server_ec, server_ec.message());
}

BOOST_AUTO_TEST_CASE(a_moved_stream_keeps_working) {
  s_server server({"-rev"});
  auto ctx = trusting_context();
  stream first(connect_to(server.endpoint()), ctx, "localhost");
  first.next_layer().settimeout(10s);
  first.handshake(stream::client);
  stream tls(std::move(first));
  boost::asio::write(tls, boost::asio::buffer(std::string("ab\n")));
  std::string reply;
  boost::asio::read_until(tls, boost::asio::dynamic_buffer(reply), '\n');
  BOOST_TEST(reply == "ba\n");
  boost::system::error_code ec;
  char byte = 0;
  first.read_some(boost::asio::buffer(&byte, 1), ec);
  BOOST_TEST((ec == boost::asio::error::bad_descriptor));
}
