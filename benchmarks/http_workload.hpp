// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The HTTP workload: a synchronous Beast HTTP GET round trip, keep-alive, small body, over
// sockmode::tcp_stream against beast::tcp_stream, both talking to the same plain Beast server.
#ifndef SOCKMODE_BENCHMARKS_HTTP_WORKLOAD_HPP
#define SOCKMODE_BENCHMARKS_HTTP_WORKLOAD_HPP

#include <cstddef>
#include <vector>

namespace bench::http_get {

// The stream under test on the client side; the server is the same for all.
inline constexpr const char* beast_key = "beast_tcp_stream";
inline constexpr const char* sockmode_key = "sm_tcp_stream";
inline constexpr const char* sockmode_expiry_key = "sm_tcp_stream_expiry";
inline constexpr const char* beast_label = "beast::tcp_stream (sync calls: no timeout)";
inline constexpr const char* sockmode_label = "sockmode::tcp_stream, no expiry";
inline constexpr const char* sockmode_expiry_label =
    "sockmode::tcp_stream, expires_after(5 s) before each request";
inline constexpr const char* keys[] = {beast_key, sockmode_key, sockmode_expiry_key};

// Microseconds per round trip (http::write of a GET, http::read of the 200 response with a
// 16-byte body) on one kept-alive connection, after `warmup` untimed ones. The server is a
// thread running Beast's synchronous http::read/http::write over a blocking Asio socket; both
// threads are pinned to one CPU, as the ping-pong workloads are.
std::vector<double> round_trips(const char* key, std::size_t warmup, std::size_t n);

}  // namespace bench::http_get

#endif  // SOCKMODE_BENCHMARKS_HTTP_WORKLOAD_HPP
