#!/usr/bin/env python3
"""Vireo function agent: runs inside each function container (stdlib only).

It loads the handler once, listens on a Unix socket, and answers invocations over length-prefixed JSON frames:
a 4-byte big-endian length, then that many bytes of UTF-8 JSON.

  agent -> worker, first frame on every connection: {"type": "ready", "pid": N, "handler": "main.handle"}
      (or {"type": "error", ...} if the handler cannot be loaded; then the connection closes)
  worker -> agent: {"type": "invoke", "tid": "...", "payload": "<JSON text>"}
  agent -> worker: {"type": "result", "tid": ..., "start_us", "end_us", "duration_us", "cold", "success": true,
                    "result": "<JSON text>", "stdout", "stderr", "output_truncated", "in_ns", "out_ns"}
               or  {"type": "result", ..., "success": false, "error_type", "error_message", "traceback", "stdout",
                    "stderr", "output_truncated", "in_ns", "out_ns"}
  in_ns / out_ns: time.monotonic_ns() when the request had been read and when the reply is written (the clock the
  worker's JVM reads too: the latency anatomy)

The frames are ASCII (json.dumps escapes everything else), so they are always valid UTF-8; text the function made
(its output, its exception's message) is first made encodable (see safe_text).

Environment: VIREO_AGENT_SOCKET (socket path), VIREO_CODE_DIR (added to sys.path), VIREO_HANDLER (module.function),
VIREO_OUTPUT_LIMIT_BYTES (output kept per stream and invocation, default 65536), VIREO_DEPS_DIR (the function's own
dependencies, default /vireo/deps; empty: none), VIREO_SCRATCH_MB (the size of /tmp, named when it is full).
On SIGTERM it answers the invocations in flight with an error before it exits.
"""
import errno
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
_local = threading.local()  # .capture: the Capture of the invocation the thread is running, if any

OUTPUT_LIMIT_DEFAULT = 64 * 1024
_output_limit = OUTPUT_LIMIT_DEFAULT


def now_us():
    return time.time_ns() // 1000


def recv_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf.extend(chunk)
    return bytes(buf)


def safe_text(text):
    """text that is valid Unicode: a lone surrogate (print("\\udc80"), a file name that was not UTF-8) becomes the six
    characters \\udc80. Sent as is, it would reach the worker as a string the APIs could pass on only changed."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


class BoundedText:
    """The first `limit` bytes (UTF-8) of what was written; what does not fit is dropped and marks it truncated."""

    def __init__(self, limit):
        self.limit = limit
        self.data = bytearray()
        self.truncated = False

    def write(self, text):
        if self.truncated or not text:
            return
        data = text.encode("utf-8", "backslashreplace")
        room = self.limit - len(self.data)
        if len(data) <= room:
            self.data += data
            return
        cut = room
        while cut > 0 and data[cut] & 0xC0 == 0x80:  # a continuation byte: the cut would split a character
            cut -= 1
        self.data += data[:cut]
        self.truncated = True

    def text(self):
        return self.data.decode("utf-8")


class Capture:
    """What one invocation wrote to sys.stdout and sys.stderr, each bounded."""

    def __init__(self, limit):
        self.stdout = BoundedText(limit)
        self.stderr = BoundedText(limit)

    def fields(self):
        return {"stdout": self.stdout.text(), "stderr": self.stderr.text(),
                "output_truncated": self.stdout.truncated or self.stderr.truncated}


class RoutedStream:
    """Stands in for sys.stdout or sys.stderr, installed once for all invocations: a write from a thread that is
    running an invocation is also kept in that invocation's Capture, so concurrent invocations (threads) each get
    their own output. Every write still goes on to the real stream (the container's log)."""

    def __init__(self, real, name):
        self._real = real
        self._name = name

    def write(self, text):
        written = self._real.write(text)
        capture = getattr(_local, "capture", None)
        if capture is not None:
            getattr(capture, self._name).write(text)
        return written

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        self._real.flush()

    def __getattr__(self, name):  # encoding, fileno, isatty, buffer, ...: the real stream's
        return getattr(self._real, name)


def install_output_capture():
    """Routes sys.stdout and sys.stderr through RoutedStream (once; again is a no-op)."""
    if sys.stdout is not None and not isinstance(sys.stdout, RoutedStream):
        sys.stdout = RoutedStream(sys.stdout, "stdout")
    if sys.stderr is not None and not isinstance(sys.stderr, RoutedStream):
        sys.stderr = RoutedStream(sys.stderr, "stderr")


def output_limit(environ):
    """VIREO_OUTPUT_LIMIT_BYTES: bytes kept per stream and invocation (0 keeps nothing); unset is the default."""
    text = environ.get("VIREO_OUTPUT_LIMIT_BYTES", "").strip()
    if not text:
        return OUTPUT_LIMIT_DEFAULT
    if not (text.isascii() and text.isdigit()):
        raise ValueError("VIREO_OUTPUT_LIMIT_BYTES must be a whole number of bytes >= 0, got %r" % text)
    return int(text)


FUNCTION_MAIN = "__vireo_function_main__"
DEFAULT_DEPS_DIR = "/vireo/deps"     # the dependency layer of ./vireo image build --apt/--wheels
REEXEC_GUARD = "VIREO_AGENT_REEXEC"  # set when the agent re-executed itself for LD_LIBRARY_PATH


def deps_dirs(deps_dir):
    """The dependency layer's directories that exist: (Python import dirs, shared-library dirs). Wheels are in
    <deps>/python, Debian packages' modules in <deps>/usr/lib/python3/dist-packages, their libraries in
    <deps>/usr/lib/<multiarch> (and <deps>/usr/lib when it holds libraries itself)."""
    if not deps_dir or not os.path.isdir(deps_dir):
        return [], []
    usr_lib = os.path.join(deps_dir, "usr", "lib")
    python = [os.path.join(deps_dir, "python"), os.path.join(usr_lib, "python3", "dist-packages"),
              os.path.join(usr_lib, "python%d.%d" % sys.version_info[:2], "dist-packages")]
    multiarch = getattr(sys.implementation, "_multiarch", None)
    if multiarch is None:
        import sysconfig
        multiarch = sysconfig.get_config_var("MULTIARCH")
    libs = [os.path.join(usr_lib, multiarch)] if multiarch else []
    if os.path.isdir(usr_lib) and any(".so" in name for name in os.listdir(usr_lib)):
        libs.append(usr_lib)
    return [d for d in python if os.path.isdir(d)], [d for d in libs if os.path.isdir(d)]


def reexec_for_libraries(libs):
    """The dynamic loader reads LD_LIBRARY_PATH once, when the process starts: if the dependency layer has library
    directories that are not on it, run this agent again (same pid, same arguments) with them in front. Once only."""
    current = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    missing = [d for d in libs if d not in current]
    if not missing or os.environ.get(REEXEC_GUARD):
        return
    os.environ["LD_LIBRARY_PATH"] = ":".join(missing + current)
    os.environ[REEXEC_GUARD] = "1"
    argv = getattr(sys, "orig_argv", None) or [sys.executable, "-u"] + sys.argv
    try:
        os.execv(sys.executable, argv)
    except OSError as e:
        print("vireo agent: cannot re-execute for LD_LIBRARY_PATH (%s); native libraries of %s may not load"
              % (e, ", ".join(missing)), file=sys.stderr)


def add_python_dirs(dirs):
    """The dependency layer's import dirs go after the standard library and before the system's site directories
    (the host's Debian packages): a wheel can replace a system package but not a standard module. They are added as
    site directories, so their .pth files are read."""
    import site
    before = list(sys.path)
    for d in dirs:
        site.addsitedir(d)
    added = [p for p in sys.path if p not in before]
    at = next((i for i, p in enumerate(before)
               if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages")), len(before))
    sys.path[:] = before[:at] + added + before[at:]


def load_handler(spec, code_dir=""):
    """module.function -> the function. The module "__main__" (the OpenWhisk convention: code in __main__.py, handler
    __main__.main) is the function's own __main__.py in the code directory, not the agent's script; it is loaded under
    another module name, so its `if __name__ == "__main__":` block does not run."""
    module_name, _, function_name = spec.rpartition(".")
    if module_name == "__main__":
        module = load_function_main(code_dir)
    else:
        module = importlib.import_module(module_name)
    return getattr(module, function_name)


def load_function_main(code_dir):
    import importlib.util
    path = os.path.join(code_dir or os.getcwd(), "__main__.py")
    if not os.path.isfile(path):
        raise ModuleNotFoundError("handler module __main__ expects " + path, name="__main__")
    spec = importlib.util.spec_from_file_location(FUNCTION_MAIN, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[FUNCTION_MAIN] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(FUNCTION_MAIN, None)
        raise
    return module


def parse_args(payload):
    """The handler's argument: the parsed payload; no payload (absent, empty, or JSON null) is {} so that
    args.get(...) works, as OpenWhisk passes a dict."""
    if payload is None or not payload.strip():
        return {}
    args = json.loads(payload)
    return {} if args is None else args


def error_message(e):
    """The exception's text; when it comes from a full scratch space (ENOSPC/EDQUOT anywhere in its chain), says so
    and names the function's scratch_mb, so that a failed write is not mistaken for a bug of the function."""
    seen = e
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            limit = os.environ.get("VIREO_SCRATCH_MB", "")
            return ("scratch space full: the function's /tmp holds at most " + (limit + " MB" if limit else "its size")
                    + " (scratch_mb; register the function with a larger scratch_mb): " + str(e))
        seen = seen.__cause__ or seen.__context__
    return str(e)


def invoke(handler, message, limit=None):
    """Runs one invocation; what the handler writes to sys.stdout and sys.stderr meanwhile, on this thread, is
    returned with the result (when install_output_capture ran)."""
    global _cold
    with _cold_lock:
        cold = _cold
        _cold = False
    tid = message.get("tid", "")
    capture = Capture(_output_limit if limit is None else limit)
    _local.capture = capture
    start = now_us()
    try:
        args = parse_args(message.get("payload"))
        result = handler(args)
        text = json.dumps(result)
        end = now_us()
        reply = {"type": "result", "tid": tid, "start_us": start, "end_us": end, "duration_us": end - start,
                 "cold": cold, "success": True, "result": text}
    except Exception as e:  # the function's error, not the agent's
        end = now_us()
        reply = {"type": "result", "tid": tid, "start_us": start, "end_us": end, "duration_us": end - start,
                 "cold": cold, "success": False, "error_type": safe_text(type(e).__name__),
                 "error_message": safe_text(error_message(e)), "traceback": safe_text(traceback.format_exc())}
    finally:
        _local.capture = None
    reply.update(capture.fields())
    return reply


class FrameStream:
    """A frame stream over a connected socket (uds) or a FIFO pair (pipe)."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    def recv(self):
        header = self.reader(4)
        if header is None:
            return None
        (length,) = struct.unpack(">I", header)
        body = self.reader(length) if length else b""
        return None if body is None else received(json.loads(body.decode("utf-8")))

    def send(self, message):
        data = out_json(message).encode("utf-8")
        self.writer(struct.pack(">I", len(data)) + data)


def received(message):
    """Stamps a request as read (the monotonic clock the worker's JVM reads too: the latency anatomy)."""
    if isinstance(message, dict):
        message["_in_ns"] = time.monotonic_ns()
    return message


def stamped(reply, message):
    """A reply with when its request was read (monotonic ns); when it leaves is added as it is written (out_json)."""
    reply["in_ns"] = message.get("_in_ns", 0)
    reply[OUT_NS] = True
    return reply


OUT_NS = "_out_ns"


def out_json(message):
    """The frame's JSON text; a reply marked by stamped() gets "out_ns" last, read after the rest was serialized."""
    if not message.pop(OUT_NS, False):
        return json.dumps(message, separators=(",", ":"))
    text = json.dumps(message, separators=(",", ":"))
    return text[:-1] + ',"out_ns":%d}' % time.monotonic_ns()


def socket_stream(conn):
    return FrameStream(lambda n: recv_exact(conn, n), conn.sendall)


def ready_frame(handler_spec):
    return {"type": "ready", "pid": os.getpid(), "handler": handler_spec}


def protocol_error(message, text):
    return {"type": "result", "tid": message.get("tid", ""), "success": False, "error_type": "ProtocolError",
            "error_message": text, "traceback": "", "start_us": 0, "end_us": 0, "duration_us": 0, "cold": False}


def answer(stream, message, handler, handler_spec):
    """One request frame -> one reply frame. "hello" asks for readiness again (pipes are reopened)."""
    kind = message.get("type")
    if kind == "hello":
        stream.send(ready_frame(handler_spec))
        return
    if kind != "invoke":
        stream.send(protocol_error(message, "unknown message type"))
        return
    with _in_flight_lock:
        _in_flight[stream] = message.get("tid", "")
    reply = invoke(handler, message)
    with _in_flight_lock:
        _in_flight.pop(stream, None)
    stream.send(stamped(reply, message))


def serve(stream, handler, handler_spec):
    while True:
        message = stream.recv()
        if message is None:
            return
        answer(stream, message, handler, handler_spec)


def serve_socket(conn, handler, handler_spec):
    with conn:
        stream = socket_stream(conn)
        stream.send(ready_frame(handler_spec))
        serve(stream, handler, handler_spec)


def serve_pipe(directory, index, handler, handler_spec, load_error):
    """FIFO pair N: the worker writes requests into in-N and reads replies from out-N. The worker opens in-N for
    writing, then out-N for reading, then sends "hello"; the agent opens them in the same order, so neither side
    deadlocks. When the worker closes the pair, the agent waits for the next opener."""
    request_path = os.path.join(directory, "in-%d" % index)
    reply_path = os.path.join(directory, "out-%d" % index)
    while True:
        with open(request_path, "rb", buffering=0) as requests, open(reply_path, "wb", buffering=0) as replies:
            def read_exact(n):
                buf = bytearray()
                while len(buf) < n:
                    chunk = requests.read(n - len(buf))
                    if not chunk:
                        return None
                    buf.extend(chunk)
                return bytes(buf)

            def write_all(data):
                view = memoryview(data)
                while view:
                    view = view[replies.write(view):]

            stream = FrameStream(read_exact, write_all)
            try:
                if load_error is not None:
                    if stream.recv() is not None:
                        stream.send(load_error)
                    continue
                serve(stream, handler, handler_spec)
            except BrokenPipeError:
                pass


def make_http_handler(handler, handler_spec, load_error):
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def log_message(self, format, *args):  # no access log on stderr
            pass

        def reply(self, status, message):
            body = out_json(message).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != "/ready":
                self.reply(404, {"type": "error", "error_type": "NotFound", "error_message": self.path})
            elif load_error is not None:
                self.reply(500, load_error)
            else:
                self.reply(200, ready_frame(handler_spec))

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            message = received(json.loads(self.rfile.read(length).decode("utf-8")) if length else {})
            if self.path != "/invoke" or message.get("type") != "invoke":
                self.reply(400, protocol_error(message, "POST /invoke with an invoke message expected"))
                return
            if load_error is not None:
                self.reply(500, load_error)
                return
            with _in_flight_lock:
                _in_flight[self] = message.get("tid", "")
            result = invoke(handler, message)
            with _in_flight_lock:
                _in_flight.pop(self, None)
            self.reply(200, stamped(result, message))

        def send_frame(self, message):  # used by the signal handler for an invocation in flight
            self.reply(200, message)

    return Handler


def on_signal(signum, frame):
    name = signal.Signals(signum).name
    with _in_flight_lock:
        pending = list(_in_flight.items())
    for stream, tid in pending:
        try:
            (stream.send if isinstance(stream, FrameStream) else stream.send_frame)({"type": "result", "tid": tid, "start_us": 0, "end_us": now_us(), "duration_us": 0,
                        "cold": False, "success": False, "error_type": "AgentTerminated",
                        "error_message": "the agent received " + name + " during the invocation", "traceback": ""})
        except OSError:
            pass
    os._exit(128 + signum)


def main():
    python_dirs, lib_dirs = deps_dirs(os.environ.get("VIREO_DEPS_DIR", DEFAULT_DEPS_DIR))
    reexec_for_libraries(lib_dirs)
    add_python_dirs(python_dirs)
    handler_spec = os.environ["VIREO_HANDLER"]
    code_dir = os.environ.get("VIREO_CODE_DIR", "")
    if code_dir:
        sys.path.insert(0, code_dir)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGABRT, on_signal)
    install_output_capture()  # before the handler's module runs, so a logging handler it makes writes through it
    global _output_limit
    load_error = None
    handler = None
    try:
        _output_limit = output_limit(os.environ)
        handler = load_handler(handler_spec, code_dir)
    except Exception as e:
        load_error = {"type": "error", "error_type": safe_text(type(e).__name__), "error_message": safe_text(str(e)),
                      "traceback": safe_text(traceback.format_exc())}
    if os.environ.get("VIREO_AGENT_PIPES"):
        directory = os.environ["VIREO_AGENT_PIPES"]
        count = int(os.environ.get("VIREO_AGENT_PIPE_COUNT", "1"))
        threads = [threading.Thread(target=serve_pipe, args=(directory, i, handler, handler_spec, load_error),
                                    daemon=True) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return
    if os.environ.get("VIREO_AGENT_HTTP"):
        import http.server
        host, _, port = os.environ["VIREO_AGENT_HTTP"].rpartition(":")
        server = http.server.ThreadingHTTPServer((host or "0.0.0.0", int(port)),
                                                 make_http_handler(handler, handler_spec, load_error))
        server.daemon_threads = True
        server.serve_forever()
        return
    path = os.environ["VIREO_AGENT_SOCKET"]
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
                socket_stream(conn).send(load_error)
            finally:
                conn.close()
            continue
        threading.Thread(target=serve_socket, args=(conn, handler, handler_spec), daemon=True).start()


if __name__ == "__main__":
    main()
