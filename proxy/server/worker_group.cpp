// Worker start-up, table hand-out and shutdown.
#include "server/worker_group.hpp"

#include <boost/asio/post.hpp>

#include <thread>

namespace quikedge::server {
namespace {

unsigned worker_count(const config& settings) {
  if (settings.workers > 0) {
    return settings.workers;
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace

worker_group::~worker_group() {
  for (auto& w : workers_) {
    w->stop();
  }
}

void worker_group::start(const config& settings, routing::routing_table_ptr table,
                         const std::vector<tls::server_context_ptr>& tls,
                         std::vector<inherited_listener>& inherited) {
  const unsigned count = worker_count(settings);
  if (!settings.access_log.path.empty()) {
    access_log_ = std::make_unique<metrics::access_log_writer>(settings.access_log.path);
  }
  for (unsigned i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<worker>(i, open_connections_));
    if (access_log_) {
      workers_.back()->enable_access_log(*access_log_, settings.access_log.sample_rate);
    }
  }
  open_listeners(settings, tls, workers_, inherited, listening_);
  for (auto& w : workers_) {
    w->start(table);
  }
  listeners_up_ = true;
}

void worker_group::shutdown(std::chrono::milliseconds drain, std::chrono::milliseconds grace) {
  listeners_up_ = false;
  for (auto& w : workers_) {
    w->stop_accepting(drain);
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (open_connections_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& w : workers_) {
    w->stop();
  }
}

void worker_group::install(const routing::routing_table_ptr& table, done_fn done) {
  // Answer only when every worker has swapped: from then on every new request
  // sees the new table.
  if (workers_.empty()) {
    done({200, ""});
    return;
  }
  auto pending = std::make_shared<std::size_t>(workers_.size());
  auto finish = std::make_shared<done_fn>(std::move(done));
  for (auto& w : workers_) {
    w->install(table, [this, pending, finish] {
      boost::asio::post(control_io_, [pending, finish] {
        if (--*pending == 0) {
          (*finish)({200, ""});
        }
      });
    });
  }
}

void worker_group::install_tls(const std::vector<tls::server_context_ptr>& tls) {
  // Posted before the reload's routing table, whose ack therefore also means
  // that every worker hands out the new certificates.
  for (auto& w : workers_) {
    w->install_tls(tls, [] {});
  }
}

}  // namespace quikedge::server
