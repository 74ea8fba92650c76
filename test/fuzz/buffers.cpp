// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Fuzzes buffer sequences of odd shapes (none, zero-length ones, many small ones, more than the
// 64 a syscall takes, mixed) through send, sendall, write_some, recv and read_some on real
// sockets: a Unix stream socketpair, a TCP loopback connection and a Unix datagram socketpair,
// with the sender and receiver in any mode. Properties: no UB; every byte sent arrives once,
// in order, unchanged; sendall sends everything; a call with room or data never fails with
// would_block; a zero-length sequence returns 0 at once, in every mode; a datagram arrives
// whole, or cut to the receiver's buffers.
#include <sockmode/sockmode.hpp>

#include "check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/buffer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

using namespace std::chrono_literals;
using boost::system::error_code;

// At most this much in flight, drained after every send: far below any socket buffer, so a
// send always has room.
constexpr std::size_t max_bytes = 16 * 1024;

std::uint8_t pattern(std::uint64_t position) {
  return static_cast<std::uint8_t>((position * 2654435761u) >> 11);
}

template <class Sender, class Receiver>
struct channel {
  Sender sender;
  Receiver receiver;
  std::uint64_t sent = 0;      // stream position of the next byte to send
  std::uint64_t received = 0;  // and to receive
};

struct fixtures {
  channel<sockmode::local::stream_socket, sockmode::local::stream_socket> unix_stream;
  channel<sockmode::tcp::socket, sockmode::tcp::socket> tcp;
  channel<sockmode::local::datagram_socket, sockmode::local::datagram_socket> datagram;
};

fixtures& shared() {
  static fixtures* f = [] {
    auto [a, b] = sockmode::socketpair();
    sockmode::tcp::acceptor listener({boost::asio::ip::address_v4::loopback(), 0});
    sockmode::tcp::socket client;
    client.connect(listener.local_endpoint());
    sockmode::tcp::socket server = listener.accept();
    auto [c, d] = sockmode::socketpair(boost::asio::local::datagram_protocol());
    return new fixtures{{std::move(a), std::move(b)},
                        {std::move(client), std::move(server)},
                        {std::move(c), std::move(d)}};
  }();
  return *f;
}

sockmode::timeout_type any_mode(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: return std::nullopt;
    case 1: return std::chrono::nanoseconds(0);
    default: return std::chrono::nanoseconds(5s);
  }
}

// Buffer lengths in an odd shape: empty, a few large, many tiny, zero-length ones mixed in.
std::vector<std::size_t> shape(FuzzedDataProvider& in, std::size_t limit) {
  std::vector<std::size_t> lengths;
  const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(0, 200);
  const std::size_t longest = in.ConsumeBool() ? 4 : 600;
  std::size_t total = 0;
  for (std::size_t i = 0; i < count && in.remaining_bytes() > 0; ++i) {
    std::size_t n = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<std::size_t>(0, longest);
    n = std::min(n, limit - total);
    total += n;
    lengths.push_back(n);
  }
  return lengths;
}

struct storage {
  std::vector<std::vector<std::uint8_t>> blocks;
  std::vector<boost::asio::mutable_buffer> buffers;
  std::size_t total = 0;

  explicit storage(const std::vector<std::size_t>& lengths) {
    blocks.reserve(lengths.size());
    for (std::size_t n : lengths) {
      blocks.emplace_back(n);
      buffers.emplace_back(blocks.back().data(), n);
      total += n;
    }
  }
  std::vector<boost::asio::const_buffer> const_buffers() const {
    return {buffers.begin(), buffers.end()};
  }
};

template <class Channel>
std::size_t send_some(FuzzedDataProvider& in, Channel& c, bool stream) {
  storage data(shape(in, max_bytes));
  std::uint64_t position = c.sent;
  for (auto& block : data.blocks)
    for (auto& byte : block) byte = pattern(position++);
  c.sender.settimeout(any_mode(in));
  // A datagram of more non-empty buffers than one call takes fails whole with message_size.
  const auto non_empty = static_cast<std::size_t>(std::count_if(
      data.blocks.begin(), data.blocks.end(), [](const auto& b) { return !b.empty(); }));
  const bool too_many = !stream && non_empty > 64;
  error_code ec;
  std::size_t n = 0;
  const int how = in.ConsumeIntegralInRange(0, 3);
  if (too_many && how != 3) {
    n = how == 0 ? c.sender.sendall(data.const_buffers(), ec) : c.sender.send(data.const_buffers(), ec);
    FUZZ_CHECK(ec == boost::asio::error::message_size);
    FUZZ_CHECK(n == 0);
    return c.sender.send(boost::asio::buffer(data.buffers.front(), 0));  // an empty datagram instead
  }
  switch (how) {
    case 0: {
      n = c.sender.sendall(data.const_buffers(), ec);
      FUZZ_CHECK(!ec);
      FUZZ_CHECK(n == data.total);
      break;
    }
    case 1: n = c.sender.send(data.const_buffers(), ec); break;
    case 2: n = c.sender.write_some(data.buffers, ec); break;  // mutable buffers convert
    default: {
      // The same bytes as one contiguous buffer.
      std::vector<std::uint8_t> flat;
      for (auto& block : data.blocks) flat.insert(flat.end(), block.begin(), block.end());
      n = c.sender.send(boost::asio::buffer(flat), ec);
    }
  }
  FUZZ_CHECK(!ec);  // there is always room
  if (stream) {
    // A stream send takes at least one byte of a non-empty sequence, none of an empty one.
    FUZZ_CHECK(n <= data.total);
    FUZZ_CHECK((n == 0) == (data.total == 0));
  } else {
    FUZZ_CHECK(n == data.total);  // a datagram goes whole
  }
  c.sent += n;
  return n;
}

template <class Channel>
void check_received(Channel& c, const storage& into, std::size_t n) {
  for (const auto& block : into.blocks) {
    for (std::size_t i = 0; i < block.size() && n > 0; ++i, --n)
      FUZZ_CHECK(block[i] == pattern(c.received++));
  }
}

// Reads a stream until every byte sent has arrived, with buffers of fuzzed shapes.
template <class Channel>
void drain_stream(FuzzedDataProvider& in, Channel& c, bool data_is_there_at_once) {
  // TCP on loopback may take a moment to queue what was sent: its receiver never fails for
  // want of data, while a Unix stream's data is there when send returns, in every mode.
  c.receiver.settimeout(data_is_there_at_once ? any_mode(in) : std::chrono::nanoseconds(5s));
  for (int round = 0; c.received < c.sent; ++round) {
    FUZZ_CHECK(round < 100000);
    storage into(shape(in, max_bytes));
    if (into.total == 0 && in.remaining_bytes() == 0) into = storage({max_bytes});
    error_code ec;
    const bool use_recv = in.ConsumeBool();
    const std::size_t n = use_recv ? c.receiver.recv(into.buffers, ec)
                                   : c.receiver.read_some(into.buffers, ec);
    FUZZ_CHECK(!ec);
    // Empty buffers: 0 at once; otherwise at least one byte, as data is waiting.
    FUZZ_CHECK((n == 0) == (into.total == 0));
    FUZZ_CHECK(n <= into.total);
    FUZZ_CHECK(n <= c.sent - c.received);
    check_received(c, into, n);
  }
  // Nothing more than was sent.
  error_code ec;
  c.receiver.wait(sockmode::tcp::socket::wait_read, std::chrono::nanoseconds(0), ec);
  FUZZ_CHECK(ec == boost::asio::error::would_block);
}

void datagrams(FuzzedDataProvider& in) {
  auto& c = shared().datagram;
  const std::uint64_t start = c.sent;
  const std::size_t n = send_some(in, c, false);
  c.receiver.settimeout(any_mode(in));
  storage into(shape(in, max_bytes));
  error_code ec;
  std::size_t got = c.receiver.recv(into.buffers, ec);
  FUZZ_CHECK(!ec);
  if (into.total == 0) {
    FUZZ_CHECK(got == 0);  // never waits, never takes the datagram
    into = storage({max_bytes});
    got = c.receiver.recv(into.buffers, ec);
    FUZZ_CHECK(!ec);
  }
  // Whole, or cut to the buffers a receive fills: the first 64 non-empty ones (README).
  std::size_t room = 0;
  std::size_t filled = 0;
  for (const auto& b : into.buffers) {
    if (b.size() == 0 || filled == 64) continue;
    room += b.size();
    ++filled;
  }
  FUZZ_CHECK(got == std::min(n, room));
  c.received = start;
  check_received(c, into, got);
  c.received = c.sent;
  c.receiver.wait(sockmode::local::datagram_socket::wait_read, std::chrono::nanoseconds(0), ec);
  FUZZ_CHECK(ec == boost::asio::error::would_block);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  fixtures& f = shared();
  for (int ops = 0; ops < 16 && in.remaining_bytes() > 0; ++ops) {
    switch (in.ConsumeIntegralInRange(0, 2)) {
      case 0:
        send_some(in, f.unix_stream, true);
        drain_stream(in, f.unix_stream, true);
        break;
      case 1:
        send_some(in, f.tcp, true);
        drain_stream(in, f.tcp, false);
        break;
      default: datagrams(in);
    }
  }
  return 0;
}
