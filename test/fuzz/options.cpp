// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Fuzzes option values: create_server's options (any backlog, reuse_port, dualstack_ipv6 on
// either family), selector event masks for add and modify, wait types for wait(), and socket
// options set through asio_socket() with any value. Properties: no UB; a bad argument is
// rejected with its documented error (std::invalid_argument for dualstack_ipv6 on IPv4,
// invalid_argument for an event mask or wait type that names nothing); whatever the options,
// the descriptor stays O_NONBLOCK, the mode stays the object's, and data still flows.
#include <sockmode/sockmode.hpp>

#include "check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/ip/tcp.hpp>

#include <fcntl.h>

#include <cstdint>
#include <stdexcept>

namespace {

using namespace std::chrono_literals;
using boost::system::error_code;

struct fixture {
  sockmode::tcp::socket client;
  sockmode::tcp::socket server;
};

fixture& shared() {
  static fixture* f = [] {
    sockmode::tcp::acceptor listener({boost::asio::ip::address_v4::loopback(), 0});
    sockmode::tcp::socket client;
    client.connect(listener.local_endpoint());
    return new fixture{std::move(client), listener.accept()};
  }();
  return *f;
}

void servers(FuzzedDataProvider& in) {
  sockmode::create_server_options options;
  if (in.ConsumeBool()) options.backlog = in.ConsumeIntegral<int>();
  options.reuse_port = in.ConsumeBool();
  options.dualstack_ipv6 = in.ConsumeBool();
  const bool v6 = in.ConsumeBool();
  const sockmode::tcp::endpoint where(
      v6 ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
         : boost::asio::ip::address(boost::asio::ip::address_v4::loopback()),
      0);
  const bool refused = options.dualstack_ipv6 && (!v6 || !sockmode::has_dualstack_ipv6());
  try {
    sockmode::tcp::acceptor listener = sockmode::create_server(where, options);
    FUZZ_CHECK(!refused);
    // Any backlog still lets one client in (a negative one is taken as 0).
    sockmode::tcp::socket client;
    client.settimeout(5s);
    client.connect(listener.local_endpoint());
    listener.settimeout(5s);
    sockmode::tcp::socket accepted = listener.accept();
    FUZZ_CHECK(accepted.remote_endpoint() == client.local_endpoint());
  } catch (const std::invalid_argument&) {
    FUZZ_CHECK(refused);
  }
}

void selector_masks(FuzzedDataProvider& in) {
  fixture& f = shared();
  sockmode::selector sel;
  const auto valid = [](unsigned events) {
    return events != 0 && (events & ~3u) == 0;
  };
  const unsigned first = in.ConsumeBool() ? in.ConsumeIntegralInRange(0u, 3u)
                                          : in.ConsumeIntegral<unsigned>();
  error_code ec;
  sel.add(f.client, first, nullptr, ec);
  FUZZ_CHECK(valid(first) ? !ec : ec == boost::asio::error::invalid_argument);
  if (ec) {
    sel.modify(f.client, 1, nullptr, ec);  // not registered
    FUZZ_CHECK(ec == std::errc::no_such_file_or_directory);
    return;
  }
  unsigned registered = first;
  const unsigned second = in.ConsumeIntegral<unsigned>() & (in.ConsumeBool() ? 3u : ~0u);
  sel.modify(f.client, second, nullptr, ec);
  FUZZ_CHECK(valid(second) ? !ec : ec == boost::asio::error::invalid_argument);
  if (!ec) registered = second;
  for (const auto& r : sel.select(0ns)) {
    FUZZ_CHECK(r.events != 0);
    FUZZ_CHECK((r.events & ~registered) == 0);
  }
  sel.remove(f.client);
}

void wait_types(FuzzedDataProvider& in) {
  fixture& f = shared();
  // 0 to 3: the enum's range (its values need two bits); a value beyond it would be UB.
  const int raw = in.ConsumeIntegralInRange(0, 3);
  const auto what = static_cast<sockmode::tcp::socket::wait_type>(raw);
  error_code ec;
  f.client.wait(what, in.ConsumeBool() ? 0ns : 1ns, ec);
  if (raw == 3) {
    FUZZ_CHECK(ec == boost::asio::error::invalid_argument);
  } else {
    // Writable at once; nothing to read and no urgent data, so those time out or would block.
    FUZZ_CHECK(raw == 1 ? !ec : ec == boost::asio::error::would_block || ec == sockmode::error::timeout);
  }
}

template <class Option>
void set(FuzzedDataProvider& in, sockmode::tcp::socket& s, const Option& option) {
  error_code ec;
  s.asio_socket().set_option(option, ec);  // the kernel may refuse a value; that is its error
  static_cast<void>(in);
}

void socket_options(FuzzedDataProvider& in) {
  fixture& f = shared();
  using base = boost::asio::socket_base;
  for (int i = 0; i < 8 && in.remaining_bytes() > 0; ++i) {
    sockmode::tcp::socket& s = in.ConsumeBool() ? f.client : f.server;
    const int value = in.ConsumeIntegral<int>();
    switch (in.ConsumeIntegralInRange(0, 7)) {
      case 0: set(in, s, base::receive_buffer_size(value)); break;
      case 1: set(in, s, base::send_buffer_size(value)); break;
      case 2: set(in, s, base::linger(in.ConsumeBool(), value)); break;
      case 3: set(in, s, base::receive_low_watermark(value & 0xffff)); break;
      case 4: set(in, s, boost::asio::ip::tcp::no_delay(value & 1)); break;
      case 5: set(in, s, base::keep_alive(value & 1)); break;
      case 6: set(in, s, base::reuse_address(value & 1)); break;
      default: {
        // SO_RCVTIMEO, as ported code sets it: no effect on a descriptor that never blocks.
        timeval tv{value & 0xff, 0};
        FUZZ_CHECK(::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
      }
    }
  }
  // Whatever was set, the flag is still O_NONBLOCK and the modes still hold.
  for (sockmode::tcp::socket* s : {&f.client, &f.server}) {
    FUZZ_CHECK((::fcntl(s->native_handle(), F_GETFL) & O_NONBLOCK) != 0);
    s->settimeout(0ns);
    char byte;
    error_code ec;
    s->recv(boost::asio::buffer(&byte, 1), ec);
    FUZZ_CHECK(ec == boost::asio::error::would_block);
    s->settimeout(5s);
  }
  const char sent = static_cast<char>(in.ConsumeIntegral<std::uint8_t>());
  FUZZ_CHECK(f.client.sendall(boost::asio::buffer(&sent, 1)) == 1);
  char got = 0;
  FUZZ_CHECK(f.server.recv(boost::asio::buffer(&got, 1)) == 1);
  FUZZ_CHECK(got == sent);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: servers(in); break;
    case 1: selector_masks(in); break;
    case 2: wait_types(in); break;
    default: socket_options(in);
  }
  return 0;
}
