import time


def handle(args):
    """Keeps one CPU busy for `ms` milliseconds of wall time (a CPU hog; the cpu-groups benchmark's)."""
    ms = int((args or {}).get("ms", 1000))
    end = time.monotonic() + ms / 1000
    spins = 0
    while time.monotonic() < end:
        spins += 1
    return {"ms": ms, "spins": spins}
