/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run-queue latency per container: the time a task of a tracked cgroup waits between becoming runnable and
 * running. Works without sched_ext (tp_btf on the scheduler's tracepoints; measured on kernel 6.18).
 *
 * A task's wait starts at sched_wakeup / sched_wakeup_new, or at sched_switch when it is switched out still
 * runnable (preempted: it goes back to the run queue), and ends when sched_switch switches it in. Only tasks whose
 * cgroup2 id is a key of vireo_rqcg are measured; their latencies go to vireo_rqhist under that id
 * (struct vireo_rqhist in vireo_maps.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vireo_maps.h"

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIREO_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, __u32);
} vireo_rqcg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIREO_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct vireo_rqhist);
} vireo_rqhist SEC(".maps");

/* pid -> when its current wait started (ns); deleted when it runs */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIREO_MAX_CGROUPS);
	__type(key, __u32);
	__type(value, __u64);
} vireo_rqstart SEC(".maps");

static __always_inline u64 cgroup_of(struct task_struct *p)
{
	return BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
}

static __always_inline void wait_starts(struct task_struct *p)
{
	u64 cgid = cgroup_of(p), now;
	u32 pid;

	if (!bpf_map_lookup_elem(&vireo_rqcg, &cgid))
		return;
	pid = BPF_CORE_READ(p, pid);
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&vireo_rqstart, &pid, &now, BPF_ANY);
}

static __always_inline u32 bucket_of(u64 ns)
{
	u64 us = ns / 1000;
	u32 b = 0;

	/* bucket i holds [2^i, 2^(i+1)) us; bucket 0 also holds < 1 us */
#pragma unroll
	for (int i = 0; i < VIREO_RQ_BUCKETS - 1; i++) {
		if (us >= 2) {
			us >>= 1;
			b++;
		}
	}
	return b;
}

static __always_inline void wait_ends(struct task_struct *p)
{
	struct vireo_rqhist zero = {}, *h;
	u64 *start, cgid, delta;
	u32 pid = BPF_CORE_READ(p, pid), b;

	start = bpf_map_lookup_elem(&vireo_rqstart, &pid);
	if (!start)
		return;
	delta = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&vireo_rqstart, &pid);

	cgid = cgroup_of(p);
	if (!bpf_map_lookup_elem(&vireo_rqcg, &cgid))
		return;
	h = bpf_map_lookup_elem(&vireo_rqhist, &cgid);
	if (!h) {
		bpf_map_update_elem(&vireo_rqhist, &cgid, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&vireo_rqhist, &cgid);
		if (!h)
			return;
	}
	b = bucket_of(delta);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->total_ns, delta);
	if (b < VIREO_RQ_BUCKETS)
		__sync_fetch_and_add(&h->buckets[b], 1);
	if (delta > h->max_ns)
		h->max_ns = delta; /* best effort: a concurrent larger value may be overwritten */
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(vireo_rq_wakeup, struct task_struct *p)
{
	wait_starts(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(vireo_rq_wakeup_new, struct task_struct *p)
{
	wait_starts(p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(vireo_rq_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	/* switched out still runnable (TASK_RUNNING = 0): it waits in the run queue again */
	if (prev_state == 0)
		wait_starts(prev);
	wait_ends(next);
	return 0;
}
