// The admin address other replicas are told (etcd registration, rollout
// leader key), which is not always the one bound: an admin port bound to
// 0.0.0.0 (every address, as in docker/k8s) must be published as an address a
// peer can dial, or a follower forwarding a rollout call to "0.0.0.0:9901"
// reaches itself.
#pragma once

#include <string>

#include "quikedge/config.hpp"

namespace quikedge::server {

/// `bound` ("host:port") unless its host is a wildcard (0.0.0.0, ::); then the
/// local address this machine reaches the first etcd member from (with the
/// file backend, or when that fails: the host name), with the same port.
std::string advertised_admin_address(const std::string& bound, const config& settings);

}  // namespace quikedge::server
