#!/usr/bin/python3
"""HTTP/2 client of tests/integration/h2_downgrade_test.cpp (python3-h2) that sends
exactly the header lists it is given: the client's own validation and normalisation
are off, so names with upper case, values with CR or LF, pseudo-headers out of order
and connection-specific fields reach the proxy as written.

One run, over h2c with prior knowledge or TLS with ALPN h2 (--tls):
  1. GET /warm, so the proxy holds a pooled upstream connection;
  2. the case's streams (--case, JSON), on the same connection, each until it ends,
     is reset, or the connection ends;
  3. GET /follow-up on that connection, if it is still open;
  4. GET /sentinel on a fresh connection.
Names, values and DATA payloads are hex in the case, so any byte can be sent:
  {"streams": [{"headers": [["3a6d6574686f64", "474554"], ...],
                "data": ["68656c6c6f", ...], "end_stream": true,
                "trailers": [[..., ...]], "reset": 8}]}
END_STREAM goes on the HEADERS when "data" and "trailers" are absent, else on the
last DATA (or the trailers); "end_stream": false leaves the stream open, "reset"
then sends RST_STREAM with that code. "filler": N sends N bytes of 'x' as DATA right
after the HEADERS and waits for the proxy's WINDOW_UPDATE on the stream (it has then
written them upstream) before the rest. Prints one JSON object; every wait is bounded
by --timeout."""
import argparse
import json
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def connect(args):
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout)
    if args.tls:
        context = ssl.create_default_context(cafile=args.ca)
        context.set_alpn_protocols(["h2"])
        sock = context.wrap_socket(sock, server_hostname=args.server_name)
        if sock.selected_alpn_protocol() != "h2":
            raise SystemExit("ALPN chose %r, not h2" % sock.selected_alpn_protocol())
    conn = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, header_encoding=None, validate_outbound_headers=False,
        normalize_outbound_headers=False, validate_inbound_headers=False))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return Connection(sock, conn)


def text(b):
    return b.decode("latin-1") if isinstance(b, (bytes, bytearray)) else str(b)


class Connection:
    def __init__(self, sock, conn):
        self.sock, self.conn = sock, conn
        self.responses = {}
        self.goaway = None
        self.closed = False
        self.client_error = None
        self.window_updates = set()

    def response(self, sid):
        return self.responses.setdefault(sid, {"status": 0, "body": "", "headers": [],
                                               "ended": False, "reset": None})

    def handle(self, events):
        for event in events:
            if isinstance(event, h2.events.ResponseReceived):
                r = self.response(event.stream_id)
                r["headers"] = [[text(k), text(v)] for k, v in event.headers]
                for k, v in event.headers:
                    if text(k) == ":status":
                        r["status"] = int(text(v))
            elif isinstance(event, h2.events.DataReceived):
                self.response(event.stream_id)["body"] += text(event.data)
                self.conn.acknowledge_received_data(event.flow_controlled_length,
                                                    event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self.response(event.stream_id)["ended"] = True
            elif isinstance(event, h2.events.StreamReset):
                self.response(event.stream_id)["reset"] = int(event.error_code)
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.goaway = int(event.error_code)
            elif isinstance(event, h2.events.WindowUpdated) and event.stream_id:
                self.window_updates.add(event.stream_id)

    def flush(self):
        out = self.conn.data_to_send()
        if out and not self.closed:
            try:
                self.sock.sendall(out)
            except OSError:
                self.closed = True

    def pump(self, deadline):
        """Reads once (bounded by the deadline); False once the peer closed."""
        if self.closed:
            return False
        self.sock.settimeout(max(0.05, min(0.5, deadline - time.time())))
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return True
        except OSError:
            self.closed = True
            return False
        if not data:
            self.closed = True
            return False
        try:
            self.handle(self.conn.receive_data(data))
        except h2.exceptions.ProtocolError as e:
            self.client_error = repr(e)
            self.closed = True
            return False
        self.flush()
        return True

    def done(self, sid):
        r = self.responses.get(sid, {})
        return r.get("ended") or r.get("reset") is not None

    def wait(self, sids, deadline):
        while time.time() < deadline and not all(self.done(s) for s in sids):
            if self.goaway is not None and not any(s in self.responses for s in sids):
                return  # a connection error before any answer
            if not self.pump(deadline):
                return

    def get(self, args, path, deadline):
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, [(b":method", b"GET"), (b":scheme", scheme(args)),
                                     (b":path", path.encode()),
                                     (b":authority", args.authority.encode())], end_stream=True)
        self.flush()
        self.wait([sid], deadline)
        return self.result(sid)

    def result(self, sid):
        r = dict(self.responses.get(sid, self.response(sid)))
        r["timed_out"] = not self.done(sid)
        return r


def scheme(args):
    return b"https" if args.tls else b"http"


def fields(pairs):
    return [(bytes.fromhex(n), bytes.fromhex(v)) for n, v in pairs]


def send_stream(c, spec, deadline):
    """Sends the case's frames; returns the stream id and whether a WINDOW_UPDATE
    came for the filler (None: no filler)."""
    sid = c.conn.get_next_available_stream_id()
    data = [bytes.fromhex(d) for d in spec.get("data", [])]
    trailers = spec.get("trailers")
    end = spec.get("end_stream", True)
    filler = spec.get("filler", 0)
    c.conn.send_headers(sid, fields(spec["headers"]),
                        end_stream=end and not data and trailers is None and not filler)
    window_update = None
    if filler:
        # The proxy gives DATA back as WINDOW_UPDATE only once the upstream took
        # it, and nghttp2 sends one when half the 256 KiB stream window is used:
        # once it comes, the head and the filler have been written upstream.
        left = filler
        while left > 0:
            n = min(left, 16384)
            c.conn.send_data(sid, b"x" * n)
            left -= n
        c.flush()
        c.window_updates.discard(sid)
        while time.time() < deadline and sid not in c.window_updates:
            if not c.pump(deadline):
                break
        window_update = sid in c.window_updates
        if end and not data and trailers is None:
            c.conn.end_stream(sid)
    for i, payload in enumerate(data):
        c.conn.send_data(sid, payload, end_stream=end and trailers is None and i == len(data) - 1)
    if trailers is not None:
        c.conn.send_headers(sid, fields(trailers), end_stream=end)
    if spec.get("reset") is not None:
        c.conn.reset_stream(sid, error_code=spec["reset"])
    c.flush()
    return sid, window_update


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--case", required=True, help="JSON, see the module's doc")
    parser.add_argument("--authority", default="h.example", help="of /warm, /follow-up, /sentinel")
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--ca")
    parser.add_argument("--server-name", default="app.quikapp.test")
    parser.add_argument("--timeout", type=float, default=6.0)
    args = parser.parse_args()
    case = json.loads(args.case)
    out = {}

    c = connect(args)
    out["warm"] = c.get(args, "/warm", time.time() + args.timeout)
    out["streams"] = []
    for spec in case["streams"]:
        sid, window_update = send_stream(c, spec, time.time() + args.timeout)
        reset_by_client = spec.get("reset") is not None
        if not reset_by_client:
            c.wait([sid], time.time() + args.timeout)
        r = c.result(sid)
        if reset_by_client:
            r["timed_out"] = False
        r["window_update"] = window_update
        out["streams"].append(r)
    # The proxy's own RST_STREAMs or GOAWAY may still be on their way.
    c.sock.settimeout(0.05)
    c.pump(time.time() + 0.05)
    out["goaway"] = c.goaway
    out["client_error"] = c.client_error
    out["follow_up"] = None
    if c.goaway is None and not c.closed:
        out["follow_up"] = c.get(args, "/follow-up", time.time() + args.timeout)
    try:
        c.sock.close()
    except OSError:
        pass

    s = connect(args)
    out["sentinel"] = s.get(args, "/sentinel", time.time() + args.timeout)
    s.sock.close()
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
