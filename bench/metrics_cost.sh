#!/usr/bin/env bash
# Issue 6 benchmark: the cost of metrics. The same proxy built twice, with request
# metrics recorded and with the recording compiled out (-DQUIKEDGE_METRICS=OFF),
# measured side by side over the same upstreams, interleaved round by round.
# Environment: DURATION (default 5), ROUNDS (default 5). Stops only its own PIDs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
off_dir=${OFF_DIR:-$root/build-nometrics}
duration=${DURATION:-5}
rounds=${ROUNDS:-5}

cmake -S "$root" -B "$off_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUIKEDGE_METRICS=OFF \
  -DQUIKEDGE_BUILD_TESTS=OFF >/dev/null
cmake --build "$off_dir" --target quikedge >/dev/null

work=$(mktemp -d /tmp/quikedge-metrics.XXXXXX)
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
trap finish EXIT

start_upstream_pair taskset -c 1
declare -A port
for variant in on off; do
  port[$variant]=$(free_port)
  split_config "${port[$variant]}" "$(free_port)" >"$work/$variant.yaml"
done
start_logged "$work/on.log" taskset -c 1 "$bin/quikedge" --config "$work/on.yaml"
start_logged "$work/off.log" taskset -c 1 "$off_dir/bin/quikedge" --config "$work/off.yaml"
wait_port "${port[on]}"; wait_port "${port[off]}"

rps() { bench_rps "http://127.0.0.1:$1/"; }
echo "metrics cost: ${duration}s samples, $rounds rounds, 64 connections, one worker"
ratios=()
for round in $(seq 1 "$rounds"); do
  on=$(rps "${port[on]}")
  off=$(rps "${port[off]}")
  ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$ratio")
  printf 'round %d: metrics on %.0f req/s, compiled out %.0f req/s, ratio %s\n' "$round" "$on" "$off" "$ratio"
done
printf 'median ratio (on / off): %s\n' "$(printf '%s\n' "${ratios[@]}" | median)"
