// upstream_exchange, TLS to the upstream: after the TCP connect of a stack
// with `tls:`, the client handshake (SNI, peer verification, resumption of the
// worker's last session with the endpoint). A failed handshake is a failed
// connect: 502 (504 on the connect deadline), retried elsewhere, counted by
// outlier detection. Included by downstream_connection_*.cpp.
#pragma once

#include <boost/asio/ip/address.hpp>

#include "http/upstream_exchange.hpp"
#include "tls/client_context.hpp"
#include "util/log.hpp"

namespace quikedge::http {

template <class Downstream>
bool upstream_exchange<Downstream>::pooled_for_other_tls() const {
  return upstream_->stream.tls_context() != request_.stack().tls.get();
}

template <class Downstream>
void upstream_exchange<Downstream>::start_upstream_tls() {
  auto& context = down_.context();
  const auto& endpoint = req().endpoint();
  const std::string ip = endpoint.tls_name.empty() ? endpoint.address.address().to_string() : "";
  if (!upstream_->stream.start_tls(req().stack().tls, endpoint.tls_name, ip,
                                   context.upstream_sessions, endpoint.id)) {
    log::warn("upstream " + endpoint.name + " of stack " + req().stack().name +
              ": cannot set up TLS (server name \"" + endpoint.tls_name + "\")");
    metrics::bump(
        context.metrics.stack(req().stack().id)
            .upstream_tls_handshakes[static_cast<int>(metrics::upstream_tls_result::failed)]);
    connect_failed();
    return;
  }
  // Still under the connect deadline: connect plus handshake is the connect.
  upstream_->stream.async_handshake(
      [self = down_.keep(), this](const error_code& ec) { on_upstream_handshake(ec); });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_upstream_handshake(const error_code& ec) {
  auto& context = down_.context();
  auto& counters = context.metrics.stack(req().stack().id).upstream_tls_handshakes;
  using result = metrics::upstream_tls_result;
  if (ec) {
    const bool verify = upstream_->stream.verify_failed();
    metrics::bump(counters[static_cast<int>(verify ? result::verify_failed : result::failed)]);
    auto& logged = context.upstream_tls_logged[req().stack().id];
    if (const auto now = clock::now();
        !down_.timed_out() && now - logged >= std::chrono::seconds(1)) {
      logged = now;
      log::warn("upstream " + req().endpoint().name + " of stack " + req().stack().name +
                ": TLS handshake failed: " + upstream_->stream.failure_reason(ec));
    }
    context.upstream_sessions.forget(req().endpoint().id);
    connect_failed();
    return;
  }
  const bool resumed = upstream_->stream.resumed();
  metrics::bump(counters[static_cast<int>(resumed ? result::resumed : result::full)]);
  do_write_request_head();
}

}  // namespace quikedge::http
