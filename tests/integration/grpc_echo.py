#!/usr/bin/python3
"""A gRPC server and client for the integration tests (python3-grpcio, no
generated code: generic handlers over raw bytes).
  server --name NAME        serves on 127.0.0.1 (a free port), prints "listening on PORT"
  client --port P           calls through the proxy, prints one JSON object
Methods: /quikedge.Echo/Unary (echo + name), /quikedge.Echo/Stream (COUNT
messages, COUNT from the request), /quikedge.Echo/Fail (NOT_FOUND),
/quikedge.Echo/Big (as many bytes as the request says).
  client --big N --size S   instead: N sequential Big calls of S bytes each"""
import argparse
import json
import sys
from concurrent import futures

import grpc


def identity(data):
    return data


def serve(name):
    def unary(request, context):
        context.set_trailing_metadata((("x-served-by", name),))
        return request + b" from " + name.encode()

    def stream(request, context):
        for i in range(int(request.decode())):
            yield b"%d %s" % (i, name.encode())

    def fail(request, context):
        context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")

    def big(request, context):
        return b"x" * int(request.decode())

    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, identity, identity),
        "Stream": grpc.unary_stream_rpc_method_handler(stream, identity, identity),
        "Fail": grpc.unary_unary_rpc_method_handler(fail, identity, identity),
        "Big": grpc.unary_unary_rpc_method_handler(big, identity, identity),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("quikedge.Echo",
                                                                          handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("listening on %d" % port, flush=True)
    server.wait_for_termination()  # until the test stops it (SIGTERM)


def client(port, count, timeout):
    result = {}
    with grpc.insecure_channel("127.0.0.1:%d" % port) as channel:
        unary = channel.unary_unary("/quikedge.Echo/Unary", identity, identity)
        reply, call = unary.with_call(b"hello", timeout=timeout)
        result["unary"] = reply.decode()
        result["unary_trailers"] = {k: v for k, v in call.trailing_metadata()}
        stream = channel.unary_stream("/quikedge.Echo/Stream", identity, identity)
        result["stream"] = [m.decode() for m in stream(str(count).encode(), timeout=timeout)]
        fail = channel.unary_unary("/quikedge.Echo/Fail", identity, identity)
        try:
            fail(b"x", timeout=timeout)
            result["fail"] = "OK"
        except grpc.RpcError as error:
            result["fail"] = error.code().name
            result["fail_details"] = error.details()
    print(json.dumps(result))


def big_calls(port, count, size, timeout):
    """Sequential calls on one channel: one connection to the proxy, which
    multiplexes them on its upstream connection. Prints how many came back whole."""
    whole = 0
    with grpc.insecure_channel("127.0.0.1:%d" % port) as channel:
        big = channel.unary_unary("/quikedge.Echo/Big", identity, identity)
        for _ in range(count):
            try:
                if len(big(str(size).encode(), timeout=timeout)) == size:
                    whole += 1
            except grpc.RpcError as error:
                print(json.dumps({"big": whole, "error": error.code().name}))
                return
    print(json.dumps({"big": whole}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--name", default="blue")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--big", type=int, default=0)
    parser.add_argument("--size", type=int, default=65536)
    args = parser.parse_args()
    if args.mode == "server":
        serve(args.name)
    elif args.big > 0:
        big_calls(args.port, args.big, args.size, args.timeout)
    else:
        client(args.port, args.count, args.timeout)


if __name__ == "__main__":
    main()
