import numpy as np


def handle(args):
    # Debian's numpy loads libblas.so.3 through /etc/alternatives: this runs only where the container sees it.
    n = int(args.get("n", 3))
    a = np.arange(1, n * n + 1, dtype=float).reshape(n, n) + np.eye(n) * n
    return {"n": n, "trace": float(np.trace(a @ a)), "det": round(float(np.linalg.det(a)), 6)}
