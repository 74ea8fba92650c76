// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: resolve() under a deadline that the caller's other waits share.
#ifndef SOCKMODE_SRC_RESOLVE_UNTIL_HPP
#define SOCKMODE_SRC_RESOLVE_UNTIL_HPP

#include "deadline.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>

namespace sockmode::detail {

boost::asio::ip::tcp::resolver::results_type resolve_until(std::string_view host,
                                                           std::string_view service,
                                                           const deadline& until,
                                                           boost::system::error_code& ec);

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_RESOLVE_UNTIL_HPP
