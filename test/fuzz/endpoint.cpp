// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Fuzzes what sockmode takes from strings and gives back as endpoints: resolve() and
// create_connection() hosts and services in non-blocking mode (the numeric fast path, which
// never reaches the resolver, and names, which must fail with would_block without a lookup:
// no packet ever leaves the machine), and Unix endpoints, abstract and on the file system,
// up to and past the longest path, through bind, local_endpoint, send_to and receive_from.
// Properties: no UB; a numeric host and port resolve to exactly that address and port, as the
// system's numeric parser reads them; a name never resolves without a lookup; a host or
// service with a NUL is rejected with invalid_argument; a Unix path round-trips unchanged or
// is rejected with name_too_long, and exception messages naming it are well formed.
#include <sockmode/sockmode.hpp>

#include "check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/ip/address.hpp>

#include <netdb.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono_literals;
using boost::system::error_code;

// What getaddrinfo makes of a numeric host and service, or nothing.
std::optional<boost::asio::ip::tcp::endpoint> system_numeric(const std::string& host,
                                                             const std::string& service) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &list) != 0) return std::nullopt;
  boost::asio::ip::tcp::endpoint e;
  std::memcpy(e.data(), list->ai_addr, list->ai_addrlen);
  ::freeaddrinfo(list);
  return e;
}

void resolve_strings(FuzzedDataProvider& in) {
  const std::string host = in.ConsumeRandomLengthString(64);
  const std::string service = in.ConsumeRandomLengthString(16);
  const bool has_nul = host.find('\0') != std::string::npos ||
                       service.find('\0') != std::string::npos;
  error_code ec;
  const auto results = sockmode::resolve(host, service, 0ns, ec);
  if (has_nul) {
    FUZZ_CHECK(ec == boost::asio::error::invalid_argument);
    return;
  }
  if (ec) {
    // Not numeric: a lookup would be needed, and non-blocking mode never makes one.
    FUZZ_CHECK(ec == boost::asio::error::would_block);
    error_code connect_ec;
    sockmode::connection_options options;
    options.timeout = 0ns;
    sockmode::tcp::socket s = sockmode::create_connection(host, service, options, connect_ec);
    FUZZ_CHECK(connect_ec == boost::asio::error::would_block);
    FUZZ_CHECK(!s.is_open());
    try {
      sockmode::resolve(host, service, 0ns);
      FUZZ_CHECK(false);
    } catch (const boost::system::system_error& e) {
      FUZZ_CHECK(e.code() == boost::asio::error::would_block);
      FUZZ_CHECK(std::string_view(e.what()).substr(0, 8) == "resolve ");
    }
    return;
  }
  FUZZ_CHECK(results.size() == 1);
  const boost::asio::ip::tcp::endpoint e = results.begin()->endpoint();
  FUZZ_CHECK(results.begin()->host_name() == host);
  FUZZ_CHECK(results.begin()->service_name() == service);
  // The port is the service's decimal digits.
  FUZZ_CHECK(!service.empty());  // leading zeros allowed, as getaddrinfo allows them
  FUZZ_CHECK(service.find_first_not_of("0123456789") == std::string::npos);
  FUZZ_CHECK(std::strtoul(service.c_str(), nullptr, 10) == e.port());
  // The address prints and parses back to itself.
  error_code parse_ec;
  FUZZ_CHECK(boost::asio::ip::make_address(e.address().to_string(), parse_ec) == e.address());
  FUZZ_CHECK(!parse_ec);
  // The fast path accepts nothing the system's numeric parser rejects or reads otherwise.
  const auto system = system_numeric(host, service);
  FUZZ_CHECK(system.has_value());
  FUZZ_CHECK(system->address() == e.address());
  FUZZ_CHECK(system->port() == e.port());
}

// A private directory for file-system Unix sockets, removed at exit.
const std::string& directory() {
  static const std::string path = [] {
    char name[] = "/tmp/sockmode-fuzz-XXXXXX";
    FUZZ_CHECK(::mkdtemp(name) != nullptr);
    static std::string made = name;
    std::atexit([] { ::rmdir(made.c_str()); });
    return made;
  }();
  return path;
}

std::string unix_path(FuzzedDataProvider& in) {
  const std::size_t length = in.ConsumeIntegralInRange<std::size_t>(0, 120);
  if (in.ConsumeBool()) {
    // Abstract: a NUL, then any bytes.
    std::string name(1, '\0');
    name += in.ConsumeBytesAsString(length);
    return name;
  }
  // On the file system, inside the private directory only: a name of [a-z0-9_], so that no
  // fuzzed path can reach anywhere else.
  std::string path = directory() + "/";
  for (char c : in.ConsumeBytesAsString(length)) {
    const auto u = static_cast<unsigned char>(c);
    path += u % 37 < 26 ? static_cast<char>('a' + u % 37)
                        : u % 37 < 36 ? static_cast<char>('0' + u % 37 - 26) : '_';
  }
  return path;
}

void unix_endpoints(FuzzedDataProvider& in) {
  using protocol = boost::asio::local::datagram_protocol;
  const std::string path = unix_path(in);
  const bool fits = path.size() <= sizeof(sockaddr_un::sun_path) - 1;
  protocol::endpoint named;
  try {
    named = protocol::endpoint(path);
  } catch (const boost::system::system_error& e) {
    FUZZ_CHECK(!fits);
    FUZZ_CHECK(e.code() == boost::asio::error::name_too_long);
    return;
  }
  FUZZ_CHECK(fits);
  FUZZ_CHECK(named.path() == path);
  const bool abstract = !path.empty() && path[0] == '\0';
  if (!abstract) ::unlink(path.c_str());

  sockmode::local::datagram_socket receiver(protocol{});
  error_code ec;
  receiver.bind(named, ec);
  if (ec) {
    // Only what the kernel refuses for a name this short: a directory entry that exists.
    FUZZ_CHECK(ec == boost::asio::error::address_in_use);
    return;
  }
  if (path.empty()) {
    FUZZ_CHECK(receiver.local_endpoint().path().size() == 6);  // autobind: NUL + 5 hex digits
  } else {
    // Unchanged, but for Asio's endpoint dropping one trailing NUL of the length the kernel
    // reports (an abstract name that ends in a NUL byte comes back without it).
    std::string expected = path;
    if (expected.back() == '\0') expected.pop_back();
    FUZZ_CHECK(receiver.local_endpoint().path() == expected);
  }
  sockmode::local::datagram_socket sender(protocol{});
  sender.bind(protocol::endpoint(std::string_view("\0sockmode-fuzz-sender", 21)));
  sender.settimeout(0ns);
  receiver.settimeout(0ns);
  const std::string payload = in.ConsumeRandomLengthString(64);
  FUZZ_CHECK(sender.send_to(boost::asio::buffer(payload), path.empty() ? receiver.local_endpoint() : named) ==
             payload.size());
  char got[64];
  protocol::endpoint from;
  FUZZ_CHECK(receiver.receive_from(boost::asio::buffer(got), from) == payload.size());
  FUZZ_CHECK(std::string_view(got, payload.size()) == payload);
  FUZZ_CHECK(from == sender.local_endpoint());
  // A failure's message names the call and the endpoint as Asio prints it.
  try {
    receiver.receive_from(boost::asio::buffer(got), from);
    FUZZ_CHECK(false);
  } catch (const boost::system::system_error& e) {
    FUZZ_CHECK(e.code() == boost::asio::error::would_block);
    FUZZ_CHECK(std::string_view(e.what()).substr(0, 12) == "receive_from");
  }
  if (!abstract) ::unlink(path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) resolve_strings(in);
  else unix_endpoints(in);
  return 0;
}
