#!/usr/bin/env bash
# WebSocket benchmark (issue 3, numbers in docs/websocket.md):
#  1. memory: CONNECTIONS idle WebSockets held open through quikedge; the proxy's RSS
#     per connection = (RSS with them open - RSS before) / CONNECTIONS (target <= 10 KiB);
#  2. throughput: echo of binary messages through quikedge vs straight to the upstream,
#     interleaved round by round (direct, proxy, direct, proxy ...) and reported as
#     medians with the proxy/direct ratio, because rates on a shared machine move a lot
#     between samples.
# Everything runs on 127.0.0.1: quikedge-upstream (/ws echo), quikedge with one stack,
# quikedge-bench --websocket. It starts what it measures and stops only those PIDs.
#
# Environment:
#   BIN_DIR      binaries (default build/bin)
#   CONNECTIONS  idle WebSockets (default 10000, lowered to what the fd limit allows:
#                the proxy holds 2 descriptors per WebSocket, client and upstream side)
#   HOLD         seconds the idle WebSockets are held (default 5)
#   WORKERS      proxy worker threads (default 1)
#   SIZES        message sizes for the throughput part (default "64 4096 65536")
#   ECHO_CONNS   WebSockets for the throughput part (default 64)
#   DURATION     seconds per throughput sample (default 5)
#   ROUNDS       rounds per size (default 3)
#   SKIP_IDLE=1 / SKIP_ECHO=1  run only one part
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
hold=${HOLD:-5}
workers=${WORKERS:-1}
sizes=${SIZES:-"64 4096 65536"}
echo_conns=${ECHO_CONNS:-64}
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/quikedge-ws-bench.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_bins quikedge quikedge-upstream quikedge-bench
require_tools curl

# Every process started from here inherits the raised limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fd_limit=$(ulimit -n)
wanted=${CONNECTIONS:-10000}
# The proxy needs 2 fds per WebSocket plus listeners, epoll, timers, logs: keep 100 spare.
fit=$(( (fd_limit - 100) / 2 ))
connections=$wanted
if [ "$connections" -gt "$fit" ]; then
  connections=$fit
  echo "websocket_idle: fd limit $fd_limit (hard) fits $fit WebSockets through the proxy" \
       "(2 fds each), not $wanted: measuring $connections"
fi

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

up_port=$(free_port)
start_logged "$work/upstream.log" "$bin/quikedge-upstream" --listen "127.0.0.1:$up_port" --name blue
wait_url "http://127.0.0.1:$up_port/health"

qe_port=$(free_port)
qe_admin=$(free_port)
cat >"$work/quikedge.yaml" <<EOF
workers: $workers
log_level: warn
listeners: [{ name: http, address: "127.0.0.1:$qe_port" }]
admin: { address: "127.0.0.1:$qe_admin" }
stacks:
  blue: { endpoints: ["127.0.0.1:$up_port"] }
routing:
  weights: { blue: 100 }
  stack_response_header: X-QuikEdge-Stack
timeouts: { idle: 300s }
limits: { max_connections: 100000 }
EOF
start_logged "$work/quikedge.log" "$bin/quikedge" --config "$work/quikedge.yaml"
qe_pid=${pids[-1]}
wait_url "http://127.0.0.1:$qe_admin/healthz"

direct="http://127.0.0.1:$up_port/ws"
proxied="http://127.0.0.1:$qe_port/ws"

echo "quikedge bench/websocket_idle.sh: $(nproc) CPUs, proxy workers=$workers, fd limit $fd_limit"

if [ -z "${SKIP_IDLE:-}" ]; then
  # Warm up what every proxy has once (pools, the first tunnels' buffers, allocator
  # arenas), so that "before" is a running proxy, not a fresh one.
  "$bin/quikedge-bench" --websocket --url "$proxied" --connections 16 --requests 2000 \
    --message-size 4096 >/dev/null
  "$bin/quikedge-bench" --websocket --idle --url "$proxied" --connections 100 --duration 0.2 \
    >/dev/null 2>&1
  rss_before=$(rss_kib "$qe_pid")

  "$bin/quikedge-bench" --websocket --idle --url "$proxied" --connections "$connections" \
    --duration "$hold" --json >"$work/idle.json" 2>"$work/idle.err" &
  bench_pid=$!
  pids+=("$bench_pid")
  for _ in $(seq 1 1200); do  # the opening phase, at most 120 s
    grep -q "WebSockets open" "$work/idle.err" 2>/dev/null && break
    kill -0 "$bench_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep "WebSockets open" "$work/idle.err" || { cat "$work/idle.err"; exit 1; }
  sleep 1  # let the last tunnels settle before sampling
  rss_open=$(rss_kib "$qe_pid")
  active=$(curl -s "http://127.0.0.1:$qe_admin/metrics" |
    awk '/^websocket_connections_active/ { s += $NF } END { print s + 0 }')
  wait "$bench_pid" || true
  for _ in $(seq 1 100); do  # the proxy sees the clients go
    left=$(curl -s "http://127.0.0.1:$qe_admin/metrics" |
      awk '/^websocket_connections_active/ { s += $NF } END { print s + 0 }')
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  rss_after=$(rss_kib "$qe_pid")
  read -r opened open_at_end closed <<<"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["websockets"]
print(r["opened"], r["open_at_end"], r["closed_by_peer"])' "$work/idle.json")"
  per_conn=$(awk -v a="$rss_open" -v b="$rss_before" -v n="$connections" \
    'BEGIN { printf "%.2f", (a - b) / n }')
  echo
  echo "idle WebSockets through quikedge"
  printf '  %-34s %s\n' "WebSockets asked / opened" "$connections / $opened"
  printf '  %-34s %s\n' "websocket_connections_active" "$active"
  printf '  %-34s %s\n' "still open after ${hold}s / closed" "$open_at_end / $closed"
  printf '  %-34s %s KiB\n' "proxy RSS before" "$rss_before"
  printf '  %-34s %s KiB\n' "proxy RSS with all open" "$rss_open"
  printf '  %-34s %s KiB\n' "proxy RSS after they closed" "$rss_after"
  printf '  %-34s %s KiB (target <= 10)\n' "RSS per WebSocket" "$per_conn"
fi

if [ -z "${SKIP_ECHO:-}" ]; then
  measure() {  # measure URL SIZE -> "msg/s p50_ms p99_ms"
    "$bin/quikedge-bench" --websocket --url "$1" --connections "$echo_conns" \
      --duration "$duration" --warmup 1 --message-size "$2" --json |
      python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["errors"]["total"] == 0, r["errors"]
l = r["latency_us"]
print("%.0f %.3f %.3f" % (r["messages_per_second"], l["p50"] / 1000, l["p99"] / 1000))'
  }
  echo
  echo "echo throughput: $echo_conns WebSockets, one message in flight each," \
       "${duration}s samples, $rounds rounds, medians"
  printf '  %8s %12s %12s %8s %9s %9s %9s %9s\n' size direct_msg/s proxy_msg/s ratio \
    d_p50_ms p_p50_ms d_p99_ms p_p99_ms
  for size in $sizes; do
    : >"$work/direct.$size"
    : >"$work/proxy.$size"
    : >"$work/ratio.$size"
    for _ in $(seq 1 "$rounds"); do
      d=$(measure "$direct" "$size")   # "msg/s p50 p99"
      p=$(measure "$proxied" "$size")
      echo "$d" >>"$work/direct.$size"
      echo "$p" >>"$work/proxy.$size"
      awk -v p="${p%% *}" -v d="${d%% *}" 'BEGIN { printf "%.3f\n", p / d }' >>"$work/ratio.$size"
    done
    col() { awk -v c="$1" '{ print $c }' "$2" | median; }
    printf '  %8s %12.0f %12.0f %8.2f %9.3f %9.3f %9.3f %9.3f\n' "$size" \
      "$(col 1 "$work/direct.$size")" "$(col 1 "$work/proxy.$size")" \
      "$(median <"$work/ratio.$size")" \
      "$(col 2 "$work/direct.$size")" "$(col 2 "$work/proxy.$size")" \
      "$(col 3 "$work/direct.$size")" "$(col 3 "$work/proxy.$size")"
  done
  echo "  (ratio: median over rounds of proxy msg/s / direct msg/s, each round back to back)"
fi
