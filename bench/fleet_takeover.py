"""Kills (or stops) the rollout leader of a three-replica fleet again and again and
times how long until another replica drives the rollout. Used by
bench/fleet_takeover.sh: QUIKEDGE KILLS STOPS LEASE_TTL CONFIG... The replicas are
this script's children; it stops every one of them before it exits."""
import http.client
import json
import re
import signal
import subprocess
import sys
import time

binary, kills, stops, lease_ttl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
configs = sys.argv[5:]
admin_ports = [int(re.search(r'admin: \{ address: "127\.0\.0\.1:(\d+)"', open(c).read()).group(1))
               for c in configs]
procs = [None] * len(configs)


def start(i):
    procs[i] = subprocess.Popen([binary, "--config", configs[i]], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)


def call(i, method, path, body=None):
    try:
        c = http.client.HTTPConnection("127.0.0.1", admin_ports[i], timeout=2)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, path, body, headers)
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    except (OSError, ValueError, http.client.HTTPException):
        return 0, None


def poll(what, check, limit=30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        got = check()
        if got is not None:
            return got
        time.sleep(0.01)
    sys.exit(f"no {what} within {limit} s")


def leader_seen_by(i):
    status, fleet = call(i, "GET", "/api/v1/fleet")
    return fleet.get("rollout_leader") if status == 200 else None


def agreed_leader():
    """The leader every replica names, once they all name the same one."""
    seen = {leader_seen_by(i) for i in range(len(configs))}
    return seen.pop() if len(seen) == 1 and None not in seen else None


def rounds(count, sig, label):
    samples = []
    for n in range(count):
        leader = poll("a rollout leader all replicas agree on", agreed_leader)
        index = int(leader[1:])  # replica ids are r0, r1, r2
        others = [i for i in range(len(configs)) if i != index]
        procs[index].send_signal(sig)
        gone = time.monotonic()
        successor = poll("successor", lambda: next(
            (l for l in map(leader_seen_by, others) if l and l != leader), None))
        took = (time.monotonic() - gone) * 1e3
        samples.append(took)
        print(f"{label} {n + 1}: {leader} -> {successor} after {took:.0f} ms")
        procs[index].wait(timeout=30)
        start(index)
        poll("restarted replica", lambda: call(index, "GET", "/readyz")[0] == 200 or None)
    return samples


def summary(label, samples):
    if samples:
        s = sorted(samples)
        print(f"{label}: p50 {s[len(s) // 2]:.0f} ms, max {s[-1]:.0f} ms over {len(s)} "
              f"(lease_ttl {lease_ttl * 1e3:.0f} ms)")


try:
    for i in range(len(configs)):
        start(i)
    for i in range(len(configs)):
        poll(f"replica {i} ready", lambda: call(i, "GET", "/readyz")[0] == 200 or None)
    poll("an elected leader", lambda: call(0, "GET", "/api/v1/fleet")[1].get("elected_leader")
         if call(0, "GET", "/api/v1/fleet")[1] else None)
    status, body = call(1, "POST", "/api/v1/rollout", json.dumps({"to": "green"}))
    if status != 200:
        sys.exit(f"rollout start: HTTP {status} {body}")
    killed = rounds(kills, signal.SIGKILL, "kill")
    stopped = rounds(stops, signal.SIGTERM, "stop")
    summary("takeover after SIGKILL", killed)
    summary("takeover after SIGTERM", stopped)
    status, doc = call(0, "GET", "/api/v1/rollout")
    print(f"rollout after all that: {doc.get('state')} at step {doc.get('step')}"
          f" ({doc.get('weight')}%)")
finally:
    for p in procs:
        if p and p.poll() is None:
            p.terminate()
    for p in procs:
        if p:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
