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

# etcd: three members, short heartbeats as on a LAN.
cluster=""
endpoints=""
declare -a client_ports peer_ports
for i in 0 1 2; do
  client_ports[i]=$(free_port)
  peer_ports[i]=$(free_port)
  cluster+="${cluster:+,}m$i=http://127.0.0.1:${peer_ports[i]}"
  endpoints+="${endpoints:+, }\"http://127.0.0.1:${client_ports[i]}\""
done
for i in 0 1 2; do
  start_logged "$work/etcd$i.log" etcd --name "m$i" --data-dir "$work/etcd$i" \
    --listen-client-urls "http://127.0.0.1:${client_ports[i]}" \
    --advertise-client-urls "http://127.0.0.1:${client_ports[i]}" \
    --listen-peer-urls "http://127.0.0.1:${peer_ports[i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${peer_ports[i]}" \
    --initial-cluster "$cluster" --initial-cluster-state new \
    --initial-cluster-token "$(basename "$work")" \
    --heartbeat-interval 50 --election-timeout 500 --log-level warn --logger zap
done

http_ports=()
admin_ports=()
for i in 0 1 2; do
  http_ports[i]=$(free_port)
  admin_ports[i]=$(free_port)
  split_config "${http_ports[i]}" "${admin_ports[i]}" "stack_response_header: X-QuikEdge-Stack" \
    "state: { backend: etcd, etcd: { endpoints: [$endpoints], prefix: /bench/fleet, replica_id: r$i } }" \
    >"$work/replica$i.yaml"
  start_logged "$work/replica$i.log" "$bin/quikedge" --config "$work/replica$i.yaml"
done
for i in 0 1 2; do
  wait_port "${http_ports[i]}"
done

echo "fleet_convergence: 3 etcd members, 3 replicas, $changes changes, $(nproc) CPUs"
python3 "$here/fleet_convergence.py" "$changes" "${admin_ports[*]}" "${http_ports[*]}"
