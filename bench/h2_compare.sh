#!/usr/bin/env bash
# HTTP/2 side by side (SPEC 14): quikedge and nginx, one worker each, h2c with
# prior knowledge on a plain port, in front of the same two HTTP/1.1 upstreams
# (90/10, pooled keep-alive connections). h2load (nghttp2-client) drives each
# with 64 concurrent streams: 4 connections x 16 streams, one client thread.
# Each sample also reports the server's CPU time per request (utime+stime of
# its PID), the steadier figure on a shared machine. Targets are interleaved
# round by round; medians and the median per-round ratio quikedge÷nginx.
#
# Environment: DURATION (s per sample, default 5), ROUNDS (default 3), PIN (1:
# client on CPU 0, servers on CPU 1), CONNECTIONS (4), STREAMS (16 per
# connection). Starts everything it measures and stops only those PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
pin=${PIN:-1}
connections=${CONNECTIONS:-4}
streams=${STREAMS:-16}
work=$(mktemp -d /tmp/quikedge-h2-compare.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools h2load nginx curl
require_bins quikedge quikedge-upstream
nginx -V 2>&1 | grep -q -- --with-http_v2_module || {
  echo "$bench_name: this nginx has no http_v2_module" >&2
  exit 1
}

server_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 1"; fi; }
client_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 0"; fi; }

# shellcheck disable=SC2046
start_upstream_pair $(server_cpu)

declare -A port
declare -A pid_of
port[quikedge]=$(free_port)
admin=$(free_port)
split_config "${port[quikedge]}" "$admin" "" "timeouts: { idle: 300s }" \
  "limits: { max_connections: 10000 }" |
  sed "s|listeners: .*|listeners: [{ name: http, address: \"127.0.0.1:${port[quikedge]}\", http2: true }]|" \
    >"$work/quikedge.yaml"
# shellcheck disable=SC2046
start_logged "$work/quikedge.log" $(server_cpu) "$bin/quikedge" --config "$work/quikedge.yaml"
pid_of[quikedge]=${pids[-1]}

port[nginx]=$(free_port)
nginx_config "$work/nginx" "$(nginx_split_upstream)
  http2_max_concurrent_streams 128;
  server {
    listen 127.0.0.1:${port[nginx]} http2 reuseport;
    location / {
      proxy_pass http://stacks;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }" >"$work/nginx.conf"
# shellcheck disable=SC2046
start_logged "$work/nginx.log" $(server_cpu) nginx -c "$work/nginx.conf" -e "$work/nginx/error.log"
pid_of[nginx]=${pids[-1]}

for target in "${!port[@]}"; do
  for _ in $(seq 1 200); do
    curl -s --http2-prior-knowledge -o /dev/null "http://127.0.0.1:${port[$target]}/" && break
    sleep 0.05
  done
done

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
requests() {  # requests PORT -> h2 req/s
  $(client_cpu) h2load -t1 -c"$connections" -m"$streams" -D"$duration" \
    "http://127.0.0.1:$1/" 2>&1 | awk '/^finished in/ { gsub(/,/, "", $4); printf "%.0f\n", $4 }'
}
sample() {  # sample TARGET -> "req/s server_cpu_us_per_request"
  local before after rate
  before=$(cpu_ticks "${pid_of[$1]}")
  rate=$(requests "${port[$1]}")
  after=$(cpu_ticks "${pid_of[$1]}")
  awk -v r="$rate" -v t=$((after - before)) -v hz="$hz" -v d="$duration" \
    'BEGIN { printf "%d %.1f\n", r, (r > 0 ? t / hz * 1e6 / (r * d) : 0) }'
}

echo "quikedge bench/h2_compare.sh: ${duration}s samples, $rounds rounds, pinned=$pin," \
  "$connections connections x $streams streams, $(nproc) CPUs"
: >"$work/samples"
for _ in $(seq 1 "$rounds"); do
  read -r q qc < <(sample quikedge)
  read -r n nc < <(sample nginx)
  echo "$q $n $qc $nc" >>"$work/samples"
done
printf '%-14s %10s %10s %9s %12s %12s\n' measure quikedge nginx "q÷nginx" "q cpu µs/req" "n cpu µs/req"
q=$(awk '{ print $1 }' "$work/samples" | median)
n=$(awk '{ print $2 }' "$work/samples" | median)
qc=$(awk '{ print $3 }' "$work/samples" | median)
nc=$(awk '{ print $4 }' "$work/samples" | median)
ratio=$(awk '{ if ($2 > 0) printf "%.3f\n", $1 / $2; else print 0 }' "$work/samples" | median)
printf '%-14s %10.0f %10.0f %9.2f %12.1f %12.1f\n' "h2 req/s" "$q" "$n" "$ratio" "$qc" "$nc"
