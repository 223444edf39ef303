#!/bin/sh
# init (pid 1) of the QEMU guest of SchedExtQemuTest: the host's root is the guest's root over 9p, read-only; the
# results share (9p tag "results", writable) is mounted at /results. Mounts what the scheduler and the JVM need, then
# runs the one command in /results/command (one argument per line: a java command line; the logic is Java), with its
# output in /results/guest.log and its exit code in /results/exit. When init exits the kernel panics, and with
# panic=-1 and QEMU's -no-reboot that ends the VM.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null # the kernel may have mounted it (DEVTMPFS_MOUNT)
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /tmp/results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /tmp/results || { echo "init: no results share"; exit 1; }
echo "init: $(uname -r), $(nproc) cpus, sched_ext $(cat /sys/kernel/sched_ext/state 2>/dev/null || echo absent)"
set --
while IFS= read -r arg; do set -- "$@" "$arg"; done < /tmp/results/command
"$@" > /tmp/results/guest.log 2>&1
echo $? > /tmp/results/exit
sync
echo "init: command exited $(cat /tmp/results/exit)"
