/**
 * BPF maps from Java: the {@code bpf(2)} syscall through JNA ({@link dev.vireo.bpf.Bpf}), hash and array maps
 * ({@link dev.vireo.bpf.BpfMap}), and a small BTF writer ({@link dev.vireo.bpf.Btf}) so that maps created here
 * pretty-print in {@code bpftool map dump}. Linux on x86_64 only; every failure of the syscall is a
 * {@link dev.vireo.bpf.BpfException} that names the command, the object and what the errno means there.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.bpf;
