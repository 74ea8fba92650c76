// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// An HTTPS GET with Beast over sockmode::ssl::stream, every step under a 2 s timeout: the
// connection (create_connection), the handshake and each read and write. The server is a
// local `openssl s_server -www` with a certificate made for the run; the client trusts that
// certificate and checks that it is for "localhost". Loopback only.

#include <sockmode/sockmode.hpp>
#include <sockmode/ssl_stream.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace std::chrono_literals;
namespace http = boost::beast::http;

namespace {

// Starts `argv` with its output in `log`; stdin is /dev/null.
pid_t spawn(std::vector<std::string> argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int reap(pid_t pid) {
  int status = -1;
  while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string contents(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `openssl s_server -www` on 127.0.0.1 (it answers a GET with a page about the session).
// Killed and reaped, and its files removed, on destruction.
class local_server {
 public:
  local_server() {
    std::string pattern = (std::filesystem::temp_directory_path() / "https-client-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return;
    dir_ = pattern;
    cert = dir_ + "/cert.pem";
    const std::string key = dir_ + "/key.pem", log = dir_ + "/server.log";
    if (reap(spawn({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key,
                    "-out", cert},
                   log)) != 0)
      return;
    for (int attempt = 0; attempt < 10 && port == 0; ++attempt) {
      // s_server takes no port 0: a port the kernel just handed out, retried if taken since.
      unsigned short candidate =
          sockmode::tcp::acceptor({boost::asio::ip::make_address("127.0.0.1"), 0})
              .local_endpoint().port();
      pid_ = spawn({"openssl", "s_server", "-www", "-accept",
                    "127.0.0.1:" + std::to_string(candidate), "-cert", cert, "-key", key},
                   log);
      for (int i = 0; i < 500 && pid_ > 0; ++i) {  // ACCEPT once it listens, or it exits
        if (contents(log).find("ACCEPT") != std::string::npos) {
          port = candidate;
          break;
        }
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
        std::this_thread::sleep_for(10ms);
      }
    }
  }
  ~local_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap(pid_);
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  local_server(const local_server&) = delete;
  local_server& operator=(const local_server&) = delete;

  std::string cert;
  unsigned short port = 0;

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace

int main() {
  local_server server;
  if (server.port == 0) {
    std::fprintf(stderr, "https_client: could not start openssl s_server\n");
    return 1;
  }

  // For a real server: auto ctx = sockmode::ssl::create_default_context();
  sockmode::ssl::context ctx(sockmode::ssl::context::tls_client);
  ctx.load_verify_file(server.cert);

  try {
    // create_connection leaves the socket in timeout mode (2 s), which every TLS read and
    // write then follows: a stalled server is an error after 2 s, not a hang.
    sockmode::ssl::stream tls(
        sockmode::create_connection("127.0.0.1", std::to_string(server.port), 2s), ctx,
        "localhost");
    tls.handshake(sockmode::ssl::stream::client);

    http::request<http::empty_body> request{http::verb::get, "/", 11};
    request.set(http::field::host, "localhost");
    http::write(tls, request);

    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    boost::system::error_code ec;
    http::read(tls, buffer, response, ec);
    // s_server -www answers HTTP/1.0 and ends the body by closing: eof is the end of it.
    if (ec && ec != http::error::end_of_stream) throw boost::system::system_error(ec, "read");
    const std::string& body = response.body();
    std::printf("GET https://localhost:%u/ -> %u %s, %zu bytes, verified: %s\n", server.port,
                response.result_int(), std::string(response.reason()).c_str(), body.size(),
                tls.verify_result() == X509_V_OK ? "yes" : "no");
    const std::size_t session = body.find("New, ");  // the server's line about the session
    if (session != std::string::npos)
      std::printf("server says: %s\n", body.substr(session, body.find('\n', session) - session).c_str());
    return response.result() == http::status::ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "https_client: %s\n", e.what());
    return 1;
  }
}
