"""FunctionBench-style matrix multiplication with numpy (python3-numpy, through Debian's BLAS).

Arguments (JSON payload, all optional):
  n     matrix order; integer 1-4096, default 512
  seed  seed of np.random.default_rng; integer 0-4294967295, default 42

A and B are n x n with entries uniform in [0, 1), drawn in that order from np.random.default_rng(seed).
Returns {"n", "trace", "sum"}: trace(A @ B) and the sum of all entries of A @ B, each rounded to 6 significant
digits (the last bits depend on the BLAS's summation order, and the rounding hides them).
"""
import numpy as np

ARGS = ("n", "seed")


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


def _significant(x, digits=6):
    return float(f"{x:.{digits}g}")


def handle(args):
    args = _args(args)
    n = _int(args, "n", 512, 1, 4096)
    seed = _int(args, "seed", 42, 0, 2**32 - 1)
    rng = np.random.default_rng(seed)
    a = rng.random((n, n))
    b = rng.random((n, n))
    c = a @ b
    return {"n": n, "trace": _significant(float(np.trace(c))), "sum": _significant(float(c.sum()))}
