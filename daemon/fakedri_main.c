/*
 * fakedri_main.c - the `fakedri` command line: `run` starts a private
 * daemon in this process, runs a program under the shim, tears the daemon
 * down when the program exits and reports what was left alive; `daemon`
 * runs a long-lived daemon (as fakedrid does); `fault` arms, lists and
 * clears faults of a running daemon over its socket (docs/faults.md);
 * `sweep` is fakedri_sweep.c's.
 *
 * `run` owns a 0711 directory for the socket and sysroot, removed
 * at exit. `fault` owns one connection without a DRM file, closed before
 * it returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

#include "fdri_cli.h"
#include "fdri_daemon.h"
#include "fdri_daemon_cmd.h"
#include "fakedri_conn.h"
#include "fakedri_sweep.h"
#include "fakedri_top.h"
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
	"       fakedri sweep [options] [--] PROGRAM [ARGS...]\n"
	"       fakedri top [--socket PATH] [--interval MS] [--once] [--device N]\n"
	"                   [--view VIEW]...\n"
	"       fakedri COMMAND --help\n"
	"       fakedri --help | --version\n";

static const char overview[] =
	"\n"
	"fakedri emulates a Linux DRM GPU device (GEM, PRIME, dumb buffers) in user\n"
	"space.\n"
	"\n"
	"commands:\n"
	"  run      start a private device and run PROGRAM with the LD_PRELOAD shim,\n"
	"           so unmodified libdrm programs see /dev/dri/card0 and renderD128;\n"
	"           exits with PROGRAM's status and prints one summary line to stderr\n"
	"  daemon   run a long-lived device (as fakedrid does)\n"
	"  fault    arm, list and clear faults of a running daemon (docs/faults.md)\n"
	"  sweep    fail each call of PROGRAM in turn and report what broke\n"
	"  top      a live view of a running daemon's objects, fences and jobs\n"
	"\n"
	"`fault` and `top` talk to a running daemon (--socket, default\n"
	"$FAKEDRI_SOCKET, which programs under `run` have). Each command has its\n"
	"own --help; every option takes its value as --opt VALUE or --opt=VALUE.\n"
	"\n"
	"options:\n"
	"  -h, --help   this text\n"
	"  --version    print the version\n"
	"\n"
	"See fakedri(1).\n";

static const char run_help[] =
	"usage: fakedri run [options] [--] PROGRAM [ARGS...]\n"
	"       fakedri run --help | --version\n"
	"\n"
	"Starts a private device (its socket and sysroot in a new 0711 directory\n"
	"under $TMPDIR), runs PROGRAM with the LD_PRELOAD shim and FAKEDRI_SOCKET\n"
	"set, tears the device down when PROGRAM exits and prints one summary line\n"
	"to stderr: ioctls served, GPU jobs, sync hazards, what was left at exit,\n"
	"faults injected. Exits with PROGRAM's status (128+N if a signal N killed\n"
	"it), 2 for a usage error, 1 if the device cannot start. Options end at\n"
	"the first argument that is not one, or at --.\n"
	"\n"
	"options of run only:\n"
	"  --stats FILE          at exit, write key=value lines: status, signal,\n"
	"                        ioctls, jobs, hazards, faults, calls, objects,\n"
	"                        dmabufs, files (what the summary line says)\n"
	"\n"
	"device options (also of fakedri daemon and fakedrid):\n";

static const char run_help_end[] =
	"  -h, --help            this text\n"
	"  --version             print the version\n"
	"\n"
	"--socket, --cuse and --cuse-node are for a long-lived daemon only\n"
	"(fakedri daemon --help). See fakedri(1).\n";

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

enum { RUN_STATS = 1 };

static int cmd_run(int argc, char **argv, const char *prog)
{
	static const struct option run_opts[] = {
		{ "stats", required_argument, NULL, RUN_STATS },
		FDRI_CLI_COMMON_OPTS,
	};
	struct option lo[FDRI_DAEMON_MAX_OPTS + 4] = { 0 };
	struct fdri_daemon_opts o = { 0 };
	struct run_state st = { .status = 0 };
	char dir[] = "/tmp/fakedri.XXXXXX", sock[PATH_MAX], shim[PATH_MAX], *preload;
	struct event *ev_chld, *ev_int, *ev_term;
	struct fdri_stats s;
	struct fdri_daemon *d;
	struct rlimit nofile;
	const char *tmp = getenv("TMPDIR"), *stats = NULL;
	char tmpl[4050];
	int i, ret, c;
	size_t n;

	fdri_log_prog = prog;
	n = fdri_daemon_longopts(lo);
	memcpy(lo + n, run_opts, sizeof(run_opts));
	fdri_cli_begin();
	while ((c = fdri_cli_getopt(prog, argc, argv, "+:h", lo)) != -1) {
		if (c == FDRI_CLI_BAD)
			return FDRI_CLI_USAGE;
		if (c == FDRI_CLI_HELP) {
			printf("%s%s\n%s", run_help, fdri_daemon_opts_help, run_help_end);
			return 0;
		}
		if (c == FDRI_CLI_VERSION)
			return fdri_cli_version("fakedri");
		if (c == RUN_STATS) {
			stats = optarg;
			continue;
		}
		if (fdri_daemon_opt_daemon_only(c))
			return fdri_cli_usage_error(prog, "option '%s' is for a long-lived daemon "
						    "only (fakedri daemon, fakedrid); run makes its "
						    "own private socket", fdri_daemon_opt_name(c));
		if (fdri_daemon_set_opt(&o, c, optarg) < 0)
			return fdri_cli_hint(prog);
	}
	i = optind;
	if (i >= argc)
		return fdri_cli_usage_error(prog, "no program given");
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
	/* other users (a child that dropped root) reach the socket, not the
	 * listing; the nodes' modes decide (docs/security.md) */
	chmod(tmpl, 0711);
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

static const char fault_help[] =
	"usage: fakedri fault add SPEC [--socket PATH]    arm a fault; prints its id\n"
	"       fakedri fault list [--socket PATH]        ID FIRED SPEC per armed fault\n"
	"       fakedri fault clear [ID] [--socket PATH]  disarm fault ID (default: all)\n"
	"       fakedri fault stats [--socket PATH]       injected=N calls=N\n"
	"       fakedri fault unplug DEVICE [--socket PATH]\n"
	"                                    unplug the device of card<DEVICE> now\n"
	"       fakedri fault [COMMAND] --help | --version\n"
	"\n"
	"Talks to a running daemon. SPEC: see docs/faults.md, e.g.\n"
	"ioctl=GEM_CLOSE,nth=2,errno=EINVAL. Exits 0, 2 for a usage error or a\n"
	"SPEC the daemon refuses, 1 if the daemon cannot be reached or fails.\n"
	"\n"
	"options:\n"
	"  --socket PATH         the daemon's socket (default $FAKEDRI_SOCKET, which\n"
	"                        programs under `fakedri run` have)\n"
	"  -h, --help            this text\n"
	"  --version             print the version\n"
	"\n"
	"See fakedri(1).\n";

static const struct {
	const char *name;
	uint32_t op;
	int min_args, max_args; /* after the command's name */
	const char *arg;        /* what its argument is, for messages */
} fault_cmds[] = {
	{ "add", FDRI_FAULT_OP_ADD, 1, 1, "SPEC" },
	{ "list", FDRI_FAULT_OP_GET, 0, 0, NULL },
	{ "clear", FDRI_FAULT_OP_CLEAR, 0, 1, "ID" },
	{ "stats", FDRI_FAULT_OP_STATS, 0, 0, NULL },
	{ "unplug", FDRI_FAULT_OP_UNPLUG, 1, 1, "DEVICE" },
};

/* A number argument of clear or unplug into *@out; 0 or -1. */
static int fault_number(const char *v, uint32_t *out)
{
	unsigned long long n;
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int fault_run(const char *sock, struct fdri_fault_ctl *ctl)
{
	struct fakedri_conn c;
	int ret;

	ret = fakedri_conn_open(sock, 0, &c);
	if (ret) {
		fprintf(stderr, "fakedri fault: cannot reach the daemon at %s: %s\n", sock,
			strerror(-ret));
		return -ret;
	}
	if (ctl->op == FDRI_FAULT_OP_GET) {
		for (uint32_t k = 0;; k++) {
			memset(ctl, 0, sizeof(*ctl));
			ctl->op = FDRI_FAULT_OP_GET;
			ctl->id = k;
			ret = fakedri_conn_ioctl(&c, FDRI_IOCTL_FAULT_CTL, ctl, sizeof(*ctl), NULL);
			if (ret)
				break;
			ctl->spec[sizeof(ctl->spec) - 1] = '\0';
			printf("%u %llu %s\n", ctl->id, (unsigned long long)ctl->value, ctl->spec);
		}
		if (ret == -ENOENT)
			ret = 0;
	} else {
		ret = fakedri_conn_ioctl(&c, FDRI_IOCTL_FAULT_CTL, ctl, sizeof(*ctl), NULL);
	}
	fakedri_conn_close(&c);
	return ret;
}

static int cmd_fault(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		FDRI_CLI_COMMON_OPTS,
		{ 0 },
	};
	const char *sock = getenv("FAKEDRI_SOCKET"), *prog = "fakedri fault";
	char prog_cmd[64];
	struct fdri_fault_ctl ctl;
	size_t k, ncmds = sizeof(fault_cmds) / sizeof(fault_cmds[0]);
	int c, nargs, ret;

	/* messages name the command: its first operand, found before options
	 * may come anywhere (`fakedri fault add SPEC --socket PATH`) */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--socket")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		for (k = 0; k < ncmds && strcmp(argv[i], fault_cmds[k].name); k++)
			;
		if (k < ncmds) {
			snprintf(prog_cmd, sizeof(prog_cmd), "fakedri fault %s", argv[i]);
			prog = prog_cmd;
		}
		break;
	}
	fdri_cli_begin();
	while ((c = fdri_cli_getopt(prog, argc, argv, ":h", lo)) != -1) {
		if (c == FDRI_CLI_BAD)
			return FDRI_CLI_USAGE;
		if (c == FDRI_CLI_HELP) {
			printf("%s", fault_help);
			return 0;
		}
		if (c == FDRI_CLI_VERSION)
			return fdri_cli_version("fakedri");
		sock = optarg;
	}
	if (optind >= argc)
		return fdri_cli_usage_error(prog, "no command given (add, list, clear, stats or "
					    "unplug)");
	for (k = 0; k < ncmds && strcmp(argv[optind], fault_cmds[k].name); k++)
		;
	if (k == ncmds)
		return fdri_cli_usage_error(prog, "unknown command '%s' (add, list, clear, stats "
					    "or unplug)", argv[optind]);
	snprintf(prog_cmd, sizeof(prog_cmd), "fakedri fault %s", fault_cmds[k].name);
	nargs = argc - optind - 1;
	if (nargs < fault_cmds[k].min_args)
		return fdri_cli_usage_error(prog_cmd, "missing %s", fault_cmds[k].arg);
	if (nargs > fault_cmds[k].max_args)
		return fdri_cli_usage_error(prog_cmd, "unexpected argument '%s'",
					    argv[optind + 1 + fault_cmds[k].max_args]);
	memset(&ctl, 0, sizeof(ctl));
	ctl.op = fault_cmds[k].op;
	if (ctl.op == FDRI_FAULT_OP_ADD) {
		if (strlen(argv[optind + 1]) >= sizeof(ctl.spec))
			return fdri_cli_usage_error(prog_cmd, "SPEC too long (at most %zu bytes)",
						    sizeof(ctl.spec) - 1);
		memcpy(ctl.spec, argv[optind + 1], strlen(argv[optind + 1]));
	} else if (nargs && fault_number(argv[optind + 1], &ctl.id)) {
		return fdri_cli_usage_error(prog_cmd, "bad %s '%s': not a number (%s)",
					    fault_cmds[k].arg, argv[optind + 1],
					    ctl.op == FDRI_FAULT_OP_CLEAR ?
					    "a fault id that `fakedri fault list` shows" :
					    "N of /dev/dri/cardN");
	}
	if (!sock || !*sock)
		return fdri_cli_usage_error(prog_cmd, "no daemon: give --socket PATH (or set "
					    "FAKEDRI_SOCKET)");
	ret = fault_run(sock, &ctl);
	if (ret > 0)
		return 1; /* could not connect, reported */
	if (ret == -EINVAL && ctl.op == FDRI_FAULT_OP_ADD) {
		ctl.spec[sizeof(ctl.spec) - 1] = '\0';
		return fdri_cli_usage_error(prog_cmd, "bad spec '%s': %s", argv[optind + 1],
					    ctl.spec);
	}
	if (ret) {
		fprintf(stderr, "%s: %s\n", prog_cmd, strerror(-ret));
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
	static const struct option lo[] = { FDRI_CLI_COMMON_OPTS, { 0 } };
	const char *cmd;
	int c;

	fdri_cli_begin();
	while ((c = fdri_cli_getopt("fakedri", argc, argv, "+:h", lo)) != -1) {
		if (c == FDRI_CLI_BAD)
			return FDRI_CLI_USAGE;
		if (c == FDRI_CLI_HELP) {
			printf("%s%s", usage, overview);
			return 0;
		}
		return fdri_cli_version("fakedri");
	}
	if (optind >= argc) {
		fprintf(stderr, "%sfakedri: no command given\n", usage);
		return fdri_cli_hint("fakedri");
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv, "fakedri run");
	if (!strcmp(cmd, "daemon"))
		return fdri_daemon_main(argc, argv, "fakedri daemon");
	if (!strcmp(cmd, "fault"))
		return cmd_fault(argc, argv);
	if (!strcmp(cmd, "sweep"))
		return fdri_sweep_main(argc, argv);
	if (!strcmp(cmd, "top"))
		return fakedri_top_main(argc, argv);
	return fdri_cli_usage_error("fakedri", "unknown command '%s' (run, daemon, fault, sweep "
				    "or top)", cmd);
}
