/**
 * BPF maps from Java: the {@code bpf(2)} syscall through JNA ({@link dev.vireo.bpf.Bpf}), hash and array maps
 * ({@link dev.vireo.bpf.BpfMap}), and a small BTF writer ({@link dev.vireo.bpf.Btf}) so that maps created here
 * pretty-print in {@code bpftool map dump}. Linux on x86_64 only; every failure of the syscall is a
 * {@link dev.vireo.bpf.BpfException} that names the command, the object and what the errno means there.
 *
 * <p>Since 1.1: the {@code bpf} module's programs from Java. {@link dev.vireo.bpf.BpfLoader} runs the loader that
 * loads the sched_ext scheduler or the run-queue latency programs and pins their maps ({@link dev.vireo.bpf.BpfArtifacts}
 * finds it); {@link dev.vireo.bpf.CpuGroupMaps} writes CPU groups and cgroup memberships,
 * {@link dev.vireo.bpf.RunQueueMaps} reads latency histograms, {@link dev.vireo.bpf.SchedPolicy} moves processes
 * into {@code SCHED_EXT} and {@link dev.vireo.bpf.Cgroups} gives a cgroup's id. {@link dev.vireo.bpf.SchedExtGroups}
 * is all of it as a control plane uses it (load, define groups, confine a cgroup's tasks, release, stop), and
 * {@link dev.vireo.bpf.BpfFs} mounts bpffs where a machine has none (1.2).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.vireo.bpf;
