#!/usr/bin/env bash
# Throughput of one fleet replica while the weights change through etcd 20 times a
# second (issue 12): a 3-member etcd, replica A (measured: CPU 1 with the
# upstreams) and replica B (takes the changes: CPU 0 with etcd and the load
# client). A applies every change from its watch, as a replica behind a load
# balancer does when a controller talks to another one. Steady and churning
# samples alternate round by round; prints each ratio and their median, A's CPU
# time per request in each (a cost the machine's noise does not move much), and
# how many versions A applied during the churn.
# Environment: DURATION (s per sample, default 5), ROUNDS (default 5).
# It starts everything it measures and stops only those PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
duration=${DURATION:-5}
rounds=${ROUNDS:-5}
work=$(mktemp -d /tmp/quikedge-churn.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools etcd python3 taskset
require_bins quikedge quikedge-upstream quikedge-bench

start_upstream_pair taskset -c 1
start_etcd_cluster
port_a=$(free_port); admin_a=$(free_port); port_b=$(free_port); admin_b=$(free_port)
state="state: { backend: etcd, etcd: { endpoints: [$etcd_endpoints], prefix: /bench/churn, replica_id: REPLICA } }"
split_config "$port_a" "$admin_a" "stack_response_header: X-QuikEdge-Stack" "${state/REPLICA/a}" >"$work/a.yaml"
split_config "$port_b" "$admin_b" "stack_response_header: X-QuikEdge-Stack" "${state/REPLICA/b}" >"$work/b.yaml"
start_logged "$work/a.log" taskset -c 1 "$bin/quikedge" --config "$work/a.yaml"
pid_a=${pids[-1]}  # taskset execs quikedge: the same process
start_logged "$work/b.log" taskset -c 0 "$bin/quikedge" --config "$work/b.yaml"
wait_port "$port_a"
wait_port "$port_b"

churn() {  # 20 changes a second through replica B until killed, one keep-alive connection
  exec taskset -c 0 /usr/bin/python3 -c '
import http.client, json, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
i = 0
next_at = time.monotonic()
while True:
    w = {"blue": 90, "green": 10} if i % 2 else {"blue": 10, "green": 90}
    c.request("PUT", "/api/v1/weights", json.dumps({"weights": w}), {"Content-Type": "application/json"})
    c.getresponse().read()
    i += 1
    next_at += 0.05
    time.sleep(max(0.0, next_at - time.monotonic()))
' "$admin_b"
}

version_of_a() {
  python3 -c '
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/api/v1/state")
print(json.loads(c.getresponse().read())["version"])' "$admin_a"
}

rps() { bench_rps "http://127.0.0.1:$port_a/"; }

cpu_ticks_a() { awk '{ print $14 + $15 }' "/proc/$pid_a/stat"; }

# us_per_request TICKS RPS: A's CPU microseconds per request over one sample.
us_per_request() {
  awk -v t="$1" -v r="$2" -v d="$duration" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.2f", t / hz * 1e6 / (r * d) }'
}

echo "fleet weight churn: replica A's req/s, steady vs 20 changes/s through etcd (made on B)"
echo "${duration}s samples, $rounds rounds, $(nproc) CPUs"
ratios=()
cost_ratios=()
for round in $(seq 1 "$rounds"); do
  t0=$(cpu_ticks_a)
  steady=$(rps)
  t1=$(cpu_ticks_a)
  before=$(version_of_a)
  churn &
  churn_pid=$!
  t2=$(cpu_ticks_a)
  changing=$(rps)
  t3=$(cpu_ticks_a)
  kill "$churn_pid"; wait "$churn_pid" 2>/dev/null || true
  applied=$(( $(version_of_a) - before ))
  ratio=$(awk -v a="$changing" -v b="$steady" 'BEGIN { printf "%.3f", a / b }')
  steady_us=$(us_per_request $((t1 - t0)) "$steady")
  changing_us=$(us_per_request $((t3 - t2)) "$changing")
  ratios+=("$ratio")
  cost_ratios+=("$(awk -v a="$changing_us" -v b="$steady_us" 'BEGIN { printf "%.3f", a / b }')")
  printf 'round %d: steady %.0f req/s %s us CPU/req, churning %.0f req/s %s us CPU/req, ratio %s (A applied %d versions)\n' \
    "$round" "$steady" "$steady_us" "$changing" "$changing_us" "$ratio" "$applied"
done
printf 'median req/s ratio (churning / steady): %s\n' "$(printf '%s\n' "${ratios[@]}" | median)"
printf 'median CPU per request ratio (churning / steady): %s\n' \
  "$(printf '%s\n' "${cost_ratios[@]}" | median)"
