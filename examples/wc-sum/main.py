"""Word count, reduce step: merges the per-chunk counts and returns the most frequent words.

args: {"counts": [{"word": n, ...}, ...], "top": 10, "ignore": ["the", ...]}  (top: how many, default 10;
      ignore: words left out, default none)
returns: {"words": words counted (ignored ones left out), "distinct": distinct words, "top": [{"word": w, "count": n}, ...]}
         top is ordered by count, most first, then alphabetically.
"""
from collections import Counter


def handle(args):
    total = Counter()
    for counts in args.get("counts", []):
        total.update(counts)
    for word in args.get("ignore", []):
        total.pop(word, None)
    top = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:int(args.get("top", 10))]
    return {"words": sum(total.values()), "distinct": len(total),
            "top": [{"word": w, "count": n} for w, n in top]}
