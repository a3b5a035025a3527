#!/usr/bin/env bash
# Side-by-side proxy comparison, in one run (see ../shared/BENCHMARKING.md):
# direct to the upstream, quikedge, nginx and HAProxy, each with one worker and
# the same 90/10 split over the same two upstreams, keep-alive on both sides.
# With the io_uring build present, "quikedge" runs the default config (io_backend
# auto: io_uring) and "qe_epoll" the same binary held to epoll (QUIKEDGE_IO_BACKEND).
# Targets are interleaved round by round (A B C D A B C D ...) and reported as
# medians plus the median per-round ratio to nginx, because req/s on these shared
# machines moves 15-50% between samples. Beside req/s, each target's cost per
# request over the same samples: syscalls (the raw_syscalls:sys_enter tracepoint,
# counted by perf stat on its PID) and CPU microseconds (utime + stime from
# /proc/PID/stat), which a noisy machine moves far less than throughput.
#
# At one connection the figure that matters is the cost, syscalls per request; the
# run ends with where they go for quikedge on epoll (per syscall, EAGAIN reads and
# MSG_PEEK probes apart), from syscall tracepoints over one more sample.
#
# Environment: DURATION (s per sample, default 5), ROUNDS (default 3),
# CONNECTIONS (default "1 64 256"), PIN (1: wrk on CPU 0, the rest on CPU 1),
# BASELINE (another quikedge binary, e.g. the last release: measured beside the
# others as "before", with the median per-round ratio quikedge÷before).
# It starts everything it measures and stops only those PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-"1 64 256"}
pin=${PIN:-1}
baseline=${BASELINE:-}
work=$(mktemp -d /tmp/quikedge-compare.XXXXXX)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
trap finish EXIT

require_tools wrk nginx haproxy curl
require_bins quikedge quikedge-upstream

server_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 1"; fi; }
client_cpu() { if [ "$pin" = 1 ]; then echo "taskset -c 0"; fi; }

declare -A pid_of  # target -> the PID whose cost is measured

start() {  # start NAME CMD... ; remembers the PID
  local name=$1
  shift
  # shellcheck disable=SC2046
  start_logged "$work/$name.log" $(server_cpu) "$@"
  pid_of[$name]=${pids[-1]}  # taskset execs the command: the same process
}

# shellcheck disable=SC2046
start_upstream_pair $(server_cpu)
pid_of[direct]=${pids[0]}  # the blue upstream
if ! perf stat -e raw_syscalls:sys_enter -p "${pids[0]}" -- true >/dev/null 2>&1; then
  echo "perf cannot count the raw_syscalls tracepoint here: syscalls/request shows 0"
fi

# quikedge
qe_port=$(free_port)
qe_admin=$(free_port)
split_config "$qe_port" "$qe_admin" "" "timeouts: { idle: 300s }" \
  "limits: { max_connections: 10000 }" >"$work/quikedge.yaml"
# The default config: io_backend auto, i.e. io_uring where quikedge-io_uring is built.
start quikedge "$bin/quikedge" --config "$work/quikedge.yaml"
# The same binary held to epoll, side by side, when the io_uring build is there.
epoll_too=0
if [ -x "$bin/quikedge-io_uring" ]; then
  epoll_too=1
  qp_port=$(free_port)
  qp_admin=$(free_port)
  split_config "$qp_port" "$qp_admin" "" "timeouts: { idle: 300s }" \
    "limits: { max_connections: 10000 }" >"$work/qe_epoll.yaml"
  start qe_epoll env QUIKEDGE_IO_BACKEND=epoll "$bin/quikedge" --config "$work/qe_epoll.yaml"
fi

# nginx: one worker process that is the PID we start.
ng_port=$(free_port)
nginx_config "$work/nginx" "$(nginx_split_upstream)
  server {
    listen 127.0.0.1:$ng_port reuseport;
    location / {
      proxy_pass http://stacks;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }" >"$work/nginx.conf"
start nginx nginx -c "$work/nginx.conf" -e "$work/nginx/error.log"

# HAProxy: one thread, weights, connection reuse.
hp_port=$(free_port)
cat >"$work/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 5000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend fe
  bind 127.0.0.1:$hp_port
  default_backend stacks
backend stacks
  balance roundrobin
  server blue 127.0.0.1:$blue_port weight 9
  server green 127.0.0.1:$green_port weight 1
EOF
start haproxy haproxy -db -f "$work/haproxy.cfg"

# The same config for a baseline build, when one is given.
if [ -n "$baseline" ]; then
  qb_port=$(free_port)
  qb_admin=$(free_port)
  split_config "$qb_port" "$qb_admin" "" "timeouts: { idle: 300s }" \
    "limits: { max_connections: 10000 }" >"$work/before.yaml"
  start before "$baseline" --config "$work/before.yaml"
  wait_port "$qb_port"
fi

wait_port "$qe_port"
wait_port "$ng_port"
wait_port "$hp_port"

declare -A url=(
  [direct]="http://127.0.0.1:$blue_port/"
  [quikedge]="http://127.0.0.1:$qe_port/"
  [nginx]="http://127.0.0.1:$ng_port/"
  [haproxy]="http://127.0.0.1:$hp_port/"
)
targets=(direct quikedge nginx haproxy)
if [ "$epoll_too" = 1 ]; then
  wait_port "$qp_port"
  url[qe_epoll]="http://127.0.0.1:$qp_port/"
  targets=(direct quikedge qe_epoll nginx haproxy)
  echo "quikedge: $(curl -s "http://127.0.0.1:$qe_admin/api/v1/state" | grep -o '"io_backend":"[a-z_]*"');" \
    "qe_epoll: $(curl -s "http://127.0.0.1:$qp_admin/api/v1/state" | grep -o '"io_backend":"[a-z_]*"')"
fi
if [ -n "$baseline" ]; then
  url[before]="http://127.0.0.1:$qb_port/"
  targets+=(before)
fi

# Everyone must do the same work: check the split before timing.
for target in "${targets[@]:1}"; do
  green=0
  for _ in $(seq 1 1000); do
    echo "${url[$target]}"
  done | xargs -n 100 curl -s | grep -c '^green$' >"$work/split" || true
  green=$(cat "$work/split")
  echo "split check: $target sent $green of 1000 requests to green"
done

measure() {  # measure URL CONNS PID -> "rps p50_ms p99_ms syscalls/req cpu_us/req"
  local out requests
  cost_begin "$3"
  out=$($(client_cpu) wrk -t1 -c"$2" -d"${duration}s" --latency "$1" 2>&1)
  requests=$(awk '/ requests in / { print $1 }' <<<"$out")
  cost_end "${requests:-0}" >"$work/cost.out"  # not in a subshell: it waits for perf
  read -r sys us <"$work/cost.out"
  awk -v sys="$sys" -v us="$us" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f %s %s\n", rps, p50, p99, sys, us }' <<<"$out"
}

# round_ratio TARGET REFERENCE COLUMN: the median over rounds of TARGET's COLUMN (2:
# req/s, 4: p99) divided by REFERENCE's in the same round, at $conns connections.
round_ratio() {
  for r in $(seq 1 "$rounds"); do
    awk -v t="$1" -v ref="$2" -v c="$3" '$1 == t { a = $c } $1 == ref { b = $c }
      END { printf "%.3f\n", a / b }' "$work/c$conns.round$r"
  done | median
}

echo
echo "quikedge bench/compare.sh: ${duration}s samples, $rounds rounds, pinned=$pin, $(nproc) CPUs"
for conns in $connections; do
  for round in $(seq 1 "$rounds"); do
    for target in "${targets[@]}"; do
      read -r rps p50 p99 sys us < <(measure "${url[$target]}" "$conns" "${pid_of[$target]}")
      echo "$target $rps $p50 $p99 $sys $us" >>"$work/c$conns.round$round"
      echo "$target $rps $p50 $p99 $sys $us" >>"$work/c$conns.$target"
    done
  done
  echo
  echo "connections=$conns (median of $rounds rounds)"
  printf '%-10s %10s %9s %9s %12s %12s %12s %10s %10s\n' target req/s p50_ms p99_ms "req/s÷nginx" \
    "req/s÷hapx" "p99÷nginx" "sys/req" "cpu_us/req"
  for target in "${targets[@]}"; do
    rps=$(awk '{print $2}' "$work/c$conns.$target" | median)
    p50=$(awk '{print $3}' "$work/c$conns.$target" | median)
    p99=$(awk '{print $4}' "$work/c$conns.$target" | median)
    sys=$(awk '{print $5}' "$work/c$conns.$target" | median)
    us=$(awk '{print $6}' "$work/c$conns.$target" | median)
    ratio_rps=$(round_ratio "$target" nginx 2)
    ratio_haproxy=$(round_ratio "$target" haproxy 2)
    ratio_p99=$(round_ratio "$target" nginx 4)
    printf '%-10s %10.0f %9.3f %9.3f %12.2f %12.2f %12.2f %10.2f %10.2f\n' "$target" "$rps" "$p50" \
      "$p99" "$ratio_rps" "$ratio_haproxy" "$ratio_p99" "$sys" "$us"
  done
  if [ -n "$baseline" ]; then
    ratio=$(round_ratio quikedge before 2)
    echo "quikedge÷before (median per-round req/s ratio): $ratio"
  fi
done

# syscall_breakdown TARGET CONNS: one more sample, the target's syscalls per request by
# kind (tracepoints on its PID; a read returning EAGAIN is one that had to wait).
syscall_breakdown() {
  local target=$1 conns=$2 out requests
  local -a events=(raw_syscalls:sys_enter syscalls:sys_enter_epoll_wait syscalls:sys_enter_recvfrom
    syscalls:sys_enter_sendmsg syscalls:sys_enter_sendto syscalls:sys_enter_epoll_ctl
    syscalls:sys_enter_io_uring_enter)
  local -a args=()
  for e in "${events[@]}"; do args+=(-e "$e"); done
  args+=(-e syscalls:sys_exit_recvfrom --filter 'ret == -11')
  args+=(-e syscalls:sys_enter_recvfrom --filter 'flags == 66')  # MSG_PEEK | MSG_DONTWAIT
  perf stat -x, "${args[@]}" -p "${pid_of[$target]}" -o "$work/breakdown.perf" &
  local perf_pid=$!
  sleep 0.2  # perf attaches before the sample starts; the count is per request anyway
  out=$($(client_cpu) wrk -t1 -c"$conns" -d"${duration}s" "${url[$target]}" 2>&1)
  kill -INT "$perf_pid"
  wait "$perf_pid" 2>/dev/null || true
  requests=$(awk '/ requests in / { print $1 }' <<<"$out")
  echo
  echo "$target at $conns connection(s): syscalls per request by kind ($requests requests)"
  awk -F, -v n="${requests:-0}" 'n > 0 && $3 != "" {
      name = $3; sub(/^(raw_)?syscalls:/, "", name)
      if (seen[name]++) name = (name ~ /exit/ ? name : name " with MSG_PEEK")
      if (name == "sys_exit_recvfrom") name = "recvfrom returning EAGAIN"
      if ($1 + 0 > 0) printf "  %-36s %6.2f\n", name, $1 / n }' "$work/breakdown.perf"
}
if perf stat -e syscalls:sys_enter_recvfrom -p "${pid_of[quikedge]}" -- true >/dev/null 2>&1; then
  for conns in $connections; do
    if [ "$conns" = 1 ] && [ "$epoll_too" = 1 ]; then syscall_breakdown qe_epoll 1; fi
  done
fi

rss_targets=(quikedge nginx haproxy)
if [ "$epoll_too" = 1 ]; then rss_targets=(quikedge qe_epoll nginx haproxy); fi
rss_of() { awk '/VmRSS/ { print $2 }' "/proc/${pid_of[$1]}/status" 2>/dev/null || echo "?"; }
for name in "${rss_targets[@]}"; do
  echo "RSS after the run: $name $(rss_of "$name") KiB"
done
# And once the proxies have been idle a while: what a memory-scaled HPA sees
# between bursts (quikedge returns free malloc memory after 2 s without traffic).
sleep "${IDLE_WAIT:-3}"
for name in "${rss_targets[@]}"; do
  echo "RSS ${IDLE_WAIT:-3} s later: $name $(rss_of "$name") KiB"
done
