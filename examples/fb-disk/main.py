"""FunctionBench-style disk I/O: writes `size` bytes of seeded data to a temporary file in `block`-sized writes,
fsyncs it, reads it back in the same blocks, and deletes it.

Arguments (JSON payload, all optional):
  size   bytes to write; integer 1-536870912 (512 MiB), default 8388608 (8 MiB)
  block  bytes per write and per read; integer 1-67108864 (64 MiB), default 65536; size/block at most 1048576
  seed   seed of the data; integer 0-4294967295, default 42

The file lies in tempfile's directory (TMPDIR; a function's working directory need not be writable). After the
fsync the kernel is asked to drop the file's cached pages (posix_fadvise DONTNEED), so the read can reach the disk.
Returns {"size", "block", "bytes_written", "bytes_read", "sha256"}: the sha256 is of the data read back, which
must equal the data written.
"""
import hashlib
import os
import random
import tempfile

ARGS = ("size", "block", "seed")
MAX_BLOCKS = 1 << 20


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
    size = _int(args, "size", 8 << 20, 1, 512 << 20)
    block = _int(args, "block", 64 << 10, 1, 64 << 20)
    seed = _int(args, "seed", 42, 0, 2**32 - 1)
    if -(-size // block) > MAX_BLOCKS:
        raise ValueError(f"block must be at least size/{MAX_BLOCKS} bytes, got block {block} for size {size}")
    rng = random.Random(seed)
    written, read = hashlib.sha256(), hashlib.sha256()
    bytes_written = bytes_read = 0
    fd, path = tempfile.mkstemp(prefix="fb-disk-")
    try:
        while bytes_written < size:
            chunk = rng.randbytes(min(block, size - bytes_written))
            view = memoryview(chunk)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view):]
            written.update(chunk)
            bytes_written += len(chunk)
        os.fsync(fd)
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, block):
            read.update(chunk)
            bytes_read += len(chunk)
    finally:
        os.close(fd)
        os.remove(path)
    if read.digest() != written.digest():
        raise RuntimeError("the data read back differs from the data written")
    return {"size": size, "block": block, "bytes_written": bytes_written, "bytes_read": bytes_read,
            "sha256": read.hexdigest()}
