"""Weight changes through one replica at a time; ms until every replica routes by
them (the X-QuikEdge-Stack of a fresh request on a kept-alive connection).
Used by bench/fleet_convergence.sh: CHANGES "ADMIN PORTS" "HTTP PORTS"."""
import http.client
import json
import sys
import time

changes = int(sys.argv[1])
admin_ports = [int(p) for p in sys.argv[2].split()]
http_ports = [int(p) for p in sys.argv[3].split()]
data = [http.client.HTTPConnection("127.0.0.1", p, timeout=5) for p in http_ports]


def stack_of(conn):
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    return response.getheader("X-QuikEdge-Stack")


samples = []
for n in range(changes):
    target = "green" if n % 2 == 0 else "blue"
    other = "blue" if target == "green" else "green"
    admin = http.client.HTTPConnection("127.0.0.1", admin_ports[n % len(admin_ports)], timeout=10)
    body = json.dumps({"weights": {target: 100, other: 0}, "reason": "bench"})
    started = time.monotonic()
    admin.request("PUT", "/api/v1/weights", body, {"Content-Type": "application/json"})
    answer = admin.getresponse()
    answer.read()
    if answer.status != 200:
        sys.exit(f"change {n}: HTTP {answer.status}")
    pending = set(range(len(data)))
    deadline = started + 5
    while pending:
        if time.monotonic() > deadline:
            sys.exit(f"change {n}: replicas {sorted(pending)} still route by the old weights after 5 s")
        for i in list(pending):
            if stack_of(data[i]) == target:
                pending.discard(i)
    samples.append((time.monotonic() - started) * 1000)

samples.sort()


def pct(p):
    return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]


print(f"PUT sent -> all 3 replicas route by it, over {len(samples)} changes: "
      f"p50 {pct(50):.1f} ms, p90 {pct(90):.1f} ms, p99 {pct(99):.1f} ms, max {samples[-1]:.1f} ms")
