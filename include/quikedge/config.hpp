// Plain, typed configuration of one quikedge process, as read from its YAML file.
// Filled by proxy/config/yaml_loader; YAML nodes never leave proxy/config/.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quikedge/ip_range.hpp"

namespace quikedge {

using duration = std::chrono::milliseconds;

/// A host:port pair as written in the config ("127.0.0.1:8080", "[::1]:80", "name:80").
struct address {
  std::string host;
  std::uint16_t port = 0;

  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const address&, const address&) = default;
};

/// One certificate chain and its key. `server_names` (extension): the SNI
/// names it is chosen for; empty: the certificate's own DNS names (SAN, else CN).
struct tls_certificate_config {
  std::string certificate;
  std::string private_key;
  std::vector<std::string> server_names;
  /// A DER OCSP response for the certificate, stapled to handshakes that ask
  /// for one; empty: none. Read again on reload, like the pair.
  std::string ocsp_staple;
};

enum class tls_version { v1_2, v1_3 };

/// A listener's TLS termination (SPEC 12). The single certificate/private_key
/// form is read as a list of one.
struct tls_config {
  std::vector<tls_certificate_config> certificates;  ///< the first is the default
  tls_version min_version = tls_version::v1_2;
  /// Protocols offered through ALPN, in the server's order of preference. h2
  /// is offered only when the listener serves HTTP/2 (`http2: true`, SPEC 14);
  /// a listener with http2 and no `alpn` in the file offers [h2, http/1.1].
  std::vector<std::string> alpn{"http/1.1"};
  /// Copied from the listener's `http2`: whether h2 may be selected by ALPN.
  bool http2 = false;
  bool session_tickets = true;  ///< extension: stateless resumption (keys rotate hourly)
  /// Written as `certificate:`/`private_key:` rather than a `certificates:`
  /// list; error messages name the keys the way the file does.
  bool single_pair = false;
};

struct listener_config {
  std::string name;
  address bind;
  std::optional<tls_config> tls;
  /// Every connection starts with a PROXY protocol v1 or v2 header (as an AWS NLB sends);
  /// the address in it is the client's, and a connection without one is closed.
  bool proxy_protocol = false;
  /// SPEC 14: HTTP/2 too, h2 through ALPN on TLS, h2c with prior knowledge on
  /// plain listeners; HTTP/1.1 is still served on the same port.
  bool http2 = false;
};

enum class role { readonly = 0, operator_ = 1, admin = 2 };

struct admin_token {
  std::string name;
  role token_role = role::readonly;
  std::string token_sha256;  ///< 64 lower-case hex characters
};

struct admin_config {
  address bind{"127.0.0.1", 9901};
  std::vector<admin_token> tokens;
  std::string audit_log;  ///< empty: no audit file
  std::size_t max_body_bytes = 65536;
};

struct health_check_config {
  std::string path = "/health";
  duration interval{2000};
  duration timeout{1000};
  int healthy_threshold = 2;
  int unhealthy_threshold = 3;
};

/// Passive outlier detection: an endpoint that fails this many times in a row
/// (connect failures, resets, 5xx) is ejected for a backoff that doubles on
/// every repeat, up to max_ejection.
struct outlier_detection_config {
  unsigned consecutive_failures = 5;
  duration base_ejection{10000};
  duration max_ejection{300000};
  bool eject_last_endpoint = false;  ///< may the last usable endpoint of a stack go
};

enum class load_balancer { round_robin, least_request };

/// TLS from the proxy to a stack's endpoints (`stacks.NAME.tls`).
struct upstream_tls_config {
  std::string
      ca;  ///< PEM CA bundle that signs the endpoints' certificates; empty: the system store
  std::string sni;  ///< server name sent and verified; empty: the endpoint's host when it is a name
  /// Verify the chain and the name. Off: the connection is encrypted but not
  /// authenticated (anyone on the path can impersonate the upstream).
  bool verify = true;
};
/// How the proxy speaks to a stack's endpoints (SPEC 14).
enum class upstream_protocol { http1, h2c };

struct stack_config {
  std::string name;
  std::vector<address> endpoints;
  std::optional<health_check_config> health_check;
  std::optional<outlier_detection_config> outlier_detection;
  load_balancer balancer = load_balancer::round_robin;
  std::optional<upstream_tls_config> tls;  ///< none: plain TCP to the endpoints
  upstream_protocol protocol = upstream_protocol::http1;
};

struct sticky_config {
  std::string cookie;  ///< empty: no sticky cookie
  duration cookie_ttl{3600 * 1000};
  enum class key_source { none, header, cookie };
  key_source hash_source = key_source::none;
  std::string hash_name;  ///< header or cookie name for hash_key
};

struct websocket_config {
  duration drain_timeout{30000};
  duration rollback_drain_timeout{0};
  duration idle_timeout{3600 * 1000};  ///< extension: a tunnel with no bytes either way closes
};

struct routing_config {
  /// Stack name → weight; every configured stack appears (missing ones default to 0).
  std::map<std::string, std::uint32_t> weights;
  std::string override_header;
  std::string stack_response_header;
  sticky_config sticky;
  websocket_config websocket;
};

struct timeouts_config {
  duration connect{2000};
  duration request_header{10000};
  duration idle{60000};
  duration upstream_response{30000};
  /// Extension: a TLS handshake not finished by then is dropped, so half-open
  /// or garbage connections cannot hold a slot for the whole header timeout.
  duration tls_handshake{5000};
  /// SIGTERM or a binary upgrade: in-flight requests finish and
  /// WebSockets close with 1001, spread over this window; then the process exits.
  duration shutdown_drain{10000};
};

struct limits_config {
  std::size_t max_request_header_bytes = 65536;
  std::uint64_t max_request_body_bytes = 10 * 1024 * 1024;
  std::size_t max_connections = 100000;
  /// SPEC 14: SETTINGS_MAX_CONCURRENT_STREAMS of each HTTP/2 connection.
  std::size_t max_concurrent_streams = 128;
};

struct rollout_step {
  std::uint32_t weight = 0;
  duration pause{0};
};

struct rollout_gates {
  duration window{60000};
  std::uint64_t min_requests = 200;
  double max_error_rate = 0.001;
  duration max_p99_latency{500};
};

struct rollout_config {
  std::vector<rollout_step> steps{
      {10, duration{300000}}, {50, duration{600000}}, {100, duration{0}}};
  rollout_gates gates;
  std::string state_file;
};

/// Retries of requests that failed before any response byte reached the client.
struct retry_config {
  unsigned attempts = 2;      ///< extra tries after the first
  double budget_ratio = 0.2;  ///< retries may add at most this share of load
};

/// JSON-lines access log, written off the hot path. Off when path is empty.
/// Where the live routing state (weights, version, who changed them,
/// the rollback target, drain windows) survives a restart.
enum class state_backend { file, etcd };

/// TLS to the etcd members (`https://` endpoints), and the client certificate
/// members started with `--client-cert-auth` ask for.
struct etcd_tls_config {
  std::string ca;  ///< PEM CA bundle that signs the members' certificates; empty: the system store
  /// The client certificate and its key; both empty: none is presented. The
  /// gateway refuses certificates with a CommonName, so this one names its
  /// holder in other fields (etcd maps a CN onto a user only over gRPC).
  std::string certificate;
  std::string private_key;
  std::string sni;  ///< server name sent and verified; empty: the endpoint's host
  bool verify = true;
};

/// The etcd backend: the fleet's shared state lives under `prefix`.
struct etcd_config {
  std::vector<address> endpoints;  ///< members' JSON gateways
  bool use_tls = false;            ///< the endpoints are https:// (all or none)
  /// Present when the file has `tls:`; https:// without it: the system CA store.
  std::optional<etcd_tls_config> tls;
  /// etcd's own authentication (`etcdctl auth enable`): the user quikedge
  /// authenticates as, and the file its password is read from each time it
  /// does (a rotated Kubernetes secret is picked up without a restart). Both
  /// empty: no authentication.
  std::string username;
  std::string password_file;
  std::string prefix = "/quikedge/live";
  duration lease_ttl{5000};  ///< replica liveness
  /// Empty in the file: hostname:admin-port, filled in by the loader (for
  /// either backend: GET /api/v1/fleet names this replica by it).
  std::string replica_id;
};

struct state_config {
  state_backend backend = state_backend::file;
  /// The file backend's file; empty: CONFIG.state.json beside the config file.
  std::string file;
  etcd_config etcd;
};

struct access_log_config {
  std::string path;
  double sample_rate = 1.0;  ///< share of requests logged, 0..1
};

/// `automatic` is the config's `auto`: io_uring where this process may use it.
enum class io_backend { automatic, epoll, io_uring };
enum class log_level { debug, info, warn, error };

struct config {
  std::string source_file;  ///< path the config was read from ("" for built-in ones)
  std::string environment = "live";
  unsigned workers = 0;  ///< 0: one per core
  io_backend backend = io_backend::automatic;
  log_level level = log_level::warn;
  std::vector<listener_config> listeners;
  admin_config admin;
  std::vector<stack_config> stacks;  ///< in file order (display order)
  routing_config routing;
  timeouts_config timeouts;
  limits_config limits;
  retry_config retries;
  access_log_config access_log;
  rollout_config rollout;
  state_config state;
  /// Peers whose X-Forwarded-For is kept and appended to; any other
  /// peer's is replaced by its address. nullopt (key absent): appended from
  /// everyone. An empty list: trusted from no one.
  std::optional<std::vector<ip_range>> trusted_proxies;
  /// Unix socket of the binary upgrade. Empty: the config file's path
  /// plus ".sock" (or a path under /tmp when that folder is not writable).
  std::string upgrade_socket;

  [[nodiscard]] const stack_config* find_stack(const std::string& name) const;
};

}  // namespace quikedge
