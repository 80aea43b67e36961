/*
 * test_daemon_kill.c - SIGKILL of the daemon while clients hold a fakedri
 * CUSE node open (issue 3, acceptance): every client gets an error, never a
 * hang, and buffers already mapped or exported stay readable.
 * Static, no shim (the dma-buf comes from cuse_exporter, which uses it).
 *
 * usage: test_daemon_kill NODE DAEMON_PID [--exporter PATH --shim SO
 *                                          --socket SOCK [--export-node P]...]
 *
 * Sets up: two DRM files on NODE with dumb buffers, a flink name, an import
 * of a dma-buf exported through the shim (mapped here), and a forked child
 * blocked in read() on the node (a request pending in the daemon). Then it
 * SIGKILLs DAEMON_PID itself (the runner passes the pid) and checks, each
 * under an alarm() watchdog: the blocked read returns an error, ioctls on
 * both fds fail (the errno is printed, whatever the kernel gives), close()
 * returns, a new open() fails, and the dma-buf mapping and fd still hold
 * the exporter's data. The runner restarts the daemon afterwards.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "cuse_test.h"
#include "../../uapi/fakedri_drm.h"

static const char *step = "setup";

static void on_alarm(int sig)
{
	char msg[160];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "FAIL watchdog: hung in step '%s' (SIGALRM)\n", step);
	(void)!write(1, msg, (size_t)n);
	_exit(3);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *errname(int e)
{
	switch (e) {
	case ENODEV: return "ENODEV";
	case ENOTCONN: return "ENOTCONN";
	case ECONNABORTED: return "ECONNABORTED";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENOENT: return "ENOENT";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case EPIPE: return "EPIPE";
	case 0: return "no error";
	default: return "other";
	}
}

/* waits until pid is gone or a zombie (its files are closed by then) */
static int wait_dead(pid_t pid, double timeout)
{
	double end = now() + timeout;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	while (now() < end) {
		char path[64], buf[256], *p;
		int fd, n;

		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		n = (int)read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return 0;
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static uint32_t dumb(int fd)
{
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };

	return ct_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c) ? 0 : c.handle;
}

int main(int argc, char **argv)
{
	const char *node, *exporter = NULL, *shim = NULL, *sock_path = NULL;
	const char *enodes[8];
	int nenodes = 0, fd, fd2, esock = -1, buf = -1, pfd[2], r, e, st;
	uint64_t size = 0, payload = 0;
	pid_t daemon, reader, epid = -1;
	void *map = MAP_FAILED;
	double t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm(60);
	if (argc < 3) {
		fprintf(stderr, "usage: %s NODE DAEMON_PID [--exporter PATH --shim SO --socket SOCK "
			"[--export-node P]...]\n", argv[0]);
		return 2;
	}
	node = argv[1];
	daemon = (pid_t)atoi(argv[2]);
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--exporter"))
			exporter = argv[i + 1];
		else if (!strcmp(argv[i], "--shim"))
			shim = argv[i + 1];
		else if (!strcmp(argv[i], "--socket"))
			sock_path = argv[i + 1];
		else if (!strcmp(argv[i], "--export-node") && nenodes < 8)
			enodes[nenodes++] = argv[i + 1];
	}
	if (!nenodes) {
		enodes[nenodes++] = node;
		enodes[nenodes++] = "/dev/dri/card0";
	}

	/* --- setup: state in the daemon --- */
	fd = open(node, O_RDWR | O_CLOEXEC);
	fd2 = open(node, O_RDWR | O_CLOEXEC);
	if (!ct_check(fd >= 0 && fd2 >= 0 && daemon > 1, "setup: two DRM files on the node",
		      "%s, daemon pid %d%s%s", node, daemon, fd < 0 || fd2 < 0 ? ": " : "",
		      fd < 0 || fd2 < 0 ? strerror(errno) : ""))
		return ct_summary("test_daemon_kill");
	{
		uint32_t h1 = dumb(fd), h2 = dumb(fd2);
		struct drm_gem_flink f = { .handle = h1 };

		r = ct_ioctl(fd, DRM_IOCTL_GEM_FLINK, &f);
		ct_check(h1 && h2 && r == 0, "setup: dumb buffers on both files, a flink name",
			 "handles %u %u, flink %d/%s", h1, h2, CT_ERR(r));
	}
	if (exporter && shim && sock_path) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
			fcntl(sv[0], F_SETFD, FD_CLOEXEC);
			fflush(stdout);
			epid = fork();
			if (epid == 0) {
				char fdstr[16], *av[12];
				int n = 0;

				snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
				av[n++] = (char *)exporter;
				av[n++] = fdstr;
				for (int i = 0; i < nenodes; i++)
					av[n++] = (char *)enodes[i];
				av[n] = NULL;
				setenv("LD_PRELOAD", shim, 1);
				setenv("FAKEDRI_SOCKET", sock_path, 1);
				execv(exporter, av);
				_exit(127);
			}
			close(sv[1]);
			esock = sv[0];
			buf = ct_recv_fd(esock, &payload);
			size = CT_EXPORT_SIZE(payload);
		}
		if (buf >= 0) {
			struct drm_prime_handle p = { .fd = buf };

			map = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
			r = ct_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
			ct_check(map != MAP_FAILED && ct_verify(map, size, CT_EXPORT_SEED) && r == 0,
				 "setup: dma-buf exported through the shim, mapped and imported here",
				 "size %llu, map %s, import %d/%s", (unsigned long long)size,
				 map == MAP_FAILED ? strerror(errno) : "ok", CT_ERR(r));
		} else {
			ct_skip("setup: dma-buf exported through the shim",
				"the exporter could not export (reason %s)",
				strerror(CT_EXPORT_STATUS(payload)));
		}
	} else {
		ct_skip("setup: dma-buf exported through the shim", "no --exporter given");
	}

	/* a request pending in the daemon when it dies: a blocking read */
	if (pipe2(pfd, O_CLOEXEC)) {
		ct_check(0, "pipe", "%s", strerror(errno));
		return ct_summary("test_daemon_kill");
	}
	fflush(stdout);
	reader = fork();
	if (reader == 0) {
		char c[64];
		int res[2];

		alarm(20);
		(void)!write(pfd[1], "r", 1);
		errno = 0;
		res[0] = (int)read(fd, c, sizeof(c));
		res[1] = errno;
		(void)!write(pfd[1], res, sizeof(res));
		_exit(0);
	}
	{
		char c;
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		(void)!read(pfd[0], &c, 1);
		nanosleep(&ts, NULL); /* let the read reach the daemon */
	}

	/* --- the kill --- */
	step = "kill";
	r = kill(daemon, SIGKILL);
	ct_check(r == 0 && wait_dead(daemon, 10) == 0, "SIGKILL the daemon", "pid %d: %d/%s",
		 daemon, CT_ERR(r));
	t0 = now();

	step = "blocked read";
	{
		int res[2] = { 0, 0 };

		if (read(pfd[0], res, sizeof(res)) != sizeof(res))
			res[0] = -2;
		waitpid(reader, &st, 0);
		ct_check(res[0] == -1 && res[1] != 0,
			 "a read() pending in the daemon returns an error",
			 "ret %d errno %d %s (%s) after %.2f s", res[0], res[1], errname(res[1]),
			 strerror(res[1]), now() - t0);
	}

	step = "ioctl on fd";
	{
		struct drm_version v = { 0 };
		double t = now();

		errno = 0;
		r = ioctl(fd, DRM_IOCTL_VERSION, &v);
		e = errno;
		ct_check(r == -1 && e != 0, "the next ioctl fails (no hang)",
			 "ret %d errno %d %s (%s) in %.3f s", r, e, errname(e), strerror(e),
			 now() - t);
	}
	step = "ioctl on fd2";
	{
		struct drm_mode_create_dumb c = { .width = 8, .height = 8, .bpp = 32 };

		errno = 0;
		r = ioctl(fd2, DRM_IOCTL_MODE_CREATE_DUMB, &c);
		e = errno;
		ct_check(r == -1 && e != 0, "an ioctl on the other file fails too",
			 "ret %d errno %d %s (%s)", r, e, errname(e), strerror(e));
	}
	step = "_IO ioctl";
	errno = 0;
	r = ioctl(fd, DRM_IOCTL_DROP_MASTER, NULL);
	e = errno;
	ct_check(r == -1 && e != 0, "an _IO ioctl fails", "ret %d errno %d %s (%s)", r, e,
		 errname(e), strerror(e));
	step = "read";
	{
		char c[8];

		errno = 0;
		r = (int)read(fd, c, sizeof(c));
		e = errno;
		ct_check(r == -1 && e != 0, "read() fails", "ret %d errno %d %s (%s)", r, e,
			 errname(e), strerror(e));
	}
	step = "close";
	errno = 0;
	r = close(fd);
	e = errno;
	ct_check(1, "close() returns", "ret %d errno %d %s", r, e, errname(e));
	r = close(fd2);
	step = "open";
	{
		int n;

		errno = 0;
		n = open(node, O_RDWR | O_CLOEXEC);
		e = errno;
		ct_check(n == -1, "a new open() of the node fails",
			 "ret %d errno %d %s (%s)", n, e, errname(e), strerror(e));
		if (n >= 0)
			close(n);
	}

	step = "buffers";
	if (buf >= 0) {
		void *again;

		int ok = map != MAP_FAILED && ct_verify(map, size, CT_EXPORT_SEED);

		ct_check(ok, "the dma-buf mapped before the kill is still readable", "%s",
			 ok ? "" : map == MAP_FAILED ? "not mapped" : "pattern mismatch");
		again = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
		ok = again != MAP_FAILED && ct_verify(again, size, CT_EXPORT_SEED);
		ct_check(ok, "the dma-buf fd can still be mapped and read after the kill", "%s",
			 ok ? "" : again == MAP_FAILED ? strerror(errno) : "pattern mismatch");
		if (again != MAP_FAILED)
			munmap(again, size);
		if (map != MAP_FAILED)
			munmap(map, size);
		close(buf);
	} else {
		ct_skip("mapped/exported buffers stay readable",
			"no shim-exported dma-buf (CUSE cannot mmap or export without the shim)");
	}
	step = "exporter exit";
	if (epid > 0) {
		close(esock);
		waitpid(epid, &st, 0);
		ct_check(WIFEXITED(st) || WIFSIGNALED(st),
			 "the shim-using exporter exits after the kill (no hang)", "status 0x%x", st);
	}
	return ct_summary("test_daemon_kill");
}
