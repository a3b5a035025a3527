#!/usr/bin/env bash
# Issue 4 benchmark: (1) proxy throughput while weights change 20 times a second
# vs steady, interleaved round by round; (2) the latency of a weight change: PUT
# sent → first request served under the new weights, p50/p99.
# Environment: DURATION (s per sample, default 5), ROUNDS (default 3), CHANGES (default 300).
# It starts everything it measures and stops only those PIDs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN_DIR:-$root/build/bin}
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
changes=${CHANGES:-300}
work=$(mktemp -d /tmp/quikedge-weights.XXXXXX)

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
trap finish EXIT

start_upstream_pair taskset -c 1
port=$(free_port); admin=$(free_port)
split_config "$port" "$admin" "stack_response_header: X-QuikEdge-Stack" >"$work/q.yaml"
start_logged "$work/q.log" taskset -c 1 "$bin/quikedge" --config "$work/q.yaml"
wait_port "$port"

churn() {  # 20 changes a second until killed, over one keep-alive connection (cheap)
  exec taskset -c 0 /usr/bin/python3 -c '
import http.client, json, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
i = 0
while True:
    w = {"blue": 90, "green": 10} if i % 2 else {"blue": 10, "green": 90}
    c.request("PUT", "/api/v1/weights", json.dumps({"weights": w}), {"Content-Type": "application/json"})
    c.getresponse().read()
    i += 1
    time.sleep(0.05)
' "$admin"
}

rps() { bench_rps "http://127.0.0.1:$port/"; }

echo "quikedge weight-change benchmark: ${duration}s samples, $rounds rounds"
ratios=()
for round in $(seq 1 "$rounds"); do
  steady=$(rps)
  churn &
  churn_pid=$!
  changing=$(rps)
  kill "$churn_pid"; wait "$churn_pid" 2>/dev/null || true
  ratio=$(awk -v a="$changing" -v b="$steady" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$ratio")
  printf 'round %d: steady %.0f req/s, 20 changes/s %.0f req/s, ratio %s\n' "$round" "$steady" "$changing" "$ratio"
done
printf 'median ratio (changing / steady): %s\n' "$(printf '%s\n' "${ratios[@]}" | median)"

# Latency of a change: PUT sent -> first request served by the newly weighted stack.
/usr/bin/python3 - "$admin" "$port" "$changes" <<'EOF'
import http.client, json, sys, time
admin, port, changes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
a = http.client.HTTPConnection("127.0.0.1", admin)
p = http.client.HTTPConnection("127.0.0.1", port)
samples = []
for i in range(changes):
    target = "green" if i % 2 == 0 else "blue"
    weights = {"blue": 0, "green": 100} if target == "green" else {"blue": 100, "green": 0}
    start = time.perf_counter()
    a.request("PUT", "/api/v1/weights", json.dumps({"weights": weights}),
              {"Content-Type": "application/json"})
    a.getresponse().read()
    for attempt in range(1000):
        p.request("GET", "/")
        r = p.getresponse()
        r.read()
        if r.getheader("X-QuikEdge-Stack") == target:
            break
    samples.append((time.perf_counter() - start) * 1e3)
    if attempt:
        print(f"change {i}: {attempt} requests still on the old stack after the PUT returned")
samples.sort()
q = lambda f: samples[min(len(samples) - 1, int(f * len(samples)))]
print(f"weight change -> first request on the new stack ({changes} changes): "
      f"p50 {q(0.5):.3f} ms  p99 {q(0.99):.3f} ms  max {samples[-1]:.3f} ms")
EOF
