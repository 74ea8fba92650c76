#include <sockmode/sockmode.hpp>

#include <chrono>

int main() {
  using namespace std::chrono_literals;
  sockmode::tcp::acceptor listener({boost::asio::ip::make_address("127.0.0.1"), 0});
  sockmode::tcp::socket client;
  client.settimeout(50ms);
  client.connect(listener.local_endpoint());
  char byte = 0;
  boost::system::error_code ec;
  client.recv(boost::asio::buffer(&byte, 1), ec);
  return ec == sockmode::error::timeout ? 0 : 1;
}
