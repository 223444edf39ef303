"""Word count, map step 0: splits a text into chunks of lines, one chunk per wc-count invocation.

args: {"text": "...", "lines": 20}  (lines per chunk, at least 1; default 20)
returns: ["chunk text", ...]  (empty list for a text with no lines)
"""


def handle(args):
    text = args.get("text", "")
    lines = int(args.get("lines", 20))
    if lines < 1:
        raise ValueError(f"lines must be at least 1, not {lines}")
    rows = text.splitlines()
    return ["\n".join(rows[i:i + lines]) for i in range(0, len(rows), lines)]
