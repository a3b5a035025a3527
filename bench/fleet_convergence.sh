#!/usr/bin/env bash
# Fleet convergence (issue 12): a 3-member etcd on loopback, three quikedge
# replicas sharing its state, and CHANGES weight changes, each sent to the next
# replica in turn; for each, the time from the PUT being sent until every replica
# routes by the new weights (polled on the data path, keep-alive, by
# bench/fleet_convergence.py). Prints p50/p90/p99/max in ms.
#
# Environment: CHANGES (default 100). It starts everything it measures and stops
# only those PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
changes=${CHANGES:-100}
work=$(mktemp -d /tmp/quikedge-fleet.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools etcd curl python3
require_bins quikedge quikedge-upstream

start_upstream_pair

start_etcd_cluster

http_ports=()
admin_ports=()
for i in 0 1 2; do
  http_ports[i]=$(free_port)
  admin_ports[i]=$(free_port)
  split_config "${http_ports[i]}" "${admin_ports[i]}" "stack_response_header: X-QuikEdge-Stack" \
    "state: { backend: etcd, etcd: { endpoints: [$etcd_endpoints], prefix: /bench/fleet, replica_id: r$i } }" \
    >"$work/replica$i.yaml"
  start_logged "$work/replica$i.log" "$bin/quikedge" --config "$work/replica$i.yaml"
done
for i in 0 1 2; do
  wait_port "${http_ports[i]}"
done

echo "fleet_convergence: 3 etcd members, 3 replicas, $changes changes, $(nproc) CPUs"
python3 "$here/fleet_convergence.py" "$changes" "${admin_ports[*]}" "${http_ports[*]}"
