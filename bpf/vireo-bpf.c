// SPDX-License-Identifier: GPL-2.0
/*
 * vireo-bpf: loads one of Vireo's BPF objects, pins its maps, attaches it, says "ready" and holds it until told to
 * stop. Built on libbpf 1.1 (Debian 12).
 *
 *   vireo-bpf sched --object vireo_sched.bpf.o --pin /sys/fs/bpf/vireo-sched
 *   vireo-bpf rqlat --object vireo_rqlat.bpf.o --pin /sys/fs/bpf/vireo-rqlat
 *
 * It removes stale pins in DIR, loads the object (libbpf's and the verifier's messages go to stderr), pins every
 * map as DIR/<name>, attaches, prints "ready" on stdout, and stays until SIGTERM/SIGINT, EOF on stdin or the death
 * of its parent; then it detaches, unpins and exits 0. The scheduler is registered through a BPF link (the struct_ops
 * map has BPF_F_LINK), so the kernel unregisters it when the link's fd closes: also when this process is killed.
 *
 * Exit codes: 0 stopped cleanly, 1 failure (message on stderr), 2 bad usage, 3 the kernel has no sched_ext
 * (`sched` only), 4 the kernel unloaded the scheduler while it ran (its reason on stderr).
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* newer than Debian 12's linux/bpf.h and libbpf 1.1 */
#ifndef BPF_F_LINK
#define BPF_F_LINK (1U << 13)
#endif
#define VIREO_BPF_STRUCT_OPS 44 /* enum bpf_attach_type BPF_STRUCT_OPS (kernel >= 6.4) */
#define BPF_FS_MAGIC_VALUE 0xcafe4a11

#define EXIT_USAGE 2
#define EXIT_NO_SCHED_EXT 3
#define EXIT_SCHED_UNLOADED 4

/* vireo_sched.bpf.c's only .bss variable */
struct vireo_exit {
	int kind;
	char reason[128];
	char msg[256];
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("vireo-bpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int mkdirs(const char *dir)
{
	char path[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		path[i] = dir[i];
	}
	return 0;
}

/* every entry of DIR is a pin of an earlier run (the directory is this loader's own) */
static int remove_stale_pins(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path))
			fprintf(stderr, "vireo-bpf: cannot remove stale pin %s: %s\n", path, strerror(errno));
	}
	closedir(d);
	return 0;
}

/* statfs of DIR, or of its nearest existing ancestor */
static int statfs_nearest(const char *dir, struct statfs *fs, char *found, size_t size)
{
	char *slash;

	snprintf(found, size, "%s", dir);
	while (statfs(found, fs)) {
		if (errno != ENOENT)
			return -errno;
		slash = strrchr(found, '/');
		if (!slash)
			return -ENOENT;
		if (slash == found)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return 0;
}

static int prepare_pin_dir(const char *dir)
{
	char found[PATH_MAX];
	struct statfs fs;
	int err = statfs_nearest(dir, &fs, found, sizeof(found));

	if (err)
		return fail("cannot statfs %s: %s", dir, strerror(-err));
	if ((unsigned long)fs.f_type != BPF_FS_MAGIC_VALUE)
		return fail("pin directory %s is not on a bpf filesystem (%s is not bpffs): mount one, e.g. "
			    "'mount -t bpf bpf /sys/fs/bpf'", dir, found);
	err = mkdirs(dir);
	if (err)
		return fail("cannot create pin directory %s: %s", dir, strerror(-err));
	if (remove_stale_pins(dir))
		return fail("cannot list %s: %s", dir, strerror(errno));
	return 0;
}

static bool pinnable(const struct bpf_map *map)
{
	return !bpf_map__is_internal(map) && bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS;
}

static int pin_maps(struct bpf_object *obj, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		if (!pinnable(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			return fail("cannot pin map %s at %s: %s", bpf_map__name(map), path, strerror(-err));
	}
	return 0;
}

static void unpin_maps(struct bpf_object *obj, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		if (!pinnable(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		bpf_map__unpin(map, path);
	}
	rmdir(dir);
}

static struct bpf_map *struct_ops_map(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			return map;
	}
	return NULL;
}

static struct vireo_exit *exit_info(struct bpf_object *obj)
{
	struct bpf_map *map;
	size_t size;
	const char *name;

	bpf_object__for_each_map(map, obj) {
		name = bpf_map__name(map);
		if (strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".bss")) {
			void *data = (void *)bpf_map__initial_value(map, &size);
			return data && size >= sizeof(struct vireo_exit) ? data : NULL;
		}
	}
	return NULL;
}

/* libbpf 1.1 knows neither ".struct_ops.link" nor "struct_ops.s/": set what they would have set */
static int prepare_sched(struct bpf_object *obj)
{
	struct bpf_map *ops = struct_ops_map(obj);
	struct bpf_program *init = bpf_object__find_program_by_name(obj, "vireo_init");
	int err;

	if (!ops)
		return fail("the object has no .struct_ops map: not a scheduler");
	err = bpf_map__set_map_flags(ops, bpf_map__map_flags(ops) | BPF_F_LINK);
	if (!err && init)
		err = bpf_program__set_flags(init, bpf_program__flags(init) | BPF_F_SLEEPABLE);
	return err ? fail("cannot prepare the struct_ops map: %s", strerror(-err)) : 0;
}

/* fills the struct_ops map (READY, not yet registered: BPF_F_LINK), then registers it through a link; returns the
 * link's fd: closing it (or dying) unregisters the scheduler */
static int attach_sched(struct bpf_object *obj)
{
	struct bpf_map *ops = struct_ops_map(obj);
	struct bpf_link *filled = bpf_map__attach_struct_ops(ops);
	int fd;

	if (!filled)
		return -fail("cannot fill struct_ops map %s: %s", bpf_map__name(ops), strerror(errno));
	bpf_link__disconnect(filled); /* its detach would delete the map's value: the link below owns it */
	bpf_link__destroy(filled);
	fd = bpf_link_create(bpf_map__fd(ops), 0, VIREO_BPF_STRUCT_OPS, NULL);
	if (fd < 0)
		return -fail("cannot register scheduler %s (bpf_link_create BPF_STRUCT_OPS): %s%s", bpf_map__name(ops),
			     strerror(errno),
			     errno == EBUSY ? " (another sched_ext scheduler is loaded)" : "");
	return fd;
}

static int attach_programs(struct bpf_object *obj, struct bpf_link **links, int max)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, obj) {
		if (n == max)
			return -fail("more than %d programs", max);
		links[n] = bpf_program__attach(prog);
		if (!links[n])
			return -fail("cannot attach program %s (%s): %s", bpf_program__name(prog),
				     bpf_program__section_name(prog), strerror(errno));
		n++;
	}
	return n;
}

/* until a signal, EOF on stdin, the parent's death or (scheduler) the kernel unloading it */
static int wait_for_stop(pid_t parent, struct vireo_exit *ex)
{
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[256];

	while (!stop_signal) {
		if (getppid() != parent)
			return 0;
		if (ex && ex->kind) {
			fprintf(stderr, "vireo-bpf: the kernel unloaded the scheduler (exit kind %d): %s: %s\n", ex->kind,
				ex->reason, ex->msg);
			return EXIT_SCHED_UNLOADED;
		}
		if (poll(&in, 1, 200) > 0) {
			if (in.revents & (POLLHUP | POLLERR | POLLNVAL))
				return 0;
			if (read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
				return 0;
		}
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: vireo-bpf sched|rqlat --object FILE.bpf.o --pin DIR\n"
			"  loads the object, pins its maps under DIR (on bpffs), attaches, prints 'ready' and holds it\n"
			"  until SIGTERM/SIGINT, EOF on stdin or the parent's death; exit 3: no sched_ext in this kernel\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *mode, *object = NULL, *dir = NULL;
	struct bpf_link *links[16];
	struct bpf_object *obj;
	struct vireo_exit *ex = NULL;
	int i, err, nlinks = 0, link_fd = -1, rc;
	bool sched;
	pid_t parent = getppid();

	if (argc < 2)
		return usage();
	mode = argv[1];
	sched = !strcmp(mode, "sched");
	if (!sched && strcmp(mode, "rqlat"))
		return usage();
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--object") && i + 1 < argc)
			object = argv[++i];
		else if (!strcmp(argv[i], "--pin") && i + 1 < argc)
			dir = argv[++i];
		else
			return usage();
	}
	if (!object || !dir)
		return usage();

	if (sched && access("/sys/kernel/sched_ext", F_OK)) {
		fprintf(stderr, "vireo-bpf: this kernel has no sched_ext (/sys/kernel/sched_ext is absent): "
				"the scheduler cannot be loaded\n");
		return EXIT_NO_SCHED_EXT;
	}
	/* no PR_SET_PDEATHSIG: it fires when the *thread* that started us ends (a JVM starts processes from any of its
	 * threads), not the process; EOF on stdin and getppid() in wait_for_stop follow the process itself */
	if (getppid() != parent)
		return 0;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(print_libbpf);

	if (prepare_pin_dir(dir))
		return 1;
	obj = bpf_object__open_file(object, NULL);
	if (!obj)
		return fail("cannot open %s: %s", object, strerror(errno));
	if (sched && prepare_sched(obj)) {
		bpf_object__close(obj);
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fail("cannot load %s: %s (the verifier's log, if any, is above)", object, strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	if (pin_maps(obj, dir))
		goto failed;
	if (sched) {
		ex = exit_info(obj);
		link_fd = attach_sched(obj);
		if (link_fd < 0)
			goto failed;
	} else {
		nlinks = attach_programs(obj, links, 16);
		if (nlinks < 0) {
			nlinks = 0;
			goto failed;
		}
	}
	printf("ready\n");
	fflush(stdout);

	rc = wait_for_stop(parent, ex);

	if (link_fd >= 0)
		close(link_fd);
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	unpin_maps(obj, dir);
	bpf_object__close(obj);
	return rc;

failed:
	if (link_fd >= 0)
		close(link_fd);
	unpin_maps(obj, dir);
	bpf_object__close(obj);
	return 1;
}
