// etcd members as child processes: fixed flags, fresh ports, polled until they
// answer on their gateway.
#include "support/etcd_cluster.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "support/eventually.hpp"
#include "support/http_client.hpp"

namespace quikedge::test {
namespace {

constexpr const char* etcd_binary = "/usr/bin/etcd";

constexpr const char* etcdctl_binary = "/usr/bin/etcdctl";

std::string loopback_url(std::uint16_t port, const char* scheme = "http") {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port);
}

}  // namespace

bool etcd_available() {
  return ::access(etcd_binary, X_OK) == 0;
}

etcd_cluster::etcd_cluster(int count, std::optional<etcd_tls_files> tls) : tls_(std::move(tls)) {
  static int clusters = 0;
  dir_ = std::filesystem::temp_directory_path() /
         ("quikedge-etcd-" + std::to_string(::getpid()) + "-" + std::to_string(++clusters));
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  for (int i = 0; i < count; ++i) {
    member m;
    m.name = std::string(1, static_cast<char>('a' + i));  // members a, b, c
    m.client_port = unused_port();
    m.peer_port = unused_port();
    if (i > 0) {
      initial_cluster_ += ',';
    }
    initial_cluster_ += m.name + "=" + loopback_url(m.peer_port);
    members_.push_back(std::move(m));
  }
  for (int i = 0; i < count; ++i) {
    launch(i);
  }
  for (int i = 0; i < count; ++i) {
    wait_answers(i);
  }
}

etcd_cluster::~etcd_cluster() {
  for (auto& m : members_) {
    m.process.reset();  // SIGTERM then SIGKILL, by PID
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void etcd_cluster::launch(int index) {
  member& m = members_[index];
  std::vector<std::string> argv = {
      etcd_binary,
      "--name",
      m.name,
      "--data-dir",
      (dir_ / m.name).string(),
      "--listen-client-urls",
      loopback_url(m.client_port, tls_ ? "https" : "http"),
      "--advertise-client-urls",
      loopback_url(m.client_port, tls_ ? "https" : "http"),
      "--listen-peer-urls",
      loopback_url(m.peer_port),
      "--initial-advertise-peer-urls",
      loopback_url(m.peer_port),
      "--initial-cluster",
      initial_cluster_,
      "--initial-cluster-state",
      m.started_once ? "existing" : "new",
      "--initial-cluster-token",
      dir_.filename().string(),
      // Loopback: short heartbeats so a leader's death is noticed in about a second,
      // but an election timeout long enough that a CI machine busy with sanitizer
      // builds does not miss heartbeats and start elections nobody asked for.
      "--heartbeat-interval",
      "100",
      "--election-timeout",
      "1000",
      "--log-level",
      "warn",
      "--logger",
      "zap",
  };
  if (tls_) {
    argv.insert(argv.end(), {"--cert-file", tls_->certificate.string(), "--key-file",
                             tls_->private_key.string(), "--trusted-ca-file", tls_->ca.string()});
    if (!tls_->client_certificate.empty()) {
      argv.emplace_back("--client-cert-auth");
    }
  }
  m.process = std::make_unique<child_process>(child_process::options{argv, {}});
  m.started_once = true;
}

void etcd_cluster::wait_answers(int index) {
  auto result = eventually([&] { return answers(index); }, std::chrono::seconds(30),
                           "etcd member " + members_[index].name + " answering");
  if (!result) {
    throw std::runtime_error(std::string(result.message()) + "\n" +
                             members_[index].process->stderr_text());
  }
}

std::uint16_t etcd_cluster::client_port(int member) const {
  return members_.at(member).client_port;
}

std::vector<address> etcd_cluster::endpoints() const {
  std::vector<address> out;
  for (const auto& m : members_) {
    out.push_back({"127.0.0.1", m.client_port});
  }
  return out;
}

std::string etcd_cluster::endpoint_list() const {
  std::string out;
  for (const auto& m : members_) {
    if (!out.empty()) {
      out += ',';
    }
    out += "127.0.0.1:" + std::to_string(m.client_port);
  }
  return out;
}

void etcd_cluster::kill(int member) {
  auto& m = members_.at(member);
  if (m.process) {
    ::kill(m.process->pid(), SIGKILL);
    m.process->wait_exit(deadline_in(std::chrono::seconds(10)));
    m.process.reset();
  }
}

void etcd_cluster::start(std::initializer_list<int> members) {
  for (int member : members) {
    if (!members_.at(member).process) {
      launch(member);
    }
  }
  for (int member : members) {
    wait_answers(member);
  }
}

bool etcd_cluster::running(int member) const {
  return members_.at(member).process != nullptr;
}

pid_t etcd_cluster::pid(int member) const {
  return members_.at(member).process ? members_.at(member).process->pid() : -1;
}

bool etcd_cluster::answers(int member) const {
  if (!members_.at(member).process) {
    return false;
  }
  auto [status, body] = call(member, "/v3/maintenance/status", "{}", std::chrono::seconds(1));
  return status == 200 && body.find("\"leader\"") != std::string::npos;
}

std::pair<int, std::string> etcd_cluster::call(int member, const std::string& path,
                                               const std::string& body,
                                               std::chrono::milliseconds timeout) const {
  if (!tls_) {
    http_client client;
    if (!client.connect(members_.at(member).client_port, timeout)) {
      return {0, {}};
    }
    auto res = client.post(path, body, {}, timeout);
    return {res.status, res.body};
  }
  // The test's own HTTP client is plain; curl speaks TLS with the client pair.
  std::vector<std::string> argv = {"/usr/bin/curl",
                                   "-s",
                                   "--max-time",
                                   std::to_string(std::max<long>(1, timeout.count() / 1000)),
                                   "--cacert",
                                   tls_->ca.string(),
                                   "-w",
                                   "\n%{http_code}"};
  if (!tls_->client_certificate.empty()) {
    argv.insert(argv.end(),
                {"--cert", tls_->client_certificate.string(), "--key", tls_->client_key.string()});
  }
  argv.insert(argv.end(),
              {"-d", body, loopback_url(members_.at(member).client_port, "https") + path});
  auto result = run_command(argv, timeout + std::chrono::seconds(2));
  auto last = result.out.rfind('\n');
  if (last == std::string::npos) {
    return {0, {}};
  }
  return {std::atoi(result.out.c_str() + last + 1), result.out.substr(0, last)};
}

void etcd_cluster::etcdctl(const std::vector<std::string>& args) const {
  std::string endpoints;
  for (const auto& m : members_) {
    endpoints +=
        (endpoints.empty() ? "" : ",") + loopback_url(m.client_port, tls_ ? "https" : "http");
  }
  std::vector<std::string> argv = {etcdctl_binary, "--endpoints", endpoints, "--user",
                                   "root:root-test-password"};
  if (tls_) {
    argv.insert(argv.end(), {"--cacert", tls_->ca.string()});
    if (!tls_->client_certificate.empty()) {
      argv.insert(argv.end(), {"--cert", tls_->client_certificate.string(), "--key",
                               tls_->client_key.string()});
    }
  }
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run_command(argv, std::chrono::seconds(20));
  if (result.exit_status != 0) {
    throw std::runtime_error("etcdctl " + args.front() + " failed: " + result.out + result.err);
  }
}

void etcd_cluster::enable_auth(const std::string& user, const std::string& password,
                               const std::string& prefix) {
  // Before `auth enable` the --user flag is ignored; after it, root signs in.
  etcdctl({"user", "add", "root:root-test-password"});
  etcdctl({"user", "grant-role", "root", "root"});
  etcdctl({"user", "add", user + ":" + password});
  etcdctl({"role", "add", user + "-role"});
  etcdctl({"role", "grant-permission", user + "-role", "--prefix=true", "readwrite", prefix});
  etcdctl({"user", "grant-role", user, user + "-role"});
  etcdctl({"auth", "enable"});
}

int etcd_cluster::leader() const {
  for (int i = 0; i < size(); ++i) {
    if (!members_[i].process) {
      continue;
    }
    auto [status, body] = call(i, "/v3/maintenance/status", "{}", std::chrono::seconds(1));
    auto member_at = body.find("\"member_id\":\"");
    auto leader_at = body.find("\"leader\":\"");
    if (status != 200 || member_at == std::string::npos || leader_at == std::string::npos) {
      continue;
    }
    auto value = [&](std::size_t at, std::size_t skip) {
      auto begin = at + skip;
      return body.substr(begin, body.find('"', begin) - begin);
    };
    if (value(member_at, 13) == value(leader_at, 10)) {
      return i;
    }
  }
  return -1;
}

std::string etcd_cluster::post(int member, const std::string& path, const std::string& body) const {
  return call(member, path, body, std::chrono::seconds(5)).second;
}

}  // namespace quikedge::test
