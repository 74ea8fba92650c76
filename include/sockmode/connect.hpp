// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_CONNECT_HPP
#define SOCKMODE_CONNECT_HPP

#include <sockmode/basic_socket.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sockmode {

namespace detail {
// Asio's test for an endpoint sequence (a resolver's results, a vector): it has `iterator`.
template <class T, class = void>
struct is_endpoint_sequence : std::false_type {};
template <class T>
struct is_endpoint_sequence<T, std::void_t<typename T::iterator>> : std::true_type {};

struct any_endpoint {
  template <class Endpoint>
  bool operator()(const boost::system::error_code&, const Endpoint&) const noexcept {
    return true;
  }
};
}  // namespace detail

/// Asio's `connect` free functions for sockmode sockets, with Asio's signatures and results,
/// found by argument-dependent lookup for an unqualified `connect(socket, endpoints)`: tries
/// each endpoint of `endpoints` (or of [begin, end)) that `connect_condition(ec, endpoint)`
/// accepts (`ec`: the previous attempt's error), in order, and returns the one that connected
/// (the range forms) or its iterator. Before each attempt the socket is closed and opened
/// again, as Asio's does; its mode and deadlines belong to the object and survive that.
///
/// Each attempt runs under the socket's mode, as its own `socket.connect(endpoint)` would:
/// in timeout mode each attempt gets the whole timeout. This is the meaning the code had with
/// Asio's types (a loop of connect calls), and it lets a dead first address fail without
/// eating the time of the next. To bound the whole call, set a write deadline
/// (`set_write_deadline`), which caps every attempt; `create_connection` instead gives one
/// timeout to all attempts, as Python's does.
///
/// In non-blocking mode the first attempt that is still in progress ends the call with
/// `would_block`, returning that endpoint (or its iterator): finish it with
/// `wait(wait_write, ...)` and `connect(endpoint)`. `cancel()` ends the attempt waiting then
/// and with it the call (`operation_aborted`). Otherwise a failed attempt moves on to the
/// next; when none connects, the error is the last attempt's, or `asio::error::not_found` when
/// no endpoint was tried (an empty range, or a condition that refused all). The range forms
/// then return a default endpoint, the iterator forms `end`. The throwing forms throw
/// `timeout_error` when the last error is a timeout, `io_error` otherwise.
template <class Protocol, class Iterator, class ConnectCondition>
Iterator connect(basic_socket<Protocol>& socket, Iterator begin, Iterator end,
                 ConnectCondition connect_condition, boost::system::error_code& ec) {
  ec = {};
  for (Iterator it = begin; it != end; ++it) {
    if (!connect_condition(static_cast<const boost::system::error_code&>(ec), *it)) continue;
    const typename Protocol::endpoint endpoint = *it;
    socket.close(ec);
    socket.open(endpoint.protocol(), ec);
    if (!ec) socket.connect(endpoint, ec);
    if (!ec || ec == boost::asio::error::would_block ||
        ec == boost::asio::error::operation_aborted) {
      return it;
    }
  }
  if (!ec) ec = boost::asio::error::not_found;
  return end;
}

template <class Protocol, class Iterator, class ConnectCondition>
Iterator connect(basic_socket<Protocol>& socket, Iterator begin, Iterator end,
                 ConnectCondition connect_condition) {
  boost::system::error_code ec;
  Iterator result = sockmode::connect(socket, begin, end, connect_condition, ec);
  if (ec) detail::throw_error(ec, "connect");
  return result;
}

template <class Protocol, class Iterator>
Iterator connect(basic_socket<Protocol>& socket, Iterator begin, Iterator end,
                 boost::system::error_code& ec) {
  return sockmode::connect(socket, begin, end, detail::any_endpoint(), ec);
}

template <class Protocol, class Iterator>
Iterator connect(basic_socket<Protocol>& socket, Iterator begin, Iterator end) {
  return sockmode::connect(socket, begin, end, detail::any_endpoint());
}

template <class Protocol, class EndpointSequence, class ConnectCondition,
          class = std::enable_if_t<detail::is_endpoint_sequence<EndpointSequence>::value>>
typename Protocol::endpoint connect(basic_socket<Protocol>& socket,
                                    const EndpointSequence& endpoints,
                                    ConnectCondition connect_condition,
                                    boost::system::error_code& ec) {
  const auto it =
      sockmode::connect(socket, endpoints.begin(), endpoints.end(), connect_condition, ec);
  if (ec && ec != boost::asio::error::would_block) return typename Protocol::endpoint();
  return *it;
}

template <class Protocol, class EndpointSequence, class ConnectCondition,
          class = std::enable_if_t<detail::is_endpoint_sequence<EndpointSequence>::value>>
typename Protocol::endpoint connect(basic_socket<Protocol>& socket,
                                    const EndpointSequence& endpoints,
                                    ConnectCondition connect_condition) {
  boost::system::error_code ec;
  const typename Protocol::endpoint result =
      sockmode::connect(socket, endpoints, connect_condition, ec);
  if (ec) detail::throw_error(ec, "connect");
  return result;
}

template <class Protocol, class EndpointSequence,
          class = std::enable_if_t<detail::is_endpoint_sequence<EndpointSequence>::value>>
typename Protocol::endpoint connect(basic_socket<Protocol>& socket,
                                    const EndpointSequence& endpoints,
                                    boost::system::error_code& ec) {
  return sockmode::connect(socket, endpoints, detail::any_endpoint(), ec);
}

template <class Protocol, class EndpointSequence,
          class = std::enable_if_t<detail::is_endpoint_sequence<EndpointSequence>::value>>
typename Protocol::endpoint connect(basic_socket<Protocol>& socket,
                                    const EndpointSequence& endpoints) {
  return sockmode::connect(socket, endpoints, detail::any_endpoint());
}

}  // namespace sockmode

#endif  // SOCKMODE_CONNECT_HPP
