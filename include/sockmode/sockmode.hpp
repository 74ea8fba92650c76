// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_SOCKMODE_HPP
#define SOCKMODE_SOCKMODE_HPP

// Python's blocking, non-blocking and timeout socket modes for Boost.Asio.

#include <sockmode/basic_acceptor.hpp>
#include <sockmode/basic_socket.hpp>
#include <sockmode/basic_socket_iostream.hpp>
#include <sockmode/basic_socket_streambuf.hpp>
#include <sockmode/connect.hpp>
#include <sockmode/connection_error.hpp>
#include <sockmode/connection_timeout_error.hpp>
#include <sockmode/create_connection.hpp>
#include <sockmode/create_server.hpp>
#include <sockmode/default_timeout.hpp>
#include <sockmode/error.hpp>
#include <sockmode/io_error.hpp>
#include <sockmode/local.hpp>
#include <sockmode/raise_open_file_limit.hpp>
#include <sockmode/resolve.hpp>
#include <sockmode/selector.hpp>
#include <sockmode/socketpair.hpp>
#include <sockmode/tcp.hpp>
#include <sockmode/tcp_stream.hpp>
#include <sockmode/timeout_error.hpp>
#include <sockmode/udp.hpp>

#endif  // SOCKMODE_SOCKMODE_HPP
