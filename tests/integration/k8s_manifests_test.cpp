// docker/k8s/: every manifest parses, and what they say agrees with the binary:
// the ConfigMap's config passes `quikedge --check-config`, the Deployment starts
// the proxy on that file at the path the ConfigMap is mounted, its ports and
// probes are the config's listener and admin ports and the admin API's probe
// paths, the grace period covers the preStop pause plus the config's drain, and
// the Services, HPA, PDB, NetworkPolicy and etcd StatefulSet point at what exists.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "quikedge/config_loader.hpp"
#include "support/child_process.hpp"
#include "support/proxy_process.hpp"

namespace quikedge::test {
namespace {

namespace fs = std::filesystem;

class K8sManifests : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& entry : fs::directory_iterator(source_path("docker/k8s"))) {
      if (entry.path().extension() != ".yaml") {
        continue;
      }
      for (const YAML::Node& doc : YAML::LoadAllFromFile(entry.path().string())) {
        ASSERT_TRUE(doc["kind"] && doc["metadata"]["name"]) << entry.path();
        docs_.push_back(doc);
      }
    }
  }

  /// The one object of `kind` named `name`; fails the test when it is missing.
  YAML::Node find(const std::string& kind, const std::string& name) {
    for (const auto& doc : docs_) {
      if (doc["kind"].as<std::string>() == kind &&
          doc["metadata"]["name"].as<std::string>() == name) {
        return doc;
      }
    }
    ADD_FAILURE() << kind << "/" << name << " not found in docker/k8s";
    return YAML::Node();
  }

  YAML::Node container() {
    return find("Deployment", "quikedge")["spec"]["template"]["spec"]["containers"][0];
  }

  /// The container's port number by name ("http", "admin").
  int container_port(const std::string& name) {
    for (const auto& port : container()["ports"]) {
      if (port["name"].as<std::string>() == name) {
        return port["containerPort"].as<int>();
      }
    }
    ADD_FAILURE() << "no container port named " << name;
    return 0;
  }

  /// The proxy config the ConfigMap carries, written where the test can load it.
  fs::path config_file() {
    auto dir = make_temp_directory();
    auto path = dir / "quikedge.yaml";
    std::ofstream(path)
        << find("ConfigMap", "quikedge-config")["data"]["quikedge.yaml"].as<std::string>();
    return path;
  }

  config loaded() {
    auto result = load_config_file(config_file().string());
    EXPECT_TRUE(result.errors.empty()) << result.errors.front().to_string();
    return result.value.value_or(config{});
  }

  using label_map = std::map<std::string, std::string>;

  label_map pod_labels() {
    return find("Deployment", "quikedge")["spec"]["template"]["metadata"]["labels"].as<label_map>();
  }

  std::vector<YAML::Node> docs_;
};

TEST_F(K8sManifests, ConfigPassesTheBinarysCheck) {
  auto result = run_command({bin_path("quikedge"), "--check-config", config_file().string()});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
}

TEST_F(K8sManifests, DeploymentStartsTheProxyOnTheMountedConfig) {
  auto args = container()["args"].as<std::vector<std::string>>();
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], "--config");
  std::string mounted;
  for (const auto& mount : container()["volumeMounts"]) {
    if (mount["name"].as<std::string>() == "config") {
      mounted = mount["mountPath"].as<std::string>() + "/quikedge.yaml";
    }
  }
  EXPECT_EQ(args[1], mounted);
  auto volumes = find("Deployment", "quikedge")["spec"]["template"]["spec"]["volumes"];
  bool from_config_map = false;
  for (const auto& volume : volumes) {
    from_config_map =
        from_config_map || (volume["name"].as<std::string>() == "config" &&
                            volume["configMap"]["name"].as<std::string>() == "quikedge-config");
  }
  EXPECT_TRUE(from_config_map);
}

TEST_F(K8sManifests, PortsAndProbesAreTheConfigs) {
  config cfg = loaded();
  ASSERT_FALSE(cfg.listeners.empty());
  EXPECT_EQ(container_port("http"), cfg.listeners[0].bind.port);
  EXPECT_EQ(container_port("admin"), cfg.admin.bind.port);
  // A non-loopback admin address needs tokens: the loader already refused it otherwise.
  EXPECT_FALSE(cfg.admin.tokens.empty());
  EXPECT_EQ(container()["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(container()["readinessProbe"]["httpGet"]["port"].as<std::string>(), "admin");
  EXPECT_EQ(container()["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(container()["livenessProbe"]["httpGet"]["port"].as<std::string>(), "admin");
}

TEST_F(K8sManifests, TheProbePathsAnswerOnTheRealAdminApi) {
  proxy_process proxy;
  ASSERT_TRUE(proxy.start(proxy_config{{{"blue", {"127.0.0.1:9"}, 100}}}));
  // Both paths exist: 200 or 503 (a stack with no live endpoint), never 404.
  for (const char* path : {"/healthz", "/readyz"}) {
    auto status = proxy.admin("GET", path).status;
    EXPECT_TRUE(status == 200 || status == 503) << path << " answered " << status;
  }
}

TEST_F(K8sManifests, GracePeriodCoversPreStopAndDrain) {
  config cfg = loaded();
  auto pre_stop =
      container()["lifecycle"]["preStop"]["exec"]["command"].as<std::vector<std::string>>();
  ASSERT_EQ(pre_stop.size(), 2u);
  EXPECT_EQ(pre_stop[0], "sleep");
  int pause = std::stoi(pre_stop[1]);
  int grace =
      find("Deployment", "quikedge")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
          .as<int>();
  auto drain = std::chrono::duration_cast<std::chrono::seconds>(cfg.timeouts.shutdown_drain);
  EXPECT_GT(grace, pause + drain.count()) << "SIGKILL would cut the drain short";
}

TEST_F(K8sManifests, ServicesPdbAndHpaPointAtTheDeployment) {
  auto labels = pod_labels();
  for (const char* name : {"quikedge", "quikedge-admin"}) {
    auto service = find("Service", name);
    EXPECT_EQ(service["spec"]["selector"].as<label_map>(), labels) << name;
    for (const auto& port : service["spec"]["ports"]) {
      EXPECT_GT(container_port(port["targetPort"].as<std::string>()), 0) << name;
    }
  }
  EXPECT_EQ(
      find("PodDisruptionBudget", "quikedge")["spec"]["selector"]["matchLabels"].as<label_map>(),
      labels);
  auto hpa = find("HorizontalPodAutoscaler", "quikedge")["spec"];
  EXPECT_EQ(hpa["scaleTargetRef"]["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(hpa["scaleTargetRef"]["name"].as<std::string>(), "quikedge");
  EXPECT_GE(hpa["minReplicas"].as<int>(), 2) << "one replica is a single point of failure";
}

TEST_F(K8sManifests, AdminPortOpenOnlyToTheControllerNamespace) {
  config cfg = loaded();
  auto rules = find("NetworkPolicy", "quikedge")["spec"]["ingress"];
  bool admin_rule = false;
  for (const auto& rule : rules) {
    for (const auto& port : rule["ports"]) {
      if (port["port"].as<int>() != cfg.admin.bind.port) {
        continue;
      }
      admin_rule = true;
      ASSERT_TRUE(rule["from"]) << "the admin port must not be open to everyone";
      bool controllers = false;
      for (const auto& peer : rule["from"]) {
        controllers = controllers || peer["namespaceSelector"];
      }
      EXPECT_TRUE(controllers);
    }
  }
  EXPECT_TRUE(admin_rule);
}

TEST_F(K8sManifests, StateStoreEndpointsAreTheEtcdStatefulSetsMembers) {
  config cfg = loaded();
  EXPECT_EQ(cfg.state.backend, state_backend::etcd);
  auto set = find("StatefulSet", "etcd");
  const int members = set["spec"]["replicas"].as<int>();
  EXPECT_EQ(members, 3);
  const std::string service = set["spec"]["serviceName"].as<std::string>();
  const std::string ns = set["metadata"]["namespace"].as<std::string>();
  ASSERT_EQ(static_cast<int>(cfg.state.etcd.endpoints.size()), members);
  for (int i = 0; i < members; ++i) {
    EXPECT_EQ(cfg.state.etcd.endpoints[i].host,
              "etcd-" + std::to_string(i) + "." + service + "." + ns + ".svc.cluster.local");
    EXPECT_EQ(cfg.state.etcd.endpoints[i].port, 2379);
  }
  EXPECT_TRUE(find("Service", service)["spec"]["clusterIP"].as<std::string>() == "None");
}

TEST(ComposeFile, TwoReplicasShareAThreeMemberEtcd) {
  YAML::Node services = YAML::LoadFile(source_path("docker/compose.yaml"))["services"];
  const std::string config_path = source_path("docker/quikedge.compose.yaml");
  auto check = run_command({bin_path("quikedge"), "--check-config", config_path});
  EXPECT_EQ(check.exit_status, 0) << check.out << check.err;
  auto cfg = load_config_file(config_path).value.value_or(config{});
  EXPECT_EQ(cfg.state.backend, state_backend::etcd);
  ASSERT_EQ(cfg.state.etcd.endpoints.size(), 3u);
  for (const auto& member : cfg.state.etcd.endpoints) {
    EXPECT_TRUE(services[member.host]) << member.host << " is no compose service";
  }
  for (const char* replica : {"quikedge-a", "quikedge-b"}) {
    auto command = services[replica]["command"].as<std::vector<std::string>>();
    ASSERT_EQ(command.size(), 2u) << replica;
    // The volume puts quikedge.compose.yaml exactly where --config looks.
    auto volume = services[replica]["volumes"][0].as<std::string>();
    EXPECT_NE(volume.find("quikedge.compose.yaml:" + command[1] + ":ro"), std::string::npos)
        << replica << ": " << volume;
  }
}

}  // namespace
}  // namespace quikedge::test
