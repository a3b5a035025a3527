// Routing table construction: name interning and endpoint resolution.
#include "routing/table_builder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <stdexcept>

#include "tls/client_context.hpp"

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

const std::vector<std::shared_ptr<const tls::client_context>>& table_builder::upstream_tls(
    const std::shared_ptr<const config>& settings, bool dry_run) {
  if (settings == tls_settings_) {
    return tls_contexts_;
  }
  if (dry_run) {
    // A reload's check: the CA files must load, but nothing is kept (the
    // reload may still be refused).
    dry_run_contexts_ = tls::make_upstream_contexts(*settings);
    return dry_run_contexts_;
  }
  tls_contexts_ = tls::make_upstream_contexts(*settings);
  tls_settings_ = settings;
  return tls_contexts_;
}

routing_table_ptr table_builder::build(
    std::shared_ptr<const config> settings, const std::map<std::string, std::uint32_t>& weights,
    const std::map<std::string, std::chrono::steady_clock::time_point>& drains,
    const std::set<std::string>& finished_drains,
    const std::map<std::string, bool>& endpoint_health, std::uint64_t version) {
  boost::asio::io_context resolver_context;
  boost::asio::ip::tcp::resolver resolver(resolver_context);
  const auto& tls_contexts = upstream_tls(settings, version == 0);
  std::vector<stack_entry> stacks;
  for (std::size_t index = 0; index < settings->stacks.size(); ++index) {
    const auto& stack_cfg = settings->stacks[index];
    stack_entry stack;
    stack.tls = tls_contexts[index];
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
      if (stack.tls) {
        endpoint.tls_name = tls::peer_name(stack_cfg.tls->sni, address.host);
      }
      auto health = endpoint_health.find(stack_cfg.name + '\n' + endpoint.name);
      endpoint.healthy = health == endpoint_health.end() || health->second;
      stack.endpoints.push_back(std::move(endpoint));
    }
    stacks.push_back(std::move(stack));
  }
  return std::make_shared<const routing_table>(version, std::move(stacks), std::move(settings));
}

}  // namespace quikedge::routing
