// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
// Internal: resolve() within a call budget that the caller's other waits share.
#ifndef SOCKMODE_SRC_RESOLVE_WITHIN_HPP
#define SOCKMODE_SRC_RESOLVE_WITHIN_HPP

#include "call_budget.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>

namespace sockmode::detail {

boost::asio::ip::tcp::resolver::results_type resolve_within(std::string_view host,
                                                            std::string_view service,
                                                            const call_budget& budget,
                                                            boost::system::error_code& ec);

}  // namespace sockmode::detail

#endif  // SOCKMODE_SRC_RESOLVE_WITHIN_HPP
