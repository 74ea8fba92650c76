// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_VERSION_HPP
#define SOCKMODE_VERSION_HPP

// The release: CMakeLists.txt reads the three numbers below, so they are the one place the
// version is written.
#define SOCKMODE_VERSION_MAJOR 0
#define SOCKMODE_VERSION_MINOR 2
#define SOCKMODE_VERSION_PATCH 0

/// `MAJOR * 10000 + MINOR * 100 + PATCH`, as {fmt}'s FMT_VERSION: compare it in `#if`.
#define SOCKMODE_VERSION \
  (SOCKMODE_VERSION_MAJOR * 10000 + SOCKMODE_VERSION_MINOR * 100 + SOCKMODE_VERSION_PATCH)

#endif  // SOCKMODE_VERSION_HPP
