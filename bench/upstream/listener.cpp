// Listening and accepting for quikedge-upstream.
#include "upstream/listener.hpp"

#include "upstream/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <chrono>

namespace quikedge::bench::upstream {
namespace {

namespace asio = boost::asio;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

}  // namespace

asio::ip::tcp::acceptor open_acceptor(asio::io_context& io,
                                      const asio::ip::tcp::endpoint& endpoint) {
  asio::ip::tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.set_option(reuse_port(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor acceptor, upstream_context& context,
                                  unsigned worker) {
  worker_counters& counters = context.counters(worker);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
      co_return;
    }
    if (ec) {
      // Out of descriptors or memory: back off instead of spinning on the error.
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    // Responses are written whole; Nagle would only delay the last segment of each.
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    auto conn = std::make_shared<connection>(std::move(socket), context, counters);
    asio::co_spawn(acceptor.get_executor(), connection::serve(std::move(conn)), asio::detached);
  }
}

}  // namespace quikedge::bench::upstream
