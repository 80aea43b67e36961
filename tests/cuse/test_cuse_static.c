/*
 * test_cuse_static.c - a statically linked client of a fakedri CUSE primary
 * node that uses no shim: only libc and the ioctl numbers of <drm.h>.
 * It checks what a program that never loads the shim gets from the real
 * character device (issue 3, section 2 and the first acceptance item):
 *
 *   VERSION the three-round way, GET_CAP, an _IO ioctl (DROP/SET_MASTER),
 *   dumb create/map/destroy (mmap of the CUSE fd: ENODEV), GEM_CLOSE,
 *   FLINK here and GEM_OPEN in a forked child on its own fd (after
 *   GET_MAGIC/AUTH_MAGIC), PRIME_FD_TO_HANDLE of a memfd (EINVAL) and of
 *   bad fds (EBADF), PRIME_HANDLE_TO_FD (EOPNOTSUPP: fds need the shim),
 *   and the import of a dma-buf exported by another process through the
 *   shim (cuse_exporter) and passed over SCM_RIGHTS; a call that waits in
 *   the daemon (FAKEDRI_TEST_WAIT): deadline, wake, and a signal (EINTR).
 *
 * usage: test_cuse_static NODE [--exporter PATH --shim SO --socket SOCK
 *                               [--export-node PATH]...]
 * Without --exporter the import checks are skipped. The exporter tries the
 * --export-node paths in order (default: NODE, then /dev/dri/card0, the
 * shim's socket node of the same daemon).
 * Prints one line per check and "N passed, M failed"; exits 1 on failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "cuse_test.h"
#include "../../uapi/fakedri_drm.h"

static const char *node;

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL watchdog: test_cuse_static hung (SIGALRM)\n";

	(void)sig;
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(3);
}

static int open_node(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("FAIL open %s: %s\n", node, strerror(errno));
		exit(ct_summary("test_cuse_static") | 1);
	}
	return fd;
}

static void test_version(int fd)
{
	struct drm_version v = { 0 };
	char name[64], date[64], desc[128], shortname[4];
	int r;

	/* round 1: NULL pointers give the lengths */
	r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);
	ct_check(r == 0 && v.name_len == strlen("fakedri") && v.date_len > 0 && v.desc_len > 0 &&
		 v.desc_len < sizeof(desc) && v.date_len < sizeof(date),
		 "VERSION round 1 (NULL buffers): lengths",
		 "ret %d/%s, name_len %zu date_len %zu desc_len %zu, version %d.%d.%d", CT_ERR(r),
		 v.name_len, v.date_len, v.desc_len, v.version_major, v.version_minor,
		 v.version_patchlevel);
	if (r || v.desc_len >= sizeof(desc) || v.date_len >= sizeof(date) ||
	    v.name_len >= sizeof(name))
		return;

	/* round 2: buffers of exactly those lengths get the strings */
	memset(name, 0, sizeof(name));
	memset(date, 0, sizeof(date));
	memset(desc, 0, sizeof(desc));
	v.name = name;
	v.date = date;
	v.desc = desc;
	r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);
	ct_check(r == 0 && !strcmp(name, "fakedri") && strlen(date) == v.date_len &&
		 strlen(desc) == v.desc_len && v.version_major == 1,
		 "VERSION round 2 (buffers): strings",
		 "ret %d/%s, name \"%s\" date \"%s\" desc \"%s\"", CT_ERR(r), name, date, desc);

	/* round 3: a short buffer is filled up to its length, and the
	 * length reported is still the full one (drm_copy_field) */
	memset(shortname, '#', sizeof(shortname));
	v.name = shortname;
	v.name_len = 3;
	v.date = NULL;
	v.date_len = 0;
	v.desc = NULL;
	v.desc_len = 0;
	r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);
	ct_check(r == 0 && !memcmp(shortname, "fak#", 4) && v.name_len == strlen("fakedri"),
		 "VERSION round 3 (short name buffer): truncated, full length reported",
		 "ret %d/%s, buffer \"%.4s\" name_len %zu", CT_ERR(r), shortname, v.name_len);

	/* a bad nested pointer is EFAULT, as in the kernel */
	v.name = (char *)8;
	v.name_len = 8;
	r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);
	ct_check(r == -1 && errno == EFAULT, "VERSION with a bad name pointer: EFAULT",
		 "ret %d/%s", CT_ERR(r));
}

static void test_caps(int fd)
{
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };
	int r;

	r = ct_ioctl(fd, DRM_IOCTL_GET_CAP, &cap);
	ct_check(r == 0 && cap.value == (DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT),
		 "GET_CAP PRIME = 3", "ret %d/%s value %llu", CT_ERR(r),
		 (unsigned long long)cap.value);
	cap = (struct drm_get_cap){ .capability = DRM_CAP_DUMB_BUFFER };
	r = ct_ioctl(fd, DRM_IOCTL_GET_CAP, &cap);
	ct_check(r == 0 && cap.value == 1, "GET_CAP DUMB_BUFFER = 1", "ret %d/%s value %llu",
		 CT_ERR(r), (unsigned long long)cap.value);
	cap = (struct drm_get_cap){ .capability = 0xdead };
	r = ct_ioctl(fd, DRM_IOCTL_GET_CAP, &cap);
	ct_check(r == -1 && errno == EINVAL, "GET_CAP unknown: EINVAL", "ret %d/%s", CT_ERR(r));
	/* _IO commands (no data) are answered directly; the first opener is
	 * the master */
	r = ct_ioctl(fd, DRM_IOCTL_DROP_MASTER, NULL);
	ct_check(r == 0, "DROP_MASTER (_IO) by the first opener", "ret %d/%s", CT_ERR(r));
	r = ct_ioctl(fd, DRM_IOCTL_SET_MASTER, NULL);
	ct_check(r == 0, "SET_MASTER (_IO) again", "ret %d/%s", CT_ERR(r));
	r = ct_ioctl(fd, _IOWR('x', 1, int), &cap);
	ct_check(r == -1 && errno == ENOTTY, "non-DRM ioctl type: ENOTTY", "ret %d/%s", CT_ERR(r));
}

static uint32_t dumb_create(int fd, const char *what)
{
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };
	int r = ct_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c);

	ct_check(r == 0 && c.handle && c.pitch == 256 && c.size == 16384, what,
		 "ret %d/%s handle %u pitch %u size %llu", CT_ERR(r), c.handle, c.pitch,
		 (unsigned long long)c.size);
	return r ? 0 : c.handle;
}

static void test_dumb(int fd)
{
	struct drm_mode_map_dumb m = { 0 };
	struct drm_mode_destroy_dumb d = { 0 };
	uint32_t h = dumb_create(fd, "MODE_CREATE_DUMB 64x64x32: pitch 256, size 16384");
	void *p;
	int r;

	if (!h)
		return;
	m.handle = h;
	r = ct_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m);
	ct_check(r == 0 && m.offset && !(m.offset & 4095), "MODE_MAP_DUMB gives a page-aligned offset",
		 "ret %d/%s offset 0x%llx", CT_ERR(r), (unsigned long long)m.offset);
	errno = 0;
	p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	ct_check(p == MAP_FAILED && errno == ENODEV,
		 "mmap of the CUSE fd: ENODEV (CUSE has no mmap; needs the shim)", "got %p/%s", p,
		 p == MAP_FAILED ? strerror(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 16384);
	m = (struct drm_mode_map_dumb){ .handle = h + 1000 };
	r = ct_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m);
	ct_check(r == -1 && errno == ENOENT, "MODE_MAP_DUMB of an unknown handle: ENOENT",
		 "ret %d/%s", CT_ERR(r));
	d.handle = h;
	r = ct_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	ct_check(r == 0, "MODE_DESTROY_DUMB", "ret %d/%s", CT_ERR(r));
	r = ct_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	ct_check(r == -1 && errno == EINVAL, "MODE_DESTROY_DUMB again: EINVAL", "ret %d/%s",
		 CT_ERR(r));
}

static void test_gem_close(int fd)
{
	uint32_t h = dumb_create(fd, "MODE_CREATE_DUMB for GEM_CLOSE");
	struct drm_gem_close cl = { .handle = h };
	int r;

	if (!h)
		return;
	r = ct_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	ct_check(r == 0, "GEM_CLOSE", "ret %d/%s", CT_ERR(r));
	r = ct_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	ct_check(r == -1 && errno == EINVAL, "GEM_CLOSE again: EINVAL", "ret %d/%s", CT_ERR(r));
}

struct open_result {
	int magic_ret, magic_errno;
	int open_ret, open_errno;
	uint32_t handle;
	uint64_t size;
	int info_ret;
	uint64_t id;
};

/* the child: its own fd, authenticated by the parent, opens the name */
static void flink_child(int to_parent, int from_parent)
{
	struct open_result res = { 0 };
	struct drm_auth auth = { 0 };
	struct drm_gem_open o = { 0 };
	struct drm_fakedri_gem_info info = { 0 };
	uint32_t name;
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		_exit(2);
	res.magic_ret = ct_ioctl(fd, DRM_IOCTL_GET_MAGIC, &auth);
	res.magic_errno = errno;
	if (write(to_parent, &auth.magic, sizeof(auth.magic)) != sizeof(auth.magic) ||
	    read(from_parent, &name, sizeof(name)) != sizeof(name))
		_exit(2);
	o.name = name;
	res.open_ret = ct_ioctl(fd, DRM_IOCTL_GEM_OPEN, &o);
	res.open_errno = errno;
	res.handle = o.handle;
	res.size = o.size;
	info.handle = o.handle;
	res.info_ret = ct_ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_INFO, &info);
	res.id = info.id;
	if (write(to_parent, &res, sizeof(res)) != sizeof(res))
		_exit(2);
	close(fd);
	_exit(0);
}

static void test_flink(int fd)
{
	uint32_t h = dumb_create(fd, "MODE_CREATE_DUMB for FLINK");
	struct drm_gem_flink f = { .handle = h };
	struct drm_fakedri_gem_info info = { .handle = h };
	struct drm_auth auth = { 0 };
	struct open_result res = { 0 };
	struct drm_gem_close cl = { .handle = h };
	int up[2], down[2], r, st = 0;
	pid_t pid;

	if (!h)
		return;
	r = ct_ioctl(fd, DRM_IOCTL_GEM_FLINK, &f);
	ct_check(r == 0 && f.name, "GEM_FLINK gives a name", "ret %d/%s name %u", CT_ERR(r), f.name);
	if (r)
		return;
	ct_ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_INFO, &info);
	if (pipe2(up, O_CLOEXEC) || pipe2(down, O_CLOEXEC)) {
		ct_check(0, "pipes", "%s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		flink_child(up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &auth.magic, sizeof(auth.magic)) == sizeof(auth.magic)) {
		r = ct_ioctl(fd, DRM_IOCTL_AUTH_MAGIC, &auth);
		ct_check(r == 0 && auth.magic, "GET_MAGIC in the child, AUTH_MAGIC by the master",
			 "ret %d/%s magic %u", CT_ERR(r), auth.magic);
		(void)!write(down[1], &f.name, sizeof(f.name));
		if (read(up[0], &res, sizeof(res)) != sizeof(res))
			res.open_ret = -2;
	}
	close(up[0]);
	close(down[1]);
	waitpid(pid, &st, 0);
	ct_check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && res.open_ret == 0 && res.handle &&
		 res.size == 16384 && res.info_ret == 0 && res.id == info.id,
		 "GEM_OPEN of the name in a forked child on its own fd: handle, size, same object",
		 "child status 0x%x, ret %d (%s), handle %u size %llu, id %llu vs %llu", st,
		 res.open_ret, res.open_ret ? strerror(res.open_errno) : "ok", res.handle,
		 (unsigned long long)res.size,
		 (unsigned long long)res.id, (unsigned long long)info.id);
	ct_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	{
		struct drm_gem_open o = { .name = f.name };

		r = ct_ioctl(fd, DRM_IOCTL_GEM_OPEN, &o);
		ct_check(r == -1 && errno == ENOENT,
			 "GEM_OPEN after the last handle closed: ENOENT (the name died)",
			 "ret %d/%s", CT_ERR(r));
	}
}

static void test_prime_errors(int fd)
{
	struct drm_prime_handle p = { 0 };
	uint32_t h;
	int mfd, r;

	mfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	if (mfd >= 0 && ftruncate(mfd, 16384) == 0) {
		p.fd = mfd;
		r = ct_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
		ct_check(r == -1 && errno == EINVAL,
			 "PRIME_FD_TO_HANDLE of a memfd that is not a fakedri dma-buf: EINVAL",
			 "ret %d/%s", CT_ERR(r));
		close(mfd);
	} else {
		ct_check(0, "memfd_create", "%s", strerror(errno));
	}
	p = (struct drm_prime_handle){ .fd = -1 };
	r = ct_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	ct_check(r == -1 && errno == EBADF, "PRIME_FD_TO_HANDLE fd -1: EBADF", "ret %d/%s",
		 CT_ERR(r));
	p = (struct drm_prime_handle){ .fd = 1000 };
	r = ct_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	ct_check(r == -1 && errno == EBADF, "PRIME_FD_TO_HANDLE of a closed fd number: EBADF",
		 "ret %d/%s", CT_ERR(r));

	h = dumb_create(fd, "MODE_CREATE_DUMB for PRIME_HANDLE_TO_FD");
	if (!h)
		return;
	p = (struct drm_prime_handle){ .handle = h, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -7 };
	r = ct_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	ct_check(r == -1 && errno == EOPNOTSUPP,
		 "PRIME_HANDLE_TO_FD without the shim: EOPNOTSUPP (documented: fds need the shim)",
		 "ret %d/%s fd %d", CT_ERR(r), p.fd);
	p = (struct drm_prime_handle){ .handle = h + 1000, .flags = DRM_CLOEXEC };
	r = ct_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	ct_check(r == -1 && errno == ENOENT, "PRIME_HANDLE_TO_FD of an unknown handle: ENOENT",
		 "ret %d/%s", CT_ERR(r));
	p = (struct drm_prime_handle){ .handle = h, .flags = 0x1234 };
	r = ct_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	ct_check(r == -1 && errno == EINVAL, "PRIME_HANDLE_TO_FD with bad flags: EINVAL",
		 "ret %d/%s", CT_ERR(r));
	{
		struct drm_gem_close cl = { .handle = h };

		ct_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* drm_read() with no events: EAGAIN when non-blocking, else it waits and a
 * signal ends it with EINTR (the CUSE interrupt); poll reports nothing */
static void test_read_poll_interrupt(int fd)
{
	struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c[64];
	pid_t parent = getpid(), pid;
	int nb, r, e;

	r = poll(&pfd, 1, 0);
	ct_check(r == 0, "poll: no events", "ret %d revents 0x%x", r, pfd.revents);
	nb = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, nb | O_NONBLOCK);
	r = (int)read(fd, c, sizeof(c));
	ct_check(r == -1 && errno == EAGAIN, "non-blocking read: EAGAIN", "ret %d/%s", CT_ERR(r));
	fcntl(fd, F_SETFL, nb);
	sigaction(SIGUSR1, &sa, NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 300 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	errno = 0;
	r = (int)read(fd, c, sizeof(c));
	e = errno;
	waitpid(pid, NULL, 0);
	signal(SIGUSR1, SIG_DFL);
	ct_check(r == -1 && e == EINTR, "blocking read interrupted by a signal: EINTR",
		 "ret %d errno %d (%s)", r, e, strerror(e));
	{
		struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

		r = ct_ioctl(fd, DRM_IOCTL_GET_CAP, &cap);
		ct_check(r == 0 && cap.value == 3, "the fd still works after the interrupt",
			 "ret %d/%s", CT_ERR(r));
	}
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A call that waits in the daemon (a parked request) over CUSE: its
 * deadline gives ETIME, a wake from another process completes it, and a
 * signal interrupts it (FUSE_INTERRUPT cancels the request: EINTR), after
 * which nothing of it is left to wake. */
static void test_parked_calls(int fd)
{
	struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
	struct drm_fakedri_test_wait w = { 0 };
	struct drm_fakedri_test_wake k = { 0 };
	int64_t t0 = mono_ns();
	int r, e, done[2];
	pid_t pid;

	w.key = 1;
	w.deadline_ns = (uint64_t)(t0 + 50 * 1000 * 1000);
	r = ct_ioctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w);
	e = errno;
	t0 = mono_ns() - (int64_t)w.deadline_ns; /* how late: never negative */
	errno = e;
	ct_check(r == -1 && errno == ETIME && t0 >= 0,
		 "TEST_WAIT: the deadline gives ETIME, not before it", "ret %d/%s, %lld ns after it",
		 CT_ERR(r), (long long)t0);

	/* woken by another process, which retries until it finds us waiting */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int cfd = open_node();

		k.key = 7;
		for (int i = 0; i < 100000 && k.count == 0; i++)
			if (ct_ioctl(cfd, DRM_IOCTL_FAKEDRI_TEST_WAKE, &k))
				_exit(2);
		_exit(k.count == 1 ? 0 : 1);
	}
	w.key = 7;
	w.deadline_ns = 0;
	r = ct_ioctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w);
	e = 0;
	waitpid(pid, &e, 0);
	ct_check(r == 0 && WIFEXITED(e) && WEXITSTATUS(e) == 0,
		 "TEST_WAIT: a TEST_WAKE from another process completes it", "ret %d/%s, waker %d",
		 CT_ERR(r), e);

	/* interrupted: signals keep coming until the call has returned */
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(done))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		struct pollfd p = { .fd = done[0], .events = POLLIN };

		close(done[1]);
		while (poll(&p, 1, 0) == 0) {
			kill(getppid(), SIGUSR1);
			nanosleep(&ts, NULL);
		}
		_exit(0);
	}
	close(done[0]);
	w.key = 8;
	errno = 0;
	r = ioctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w); /* no restart */
	e = errno;
	close(done[1]);
	waitpid(pid, NULL, 0);
	signal(SIGUSR1, SIG_DFL);
	ct_check(r == -1 && e == EINTR, "TEST_WAIT interrupted by a signal: EINTR",
		 "ret %d errno %d (%s)", r, e, strerror(e));
	k.key = 8;
	k.count = 99;
	r = ct_ioctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAKE, &k);
	ct_check(r == 0 && k.count == 0, "the interrupted wait is gone (TEST_WAKE wakes nothing)",
		 "ret %d/%s count %u", CT_ERR(r), k.count);
}

struct exporter_cfg {
	const char *path, *shim, *socket;
	const char *nodes[8];
	int nnodes;
};

/* Runs the exporter with the shim; returns its pid and the received
 * dma-buf (or -1 and *status the reason). *sock stays open: closing it
 * lets the exporter exit. */
static pid_t start_exporter(const struct exporter_cfg *ec, int *sock, int *buf, uint64_t *size,
			    int *status)
{
	int sv[2];
	uint64_t payload = 0;
	pid_t pid;

	*buf = -1;
	*status = EIO;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	fcntl(sv[0], F_SETFD, FD_CLOEXEC);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char fdstr[16], *argv[12];
		int n = 0;

		snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
		argv[n++] = (char *)ec->path;
		argv[n++] = fdstr;
		for (int i = 0; i < ec->nnodes; i++)
			argv[n++] = (char *)ec->nodes[i];
		argv[n] = NULL;
		setenv("LD_PRELOAD", ec->shim, 1);
		setenv("FAKEDRI_SOCKET", ec->socket, 1);
		execv(ec->path, argv);
		fprintf(stderr, "exec %s: %s\n", ec->path, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	*sock = sv[0];
	*buf = ct_recv_fd(sv[0], &payload);
	*size = CT_EXPORT_SIZE(payload);
	*status = *buf == -2 ? EPIPE : CT_EXPORT_STATUS(payload);
	if (*buf < 0)
		*buf = -1;
	return pid;
}

static int finish_exporter(pid_t pid, int sock)
{
	int st = 0;

	close(sock);
	if (pid > 0)
		waitpid(pid, &st, 0);
	return st;
}

static void test_import(int fd, const struct exporter_cfg *ec)
{
	struct drm_prime_handle p = { 0 }, p2 = { 0 };
	struct drm_fakedri_gem_info info = { 0 };
	struct drm_gem_close cl = { 0 };
	int sock = -1, buf, status, r, st, ok;
	uint64_t size;
	void *ptr;
	pid_t pid;

	pid = start_exporter(ec, &sock, &buf, &size, &status);
	if (buf < 0) {
		st = finish_exporter(pid, sock);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
			ct_skip("PRIME_FD_TO_HANDLE of a dma-buf exported through the shim",
				"the exporter could not export from any node (%s): the shim's "
				"binding is not there", strerror(status));
		else
			ct_check(0, "exporter sends a dma-buf over SCM_RIGHTS",
				 "exporter status 0x%x, reason %s", st, strerror(status));
		return;
	}
	ct_check(size == 16384, "exporter (with the shim) sent a dma-buf over SCM_RIGHTS",
		 "fd %d size %llu", buf, (unsigned long long)size);
	p.fd = buf;
	r = ct_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	ct_check(r == 0 && p.handle, "PRIME_FD_TO_HANDLE of the shim-exported dma-buf",
		 "ret %d/%s handle %u", CT_ERR(r), p.handle);
	if (r == 0) {
		info.handle = p.handle;
		r = ct_ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_INFO, &info);
		ct_check(r == 0 && info.size == size && info.handle_count >= 2,
			 "FAKEDRI_GEM_INFO of the import: size matches, the exporter's object",
			 "ret %d/%s size %llu (dma-buf %llu) flags 0x%x handle_count %u",
			 CT_ERR(r), (unsigned long long)info.size, (unsigned long long)size,
			 info.flags, info.handle_count);
		p2.fd = buf;
		r = ct_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p2);
		ct_check(r == 0 && p2.handle == p.handle,
			 "PRIME_FD_TO_HANDLE again: the same handle", "ret %d/%s handle %u vs %u",
			 CT_ERR(r), p2.handle, p.handle);
	}
	/* the dma-buf is a memfd: mappable without the shim */
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	ok = ptr != MAP_FAILED && ct_verify(ptr, size, CT_EXPORT_SEED);
	ct_check(ok, "the dma-buf's contents are what the exporter wrote (mmap of the memfd)",
		 "%s", ok ? "" : ptr == MAP_FAILED ? strerror(errno) : "pattern mismatch");
	if (ptr != MAP_FAILED)
		munmap(ptr, size);
	if (p.handle) {
		cl.handle = p.handle;
		r = ct_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
		ct_check(r == 0, "GEM_CLOSE of the import", "ret %d/%s", CT_ERR(r));
	}
	close(buf);
	st = finish_exporter(pid, sock);
	ct_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exporter exits cleanly", "status 0x%x", st);
}

int main(int argc, char **argv)
{
	struct exporter_cfg ec = { 0 };
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm(60);
	if (argc < 2) {
		fprintf(stderr, "usage: %s NODE [--exporter PATH --shim SO --socket SOCK "
			"[--export-node PATH]...]\n", argv[0]);
		return 2;
	}
	node = argv[1];
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--exporter"))
			ec.path = argv[i + 1];
		else if (!strcmp(argv[i], "--shim"))
			ec.shim = argv[i + 1];
		else if (!strcmp(argv[i], "--socket"))
			ec.socket = argv[i + 1];
		else if (!strcmp(argv[i], "--export-node") && ec.nnodes < 8)
			ec.nodes[ec.nnodes++] = argv[i + 1];
	}
	if (!ec.nnodes) {
		ec.nodes[ec.nnodes++] = node;
		ec.nodes[ec.nnodes++] = "/dev/dri/card0";
	}

	fd = open_node();
	{
		struct stat st = { 0 };
		int r = fstat(fd, &st);

		ct_check(r == 0 && S_ISCHR(st.st_mode), "open: a real character device",
			 "%s %u:%u", node, major(st.st_rdev), minor(st.st_rdev));
	}
	test_version(fd);
	test_caps(fd);
	test_dumb(fd);
	test_gem_close(fd);
	test_flink(fd);
	test_prime_errors(fd);
	test_read_poll_interrupt(fd);
	test_parked_calls(fd);
	if (ec.path && ec.shim && ec.socket)
		test_import(fd, &ec);
	else
		ct_skip("PRIME_FD_TO_HANDLE of a dma-buf exported through the shim",
			"no --exporter/--shim/--socket given");
	{
		/* the exporter's socket file is released asynchronously: its EOF
		 * and our CUSE request race, so give it up to 2 s */
		struct drm_fakedri_device_stats s = { 0 };
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		int r;

		for (int i = 0; i < 100; i++) {
			r = ct_ioctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, &s);
			if (r || s.objects == 0)
				break;
			nanosleep(&ts, NULL);
		}

		ct_check(r == 0 && s.objects == 0, "FAKEDRI_DEVICE_STATS: no objects left",
			 "ret %d/%s objects %llu dmabufs %llu files %llu", CT_ERR(r),
			 (unsigned long long)s.objects, (unsigned long long)s.dmabufs,
			 (unsigned long long)s.files);
	}
	close(fd);
	return ct_summary("test_cuse_static");
}
