"""Unit tests of the word count example: the three functions called directly, chained as the workflow chains them,
and wordcount.json being the spec wordcount.py builds.

Run: python3 -B -m unittest discover -s examples/wordcount (Maven runs them too: cli PythonClientTest).
"""
import importlib.util
import json
import unittest
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent


def handler(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), EXAMPLES / name / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handle


split, count, merge = handler("wc-split"), handler("wc-count"), handler("wc-sum")


class FunctionsTest(unittest.TestCase):
    def test_split_makes_chunks_of_lines(self):
        self.assertEqual(["a\nb", "c\nd", "e"], split({"text": "a\nb\nc\nd\ne\n", "lines": 2}))
        self.assertEqual(["one line"], split({"text": "one line"}))
        self.assertEqual([], split({"text": ""}))
        with self.assertRaisesRegex(ValueError, "lines must be at least 1"):
            split({"text": "x", "lines": 0})

    def test_count_counts_lower_cased_words(self):
        self.assertEqual({"the": 2, "cat": 1, "don't": 1, "well-known": 1, "stop": 1},
                         count({"chunk": "The cat -- don't STOP; the well-known..."}))
        self.assertEqual({"as": 1, "a": 1, "string": 1}, count("as a string"))
        self.assertEqual({}, count({"chunk": "1, 2, 3!"}))

    def test_sum_merges_and_ranks_by_count_then_word(self):
        out = merge({"counts": [{"b": 2, "a": 1, "the": 9}, {"a": 1, "c": 2}, {}], "top": 3, "ignore": ["the"]})
        self.assertEqual({"words": 6, "distinct": 3, "top": [{"word": "a", "count": 2}, {"word": "b", "count": 2},
                                                               {"word": "c", "count": 2}]}, out)
        self.assertEqual({"words": 0, "distinct": 0, "top": []}, merge({"counts": []}))

    def test_the_workflow_over_the_sample_counts_every_word_once(self):
        spec = json.loads((HERE / "wordcount.json").read_text(encoding="utf-8"))
        tasks = {t["id"]: t for t in spec["tasks"]}
        chunks = split(tasks["split"]["args"])
        self.assertEqual(7, len(chunks))
        counts = [count({"chunk": c}) for c in chunks]  # what the map task does, once per element
        args = dict(tasks["top"]["args"], counts=counts)
        out = merge(args)

        text = (HERE / "sample.txt").read_text(encoding="utf-8")
        everything = Counter(count(text))
        for word in args["ignore"]:
            everything.pop(word, None)
        self.assertEqual(sum(everything.values()), out["words"])
        self.assertEqual(203, out["words"])
        self.assertEqual(151, out["distinct"])
        self.assertEqual([("orchard", 6), ("again", 5), ("vireo", 5), ("bird", 4), ("maple", 4), ("same", 4),
                          ("grey", 3), ("light", 3), ("question", 3), ("small", 3)],
                         [(r["word"], r["count"]) for r in out["top"]])

    def test_the_spec_file_is_what_the_script_builds(self):
        import sys
        sys.path.insert(0, str(HERE))
        try:
            import wordcount
        finally:
            sys.path.remove(str(HERE))
        wf = wordcount.workflow((HERE / "sample.txt").read_text(encoding="utf-8"))
        self.assertEqual(json.loads((HERE / "wordcount.json").read_text(encoding="utf-8")), wf.spec())


if __name__ == "__main__":
    unittest.main()
