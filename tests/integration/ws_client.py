#!/usr/bin/python3
"""WebSocket client for quikedge's integration tests (Debian's python3-websockets 10.x).

The C++ tests run this as a child process and parse the JSON it prints on stdout, one
object per line. Every wait is bounded: the script gives up after --timeout seconds.

  echo  --url URL [--size N]
        One WebSocket: binary and text messages of N bytes, a message sent in fragments,
        a ping, then a close with code 1000. Prints {"event":"result","ok":...}.

  hold  --url URL --count N [--interval-ms MS] [--exit-when-all-closed] [--warm]
        Opens N WebSockets (with --warm, echoes one message on each), prints
        {"event":"ready",...} once all are open, then keeps
        each one busy with a small echoed message every MS ms (0: no traffic) and
        records when and how each is closed. Ends on SIGUSR1, when all are closed (with
        --exit-when-all-closed) or at --timeout; then checks that every WebSocket still
        open echoes one more message and prints {"event":"result",...}.

Times are time.monotonic() seconds, the CLOCK_MONOTONIC that C++'s steady_clock also
reads on Linux, so the tests compare them with their own clock.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time

import websockets
import websockets.exceptions


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")  # "event" first: tests match the prefix
    sys.stdout.flush()


def parse_headers(pairs):
    headers = []
    for pair in pairs or []:
        name, _, value = pair.partition(":")
        headers.append((name.strip(), value.strip()))
    return headers


async def connect(url, headers, timeout):
    return await websockets.connect(
        url,
        extra_headers=headers,
        max_size=None,  # messages of several MiB
        compression=None,  # the upstream does not negotiate permessage-deflate
        ping_interval=None,  # no pings of the library's own: only the test's traffic
        open_timeout=timeout,
        close_timeout=2,
    )


def close_code(exc):
    rcvd = getattr(exc, "rcvd", None)
    return rcvd.code if rcvd is not None else None


async def run_echo(args):
    result = {"event": "result", "ok": False, "checks": []}
    ws = await connect(args.url, parse_headers(args.header), args.timeout)
    result["stack"] = ws.response_headers.get("X-QuikEdge-Stack", "")
    result["upstream"] = ws.response_headers.get("X-Upstream", "")
    try:
        size = args.size
        binary = os.urandom(size)
        await ws.send(binary)
        echoed = await asyncio.wait_for(ws.recv(), args.timeout)
        result["checks"].append({"what": "binary", "ok": echoed == binary, "size": len(echoed)})

        text = os.urandom(size // 2 + 1).hex()[:size]
        await ws.send(text)
        echoed = await asyncio.wait_for(ws.recv(), args.timeout)
        result["checks"].append({"what": "text", "ok": echoed == text, "size": len(echoed)})

        # Fragments of uneven sizes, the last one short: the echo is one message again.
        piece = max(1, size // 3 + 7)
        fragments = [binary[i:i + piece] for i in range(0, size, piece)]
        await ws.send(fragments)
        echoed = await asyncio.wait_for(ws.recv(), args.timeout)
        result["checks"].append(
            {"what": "fragmented", "ok": echoed == binary, "fragments": len(fragments)})

        pong = await ws.ping(b"quikedge")
        await asyncio.wait_for(pong, args.timeout)
        result["checks"].append({"what": "ping", "ok": True})

        await asyncio.wait_for(ws.close(code=1000, reason="done"), args.timeout)
        result["close_code"] = ws.close_code
        result["checks"].append({"what": "close", "ok": ws.close_code == 1000})
        result["ok"] = all(check["ok"] for check in result["checks"])
    except (asyncio.TimeoutError, websockets.exceptions.ConnectionClosed) as e:
        result["error"] = repr(e)
    emit(result)


class Socket:
    def __init__(self, index):
        self.index = index
        self.ws = None
        self.stack = ""
        self.cookie = ""
        self.closed_at = None
        self.code = None
        self.waiting = {}  # message -> future resolved by the reader
        self.echoes = 0
        self.echo_failures = 0

    async def reader(self):
        try:
            while True:
                message = await self.ws.recv()
                future = self.waiting.pop(message, None)
                if future is not None and not future.done():
                    future.set_result(True)
        except websockets.exceptions.ConnectionClosed as e:
            # Raised once the close handshake is over (the proxy closes TCP right after
            # its close frame); code None: closed without a close frame.
            self.code = close_code(e)
        finally:
            if self.closed_at is None:
                self.closed_at = time.monotonic()
            for future in self.waiting.values():
                if not future.done():
                    future.set_result(False)
            self.waiting.clear()

    async def echo_once(self, seq, timeout):
        message = "%d:%d" % (self.index, seq)
        future = asyncio.get_running_loop().create_future()
        self.waiting[message] = future
        try:
            await self.ws.send(message)
            ok = await asyncio.wait_for(future, timeout)
        except (asyncio.TimeoutError, websockets.exceptions.ConnectionClosed):
            ok = False
        self.waiting.pop(message, None)
        return ok

    async def busy(self, interval, timeout, stop, progress):
        seq = 0
        while not stop.is_set() and self.closed_at is None:
            seq += 1
            ok = await self.echo_once(seq, timeout)
            if self.closed_at is not None or not self.ws.open:
                # Closing or closed by the proxy (a message sent after its close frame
                # is not echoed): not an echo failure. The reader records the close.
                break
            if ok:
                self.echoes += 1
                progress.echoed()
            else:
                self.echo_failures += 1
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except asyncio.TimeoutError:
                pass


class Progress:
    """Prints {"event": "tick", "rounds": R, "echoes": E} each time as many echoes as
    there are WebSockets have come back since the last tick (about one round each)."""

    def __init__(self, sockets):
        self.sockets = max(1, sockets)
        self.echoes = 0
        self.rounds = 0

    def echoed(self):
        self.echoes += 1
        if self.echoes // self.sockets > self.rounds:
            self.rounds = self.echoes // self.sockets
            emit({"event": "tick", "rounds": self.rounds, "echoes": self.echoes})


async def run_hold(args):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, stop.set)
    deadline = time.monotonic() + args.timeout
    headers = parse_headers(args.header)
    sockets = [Socket(i) for i in range(args.count)]
    gate = asyncio.Semaphore(50)  # handshakes at once
    failures = []

    async def open_one(sock):
        async with gate:
            try:
                sock.ws = await connect(args.url, headers, max(1.0, deadline - time.monotonic()))
            except Exception as e:  # refused, bad status, timeout: all count as failed
                failures.append(repr(e))
                return
        sock.stack = sock.ws.response_headers.get("X-QuikEdge-Stack", "")
        sock.cookie = sock.ws.response_headers.get("Set-Cookie", "")

    await asyncio.gather(*(open_one(s) for s in sockets))
    opened = [s for s in sockets if s.ws is not None]
    readers = [asyncio.create_task(s.reader()) for s in opened]
    stacks = {}
    for s in opened:
        stacks[s.stack] = stacks.get(s.stack, 0) + 1
    warm = 0
    if args.warm:
        # One echo each before "ready": every tunnel has relayed both ways.
        warm = sum(1 for ok in await asyncio.gather(*(s.echo_once(0, 5.0) for s in opened)) if ok)
    emit({"event": "ready", "open": len(opened), "failed": len(failures), "warm_echoes": warm,
          "failures": failures[:5], "stacks": stacks, "t": time.monotonic(),
          "set_cookie": sum(1 for s in opened if s.cookie)})

    interval = args.interval_ms / 1000.0
    busy = []
    if interval > 0:
        progress = Progress(len(opened))
        busy = [asyncio.create_task(s.busy(interval, 5.0, stop, progress)) for s in opened]

    async def all_closed():
        if readers:
            # asyncio.wait, not gather: cancelling this must not cancel the readers.
            await asyncio.wait(readers)

    waiters = [asyncio.create_task(stop.wait())]
    if args.exit_when_all_closed:
        waiters.append(asyncio.create_task(all_closed()))
    await asyncio.wait(waiters, timeout=max(0.0, deadline - time.monotonic()),
                       return_when=asyncio.FIRST_COMPLETED)
    timed_out = not stop.is_set() and not all(s.closed_at is not None for s in opened)
    stop.set()
    for task in waiters:
        task.cancel()
    if busy:
        await asyncio.gather(*busy)

    still_open = [s for s in opened if s.closed_at is None]
    final = await asyncio.gather(*(s.echo_once(-1, 5.0) for s in still_open))
    alive = sum(1 for ok in final if ok)

    closed = [{"index": s.index, "stack": s.stack, "code": s.code, "t": s.closed_at}
              for s in opened if s.closed_at is not None]
    closed.sort(key=lambda c: c["t"])
    emit({"event": "result", "opened": len(opened), "failed": len(failures),
          "stacks": stacks, "open_at_end": len(still_open), "alive": alive,
          "echoes": sum(s.echoes for s in opened),
          "echo_failures": sum(s.echo_failures for s in opened),
          "closed": closed, "timed_out": timed_out})

    for s in still_open:
        try:
            await asyncio.wait_for(s.ws.close(code=1000), 3.0)
        except (asyncio.TimeoutError, websockets.exceptions.ConnectionClosed):
            pass
    for task in readers:
        task.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["echo", "hold"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--header", action="append", help="'Name: value' for the upgrade")
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--interval-ms", type=int, default=0)
    parser.add_argument("--exit-when-all-closed", action="store_true")
    parser.add_argument("--warm", action="store_true", help="hold: one echo each, then idle")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    try:
        if args.mode == "echo":
            asyncio.run(asyncio.wait_for(run_echo(args), args.timeout))
        else:
            asyncio.run(asyncio.wait_for(run_hold(args), args.timeout + 15))
    except Exception as e:  # an answer the test can read, whatever went wrong
        emit({"event": "result", "ok": False, "error": repr(e)})
        sys.exit(1)


if __name__ == "__main__":
    main()
