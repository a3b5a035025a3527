// Routing table construction: name interning and endpoint resolution.
#include "routing/table_builder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <stdexcept>

namespace quikedge::routing {

stack_id table_builder::intern_stack(const std::string& name) {
  for (std::size_t i = 0; i < stack_names_.size(); ++i) {
    if (stack_names_[i] == name) {
      return static_cast<stack_id>(i);
    }
  }
  if (stack_names_.size() >= max_stacks) {
    throw std::runtime_error("more than " + std::to_string(max_stacks) + " stack names");
  }
  stack_names_.push_back(name);
  return static_cast<stack_id>(stack_names_.size() - 1);
}

endpoint_id table_builder::intern_endpoint(const std::string& stack, const std::string& address) {
  auto key = stack + '\n' + address;
  auto [it, inserted] = endpoint_ids_.emplace(key, static_cast<endpoint_id>(endpoint_ids_.size()));
  return it->second;
}

routing_table_ptr table_builder::build(
    std::shared_ptr<const config> settings, const std::map<std::string, std::uint32_t>& weights,
    const std::map<std::string, std::chrono::steady_clock::time_point>& drains,
    const std::set<std::string>& finished_drains,
    const std::map<std::string, bool>& endpoint_health, std::uint64_t version) {
  boost::asio::io_context resolver_context;
  boost::asio::ip::tcp::resolver resolver(resolver_context);
  std::vector<stack_entry> stacks;
  for (const auto& stack_cfg : settings->stacks) {
    stack_entry stack;
    stack.id = intern_stack(stack_cfg.name);
    stack.name = stack_cfg.name;
    auto weight = weights.find(stack_cfg.name);
    stack.weight = weight == weights.end() ? 0 : weight->second;
    if (auto drain = drains.find(stack_cfg.name); drain != drains.end()) {
      stack.draining = true;
      stack.drain_until = drain->second;
    }
    stack.drain_finished = finished_drains.count(stack_cfg.name) > 0;
    stack.balancer = stack_cfg.balancer;
    stack.h2c = stack_cfg.protocol == upstream_protocol::h2c;
    stack.outlier_detection = stack_cfg.outlier_detection;
    for (const auto& address : stack_cfg.endpoints) {
      endpoint_entry endpoint;
      endpoint.name = address.to_string();
      endpoint.id = intern_endpoint(stack_cfg.name, endpoint.name);
      boost::system::error_code ec;
      auto results = resolver.resolve(address.host, std::to_string(address.port),
                                      boost::asio::ip::tcp::resolver::numeric_service, ec);
      if (ec || results.empty()) {
        throw std::runtime_error("cannot resolve endpoint " + endpoint.name + " of stack " +
                                 stack_cfg.name + ": " + ec.message());
      }
      endpoint.address = results.begin()->endpoint();
      auto health = endpoint_health.find(stack_cfg.name + '\n' + endpoint.name);
      endpoint.healthy = health == endpoint_health.end() || health->second;
      stack.endpoints.push_back(std::move(endpoint));
    }
    stacks.push_back(std::move(stack));
  }
  return std::make_shared<const routing_table>(version, std::move(stacks), std::move(settings));
}

}  // namespace quikedge::routing
