"""Unit tests of the FunctionBench-style functions of examples/fb-*/main.py, each loaded by path and called directly:
default and small arguments, the same output for the same arguments, results checked against independent
computations where they can be, and bad arguments refused with a ValueError that names the argument.

Run from the repository root: /usr/bin/python3 examples/functionbench/test_functions.py
"""
import gzip
import hashlib
import importlib.util
import json
import math
import os
import random
import re
import tempfile
import unittest
from pathlib import Path

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

EXAMPLES = Path(__file__).resolve().parent.parent
NAMES = ("fb-float", "fb-json", "fb-aes", "fb-gzip", "fb-image", "fb-matmul", "fb-template", "fb-disk")


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), EXAMPLES / name / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handle


HANDLERS = {name: load(name) for name in NAMES}
# small arguments per function: quick calls for the determinism checks
SMALL = {
    "fb-float": {"n": 1000},
    "fb-json": {"n": 10, "seed": 1},
    "fb-aes": {"size": 1000, "rounds": 2, "seed": 1},
    "fb-gzip": {"size": 5000, "level": 1, "seed": 1},
    "fb-image": {"width": 40, "height": 30, "seed": 1},
    "fb-matmul": {"n": 8, "seed": 1},
    "fb-template": {"rows": 5, "seed": 1},
    "fb-disk": {"size": 10000, "block": 4096, "seed": 1},
}
# the integer arguments of each function, with a value above its range
INTEGER_ARGS = {
    "fb-float": {"n": 10_000_001},
    "fb-json": {"n": 1_000_001, "seed": 2**32},
    "fb-aes": {"size": (256 << 20) + 1, "rounds": 1001, "seed": 2**32},
    "fb-gzip": {"size": (256 << 20) + 1, "level": 10, "seed": 2**32},
    "fb-image": {"width": 8193, "height": 8193, "seed": 2**32},
    "fb-matmul": {"n": 4097, "seed": 2**32},
    "fb-template": {"rows": 1_000_001, "seed": 2**32},
    "fb-disk": {"size": (512 << 20) + 1, "block": (64 << 20) + 1, "seed": 2**32},
}


class AllFunctionsTest(unittest.TestCase):
    def test_defaults_and_small_args_are_deterministic_and_json(self):
        for name, handle in HANDLERS.items():
            for args in ({}, SMALL[name]):
                with self.subTest(name=name, args=args):
                    first = handle(dict(args))
                    self.assertIsInstance(first, dict)
                    self.assertEqual(first, handle(dict(args)))
                    self.assertEqual(first, json.loads(json.dumps(first)))

    def test_no_payload_means_defaults(self):
        self.assertEqual(HANDLERS["fb-float"]({}), HANDLERS["fb-float"](None))

    def test_bad_integer_arguments_name_the_argument(self):
        for name, handle in HANDLERS.items():
            for arg, too_big in INTEGER_ARGS[name].items():
                for bad in ("abc", "10", 1.5, True, None, [1], -1, too_big):
                    with self.subTest(name=name, arg=arg, bad=bad):
                        with self.assertRaisesRegex(ValueError, f"^{arg} must be an integer .*, got {re.escape(repr(bad))}$"):
                            handle({arg: bad})

    def test_zero_is_out_of_range_for_sizes(self):
        for name, handle in HANDLERS.items():
            for arg in INTEGER_ARGS[name]:
                if arg != "seed":
                    with self.subTest(name=name, arg=arg), self.assertRaisesRegex(ValueError, f"^{arg} "):
                        handle({arg: 0})

    def test_unknown_arguments_and_non_object_payloads_are_refused(self):
        for name, handle in HANDLERS.items():
            with self.subTest(name=name):
                with self.assertRaisesRegex(ValueError, "unknown argument 'sise'"):
                    handle({"sise": 1})
                with self.assertRaisesRegex(ValueError, "^payload must be a JSON object, got list"):
                    handle([1, 2])


class FloatTest(unittest.TestCase):
    def test_checksum_is_the_sum_of_sin_cos_sqrt(self):
        self.assertEqual({"n": 1, "checksum": 1.0}, HANDLERS["fb-float"]({"n": 1}))  # sin 0 + cos 0 + sqrt 0
        expected = sum(math.sin(i) + math.cos(i) + math.sqrt(i) for i in range(5000))
        self.assertAlmostEqual(expected, HANDLERS["fb-float"]({"n": 5000})["checksum"], places=5)


class JsonTest(unittest.TestCase):
    def test_record_count_and_size(self):
        for n in (1, 7, 300):
            result = HANDLERS["fb-json"]({"n": n})
            self.assertEqual(n, result["records"])
            self.assertEqual(64, len(result["sha256"]))
        small, large = HANDLERS["fb-json"]({"n": 10}), HANDLERS["fb-json"]({"n": 100})
        self.assertGreater(large["json_bytes"], 5 * small["json_bytes"])

    def test_seed_changes_the_document(self):
        self.assertNotEqual(HANDLERS["fb-json"]({"seed": 1, "n": 5})["sha256"],
                            HANDLERS["fb-json"]({"seed": 2, "n": 5})["sha256"])


class AesTest(unittest.TestCase):
    def test_ciphertext_matches_an_independent_encryption(self):
        # the derivation the docstring documents: message Random(seed).randbytes, key and nonces from sha256
        size, seed = 777, 9
        message = random.Random(seed).randbytes(size)
        key = hashlib.sha256(b"fb-aes key %d" % seed).digest()
        digest = hashlib.sha256()
        for r in range(3):
            nonce = hashlib.sha256(b"fb-aes nonce %d %d" % (seed, r)).digest()[:16]
            digest.update(Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor().update(message))
        result = HANDLERS["fb-aes"]({"size": size, "rounds": 3, "seed": seed})
        self.assertEqual({"size": size, "rounds": 3, "mode": "ctr", "ciphertext_bytes": size,
                          "sha256": digest.hexdigest()}, result)

    def test_gcm_appends_a_tag(self):
        result = HANDLERS["fb-aes"]({"size": 100, "rounds": 1, "mode": "gcm"})
        self.assertEqual(116, result["ciphertext_bytes"])
        self.assertNotEqual(result["sha256"], HANDLERS["fb-aes"]({"size": 100, "rounds": 1})["sha256"])

    def test_bad_mode_is_named(self):
        for bad in ("cbc", "CTR", 1, None):
            with self.subTest(bad=bad), self.assertRaisesRegex(ValueError, f"^mode must be one of ctr, gcm, got {re.escape(repr(bad))}$"):
                HANDLERS["fb-aes"]({"mode": bad})


class GzipTest(unittest.TestCase):
    def test_round_trip_sizes_and_ratio(self):
        for size in (1, 4, 1001, 200_000):
            with self.subTest(size=size):
                result = HANDLERS["fb-gzip"]({"size": size})
                self.assertEqual(size, result["decompressed_bytes"])
                self.assertEqual(round(size / result["compressed_bytes"], 3), result["ratio"])
        self.assertGreater(HANDLERS["fb-gzip"]({"size": 200_000})["ratio"], 3)  # the text is compressible

    def test_higher_level_compresses_no_worse(self):
        fast, best = (HANDLERS["fb-gzip"]({"size": 100_000, "level": level}) for level in (1, 9))
        self.assertLessEqual(best["compressed_bytes"], fast["compressed_bytes"])

    def test_stream_is_gzip_with_zero_mtime(self):
        # the sha256 is reproducible only if the header carries no time: check an independent stream's header
        self.assertEqual(b"\0\0\0\0", gzip.compress(b"x", mtime=0)[4:8])
        self.assertEqual(HANDLERS["fb-gzip"]({"size": 999})["sha256"], HANDLERS["fb-gzip"]({"size": 999})["sha256"])


class ImageTest(unittest.TestCase):
    def test_dimensions_after_rotate_and_half_resize(self):
        for (width, height), expected in (((40, 30), (15, 20)), ((1, 1), (1, 1)), ((3, 100), (50, 1))):
            with self.subTest(width=width, height=height):
                result = HANDLERS["fb-image"]({"width": width, "height": height})
                self.assertEqual(expected, (result["width"], result["height"]))
                self.assertEqual("L", result["mode"])
        self.assertEqual((384, 512), (HANDLERS["fb-image"]({})["width"], HANDLERS["fb-image"]({})["height"]))

    def test_seed_changes_the_pixels(self):
        self.assertNotEqual(HANDLERS["fb-image"]({"width": 20, "height": 20, "seed": 1})["sha256"],
                            HANDLERS["fb-image"]({"width": 20, "height": 20, "seed": 2})["sha256"])


class MatmulTest(unittest.TestCase):
    def test_trace_and_sum_match_numpy(self):
        for n, seed in ((1, 0), (8, 1), (100, 42)):
            with self.subTest(n=n, seed=seed):
                rng = np.random.default_rng(seed)
                a, b = rng.random((n, n)), rng.random((n, n))
                result = HANDLERS["fb-matmul"]({"n": n, "seed": seed})
                self.assertEqual(n, result["n"])
                # trace(AB) = sum_ij A_ij B_ji and sum(AB) = (column sums of A) . (row sums of B), without a matmul
                self.assertTrue(math.isclose(float(np.sum(a * b.T)), result["trace"], rel_tol=1e-5))
                self.assertTrue(math.isclose(float(a.sum(axis=0) @ b.sum(axis=1)), result["sum"], rel_tol=1e-5))


class TemplateTest(unittest.TestCase):
    def test_row_count_and_page_size_grow_with_rows(self):
        handle = HANDLERS["fb-template"]
        for rows in (1, 3, 250):
            with self.subTest(rows=rows):
                self.assertEqual(rows, handle({"rows": rows})["rows"])
        html_sizes = [handle({"rows": rows})["html_bytes"] for rows in (10, 20, 40)]
        self.assertLess(html_sizes[0], html_sizes[1])
        self.assertLess(html_sizes[1], html_sizes[2])

    def test_rendered_page(self):
        # the module's own template, rendered again here to look inside the page
        spec = importlib.util.spec_from_file_location("fb_template_page", EXAMPLES / "fb-template" / "main.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        html = module._template.render(title="t", rows=[{"id": 0, "name": "<a> & \"b\"", "qty": 2, "price": 1.5}],
                                       total=3.0)
        self.assertIn("<td>&lt;a&gt; &amp; &#34;b&#34;</td><td>2</td><td>1.50</td><td>3.00</td>", html)
        self.assertEqual(2, html.count("<tr"))  # header and one row


class DiskTest(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.saved, tempfile.tempdir = tempfile.tempdir, self.scratch.name

    def tearDown(self):
        tempfile.tempdir = self.saved
        self.scratch.cleanup()

    def test_bytes_and_checksum(self):
        for size, block in ((1, 1), (10_000, 4096), (4096, 4096), (100, 1 << 20)):
            with self.subTest(size=size, block=block):
                rng, data = random.Random(7), b""
                while len(data) < size:
                    data += rng.randbytes(min(block, size - len(data)))
                result = HANDLERS["fb-disk"]({"size": size, "block": block, "seed": 7})
                self.assertEqual({"size": size, "block": block, "bytes_written": size, "bytes_read": size,
                                  "sha256": hashlib.sha256(data).hexdigest()}, result)
                self.assertEqual([], os.listdir(self.scratch.name))  # the file is gone

    def test_too_many_blocks_is_refused(self):
        with self.assertRaisesRegex(ValueError, "^block must be at least size/1048576 bytes"):
            HANDLERS["fb-disk"]({"size": 4 << 20, "block": 2})
        self.assertEqual([], os.listdir(self.scratch.name))


if __name__ == "__main__":
    unittest.main()
