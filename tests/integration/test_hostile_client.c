/*
 * test_hostile_client.c - a client that speaks the socket protocol badly on
 * purpose (no shim: raw sockets to FAKEDRI_SOCKET): truncated and oversized
 * messages, unknown types, DATA without a NEED, ioctls on channels of a file
 * it never opened, bogus tokens, fds where none belong, vanishing mid-
 * exchange. The daemon must answer or drop that client only, and keep
 * serving a well-behaved libdrm client, with nothing leaked.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest_wire.h"

static int connect_raw(void)
{
	return itest_wire_connect(getenv("FAKEDRI_SOCKET"));
}

#define channel itest_wire_channel

/* The daemon still serves a normal client, and DEVICE_STATS is sane. */
static void normal_client_works(void)
{
	drmVersionPtr v;
	int fd = itest_open(ITEST_CARD);
	uint32_t h = itest_dumb_create(fd, 16, 16, NULL);

	v = drmGetVersion(fd);
	CHECK(v && !strcmp(v->name, "fakedri"));
	drmFreeVersion(v);
	itest_gem_close(fd, h);
	CHECK_EQ(close(fd), 0);
}

static void garbage_on_every_socket_is_survived(void)
{
	struct fdri_wire_hello hello = { .hdr = { FDRI_MSG_HELLO, sizeof(hello) },
					 .version = FDRI_WIRE_VERSION, .node = 0, .open_flags = O_RDWR };
	unsigned char junk[300000];
	unsigned char buf[4096];
	int s, ch, rfd, memfd = memfd_create("junk", MFD_CLOEXEC);
	ssize_t n;

	srandom(7);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)random();

	/* main socket: junk of every size, with and without an fd */
	s = connect_raw();
	CHECK(fdri_msg_send(s, junk, 1, -1) >= 0);
	CHECK(fdri_msg_send(s, junk, 7, memfd) >= 0);
	CHECK(fdri_msg_send(s, junk, 64, -1) >= 0);
	fdri_msg_send(s, junk, sizeof(junk), -1); /* too big: may fail or truncate */
	close(s);
	normal_client_works();

	/* HELLO with a wrong version, a bogus token, an unknown node type */
	s = connect_raw();
	hello.version = 999;
	ch = channel(s, &hello, sizeof(hello));
	n = fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL);
	CHECK(n >= (ssize_t)sizeof(struct fdri_wire_reply));
	CHECK_EQ(((struct fdri_wire_reply *)buf)->ret, -EPROTO);
	close(ch);
	close(s);

	s = connect_raw();
	hello.version = FDRI_WIRE_VERSION;
	hello.token[0] = 0x1234;
	ch = channel(s, &hello, sizeof(hello));
	n = fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL);
	CHECK(n >= (ssize_t)sizeof(struct fdri_wire_reply));
	CHECK_EQ(((struct fdri_wire_reply *)buf)->ret, -EACCES);
	close(ch);
	close(s);

	/* a proper file, then junk on its channel */
	s = connect_raw();
	hello.token[0] = 0;
	hello.node = 77; /* not a node type: treated as primary */
	ch = channel(s, &hello, sizeof(hello));
	n = fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL);
	CHECK(n >= (ssize_t)sizeof(struct fdri_wire_reply));
	CHECK_EQ(((struct fdri_wire_reply *)buf)->ret, 0);
	for (int round = 0; round < 200; round++) {
		struct fdri_wire_hdr *h = (void *)junk;
		size_t len = (size_t)(random() % 512);

		h->type = (uint32_t)(random() % 12);  /* mostly valid types */
		h->len = (uint32_t)len;
		fdri_msg_send(ch, junk, len < sizeof(*h) ? sizeof(*h) : len, round % 3 ? -1 : memfd);
		/* drain whatever the daemon answers; it must not stall */
		while ((n = recv(ch, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			;
		for (int i = 0; i < 32; i++)
			junk[random() % 512] = (unsigned char)random();
	}
	/* ATTACH a second channel, start an ioctl that needs an fd, vanish */
	{
		struct fdri_wire_hdr at = { FDRI_MSG_ATTACH, sizeof(at) };
		struct {
			struct fdri_wire_ioctl m;
			struct drm_prime_handle ph;
		} req = { .m = { .hdr = { FDRI_MSG_IOCTL, sizeof(req) },
				 .cmd = DRM_IOCTL_PRIME_FD_TO_HANDLE, .tid = 1, .id = 1,
				 .arg_len = sizeof(struct drm_prime_handle) },
			  .ph = { .fd = 5 } };
		int ch2 = channel(s, &at, sizeof(at));

		CHECK(fdri_msg_send(ch2, &req, sizeof(req), -1) >= 0);
		n = fdri_msg_recv(ch2, buf, sizeof(buf), &rfd, NULL);
		CHECK(n >= (ssize_t)sizeof(struct fdri_wire_hdr));
		CHECK_EQ(((struct fdri_wire_hdr *)buf)->type, FDRI_MSG_NEED);
		close(ch2); /* never answers the NEED */
	}
	close(ch);
	close(s);
	close(memfd);
	normal_client_works();
	itest_check_device_clean();
}

/* Starts a private fakedrid ($FAKEDRI_TEST_FAKEDRID) on dir/run/s with at
 * most @nofile fds; returns its pid once it is ready. */
static pid_t start_private_daemon(char *dir, char *sock, size_t len, rlim_t nofile)
{
	CHECK(mkdtemp(dir));
	snprintf(sock, len, "%s/run/s", dir);
	return itest_wire_start_daemon(sock, nofile, NULL);
}

/* A private fakedrid ($FAKEDRI_TEST_FAKEDRID) limited to 48 fds, and more
 * connections than it has fds for. Those it cannot take must be dropped at
 * once (not left pending, which would make its loop spin and the client
 * hang), and once the others go, it serves again. */
static void out_of_fds_refuses_promptly_then_recovers(void)
{
	struct fdri_wire_hello hello = { .hdr = { FDRI_MSG_HELLO, sizeof(hello) },
					 .version = FDRI_WIRE_VERSION, .open_flags = O_RDWR };
	char dir[] = "/tmp/fakedri-fds.XXXXXX", sock[128];
	unsigned char buf[256];
	int socks[100], ch, rfd;
	pid_t pid;
	ssize_t r;

	pid = start_private_daemon(dir, sock, sizeof(sock), 48);
	setenv("FAKEDRI_SOCKET", sock, 1);
	for (int i = 0; i < 100; i++)
		socks[i] = connect_raw();  /* no HELLO: one daemon fd each */
	{
		int sv[2];

		/* the daemon may have dropped the connection already (EPIPE),
		 * or drops it on the HELLO: either way no answer comes */
		CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
		r = fdri_msg_send(socks[99], &hello, sizeof(hello), sv[1]);
		close(sv[1]);
		ch = sv[0];
		CHECK(r == (ssize_t)sizeof(hello) || r == -EPIPE || r == -ECONNRESET);
	}
	alarm(20);                          /* a hang is the failure */
	r = fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL);
	alarm(0);
	CHECK(r <= 0);                      /* dropped: EOF or reset */
	close(ch);
	for (int i = 0; i < 100; i++)
		close(socks[i]);
	/* served again */
	ch = channel(connect_raw(), &hello, sizeof(hello));
	r = fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL);
	CHECK(r >= (ssize_t)sizeof(struct fdri_wire_reply));
	CHECK_EQ(((struct fdri_wire_reply *)buf)->ret, 0);
	CHECK_EQ(kill(pid, SIGTERM), 0);
	itest_wait_ok(pid);
	snprintf(sock, sizeof(sock), "%s/run", dir);
	rmdir(sock);
	rmdir(dir);
}


/*
 * A daemon out of fds loses the fd a message carries (MSG_CTRUNC). That
 * must fail only the call it came with, never end the file: a process with
 * a buffer on card0 forks while another process holds every fd the daemon
 * has left; the child's first ioctl (a new channel, which the daemon cannot
 * take) fails with EMFILE, and the parent's file, handle and data stay.
 * Stage 1 starts the daemon and re-executes the test under it (the shim
 * reads its configuration at start).
 */
static void fd_exhaustion_fails_only_the_call_that_lost_its_fd(void)
{
	char dir[] = "/tmp/fakedri-fdx.XXXXXX", sock[128], pidstr[16];
	struct drm_mode_map_dumb map = { 0 };
	uint64_t cap, size;
	int fd, go[2], hogged[2], opened = 0;
	uint32_t h;
	pid_t daemon, hog, child;
	void *p;

	if (itest_argc < 3) {
		daemon = start_private_daemon(dir, sock, sizeof(sock), 64);
		snprintf(pidstr, sizeof(pidstr), "%d", daemon);
		setenv("FAKEDRI_SOCKET", sock, 1);
		setenv("FDX_DAEMON", pidstr, 1);
		setenv("FDX_DIR", dir, 1);
		itest_exec_self("fd_exhaustion_fails_only_the_call_that_lost_its_fd", "stage2");
	}
	daemon = (pid_t)atoi(getenv("FDX_DAEMON"));
	fd = itest_open(ITEST_CARD);
	h = itest_dumb_create(fd, 64, 64, &size);
	p = itest_dumb_map(fd, h, size);
	itest_fill(p, size, 42);

	/* another process takes every fd the daemon has left */
	CHECK_EQ(pipe(go), 0);
	CHECK_EQ(pipe(hogged), 0);
	hog = fork();
	CHECK(hog >= 0);
	if (hog == 0) {
		char c;

		struct fdri_wire_hello h = { .hdr = { FDRI_MSG_HELLO, sizeof(h) },
					 .version = FDRI_WIRE_VERSION, .node = FDRI_NODE_RENDER,
					 .open_flags = O_RDWR };

		close(go[1]);
		/* raw opens, so the last, failed one keeps its connection
		 * (the shim would close it, and so give the daemon an fd back) */
		while (opened < 200) {
			struct sockaddr_un a = { .sun_family = AF_UNIX };
			unsigned char r[sizeof(struct fdri_wire_reply)];
			int fdr, sv[2], s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

			/* the daemon could not take the connection (it drops
			 * it, so the send may fail too) or the channel */
			snprintf(a.sun_path, sizeof(a.sun_path), "%s", getenv("FAKEDRI_SOCKET"));
			CHECK(s >= 0);
			CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
			if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
			    fdri_msg_send(s, &h, sizeof(h), sv[1]) != (ssize_t)sizeof(h))
				break;
			close(sv[1]);
			if (fdri_msg_recv(sv[0], r, sizeof(r), &fdr, NULL) <= 0)
				break;
			opened++;
		}
		itest_write(hogged[1], &opened, sizeof(opened));
		CHECK_EQ(read(go[0], &c, 1), 0); /* until the parent lets go */
		_exit(0);
	}
	close(go[0]);
	close(hogged[1]); /* a hog that dies is EOF here, not a hang */
	itest_read(hogged[0], &opened, sizeof(opened));
	CHECK(opened > 0 && opened < 200); /* the daemon did run out */

	/* the child's first ioctl needs a channel the daemon cannot take */
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		CHECK_ERR(drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap), EMFILE);
		_exit(0);
	}
	itest_wait_ok(child);

	/* the parent's file, handle and data are intact */
	map.handle = h;
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map), 0);
	CHECK(itest_verify(p, size, 42));
	CHECK_EQ(drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap), 0);

	/* once the hog is gone, a new child is served again */
	close(go[1]);
	itest_wait_ok(hog);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		int tries = 0;

		/* the daemon sees the hog's EOFs in its own time: bounded retries */
		while (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap) != 0 && errno == EMFILE)
			CHECK(++tries < 1000);
		CHECK_EQ(cap, 1);
		_exit(0);
	}
	itest_wait_ok(child);
	itest_gem_close(fd, h);
	munmap(p, size);
	close(fd);
	CHECK_EQ(kill(daemon, SIGTERM), 0);
	itest_wait_ok(daemon);
	snprintf(sock, sizeof(sock), "%s/run", getenv("FDX_DIR"));
	rmdir(sock);
	rmdir(getenv("FDX_DIR"));
}

/* The daemon's open fds (it is our parent under `fakedri run`). */
static int daemon_fd_count(void)
{
	char path[64];
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", getppid());
	d = opendir(path);
	CHECK(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A round trip on a fresh channel of main socket s: every message sent
 * on s before it has been handled. Returns the channel, kept open so its
 * release (asynchronous in the daemon) cannot blur a count of its fds. */
static int sync_main(int s)
{
	struct fdri_wire_hdr at = { FDRI_MSG_ATTACH, sizeof(at) };
	struct fdri_wire_hdr info = { FDRI_MSG_INFO, sizeof(info) };
	unsigned char buf[256];
	int ch = channel(s, &at, sizeof(at)), rfd;

	CHECK(fdri_msg_send(ch, &info, sizeof(info), -1) >= 0);
	CHECK(fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL) >= (ssize_t)sizeof(struct fdri_wire_info));
	CHECK_EQ(((struct fdri_wire_info *)buf)->ret, 0);
	return ch;
}

/*
 * A channel must be a connected AF_UNIX SEQPACKET socket whose peer is the
 * sender. Everything else is refused and closed, and the daemon neither
 * keeps it nor changes its flags: the client's own connection to the
 * daemon (which would keep a file alive forever), /dev/null, a regular
 * file, a memfd, an unconnected socket, stream and datagram pairs.
 */
static void wrong_kinds_of_channel_are_refused(void)
{
	struct fdri_wire_hello hello = { .hdr = { FDRI_MSG_HELLO, sizeof(hello) },
					 .version = FDRI_WIRE_VERSION, .node = 2, .open_flags = O_RDWR };
	struct fdri_wire_hdr at = { FDRI_MSG_ATTACH, sizeof(at) };
	struct drm_fakedri_device_stats st0, st1;
	unsigned char buf[256];
	int s, ch, rfd, before, pair[2], memfd, stats_fd, sync1, sync2;
	ssize_t n;

	stats_fd = itest_open(ITEST_RENDER);
	itest_stats(stats_fd, &st0);
	s = connect_raw();
	ch = channel(s, &hello, sizeof(hello));
	n = fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL);
	CHECK(n >= (ssize_t)sizeof(struct fdri_wire_reply));
	CHECK_EQ(((struct fdri_wire_reply *)buf)->ret, 0);
	sync1 = sync_main(s);
	before = daemon_fd_count();

	/* its own connection, many times */
	for (int i = 0; i < 100; i++)
		CHECK(fdri_msg_send(s, &at, sizeof(at), s) >= 0);
	/* files */
	rfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(fdri_msg_send(s, &at, sizeof(at), rfd) >= 0);
	close(rfd);
	rfd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	CHECK(fdri_msg_send(s, &at, sizeof(at), rfd) >= 0);
	close(rfd);
	memfd = memfd_create("not-a-channel", MFD_CLOEXEC);
	CHECK(fdri_msg_send(s, &at, sizeof(at), memfd) >= 0);
	/* sockets of the wrong kind */
	rfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	CHECK(fdri_msg_send(s, &at, sizeof(at), rfd) >= 0);
	close(rfd);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
	CHECK(fdri_msg_send(s, &at, sizeof(at), pair[1]) >= 0);
	close(pair[1]);
	close(pair[0]);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
	CHECK(fdri_msg_send(s, &at, sizeof(at), pair[1]) >= 0);
	close(pair[1]);
	close(pair[0]);
	sync2 = sync_main(s);

	/* nothing kept (but the second sync channel): the fds, the files, and
	 * the memfd's flags */
	CHECK_EQ(daemon_fd_count(), before + 1);
	CHECK_EQ(fcntl(memfd, F_GETFL) & O_NONBLOCK, 0);
	itest_stats(stats_fd, &st1);
	CHECK_EQ(st1.files, st0.files + 1);
	CHECK_EQ(st1.objects, st0.objects);
	close(memfd);
	close(sync1);
	close(sync2);
	close(ch);
	close(s);
	close(stats_fd);
	normal_client_works();
}

/* HELLO with FDRI_NODE_NONE: a connection without a DRM file (for fence
 * and dma-buf fd operations). It opens no file, and DRM ioctls and mmap
 * on it get EBADF, as on an fd that is not a DRM file. */
static void connection_without_a_file_opens_none_and_answers_ebadf(void)
{
	struct fdri_wire_hello hello = { .hdr = { FDRI_MSG_HELLO, sizeof(hello) },
					 .version = FDRI_WIRE_VERSION, .node = FDRI_NODE_NONE };
	struct {
		struct fdri_wire_ioctl m;
		struct drm_get_cap cap;
	} req = { .m = { .hdr = { FDRI_MSG_IOCTL, sizeof(req) }, .cmd = DRM_IOCTL_GET_CAP,
			 .id = 5, .arg_len = sizeof(struct drm_get_cap) },
		  .cap = { .capability = DRM_CAP_DUMB_BUFFER } };
	struct fdri_wire_mmap mm = { .hdr = { FDRI_MSG_MMAP, sizeof(mm) }, .id = 6,
				     .offset = 0x100000000ull, .len = 4096 };
	struct drm_fakedri_device_stats st0, st1;
	unsigned char buf[512];
	int s, ch, rfd, stats_fd = itest_open(ITEST_RENDER);
	const struct fdri_wire_reply *r = (const void *)buf;

	itest_stats(stats_fd, &st0);
	s = connect_raw();
	ch = channel(s, &hello, sizeof(hello));
	CHECK(fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL) >= (ssize_t)sizeof(*r));
	CHECK_EQ(r->ret, 0);
	itest_stats(stats_fd, &st1);
	CHECK_EQ(st1.files, st0.files);
	CHECK(fdri_msg_send(ch, &req, sizeof(req), -1) >= 0);
	CHECK(fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL) >= (ssize_t)sizeof(*r));
	CHECK_EQ(r->hdr.type, FDRI_MSG_REPLY);
	CHECK_EQ(r->id, 5);
	CHECK_EQ(r->ret, -EBADF);
	CHECK(fdri_msg_send(ch, &mm, sizeof(mm), -1) >= 0);
	CHECK(fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL) >= (ssize_t)sizeof(*r));
	CHECK_EQ(r->id, 6);
	CHECK_EQ(r->ret, -EBADF);
	CHECK_EQ(rfd, -1);
	close(ch);
	close(s);
	close(stats_fd);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "garbage_on_every_socket_is_survived", garbage_on_every_socket_is_survived },
		{ "fd_exhaustion_fails_only_the_call_that_lost_its_fd",
		  fd_exhaustion_fails_only_the_call_that_lost_its_fd },
		{ "wrong_kinds_of_channel_are_refused", wrong_kinds_of_channel_are_refused },
		{ "connection_without_a_file_opens_none_and_answers_ebadf",
		  connection_without_a_file_opens_none_and_answers_ebadf },
		{ "out_of_fds_refuses_promptly_then_recovers", out_of_fds_refuses_promptly_then_recovers },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
