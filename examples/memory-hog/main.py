import time


def handle(args):
    args = args or {}
    mb = int(args.get("mb", 64))
    block = bytearray(mb * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    hold_ms = int(args.get("hold_ms", 0))
    if hold_ms:
        time.sleep(hold_ms / 1000)  # keep the memory while the worker samples the cgroup
    return {"allocated_mb": mb, "held_ms": hold_ms}
