import os


def handle(args):
    # Writes {"mb": N} MB of scratch data to /tmp, reads its size back and removes it unless {"keep": true}.
    mb = int(args.get("mb", 1))
    path = "/tmp/scratch.bin"
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as f:
        for _ in range(mb):
            f.write(chunk)
    size = os.path.getsize(path)
    if not args.get("keep"):
        os.remove(path)
    return {"written_mb": size >> 20}
