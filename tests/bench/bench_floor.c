/*
 * bench_floor.c - the transport floor for bench_fakedri: a bare 64-byte
 * AF_UNIX SOCK_SEQPACKET request/reply round trip between two processes,
 * with no fakedri code on either side. Owns the echo server it forks and
 * the socketpair between them.
 *
 * With spinning, each side models fakedri's policy:
 *  - the server, like fdri_server_run(), after each message keeps polling
 *    (non-blocking recv) until BENCH_FLOOR_SERVER_SPIN_US pass with no new
 *    message, then sleeps in a blocking recv;
 *  - the client, like the shim's spin_for_reply(), peeks with
 *    recv(MSG_PEEK | MSG_DONTWAIT) for up to BENCH_FLOOR_CLIENT_SPIN_US
 *    before a blocking recv.
 * Both are off with one CPU, as in fakedri. Without spinning, both sides
 * always block: the cost of a cross-CPU wake-up per message.
 */
#define _GNU_SOURCE
#include "bench_floor.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 64

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

bool bench_floor_can_spin(void)
{
	cpu_set_t cpus;

	return !(sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2);
}

/* Answers one request: seq + 1 in the first word. 0, or -1 on a bad one. */
static int serve(int s, unsigned char *m, ssize_t n)
{
	unsigned long seq;

	if (n != MSG_LEN)
		return -1;
	memcpy(&seq, m, sizeof(seq));
	seq++;
	memcpy(m, &seq, sizeof(seq));
	return send(s, m, MSG_LEN, MSG_NOSIGNAL) == MSG_LEN ? 0 : -1;
}

/* The echo server; returns its exit status: 0 at a clean EOF. */
static int server(int s, long spin_ns)
{
	unsigned char m[MSG_LEN];
	ssize_t n;

	for (;;) {
		long idle_since;

		n = recv(s, m, sizeof(m), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return 0;
		if (serve(s, m, n) < 0)
			return 1;
		/* a burst: poll instead of sleeping while requests keep coming */
		idle_since = now_ns();
		while (now_ns() - idle_since < spin_ns) {
			n = recv(s, m, sizeof(m), MSG_DONTWAIT);
			if (n == 0)
				return 0;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return 1;
			if (n < 0)
				continue;
			if (serve(s, m, n) < 0)
				return 1;
			idle_since = now_ns();
		}
	}
}

int bench_floor_start(struct bench_floor *f, bool spin)
{
	int sv[2];

	spin = spin && bench_floor_can_spin();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	f->pid = fork();
	if (f->pid < 0) {
		int err = errno;

		close(sv[0]);
		close(sv[1]);
		return -err;
	}
	if (f->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		_exit(server(sv[1], spin ? BENCH_FLOOR_SERVER_SPIN_US * 1000L : 0));
	}
	close(sv[1]);
	f->sock = sv[0];
	f->client_spin_ns = spin ? BENCH_FLOOR_CLIENT_SPIN_US * 1000L : 0;
	f->seq = 0;
	return 0;
}

/* The shim's spin_for_reply(). */
static void spin_for_reply(int s, long spin_ns)
{
	long t0 = now_ns();

	if (spin_ns <= 0)
		return;
	do {
		char c;

		/* a pending message, or EOF: the real receive takes it */
		if (recv(s, &c, 0, MSG_PEEK | MSG_DONTWAIT) >= 0 || errno != EAGAIN)
			return;
	} while (now_ns() - t0 < spin_ns);
}

double bench_floor_run(struct bench_floor *f, long n)
{
	unsigned char m[MSG_LEN] = { 0 };
	long t0 = now_ns();

	for (long i = 0; i < n; i++) {
		unsigned long seq = ++f->seq;
		ssize_t r;

		memcpy(m, &seq, sizeof(seq));
		if (send(f->sock, m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
			return -1;
		spin_for_reply(f->sock, f->client_spin_ns);
		do
			r = recv(f->sock, m, sizeof(m), 0);
		while (r < 0 && errno == EINTR);
		memcpy(&seq, m, sizeof(seq));
		if (r != sizeof(m) || seq != f->seq + 1)
			return -1;
	}
	return (double)(now_ns() - t0);
}

int bench_floor_stop(struct bench_floor *f)
{
	int status;

	/* the socket itself, not just our fd: other children may hold copies */
	shutdown(f->sock, SHUT_RDWR);
	close(f->sock);
	if (waitpid(f->pid, &status, 0) != f->pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
