#!/usr/bin/env bash
# WebSocket relay side by side, in one run (issue 13): the same echo upstream
# (quikedge-upstream /ws) behind quikedge, nginx (16 KiB proxy buffers, as a tuned
# operator runs it) and HAProxy, each with one worker, driven by the same client
# (quikedge-bench --websocket, one message in flight per connection). Targets are
# interleaved round by round; per message size it prints median msg/s, quikedge's
# median per-round ratio to the best peer, and each proxy's cost per message:
# syscalls and CPU microseconds (bench/lib.sh cost_begin/cost_end).
# Environment: DURATION (s per sample, default 5), ROUNDS (default 3), SIZES
# (default "64 4096"), ECHO_CONNS (default 64), PIN (1: client on CPU 0, the rest on
# CPU 1), IDLE_WAIT (s before the second RSS reading, default 3). It starts everything it measures and stops only those PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
sizes=${SIZES:-"64 4096"}
conns=${ECHO_CONNS:-64}
pin=${PIN:-1}
work=$(mktemp -d /tmp/quikedge-ws-compare.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools nginx haproxy python3
require_bins quikedge quikedge-upstream quikedge-bench

server_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 1"; fi; }
client_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 0"; fi; }
declare -A pid_of url

up_port=$(free_port)
# shellcheck disable=SC2046
start_logged "$work/upstream.log" $(server_cpu) "$bin/quikedge-upstream" \
  --listen "127.0.0.1:$up_port" --name blue
wait_url "http://127.0.0.1:$up_port/health"

qe_port=$(free_port)
cat >"$work/quikedge.yaml" <<YAML
workers: 1
log_level: warn
listeners: [{ name: http, address: "127.0.0.1:$qe_port" }]
admin: { address: "127.0.0.1:$(free_port)" }
stacks:
  blue: { endpoints: ["127.0.0.1:$up_port"] }
routing: { weights: { blue: 100 } }
timeouts: { idle: 300s }
limits: { max_connections: 10000 }
YAML
# The default config (io_backend auto: io_uring where it is built) and, beside it,
# the same binary held to epoll.
# shellcheck disable=SC2046
start_logged "$work/quikedge.log" $(server_cpu) "$bin/quikedge" --config "$work/quikedge.yaml"
pid_of[quikedge]=${pids[-1]}
epoll_too=0
if [ -x "$bin/quikedge-io_uring" ]; then
  epoll_too=1
  qp_port=$(free_port)
  sed -e "s/127.0.0.1:$qe_port/127.0.0.1:$qp_port/" \
    -e "s/admin: { address: \"127.0.0.1:[0-9]*\" }/admin: { address: \"127.0.0.1:$(free_port)\" }/" \
    "$work/quikedge.yaml" >"$work/qe_epoll.yaml"
  # shellcheck disable=SC2046
  start_logged "$work/qe_epoll.log" $(server_cpu) env QUIKEDGE_IO_BACKEND=epoll "$bin/quikedge" \
    --config "$work/qe_epoll.yaml"
  pid_of[qe_epoll]=${pids[-1]}
fi

ng_port=$(free_port)
nginx_config "$work/nginx" "  upstream echo { server 127.0.0.1:$up_port; }
  server {
    listen 127.0.0.1:$ng_port;
    location / {
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \"upgrade\";
      proxy_buffer_size 16k;
      proxy_buffers 4 16k;
      proxy_read_timeout 600s;
    }
  }" >"$work/nginx.conf"
# shellcheck disable=SC2046
start_logged "$work/nginx.log" $(server_cpu) nginx -c "$work/nginx.conf" -e "$work/nginx/error.log"
pid_of[nginx]=${pids[-1]}

hp_port=$(free_port)
cat >"$work/haproxy.cfg" <<HAPROXY
global
  nbthread 1
  maxconn 5000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 600s
frontend fe
  bind 127.0.0.1:$hp_port
  default_backend echo
backend echo
  server blue 127.0.0.1:$up_port
HAPROXY
# shellcheck disable=SC2046
start_logged "$work/haproxy.log" $(server_cpu) haproxy -db -f "$work/haproxy.cfg"
pid_of[haproxy]=${pids[-1]}

wait_port "$qe_port"
wait_port "$ng_port"
wait_port "$hp_port"
url[quikedge]="http://127.0.0.1:$qe_port/ws"
url[nginx]="http://127.0.0.1:$ng_port/ws"
url[haproxy]="http://127.0.0.1:$hp_port/ws"
targets=(quikedge nginx haproxy)
if [ "$epoll_too" = 1 ]; then
  wait_port "$qp_port"
  url[qe_epoll]="http://127.0.0.1:$qp_port/ws"
  targets=(quikedge qe_epoll nginx haproxy)
fi

# json_field FILE EXPR: a value from quikedge-bench's JSON report (`r` is the report).
json_field() {
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

measure() {  # measure TARGET SIZE -> "msg/s p99_ms syscalls/msg cpu_us/msg"
  local messages sys us
  cost_begin "${pid_of[$1]}"
  # shellcheck disable=SC2046
  $(client_cpu) "$bin/quikedge-bench" --websocket --url "${url[$1]}" --connections "$conns" \
    --duration "$duration" --message-size "$2" --json >"$work/run.json"
  messages=$(json_field "$work/run.json" 'r["messages"]')
  cost_end "$messages" >"$work/cost.out"  # not in a subshell: it waits for perf
  read -r sys us <"$work/cost.out"
  if [ "$(json_field "$work/run.json" 'r["errors"]["total"]')" != 0 ]; then
    echo "$1: errors in the run: $(cat "$work/run.json")" >&2
    exit 1
  fi
  echo "$(json_field "$work/run.json" '"%.0f %.3f" % (r["messages_per_second"], r["latency_us"]["p99"] / 1000)') $sys $us"
}

echo "quikedge bench/websocket_compare.sh: $conns WebSockets, one message in flight each," \
  "${duration}s samples, $rounds rounds, pinned=$pin, $(nproc) CPUs"
for size in $sizes; do
  for round in $(seq 1 "$rounds"); do
    for target in "${targets[@]}"; do
      # An untimed warm-up of the same shape first.
      # shellcheck disable=SC2046
      $(client_cpu) "$bin/quikedge-bench" --websocket --url "${url[$target]}" \
        --connections "$conns" --duration 0.5 --message-size "$size" >/dev/null
      echo "$target $(measure "$target" "$size")" >>"$work/s$size.round$round"
    done
  done
  echo
  echo "message size $size B (median of $rounds rounds)"
  printf '%-10s %10s %9s %11s %10s %11s\n' target msg/s p99_ms "÷best peer" sys/msg cpu_us/msg
  ratio_of() {  # the median per-round ratio of quikedge target $1 to the best peer
    for r in $(seq 1 "$rounds"); do
      awk -v t="$1" '$1 == t { a = $2 } $1 != "quikedge" && $1 != "qe_epoll" && $2 > b { b = $2 }
        END { printf "%.3f\n", a / b }' "$work/s$size.round$r"
    done | median
  }
  for target in "${targets[@]}"; do
    col() { cat "$work"/s"$size".round* | awk -v t="$target" -v c="$1" '$1 == t { print $c }' | median; }
    shown=-
    if [ "$target" = quikedge ] || [ "$target" = qe_epoll ]; then shown=$(ratio_of "$target"); fi
    printf '%-10s %10.0f %9.3f %11s %10.2f %11.2f\n' "$target" "$(col 2)" "$(col 3)" "$shown" \
      "$(col 4)" "$(col 5)"
  done
done
rss_of() { awk '/VmRSS/ { print $2 }' "/proc/${pid_of[$1]}/status" 2>/dev/null || echo "?"; }
for name in "${targets[@]}"; do
  echo "RSS after the run: $name $(rss_of "$name") KiB"
done
# And once the sockets have been closed a while, as bench/compare.sh reports it
# (quikedge gives relay buffers back, then trims malloc after 2 s without traffic).
sleep "${IDLE_WAIT:-3}"
for name in "${targets[@]}"; do
  echo "RSS ${IDLE_WAIT:-3} s later: $name $(rss_of "$name") KiB"
done
