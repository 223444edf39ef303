#!/usr/bin/env python3
"""Word count as a Vireo workflow: split a text into chunks, count the words of each chunk (a map: one invocation per
chunk, in parallel), merge the counts into the top words.

The three functions are ordinary Vireo functions; this script registers nothing. Register them once, e.g.:

    ./vireo fn register wc-split --code examples/wc-split --handler main.handle
    ./vireo fn register wc-count --code examples/wc-count --handler main.handle
    ./vireo fn register wc-sum --code examples/wc-sum --handler main.handle

(add --backend process --transport uds to run them as plain processes on a development machine), then:

    python3 examples/wordcount/wordcount.py                   # counts examples/wordcount/sample.txt
    python3 examples/wordcount/wordcount.py --lines 2 --top 5 other.txt
    python3 examples/wordcount/wordcount.py --spec            # prints the spec instead of submitting it

The same workflow as a spec file, over sample.txt: examples/wordcount/wordcount.json (./vireo dag submit
examples/wordcount/wordcount.json); it is what --spec prints with the defaults.
"""
import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "clients" / "python"))

from vireo_dag import Client, Item, VireoError, Workflow, function  # noqa: E402

SPLIT = function("wc-split-1")
COUNT = function("wc-count-1")
TOTAL = function("wc-sum-1")

# the commonest English words, left out of the top so that it says something about the text
IGNORE = ["a", "an", "and", "as", "at", "but", "by", "for", "from", "if", "in", "is", "it", "its", "not", "of",
          "on", "or", "so", "that", "the", "there", "to", "with"]


def workflow(text, lines=4, top=10):
    """The word count of text: chunks of `lines` lines, the `top` most frequent words."""
    wf = Workflow("wordcount", on_error="fail_fast", retries=1)
    with wf:
        chunks = SPLIT(text=text, lines=lines).named("split")
        counts = COUNT.map(chunks, chunk=Item).named("count")
        TOTAL(counts=counts, top=top, ignore=IGNORE).named("top")
    return wf


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file", nargs="?", default=str(HERE / "sample.txt"), help="the text (default: sample.txt)")
    p.add_argument("--url", default=os.environ.get("VIREO_URL", "http://127.0.0.1:8070"),
                   help="the worker or controller (default: $VIREO_URL or http://127.0.0.1:8070)")
    p.add_argument("--token", help="bearer token (default: $VIREO_TOKEN)")
    p.add_argument("--lines", type=int, default=4, help="lines per chunk, one invocation each (default 4)")
    p.add_argument("--top", type=int, default=10, help="how many words to show (default 10)")
    p.add_argument("--timeout", type=float, default=120, help="seconds to wait for the run (default 120)")
    p.add_argument("--spec", action="store_true", help="print the workflow spec and exit")
    a = p.parse_args(argv)

    wf = workflow(Path(a.file).read_text(encoding="utf-8"), a.lines, a.top)
    if a.spec:
        print(wf.json(indent=1))
        return 0
    client = Client(a.url, token=a.token)
    try:
        run = client.submit(wf)
        print(f"run {run}: {len(wf.nodes)} tasks", file=sys.stderr)
        status = client.wait(run, timeout=a.timeout)
        if status["state"] != "succeeded":
            print(f"run {run} {status['state']}: {status.get('failure')}", file=sys.stderr)
            return 1
        result = client.result(run)["top"]
        for r in status.get("records", []):
            print(f"  {r['task']:6} {r['state']:9} invocations {max(r['items'], 1):3d}  attempts {r['attempts']:3d}"
                  f"  executing {r['execution_us'] / 1000:8.1f} ms", file=sys.stderr)
    except VireoError as e:
        print(f"wordcount: {e}", file=sys.stderr)
        return 1
    print(f"{result['words']} words, {result['distinct']} distinct; the top {len(result['top'])}:")
    for row in result["top"]:
        print(f"{row['count']:6d}  {row['word']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
