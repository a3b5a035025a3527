// Shared by the fleet tests: a real 3-member etcd cluster on loopback, a blue
// and a green upstream, three replica slots, and the config of one quikedge
// replica of a fleet sharing its state through that cluster (blue 100, green 0).
// Skips where etcd-server is not installed.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

#include "support/etcd_cluster.hpp"
#include "support/proxy_process.hpp"
#include "support/upstream_process.hpp"

namespace quikedge::test {

class fleet_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_available()) {
      GTEST_SKIP() << "etcd-server is not installed (scripts/install-deps.sh installs it)";
    }
    cluster_ = std::make_unique<etcd_cluster>(3);
    blue_ = std::make_unique<upstream_process>("blue");
    green_ = std::make_unique<upstream_process>("green");
    ASSERT_TRUE(blue_->start());
    ASSERT_TRUE(green_->start());
  }

  void TearDown() override {
    for (auto& r : replicas_) {
      r.reset();  // before the upstreams and the cluster
    }
  }

  /// Starts replica `i` (named ids_[i]) on `yaml`.
  testing::AssertionResult start_replica(int i, const std::string& yaml) {
    replicas_[i] = std::make_unique<proxy_process>();
    return replicas_[i]->start(yaml) << " (" << ids_[i] << ")";
  }

  /// Starts all three replicas, each on `config_of(its id)`.
  template <class ConfigOf>
  testing::AssertionResult start_replicas(const ConfigOf& config_of) {
    for (int i = 0; i < 3; ++i) {
      if (auto started = start_replica(i, config_of(ids_[i])); !started) {
        return started;
      }
    }
    return testing::AssertionSuccess();
  }

  proxy_process& replica(int i) { return *replicas_[i]; }

  /// A replica's config: state in etcd under `prefix` with a lease of `lease_ttl`,
  /// named `id`; `cfg` brings the rest (workers, more top-level YAML).
  std::string fleet_config(const std::string& id, const std::string& prefix,
                           const std::string& lease_ttl, proxy_config cfg = {}) const {
    cfg.stacks = {{"blue", {blue_->address()}, 100}, {"green", {green_->address()}, 0}};
    std::string endpoints;
    for (const auto& e : cluster_->endpoints()) {
      endpoints += (endpoints.empty() ? "\"http://" : ", \"http://") + e.to_string() + "\"";
    }
    cfg.top_level_extra = "state:\n  backend: etcd\n  etcd:\n    endpoints: [" + endpoints +
                          "]\n    prefix: " + prefix + "\n    lease_ttl: " + lease_ttl +
                          "\n    replica_id: " + id + "\n" + cfg.top_level_extra;
    return render_config(cfg);
  }

  std::unique_ptr<etcd_cluster> cluster_;
  std::unique_ptr<upstream_process> blue_;
  std::unique_ptr<upstream_process> green_;
  std::array<std::string, 3> ids_{"replica-a", "replica-b", "replica-c"};
  std::array<std::unique_ptr<proxy_process>, 3> replicas_;
};

}  // namespace quikedge::test
