// Run phases (warm-up, measuring, stop) and the request-timeout watchdog of a worker.
#include "load/worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>

namespace quikedge::bench::load {
namespace {

namespace asio = boost::asio;

}  // namespace

worker::worker(const run_plan& plan, worker_share share)
    : plan_(plan), share_(share), warmup_timer_(io_), deadline_timer_(io_) {
  for (unsigned i = 0; i < share_.connections; ++i) {
    clients_.push_back(make_client(*this, share_.first_connection + i));
  }
}

worker::~worker() = default;

void worker::run() {
  active_clients_ = static_cast<unsigned>(clients_.size());
  for (auto& client : clients_) {
    asio::co_spawn(io_, client->run(), asio::detached);
  }
  if (plan_.measure_start <= clock::now()) {
    start_measuring();
  } else {
    warmup_timer_.expires_at(plan_.measure_start);
    warmup_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) {
        start_measuring();
      }
    });
  }
  deadline_timer_.expires_at(plan_.deadline);
  deadline_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      finished_ = plan_.deadline;
      stop();
    }
  });
  asio::co_spawn(io_, watchdog(), asio::detached);
  io_.run();
}

void worker::end_early() {
  asio::post(io_, [this] {
    if (stopping_) {
      return;
    }
    if (measuring_) {
      finished_ = clock::now();
    }
    stop();
  });
}

void worker::start_measuring() {
  measuring_ = true;
  finished_ = clock::now();
}

bool worker::take_request() {
  if (stopping_) {
    return false;
  }
  // Warm-up requests are not part of the --requests budget.
  if (!measuring_ || !share_.requests) {
    return true;
  }
  if (issued_ >= *share_.requests) {
    return false;
  }
  ++issued_;
  return true;
}

void worker::client_done() {
  if (--active_clients_ == 0) {
    if (!stopping_) {
      finished_ = clock::now();
    }
    stop();
    // Nothing is left to wait for: end run() without waiting for the timers.
    io_.stop();
  }
}

void worker::stop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  measuring_ = false;
  warmup_timer_.cancel();
  deadline_timer_.cancel();
  for (auto& client : clients_) {
    client->stop();
  }
}

asio::awaitable<void> worker::acquire_open_slot(asio::steady_timer& wake) {
  if (opening_ < plan_.options->open_concurrency) {
    ++opening_;
    co_return;
  }
  // Woken by release_open_slot(), which hands its slot over, or by stop().
  open_waiters_.push_back(&wake);
  wake.expires_at(clock::time_point::max());
  co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
}

void worker::release_open_slot() {
  while (!open_waiters_.empty()) {
    asio::steady_timer* next = open_waiters_.front();
    open_waiters_.pop_front();
    if (next->cancel() > 0) {
      return;  // the slot now belongs to that client
    }
  }
  --opening_;
}

void worker::websocket_settled(bool open) {
  ++settled_;
  settled_open_ += open ? 1 : 0;
  if (settled_ != clients_.size() || !plan_.options->idle || stopping_) {
    return;
  }
  hold_started_ = clock::now();
  std::fprintf(
      stderr, "quikedge-bench: idle: %u of %zu WebSockets open; holding them for %.1f s\n",
      settled_open_, clients_.size(),
      std::chrono::duration<double>(plan_.options->duration.value_or(max_run_time)).count());
  std::fflush(stderr);
  deadline_timer_.cancel();
  deadline_timer_.expires_at(hold_started_ + plan_.options->duration.value_or(max_run_time));
  deadline_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      finished_ = clock::now();
      stop();
    }
  });
}

asio::awaitable<void> worker::watchdog() {
  // One periodic scan instead of a timer per request: arming and cancelling a timer per
  // request would cost a timerfd syscall each time the earliest deadline moves.
  const auto timeout = plan_.options->timeout;
  const auto tick = std::clamp<clock::duration>(timeout / 8, std::chrono::milliseconds(5),
                                                std::chrono::milliseconds(250));
  asio::steady_timer timer(io_);
  while (!stopping_) {
    timer.expires_after(tick);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    const clock::time_point now = clock::now();
    for (auto& client : clients_) {
      if (client->in_flight() && now - client->started() > timeout) {
        client->expire();
      }
    }
  }
}

}  // namespace quikedge::bench::load
