"""FunctionBench-style float operations: CPU-bound pure-Python floating point (math.sin, math.cos, math.sqrt).

Arguments (JSON payload, all optional):
  n  how many numbers 0..n-1 to put through sin, cos and sqrt; integer 1-10000000, default 200000

Returns {"n", "checksum"}: checksum is the sum of sin(i) + cos(i) + sqrt(i), rounded to 6 decimals.
"""
import math

ARGS = ("n",)


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


def handle(args):
    args = _args(args)
    n = _int(args, "n", 200_000, 1, 10_000_000)
    sin, cos, sqrt = math.sin, math.cos, math.sqrt
    total = 0.0
    for i in range(n):
        total += sin(i) + cos(i) + sqrt(i)
    return {"n": n, "checksum": round(total, 6)}
