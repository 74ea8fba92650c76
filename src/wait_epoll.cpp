// The epoll wait backend: Asio's default reactor, as the rest of the program uses it.
#include "wait_backend_impl.hpp"

#include <boost/system/system_error.hpp>

#include <cerrno>
#include <new>

namespace sockmode::detail {

wait_backend* make_epoll_backend(int* error) noexcept {
  try {
    return new asio_wait_backend("epoll");
  } catch (const boost::system::system_error& e) {
    *error = e.code().value() != 0 ? e.code().value() : EMFILE;
  } catch (const std::bad_alloc&) {
    *error = ENOMEM;
  }
  return nullptr;
}

}  // namespace sockmode::detail
