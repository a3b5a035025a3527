#!/usr/bin/env bash
# Rollback time of a gated rollout: from the moment the target stack starts to
# fail to the moment all weight is back on the old stack, with a 10 s gate
# window, printed beside the seed's blue-green-switch.sh, which waits a fixed
# 5 + 10 minutes before it looks at any metric.
#
# Each run: blue and green quikedge-upstreams, quikedge with a rollout (10% for
# 10 minutes, then 50%, 100%), steady keep-alive load from quikedge-bench, a
# rollout to green, one full window of healthy traffic at 10% (the worst case:
# the window is diluted with good requests), then the failure:
#   errors  green answers 2% 5xx (2% of the requests go to /status/500)
#   slow    2% of green's answers take 800 ms (p99 gate, 500 ms)
#   crash   the green upstream is SIGKILLed; the proxy fails its requests over
#           to blue at once, so green's own counters go quiet and the health
#           gate decides (checks every 500 ms, unhealthy after 2 failures)
# and polls GET /api/v1/rollout every 20 ms until the rollout is rolled_back and
# GET /api/v1/state shows green at 0.
#
# Environment: BIN_DIR (default build/bin), RUNS (per scenario, default 3),
# RATE (req/s of the steady load, default 1000), SCENARIOS (default
# "errors slow crash"). Only loopback; it stops only the PIDs it started.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
runs=${RUNS:-3}
rate=${RATE:-1000}
scenarios=${SCENARIOS:-"errors slow crash"}
window_s=10
work=$(mktemp -d /tmp/quikedge-rollback.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools curl
require_bins quikedge quikedge-upstream quikedge-bench

now_ms() { date +%s%3N; }

# wait_line FILE PREFIX: prints the port at the end of the first line starting with PREFIX.
wait_line() {
  for _ in $(seq 1 200); do
    local line
    line=$(grep -m1 "^$2" "$1" 2>/dev/null || true)
    if [ -n "$line" ]; then echo "${line##*:}"; return 0; fi
    sleep 0.05
  done
  echo "rollback_time: no \"$2\" line in $1" >&2
  cat "$1" >&2
  return 1
}

run_once() {  # run_once SCENARIO RUN; prints "MS REASON"
  local scenario=$1 run=$2 dir="$work/$1-$2"
  mkdir -p "$dir"
  start_logged "$dir/blue.log" "$bin/quikedge-upstream" --listen 127.0.0.1:0 --name blue
  start_logged "$dir/green.log" "$bin/quikedge-upstream" --listen 127.0.0.1:0 --name green
  local green_pid=${pids[-1]}
  local blue_port green_port
  blue_port=$(wait_line "$dir/blue.log" "listening on")
  green_port=$(wait_line "$dir/green.log" "listening on")
  cat >"$dir/quikedge.yaml" <<EOF
environment: bench
workers: 2
listeners:
  - name: http
    address: "127.0.0.1:0"
admin:
  address: "127.0.0.1:0"
stacks:
  blue:
    endpoints: ["127.0.0.1:$blue_port"]
  green:
    endpoints: ["127.0.0.1:$green_port"]
    health_check: { path: /health, interval: 500ms, timeout: 250ms,
                    healthy_threshold: 2, unhealthy_threshold: 2 }
routing:
  weights: { blue: 100, green: 0 }
rollout:
  steps: [ { weight: 10, pause: 10m }, { weight: 50, pause: 10m }, { weight: 100 } ]
  gates: { window: ${window_s}s, min_requests: 100, max_error_rate: 0.001, max_p99_latency: 500ms }
EOF
  start_logged "$dir/quikedge.log" "$bin/quikedge" --config "$dir/quikedge.yaml"
  local http admin
  http=$(wait_line "$dir/quikedge.log" "quikedge: listener http on")
  admin="http://127.0.0.1:$(wait_line "$dir/quikedge.log" "quikedge: admin on")"
  start_logged "$dir/load.log" "$bin/quikedge-bench" --url "http://127.0.0.1:$http/" \
    --duration 60 --rate "$rate" --connections 16
  sleep 1
  curl -sf -X POST -H 'Content-Type: application/json' -d '{"to":"green"}' \
    "$admin/api/v1/rollout" >/dev/null
  sleep $((window_s + 2))  # a full window of healthy traffic at 10%
  curl -s "$admin/api/v1/rollout" | grep -q '"state":"progressing"' ||
    { echo "rollback_time: the rollout is not progressing before the failure" >&2; return 1; }

  local fault_rate=$((rate * 2 / 100)) start
  start=$(now_ms)
  case $scenario in
    errors) "$bin/quikedge-bench" --url "http://127.0.0.1:$http/status/500" --duration 30 \
              --rate "$fault_rate" --connections 4 >"$dir/fault.log" 2>&1 & pids+=($!) ;;
    slow) "$bin/quikedge-bench" --url "http://127.0.0.1:$http/delay/800" --duration 30 \
            --rate "$fault_rate" --connections 64 >"$dir/fault.log" 2>&1 & pids+=($!) ;;
    crash) kill -9 "$green_pid" ;;
  esac
  local status="" deadline=$((start + 60000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    status=$(curl -s "$admin/api/v1/rollout")
    if [[ $status == *'"state":"rolled_back"'* ]] &&
       curl -s "$admin/api/v1/state" | grep -q '"weights":{"blue":100,"green":0}'; then
      local took=$(($(now_ms) - start)) reason
      reason=$(sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' <<<"$status")
      stop_started
      echo "$took $reason"
      return 0
    fi
    sleep 0.02
  done
  stop_started
  echo "rollback_time: no rollback within 60 s ($scenario): $status" >&2
  return 1
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

echo "rollback time: failure on the target -> all weight restored (window ${window_s}s, min_requests 100, load ${rate} req/s, 10% on green)"
printf '%-8s %-4s %9s  %s\n' scenario run ms reason
declare -A results
for scenario in $scenarios; do
  for run in $(seq 1 "$runs"); do
    out=$(run_once "$scenario" "$run")
    printf '%-8s %-4s %9s  %s\n' "$scenario" "$run" "${out%% *}" "${out#* }"
    results[$scenario]+="${out%% *} "
  done
done
echo
printf '%-44s %s\n' "quikedge, median of $runs runs:" ""
for scenario in $scenarios; do
  ms=$(tr ' ' '\n' <<<"${results[$scenario]}" | grep . | median)
  printf '  %-42s %6.2f s  (target <= window + 1 s = %d s)\n' "$scenario" \
    "$(awk "BEGIN {print $ms / 1000}")" $((window_s + 1))
done
printf '%-44s %s\n' "seed blue-green-switch.sh:" "fixed sleeps of 300 s + 600 s = 900 s (15 min);"
printf '%-44s %s\n' "" "a failure at 10% is looked at after up to 300 s, at 50% after up to 600 s,"
printf '%-44s %s\n' "" "then validate-metrics.sh and rollback-traffic.sh, then DNS TTLs and client caches."
