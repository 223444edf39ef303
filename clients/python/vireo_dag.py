"""Vireo workflows from Python: build a graph by calling functions, submit it, wait, read the results.

Standard library only (urllib, json); copy this one file next to your script. See docs/dag.md, "Clients: Python".

    from vireo_dag import Client, Item, Workflow, function

    split, count, total = function("split-1"), function("count-1"), function("sum-1")
    wf = Workflow("wordcount", on_error="fail_fast", retries=1)
    with wf:
        words = split(text="a b c")            # a Node: the future output of task "split"
        counts = count.map(words, word=Item)   # one invocation per element of words' output
        result = total(xs=counts)              # Nodes anywhere in args become {"$ref": ...}
    client = Client("http://127.0.0.1:8070")
    run = client.submit(wf)
    client.wait(run, timeout=60)
    print(client.result(run)[result.id])

Calling a function records a task; nothing runs until the workflow is submitted. The server checks the spec (that
the functions exist, the graph); this module only refuses what is plainly misuse: a Node of another workflow, Item
outside a map, values that are not JSON.
"""

import functools
import inspect
import json
import math
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Client", "Function", "Item", "Node", "VireoError", "Workflow", "function", "task"]

TASK_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
WORKFLOW_NAME = re.compile(r"[a-z0-9_-]{0,63}\Z")
ON_ERROR = ("fail_fast", "continue")
SLA = ("mean", "p50", "p90", "p95", "p99")
DEFAULT_URL = "http://127.0.0.1:8070"


class _ItemType:
    """The element placeholder of a map task's args (use the one instance, Item)."""

    __slots__ = ()

    def __repr__(self):
        return "Item"


Item = _ItemType()
"""In the args of fn.map(source, ...): stands for the element of source's output list the invocation gets."""

_active = threading.local()


def _current():
    stack = getattr(_active, "stack", None)
    return stack[-1] if stack else None


class VireoError(Exception):
    """A refusal from the server ({"error": {"kind", "message"}}), or a failure to reach it or to wait for a run.

    kind: the server's error kind (INVALID_REQUEST, NOT_FINISHED, UNAUTHORIZED, NOT_FOUND, ...), or UNREACHABLE,
    TIMEOUT, HTTP (a reply that is not a Vireo error), FAILED / CANCELLED (Client.run of a run that did not succeed).
    status: the HTTP status, or None when there was no reply. details: the reply body, or the run's last status.
    """

    def __init__(self, kind, message, status=None, details=None):
        super().__init__(f"{kind}: {message}" if status is None else f"{kind} (HTTP {status}): {message}")
        self.kind = kind
        self.message = message
        self.status = status
        self.details = details


class Node:
    """A task of a workflow, standing for its output: pass it in another task's args, or map over it."""

    __slots__ = ("workflow", "function", "args", "source", "_retries", "_after", "_name", "_prefix")

    def __init__(self, workflow, function_id, args, source, retries, prefix):
        self.workflow = workflow
        self.function = function_id
        self.args = args
        self.source = source
        self._retries = retries
        self._after = []
        self._name = None
        self._prefix = prefix

    @property
    def id(self):
        """The task id: the one given with named() / id=, else one made from the function's name."""
        return self.workflow._ids()[self]

    @property
    def ref(self):
        """The reference to this task's output, as the spec writes it."""
        return {"$ref": self.id}

    def named(self, task_id):
        """Gives the task this id (1-64 of A-Za-z0-9_.-, unique in the workflow); returns the node."""
        self.workflow._rename(self, task_id)
        return self

    def retries(self, n):
        """Sets this task's own retries (0-10; the workflow's apply otherwise); returns the node."""
        self._retries = _check_retries(n, f"task {self!r}")
        return self

    def after(self, *nodes):
        """Makes this task wait for nodes to finish without taking their outputs (the spec's "after"); returns
        the node."""
        for n in nodes:
            if not isinstance(n, Node):
                raise TypeError(f"{self!r}.after: takes Nodes, not {type(n).__name__}")
            if n.workflow is not self.workflow:
                raise ValueError(f"{self!r}.after: {n!r} belongs to workflow '{n.workflow.name}', not"
                                 f" '{self.workflow.name}'")
            if n is self:
                raise ValueError(f"{self!r}.after: a task cannot wait for itself")
            if n not in self._after:
                self._after.append(n)
        return self

    def __getitem__(self, key):
        raise TypeError(f"{self!r} is the future output of a task: a workflow passes outputs whole, so index it in the"
                        " function that receives it (or map over a list with fn.map)")

    def __iter__(self):
        raise TypeError(f"{self!r} is the future output of a task: to run a function per element, use"
                        " fn.map(node, ..., arg=Item)")

    def __repr__(self):
        shown = self._name or self._prefix
        return f"<Node {shown} ({self.function}{', map over ' + self.source.id if self.source else ''})>"


def _check_retries(n, what):
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 10:
        raise ValueError(f"{what}: retries must be an integer 0-10, not {n!r}")
    return n


def _prefix(text):
    """A readable id prefix: 'count-1' -> 'count' (the name without its version), invalid characters -> '_'."""
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "task"
    return text[:56]


def _function_name(function_id):
    name, sep, _version = function_id.rpartition("-")
    return name if sep and name else function_id


class Function:
    """A registered Vireo function (id name-version) to call inside a workflow.

    fn(**kwargs) records a task whose args are kwargs (a JSON object); fn(value) one whose args are value; with a
    stub (task()), arguments bind to the stub's parameters. fn.map(node, ...) records a map task. The keyword
    arguments id=, retries= and after= (a list of Nodes) set the task's id, retries and order-only dependencies
    unless the stub has parameters of those names (then use .named(), .retries() and .after() on the node).
    """

    def __init__(self, function_id, name=None, retries=None, stub=None):
        if not isinstance(function_id, str) or not function_id:
            raise ValueError(f"a function id is 'name-version', not {function_id!r}")
        self.function_id = function_id
        self.prefix = _prefix(name or _function_name(function_id))
        self.retries = None if retries is None else _check_retries(retries, f"function {function_id}")
        self._stub = stub
        self._signature = inspect.signature(stub) if stub is not None else None
        if stub is not None:
            functools.update_wrapper(self, stub)

    def __call__(self, /, *args, **kwargs):
        return self._node(None, None, args, kwargs)

    def map(self, source, /, *args, **kwargs):
        """A task that runs this function once per element of source's output (a list); Item in args is the
        element. Its output is the list of the results, in element order."""
        return self._node(None, source, args, kwargs)

    def _node(self, workflow, source, args, kwargs):
        if workflow is None:
            workflow = _current()
            if workflow is None:
                raise RuntimeError(f"no workflow to add {self.function_id} to: call it inside 'with workflow:' or"
                                   " use workflow.call(fn, ...)")
        if source is not None:
            if not isinstance(source, Node):
                raise TypeError(f"{self.function_id}.map: maps over a Node (a task's output list), not"
                                f" {type(source).__name__}")
            if source.workflow is not workflow:
                raise ValueError(f"{self.function_id}.map: {source!r} belongs to workflow"
                                 f" '{source.workflow.name}', not '{workflow.name}'")
        options = {}
        for option in ("id", "retries", "after"):
            if option in kwargs and (self._signature is None or option not in self._signature.parameters):
                options[option] = kwargs.pop(option)
        payload = self._payload(args, kwargs)
        where = f"{self.function_id} args"
        args_tree = _convert(payload, workflow, source is not None, where)
        retries = self.retries
        if options.get("retries") is not None:
            retries = _check_retries(options["retries"], where)
        node = Node(workflow, self.function_id, args_tree, source, retries, self.prefix)
        workflow._add(node)
        try:
            if options.get("after") is not None:
                after = options["after"]
                node.after(*(after if isinstance(after, (list, tuple)) else [after]))
            if options.get("id") is not None:
                node.named(options["id"])
        except (TypeError, ValueError):
            workflow._remove(node)
            raise
        return node

    def _payload(self, args, kwargs):
        if self._signature is not None:
            try:
                bound = self._signature.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"{self.function_id} ({self.__name__}{self._signature}): {e}") from None
            payload = {}
            for name, value in bound.arguments.items():
                kind = self._signature.parameters[name].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    payload.update(value)
                else:
                    payload[name] = value
            return payload
        if args:
            if kwargs or len(args) > 1:
                raise TypeError(f"{self.function_id}: give keyword arguments (the args object) or one positional"
                                " value (the whole args), not both or several")
            return args[0]
        return kwargs

    def __repr__(self):
        return f"<Function {self.function_id}>"


def function(function_id, name=None, retries=None):
    """A registered function, to call inside a workflow. name: the prefix of its tasks' ids (default: the function
    id without its version); retries: its tasks' retries (default: the workflow's)."""
    return Function(function_id, name=name, retries=retries)


def task(function_id, name=None, retries=None):
    """Decorator: the stub (a Python function whose body is never run) stands for the registered function; its name
    is the tasks' id prefix and its signature the args it takes (positional arguments bind to parameter names)."""

    def wrap(stub):
        return Function(function_id, name=name or stub.__name__, retries=retries, stub=stub)

    return wrap


def _convert(value, workflow, mapped, where):
    """Checks that value is JSON (with Nodes and Item in it) and copies it (tuples become lists)."""
    if isinstance(value, Node):
        if value.workflow is not workflow:
            raise ValueError(f"{where}: {value!r} belongs to workflow '{value.workflow.name}', not"
                             f" '{workflow.name}'")
        return value
    if value is Item:
        if not mapped:
            raise ValueError(f"{where}: Item stands for the element in a map task: use fn.map(node, ..., x=Item)")
        return value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} is not a JSON number")
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: JSON object keys are strings, not {k!r}")
            out[k] = _convert(v, workflow, mapped, f"{where}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [_convert(v, workflow, mapped, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: a {type(value).__name__} is not JSON (use dict, list, str, int, float, bool, None,"
                    " a Node or Item)")


def _to_json(value, ids):
    if isinstance(value, Node):
        return {"$ref": ids[value]}
    if value is Item:
        return {"$item": True}
    if isinstance(value, dict):
        return {k: _to_json(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v, ids) for v in value]
    return value


class Workflow:
    """A graph of tasks, recorded by calling Functions inside 'with workflow:' (or with workflow.call / .map).

    on_error: "fail_fast" (the run fails at the first task that fails for good) or "continue" (tasks that need it
    are skipped, the rest go on). retries: each task's retries unless it sets its own, 0-10. retry_backoff_ms: wait
    before a first retry, doubled for each next (the server's default, 100, when None).
    """

    def __init__(self, name="", on_error="fail_fast", retries=0, retry_backoff_ms=None):
        if not isinstance(name, str) or not WORKFLOW_NAME.match(name):
            raise ValueError(f"workflow name {name!r} is invalid: use 0-63 of a-z, 0-9, '_', '-'")
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error {on_error!r} is invalid: use fail_fast or continue")
        self.name = name
        self.on_error = on_error
        self.retries = _check_retries(retries, f"workflow '{name}'")
        self.retry_backoff_ms = retry_backoff_ms
        self.nodes = []
        self._cache = None

    def __enter__(self):
        if not hasattr(_active, "stack"):
            _active.stack = []
        _active.stack.append(self)
        return self

    def __exit__(self, *exc):
        _active.stack.pop()
        return False

    def call(self, fn, /, *args, **kwargs):
        """Records a task running fn (a Function, or a function id) on the arguments; returns its Node."""
        return _function_of(fn)._node(self, None, args, kwargs)

    def map(self, fn, source, /, *args, **kwargs):
        """Records a map task running fn once per element of source's output; returns its Node."""
        return _function_of(fn)._node(self, source, args, kwargs)

    def spec(self):
        """The workflow as the JSON spec (a dict) POST /dags and ./vireo dag submit take."""
        if not self.nodes:
            raise ValueError(f"workflow '{self.name}' has no tasks")
        ids = self._ids()
        tasks = []
        for node in self.nodes:
            t = {"id": ids[node], "function": node.function, "args": _to_json(node.args, ids)}
            if node.source is not None:
                t["map"] = ids[node.source]
            if node._after:
                t["after"] = [ids[n] for n in node._after]
            if node._retries is not None:
                t["retries"] = node._retries
            tasks.append(t)
        spec = {"name": self.name, "on_error": self.on_error, "retries": self.retries}
        if self.retry_backoff_ms is not None:
            spec["retry_backoff_ms"] = self.retry_backoff_ms
        spec["tasks"] = tasks
        return spec

    def json(self, indent=None):
        """spec() as JSON text."""
        return json.dumps(self.spec(), indent=indent, ensure_ascii=False, allow_nan=False)

    def _add(self, node):
        self.nodes.append(node)
        self._cache = None

    def _remove(self, node):
        self.nodes.remove(node)
        self._cache = None

    def _rename(self, node, task_id):
        if not isinstance(task_id, str) or not TASK_ID.match(task_id):
            raise ValueError(f"task id {task_id!r} is invalid: use 1-64 letters, digits, '_', '.' or '-'")
        for other in self.nodes:
            if other is not node and other._name == task_id:
                raise ValueError(f"task id '{task_id}' is already given to {other!r}")
        node._name = task_id
        self._cache = None

    def _ids(self):
        """Node -> id: given ids as given; the others prefix, prefix-2, ... in call order, skipping taken ones."""
        if self._cache is None:
            taken = {n._name for n in self.nodes if n._name}
            last = {}
            ids = {}
            for n in self.nodes:
                if n._name:
                    ids[n] = n._name
                    continue
                k = last.get(n._prefix, 0)
                while True:
                    k += 1
                    candidate = n._prefix if k == 1 else f"{n._prefix}-{k}"
                    if candidate not in taken:
                        break
                last[n._prefix] = k
                taken.add(candidate)
                ids[n] = candidate
            self._cache = ids
        return self._cache

    def __repr__(self):
        return f"<Workflow {self.name!r}: {len(self.nodes)} tasks>"


def _function_of(fn):
    if isinstance(fn, Function):
        return fn
    if isinstance(fn, str):
        return Function(fn)
    raise TypeError(f"a Function or a function id, not {type(fn).__name__}")


class Client:
    """The workflow endpoints of a Vireo worker or controller (POST/GET/DELETE /dags).

    token: the bearer token (default: the VIREO_TOKEN environment variable, as the CLI). timeout: seconds for
    each HTTP request. Safe to share between threads (each call is one request).
    """

    def __init__(self, url=DEFAULT_URL, token=None, timeout=30.0):
        self.url = url.rstrip("/")
        self.token = token if token is not None else (os.environ.get("VIREO_TOKEN") or None)
        self.timeout = timeout

    def submit(self, workflow, resume=None, sla=None):
        """Starts a run of workflow (a Workflow, a spec dict or spec JSON text); returns the run id. resume: a run
        whose succeeded tasks are not run again (their outputs are reused). sla: the statistic of past runs the run's
        plan predicts with, one of SLA ("mean", "p50", "p90", "p95", "p99"; the server's default is p50): it sets
        "sla" in the spec, replacing the spec's own (a dict given is not changed; text that is not a JSON object goes
        as it is, for the server to refuse). A ValueError for another value, before anything is sent."""
        if sla is not None and sla not in SLA:
            raise ValueError(f"sla {sla!r} is not an SLA statistic; use one of {', '.join(SLA)}")
        if isinstance(workflow, Workflow):
            body = workflow.json() if sla is None else _dumps(dict(workflow.spec(), sla=sla))
        elif isinstance(workflow, dict):
            body = _dumps(workflow if sla is None else dict(workflow, sla=sla))
        elif isinstance(workflow, str):
            body = workflow if sla is None else _with_sla(workflow, sla)
        else:
            raise TypeError(f"submit takes a Workflow, a spec dict or JSON text, not {type(workflow).__name__}")
        path = "/dags" + ("?resume=" + urllib.parse.quote(resume, safe="") if resume else "")
        return self._request("POST", path, body.encode("utf-8"))["run"]

    def status(self, run, records=True):
        """The run's status: {"run", "name", "state", "submitted", "elapsed_us", "tasks", "finished", "counts",
        "failure" (when a task failed the run), "records" (one per task; left out with records=False, which is cheap
        enough to poll a run of 100,000 tasks)}."""
        return self._request("GET", "/dags/" + _segment(run) + ("" if records else "?records=false"))

    def spec(self, run):
        """The run's workflow as a spec dict (what submit reads back to the same workflow): the graph's edges for
        tools that draw or analyse a run."""
        return self._request("GET", "/dags/" + _segment(run) + "/spec")

    def plan(self, run):
        """The run's plan as its planner made it at submission: {"run", "planner", "home", "sla", "predicted_makespan_us",
        "steps": [{"task", "worker" (empty: where its inputs are), "group", "prewarm", "priority", "start_us",
        "finish_us"}]}, times in microseconds after submission (-1, or a makespan of 0, where none was predicted),
        one step per task. Set beside status(run)["records"] (start_us/end_us) it shows planned against observed."""
        return self._request("GET", "/dags/" + _segment(run) + "/plan")

    def runs(self):
        """The runs the server knows, newest first, without records."""
        return self._request("GET", "/dags")

    def result(self, run):
        """{task id: output} of the run's sinks (the tasks no other needs) that succeeded. A VireoError NOT_FINISHED
        (HTTP 409) while the run is still running."""
        return self._request("GET", "/dags/" + _segment(run) + "/result").get("outputs", {})

    def cancel(self, run):
        """Cancels the run: nothing more starts (invocations in flight finish). Returns its status."""
        return self._request("DELETE", "/dags/" + _segment(run))

    def delete(self, run):
        """Removes the run and all it stored (cancelling it first if it runs)."""
        return self._request("DELETE", "/dags/" + _segment(run) + "?purge=true")

    def wait(self, run, timeout=None, poll=0.5, records=True):
        """Polls the run (without records) until it ends; returns its final status, with records unless
        records=False. poll: the longest wait between polls (it starts at 50 ms and doubles). A VireoError TIMEOUT
        (details: the last status) after timeout seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = min(0.05, poll)
        while True:
            status = self.status(run, records=False)
            if status.get("state") != "running":
                return self.status(run) if records else status
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise VireoError("TIMEOUT", f"run {run} still running after {timeout} s: {status.get('finished')}"
                                     f" of {status.get('tasks')} tasks finished", details=status)
                time.sleep(min(delay, left))
            else:
                time.sleep(delay)
            delay = min(delay * 2, poll)

    def run(self, workflow, timeout=None, poll=0.5, resume=None, sla=None):
        """Submits (resume and sla as submit takes them), waits and returns the result; a VireoError (kind FAILED or
        CANCELLED, details: the last status) when the run did not succeed."""
        run = self.submit(workflow, resume=resume, sla=sla)
        status = self.wait(run, timeout=timeout, poll=poll, records=False)
        if status.get("state") != "succeeded":
            raise VireoError(str(status.get("state")).upper(), f"run {run}: {status.get('failure') or 'no failure'}",
                             details=status)
        return self.result(run)

    def _request(self, method, path, body=None):
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            raise _http_error(e) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise VireoError("UNREACHABLE", f"{method} {self.url}{path}: {reason}") from None
        return json.loads(text) if text.strip() else None


def _dumps(spec):
    return json.dumps(spec, ensure_ascii=False, allow_nan=False)


def _with_sla(text, sla):
    """Spec text with "sla" set; text that is not one JSON object (or repeats a key) is returned as it is."""

    def pairs(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            raise ValueError("a repeated key")
        return dict(items)

    def constant(name):
        raise ValueError(f"{name} is not JSON")

    try:
        spec = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except ValueError:
        return text
    if not isinstance(spec, dict):
        return text
    spec["sla"] = sla
    return _dumps(spec)


def _segment(run):
    if not isinstance(run, str) or not run:
        raise ValueError(f"a run id is a non-empty string, not {run!r}")
    return urllib.parse.quote(run, safe="")


def _http_error(e):
    text = e.read().decode("utf-8", "replace")
    try:
        error = json.loads(text)["error"]
        return VireoError(error["kind"], error["message"], e.code, error)
    except (ValueError, KeyError, TypeError):
        return VireoError("HTTP", text.strip() or e.reason, e.code, text)
