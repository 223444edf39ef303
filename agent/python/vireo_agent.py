#!/usr/bin/env python3
"""Vireo function agent: runs inside each function container (stdlib only).

It loads the handler once, listens on a Unix socket, and answers invocations over length-prefixed JSON frames:
a 4-byte big-endian length, then that many bytes of UTF-8 JSON.

  agent -> worker, first frame on every connection: {"type": "ready", "pid": N, "handler": "main.handle"}
      (or {"type": "error", ...} if the handler cannot be loaded; then the connection closes)
  worker -> agent: {"type": "invoke", "tid": "...", "payload": "<JSON text>"}
  agent -> worker: {"type": "result", "tid": ..., "start_us", "end_us", "duration_us", "cold", "success": true,
                    "result": "<JSON text>"}
               or  {"type": "result", ..., "success": false, "error_type", "error_message", "traceback"}

Environment: VIREO_AGENT_SOCKET (socket path), VIREO_CODE_DIR (added to sys.path), VIREO_HANDLER (module.function).
On SIGTERM it answers the invocations in flight with an error before it exits.
"""
import importlib
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback

_cold = True
_cold_lock = threading.Lock()
_in_flight = {}          # connection -> tid
_in_flight_lock = threading.Lock()


def now_us():
    return time.time_ns() // 1000


def send(conn, message):
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    conn.sendall(struct.pack(">I", len(data)) + data)


def recv_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf.extend(chunk)
    return bytes(buf)


def recv(conn):
    header = recv_exact(conn, 4)
    if header is None:
        return None
    (length,) = struct.unpack(">I", header)
    body = recv_exact(conn, length)
    return None if body is None else json.loads(body.decode("utf-8"))


def load_handler(spec):
    module_name, _, function_name = spec.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


def invoke(handler, message):
    global _cold
    with _cold_lock:
        cold = _cold
        _cold = False
    tid = message.get("tid", "")
    start = now_us()
    try:
        payload = message.get("payload") or "null"
        args = json.loads(payload)
        result = handler(args)
        text = json.dumps(result)
        end = now_us()
        return {"type": "result", "tid": tid, "start_us": start, "end_us": end, "duration_us": end - start,
                "cold": cold, "success": True, "result": text}
    except Exception as e:  # the function's error, not the agent's
        end = now_us()
        return {"type": "result", "tid": tid, "start_us": start, "end_us": end, "duration_us": end - start,
                "cold": cold, "success": False, "error_type": type(e).__name__, "error_message": str(e),
                "traceback": traceback.format_exc()}


def serve(conn, handler, handler_spec):
    with conn:
        send(conn, {"type": "ready", "pid": os.getpid(), "handler": handler_spec})
        while True:
            message = recv(conn)
            if message is None:
                return
            if message.get("type") != "invoke":
                send(conn, {"type": "result", "tid": message.get("tid", ""), "success": False,
                            "error_type": "ProtocolError", "error_message": "unknown message type",
                            "traceback": "", "start_us": 0, "end_us": 0, "duration_us": 0, "cold": False})
                continue
            with _in_flight_lock:
                _in_flight[conn] = message.get("tid", "")
            reply = invoke(handler, message)
            with _in_flight_lock:
                _in_flight.pop(conn, None)
            send(conn, reply)


def on_signal(signum, frame):
    name = signal.Signals(signum).name
    with _in_flight_lock:
        pending = list(_in_flight.items())
    for conn, tid in pending:
        try:
            send(conn, {"type": "result", "tid": tid, "start_us": 0, "end_us": now_us(), "duration_us": 0,
                        "cold": False, "success": False, "error_type": "AgentTerminated",
                        "error_message": "the agent received " + name + " during the invocation", "traceback": ""})
        except OSError:
            pass
    os._exit(128 + signum)


def main():
    path = os.environ["VIREO_AGENT_SOCKET"]
    handler_spec = os.environ["VIREO_HANDLER"]
    code_dir = os.environ.get("VIREO_CODE_DIR", "")
    if code_dir:
        sys.path.insert(0, code_dir)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGABRT, on_signal)
    load_error = None
    handler = None
    try:
        handler = load_handler(handler_spec)
    except Exception as e:
        load_error = {"type": "error", "error_type": type(e).__name__, "error_message": str(e),
                      "traceback": traceback.format_exc()}
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(64)
    while True:
        conn, _ = server.accept()
        if load_error is not None:
            try:
                send(conn, load_error)
            finally:
                conn.close()
            continue
        threading.Thread(target=serve, args=(conn, handler, handler_spec), daemon=True).start()


if __name__ == "__main__":
    main()
