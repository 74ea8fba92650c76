// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// basic_socket_iostream: each call under the socket's mode, what a timeout leaves in the stream,
// moves, threads and Unix sockets. Asio's interface is in basic_socket_iostream_asio_test.cpp,
// the module's second file.
#include <sockmode/basic_socket_iostream.hpp>

#include "basic_socket_iostream_helpers.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>

#include <cstddef>
#include <istream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

static_assert(std::is_base_of_v<std::iostream, sockmode::tcp::iostream>);
static_assert(std::is_base_of_v<std::iostream, sockmode::local::iostream>);
static_assert(!std::is_copy_constructible_v<sockmode::tcp::iostream>);
static_assert(std::is_move_constructible_v<sockmode::tcp::iostream>);

namespace {

// Bytes whose value depends on their position, so a lost, repeated or reordered byte shows.
std::string pattern(std::size_t size, unsigned seed) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    data[i] = static_cast<char>((i * 131 + i / 251 + seed) % 251);
  return data;
}

// Sends `line` on `socket` a byte every 100 ms, from a new thread the caller joins.
template <class Socket>
std::thread drip(Socket& socket, std::string line) {
  return std::thread([&socket, line = std::move(line)] {
    for (char c : line) {
      std::this_thread::sleep_for(100ms);
      error_code ignored;
      socket.sendall(asio::buffer(&c, 1), ignored);
    }
  });
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(basic_socket_iostream, test::no_default_timeout)

BOOST_AUTO_TEST_CASE(getline_reads_lines_and_insertions_reach_the_peer_on_flush) {
  auto [client, server] = test::connected_pair();
  client.settimeout(5s);
  server.settimeout(5s);
  sockmode::tcp::iostream stream(std::move(client));
  server.sendall(asio::buffer(std::string("first line\nsecond\n")));

  std::string line;
  BOOST_TEST(static_cast<bool>(std::getline(stream, line)));
  BOOST_TEST(line == "first line");
  BOOST_TEST(static_cast<bool>(std::getline(stream, line)));
  BOOST_TEST(line == "second");

  stream << "answer " << 42 << '\n';
  server.setblocking(false);  // buffered: nothing has been sent yet
  char byte = 0;
  error_code ec;
  server.recv(asio::buffer(&byte, 1), ec);
  BOOST_TEST((ec == asio::error::would_block), ec.message());

  BOOST_TEST(static_cast<bool>(stream << std::flush));
  BOOST_TEST(!stream.error(), stream.error().message());
  server.settimeout(5s);
  std::string got(10, '\0');
  asio::read(server, asio::buffer(got));
  BOOST_TEST(got == "answer 42\n");
}

BOOST_AUTO_TEST_CASE(getline_timing_out_mid_line_keeps_the_partial_line_and_resumes_after_clear) {
  auto [client, server] = test::connected_pair();
  server.settimeout(200ms);
  sockmode::tcp::iostream stream(std::move(server));
  client.sendall(asio::buffer(std::string("hel")));

  std::string line;
  const auto took = test::elapsed([&] { std::getline(stream, line); });
  BOOST_TEST(line == "hel");  // the partial line, with eofbit but not failbit
  BOOST_TEST(stream.eof());
  BOOST_TEST(!stream.fail());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  client.sendall(asio::buffer(std::string("lo\nworld\n")));
  stream.clear();
  std::string rest;
  BOOST_TEST(static_cast<bool>(std::getline(stream, rest)));
  BOOST_TEST(line + rest == "hello");
  BOOST_TEST(static_cast<bool>(std::getline(stream, line)));
  BOOST_TEST(line == "world");

  // A timeout before the first character: failbit too, and an empty string.
  std::getline(stream, line);
  BOOST_TEST(stream.fail());
  BOOST_TEST(stream.eof());
  BOOST_TEST(line.empty());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
}

BOOST_AUTO_TEST_CASE(extraction_timing_out_mid_number_consumes_the_digits_it_saw) {
  auto [client, server] = test::connected_pair();
  server.settimeout(200ms);
  sockmode::tcp::iostream stream(std::move(server));
  client.sendall(asio::buffer(std::string("12")));
  int n = 0;
  stream >> n;  // the pitfall the header documents: eofbit only, and half a number
  BOOST_TEST(n == 12);
  BOOST_TEST(stream.eof());
  BOOST_TEST(!stream.fail());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  client.sendall(asio::buffer(std::string("3 ")));
  stream.clear();
  stream >> n;
  BOOST_TEST(n == 3);
}

BOOST_AUTO_TEST_CASE(read_timing_out_reports_what_it_got_in_gcount_and_loses_nothing) {
  auto [client, server] = test::connected_pair();
  server.settimeout(200ms);
  sockmode::tcp::iostream stream(std::move(server));
  const std::string sent = pattern(100'000, 1);
  client.sendall(asio::buffer(sent.substr(0, 30'000)));

  std::string got(sent.size(), '\0');
  stream.read(got.data(), static_cast<std::streamsize>(got.size()));
  BOOST_TEST(stream.fail());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  const auto first = static_cast<std::size_t>(stream.gcount());
  BOOST_TEST(first == 30'000u);

  client.sendall(asio::buffer(sent.substr(30'000)));
  stream.clear();
  stream.read(got.data() + first, static_cast<std::streamsize>(got.size() - first));
  BOOST_TEST(static_cast<bool>(stream));
  BOOST_TEST((got == sent));
}

BOOST_AUTO_TEST_CASE(write_timeout_keeps_unsent_bytes_and_a_later_flush_sends_each_once) {
  auto [client, server] = test::connected_pair();
  const std::size_t filler = test::fill_send_buffer(client);  // the peer does not read yet
  client.settimeout(200ms);
  sockmode::tcp::iostream stream(client);

  stream << "head\n";
  BOOST_TEST(stream.good());  // buffered only
  const auto took = test::elapsed([&] { stream.flush(); });
  BOOST_TEST(stream.bad());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  BOOST_TEST(took.count() >= 0.15);
  BOOST_TEST(took.count() < 3.0);

  // A large write that cannot go out either: the stream keeps all of it, and says it failed.
  const std::string payload = pattern(1 << 20, 2);
  stream.clear();
  stream.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  BOOST_TEST(stream.bad());
  BOOST_TEST((stream.error() == sockmode::error::timeout), stream.error().message());
  stream << "not taken: the stream has failed and was not cleared";

  server.settimeout(10s);
  std::string received;
  std::thread reader([&] { received = test::read_to_end(server); });
  stream.clear();
  stream.socket().settimeout(10s);
  stream << "tail\n" << std::flush;
  BOOST_TEST(stream.good());
  BOOST_TEST(!stream.error(), stream.error().message());
  client.shutdown(sockmode::tcp::socket::shutdown_send);
  reader.join();

  const std::string expected = std::string(filler, 'x') + "head\n" + payload + "tail\n";
  BOOST_TEST(received.size() == expected.size());
  BOOST_TEST((received == expected));
}

BOOST_AUTO_TEST_CASE(referring_stream_leaves_the_socket_open_and_owning_stream_closes_it) {
  auto [client, server] = test::connected_pair();
  server.settimeout(5s);
  {
    sockmode::tcp::iostream stream(client);
    stream << "by reference," << std::flush;
  }
  BOOST_TEST(client.is_open());
  client.sendall(asio::buffer(std::string(" directly,")));
  {
    sockmode::tcp::iostream stream(std::move(client));
    stream << " owned";  // the destructor sends it, then closes the socket
  }
  // End of stream proves the owning stream closed the socket.
  BOOST_TEST(test::read_to_end(server) == "by reference, directly, owned");
}

BOOST_AUTO_TEST_CASE(moved_stream_keeps_its_state_its_buffered_bytes_and_its_socket) {
  auto [client, server] = test::connected_pair();
  client.settimeout(200ms);
  server.settimeout(5s);
  sockmode::tcp::iostream original(std::move(client));
  server.sendall(asio::buffer(std::string("one\ntwo")));
  std::string line;
  std::getline(original, line);
  BOOST_TEST(line == "one");
  original << "pending";            // buffered, not sent
  std::getline(original, line);     // times out on "two"
  BOOST_TEST(line == "two");
  {
    sockmode::tcp::iostream moved(std::move(original));
    BOOST_TEST(moved.eof());
    BOOST_TEST((moved.error() == sockmode::error::timeout), moved.error().message());
    server.sendall(asio::buffer(std::string("!\n")));
    moved.clear();
    std::string rest;
    BOOST_TEST(static_cast<bool>(std::getline(moved, rest)));
    BOOST_TEST(line + rest == "two!");
  }
  // The moved-to stream sent the pending bytes and closed the socket; the moved-from one,
  // still alive, holds nothing.
  BOOST_TEST(test::read_to_end(server) == "pending");
}

BOOST_AUTO_TEST_CASE(each_read_has_its_own_timeout_so_a_dripping_peer_is_read_whole) {
  auto [client, server] = test::connected_pair();
  server.settimeout(300ms);
  sockmode::tcp::iostream stream(std::move(server));
  std::thread dripper = drip(client, "abcdefghij\n");
  std::string got;
  const auto took = test::elapsed([&] { std::getline(stream, got); });
  dripper.join();
  BOOST_TEST(static_cast<bool>(stream));
  BOOST_TEST(!stream.error(), stream.error().message());
  BOOST_TEST(got == "abcdefghij");
  BOOST_TEST(took.count() >= 0.9);  // three times the timeout: no deadline for the whole line
}

BOOST_AUTO_TEST_CASE(asio_iostream_with_the_same_expiry_gives_up_on_that_dripping_peer) {
  // The contrast: Asio's one expiry covers the whole stream, however the peer progresses.
  sockmode::tcp::acceptor listener(test::loopback());
  asio::ip::tcp::iostream stream;
  stream.expires_after(300ms);
  stream.connect(listener.local_endpoint());
  sockmode::tcp::socket peer = listener.accept();
  std::thread dripper = drip(peer, "abcdefghij\n");
  std::string got;
  std::getline(stream, got);
  dripper.join();
  BOOST_TEST(stream.eof());
  BOOST_TEST((stream.error() == asio::error::timed_out), stream.error().message());
  BOOST_TEST(got.size() < 10u);  // never the whole line
}

BOOST_AUTO_TEST_CASE(each_write_has_its_own_timeout_so_a_slow_reader_receives_everything) {
  auto [client, server] = test::connected_pair();
  // Small kernel buffers, so that the reader's pace, not their size, sets the write's pace.
  client.asio_socket().set_option(asio::socket_base::send_buffer_size(64 << 10));
  server.asio_socket().set_option(asio::socket_base::receive_buffer_size(64 << 10));
  const std::size_t filler = test::fill_send_buffer(client);
  client.settimeout(500ms);
  sockmode::tcp::iostream stream(client);
  server.settimeout(10s);
  std::string received;
  std::thread slow_reader([&] {  // about 640 KiB/s
    std::vector<char> chunk(32 << 10);
    error_code ec;
    for (int i = 0; i < 100'000 && !ec; ++i) {
      std::this_thread::sleep_for(50ms);
      received.append(chunk.data(), server.read_some(asio::buffer(chunk), ec));
    }
  });
  const std::string payload = pattern(1 << 20, 3);
  const auto took = test::elapsed([&] {
    stream.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    stream.flush();
  });
  BOOST_TEST(stream.good());
  BOOST_TEST(!stream.error(), stream.error().message());
  client.shutdown(sockmode::tcp::socket::shutdown_send);
  slow_reader.join();
  BOOST_TEST(took.count() >= 1.0);  // twice the timeout, spread over many write_some calls
  BOOST_TEST((received == std::string(filler, 'x') + payload));
}

BOOST_AUTO_TEST_CASE(end_of_stream_sets_eofbit_and_error_eof) {
  auto [client, server] = test::connected_pair();
  server.settimeout(5s);
  sockmode::tcp::iostream stream(std::move(server));
  client.sendall(asio::buffer(std::string("last line\nno newline")));
  client.shutdown(sockmode::tcp::socket::shutdown_send);

  std::string line;
  BOOST_TEST(static_cast<bool>(std::getline(stream, line)));
  BOOST_TEST(line == "last line");
  std::getline(stream, line);
  BOOST_TEST(line == "no newline");
  BOOST_TEST(stream.eof());
  BOOST_TEST(!stream.fail());
  BOOST_TEST((stream.error() == asio::error::eof), stream.error().message());
  std::getline(stream, line);
  BOOST_TEST(stream.fail());
  BOOST_TEST((stream.error() == asio::error::eof), stream.error().message());
}

BOOST_AUTO_TEST_CASE(non_blocking_stream_fails_at_once_with_would_block_and_loses_nothing) {
  auto [client, server] = test::connected_pair();
  sockmode::tcp::iostream in(std::move(server));
  in.socket().setblocking(false);
  std::string line;
  const auto took = test::elapsed([&] { std::getline(in, line); });
  BOOST_TEST(in.fail());
  BOOST_TEST((in.error() == asio::error::would_block), in.error().message());
  BOOST_TEST(took.count() < 1.0);

  client.sendall(asio::buffer(std::string("ready\n")));
  in.socket().wait(sockmode::tcp::socket::wait_read, 5s);
  in.clear();
  BOOST_TEST(static_cast<bool>(std::getline(in, line)));
  BOOST_TEST(line == "ready");

  // Writing: what does not fit stays buffered; flushing again after each wait sends it.
  const std::size_t filler = test::fill_send_buffer(client);
  client.setblocking(false);
  sockmode::tcp::iostream out(client);
  const std::string payload = pattern(256 << 10, 4);
  out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  BOOST_TEST(out.bad());
  BOOST_TEST((out.error() == asio::error::would_block), out.error().message());

  std::string received;
  std::thread reader([&] {
    in.socket().settimeout(10s);
    received = test::read_to_end(in.socket());
  });
  bool flushed = false;
  for (int i = 0; i < 10'000 && !flushed; ++i) {
    error_code ec;
    client.wait(sockmode::tcp::socket::wait_write, 1s, ec);
    out.clear();
    flushed = static_cast<bool>(out.flush());
  }
  BOOST_TEST(flushed);
  client.shutdown(sockmode::tcp::socket::shutdown_send);
  reader.join();
  BOOST_TEST((received == std::string(filler, 'x') + payload));
}

BOOST_AUTO_TEST_CASE(local_iostream_carries_lines_both_ways_over_a_unix_socket) {
  asio::io_context context;
  asio::local::stream_protocol::socket a(context), b(context);
  asio::local::connect_pair(a, b);
  sockmode::local::stream_socket left(std::move(a)), right(std::move(b));
  left.settimeout(200ms);
  right.settimeout(5s);
  sockmode::local::iostream left_stream(std::move(left));
  sockmode::local::iostream right_stream(right);

  left_stream << "ping " << 1 << std::endl;
  std::string line;
  BOOST_TEST(static_cast<bool>(std::getline(right_stream, line)));
  BOOST_TEST(line == "ping 1");
  right_stream << "pong" << std::flush;
  std::getline(left_stream, line);  // no newline follows: times out with the partial line
  BOOST_TEST(line == "pong");
  BOOST_TEST((left_stream.error() == sockmode::error::timeout), left_stream.error().message());
  right_stream << "!\n" << std::flush;
  left_stream.clear();
  std::string rest;
  BOOST_TEST(static_cast<bool>(std::getline(left_stream, rest)));
  BOOST_TEST(line + rest == "pong!");
}

BOOST_AUTO_TEST_CASE(large_transfers_run_both_ways_at_once_in_separate_threads) {
  auto [client, server] = test::connected_pair();
  client.settimeout(10s);
  server.settimeout(10s);
  const std::string upstream = pattern(4u << 20, 5);
  const std::string downstream = pattern(3u << 20, 6);

  // Two streams per socket, each used by one thread: one writes while the other reads.
  const auto writer = [](sockmode::tcp::socket& socket, const std::string& data) {
    sockmode::tcp::iostream out(socket);
    const std::size_t sizes[] = {1, 100, 7'000, 70'000};  // buffered and direct writes
    std::size_t offset = 0;
    for (std::size_t i = 0; offset < data.size() && out; ++i) {
      const std::size_t n = std::min(sizes[i % 4], data.size() - offset);
      out.write(data.data() + offset, static_cast<std::streamsize>(n));
      offset += n;
    }
    out.flush();
    return out.good() && offset == data.size();
  };
  const auto reader = [](sockmode::tcp::socket& socket, std::size_t size) {
    sockmode::tcp::iostream in(socket);
    std::string data(size, '\0');
    const std::size_t sizes[] = {3, 9'000, 300'000};
    std::size_t offset = 0;
    for (std::size_t i = 0; offset < size && in; ++i) {
      const std::size_t n = std::min(sizes[i % 3], size - offset);
      in.read(data.data() + offset, static_cast<std::streamsize>(n));
      offset += static_cast<std::size_t>(in.gcount());
    }
    return data.substr(0, offset);
  };

  bool up_ok = false, down_ok = false;
  std::string up_received, down_received;
  std::thread up_writer([&] { up_ok = writer(client, upstream); });
  std::thread down_writer([&] { down_ok = writer(server, downstream); });
  std::thread up_reader([&] { up_received = reader(server, upstream.size()); });
  std::thread down_reader([&] { down_received = reader(client, downstream.size()); });
  up_writer.join();
  down_writer.join();
  up_reader.join();
  down_reader.join();
  BOOST_TEST(up_ok);
  BOOST_TEST(down_ok);
  BOOST_TEST((up_received == upstream));
  BOOST_TEST((down_received == downstream));
}

BOOST_AUTO_TEST_SUITE_END()
