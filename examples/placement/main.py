import time


def _stat():
    # /proc/thread-self/stat: the fields after the command's closing ')' start at field 3 (state);
    # field 39 = the CPU this thread last ran on, field 41 = its scheduling policy (0 normal, 7 SCHED_EXT)
    with open("/proc/thread-self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[39 - 3]), int(fields[41 - 3])


def _cgroup():
    with open("/proc/self/cgroup") as f:
        for line in f:
            parts = line.strip().split(":", 2)
            if len(parts) == 3 and parts[0] == "0":  # the cgroup v2 entry
                return parts[2]
    return None


def handle(args):
    """Busy for `ms` milliseconds of wall time, sampling which CPU runs it and under which scheduling policy:
    where a CPU group (cpu-groups tracker, sched-ext or cpuset mode) placed this invocation."""
    ms = int((args or {}).get("ms", 500))
    end = time.monotonic() + ms / 1000
    cpus = {}
    policies = {}
    samples = 0
    while time.monotonic() < end:
        cpu, policy = _stat()
        cpus[str(cpu)] = cpus.get(str(cpu), 0) + 1
        policies[str(policy)] = policies.get(str(policy), 0) + 1
        samples += 1
        for _ in range(2000):
            pass
    return {"cpus": cpus, "policies": policies, "samples": samples, "cgroup": _cgroup()}
