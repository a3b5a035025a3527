#!/usr/bin/env bash
# TLS side by side (see ../shared/BENCHMARKING.md): quikedge and nginx, one worker
# each, the same certificate, in front of the same two upstreams (90/10).
#  - full handshakes per second: `openssl s_time -new` (no resumption), for an
#    RSA-2048 and an ECDSA P-256 certificate;
#  - keep-alive TLS req/s: wrk -t1 over 64 connections.
# The client (one thread) may be the bottleneck of the handshake rate, so each
# sample also reports the server's own CPU time per handshake or request
# (utime+stime of its PID over the sample), the steadier figure of the two.
# Targets are interleaved round by round and reported as medians plus the median
# per-round ratio quikedge÷nginx.
#
# Environment: DURATION (s per sample, default 5), ROUNDS (default 3), PIN (1:
# clients on CPU 0, servers on CPU 1), TESTS (a comma-separated subset of
# "handshakes rsa,handshakes ecdsa,requests ecdsa,requests rsa", the default),
# PAIRED (1: each round drives both servers at the same time, one client each,
# so that whatever else the machine does slows both alike; the per-round ratio
# then moves far less than between samples taken one after the other). Starts everything it measures and stops
# only those PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
pin=${PIN:-1}
work=$(mktemp -d /tmp/quikedge-tls-compare.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools wrk nginx openssl curl
require_bins quikedge quikedge-upstream

server_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 1"; fi; }
client_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 0"; fi; }

# shellcheck disable=SC2046
start_upstream_pair $(server_cpu)

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -keyout "$work/rsa.key" -out "$work/rsa.crt" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -keyout "$work/ecdsa.key" -out "$work/ecdsa.crt" 2>/dev/null

declare -A port
declare -A pid_of
for kind in rsa ecdsa; do
  port[quikedge-$kind]=$(free_port)
  admin=$(free_port)
  split_config "${port[quikedge-$kind]}" "$admin" "" "timeouts: { idle: 300s }" \
    "limits: { max_connections: 10000 }" |
    sed "s|listeners: .*|listeners: [{ name: https, address: \"127.0.0.1:${port[quikedge-$kind]}\", tls: { certificate: \"$work/$kind.crt\", private_key: \"$work/$kind.key\" } }]|" \
      >"$work/quikedge-$kind.yaml"
  # shellcheck disable=SC2046
  start_logged "$work/quikedge-$kind.log" $(server_cpu) "$bin/quikedge" \
    --config "$work/quikedge-$kind.yaml"
  pid_of[quikedge-$kind]=${pids[-1]}

  port[nginx-$kind]=$(free_port)
  nginx_config "$work/nginx-$kind" "$(nginx_split_upstream)
  server {
    listen 127.0.0.1:${port[nginx-$kind]} ssl reuseport;
    ssl_certificate $work/$kind.crt;
    ssl_certificate_key $work/$kind.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://stacks;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }" >"$work/nginx-$kind.conf"
  # shellcheck disable=SC2046
  start_logged "$work/nginx-$kind.log" $(server_cpu) nginx -c "$work/nginx-$kind.conf" \
    -e "$work/nginx-$kind/error.log"
  pid_of[nginx-$kind]=${pids[-1]}
done
for target in "${!port[@]}"; do
  for _ in $(seq 1 200); do
    curl -sk -o /dev/null "https://127.0.0.1:${port[$target]}/" && break
    sleep 0.05
  done
done

cpu_ticks() {  # cpu_ticks PID -> utime + stime in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)

handshakes() {  # handshakes PORT -> full handshakes per second
  $(client_cpu) openssl s_time -connect "127.0.0.1:$1" -new -time "$duration" 2>/dev/null |
    awk '/connections in [0-9]+ real seconds/ { printf "%.0f\n", $1 / $4 }'
}
requests() {  # requests PORT -> keep-alive req/s over 64 connections
  $(client_cpu) wrk -t1 -c64 -d"${duration}s" "https://127.0.0.1:$1/" 2>&1 |
    awk '/Requests\/sec/ { printf "%.0f\n", $2 }'
}
sample() {  # sample WHAT TARGET -> "rate server_cpu_us_per_operation"
  local before after rate
  before=$(cpu_ticks "${pid_of[$2]}")
  rate=$($1 "${port[$2]}")
  after=$(cpu_ticks "${pid_of[$2]}")
  awk -v r="$rate" -v t=$((after - before)) -v hz="$hz" -v d="$duration" \
    'BEGIN { printf "%d %.1f\n", r, (r > 0 ? t / hz * 1e6 / (r * d) : 0) }'
}

cpu_us_per_op() {  # cpu_us_per_op TICKS RATE -> server CPU µs per operation
  awk -v t="$1" -v r="$2" -v hz="$hz" -v d="$duration" \
    'BEGIN { printf "%.1f\n", (r > 0 ? t / hz * 1e6 / (r * d) : 0) }'
}
sample_paired() {  # sample_paired WHAT KIND -> "q n qc nc", both servers driven at once
  local qb nb qp np q n
  qb=$(cpu_ticks "${pid_of[quikedge-$2]}")
  nb=$(cpu_ticks "${pid_of[nginx-$2]}")
  $1 "${port[quikedge-$2]}" >"$work/paired-q" &
  qp=$!
  $1 "${port[nginx-$2]}" >"$work/paired-n" &
  np=$!
  wait "$qp" "$np"
  q=$(cat "$work/paired-q")
  n=$(cat "$work/paired-n")
  echo "$q $n $(cpu_us_per_op $(($(cpu_ticks "${pid_of[quikedge-$2]}") - qb)) "$q")" \
    "$(cpu_us_per_op $(($(cpu_ticks "${pid_of[nginx-$2]}") - nb)) "$n")"
}

echo "quikedge bench/tls_compare.sh: ${duration}s samples, $rounds rounds, pinned=$pin, paired=${PAIRED:-0}, $(nproc) CPUs"
printf '%-22s %10s %10s %9s %12s %12s\n' measure quikedge nginx "q÷nginx" "q cpu µs/op" "n cpu µs/op"
IFS=, read -r -a tests <<<"${TESTS:-handshakes rsa,handshakes ecdsa,requests ecdsa,requests rsa}"
for test in "${tests[@]}"; do
  read -r what kind <<<"$test"
  : >"$work/$what-$kind"
  for _ in $(seq 1 "$rounds"); do
    if [ "${PAIRED:-0}" = 1 ]; then
      sample_paired "$what" "$kind" >>"$work/$what-$kind"
      continue
    fi
    read -r q qc < <(sample "$what" "quikedge-$kind")
    read -r n nc < <(sample "$what" "nginx-$kind")
    echo "$q $n $qc $nc" >>"$work/$what-$kind"
  done
  if [ -n "${SHOW_ROUNDS:-}" ]; then
    sed "s/^/  round: /" "$work/$what-$kind"
  fi
  q=$(awk '{ print $1 }' "$work/$what-$kind" | median)
  n=$(awk '{ print $2 }' "$work/$what-$kind" | median)
  qc=$(awk '{ print $3 }' "$work/$what-$kind" | median)
  nc=$(awk '{ print $4 }' "$work/$what-$kind" | median)
  ratio=$(awk '{ printf "%.3f\n", $1 / $2 }' "$work/$what-$kind" | median)
  printf '%-22s %10.0f %10.0f %9.2f %12.1f %12.1f\n' "$what/s $kind" "$q" "$n" "$ratio" "$qc" "$nc"
done
