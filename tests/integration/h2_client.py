#!/usr/bin/python3
"""HTTP/2 client for the integration tests (python3-h2): many streams on one
h2c connection, big bodies with flow control, and deliberately broken frames.
Prints one JSON object on stdout; every wait is bounded by --timeout."""
import argparse
import json
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings


def connect(port, timeout):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                header_encoding="utf-8"))
    conn.initiate_connection()
    conn.increment_flow_control_window(16 * 1024 * 1024)
    sock.sendall(conn.data_to_send())
    return sock, conn


class Streams:
    """Responses by stream id: status, headers, body length, trailers, reset code."""

    def __init__(self):
        self.responses = {}
        self.goaway = None
        self.max_concurrent = 100

    def handle(self, conn, events):
        for event in events:
            if isinstance(event, h2.events.ResponseReceived):
                r = self.responses.setdefault(event.stream_id, {})
                r["headers"] = dict(event.headers)
                r["status"] = int(r["headers"].get(":status", "0"))
                r["set_cookie"] = [v for k, v in event.headers if k == "set-cookie"]
            elif isinstance(event, h2.events.DataReceived):
                r = self.responses.setdefault(event.stream_id, {})
                r["bytes"] = r.get("bytes", 0) + len(event.data)
                r.setdefault("body_prefix", "")
                if len(r["body_prefix"]) < 64:
                    r["body_prefix"] += event.data[:64].decode("latin-1")
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self.responses.setdefault(event.stream_id, {})["ended"] = True
            elif isinstance(event, h2.events.StreamReset):
                self.responses.setdefault(event.stream_id, {})["reset"] = int(event.error_code)
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.goaway = int(event.error_code)
            elif isinstance(event, h2.events.RemoteSettingsChanged):
                s = event.changed_settings.get(h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS)
                if s is not None:
                    self.max_concurrent = s.new_value

    def done(self, sid):
        r = self.responses.get(sid, {})
        return r.get("ended") or "reset" in r


def pump(sock, conn, streams, deadline):
    """Reads once; False when the peer closed."""
    sock.settimeout(max(0.05, deadline - time.time()))
    try:
        data = sock.recv(1 << 20)
    except socket.timeout:
        return True
    if not data:
        return False
    try:
        events = conn.receive_data(data)
    except h2.exceptions.ProtocolError:
        return False
    streams.handle(conn, events)
    out = conn.data_to_send()
    if out:
        sock.sendall(out)
    return True


def wait_closed(sock, conn, streams, deadline):
    """Answers the server until it closes the connection (True) or the deadline."""
    while time.time() < deadline:
        if not pump(sock, conn, streams, deadline):
            return True
    return False


def request_headers(port, path, method, extra, repeat=1):
    headers = [(":method", method), (":path", path), (":scheme", "http"),
               (":authority", "127.0.0.1:%d" % port)]
    for item in extra:
        name, value = item.split(":", 1)
        for _ in range(repeat):
            headers.append((name.strip().lower(), value.strip()))
    return headers


def run_many(args):
    """--count GETs multiplexed on one connection, --parallel at a time at most."""
    sock, conn = connect(args.port, args.timeout)
    streams = Streams()
    deadline = time.time() + args.timeout
    pump(sock, conn, streams, time.time() + 0.2)
    pending, started, open_ids = args.count, 0, []
    while (pending or open_ids) and time.time() < deadline:
        limit = min(args.parallel, streams.max_concurrent)
        while pending and len(open_ids) < limit:
            sid = conn.get_next_available_stream_id()
            conn.send_headers(sid, request_headers(args.port, args.path, "GET", args.header,
                                                   args.repeat), end_stream=True)
            open_ids.append(sid)
            pending -= 1
            started += 1
        try:
            sock.sendall(conn.data_to_send())
        except OSError:
            break  # the server closed the connection (its GOAWAY was read, or not)
        if not pump(sock, conn, streams, deadline):
            break
        open_ids = [sid for sid in open_ids if not streams.done(sid)]
    stacks, statuses, cookies = {}, {}, 0
    max_open = 0
    for sid, r in streams.responses.items():
        statuses[str(r.get("status", 0))] = statuses.get(str(r.get("status", 0)), 0) + 1
        stack = r.get("headers", {}).get("x-quikedge-stack", "")
        stacks[stack] = stacks.get(stack, 0) + 1
        cookies += 1 if r.get("set_cookie") else 0
    print(json.dumps({"started": started, "stacks": stacks, "statuses": statuses,
                      "set_cookies": cookies, "max_concurrent": streams.max_concurrent,
                      "goaway": streams.goaway}))


def run_upload(args):
    """POSTs --bytes to /echo and counts what comes back, both directions streamed."""
    sock, conn = connect(args.port, args.timeout)
    streams = Streams()
    deadline = time.time() + args.timeout
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, request_headers(args.port, args.path, "POST", args.header))
    sock.sendall(conn.data_to_send())
    chunk = b"x" * 16384
    left = args.bytes
    while time.time() < deadline and not streams.done(sid):
        while left > 0:
            window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            if window <= 0:
                break
            n = min(window, left, len(chunk))
            conn.send_data(sid, chunk[:n], end_stream=(n == left))
            left -= n
        sock.sendall(conn.data_to_send())
        if not pump(sock, conn, streams, deadline):
            break
    r = streams.responses.get(sid, {})
    print(json.dumps({"status": r.get("status", 0), "bytes": r.get("bytes", 0),
                      "ended": bool(r.get("ended")), "reset": r.get("reset"),
                      "unsent": left}))


def frames_of_type(data, kind):
    """How many whole frames of type `kind` raw server bytes hold."""
    pos, count = 0, 0
    while pos + 9 <= len(data):
        length = int.from_bytes(data[pos:pos + 3], "big")
        if pos + 9 + length > len(data):
            break
        count += 1 if data[pos + 3] == kind else 0
        pos += 9 + length
    return count


def goaway_code(data):
    """The error code of the last GOAWAY frame in raw server bytes, or None."""
    pos, code = 0, None
    while pos + 9 <= len(data):
        length, kind = int.from_bytes(data[pos:pos + 3], "big"), data[pos + 3]
        if kind == 7 and pos + 9 + 8 <= len(data):
            code = int.from_bytes(data[pos + 13:pos + 17], "big")
        pos += 9 + length
    return code


def run_ping_flood(args):
    """PINGs as fast as possible without reading the ACKs: nghttp2's flood
    guard must end the connection instead of queueing ACKs without bound."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.settimeout(args.timeout)
    sock.connect(("127.0.0.1", args.port))
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    ping = b"\x00\x00\x08\x06\x00\x00\x00\x00\x00" + b"12345678"
    deadline = time.time() + args.timeout
    try:
        for _ in range(1000):
            if time.time() > deadline:
                break
            sock.sendall(ping * 1000)
    except OSError:
        pass  # the server stopped reading or closed: what the guard does
    data, closed = b"", False
    try:
        while time.time() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
    except OSError:
        closed = True
    print(json.dumps({"goaway": goaway_code(data), "closed": closed, "received": len(data)}))


def run_malformed(args):
    """Sends a frame that breaks the protocol and reports the GOAWAY code."""
    if args.kind == "ping_flood":
        return run_ping_flood(args)
    sock, conn = connect(args.port, args.timeout)
    streams = Streams()
    deadline = time.time() + args.timeout
    pump(sock, conn, streams, time.time() + 0.2)
    if args.kind == "data_on_stream_0":
        # DATA on stream 0 is a connection error PROTOCOL_ERROR (RFC 9113 6.1).
        sock.sendall(b"\x00\x00\x04\x00\x00\x00\x00\x00\x00abcd")
    elif args.kind == "oversized_frame":
        # A 20 KB frame above the 16 KB SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR.
        size = 20000
        sock.sendall(bytes([size >> 16, (size >> 8) & 255, size & 255, 0, 0, 0, 0, 0, 1]) +
                     b"\x00" * size)
    elif args.kind == "made_you_reset":
        # --count streams, each a POST announcing content-length 1 with 2 bytes of
        # DATA: the proxy must reset every one after sending it upstream.
        import hpack
        from hyperframe.frame import DataFrame, HeadersFrame
        encoder = hpack.Encoder()
        sid, sent = 1, 0
        buffered = b""  # everything the proxy sends, for its GOAWAY
        for i in range(args.count):
            headers = HeadersFrame(sid)
            headers.data = encoder.encode(request_headers(args.port, "/", "POST", []) +
                                          [("content-length", "1")])
            headers.flags = {"END_HEADERS"}
            data = DataFrame(sid)
            data.data = b"xx"
            try:
                sock.sendall(headers.serialize() + data.serialize())
                sent += 1
                sid += 2
                if sent % 20 == 0:
                    # Wait for the resets: streams the proxy has not closed yet
                    # still count against SETTINGS_MAX_CONCURRENT_STREAMS.
                    sock.settimeout(0.05)
                    wait_until = time.time() + args.timeout
                    while (frames_of_type(buffered, 3) < sent and goaway_code(buffered) is None
                           and time.time() < wait_until):
                        try:
                            chunk = sock.recv(1 << 20)
                        except socket.timeout:
                            continue
                        if not chunk:
                            break
                        buffered += chunk
                    if goaway_code(buffered) is not None:
                        break
            except OSError:
                break
        goaway, closed = goaway_code(buffered), False
        sock.settimeout(1.0)
        end = time.time() + args.timeout
        while time.time() < end:
            try:
                chunk = sock.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buffered += chunk
            code = goaway_code(buffered)
            if code is not None:
                goaway = code
        print(json.dumps({"sent": sent, "goaway": goaway, "closed": closed}))
        return
    elif args.kind == "early_answer":
        # A POST announcing --bytes of body, of which only 100 are sent: the proxy
        # answers first (413 over the limit), then must end the open upload with
        # RST_STREAM(NO_ERROR) instead of leaving the stream half-open.
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, request_headers(args.port, "/echo", "POST", []) +
                          [("content-length", str(args.bytes))])
        conn.send_data(sid, b"x" * 100)
        sock.sendall(conn.data_to_send())
        while time.time() < deadline and "reset" not in streams.responses.get(sid, {}):
            if not pump(sock, conn, streams, deadline):
                break
        r = streams.responses.get(sid, {})
        print(json.dumps({"status": r.get("status", 0), "ended": r.get("ended", False),
                          "reset": r.get("reset")}))
        return
    elif args.kind == "headers_never_end":
        # HEADERS without END_HEADERS, then silence: the connection can carry
        # nothing else until a CONTINUATION comes; the header timeout must end it.
        block = conn.encoder.encode(request_headers(args.port, "/", "GET", []))
        sock.sendall(bytes([0, 0, len(block), 1, 1, 0, 0, 0, 1]) + block)
        started = time.time()
        closed = wait_closed(sock, conn, streams, deadline)
        print(json.dumps({"closed": closed, "after_seconds": round(time.time() - started, 3)}))
        return
    elif args.kind == "garbage_hpack":
        # A HEADERS block HPACK cannot decode: COMPRESSION_ERROR.
        block = b"\xff\xff\xff\xff\xff\xff"
        sock.sendall(bytes([0, 0, len(block), 1, 5, 0, 0, 0, 1]) + block)
    closed = False
    while time.time() < deadline and streams.goaway is None:
        if not pump(sock, conn, streams, deadline):
            closed = True
            break
    # The server closes after its GOAWAY.
    while not closed and time.time() < deadline:
        closed = not pump(sock, conn, streams, deadline)
    print(json.dumps({"goaway": streams.goaway, "closed": closed}))


def run_reset(args):
    """Opens a stream to --path, resets it (CANCEL), then asks / on the same
    connection: the reset must cost that connection nothing."""
    sock, conn = connect(args.port, args.timeout)
    streams = Streams()
    deadline = time.time() + args.timeout
    first = conn.get_next_available_stream_id()
    conn.send_headers(first, request_headers(args.port, args.path, "GET", args.header),
                      end_stream=True)
    conn.reset_stream(first, error_code=8)
    second = conn.get_next_available_stream_id()
    conn.send_headers(second, request_headers(args.port, "/", "GET", []), end_stream=True)
    sock.sendall(conn.data_to_send())
    while time.time() < deadline and not streams.done(second):
        if not pump(sock, conn, streams, deadline):
            break
    r = streams.responses.get(second, {})
    print(json.dumps({"status": r.get("status", 0), "first": streams.responses.get(first, {}),
                      "goaway": streams.goaway}))


def run_idle(args):
    """One request, then waits for the server's GOAWAY on the idle connection."""
    sock, conn = connect(args.port, args.timeout)
    streams = Streams()
    deadline = time.time() + args.timeout
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, request_headers(args.port, "/", "GET", []), end_stream=True)
    sock.sendall(conn.data_to_send())
    while time.time() < deadline and not streams.done(sid):
        if not pump(sock, conn, streams, deadline):
            break
    answered = time.time()
    closed = wait_closed(sock, conn, streams, deadline)
    r = streams.responses.get(sid, {})
    print(json.dumps({"status": r.get("status", 0), "goaway": streams.goaway, "closed": closed,
                      "idle_seconds": round(time.time() - answered, 3)}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["many", "upload", "malformed", "reset", "idle"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=64)
    parser.add_argument("--path", default="/")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=1, help="send each --header N times")
    parser.add_argument("--bytes", type=int, default=0)
    parser.add_argument("--kind", default="data_on_stream_0")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    {"many": run_many, "upload": run_upload, "malformed": run_malformed,
     "reset": run_reset, "idle": run_idle}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
