/*
 * test_wire_version.c - a shim and a daemon of different wire versions
 * (common/fdri_wire.h) refuse each other with one line that names both
 * versions, and a client of the other version sees ENODEV.
 *
 * Not run under `fakedri run`: each case brings its own peer.
 * - daemon side: a real fakedrid ($FAKEDRI_TEST_FAKEDRID) and a raw client
 *   that sends a version 1 HELLO.
 * - shim side: a fake daemon in this program that answers HELLO the way a
 *   daemon of another version does, a sysroot next to its socket with just
 *   the nodes file, and this program re-executed as "opener" under the shim
 *   ($FAKEDRI_TEST_SHIM) to open() a node twice; its stderr is checked.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest_wire.h"

/* version 1's HELLO: no device field */
struct v1_hello {
	struct fdri_wire_hdr hdr;
	uint32_t version;
	uint32_t node;
	int32_t open_flags;
	int32_t tid;
	uint64_t token[2];
};

/* version 1's REPLY was 88 bytes: ret at 8, then out_len (0 for HELLO) at
 * 12 where version 2 has its version */
#define V1_REPLY_LEN 88

static char tmpdir[] = "/tmp/fakedri-wire.XXXXXX";

static void rm_tree(const char *dir)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	itest_wait(pid);
}

/* The whole of file @path, NUL-terminated, in @buf. */
static void read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;

	CHECK(fd >= 0);
	while ((n = read(fd, buf + len, cap - 1 - (size_t)len)) > 0)
		len += n;
	CHECK(n == 0);
	buf[len] = '\0';
	close(fd);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define connect_to itest_wire_connect
#define channel itest_wire_channel


/* The reply to a HELLO on channel @ch, or a failed CHECK after 10 s. */
static ssize_t recv_reply(int ch, void *buf, size_t cap)
{
	struct pollfd p = { .fd = ch, .events = POLLIN };
	int rfd = -1;
	ssize_t n;

	CHECK_EQ(poll(&p, 1, 10000), 1);
	n = fdri_msg_recv(ch, buf, cap, &rfd, NULL);
	CHECK_EQ(rfd, -1);
	return n;
}

/*
 * A version 1 client gets EPROTO with the daemon's version in the reply
 * (ret at offset 8 and version at 12, where every version's client can
 * read them), the daemon logs one warning naming both versions, and it
 * still serves a client of its own version afterwards.
 */
static void daemon_refuses_v1_hello_naming_both_versions(void)
{
	struct v1_hello v1 = {
		.hdr = { FDRI_MSG_HELLO, sizeof(v1) }, .version = 1, .node = 0,
		.open_flags = O_RDWR, .tid = (int32_t)getpid(),
	};
	struct fdri_wire_hello v2 = {
		.hdr = { FDRI_MSG_HELLO, sizeof(v2) }, .version = FDRI_WIRE_VERSION,
		.open_flags = O_RDWR,
	};
	char sock[128], errpath[128], log[4096], want[256];
	unsigned char buf[512];
	int s, ch, s2, ch2, ret;
	uint32_t version;
	pid_t pid;
	ssize_t n;

	CHECK(mkdtemp(tmpdir));
	snprintf(sock, sizeof(sock), "%s/run/s", tmpdir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	pid = itest_wire_start_daemon(sock, 0, errpath);

	s = connect_to(sock);
	ch = channel(s, &v1, sizeof(v1));
	n = recv_reply(ch, buf, sizeof(buf));
	CHECK(n >= 16);
	memcpy(&ret, buf + 8, sizeof(ret));
	memcpy(&version, buf + 12, sizeof(version));
	CHECK_EQ(ret, -EPROTO);
	CHECK_EQ(version, FDRI_WIRE_VERSION);
	CHECK_EQ(version, 2);

	/* the refusal costs the daemon nothing */
	s2 = connect_to(sock);
	ch2 = channel(s2, &v2, sizeof(v2));
	n = recv_reply(ch2, buf, sizeof(buf));
	CHECK(n >= (ssize_t)sizeof(struct fdri_wire_reply));
	CHECK_EQ(((struct fdri_wire_reply *)buf)->ret, 0);
	CHECK_EQ(((struct fdri_wire_reply *)buf)->version, FDRI_WIRE_VERSION);
	close(ch2);
	close(s2);
	close(ch);
	close(s);

	CHECK_EQ(kill(pid, SIGTERM), 0);
	itest_wait_ok(pid);
	read_file(errpath, log, sizeof(log));
	snprintf(want, sizeof(want), "fakedrid: warn: pid %d speaks wire version 1, this daemon 2: ",
		 (int)getpid());
	if (count_lines(log) != 1 || strncmp(log, want, strlen(want)) ||
	    !strstr(log, "same build"))
		itest_fail(__FILE__, __LINE__, "daemon's stderr is not one line starting with "
			   "\"%s\" about the same build:\n%s", want, log);
	rm_tree(tmpdir);
}

/* --- the shim against a daemon of another version --- */

/* What the fake daemon answers HELLO with. */
enum fake_kind { FAKE_V1, FAKE_V3 };

/* Serves HELLOs on @lfd until killed, answering each like a daemon of
 * @kind would, and writes one byte to @count for each. */
static void fake_daemon(int lfd, enum fake_kind kind, int count)
{
	for (;;) {
		unsigned char in[256], out[sizeof(struct fdri_wire_reply)] = { 0 };
		struct fdri_wire_hdr hdr;
		uint32_t version;
		int32_t ret = -EPROTO;
		int c, rfd = -1;
		size_t len;
		ssize_t n;

		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		CHECK(c >= 0);
		n = fdri_msg_recv(c, in, sizeof(in), &rfd, NULL);
		CHECK(n >= 12 && rfd >= 0);
		memcpy(&hdr, in, sizeof(hdr));
		memcpy(&version, in + 8, sizeof(version));
		CHECK_EQ(hdr.type, FDRI_MSG_HELLO);
		CHECK_EQ(version, FDRI_WIRE_VERSION);
		if (kind == FAKE_V1) {
			/* {type, len}, ret, then zeros: no version */
			len = V1_REPLY_LEN;
		} else {
			/* version 3 keeps ret at 8 and version at 12 */
			uint32_t v3 = 3;

			len = sizeof(struct fdri_wire_reply);
			memcpy(out + 12, &v3, sizeof(v3));
		}
		hdr.type = FDRI_MSG_REPLY;
		hdr.len = (uint32_t)len;
		memcpy(out, &hdr, sizeof(hdr));
		memcpy(out + 8, &ret, sizeof(ret));
		CHECK_EQ(fdri_msg_send(rfd, out, len, -1), (ssize_t)len);
		itest_write(count, "h", 1);
		close(rfd);
		close(c);
	}
}

/*
 * Runs this program as "opener" under the shim against a fake daemon of
 * @kind; CHECKs that it passed, that both of its opens reached the daemon,
 * and that its stderr is exactly one line containing @want (in which "%s"
 * stands for the socket's path).
 */
static void shim_against(enum fake_kind kind, const char *want_fmt)
{
	const char *shim = getenv("FAKEDRI_TEST_SHIM");
	char sock[96], path[160], errpath[128], log[4096], want[512];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int lfd, count[2], status, served = 0;
	pid_t daemon, opener;
	FILE *f;
	char c;

	CHECK(shim && mkdtemp(tmpdir));
	snprintf(sock, sizeof(sock), "%s/s", tmpdir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);

	/* the sysroot: only the nodes file, all a plain open() reads */
	snprintf(path, sizeof(path), "%s.root", sock);
	CHECK_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s.root/nodes", sock);
	f = fopen(path, "we");
	CHECK(f);
	fprintf(f, "device 0 fakedri\n/dev/dri/card0 primary 0 0\n"
		   "/dev/dri/renderD128 render 128 0\n");
	CHECK_EQ(fclose(f), 0);

	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	CHECK_EQ(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_EQ(listen(lfd, 8), 0);
	CHECK_EQ(pipe2(count, O_CLOEXEC), 0);
	fflush(NULL);
	daemon = fork();
	CHECK(daemon >= 0);
	if (daemon == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(count[0]);
		fake_daemon(lfd, kind, count[1]);
		_exit(0);
	}
	close(count[1]);
	close(lfd);

	opener = fork();
	CHECK(opener >= 0);
	if (opener == 0) {
		int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (err < 0 || dup2(err, 2) < 0)
			_exit(126);
		setenv("LD_PRELOAD", shim, 1);
		setenv("FAKEDRI_SOCKET", sock, 1);
		alarm(20); /* a hang is a failure */
		itest_exec_self("opener", NULL);
	}
	status = itest_wait(opener);
	CHECK_EQ(kill(daemon, SIGKILL), 0);
	itest_wait(daemon);
	while (read(count[0], &c, 1) == 1)
		served++;
	close(count[0]);
	read_file(errpath, log, sizeof(log));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		itest_fail(__FILE__, __LINE__, "opener failed (status 0x%x), its stderr:\n%s",
			   status, log);
	CHECK_EQ(served, 2);
	snprintf(want, sizeof(want), want_fmt, sock);
	if (count_lines(log) != 1 || strncmp(log, "fakedri: ", 9) || !strstr(log, want) ||
	    !strstr(log, "use a shim and daemon of the same build\n"))
		itest_fail(__FILE__, __LINE__, "the shim's stderr is not one line saying "
			   "\"%s\":\n%s", want, log);
	rm_tree(tmpdir);
}

/* Under the shim: every open of a node of a daemon of another version is
 * ENODEV (not EPROTO, which open() never returns for a device). */
static void opener(void)
{
	CHECK(getenv("LD_PRELOAD"));
	CHECK_ERR(open("/dev/dri/card0", O_RDWR | O_CLOEXEC), ENODEV);
	CHECK_ERR(open("/dev/dri/card0", O_RDWR | O_CLOEXEC), ENODEV);
}

/* A version 1 daemon's reply has no version: the shim says the daemon is
 * older, once per process. */
static void shim_names_a_v1_daemon_older_once(void)
{
	shim_against(FAKE_V1, "the daemon at %s is older than this shim (wire version 2)");
}

/* A newer daemon says its version: the shim names both, once. */
static void shim_names_a_v3_daemon_version_once(void)
{
	shim_against(FAKE_V3, "the daemon at %s speaks wire version 3, this shim 2");
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "daemon_refuses_v1_hello_naming_both_versions",
		  daemon_refuses_v1_hello_naming_both_versions },
		{ "shim_names_a_v1_daemon_older_once", shim_names_a_v1_daemon_older_once },
		{ "shim_names_a_v3_daemon_version_once", shim_names_a_v3_daemon_version_once },
		{ "opener", opener },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
