#!/bin/sh
# init (pid 1) of the QEMU guest of SchedExtQemuTest: the host's root is the guest's root over 9p, read-only; the
# results share (9p tag "results", writable) is mounted at /run/results. The guest's scratch space is a tmpfs on
# /run, not /tmp: the host's /tmp stays visible (a checkout under /tmp, as a CI clone may be, holds the class path).
# Mounts what the scheduler and the JVM need, then runs the one command in /run/results/command (one argument per
# line: a java command line; the logic is Java), with its output in /run/results/guest.log and its exit code in
# /run/results/exit. When init exits the kernel panics, and with panic=-1 and QEMU's -no-reboot that ends the VM.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/run TMPDIR=/run
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null # the kernel may have mounted it (DEVTMPFS_MOUNT)
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ip link set lo up 2>/dev/null # loopback: a worker in the guest serves its API on 127.0.0.1
mkdir -p /run/results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /run/results || { echo "init: no results share"; exit 1; }
echo "init: $(uname -r), $(nproc) cpus, sched_ext $(cat /sys/kernel/sched_ext/state 2>/dev/null || echo absent)"
set --
while IFS= read -r arg; do set -- "$@" "$arg"; done < /run/results/command
"$@" > /run/results/guest.log 2>&1
echo $? > /run/results/exit
sync
echo "init: command exited $(cat /run/results/exit)"
