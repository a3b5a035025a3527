// Per-worker TLS handshake counters of one listener: completed handshakes by
// version and resumption, failures by reason. Written by the owning worker
// only (metrics::bump), summed at scrape.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quikedge::metrics {

/// Listeners beyond this index are not counted (a config rarely has more
/// than two or three TLS listeners; the block stays a fixed array).
inline constexpr std::size_t max_tls_listeners = 16;

/// Why a handshake did not complete. Order = label order on /metrics.
enum class handshake_failure : std::uint8_t {
  timeout,               ///< timeouts.tls_handshake passed (half-open, slowloris)
  closed,                ///< the client went away mid-handshake
  plain_http,            ///< an HTTP request sent to the TLS port
  protocol_version,      ///< TLS 1.0/1.1 or below min_version
  no_shared_cipher,      ///< no common cipher suite, group or signature scheme
  certificate_rejected,  ///< the client refused our certificate (alert: unknown CA...)
  malformed,             ///< anything else: garbage bytes, bad records
};
inline constexpr std::size_t handshake_failure_count = 7;
inline constexpr std::array<std::string_view, handshake_failure_count> handshake_failure_names = {
    "timeout",          "closed",           "plain_http",
    "protocol_version", "no_shared_cipher", "certificate_rejected",
    "malformed"};

struct alignas(64) tls_listener_counters {
  std::array<std::atomic<std::uint64_t>, 2> full{};     ///< [0] TLS 1.2, [1] TLS 1.3
  std::array<std::atomic<std::uint64_t>, 2> resumed{};  ///< same, session resumed
  std::array<std::atomic<std::uint64_t>, handshake_failure_count> failures{};
};

}  // namespace quikedge::metrics
