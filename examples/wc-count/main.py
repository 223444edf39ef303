"""Word count, map step: counts the words of one chunk of text.

args: {"chunk": "..."}, or the chunk itself as a JSON string
returns: {"word": n, ...}  (words lower-cased; letters with inner apostrophes or hyphens: "don't", "well-known")
"""
import re
from collections import Counter

WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")


def handle(args):
    chunk = args if isinstance(args, str) else args.get("chunk", "")
    return dict(Counter(WORD.findall(chunk.lower())))
