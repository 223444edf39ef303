import os


def _writable(path):
    try:
        with open(os.path.join(path, ".vireo-probe"), "w") as f:
            f.write("x")
        os.unlink(os.path.join(path, ".vireo-probe"))
        return True
    except OSError as e:
        return False if path != "/tmp" else str(e)


def handle(args):
    with open("/proc/net/dev") as f:
        interfaces = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    with open("/proc/self/status") as f:
        caps = [line.split()[1] for line in f if line.startswith("CapEff")]
    return {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(), "interfaces": interfaces,
            "root_writable": _writable("/"), "usr_writable": _writable("/usr"), "tmp_writable": _writable("/tmp"),
            "capabilities": caps[0] if caps else None}
