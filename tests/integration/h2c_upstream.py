#!/usr/bin/python3
"""A plain h2c upstream for the integration tests (python3-h2): every stream is
answered 200 with --size bytes, the head, the body and the stream's end written
at once (as a fast server does), as far as the flow-control windows allow.
With --early-hints, a 103 (with a link field) comes before each 200.
Prints "listening on PORT"."""
import argparse
import socket
import threading

import h2.config
import h2.connection
import h2.events


def serve_connection(sock, size, early_hints):
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    left = {}  # stream id -> body bytes still to send

    def pump():
        for sid in list(left):
            while left[sid] > 0:
                n = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size,
                        left[sid])
                if n <= 0:
                    break
                left[sid] -= n
                conn.send_data(sid, b"x" * n, end_stream=left[sid] == 0)
            if left[sid] == 0:
                del left[sid]

    while True:
        data = sock.recv(65536)
        if not data:
            return
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                if early_hints:
                    conn.send_headers(event.stream_id,
                                      [(":status", "103"), ("link", "</a.css>; rel=preload")])
                conn.send_headers(event.stream_id,
                                  [(":status", "200"), ("content-length", str(size))])
                left[event.stream_id] = size
            elif isinstance(event, h2.events.StreamReset):
                left.pop(event.stream_id, None)
        pump()
        sock.sendall(conn.data_to_send())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=65536)
    parser.add_argument("--early-hints", action="store_true")
    args = parser.parse_args()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print("listening on %d" % listener.getsockname()[1], flush=True)
    while True:  # until the test stops it (SIGTERM)
        sock, _ = listener.accept()
        threading.Thread(target=serve_connection, args=(sock, args.size, args.early_hints), daemon=True).start()


if __name__ == "__main__":
    main()
