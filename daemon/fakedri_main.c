/*
 * fakedri_main.c - the `fakedri` command line: `run` starts a private
 * daemon in this process, runs a program under the shim, tears the daemon
 * down when the program exits and reports what was left alive; `daemon`
 * runs a long-lived daemon (as fakedrid does); `fault` arms, lists and
 * clears faults of a running daemon over its socket (docs/faults.md);
 * `sweep` is fakedri_sweep.c's.
 *
 * `run` owns a private 0700 directory for the socket and sysroot, removed
 * at exit. `fault` owns one connection without a DRM file, closed before
 * it returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "fdri_daemon.h"
#include "fdri_daemon_cmd.h"
#include "fakedri_sweep.h"
#include "fdri_host.h"
#include "fdri_log.h"
#include "fdri_server.h"
#include "fdri_msg.h"
#include "fdri_wire.h"

static const char usage[] =
	"usage: fakedri run [options] [--] PROGRAM [ARGS...]\n"
	"       fakedri daemon --socket PATH [options]\n"
	"       fakedri daemon --cuse [--cuse-node SPEC]... [options]\n"
	"       fakedri fault add SPEC | list | clear [ID] | stats | unplug DEVICE\n"
	"                     [--socket PATH]\n"
	"       fakedri sweep [OPTIONS] -- PROGRAM [ARGS...]\n"
	"       fakedri --help | --version\n"
	"\n"
	"fakedri emulates a Linux DRM GPU device (GEM, PRIME, dumb buffers) in user\n"
	"space. `run` starts a private device and runs PROGRAM with the LD_PRELOAD\n"
	"shim, so unmodified libdrm programs see /dev/dri/card0 and renderD128. It\n"
	"exits with PROGRAM's status and prints one summary line to stderr.\n"
	"`fault` talks to a running daemon (--socket, default $FAKEDRI_SOCKET, which\n"
	"programs under `run` have); `sweep` fails each call of PROGRAM in turn\n"
	"(see fakedri sweep --help and docs/faults.md).\n"
	"\n"
	"options of run only:\n"
	"  --stats FILE          at exit, write key=value lines: status, signal,\n"
	"                        ioctls, jobs, hazards, faults, calls, objects,\n"
	"                        dmabufs, files (what the summary line says)\n"
	"\n"
	"options:\n";

struct run_state {
	pid_t child;
	int status;
	bool done;
	struct event_base *base;
};

static void on_sigchld(evutil_socket_t sig, short what, void *data)
{
	struct run_state *st = data;
	int status;

	(void)sig; (void)what;
	while (waitpid(st->child, &status, WNOHANG) == st->child) {
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			st->status = status;
			st->done = true;
			event_base_loopbreak(st->base);
		}
	}
}

static void on_forward(evutil_socket_t sig, short what, void *data)
{
	struct run_state *st = data;

	(void)what;
	kill(st->child, (int)sig);
}

/* The shim sits at the same place relative to the binary in the build tree
 * and in an install prefix. */
static int find_shim(char *out, size_t len)
{
	char exe[PATH_MAX];
	const char *env = getenv("FAKEDRI_SHIM");
	ssize_t n;

	*out = '\0';
	if (env) {
		snprintf(out, len, "%s", env);
		return access(out, R_OK) ? -1 : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -1;
	exe[n] = '\0';
	snprintf(out, len, "%s/%s", dirname(exe), FAKEDRI_SHIM_RELPATH);
	return access(out, R_OK) ? -1 : 0;
}

/* --stats FILE: what the summary line says, as key=value lines. */
static int write_stats(const char *path, int status, const struct run_state *st,
		       const struct fdri_daemon *d, const struct fdri_stats *s)
{
	FILE *f = fopen(path, "we");
	int r;

	if (!f)
		return -1;
	fprintf(f, "status=%d\nsignal=%d\nioctls=%llu\njobs=%llu\nhazards=%llu\nfaults=%llu\n"
		"calls=%llu\nobjects=%llu\ndmabufs=%llu\nfiles=%llu\n", status,
		WIFSIGNALED(st->status) ? WTERMSIG(st->status) : 0,
		(unsigned long long)s->ioctls, (unsigned long long)fdri_daemon_jobs(d),
		(unsigned long long)fdri_daemon_hazards(d), (unsigned long long)fdri_daemon_faults(d),
		(unsigned long long)fdri_daemon_fault_calls(d), (unsigned long long)s->objects,
		(unsigned long long)s->dmabufs, (unsigned long long)s->files_open);
	r = ferror(f);
	return fclose(f) || r ? -1 : 0;
}

static void on_drain_timer(evutil_socket_t fd, short what, void *data)
{
	(void)fd; (void)what;
	*(bool *)data = true;
}

/*
 * The program has exited; what it left in the daemon is about to be
 * counted. Its processes that died before it closed their connections, but
 * the daemon may not have served all those hangups yet, and GPU jobs still
 * in flight hold their buffers (they end by themselves, at the latest at
 * the job timeout). So serve on until no job is in flight and the counts
 * have not moved for 20 ms, 3 s at most (a job may wait for a fence nobody
 * will signal): "left at exit" then counts what processes still alive
 * hold, not a race with the daemon's loop.
 */
static void drain(struct event_base *base, struct fdri_daemon *d)
{
	const struct timeval limit = { .tv_sec = 3 }, settle = { .tv_usec = 20000 };
	struct fdri_stats before, after;
	bool late = false, quiet = false;
	struct event *deadline = evtimer_new(base, on_drain_timer, &late);
	struct event *calm = evtimer_new(base, on_drain_timer, &quiet);

	if (!deadline || !calm)
		goto out;
	evtimer_add(deadline, &limit);
	evtimer_add(calm, &settle);
	fdri_daemon_stats(d, &before);
	while (!late && (before.jobs || !quiet)) {
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;
		fdri_daemon_stats(d, &after);
		if (after.files_open != before.files_open || after.objects != before.objects ||
		    after.dmabufs != before.dmabufs || after.jobs != before.jobs) {
			quiet = false;
			evtimer_add(calm, &settle);
		}
		before = after;
	}
out:
	if (deadline)
		event_free(deadline);
	if (calm)
		event_free(calm);
}

static int cmd_run(int argc, char **argv)
{
	struct fdri_daemon_opts o = { 0 };
	struct run_state st = { .status = 0 };
	char dir[] = "/tmp/fakedri.XXXXXX", sock[PATH_MAX], shim[PATH_MAX], *preload;
	struct event *ev_chld, *ev_int, *ev_term;
	struct fdri_stats s;
	struct fdri_daemon *d;
	struct rlimit nofile;
	const char *tmp = getenv("TMPDIR"), *stats = NULL;
	char tmpl[4050];
	int i, ret;

	fdri_log_prog = "fakedri run";
	for (i = 2; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-')
			break;
		if (!strcmp(argv[i], "--stats")) {
			if (++i >= argc) {
				fprintf(stderr, "fakedri run: --stats needs a value (see --help)\n");
				return 2;
			}
			stats = argv[i];
			continue;
		}
		r = fdri_daemon_parse_opt(&o, argc, argv, &i);
		if (r == 1)
			continue;
		if (r < 0)
			return 2;
		fprintf(stderr, "fakedri run: bad option '%s' (see fakedri --help)\n", argv[i]);
		return 2;
	}
	if (i >= argc) {
		fprintf(stderr, "fakedri run: no program given\n");
		return 2;
	}
	if (o.socket) {
		fprintf(stderr, "fakedri run: --socket is for `fakedri daemon`\n");
		return 2;
	}
	if (fdri_daemon_check_opts(&o))
		return 2;
	if (find_shim(shim, sizeof(shim))) {
		fprintf(stderr, "fakedri run: cannot find the shim library %s: %s\n", shim,
			strerror(errno));
		return 1;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/fakedri.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		snprintf(tmpl, sizeof(tmpl), "%s", dir);
		if (!mkdtemp(tmpl)) {
			fprintf(stderr, "fakedri run: cannot create a directory in /tmp: %s\n",
				strerror(errno));
			return 1;
		}
	}
	if (snprintf(sock, sizeof(sock), "%.4000s/fakedri.sock", tmpl) >= (int)sizeof(sock) ||
	    strlen(tmpl) > 4000) {
		fprintf(stderr, "fakedri run: temporary directory path %s is too long\n", tmpl);
		rmdir(tmpl);
		return 1;
	}
	o.socket = sock;
	signal(SIGPIPE, SIG_IGN);
	getrlimit(RLIMIT_NOFILE, &nofile); /* the daemon raises its own */
	st.base = fdri_host_loop_new();
	if (!st.base) {
		fprintf(stderr, "fakedri run: cannot create the event loop\n");
		rmdir(tmpl);
		return 1;
	}
	d = fdri_daemon_start(st.base, &o);
	if (!d) {
		event_base_free(st.base);
		rmdir(tmpl);
		return 1;
	}
	ev_chld = evsignal_new(st.base, SIGCHLD, on_sigchld, &st);
	ev_int = evsignal_new(st.base, SIGINT, on_forward, &st);
	ev_term = evsignal_new(st.base, SIGTERM, on_forward, &st);
	event_add(ev_chld, NULL);
	event_add(ev_int, NULL);
	event_add(ev_term, NULL);

	st.child = fork();
	if (st.child == 0) {
		const char *old = getenv("LD_PRELOAD");

		if (asprintf(&preload, "%s%s%s", shim, old && *old ? ":" : "", old ? old : "") < 0)
			_exit(127);
		setenv("LD_PRELOAD", preload, 1);
		setenv("FAKEDRI_SOCKET", sock, 1);
		signal(SIGPIPE, SIG_DFL);
		setrlimit(RLIMIT_NOFILE, &nofile); /* the program's as it was */
		execvp(argv[i], argv + i);
		fprintf(stderr, "fakedri run: cannot run %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	if (st.child < 0) {
		perror("fakedri run: fork");
		st.status = 1 << 8;
	} else {
		fdri_server_run(st.base, fdri_daemon_spin_ns(&o));
		drain(st.base, d);
	}
	fdri_daemon_stats(d, &s);
	fprintf(stderr, "fakedri: %llu ioctls served, %llu GPU jobs, %llu sync hazards; left at exit: %llu objects, %llu dma-bufs, %llu open files; %llu faults injected\n",
		(unsigned long long)s.ioctls, (unsigned long long)fdri_daemon_jobs(d),
		(unsigned long long)fdri_daemon_hazards(d), (unsigned long long)s.objects,
		(unsigned long long)s.dmabufs, (unsigned long long)s.files_open,
		(unsigned long long)fdri_daemon_faults(d));
	ret = WIFSIGNALED(st.status) ? 128 + WTERMSIG(st.status) : WEXITSTATUS(st.status);
	if (stats && write_stats(stats, ret, &st, d, &s))
		fprintf(stderr, "fakedri run: cannot write --stats %s: %s\n", stats, strerror(errno));
	event_free(ev_chld);
	event_free(ev_int);
	event_free(ev_term);
	fdri_daemon_stop(d);
	event_base_free(st.base);
	rmdir(tmpl);
	return ret;
}

/* --- fault: FDRI_IOCTL_FAULT_CTL over a connection without a DRM file --- */

struct fault_conn {
	int main_sock;
	int chan;
};

/* Connects to the daemon at @path as a connection without a DRM file
 * (fdri_wire.h: HELLO with FDRI_NODE_NONE). 0 or -errno. */
static int fault_connect(const char *path, struct fault_conn *c)
{
	struct fdri_wire_hello h = {
		.hdr = { FDRI_MSG_HELLO, sizeof(h) }, .version = FDRI_WIRE_VERSION,
		.node = FDRI_NODE_NONE, .open_flags = O_CLOEXEC, .tid = (int32_t)getpid(),
	};
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct fdri_wire_reply r;
	int sv[2], rfd = -1, err;
	ssize_t n;

	c->main_sock = c->chan = -1;
	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	c->main_sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->main_sock < 0 || connect(c->main_sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail_errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail_errno;
	n = fdri_msg_send(c->main_sock, &h, sizeof(h), sv[1]);
	close(sv[1]);
	c->chan = sv[0];
	if (n >= 0)
		n = fdri_msg_recv(c->chan, &r, sizeof(r), &rfd, NULL);
	if (rfd >= 0)
		close(rfd);
	err = n < 0 ? (int)-n : n < 12 ? EPROTO : -r.ret;
	if (!err)
		return 0;
	close(c->chan);
	close(c->main_sock);
	return -err;
fail_errno:
	err = errno;
	if (c->main_sock >= 0)
		close(c->main_sock);
	return -err;
}

/* One FAULT_CTL: 0 or -errno; *@ctl gets the daemon's answer. */
static int fault_ctl(struct fault_conn *c, struct fdri_fault_ctl *ctl)
{
	static unsigned char buf[sizeof(struct fdri_wire_reply) + sizeof(*ctl) + 64];
	struct {
		struct fdri_wire_ioctl m;
		struct fdri_fault_ctl ctl;
	} req = {
		.m = { .hdr = { FDRI_MSG_IOCTL, sizeof(req) }, .cmd = FDRI_IOCTL_FAULT_CTL,
		       .tid = (int32_t)getpid(), .id = 1, .arg = (uintptr_t)ctl,
		       .arg_len = sizeof(*ctl) },
		.ctl = *ctl,
	};
	const struct fdri_wire_reply *r = (const void *)buf;
	int rfd = -1;
	ssize_t n;

	n = fdri_msg_send(c->chan, &req, sizeof(req), -1);
	if (n >= 0)
		n = fdri_msg_recv(c->chan, buf, sizeof(buf), &rfd, NULL);
	if (rfd >= 0)
		close(rfd);
	if (n < 0)
		return n == -EPIPE ? -ENODEV : (int)n;
	if ((size_t)n < sizeof(*r) || r->hdr.type != FDRI_MSG_REPLY ||
	    (size_t)n < sizeof(*r) + r->out_len)
		return -EPROTO;
	if (r->out_len >= sizeof(*ctl))
		memcpy(ctl, r + 1, sizeof(*ctl));
	return r->ret;
}

static int cmd_fault(int argc, char **argv)
{
	const char *sock = getenv("FAKEDRI_SOCKET"), *args[3] = { 0 };
	struct fdri_fault_ctl ctl;
	struct fault_conn c;
	int nargs = 0, ret;
	unsigned long long id = 0;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fakedri fault add SPEC [--socket PATH]   arm a fault; prints its id\n"
			       "       fakedri fault list [--socket PATH]       ID FIRED SPEC per armed fault\n"
			       "       fakedri fault clear [ID] [--socket PATH] disarm fault ID (default: all)\n"
			       "       fakedri fault stats [--socket PATH]      injected=N calls=N\n"
			       "       fakedri fault unplug DEVICE [--socket PATH]\n"
			       "                                    unplug the device of card<DEVICE> now\n\n"
			       "PATH defaults to $FAKEDRI_SOCKET, which programs under `fakedri run`\n"
			       "have. SPEC: see docs/faults.md, e.g. ioctl=GEM_CLOSE,nth=2,errno=EINVAL\n");
			return 0;
		} else if (nargs < 3) {
			args[nargs++] = argv[i];
		} else {
			fprintf(stderr, "fakedri fault: too many arguments (see fakedri fault --help)\n");
			return 2;
		}
	}
	if (!nargs) {
		fprintf(stderr, "fakedri fault: no command (add, list, clear, stats or unplug)\n");
		return 2;
	}
	memset(&ctl, 0, sizeof(ctl));
	if (!strcmp(args[0], "add") && nargs == 2) {
		ctl.op = FDRI_FAULT_OP_ADD;
		if (strlen(args[1]) >= sizeof(ctl.spec)) {
			fprintf(stderr, "fakedri fault: spec too long (at most %zu bytes)\n",
				sizeof(ctl.spec) - 1);
			return 2;
		}
		memcpy(ctl.spec, args[1], strlen(args[1]));
	} else if ((!strcmp(args[0], "clear") && nargs <= 2) ||
		   (!strcmp(args[0], "unplug") && nargs == 2)) {
		ctl.op = args[0][0] == 'c' ? FDRI_FAULT_OP_CLEAR : FDRI_FAULT_OP_UNPLUG;
		if (nargs == 2) {
			errno = 0;
			id = strtoull(args[1], &end, 10);
			if (errno || *end || end == args[1] || id > UINT32_MAX) {
				fprintf(stderr, "fakedri fault: %s '%s': not a number\n", args[0], args[1]);
				return 2;
			}
		}
		ctl.id = (uint32_t)id;
	} else if (!strcmp(args[0], "list") && nargs == 1) {
		ctl.op = FDRI_FAULT_OP_GET;
	} else if (!strcmp(args[0], "stats") && nargs == 1) {
		ctl.op = FDRI_FAULT_OP_STATS;
	} else {
		fprintf(stderr, "fakedri fault: bad command '%s' (see fakedri fault --help)\n", args[0]);
		return 2;
	}
	if (!sock || !*sock) {
		fprintf(stderr, "fakedri fault: no daemon: give --socket PATH (or set FAKEDRI_SOCKET)\n");
		return 2;
	}
	ret = fault_connect(sock, &c);
	if (ret) {
		fprintf(stderr, "fakedri fault: cannot reach the daemon at %s: %s\n", sock,
			strerror(-ret));
		return 1;
	}
	if (ctl.op == FDRI_FAULT_OP_GET) {
		for (uint32_t k = 0;; k++) {
			memset(&ctl, 0, sizeof(ctl));
			ctl.op = FDRI_FAULT_OP_GET;
			ctl.id = k;
			ret = fault_ctl(&c, &ctl);
			if (ret)
				break;
			ctl.spec[sizeof(ctl.spec) - 1] = '\0';
			printf("%u %llu %s\n", ctl.id, (unsigned long long)ctl.value, ctl.spec);
		}
		if (ret == -ENOENT)
			ret = 0;
	} else {
		ret = fault_ctl(&c, &ctl);
	}
	close(c.chan);
	close(c.main_sock);
	if (ret == -EINVAL && ctl.op == FDRI_FAULT_OP_ADD) {
		ctl.spec[sizeof(ctl.spec) - 1] = '\0';
		fprintf(stderr, "fakedri fault: bad spec '%s': %s\n", args[1], ctl.spec);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "fakedri fault: %s: %s\n", args[0], strerror(-ret));
		return 1;
	}
	if (ctl.op == FDRI_FAULT_OP_ADD)
		printf("%llu\n", (unsigned long long)ctl.value);
	else if (ctl.op == FDRI_FAULT_OP_CLEAR)
		printf("%llu cleared\n", (unsigned long long)ctl.value);
	else if (ctl.op == FDRI_FAULT_OP_STATS)
		printf("injected=%llu calls=%llu\n", (unsigned long long)ctl.value,
		       (unsigned long long)ctl.calls);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("%s%s", usage, fdri_daemon_opts_help);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("fakedri " FAKEDRI_VERSION "\n");
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc, argv);
	if (!strcmp(argv[1], "daemon"))
		return fdri_daemon_main(argc - 1, argv + 1, "fakedri daemon");
	if (!strcmp(argv[1], "fault"))
		return cmd_fault(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sweep"))
		return fdri_sweep_main(argc - 1, argv + 1);
	fprintf(stderr, "fakedri: unknown command '%s' (see --help)\n", argv[1]);
	return 2;
}
