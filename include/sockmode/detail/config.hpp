// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_DETAIL_CONFIG_HPP
#define SOCKMODE_DETAIL_CONFIG_HPP

// The library is built with hidden visibility: only what carries SOCKMODE_API is exported
// from libsockmode.so, so the ABI is the documented API and nothing else. The explicit
// instantiations (tcp.hpp, local.hpp, udp.hpp) carry it too: clang otherwise gives them the
// hidden visibility of their argument, Asio's protocol type, and exports none of their members.
#if defined(__GNUC__) || defined(__clang__)
#define SOCKMODE_API __attribute__((visibility("default")))
#else
#define SOCKMODE_API
#endif

#endif  // SOCKMODE_DETAIL_CONFIG_HPP
