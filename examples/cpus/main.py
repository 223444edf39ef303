import os
import time


def _status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return None


def _cpuset_cgroup():
    # without a cgroup namespace /proc/self/cgroup shows the host's path, e.g. "4:cpuset:/vireo/<id>"
    with open("/proc/self/cgroup") as f:
        for line in f:
            parts = line.strip().split(":", 2)
            if len(parts) == 3 and "cpuset" in parts[1].split(","):
                return parts[2]
    return None


def handle(args):
    """The CPUs this invocation may run on (what a cpu-groups tracker confined its container to), then a sleep."""
    allowed = _status("Cpus_allowed_list")
    ms = int((args or {}).get("ms", 0))
    time.sleep(ms / 1000)
    return {"cpus_allowed": allowed, "cpuset_cgroup": _cpuset_cgroup(), "pid": os.getpid(), "slept_ms": ms,
            "cpus_allowed_after": _status("Cpus_allowed_list")}
