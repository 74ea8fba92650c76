// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// The TLS workloads: sockmode::ssl::stream in timeout mode against asio::ssl::stream over a
// plain blocking Asio socket, both ends of each connection in the same contender.
#ifndef SOCKMODE_BENCHMARKS_TLS_HPP
#define SOCKMODE_BENCHMARKS_TLS_HPP

#include "harness.hpp"

#include <cstddef>
#include <vector>

namespace bench::tls {

inline constexpr const char* asio_key = "asio_tls";
inline constexpr const char* sockmode_key = "sm_tls_timeout";
inline constexpr const char* asio_label = "asio::ssl::stream over a blocking Asio socket";
inline constexpr const char* sockmode_label = "sockmode::ssl::stream, timeout mode (5 s)";

// MiB/s moving `bytes` in 64 KiB writes (four full records each), read into 64 KiB.
double bulk(const char* key, loopback_listener& listener, std::size_t bytes);
// Microseconds per one-byte round trip (one record each way), after `warmup` untimed ones.
std::vector<double> pingpong(const char* key, loopback_listener& listener, std::size_t warmup,
                             std::size_t n);

}  // namespace bench::tls

#endif  // SOCKMODE_BENCHMARKS_TLS_HPP
