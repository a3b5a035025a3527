# Helpers shared by the benchmark scripts (sourced, not run). A script sets `bin`
# (the binaries) and `work` (its scratch folder) before it starts anything, and
# sets `trap finish EXIT` so that it stops only what it started.

bench_name=$(basename "$0" .sh)

# A loopback port free right now (bound to port 0, then released).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 10 s for an HTTP answer at URL.
wait_url() {
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$bench_name: nothing answers at $1" >&2
  return 1
}

# Waits up to 10 s for an HTTP answer on 127.0.0.1:PORT.
wait_port() {
  wait_url "http://127.0.0.1:$1/"
}

# require_bins NAME...: every NAME is built in $bin.
require_bins() {
  for name in "$@"; do
    [ -x "$bin/$name" ] || { echo "$bench_name: $bin/$name is missing (make build)"; exit 1; }
  done
}

# require_tools NAME...: every NAME is on PATH.
require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$bench_name: $tool is missing (make deps)"; exit 1; }
  done
}

# PIDs the script started, in order; stop_started kills only those.
pids=()

# start_logged LOG CMD...: runs CMD in the background, output to LOG, and remembers its PID.
start_logged() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  pids+=($!)
}

stop_started() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

# The EXIT trap: stops what was started, then removes $work unless KEEP_WORK is set.
finish() {
  stop_started
  if [ -n "${KEEP_WORK:-}" ]; then echo "logs in $work"; else rm -rf "$work"; fi
}

# start_upstream_pair [PREFIX...]: a blue and a green quikedge-upstream on free ports,
# each run under PREFIX (e.g. taskset -c 1); sets blue_port and green_port and waits
# until both answer.
start_upstream_pair() {
  blue_port=$(free_port)
  green_port=$(free_port)
  start_logged "$work/blue.log" "$@" "$bin/quikedge-upstream" --listen "127.0.0.1:$blue_port" \
    --name blue
  start_logged "$work/green.log" "$@" "$bin/quikedge-upstream" --listen "127.0.0.1:$green_port" \
    --name green
  wait_port "$blue_port"
  wait_port "$green_port"
}

# split_config PORT ADMIN [ROUTING [LINE...]]: prints a one-worker quikedge config that
# splits 90/10 between the upstream pair, with ROUTING added to its routing map and
# each LINE added at the top level.
split_config() {
  local port=$1 admin=$2 routing=${3:-}
  shift 2
  if [ $# -gt 0 ]; then shift; fi
  cat <<EOF
workers: 1
listeners: [{ name: http, address: "127.0.0.1:$port" }]
admin: { address: "127.0.0.1:$admin" }
stacks:
  blue: { endpoints: ["127.0.0.1:$blue_port"] }
  green: { endpoints: ["127.0.0.1:$green_port"] }
routing: { weights: { blue: 90, green: 10 }${routing:+, $routing} }
EOF
  for line in "$@"; do echo "$line"; done
}

# bench_rps URL: req/s of one $duration s quikedge-bench run (64 connections, on CPU 0).
bench_rps() {
  taskset -c 0 "$bin/quikedge-bench" --url "$1" --connections 64 --duration "$duration" |
    awk '/^  requests/ { gsub(/[(]/, "", $3); print $3 }'
}

# The median of the numbers on stdin (the mean of the middle two for an even count).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# start_etcd_cluster: three etcd members on free loopback ports under $work, with
# heartbeats as on a LAN; sets etcd_endpoints to their client URLs as a YAML list body.
start_etcd_cluster() {
  local cluster="" i
  local -a client_ports peer_ports
  etcd_endpoints=""
  for i in 0 1 2; do
    client_ports[i]=$(free_port)
    peer_ports[i]=$(free_port)
    cluster+="${cluster:+,}m$i=http://127.0.0.1:${peer_ports[i]}"
    etcd_endpoints+="${etcd_endpoints:+, }\"http://127.0.0.1:${client_ports[i]}\""
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
}

# Cost of one sample, per unit of work, for the process PID:
#   cost_begin PID      before the sample
#   cost_end UNITS      after it, in the same shell (it waits for perf); prints
#                       "syscalls/unit cpu_us/unit" (syscalls 0 when perf cannot count
#                       the raw_syscalls tracepoint here)
# Syscalls come from perf stat on the raw_syscalls:sys_enter tracepoint (every thread of
# PID), CPU from utime + stime in /proc/PID/stat: costs a noisy machine moves far less
# than throughput.
cost_begin() {
  cost_pid=$1
  cost_perf=""
  if perf stat -e raw_syscalls:sys_enter -p "$cost_pid" -- true >/dev/null 2>&1; then
    perf stat -x, -e raw_syscalls:sys_enter -p "$cost_pid" -o "$work/cost.perf" &
    cost_perf=$!
  fi
  cost_ticks=$(awk '{ print $14 + $15 }' "/proc/$cost_pid/stat")
}

cost_end() {
  local units=$1 ticks syscalls=0
  ticks=$(( $(awk '{ print $14 + $15 }' "/proc/$cost_pid/stat") - cost_ticks ))
  if [ -n "$cost_perf" ]; then
    kill -INT "$cost_perf"
    wait "$cost_perf" 2>/dev/null || true
    syscalls=$(awk -F, '/raw_syscalls/ { print $1 + 0 }' "$work/cost.perf")
  fi
  awk -v n="$units" -v t="$ticks" -v s="${syscalls:-0}" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { if (n > 0) printf "%.2f %.2f\n", s / n, t / hz * 1e6 / n; else print "0 0" }'
}

# nginx_config DIR HTTP_BODY: prints an nginx config for one worker process that is
# the PID we start (no master, no daemon), its pid, logs and temp files in DIR
# (created), no access log, and HTTP_BODY inside its http block.
nginx_config() {
  local dir=$1 body=$2
  mkdir -p "$dir"
  cat <<NGINX
master_process off;
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 10000; }
http {
  access_log off;
  client_body_temp_path $dir;
  proxy_temp_path $dir;
$body
}
NGINX
}

# The upstream pair at 90/10 with keep-alive, for nginx_config: "upstream stacks".
nginx_split_upstream() {
  cat <<NGINX
  keepalive_requests 100000000;
  upstream stacks {
    server 127.0.0.1:$blue_port weight=9;
    server 127.0.0.1:$green_port weight=1;
    keepalive 1024;
    keepalive_requests 100000000;
  }
NGINX
}
