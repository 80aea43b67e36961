/*
 * fdri_daemon_cmd.c - the `daemon` command shared by `fakedrid` and
 * `fakedri daemon`: a long-lived device in the foreground. Owns the event
 * loop; the device lives until SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include <event2/event.h>

#include "fdri_cli.h"
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

static void help(const char *prog)
{
	printf("usage: %s --socket PATH [options]\n"
	       "       %s --cuse [--cuse-node SPEC]... [--socket PATH] [options]\n"
	       "       %s --help | --version\n\n"
	       "Runs a fake DRM device until SIGINT/SIGTERM.\n"
	       "Clients use it through the shim with FAKEDRI_SOCKET=PATH; with --cuse,\n"
	       "any program can open the CUSE nodes, and the shim (which finds the\n"
	       "default socket " FDRI_DEFAULT_CUSE_SOCKET " by itself) adds PRIME\n"
	       "export and mmap. Options take their value as --opt VALUE or --opt=VALUE.\n\n"
	       "options of a long-lived daemon only (fakedri daemon, fakedrid):\n%s\n"
	       "device options (also of fakedri run):\n%s\n"
	       "  -h, --help            this text\n"
	       "  --version             print the version\n\n"
	       "See fakedrid(8) and fakedri(1).\n",
	       prog, prog, prog, fdri_daemon_only_help, fdri_daemon_opts_help);
}

/**
 * fdri_daemon_main() - `fakedrid` and `fakedri daemon`.
 * @argc: argument count
 * @argv: arguments, argv[0] being the command's name
 * @prog: the command as the user typed it, for messages
 *
 * Return: the exit status: 0 after SIGINT/SIGTERM (or --help, --version),
 * 2 for a usage error, 1 if the device could not start.
 */
int fdri_daemon_main(int argc, char **argv, const char *prog)
{
	struct option lo[FDRI_DAEMON_MAX_OPTS + 3] = { 0 };
	static const struct option common[] = { FDRI_CLI_COMMON_OPTS };
	struct fdri_daemon_opts o = { 0 };
	struct event_base *base;
	struct event *sigint, *sigterm;
	struct fdri_daemon *d;
	size_t n;
	int c;

	fdri_log_prog = prog;
	n = fdri_daemon_longopts(lo);
	memcpy(lo + n, common, sizeof(common));
	fdri_cli_begin();
	while ((c = fdri_cli_getopt(prog, argc, argv, "+:h", lo)) != -1) {
		if (c == FDRI_CLI_BAD)
			return FDRI_CLI_USAGE;
		if (c == FDRI_CLI_HELP) {
			help(prog);
			return 0;
		}
		if (c == FDRI_CLI_VERSION)
			return fdri_cli_version(prog);
		if (fdri_daemon_set_opt(&o, c, optarg) < 0)
			return fdri_cli_hint(prog);
	}
	if (optind < argc)
		return fdri_cli_usage_error(prog, "unexpected argument '%s' (a daemon runs no "
					    "program: see fakedri run)", argv[optind]);
	if (fdri_daemon_check_opts(&o))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	base = fdri_host_loop_new();
	if (!base) {
		fdri_log(FDRI_LOG_ERROR, "cannot create the event loop");
		return 1;
	}
	/* before the device starts: --ready-fd tells it is up, and a SIGTERM
	 * from then on must stop it cleanly */
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (!sigint || !sigterm || event_add(sigint, NULL) || event_add(sigterm, NULL)) {
		fdri_log(FDRI_LOG_ERROR, "cannot handle SIGINT and SIGTERM");
		d = NULL;
	} else {
		d = fdri_daemon_start(base, &o);
	}
	if (!d) {
		if (sigint)
			event_free(sigint);
		if (sigterm)
			event_free(sigterm);
		event_base_free(base);
		return 1;
	}
	fdri_server_run(base, fdri_daemon_spin_ns(&o));
	event_free(sigint);
	event_free(sigterm);
	fdri_daemon_stop(d);
	event_base_free(base);
	return 0;
}

