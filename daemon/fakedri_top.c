/*
 * fakedri_top.c - `fakedri top`: a live view of a running daemon for
 * people chasing a leak or a stuck fence. Every refresh reads each
 * device's debugfs files (docs/debugfs.md) over a control connection
 * (FDRI_IOCTL_DEBUGFS_OPEN answers with a memfd holding the text), prints a
 * summary computed from that same text - files, objects, dma-bufs,
 * fences, waiters, jobs per queue - and the faults injected
 * (FDRI_IOCTL_FAULT_CTL STATS), then the views asked for, as they are.
 *
 * It is just another client of the daemon: one request at a time, each
 * answered between other clients' requests, so it never holds the
 * daemon's loop. Owns one connection per device for its whole run and the
 * text of one refresh (freed before the next).
 */
#define _GNU_SOURCE
#include "fakedri_top.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakedri_conn.h"
#include "fdri_cli.h"
#include "fdri_daemon.h"
#include "fdri_debugfs.h"
#include "fdri_wire.h"

#define TOP_PROG "fakedri top"
#define TOP_MAX_VIEWS 16
#define TOP_MAX_QUEUES 64

static const char top_help[] =
	"usage: fakedri top [--socket PATH] [--interval MS] [--once] [--device N]\n"
	"                   [--view VIEW]...\n"
	"       fakedri top --help | --version\n"
	"\n"
	"Shows a running daemon live, from the same text as its debugfs files\n"
	"(/sys/kernel/debug/dri/<minor>/, docs/debugfs.md): a summary per device\n"
	"(open files, objects and their bytes, dma-bufs, syncobjs, fence fds,\n"
	"fences alive, unsignalled fences and their waiters, requests waiting,\n"
	"GPU jobs pending per queue) and the faults injected, then each VIEW\n"
	"asked for. Refreshes every MS milliseconds (clearing the terminal when\n"
	"stdout is one) until interrupted; --once prints one snapshot and exits.\n"
	"Exits 0, 2 for a usage error, 1 if the daemon cannot be reached.\n"
	"\n"
	"options:\n"
	"  --socket PATH         the daemon's socket (default $FAKEDRI_SOCKET, which\n"
	"                        programs under `fakedri run` have)\n"
	"  --interval MS         time between refreshes, 10 to 3600000 (default 1000)\n"
	"  --once                print one snapshot and exit\n"
	"  --device N            only device N (card<N>; default every device)\n"
	"  --view VIEW           also show this debugfs file as it is (repeatable):\n"
	"                        objects, fences, jobs, clients, name, gem_names, or\n"
	"                        any file name of the directory; all: every file\n"
	"  -h, --help            this text\n"
	"  --version             print the version\n"
	"\n"
	"See fakedri(1).\n";

struct top_opts {
	const char *socket;
	long interval_ms;
	bool once;
	int device;                      /* -1: all */
	const char *views[TOP_MAX_VIEWS]; /* debugfs file names */
	int nviews;
};

/* What the summary counts, from the text of the debugfs files. */
struct top_sum {
	unsigned long files, objects, dmabufs, resv_unsignalled, syncobjs, fence_fds;
	unsigned long fd_unsignalled, waiters, fences_alive, requests_waiting;
	unsigned long long bytes, jobs_pending, hazards;
	unsigned int queues;
	unsigned long queue_jobs[TOP_MAX_QUEUES], queue_running[TOP_MAX_QUEUES];
};

/* A VIEW into the debugfs file name it shows; NULL if there is none. */
static const char *view_file(const char *v)
{
	char fakedri_name[64];

	for (const char *const *f = fdri_debugfs_files; *f; f++)
		if (!strcmp(*f, v))
			return *f;
	snprintf(fakedri_name, sizeof(fakedri_name), "fakedri_%s", v);
	for (const char *const *f = fdri_debugfs_files; *f; f++)
		if (!strcmp(*f, fakedri_name))
			return *f;
	return NULL;
}

/* The accepted VIEWs, for a bad --view's message. */
static void view_list(char *buf, size_t len)
{
	size_t used = 0;

	for (const char *const *f = fdri_debugfs_files; *f && used < len; f++)
		used += (size_t)snprintf(buf + used, len - used, "%s, ",
					 strncmp(*f, "fakedri_", 8) ? *f : *f + 8);
	if (used < len)
		snprintf(buf + used, len - used, "all");
}

static int parse_opts(struct top_opts *o, int argc, char **argv)
{
	enum { OPT_SOCKET = 1, OPT_INTERVAL, OPT_ONCE, OPT_DEVICE, OPT_VIEW };
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "view", required_argument, NULL, OPT_VIEW },
		FDRI_CLI_COMMON_OPTS,
		{ 0 },
	};
	const char *view;
	char list[512];
	char *end;
	long v;
	int c;

	o->socket = getenv("FAKEDRI_SOCKET");
	o->interval_ms = 1000;
	o->device = -1;
	fdri_cli_begin();
	while ((c = fdri_cli_getopt(TOP_PROG, argc, argv, "+:h", lo)) != -1) {
		switch (c) {
		case FDRI_CLI_BAD:
			return FDRI_CLI_USAGE;
		case FDRI_CLI_HELP:
			printf("%s", top_help);
			return -1;
		case FDRI_CLI_VERSION:
			fdri_cli_version("fakedri");
			return -1;
		case OPT_SOCKET:
			o->socket = optarg;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_INTERVAL:
		case OPT_DEVICE:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (c == OPT_INTERVAL && (errno || *end || end == optarg || v < 10 ||
						  v > 3600000))
				return fdri_cli_usage_error(TOP_PROG, "bad value '%s' for "
							    "--interval: a number of milliseconds "
							    "from 10 to 3600000", optarg);
			if (c == OPT_DEVICE && (errno || *end || end == optarg || v < 0 ||
						v >= FDRI_DAEMON_MAX_DEVICES))
				return fdri_cli_usage_error(TOP_PROG, "bad value '%s' for "
							    "--device: a device number from 0 "
							    "to %d", optarg,
							    FDRI_DAEMON_MAX_DEVICES - 1);
			if (c == OPT_INTERVAL)
				o->interval_ms = v;
			else
				o->device = (int)v;
			break;
		case OPT_VIEW:
			if (!strcmp(optarg, "all")) {
				o->nviews = 0;
				for (const char *const *f = fdri_debugfs_files;
				     *f && o->nviews < TOP_MAX_VIEWS; f++)
					o->views[o->nviews++] = *f;
				break;
			}
			view = view_file(optarg);
			if (!view) {
				view_list(list, sizeof(list));
				return fdri_cli_usage_error(TOP_PROG, "bad value '%s' for --view: "
							    "one of %s", optarg, list);
			}
			if (o->nviews < TOP_MAX_VIEWS)
				o->views[o->nviews++] = view;
			break;
		}
	}
	if (optind < argc)
		return fdri_cli_usage_error(TOP_PROG, "unexpected argument '%s'", argv[optind]);
	if (!o->socket || !*o->socket)
		return fdri_cli_usage_error(TOP_PROG, "no daemon: give --socket PATH (or set "
					    "FAKEDRI_SOCKET)");
	return 0;
}

/* The text of debugfs file @name of @c's device, NUL-terminated, in a
 * malloc'd buffer; NULL with errno set. */
static char *read_file(struct fakedri_conn *c, const char *name)
{
	struct fdri_debugfs_open o = { .fd = -1, .flags = O_CLOEXEC };
	size_t len = 0, cap = 4096;
	char *buf = NULL, *b;
	int fd, ret;
	ssize_t n;

	snprintf(o.name, sizeof(o.name), "%s", name);
	ret = fakedri_conn_ioctl(c, FDRI_IOCTL_DEBUGFS_OPEN, &o, sizeof(o), &fd);
	if (ret || fd < 0) {
		errno = ret ? -ret : EPROTO;
		return NULL;
	}
	for (;;) {
		if (!buf || cap - len < 2) {
			cap = buf ? cap * 2 : cap;
			b = realloc(buf, cap);
			if (!b)
				goto fail;
			buf = b;
		}
		n = pread(fd, buf + len, cap - len - 1, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
fail:
	ret = errno;
	free(buf);
	close(fd);
	errno = ret;
	return NULL;
}

/* The line after @l, or NULL after the last one. */
static const char *next_line(const char *l)
{
	l = strchr(l, '\n');
	return l ? l + 1 : NULL;
}

/* Unsignalled fences and their waiters in fence lines of @text
 * (dma_fence_describe plus "(context C, N waiters)"). */
static void count_fences(const char *text, unsigned long *unsignalled, unsigned long *waiters)
{
	for (const char *p = text; (p = strstr(p, " unsignalled (context ")); p++) {
		const char *nl = strchr(p, '\n'), *w = strstr(p, " waiter");
		const char *comma;

		(*unsignalled)++;
		if (!w || (nl && w > nl))
			continue;
		for (comma = w; comma > p && comma[-1] != ' '; comma--)
			;
		*waiters += strtoul(comma, NULL, 10);
	}
}

static void summarize(struct top_sum *s, const char *clients, const char *objects,
		      const char *fences, const char *jobs)
{
	const char *line;

	memset(s, 0, sizeof(*s));
	/* clients: a header, then one line per open file */
	for (line = clients; line && *line; line = next_line(line))
		if (line != clients && *line != '\n')
			s->files++;
	/* fakedri_objects: a header, per object a line and its fence lines
	 * (tab-indented), then "Total N objects, B bytes" */
	for (line = objects; line && *line; line = next_line(line)) {
		unsigned long long id, size;
		unsigned int refs, handles, name;
		char backing[16], dmabuf[16];

		if (sscanf(line, "Total %lu objects, %llu bytes", &s->objects, &s->bytes) == 2)
			continue;
		if (sscanf(line, "%llu %llu %u %u %u %15s %15s", &id, &size, &refs, &handles, &name,
			   backing, dmabuf) == 7 && strcmp(dmabuf, "-"))
			s->dmabufs++;
	}
	count_fences(objects, &s->resv_unsignalled, &s->waiters);
	/* fakedri_fences: then "Total N syncobjs, N fence fds, N fences alive,
	 * N requests waiting" */
	count_fences(fences, &s->fd_unsignalled, &s->waiters);
	line = strstr(fences, "Total ");
	if (line)
		sscanf(line, "Total %lu syncobjs, %lu fence fds, %lu fences alive, "
		       "%lu requests waiting", &s->syncobjs, &s->fence_fds, &s->fences_alive,
		       &s->requests_waiting);
	/* fakedri_jobs: "Q queues, ...; N jobs pending, N hazards", then a line
	 * per job: "queueQ CONTEXT:SEQNO waiting|running ..." */
	sscanf(jobs, "%u queues", &s->queues);
	line = strstr(jobs, " jobs pending, ");
	if (line) {
		while (line > jobs && line[-1] != ' ')
			line--;
		sscanf(line, "%llu jobs pending, %llu hazards", &s->jobs_pending, &s->hazards);
	}
	for (line = jobs; line && *line; line = next_line(line)) {
		unsigned int q;
		char ctx[48], state[16];

		if (sscanf(line, "queue%u %47s %15s", &q, ctx, state) == 3 && q < TOP_MAX_QUEUES) {
			s->queue_jobs[q]++;
			s->queue_running[q] += !strcmp(state, "running");
		}
	}
}

static void print_summary(FILE *out, const struct top_sum *s)
{
	fprintf(out, "  files %lu, objects %lu (%llu bytes), dma-bufs %lu\n", s->files, s->objects,
		s->bytes, s->dmabufs);
	fprintf(out, "  fences: %lu alive, %lu unsignalled in objects' reservations, %lu in "
		"syncobjs and fence fds, %lu waiters; %lu syncobjs, %lu fence fds, %lu requests "
		"waiting\n", s->fences_alive, s->resv_unsignalled, s->fd_unsignalled, s->waiters,
		s->syncobjs, s->fence_fds, s->requests_waiting);
	fprintf(out, "  jobs: %llu pending, %llu hazards;", s->jobs_pending, s->hazards);
	for (unsigned int q = 0; q < s->queues && q < TOP_MAX_QUEUES; q++)
		fprintf(out, " queue%u %lu (%lu running)%s", q, s->queue_jobs[q],
			s->queue_running[q], q + 1 < s->queues ? "," : "");
	fprintf(out, "\n");
}

/* One device's part of a snapshot; 0 or -errno (ENODEV: it is gone). */
static int show_device(FILE *out, struct fakedri_conn *c, int dev, const struct top_opts *o)
{
	static const char *const summary_files[] = {
		"name", "clients", "fakedri_objects", "fakedri_fences", "fakedri_jobs",
	};
	char *text[5] = { 0 };
	struct top_sum s;
	int ret = 0;

	for (size_t k = 0; k < 5; k++) {
		text[k] = read_file(c, summary_files[k]);
		if (!text[k]) {
			ret = -errno;
			goto out;
		}
	}
	summarize(&s, text[1], text[2], text[3], text[4]);
	fprintf(out, "\ndevice %d: %s", dev, text[0]);
	print_summary(out, &s);
	for (int v = 0; v < o->nviews; v++) {
		char *t = read_file(c, o->views[v]);

		if (!t) {
			ret = -errno;
			goto out;
		}
		fprintf(out, "\n-- %s\n%s", o->views[v], t);
		free(t);
	}
out:
	for (size_t k = 0; k < 5; k++)
		free(text[k]);
	return ret;
}

/* One snapshot of every device into @out; 0, or -1 having reported why. */
static int snapshot(FILE *out, struct fakedri_conn *conns, int ndevs, const int *devs,
		    const struct top_opts *o)
{
	struct fdri_fault_ctl ctl = { .op = FDRI_FAULT_OP_STATS };
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
	ret = fakedri_conn_ioctl(&conns[0], FDRI_IOCTL_FAULT_CTL, &ctl, sizeof(ctl), NULL);
	if (ret) {
		fprintf(stderr, TOP_PROG ": %s: %s\n", o->socket, strerror(-ret));
		return -1;
	}
	fprintf(out, "fakedri top: %s, %s; %d device%s, %" PRIu64 " faults injected (%" PRIu64
		" calls numbered)\n", o->socket, when, ndevs, ndevs == 1 ? "" : "s", ctl.value,
		ctl.calls);
	for (int k = 0; k < ndevs; k++) {
		ret = show_device(out, &conns[k], devs[k], o);
		if (ret) {
			fprintf(stderr, TOP_PROG ": device %d: %s\n", devs[k], strerror(-ret));
			return -1;
		}
	}
	return 0;
}

/**
 * fakedri_top_main() - `fakedri top`.
 * @argc: argument count
 * @argv: arguments, argv[0] being "top"
 *
 * Return: the exit status: 0, 2 for a usage error, 1 if the daemon could
 * not be reached or went away.
 */
int fakedri_top_main(int argc, char **argv)
{
	struct fakedri_conn conns[FDRI_DAEMON_MAX_DEVICES];
	int devs[FDRI_DAEMON_MAX_DEVICES], ndevs = 0, ret;
	struct top_opts o = { 0 };
	bool tty = isatty(STDOUT_FILENO);
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	ret = parse_opts(&o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	for (int d = o.device < 0 ? 0 : o.device; d < FDRI_DAEMON_MAX_DEVICES; d++) {
		ret = fakedri_conn_open(o.socket, (uint32_t)d, &conns[ndevs]);
		if (ret == -ENODEV && o.device < 0 && d > 0)
			break;
		if (ret) {
			if (ret == -ENODEV)
				fprintf(stderr, TOP_PROG ": the daemon at %s has no device %d\n",
					o.socket, d);
			else
				fprintf(stderr, TOP_PROG ": cannot reach the daemon at %s: %s\n",
					o.socket, strerror(-ret));
			goto out;
		}
		devs[ndevs++] = d;
		if (o.device >= 0)
			break;
	}
	for (;;) {
		struct timespec ts = { o.interval_ms / 1000, (o.interval_ms % 1000) * 1000000 };

		out = open_memstream(&text, &len);
		if (!out) {
			perror(TOP_PROG);
			ret = 1;
			break;
		}
		ret = snapshot(out, conns, ndevs, devs, &o);
		fclose(out);
		if (ret) {
			ret = 1;
			break;
		}
		/* one write per refresh, so the terminal never shows half of one */
		if (tty && !o.once)
			fputs("\033[H\033[2J", stdout);
		fwrite(text, 1, len, stdout);
		fflush(stdout);
		free(text);
		text = NULL;
		if (o.once)
			break;
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
out:
	free(text);
	for (int k = 0; k < ndevs; k++)
		fakedri_conn_close(&conns[k]);
	return ret ? 1 : 0;
}
