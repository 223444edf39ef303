"""FunctionBench-style gzip: compresses then decompresses `size` bytes of seeded, compressible text in memory.

Arguments (JSON payload, all optional):
  size   bytes of input text; integer 1-268435456 (256 MiB), default 1048576 (1 MiB)
  level  gzip compression level; integer 1-9, default 6
  seed   seed of the text (words drawn from a small vocabulary); integer 0-4294967295, default 42

Returns {"size", "level", "compressed_bytes", "decompressed_bytes", "ratio", "sha256"}: ratio is
size / compressed_bytes (3 decimals); sha256 is of the compressed stream (written with mtime 0, so reproducible).
"""
import gzip
import hashlib
import random

ARGS = ("size", "level", "seed")
VOCABULARY = ("the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "serverless", "function", "cold",
              "warm", "start", "latency", "container", "benchmark", "payload", "worker", "queue", "memory")


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


def _text(size, seed):
    words = random.Random(seed).choices(VOCABULARY, k=size // 4 + 1)  # every word and its space is >= 4 bytes
    return " ".join(words).encode("ascii")[:size]


def handle(args):
    args = _args(args)
    size = _int(args, "size", 1 << 20, 1, 256 << 20)
    level = _int(args, "level", 6, 1, 9)
    seed = _int(args, "seed", 42, 0, 2**32 - 1)
    data = _text(size, seed)
    compressed = gzip.compress(data, compresslevel=level, mtime=0)
    restored = gzip.decompress(compressed)
    if restored != data:
        raise RuntimeError("gzip round trip changed the data")
    return {"size": size, "level": level, "compressed_bytes": len(compressed), "decompressed_bytes": len(restored),
            "ratio": round(size / len(compressed), 3), "sha256": hashlib.sha256(compressed).hexdigest()}
