#ifndef SOCKMODE_IO_ERROR_HPP
#define SOCKMODE_IO_ERROR_HPP

#include <sockmode/detail/config.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>

namespace sockmode {

/// What every throwing sockmode call throws (a `boost::system::system_error`, so existing
/// handlers keep working), plus how many bytes the call moved before it failed: nonzero only
/// for `sendall`, the one call that can fail after a partial transfer.
class SOCKMODE_API io_error : public boost::system::system_error {
 public:
  io_error(boost::system::error_code ec, const char* what, std::size_t bytes_transferred = 0)
      : system_error(ec, what), bytes_transferred_(bytes_transferred) {}

  std::size_t bytes_transferred() const noexcept { return bytes_transferred_; }

 private:
  std::size_t bytes_transferred_;
};

}  // namespace sockmode

#endif  // SOCKMODE_IO_ERROR_HPP
