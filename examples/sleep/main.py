import time


def handle(args):
    ms = int((args or {}).get("ms", 100))
    time.sleep(ms / 1000)
    return {"slept_ms": ms}
