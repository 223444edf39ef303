"""Unit tests of vireo_agent.py's output capture (stdlib unittest; run by dev.vireo.transport's RealAgentTest, or
by hand: python3 -B -m unittest discover -s agent/python)."""
import io
import json
import os
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vireo_agent  # noqa: E402


def frame_body(message):
    """The bytes FrameStream.send puts after the length."""
    sent = []
    vireo_agent.FrameStream(None, sent.append).send(message)
    return sent[0][4:]


class OutputCaptureTest(unittest.TestCase):
    def setUp(self):
        self.saved = sys.stdout, sys.stderr
        self.real_out, self.real_err = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = self.real_out, self.real_err
        vireo_agent.install_output_capture()

    def tearDown(self):
        sys.stdout, sys.stderr = self.saved
        vireo_agent._local.capture = None

    def test_what_the_handler_prints_comes_back_with_the_result_and_still_reaches_the_real_streams(self):
        def handler(args):
            print("hello", args["name"])
            print("careful", file=sys.stderr)
            sys.stdout.writelines(["a", "b\n"])
            return {"ok": True}

        reply = vireo_agent.invoke(handler, {"tid": "t-1", "payload": '{"name": "zoë"}'})
        self.assertTrue(reply["success"])
        self.assertEqual("hello zoë\nab\n", reply["stdout"])
        self.assertEqual("careful\n", reply["stderr"])
        self.assertFalse(reply["output_truncated"])
        self.assertEqual("hello zoë\nab\n", self.real_out.getvalue())
        self.assertEqual("careful\n", self.real_err.getvalue())

    def test_a_function_that_raises_still_returns_what_it_wrote_before(self):
        def handler(args):
            print("step 1")
            sys.stderr.write("warning: about to fail\n")
            raise ValueError("bad input")

        reply = vireo_agent.invoke(handler, {"tid": "t-2", "payload": "{}"})
        self.assertFalse(reply["success"])
        self.assertEqual("ValueError", reply["error_type"])
        self.assertEqual("step 1\n", reply["stdout"])
        self.assertEqual("warning: about to fail\n", reply["stderr"])

    def test_a_function_that_prints_nothing_returns_empty_output(self):
        reply = vireo_agent.invoke(lambda args: 1, {"tid": "t-3"})
        self.assertEqual(("", "", False), (reply["stdout"], reply["stderr"], reply["output_truncated"]))

    def test_concurrent_invocations_each_get_only_their_own_output(self):
        n = 8
        barrier = threading.Barrier(n)

        def handler(args):
            for i in range(50):
                print("%s:%d" % (args["me"], i))
                if i == 10:
                    barrier.wait(10)  # all are inside their invocation at once
                print("err-%s" % args["me"], file=sys.stderr)
            return args["me"]

        replies = {}

        def run(me):
            replies[me] = vireo_agent.invoke(handler, {"tid": me, "payload": json.dumps({"me": me})})

        threads = [threading.Thread(target=run, args=("w%d" % k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(n, len(replies))
        for me, reply in replies.items():
            self.assertEqual("".join("%s:%d\n" % (me, i) for i in range(50)), reply["stdout"], me)
            self.assertEqual(("err-%s\n" % me) * 50, reply["stderr"], me)

    def test_writes_from_a_thread_outside_any_invocation_go_to_the_real_stream_only(self):
        def handler(args):
            helper = threading.Thread(target=lambda: print("from a helper thread"))
            helper.start()
            helper.join()
            print("from the invocation")
            return None

        reply = vireo_agent.invoke(handler, {"tid": "t-4"})
        self.assertEqual("from the invocation\n", reply["stdout"])
        self.assertEqual("from a helper thread\nfrom the invocation\n", self.real_out.getvalue())
        print("between invocations")
        self.assertEqual("", vireo_agent.invoke(lambda args: None, {"tid": "t-5"})["stdout"])

    def test_output_past_the_limit_keeps_the_first_bytes_and_says_it_was_truncated(self):
        def handler(args):
            print("x" * 20)
            print("more")
            return None

        reply = vireo_agent.invoke(handler, {"tid": "t-6"}, limit=10)
        self.assertEqual("x" * 10, reply["stdout"])
        self.assertTrue(reply["output_truncated"])
        self.assertEqual("", reply["stderr"])
        self.assertEqual("x" * 20 + "\nmore\n", self.real_out.getvalue(), "the real stream gets all of it")

        exact = vireo_agent.invoke(lambda args: print("x" * 9), {"tid": "t-7"}, limit=10)
        self.assertEqual(("x" * 9 + "\n", False), (exact["stdout"], exact["output_truncated"]), "exactly the limit")

        on_stderr = vireo_agent.invoke(lambda args: print("y" * 11, file=sys.stderr), {"tid": "t-8"}, limit=10)
        self.assertEqual(("", "y" * 10, True),
                         (on_stderr["stdout"], on_stderr["stderr"], on_stderr["output_truncated"]))

    def test_the_limit_counts_utf8_bytes_and_never_splits_a_character(self):
        reply = vireo_agent.invoke(lambda args: sys.stdout.write("éééé"), {"tid": "t-9"}, limit=5)
        self.assertEqual("éé", reply["stdout"], "4 of the 5 bytes: half of the third é is not kept")
        self.assertTrue(reply["output_truncated"])
        emoji = vireo_agent.invoke(lambda args: sys.stdout.write("a😀"), {"tid": "t-10"}, limit=4)
        self.assertEqual("a", emoji["stdout"])
        none = vireo_agent.invoke(lambda args: print("x"), {"tid": "t-11"}, limit=0)
        self.assertEqual(("", True), (none["stdout"], none["output_truncated"]))

    def test_a_lone_surrogate_in_the_output_or_the_error_cannot_break_the_frame(self):
        def handler(args):
            print("bad \udc80 name é")
            raise ValueError("file \udcff not found")

        reply = vireo_agent.invoke(handler, {"tid": "t-12"})
        self.assertEqual("bad \\udc80 name é\n", reply["stdout"])
        self.assertEqual("file \\udcff not found", reply["error_message"])
        self.assertIn("file \\udcff not found", reply["traceback"])
        body = frame_body(reply)
        body.decode("utf-8")  # strict: raises if not UTF-8
        back = json.loads(body)
        self.assertEqual(reply["stdout"], back["stdout"])
        self.assertFalse(any(0xD800 <= ord(c) <= 0xDFFF for c in back["stdout"] + back["error_message"]))

    def test_installing_twice_wraps_once(self):
        routed = sys.stdout
        vireo_agent.install_output_capture()
        self.assertIs(routed, sys.stdout)
        self.assertIs(self.real_out, sys.stdout._real)
        self.assertEqual(self.real_out.getvalue(), sys.stdout.getvalue(), "other attributes are the real stream's")


class OutputLimitTest(unittest.TestCase):
    def test_the_environment_sets_the_limit_in_bytes(self):
        self.assertEqual(65536, vireo_agent.output_limit({}))
        self.assertEqual(65536, vireo_agent.output_limit({"VIREO_OUTPUT_LIMIT_BYTES": " "}))
        self.assertEqual(0, vireo_agent.output_limit({"VIREO_OUTPUT_LIMIT_BYTES": "0"}))
        self.assertEqual(1000, vireo_agent.output_limit({"VIREO_OUTPUT_LIMIT_BYTES": "1000"}))

    def test_a_value_that_is_not_a_byte_count_is_refused_naming_the_variable(self):
        for bad in ["-1", "64k", "1.5", "٣"]:
            with self.assertRaises(ValueError) as e:
                vireo_agent.output_limit({"VIREO_OUTPUT_LIMIT_BYTES": bad})
            self.assertIn("VIREO_OUTPUT_LIMIT_BYTES", str(e.exception))


class ScratchFullTest(unittest.TestCase):
    def test_a_full_scratch_space_is_named_with_its_size_anywhere_in_the_chain(self):
        os.environ["VIREO_SCRATCH_MB"] = "32"
        try:
            full = OSError(28, "No space left on device")
            self.assertIn("scratch space full: the function's /tmp holds at most 32 MB (scratch_mb",
                          vireo_agent.error_message(full))
            try:
                try:
                    raise full
                except OSError as e:
                    raise RuntimeError("could not save the dataset") from e
            except RuntimeError as wrapped:
                self.assertIn("scratch space full", vireo_agent.error_message(wrapped))
            self.assertEqual("plain", vireo_agent.error_message(ValueError("plain")))
        finally:
            del os.environ["VIREO_SCRATCH_MB"]


class StampsTest(unittest.TestCase):
    def test_a_reply_carries_when_its_request_was_read_and_when_it_left_on_the_monotonic_clock(self):
        sent = []
        frames = []
        before = time.monotonic_ns()
        request = json.dumps({"type": "invoke", "tid": "t-1", "payload": "{}"}).encode()
        frames.append(struct.pack(">I", len(request)) + request)
        data = b"".join(frames)
        pos = [0]

        def reader(n):
            chunk = data[pos[0]:pos[0] + n]
            pos[0] += n
            return chunk if len(chunk) == n else None

        stream = vireo_agent.FrameStream(reader, sent.append)
        vireo_agent.answer(stream, stream.recv(), lambda args: {"ok": True}, "main.handle")
        after = time.monotonic_ns()
        reply = json.loads(sent[0][4:].decode())
        self.assertTrue(reply["success"])
        self.assertTrue(before <= reply["in_ns"] <= reply["out_ns"] <= after, reply)
        self.assertNotIn("_out_ns", reply, "the marker is not sent")
        self.assertTrue(sent[0][4:].decode().endswith(',"out_ns":%d}' % reply["out_ns"]), "stamped last, after the rest")


if __name__ == "__main__":
    unittest.main()
