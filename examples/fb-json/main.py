"""FunctionBench-style JSON serialisation: builds a nested document, json.dumps it, json.loads it back.

Arguments (JSON payload, all optional):
  n     records in the document; integer 1-1000000, default 2000
  seed  seed of the record contents; integer 0-4294967295, default 42

Returns {"records", "json_bytes", "sha256"}: the record count read back, the UTF-8 size of the serialised
document, and the sha256 of that text (keys sorted, so it depends only on the arguments).
"""
import hashlib
import json
import random

ARGS = ("n", "seed")
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett")


def _args(args):
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f"payload must be a JSON object, got {type(args).__name__}")
    unknown = sorted(set(args) - set(ARGS))
    if unknown:
        raise ValueError(f"unknown argument {unknown[0]!r}; expected {', '.join(ARGS)}")
    return args


def _int(args, name, default, lo, hi):
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer {lo}-{hi}, got {value!r}")
    return value


def _record(rng, i):
    return {
        "id": i,
        "name": f"{rng.choice(WORDS)}-{i}",
        "active": rng.random() < 0.5,
        "score": round(rng.uniform(0, 100), 3),
        "tags": rng.sample(WORDS, 3),
        "address": {"street": f"{rng.randint(1, 999)} {rng.choice(WORDS).title()} St",
                    "zip": f"{rng.randint(0, 99999):05d}", "geo": [rng.uniform(-90, 90), rng.uniform(-180, 180)]},
        "history": [{"t": rng.randint(0, 10**9), "v": rng.random()} for _ in range(3)],
    }


def handle(args):
    args = _args(args)
    n = _int(args, "n", 2000, 1, 1_000_000)
    seed = _int(args, "seed", 42, 0, 2**32 - 1)
    rng = random.Random(seed)
    document = {"version": 1, "seed": seed, "records": [_record(rng, i) for i in range(n)]}
    text = json.dumps(document, sort_keys=True)
    loaded = json.loads(text)
    if loaded != document:
        raise RuntimeError("json round trip changed the document")
    return {"records": len(loaded["records"]), "json_bytes": len(text.encode("utf-8")),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
