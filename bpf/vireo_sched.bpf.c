/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vireo's sched_ext scheduler: CPU groups for function containers (issue #17).
 *
 * It runs in partial mode (SCX_OPS_SWITCH_PARTIAL): only tasks whose policy is SCHED_EXT (7) are scheduled here;
 * the control plane sets that policy on a container's processes. A SCHED_EXT task whose cgroup2 id is a key of
 * vireo_cmap runs only on the CPUs of its group (vireo_gmap), from the group's own queue (DSQ), with the group's
 * time slice and ordering. Every other SCHED_EXT task goes to one shared FIFO queue that any CPU takes from (a
 * CPU alternates between its groups' queues and the shared one).
 * The maps and their layout: vireo_maps.h.
 *
 * Built for the 6.12 kfunc names (scx_bpf_dispatch, scx_bpf_consume, ...; renamed in 6.13). libbpf 1.1 knows
 * neither ".struct_ops.link" nor "struct_ops.s/": the loader (vireo-bpf.c) sets BPF_F_LINK on the map and makes
 * vireo_init sleepable.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vireo_maps.h"

char _license[] SEC("license") = "GPL";

/* group g's queue is DSQ g; the shared queue comes after them */
#define SHARED_DSQ VIREO_MAX_GROUPS

/* the 6.12 kfuncs used here (bpftool 7.1 writes no kfunc prototypes into vmlinux.h) */
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;
void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym;
bool scx_bpf_consume(u64 dsq_id) __ksym;
s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags, bool *is_idle) __ksym;
bool scx_bpf_test_and_clear_cpu_idle(s32 cpu) __ksym;
void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
s32 scx_bpf_task_cpu(const struct task_struct *p) __ksym;
u32 scx_bpf_nr_cpu_ids(void) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIREO_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct vireo_member);
} vireo_cmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIREO_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct vireo_group);
} vireo_gmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIREO_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct vireo_gstats);
} vireo_gstat SEC(".maps");

/* per CPU: whether its next dispatch tries the shared queue before its groups' (they alternate, so that SCHED_EXT
 * tasks of unmapped cgroups are not starved on CPUs whose groups always have work: the kernel's watchdog would
 * unload the scheduler after 30 s of a runnable task not running) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vireo_turn SEC(".maps");

/* per task: when it became runnable (ARRIVAL order) and when it was last put into a group's queue (wait_ns) */
struct task_ctx {
	u64 runnable_at;
	u64 runtime_at_wake; /* se.sum_exec_runtime when it last became runnable: srt counts this burst only */
	u64 enqueued_at;
	s32 group; /* the group it was queued in, -1 when shared */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} vireo_tctx SEC(".maps");

/* why the scheduler was unloaded, for the loader to print (kind 0 = still running); the only global, so the
 * loader finds it at offset 0 of .bss */
struct vireo_exit {
	s32 kind;
	char reason[128];
	char msg[256];
} vireo_exit_info;

static __always_inline struct task_ctx *tctx_of(struct task_struct *p)
{
	return bpf_task_storage_get(&vireo_tctx, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/*
 * The task's group when its cgroup is mapped to a defined group with CPUs it may run on: *idx gets the group's index,
 * *cpus the group's CPUs the task's affinity allows (a task whose affinity excludes all of them goes to the shared
 * queue: in its group's queue no CPU could take it, and the watchdog would unload the scheduler).
 */
static struct vireo_group *group_of(struct task_struct *p, u32 *idx, u64 *expected_ns, u64 *cpus)
{
	u64 cgid = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	struct vireo_member *m = bpf_map_lookup_elem(&vireo_cmap, &cgid);
	struct vireo_group *g;
	u64 allowed;
	u32 gi;

	if (!m)
		return NULL;
	gi = m->group;
	if (gi >= VIREO_MAX_GROUPS)
		return NULL;
	g = bpf_map_lookup_elem(&vireo_gmap, &gi);
	if (!g || !g->active)
		return NULL;
	allowed = BPF_CORE_READ(p, cpus_ptr, bits[0]); /* CPUs 0..63 */
	if (!(g->cpus & allowed))
		return NULL;
	*idx = gi;
	*expected_ns = m->expected_ns;
	*cpus = g->cpus & allowed;
	return g;
}

static __always_inline bool in_mask(u64 cpus, s32 cpu)
{
	return cpu >= 0 && cpu < 64 && (cpus >> cpu) & 1;
}

SEC("struct_ops/vireo_select_cpu")
s32 BPF_PROG(vireo_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	u64 expected, cpus;
	bool is_idle = false;
	u32 gi;
	s32 cpu;

	if (!group_of(p, &gi, &expected, &cpus))
		return scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);

	/* an idle CPU of the group, the previous one first; else stay near prev or take the group's first CPU */
	if (in_mask(cpus, prev_cpu) && scx_bpf_test_and_clear_cpu_idle(prev_cpu))
		return prev_cpu;
	for (cpu = 0; cpu < 64; cpu++) {
		if (in_mask(cpus, cpu) && scx_bpf_test_and_clear_cpu_idle(cpu))
			return cpu;
	}
	if (in_mask(cpus, prev_cpu))
		return prev_cpu;
	for (cpu = 0; cpu < 64; cpu++) {
		if (in_mask(cpus, cpu))
			return cpu;
	}
	return prev_cpu;
}

SEC("struct_ops/vireo_enqueue")
void BPF_PROG(vireo_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct vireo_group *g;
	struct vireo_gstats *st;
	struct task_ctx *tc;
	u64 expected, cpus, now = bpf_ktime_get_ns(), vtime, slice, runtime;
	u32 gi;
	s32 cpu;

	tc = tctx_of(p);
	g = group_of(p, &gi, &expected, &cpus);
	if (!g) {
		if (tc)
			tc->group = -1;
		scx_bpf_dispatch(p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}

	/* every group queue is a priority queue (a DSQ cannot mix FIFO and vtime inserts), FIFO = enqueue time */
	switch (g->order) {
	case VIREO_ORDER_ARRIVAL:
		vtime = tc && tc->runnable_at ? tc->runnable_at : now;
		break;
	case VIREO_ORDER_SRT:
		/* remaining = expected - CPU used since it woke: a handler thread woken by its request counts this
		 * invocation only, not the agent's start-up or earlier invocations of a warm container. A task past
		 * its expected time is ordered by how far past it is: overrunning tasks take turns instead of one of
		 * them keeping the head of the queue (remaining 0) for as long as it runs */
		runtime = BPF_CORE_READ(p, se.sum_exec_runtime);
		if (tc && runtime >= tc->runtime_at_wake)
			runtime -= tc->runtime_at_wake;
		vtime = expected > runtime ? expected - runtime : runtime - expected;
		break;
	default:
		vtime = now;
	}
	slice = g->slice_ns ? g->slice_ns : SCX_SLICE_DFL;
	if (tc) {
		tc->enqueued_at = now;
		tc->group = gi;
	}
	scx_bpf_dispatch_vtime(p, gi, slice, vtime, enq_flags);

	st = bpf_map_lookup_elem(&vireo_gstat, &gi);
	if (st)
		__sync_fetch_and_add(&st->enqueued, 1);

	/* wake the group's idle CPUs it may run on: it may have been queued from a CPU outside the group */
	for (cpu = 0; cpu < 64; cpu++) {
		if (in_mask(cpus, cpu))
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	}
}

SEC("struct_ops/vireo_dispatch")
void BPF_PROG(vireo_dispatch, s32 cpu, struct task_struct *prev)
{
	struct vireo_group *g;
	u32 zero = 0, key, *turn = bpf_map_lookup_elem(&vireo_turn, &zero);
	int gi;
	bool shared_first = turn && (*turn)++ & 1;

	if (shared_first && scx_bpf_consume(SHARED_DSQ))
		return;
	/* the queues of the groups this CPU belongs to, in group order */
	for (gi = 0; gi < VIREO_MAX_GROUPS; gi++) {
		key = gi; /* the loop counter stays in a register: a counter on the stack looks like an endless loop */
		g = bpf_map_lookup_elem(&vireo_gmap, &key);
		if (g && g->active && in_mask(g->cpus, cpu) && scx_bpf_consume(gi))
			return;
	}
	if (!shared_first)
		scx_bpf_consume(SHARED_DSQ);
}

SEC("struct_ops/vireo_runnable")
void BPF_PROG(vireo_runnable, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tc = tctx_of(p);

	if (tc) {
		tc->runnable_at = bpf_ktime_get_ns();
		tc->runtime_at_wake = BPF_CORE_READ(p, se.sum_exec_runtime);
	}
}

SEC("struct_ops/vireo_running")
void BPF_PROG(vireo_running, struct task_struct *p)
{
	struct task_ctx *tc = tctx_of(p);
	struct vireo_gstats *st;
	u32 gi;

	if (!tc || tc->group < 0 || !tc->enqueued_at)
		return;
	gi = tc->group;
	st = bpf_map_lookup_elem(&vireo_gstat, &gi);
	if (st) {
		__sync_fetch_and_add(&st->dispatched, 1);
		__sync_fetch_and_add(&st->wait_ns, bpf_ktime_get_ns() - tc->enqueued_at);
	}
	tc->enqueued_at = 0;
}

SEC("struct_ops/vireo_init_task")
s32 BPF_PROG(vireo_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct task_ctx *tc = tctx_of(p);

	if (!tc)
		return -12; /* ENOMEM */
	tc->group = -1;
	return 0;
}

/* sleepable: the loader sets BPF_F_SLEEPABLE on it (scx_bpf_create_dsq may sleep) */
SEC("struct_ops/vireo_init")
s32 BPF_PROG(vireo_init)
{
	s32 err;
	u32 i;

	for (i = 0; i <= SHARED_DSQ; i++) {
		err = scx_bpf_create_dsq(i, -1);
		if (err)
			return err;
	}
	return 0;
}

SEC("struct_ops/vireo_exit")
void BPF_PROG(vireo_exit, struct scx_exit_info *ei)
{
	bpf_probe_read_kernel_str(vireo_exit_info.reason, sizeof(vireo_exit_info.reason), BPF_CORE_READ(ei, reason));
	bpf_probe_read_kernel_str(vireo_exit_info.msg, sizeof(vireo_exit_info.msg), BPF_CORE_READ(ei, msg));
	vireo_exit_info.kind = BPF_CORE_READ(ei, kind);
}

SEC(".struct_ops")
struct sched_ext_ops vireo_ops = {
	.select_cpu = (void *)vireo_select_cpu,
	.enqueue = (void *)vireo_enqueue,
	.dispatch = (void *)vireo_dispatch,
	.runnable = (void *)vireo_runnable,
	.running = (void *)vireo_running,
	.init_task = (void *)vireo_init_task,
	.init = (void *)vireo_init,
	.exit = (void *)vireo_exit,
	.flags = SCX_OPS_SWITCH_PARTIAL,
	.name = "vireo",
};
