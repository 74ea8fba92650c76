// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#include <sockmode/basic_socket_iostream.hpp>
#include <sockmode/local.hpp>
#include <sockmode/tcp.hpp>

#include <utility>

namespace sockmode {

// The stream's base is made without a buffer and given buf_ once buf_ exists: handing
// std::iostream a pointer to a member not yet constructed is undefined.
template <class Protocol>
basic_socket_iostream<Protocol>::basic_socket_iostream() : std::iostream(nullptr) {
  std::iostream::rdbuf(&buf_);
}

template <class Protocol>
basic_socket_iostream<Protocol>::basic_socket_iostream(socket_type&& socket)
    : std::iostream(nullptr), buf_(std::move(socket)) {
  std::iostream::rdbuf(&buf_);
}

template <class Protocol>
basic_socket_iostream<Protocol>::basic_socket_iostream(socket_type& socket)
    : std::iostream(nullptr), buf_(socket) {
  std::iostream::rdbuf(&buf_);
}

template <class Protocol>
basic_socket_iostream<Protocol>::basic_socket_iostream(basic_socket_iostream&& other)
    : std::iostream(std::move(other)), buf_(std::move(other.buf_)) {
  std::iostream::set_rdbuf(&buf_);  // the base's move leaves the buffer behind
}

template <class Protocol>
void basic_socket_iostream<Protocol>::connect(const endpoint_type& endpoint) {
  if (!buf_.connect(endpoint)) setstate(std::ios_base::failbit);
}

template <class Protocol>
void basic_socket_iostream<Protocol>::close() {
  if (!buf_.close()) setstate(std::ios_base::failbit);
}

template <class Protocol>
basic_socket_iostream<Protocol>::~basic_socket_iostream() = default;

template class basic_socket_iostream<boost::asio::ip::tcp>;
template class basic_socket_iostream<boost::asio::local::stream_protocol>;

}  // namespace sockmode
