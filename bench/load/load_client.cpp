// The parts of a load connection that HTTP and WebSocket share, and the choice of
// the client class for the run's load mode.
#include "load/load_client.hpp"

#include "load/http_client.hpp"
#include "load/worker.hpp"
#include "load/ws_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>

namespace quikedge::bench::load {
namespace {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

std::unique_ptr<load_client> make_client(worker& owner, unsigned index) {
  switch (owner.plan().options->mode) {
    case load_mode::http:
      break;
    case load_mode::websocket:
      return std::make_unique<ws_client>(owner, index);
  }
  return std::make_unique<http_client>(owner, index);
}

load_client::load_client(worker& owner)
    : owner_(owner), socket_(owner.io()), in_(read_buffer_size), timer_(owner.io()) {}

asio::awaitable<bool> load_client::connect(bool measured) {
  boost::system::error_code ec;
  socket_.open(owner_.plan().endpoint.protocol(), ec);
  if (ec) {
    co_return false;
  }
  auto [connect_ec] = co_await socket_.async_connect(owner_.plan().endpoint, use_tuple);
  if (connect_ec) {
    close();
    co_return false;
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  in_.clear();
  if (measured) {
    ++owner_.stats().connects;
    if (ever_connected_) {
      ++owner_.stats().reconnects;
    }
  }
  co_return true;
}

asio::awaitable<bool> load_client::read_more() {
  const asio::mutable_buffer space = read_space(in_);
  if (space.size() == 0) {
    co_return false;
  }
  auto [ec, n] = co_await socket_.async_read_some(space, use_tuple);
  if (ec) {
    last_error_ = ec;
    co_return false;
  }
  in_.commit(n);
  co_return true;
}

asio::awaitable<void> load_client::pause_until(clock::time_point when) {
  timer_.expires_at(when);
  co_await timer_.async_wait(use_tuple);
}

bool load_client::record(outcome result, bool measured, clock::time_point since) {
  if (!measured) {
    return false;
  }
  run_stats& stats = owner_.stats();
  if (expired_ && result != outcome::ok) {
    ++stats.errors.timeout;
    return false;
  }
  switch (result) {
    case outcome::ok: {
      ++stats.responses;
      const auto latency =
          std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - since);
      stats.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0)));
      return true;
    }
    case outcome::connect_error:
      ++stats.errors.connect;
      break;
    case outcome::handshake_error:
      ++stats.errors.handshake;
      break;
    case outcome::write_error:
      ++stats.errors.write;
      break;
    case outcome::read_error:
      ++stats.errors.read;
      break;
    case outcome::parse_error:
      ++stats.errors.parse;
      break;
    case outcome::closed_by_peer:
      count_closed_by_peer(stats);
      ++stats.errors.read;
      break;
  }
  return false;
}

void load_client::expire() {
  expired_ = true;
  close();
}

void load_client::stop() {
  close();
  timer_.cancel();
}

void load_client::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace quikedge::bench::load
