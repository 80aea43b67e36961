/*
 * fdri_daemon_cmd.c - the `daemon` command shared by `fakedrid` and
 * `fakedri daemon`: a long-lived device in the foreground. Owns the event
 * loop; the device lives until SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "fdri_daemon.h"
#include "fdri_host.h"
#include "fdri_log.h"
#include "fdri_server.h"
#include "fdri_daemon_cmd.h"

static void on_signal(evutil_socket_t sig, short what, void *base)
{
	(void)sig; (void)what;
	event_base_loopbreak(base);
}

int fdri_daemon_main(int argc, char **argv, const char *prog)
{
	struct fdri_daemon_opts o = { 0 };
	struct event_base *base;
	struct event *sigint, *sigterm;
	struct fdri_daemon *d;

	fdri_log_prog = prog;
	for (int i = 1; i < argc; i++) {
		int r = fdri_daemon_parse_opt(&o, argc, argv, &i);

		if (r == 1)
			continue;
		if (r < 0)
			return 2;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s --socket PATH [options]\n"
			       "       %s --cuse [--cuse-node SPEC]... [--socket PATH] [options]\n\n"
			       "Runs a fake DRM device until SIGINT/SIGTERM.\n"
			       "Clients use it through the shim with FAKEDRI_SOCKET=PATH; with --cuse,\n"
			       "any program can open the CUSE nodes, and the shim (which finds the\n"
			       "default socket " FDRI_DEFAULT_CUSE_SOCKET " by itself) adds PRIME\n"
			       "export and mmap.\n\n%s", prog, prog, fdri_daemon_opts_help);
			return 0;
		}
		fprintf(stderr, "%s: bad option '%s' (see --help)\n", prog, argv[i]);
		return 2;
	}
	if (fdri_daemon_check_opts(&o))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	base = fdri_host_loop_new();
	if (!base) {
		fdri_log(FDRI_LOG_ERROR, "cannot create the event loop");
		return 1;
	}
	d = fdri_daemon_start(base, &o);
	if (!d) {
		event_base_free(base);
		return 1;
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	event_add(sigint, NULL);
	event_add(sigterm, NULL);
	fdri_server_run(base, fdri_daemon_spin_ns(&o));
	event_free(sigint);
	event_free(sigterm);
	fdri_daemon_stop(d);
	event_base_free(base);
	return 0;
}

