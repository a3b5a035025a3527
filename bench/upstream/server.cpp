// Start-up, threads and signal handling of quikedge-upstream.
#include "upstream/server.hpp"

#include "upstream/listener.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <thread>

namespace quikedge::bench::upstream {
namespace {

namespace asio = boost::asio;

asio::ip::tcp::endpoint resolve_listen(asio::io_context& io, const upstream_options& options) {
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.listen_host, ec);
  if (!ec) {
    return {address, options.listen_port};
  }
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(options.listen_host, std::to_string(options.listen_port));
  return results.begin()->endpoint();
}

}  // namespace

server::server(upstream_context& context) : context_(context) {
  for (unsigned i = 0; i < context.options().threads; ++i) {
    // Concurrency hint 1: each io_context is run by exactly one thread.
    workers_.push_back(std::make_unique<asio::io_context>(1));
  }
}

asio::ip::tcp::endpoint server::bind() {
  asio::ip::tcp::endpoint endpoint = resolve_listen(*workers_[0], context_.options());
  for (auto& io : workers_) {
    acceptors_.push_back(open_acceptor(*io, endpoint));
    // Port 0: the first socket picks the port, the others join it through SO_REUSEPORT.
    endpoint = acceptors_.back().local_endpoint();
  }
  return endpoint;
}

void server::run() {
  std::signal(SIGPIPE, SIG_IGN);
  for (unsigned i = 0; i < workers_.size(); ++i) {
    asio::co_spawn(*workers_[i], accept_loop(std::move(acceptors_[i]), context_, i),
                   asio::detached);
  }
  asio::signal_set signals(*workers_[0], SIGINT, SIGTERM);
  signals.async_wait([this](boost::system::error_code, int) {
    for (auto& io : workers_) {
      io->stop();
    }
  });
  std::vector<std::jthread> threads;
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    threads.emplace_back([io = workers_[i].get()] { io->run(); });
  }
  workers_[0]->run();
  for (auto& io : workers_) {
    io->stop();
  }
}

}  // namespace quikedge::bench::upstream
