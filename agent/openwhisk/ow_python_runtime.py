#!/usr/bin/env python3
"""A Python runtime speaking the OpenWhisk action runtime protocol, standard library only.

It is what a stock OpenWhisk runtime image does, built here from Debian's python3 (no registry reaches these machines):
`./vireo image build openwhisk-python3` makes an image that runs it, and Vireo's `openwhisk` transport talks to it
exactly as to any other runtime of the protocol. It knows nothing of Vireo.

  POST /init  {"value": {"name", "main", "code", "binary", "env"}}
      code: the source of __main__.py, or (binary) a base64 zip holding __main__.py and whatever it imports.
      200 {"ok": true}; a second /init is refused (403); code that does not load: 502 {"error": "..."}.
  POST /run   {"value": {...}, "namespace", "action_name", "activation_id", "transaction_id", "deadline", ...}
      every member but value is set as the variable __OW_<NAME> while the action runs; main(value) must return a
      dict: 200 with it as JSON; anything else, or an exception: 200 {"error": "..."} (an application error: the
      runtime is fine). Before /init: 403 (any status but 200 tells the invoker the container is broken).
  After each activation the line XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX goes to stdout and to stderr, as OpenWhisk's
  invokers expect, to cut the container's logs per activation.

One activation at a time (OpenWhisk's default); listens on 0.0.0.0:8080, or --port / the variable __OW_PORT; exits
on SIGTERM (it is the container's first process, which the kernel shields from signals it does not handle).
"""
import argparse
import base64
import importlib.util
import io
import json
import os
import signal
import sys
import tempfile
import threading
import traceback
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SENTINEL = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"
MAX_BODY = 96 * 1024 * 1024  # 48 MiB of code, base64-encoded, and more


class Action:
    """The action /init loaded: its main function, once."""

    def __init__(self):
        self.main = None
        self.lock = threading.Lock()
        self.initialized = False

    def init(self, value):
        if not isinstance(value, dict):
            raise ValueError("the /init body has no value object")
        code = value.get("code")
        if not isinstance(code, str) or not code:
            raise ValueError("no code to run: /init needs value.code")
        main_name = value.get("main") or "main"
        home = tempfile.mkdtemp(prefix="action-")
        if value.get("binary"):
            try:
                archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(code, validate=True)))
            except (ValueError, zipfile.BadZipFile) as e:
                raise ValueError("binary code is not a base64 zip archive: %s" % e)
            for name in archive.namelist():
                target = os.path.realpath(os.path.join(home, name))
                if not target.startswith(os.path.realpath(home) + os.sep):
                    raise ValueError("the archive names a path outside itself: %s" % name)
            archive.extractall(home)
        else:
            with open(os.path.join(home, "__main__.py"), "w", encoding="utf-8") as f:
                f.write(code)
        entry = os.path.join(home, "__main__.py")
        if not os.path.isfile(entry):
            raise ValueError("the archive holds no __main__.py")
        for key, val in (value.get("env") or {}).items():
            os.environ[str(key)] = val if isinstance(val, str) else json.dumps(val)
        sys.path.insert(0, home)
        spec = importlib.util.spec_from_file_location("__ow_action__", entry)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        main = getattr(module, main_name, None)
        if not callable(main):
            raise ValueError("the action has no function %s" % main_name)
        self.main = main

    def run(self, body):
        for key, val in body.items():
            if key != "value":
                os.environ["__OW_" + key.upper()] = val if isinstance(val, str) else json.dumps(val)
        try:
            result = self.main(body.get("value", {}))
        finally:
            for stream in (sys.stdout, sys.stderr):
                print(SENTINEL, file=stream, flush=True)
        if not isinstance(result, dict):
            raise TypeError("the action did not return a dictionary")
        return result


ACTION = Action()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the invoker's connection serves every activation

    def log_message(self, fmt, *args):  # the container's stderr is the action's log, not the server's
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("a body of %d bytes" % length)
        parsed = json.loads(self.rfile.read(length) or b"{}")
        if not isinstance(parsed, dict):
            raise ValueError("the body is not a JSON object")
        return parsed

    def do_POST(self):
        try:
            body = self.body()
        except ValueError as e:
            self.close_connection = True
            self.answer(400, {"error": "bad request: %s" % e})
            return
        with ACTION.lock:
            if self.path == "/init":
                if ACTION.initialized:
                    self.answer(403, {"error": "cannot initialize the action more than once"})
                    return
                try:
                    ACTION.init(body.get("value"))
                    ACTION.initialized = True
                    self.answer(200, {"ok": True})
                except Exception as e:  # the action's code: anything may go wrong
                    traceback.print_exc()
                    self.answer(502, {"error": "the action failed to initialize: %s: %s" % (type(e).__name__, e)})
            elif self.path == "/run":
                if not ACTION.initialized:
                    self.answer(403, {"error": "cannot run an action that was not initialized"})
                    return
                try:
                    result = ACTION.run(body)
                except Exception as e:  # the action's: an application error, the runtime serves on
                    traceback.print_exc()
                    result = {"error": "an error has occurred: %s: %s" % (type(e).__name__, e)}
                self.answer(200, result)
            else:
                self.answer(404, {"error": "no route %s" % self.path})


def main(argv):
    parser = argparse.ArgumentParser(prog="ow_python_runtime")
    parser.add_argument("--port", type=int, default=int(os.environ.get("__OW_PORT", "8080")))
    parser.add_argument("--host", default="0.0.0.0")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
