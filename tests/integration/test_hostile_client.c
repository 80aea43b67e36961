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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdri_msg.h"
#include "fdri_wire.h"

static int connect_raw(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *path = getenv("FAKEDRI_SOCKET");
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	CHECK(path && s >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	CHECK_EQ(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

/* A channel attached to main socket s with message msg; returns our end. */
static int channel(int s, const void *msg, size_t len)
{
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK(fdri_msg_send(s, msg, len, sv[1]) >= 0);
	close(sv[1]);
	return sv[0];
}

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

/* A private fakedrid ($FAKEDRI_TEST_FAKEDRID) limited to 48 fds, and more
 * connections than it has fds for. Those it cannot take must be dropped at
 * once (not left pending, which would make its loop spin and the client
 * hang), and once the others go, it serves again. */
static void out_of_fds_refuses_promptly_then_recovers(void)
{
	struct fdri_wire_hello hello = { .hdr = { FDRI_MSG_HELLO, sizeof(hello) },
					 .version = FDRI_WIRE_VERSION, .open_flags = O_RDWR };
	const char *fakedrid = getenv("FAKEDRI_TEST_FAKEDRID");
	char dir[] = "/tmp/fakedri-fds.XXXXXX", sock[128], line[8];
	unsigned char buf[256];
	int socks[100], ch, rfd, ready[2];
	pid_t pid;
	ssize_t r;

	CHECK(fakedrid && mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/run/s", dir);
	CHECK_EQ(pipe(ready), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 48, 48 };
		char fdarg[16];

		snprintf(fdarg, sizeof(fdarg), "%d", ready[1]);
		setrlimit(RLIMIT_NOFILE, &rl);
		unsetenv("LD_PRELOAD");
		execl(fakedrid, fakedrid, "--socket", sock, "--ready-fd", fdarg, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	CHECK_EQ(read(ready[0], line, sizeof(line)), 6); /* "ready\n" */
	setenv("FAKEDRI_SOCKET", sock, 1);
	for (int i = 0; i < 100; i++)
		socks[i] = connect_raw();  /* no HELLO: one daemon fd each */
	ch = channel(socks[99], &hello, sizeof(hello));
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

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "garbage_on_every_socket_is_survived", garbage_on_every_socket_is_survived },
		{ "out_of_fds_refuses_promptly_then_recovers", out_of_fds_refuses_promptly_then_recovers },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
