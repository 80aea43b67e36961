/*
 * itest_wire.h - raw clients of the socket protocol (common/fdri_wire.h)
 * for the integration tests that speak it without the shim. Header-only;
 * the including test links fdri_wire. Owns nothing: every fd returned
 * belongs to the caller.
 */
#ifndef ITEST_WIRE_H
#define ITEST_WIRE_H

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest.h"
#include "fdri_msg.h"
#include "fdri_wire.h"

/* A main socket connected to the daemon at @path. */
static inline int itest_wire_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	CHECK(path && s >= 0 && strlen(path) < sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path) + 1);
	CHECK_EQ(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

/* Sends @msg (HELLO or ATTACH) with a new channel on main socket @s;
 * returns our end of the channel. */
static inline int itest_wire_channel(int s, const void *msg, size_t len)
{
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(fdri_msg_send(s, msg, len, sv[1]), (ssize_t)len);
	close(sv[1]);
	return sv[0];
}

/*
 * Starts $FAKEDRI_TEST_FAKEDRID on @sock, with at most @nofile fds (0: as
 * we have) and its stderr in @errpath (NULL: ours), without the shim and
 * killed if we die (a failed CHECK leaves no daemon behind); returns its
 * pid once it says it is ready.
 */
static inline pid_t itest_wire_start_daemon(const char *sock, rlim_t nofile, const char *errpath)
{
	const char *fakedrid = getenv("FAKEDRI_TEST_FAKEDRID");
	char line[8];
	int ready[2];
	pid_t pid;

	CHECK(fakedrid);
	CHECK_EQ(pipe2(ready, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { nofile, nofile };
		char fdarg[16];
		int wfd = dup(ready[1]); /* without O_CLOEXEC */
		int err = errpath ? open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600) : 2;

		if (wfd < 0 || err < 0 || dup2(err, 2) < 0 ||
		    (nofile && setrlimit(RLIMIT_NOFILE, &rl) < 0) ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(126);
		snprintf(fdarg, sizeof(fdarg), "%d", wfd);
		unsetenv("LD_PRELOAD");
		execl(fakedrid, fakedrid, "--socket", sock, "--ready-fd", fdarg, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	CHECK_EQ(read(ready[0], line, sizeof(line)), 6); /* "ready\n" */
	close(ready[0]);
	return pid;
}

#endif
