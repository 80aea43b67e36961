/*
 * fakedri_main.c - the `fakedri` command line: `run` starts a private
 * daemon in this process, runs a program under the shim, tears the daemon
 * down when the program exits and reports what was left alive; `daemon`
 * runs a long-lived daemon (as fakedrid does).
 *
 * `run` owns a private 0700 directory for the socket and sysroot, removed
 * at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "fdri_daemon.h"
#include "fdri_daemon_cmd.h"
#include "fdri_host.h"
#include "fdri_log.h"
#include "fdri_server.h"

static const char usage[] =
	"usage: fakedri run [options] [--] PROGRAM [ARGS...]\n"
	"       fakedri daemon --socket PATH [options]\n"
	"       fakedri daemon --cuse [--cuse-node SPEC]... [options]\n"
	"       fakedri --help | --version\n"
	"\n"
	"fakedri emulates a Linux DRM GPU device (GEM, PRIME, dumb buffers) in user\n"
	"space. `run` starts a private device and runs PROGRAM with the LD_PRELOAD\n"
	"shim, so unmodified libdrm programs see /dev/dri/card0 and renderD128. It\n"
	"exits with PROGRAM's status and prints one summary line to stderr.\n"
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

static int cmd_run(int argc, char **argv)
{
	struct fdri_daemon_opts o = { 0 };
	struct run_state st = { .status = 0 };
	char dir[] = "/tmp/fakedri.XXXXXX", sock[PATH_MAX], shim[PATH_MAX], *preload;
	struct event *ev_chld, *ev_int, *ev_term;
	struct fdri_stats s;
	struct fdri_daemon *d;
	struct rlimit nofile;
	const char *tmp = getenv("TMPDIR");
	char tmpl[4050];
	int i;

	fdri_log_prog = "fakedri run";
	for (i = 2; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-')
			break;
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
	}
	fdri_daemon_stats(d, &s);
	fprintf(stderr, "fakedri: %llu ioctls served, %llu GPU jobs, %llu sync hazards; left at exit: %llu objects, %llu dma-bufs, %llu open files\n",
		(unsigned long long)s.ioctls, (unsigned long long)fdri_daemon_jobs(d),
		(unsigned long long)fdri_daemon_hazards(d), (unsigned long long)s.objects,
		(unsigned long long)s.dmabufs, (unsigned long long)s.files_open);
	event_free(ev_chld);
	event_free(ev_int);
	event_free(ev_term);
	fdri_daemon_stop(d);
	event_base_free(st.base);
	rmdir(tmpl);
	if (WIFSIGNALED(st.status))
		return 128 + WTERMSIG(st.status);
	return WEXITSTATUS(st.status);
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
	fprintf(stderr, "fakedri: unknown command '%s' (see --help)\n", argv[1]);
	return 2;
}
