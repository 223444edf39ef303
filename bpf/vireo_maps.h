/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The map contract between Vireo's BPF programs and Java (bundle dev.vireo.bpf: CpuGroupMaps, RunQueueMaps).
 * Layouts are x86_64 C layouts, little-endian; Java reads and writes these bytes directly. Do not change a field
 * without changing both sides (and docs/bpf.md, "The maps").
 *
 * Scheduler (vireo_sched.bpf.c), pinned by `vireo-bpf sched --pin DIR` as DIR/<map name>:
 *   vireo_cmap   HASH  u64 cgroup id (inode of the container's cgroup2 directory) -> struct vireo_member, 65536
 *   vireo_gmap   ARRAY u32 group index 0..63 -> struct vireo_group, 64
 *   vireo_gstat  ARRAY u32 group index 0..63 -> struct vireo_gstats, 64 (written by the scheduler, best effort)
 *
 * Run-queue latency (vireo_rqlat.bpf.c), pinned by `vireo-bpf rqlat --pin DIR`:
 *   vireo_rqcg    HASH u64 cgroup id -> u32 (present = track), 65536
 *   vireo_rqhist  HASH u64 cgroup id -> struct vireo_rqhist, 65536
 */
#ifndef VIREO_MAPS_H
#define VIREO_MAPS_H

#define VIREO_MAX_GROUPS 64
#define VIREO_MAX_CGROUPS 65536
#define VIREO_RQ_BUCKETS 24

/* enum vireo_order: how a group's DSQ is ordered */
#define VIREO_ORDER_FIFO 0    /* enqueue order: a task whose slice ran out goes to the back */
#define VIREO_ORDER_ARRIVAL 1 /* vtime = when the task became runnable: the longest-waiting task first */
#define VIREO_ORDER_SRT 2     /* shortest remaining: vtime = expected_ns - runtime so far, floor 0 */

/* value of vireo_cmap: which group a cgroup belongs to */
struct vireo_member {
	__u32 group;       /* index into vireo_gmap */
	__u32 pad;
	__u64 expected_ns; /* the function's expected run time (for VIREO_ORDER_SRT) */
};

/* value of vireo_gmap: a CPU group */
struct vireo_group {
	__u64 cpus;     /* bitmask of CPUs 0..63 the group's tasks may run on */
	__u64 slice_ns; /* time slice of its tasks; 0 = the kernel default (SCX_SLICE_DFL, 20 ms) */
	__u32 order;    /* VIREO_ORDER_* */
	__u32 active;   /* 1 = defined; tasks of groups that are not go to the shared queue */
};

/* value of vireo_gstat */
struct vireo_gstats {
	__u64 enqueued;   /* tasks put into the group's queue */
	__u64 dispatched; /* tasks of the group that started running on one of its CPUs */
	__u64 wait_ns;    /* sum over those of the time from enqueue to running */
};

/* value of vireo_rqhist: run-queue latency (runnable -> running) of one cgroup's tasks */
struct vireo_rqhist {
	__u64 count;    /* latencies measured */
	__u64 total_ns; /* their sum */
	__u64 max_ns;   /* the largest */
	__u64 buckets[VIREO_RQ_BUCKETS]; /* bucket i: latencies in [2^i, 2^(i+1)) us; bucket 0: < 2 us */
};

#endif
