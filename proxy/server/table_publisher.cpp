// Building and installing routing tables.
#include "server/table_publisher.hpp"

namespace quikedge::server {

routing::routing_table_ptr table_publisher::build_first(std::shared_ptr<const config> settings,
                                                        const weight_map& weights) {
  table_ = builder_.build(std::move(settings), weights, {}, {}, {}, serial_);
  return table_;
}

void table_publisher::publish(std::shared_ptr<const config> settings, const weight_map& weights,
                              drain_tracker& drains, done_fn done) {
  auto table = builder_.build(std::move(settings), weights, drains.active(), drains.finished(),
                              endpoint_health_, ++serial_);
  drains.clear_finished();
  table_ = table;
  workers_.install(table, std::move(done));
}

void table_publisher::check(std::shared_ptr<const config> settings, const weight_map& weights) {
  // Serial 0: a dry run, never installed.
  builder_.build(std::move(settings), weights, {}, {}, {}, 0);
}

void table_publisher::set_endpoint_health(const std::string& stack, const std::string& endpoint,
                                          bool healthy) {
  endpoint_health_[stack + '\n' + endpoint] = healthy;
}

void table_publisher::replace_endpoint_health(std::map<std::string, bool> verdicts) {
  endpoint_health_ = std::move(verdicts);
}

}  // namespace quikedge::server
