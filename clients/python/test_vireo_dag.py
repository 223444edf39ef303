"""Unit tests of vireo_dag: the specs it builds, and its HTTP calls against a small fake server.

Run: python3 -B -m unittest discover -s clients/python (Maven runs them too: cli PythonClientTest).
"""
import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vireo_dag import Client, Function, Item, Node, VireoError, Workflow, function, task

split = function("split-1")
count = function("count-1")
total = function("sum-1")


class SpecTest(unittest.TestCase):
    def test_a_chain_refers_to_each_previous_task(self):
        wf = Workflow("chain", retries=2, retry_backoff_ms=50)
        with wf:
            a = split(text="a b c")
            b = count(words=a)
            c = total(b)
        self.assertEqual({"name": "chain", "on_error": "fail_fast", "retries": 2, "retry_backoff_ms": 50, "tasks": [
            {"id": "split", "function": "split-1", "args": {"text": "a b c"}},
            {"id": "count", "function": "count-1", "args": {"words": {"$ref": "split"}}},
            {"id": "sum", "function": "sum-1", "args": {"$ref": "count"}}]}, wf.spec())
        self.assertEqual(["split", "count", "sum"], [a.id, b.id, c.id])
        self.assertEqual({"$ref": "count"}, b.ref)

    def test_fan_out_and_fan_in_get_numbered_ids(self):
        wf = Workflow("fan", on_error="continue")
        with wf:
            src = split(text="x")
            parts = [count(part=i, of=src) for i in range(3)]
            done = total(xs=parts, first=parts[0])
        spec = wf.spec()
        self.assertEqual("continue", spec["on_error"])
        self.assertNotIn("retry_backoff_ms", spec)
        self.assertEqual(["split", "count", "count-2", "count-3", "sum"], [t["id"] for t in spec["tasks"]])
        self.assertEqual({"xs": [{"$ref": "count"}, {"$ref": "count-2"}, {"$ref": "count-3"}],
                          "first": {"$ref": "count"}}, spec["tasks"][-1]["args"])
        self.assertEqual("sum", done.id)

    def test_map_chains_pass_the_element_and_map_over_a_map(self):
        wf = Workflow("maps")
        with wf:
            words = split(text="a b")
            counts = count.map(words, word=Item, scale=2)
            again = count.map(counts, Item)
            top = total(xs=again)
        tasks = {t["id"]: t for t in wf.spec()["tasks"]}
        self.assertEqual({"id": "count", "function": "count-1", "map": "split", "args": {"word": {"$item": True},
                                                                                       "scale": 2}}, tasks["count"])
        self.assertEqual({"id": "count-2", "function": "count-1", "map": "count", "args": {"$item": True}},
                         tasks["count-2"])
        self.assertEqual({"xs": {"$ref": "count-2"}}, tasks["sum"]["args"])
        self.assertIs(counts, again.source)
        self.assertEqual("sum", top.id)

    def test_nodes_and_items_anywhere_in_nested_args(self):
        wf = Workflow("nested")
        with wf:
            a = split(text="t")
            b = split(text="u")
            m = count.map(a, {"deep": [{"x": (b, Item)}, [a]], "n": None, "f": 1.5, "ok": True})
        self.assertEqual({"deep": [{"x": [{"$ref": "split-2"}, {"$item": True}]}, [{"$ref": "split"}]], "n": None,
                          "f": 1.5, "ok": True}, wf.spec()["tasks"][2]["args"])
        self.assertEqual(["split", "split-2", "count"], [t["id"] for t in wf.spec()["tasks"]])
        self.assertEqual("split", m.source.id)

    def test_ids_given_win_and_generated_ones_skip_them(self):
        wf = Workflow("ids")
        with wf:
            a = split(text="1")
            b = split(text="2").named("split")
            c = split(text="3", id="words")
            d = split(text="4")
        self.assertEqual(["split-2", "split", "words", "split-3"], [a.id, b.id, c.id, d.id])
        with self.assertRaisesRegex(ValueError, "task id 'split' is already given"):
            a.named("split")
        with self.assertRaisesRegex(ValueError, "task id 'a b' is invalid"):
            a.named("a b")
        with wf, self.assertRaisesRegex(ValueError, "already given"):
            split(text="5", id="words")
        self.assertEqual(4, len(wf.nodes), "a refused task is not kept")
        odd = Workflow("odd")
        with odd:
            o = Function("My fn!-v2")(x=1)
            p = Function("noversion")(x=1)
        self.assertEqual(["My_fn", "noversion"], [o.id, p.id])

    def test_per_task_retries_from_the_call_the_node_or_the_function(self):
        flaky = function("flaky-1", retries=3)
        wf = Workflow("r", retries=1)
        with wf:
            flaky()
            split(text="x", retries=2)
            split(text="y").retries(0)
            split(text="z")
        self.assertEqual([3, 2, 0, None], [t.get("retries") for t in wf.spec()["tasks"]])
        self.assertEqual({}, wf.spec()["tasks"][0]["args"])
        with self.assertRaisesRegex(ValueError, "retries must be an integer 0-10"):
            wf.call(split, retries=11)

    def test_after_orders_without_passing_data(self):
        wf = Workflow("after")
        with wf:
            a = split(text="a")
            b = total(xs=a)
            c = function("mail-1")(to="me", after=[b, a, b])
            d = count(x=1).after(c)
            with self.assertRaisesRegex(ValueError, "cannot wait for itself"):
                d.after(d)
            with self.assertRaisesRegex(TypeError, "takes Nodes"):
                count(x=2, after=["split"])
        tasks = {t["id"]: t for t in wf.spec()["tasks"]}
        self.assertEqual(["sum", "split"], tasks["mail"]["after"])
        self.assertEqual(["mail"], tasks["count"]["after"])
        self.assertNotIn("after", tasks["sum"])
        self.assertEqual({"to": "me"}, tasks["mail"]["args"])
        self.assertEqual(4, len(wf.nodes))
        other = Workflow("other")
        with other, self.assertRaisesRegex(ValueError, "belongs to workflow 'after'"):
            count(x=1, after=a)
        self.assertEqual([], other.nodes)

    def test_call_and_map_without_a_with_block(self):
        wf = Workflow("calls")
        a = wf.call(split, text="a")
        b = wf.map("count-1", a, Item)
        wf.call(total, xs=b)
        self.assertEqual(["split", "count", "sum"], [t["id"] for t in wf.spec()["tasks"]])
        self.assertEqual("split", wf.spec()["tasks"][1]["map"])

    def test_task_decorator_binds_to_the_stub_signature(self):
        @task("wc-count-1", retries=1)
        def count_words(chunk, lower=True, **extra):
            """Counts the words of a chunk."""

        @task("mark-2")
        def mark(id, retries):  # parameters named like the options are arguments here
            pass

        wf = Workflow("stub")
        with wf:
            src = split(text="x")
            c = count_words.map(src, Item, colour="red")
            d = count_words("plain", lower=False)
            m = mark(1, retries=5).named("m")
            with self.assertRaisesRegex(TypeError, r"wc-count-1 \(count_words\(chunk, lower=True, \*\*extra\)\):"):
                count_words()
        tasks = {t["id"]: t for t in wf.spec()["tasks"]}
        self.assertEqual("count_words", c.id)
        self.assertEqual({"chunk": {"$item": True}, "colour": "red"}, tasks["count_words"]["args"])
        self.assertEqual({"chunk": "plain", "lower": False}, tasks[d.id]["args"])
        self.assertEqual("count_words-2", d.id)
        self.assertEqual(1, tasks["count_words"]["retries"])
        self.assertEqual({"id": 1, "retries": 5}, tasks[m.id]["args"])
        self.assertNotIn("retries", tasks["m"])
        self.assertEqual("Counts the words of a chunk.", count_words.__doc__)

    def test_obvious_misuse_is_refused_where_it_happens(self):
        one, two = Workflow("one"), Workflow("two")
        with one:
            a = split(text="x")
        with two:
            with self.assertRaisesRegex(ValueError, r"sum-1 args.xs\[1\]: <Node split .*> belongs to workflow 'one',"
                                                    " not 'two'"):
                total(xs=[1, a])
            with self.assertRaisesRegex(ValueError, "count-1.map: .* belongs to workflow 'one'"):
                count.map(a, Item)
            with self.assertRaisesRegex(ValueError, "Item stands for the element in a map task"):
                count(word=Item)
            with self.assertRaisesRegex(TypeError, "maps over a Node"):
                count.map(["a", "b"], Item)
            with self.assertRaisesRegex(TypeError, "a set is not JSON"):
                count(words={"a"})
            with self.assertRaisesRegex(TypeError, "JSON object keys are strings"):
                count(words={1: 2})
            with self.assertRaisesRegex(ValueError, "nan is not a JSON number"):
                count(x=float("nan"))
            with self.assertRaisesRegex(TypeError, "keyword arguments .* or one positional value"):
                count(1, x=2)
        self.assertEqual([], two.nodes)
        with self.assertRaisesRegex(RuntimeError, "no workflow to add split-1 to"):
            split(text="outside")
        with self.assertRaisesRegex(TypeError, "index it in the function"):
            a[0]
        with self.assertRaisesRegex(TypeError, "use fn.map"):
            list(a)
        with self.assertRaisesRegex(ValueError, "on_error 'ignore' is invalid"):
            Workflow("x", on_error="ignore")
        with self.assertRaisesRegex(ValueError, "workflow name 'Word Count' is invalid"):
            Workflow("Word Count")
        with self.assertRaisesRegex(ValueError, "has no tasks"):
            Workflow("empty").spec()

    def test_workflows_nest_and_json_is_the_spec(self):
        outer, inner = Workflow("outer"), Workflow("inner")
        with outer:
            a = split(text="é")
            with inner:
                b = split(text="b")
            c = count(x=a)
        self.assertEqual([a, c], outer.nodes)
        self.assertEqual([b], inner.nodes)
        self.assertEqual(outer.spec(), json.loads(outer.json()))
        self.assertIn("é", outer.json())
        self.assertIsInstance(a, Node)


class FakeServer:
    """Answers each request from replies[(method, path)]: a list of (status, body) used in turn, the last kept."""

    def __init__(self, replies):
        self.replies = replies
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else None
                fake.requests.append((self.command, self.path, dict(self.headers), body))
                queue = fake.replies.get((self.command, self.path))
                status, reply = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else (404, None)
                data = (reply if isinstance(reply, str) else json.dumps(reply)).encode() if reply is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def status(state, finished=0):
    return {"run": "r1", "name": "wc", "state": state, "tasks": 3, "finished": finished,
            "counts": {"succeeded": finished}, "failure": None, "records": []}


class ClientTest(unittest.TestCase):
    def workflow(self):
        wf = Workflow("wc")
        with wf:
            total(xs=count.map(split(text="a b"), Item))
        return wf

    def test_submit_wait_result_with_the_token(self):
        replies = {("POST", "/dags"): [(201, {"run": "r1"})],
                   ("GET", "/dags/r1?records=false"): [(200, status("running")), (200, status("running", 1)),
                                                       (200, status("succeeded", 3))],
                   ("GET", "/dags/r1"): [(200, dict(status("succeeded", 3), records=[{"task": "sum"}]))],
                   ("GET", "/dags/r1/result"): [(200, {"run": "r1", "state": "succeeded",
                                                       "outputs": {"sum": {"a": 1, "b": 1}}})]}
        wf = self.workflow()
        with FakeServer(replies) as fake:
            client = Client(fake.url + "/", token="s3cret")
            run = client.submit(wf)
            self.assertEqual("r1", run)
            final = client.wait(run, timeout=10, poll=0.01)
            self.assertEqual("succeeded", final["state"])
            self.assertEqual([{"task": "sum"}], final["records"], "the final status has the records")
            self.assertEqual({"sum": {"a": 1, "b": 1}}, client.result(run))
        method, path, headers, body = fake.requests[0]
        self.assertEqual(("POST", "/dags"), (method, path))
        self.assertEqual(wf.spec(), json.loads(body))
        self.assertEqual("application/json", headers["Content-Type"])
        self.assertTrue(all(r[2]["Authorization"] == "Bearer s3cret" for r in fake.requests))
        self.assertEqual(3, sum(1 for r in fake.requests if r[1] == "/dags/r1?records=false"),
                         "polled without records until it ended")

    def test_spec_reads_the_runs_workflow_back(self):
        spec = self.workflow().spec()
        with FakeServer({("GET", "/dags/r1/spec"): [(200, spec)]}) as fake:
            self.assertEqual(spec, Client(fake.url, token="").spec("r1"))

    def test_submit_takes_a_spec_dict_or_text_and_resume(self):
        replies = {("POST", "/dags?resume=old%2F1"): [(201, {"run": "r2"})], ("POST", "/dags"): [(201, {"run": "r3"})]}
        spec = self.workflow().spec()
        with FakeServer(replies) as fake:
            client = Client(fake.url, token="")
            self.assertEqual("r2", client.submit(spec, resume="old/1"))
            self.assertEqual("r3", client.submit(json.dumps(spec)))
        self.assertEqual(spec, json.loads(fake.requests[0][3]))
        self.assertEqual(spec, json.loads(fake.requests[1][3]))
        self.assertNotIn("Authorization", fake.requests[0][2])

    def test_plan_reads_the_runs_plan(self):
        plan = {"run": "r1", "planner": "local", "sla": "p90", "predicted_makespan_us": 1500, "steps": [
            {"task": "split", "worker": "worker-1", "group": "g0", "prewarm": False, "priority": 1, "start_us": 0,
             "finish_us": 100},
            {"task": "sum", "worker": "", "group": "", "prewarm": True, "priority": 0, "start_us": -1,
             "finish_us": -1}]}
        error = {"error": {"kind": "UNKNOWN_FUNCTION", "message": "no run 'r/2'"}}
        with FakeServer({("GET", "/dags/r1/plan"): [(200, plan)], ("GET", "/dags/r%2F2/plan"): [(404, error)]}) as fake:
            client = Client(fake.url, token="")
            self.assertEqual(plan, client.plan("r1"))
            with self.assertRaises(VireoError) as e:
                client.plan("r/2")
            self.assertEqual(("UNKNOWN_FUNCTION", 404), (e.exception.kind, e.exception.status))
        self.assertEqual(["/dags/r1/plan", "/dags/r%2F2/plan"], [r[1] for r in fake.requests])

    def test_submit_with_sla_sets_it_in_the_spec_sent(self):
        wf = self.workflow()
        spec = dict(wf.spec(), sla="p50")
        text = ('{"name": "wc", "sla": "p50", "tasks": [{"id": "a", "function": "f-1",'
                ' "args": {"n": 12345678901234567890}}]}')
        with FakeServer({("POST", "/dags"): [(201, {"run": "r1"})]}) as fake:
            client = Client(fake.url, token="")
            client.submit(wf, sla="p90")
            client.submit(spec, sla="mean")
            client.submit(text, sla="p99")
            client.submit("[1]", sla="p99")
            client.submit('{"sla": "p50", "sla": "p90", "tasks": []}', sla="p95")
            client.submit(spec)
        sent = [r[3] for r in fake.requests]
        self.assertEqual(dict(wf.spec(), sla="p90"), json.loads(sent[0]))
        self.assertEqual(dict(spec, sla="mean"), json.loads(sent[1]))
        self.assertEqual("p50", spec["sla"], "the dict given is not changed")
        self.assertEqual({"name": "wc", "sla": "p99", "tasks": [{"id": "a", "function": "f-1",
                                                                  "args": {"n": 12345678901234567890}}]},
                         json.loads(sent[2]))
        self.assertEqual(["name", "sla", "tasks"], list(json.loads(sent[2])), "replaced where it was")
        self.assertEqual("[1]", sent[3], "not an object: as it is, for the server to refuse")
        self.assertEqual('{"sla": "p50", "sla": "p90", "tasks": []}', sent[4], "a repeated key: as it is")
        self.assertEqual(spec, json.loads(sent[5]), "without sla: the spec's own")

    def test_a_bad_sla_is_a_value_error_and_nothing_is_sent(self):
        with FakeServer({("POST", "/dags"): [(201, {"run": "r1"})]}) as fake:
            client = Client(fake.url, token="")
            for bad in ("p42", "P90", "", 90):
                with self.assertRaises(ValueError) as e:
                    client.submit(self.workflow(), sla=bad)
                self.assertEqual(f"sla {bad!r} is not an SLA statistic; use one of mean, p50, p90, p95, p99",
                                 str(e.exception))
            with self.assertRaises(ValueError):
                client.run(self.workflow(), sla="p42")
        self.assertEqual([], fake.requests)

    def test_errors_carry_kind_message_and_status(self):
        error = {"error": {"kind": "INVALID_REQUEST", "message": "tasks: task 'x' references 'zz'"}}
        replies = {("POST", "/dags"): [(400, error)],
                   ("GET", "/dags/r1/result"): [(409, {"error": {"kind": "NOT_FINISHED", "message": "running"}})],
                   ("GET", "/dags/r1"): [(502, "<html>bad gateway</html>")],
                   ("DELETE", "/dags/r1"): [(200, status("cancelled"))],
                   ("DELETE", "/dags/r1?purge=true"): [(200, {"deleted": "r1"})],
                   ("GET", "/dags"): [(200, [{"run": "r1"}])]}
        with FakeServer(replies) as fake:
            client = Client(fake.url)
            with self.assertRaises(VireoError) as e:
                client.submit(self.workflow())
            self.assertEqual(("INVALID_REQUEST", "tasks: task 'x' references 'zz'", 400),
                             (e.exception.kind, e.exception.message, e.exception.status))
            self.assertEqual("INVALID_REQUEST (HTTP 400): tasks: task 'x' references 'zz'", str(e.exception))
            with self.assertRaises(VireoError) as e:
                client.result("r1")
            self.assertEqual(("NOT_FINISHED", 409), (e.exception.kind, e.exception.status))
            with self.assertRaises(VireoError) as e:
                client.status("r1")
            self.assertEqual(("HTTP", "<html>bad gateway</html>", 502),
                             (e.exception.kind, e.exception.message, e.exception.status))
            self.assertEqual("cancelled", client.cancel("r1")["state"])
            self.assertEqual({"deleted": "r1"}, client.delete("r1"))
            self.assertEqual([{"run": "r1"}], client.runs())
            with self.assertRaises(VireoError) as e:
                client.status("nope")
            self.assertEqual(("HTTP", 404), (e.exception.kind, e.exception.status))
            closed = fake.url
        with self.assertRaises(VireoError) as e:
            Client(closed, timeout=2).status("r1")
        self.assertEqual(("UNREACHABLE", None), (e.exception.kind, e.exception.status))

    def test_wait_times_out_and_run_raises_for_a_failed_run(self):
        failed = dict(status("failed", 3), failure="count: ValueError: bad")
        replies = {("GET", "/dags/r1?records=false"): [(200, status("running"))],
                   ("POST", "/dags"): [(201, {"run": "r9"})], ("GET", "/dags/r9?records=false"): [(200, failed)]}
        with FakeServer(replies) as fake:
            client = Client(fake.url)
            with self.assertRaises(VireoError) as e:
                client.wait("r1", timeout=0.1, poll=0.02)
            self.assertEqual("TIMEOUT", e.exception.kind)
            self.assertEqual("running", e.exception.details["state"])
            with self.assertRaises(VireoError) as e:
                client.run(self.workflow(), timeout=5)
            self.assertEqual(("FAILED", "run r9: count: ValueError: bad"), (e.exception.kind, e.exception.message))


if __name__ == "__main__":
    unittest.main()
