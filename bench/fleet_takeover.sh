#!/usr/bin/env bash
# Rollout leader takeover (issue 12): a 3-member etcd, three quikedge replicas
# with lease_ttl LEASE_TTL, a rollout running with a long pause. KILLS times the
# leader replica is SIGKILLed; for each, the time until another replica drives
# the rollout (GET /api/v1/fleet "rollout_leader"), then the killed one is started
# again. Also STOPS clean stops (SIGTERM: the leader revokes its lease). Prints
# each and p50/max. Target: takeover after a kill <= lease_ttl + 1 s.
# Environment: KILLS (default 10), STOPS (default 5), LEASE_TTL (s, default 5).
# It starts everything it measures and stops only those PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
kills=${KILLS:-10}
stops=${STOPS:-5}
lease_ttl=${LEASE_TTL:-5}
work=$(mktemp -d /tmp/quikedge-takeover.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools etcd python3
require_bins quikedge quikedge-upstream

start_upstream_pair
start_etcd_cluster
configs=()
for i in 0 1 2; do
  split_config "$(free_port)" "$(free_port)" "stack_response_header: X-QuikEdge-Stack" \
    "state: { backend: etcd, etcd: { endpoints: [$etcd_endpoints], prefix: /bench/takeover, lease_ttl: ${lease_ttl}s, replica_id: r$i } }" \
    "rollout: { steps: [ { weight: 10, pause: 1h }, { weight: 100 } ], gates: { window: 1s, min_requests: 1 } }" \
    >"$work/replica$i.yaml"
  configs+=("$work/replica$i.yaml")
done

echo "fleet_takeover: 3 etcd members, 3 replicas, lease_ttl ${lease_ttl}s, $kills kills, $stops stops, $(nproc) CPUs"
# The replicas are the driver's children: it kills and restarts them, and stops them at the end.
python3 "$here/fleet_takeover.py" "$bin/quikedge" "$kills" "$stops" "$lease_ttl" "${configs[@]}"
