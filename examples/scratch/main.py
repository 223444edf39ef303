import os
import tempfile


def handle(args):
    # Writes {"mb": N} MB of scratch data, reads its size back and removes it unless {"keep": true}. The scratch
    # space is /tmp in a container; tempfile finds it on every backend (the process backend sets TMPDIR).
    mb = int(args.get("mb", 1))
    path = os.path.join(tempfile.gettempdir(), "scratch.bin")
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as f:
        for _ in range(mb):
            f.write(chunk)
    size = os.path.getsize(path)
    if not args.get("keep"):
        os.remove(path)
    return {"written_mb": size >> 20}
