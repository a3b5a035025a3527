// A real etcd cluster (Debian's etcd-server 3.4) on loopback for the tests: N
// members on ports picked free, data in a temporary directory, each member a
// child_process the test can kill by PID and start again with its data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "quikedge/config.hpp"
#include "support/child_process.hpp"

namespace quikedge::test {

/// True when the etcd binary is installed (tests skip with a message otherwise).
bool etcd_available();

/// A cluster serving its clients over TLS (peers stay plain on loopback):
/// the members' pair, the CA that signed it, and, when `client_certificate` is
/// set, `--client-cert-auth` with the client pair the cluster's own calls use.
struct etcd_tls_files {
  std::filesystem::path ca;
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path client_certificate;
  std::filesystem::path client_key;
};

class etcd_cluster {
 public:
  /// Starts `members` members and waits until every one answers. Throws
  /// std::runtime_error with the members' output when they do not within 30 s.
  explicit etcd_cluster(int members = 3, std::optional<etcd_tls_files> tls = std::nullopt);
  ~etcd_cluster();

  etcd_cluster(const etcd_cluster&) = delete;
  etcd_cluster& operator=(const etcd_cluster&) = delete;

  [[nodiscard]] int size() const { return static_cast<int>(members_.size()); }
  [[nodiscard]] std::uint16_t client_port(int member) const;
  [[nodiscard]] std::vector<address> endpoints() const;
  /// "127.0.0.1:P1,127.0.0.1:P2,..." as the proxy's config and flags spell it.
  [[nodiscard]] std::string endpoint_list() const;
  /// "http" or "https".
  [[nodiscard]] std::string scheme() const { return tls_ ? "https" : "http"; }

  /// Turns on etcd's authentication with etcdctl: a root user, and `user`
  /// allowed to read and write the keys under `prefix` only. Throws with
  /// etcdctl's output when a step fails.
  void enable_auth(const std::string& user, const std::string& password, const std::string& prefix);

  /// SIGKILL, reaped; its data stays for start().
  void kill(int member);
  /// Starts killed members again on their ports and data, all at once (a lone
  /// member of three never answers: it has no quorum), and waits until they answer.
  void start(std::initializer_list<int> members);
  [[nodiscard]] bool running(int member) const;
  /// The member's PID (for SIGSTOP/SIGCONT: a member that accepts but does not
  /// answer), or -1 when it is not running.
  [[nodiscard]] pid_t pid(int member) const;

  /// The member the others follow, or -1 when none answers with one.
  [[nodiscard]] int leader() const;
  /// True when `member` answers a status call within a second.
  [[nodiscard]] bool answers(int member) const;

  /// POSTs `body` to the member's gateway path, e.g. ("/v3/kv/put", R"({...})").
  [[nodiscard]] std::string post(int member, const std::string& path,
                                 const std::string& body) const;

 private:
  struct member {
    std::string name;
    std::uint16_t client_port = 0;
    std::uint16_t peer_port = 0;
    std::unique_ptr<child_process> process;
    bool started_once = false;
  };

  void launch(int index);
  void wait_answers(int index);
  /// POSTs through curl (TLS clusters) or the plain test client; the answer's
  /// status (0: none) and body.
  std::pair<int, std::string> call(int member, const std::string& path, const std::string& body,
                                   std::chrono::milliseconds timeout) const;
  void etcdctl(const std::vector<std::string>& args) const;

  std::optional<etcd_tls_files> tls_;

  std::filesystem::path dir_;
  std::string initial_cluster_;
  std::vector<member> members_;
};

}  // namespace quikedge::test
