/*
 * fakedri_sweep.c - `fakedri sweep [OPTIONS] -- PROGRAM [ARGS]`: the
 * kernel's fail-nth made into one command for a GPU interface
 * (docs/faults.md, "Sweeping every error path").
 *
 * Run 0 (the recording run) is `fakedri run --fault-calls FILE --stats
 * FILE -- PROGRAM`: the daemon writes one line per injectable call (its
 * number in the registry's call counter, its site name, the caller's pid).
 * Then, for every recorded call N of a swept kind (ioctls, and GPU jobs),
 * and for every errno the kernel can really return for that ioctl (the
 * table below, from the kernel's code paths), one more run with
 * `--fault call=N,ioctl=NAME,errno=E`: call N alone fails. Each run is
 * bounded by --timeout (then SIGTERM, which `fakedri run` passes on to
 * PROGRAM, and a second later its whole process group is killed: a hang),
 * and its exit status, signal, whether the fault fired, and the objects,
 * dma-bufs and files the daemon still held when PROGRAM exited (`--stats`)
 * make one row of the table.
 *
 * Owns: the runs (struct sweep_run: an array sized once after the
 * recording run, freed at exit), the children (one process group per run,
 * led by its `fakedri run`; a pidfd per child; the whole group is killed
 * once the leader has exited or timed out, so no helper of PROGRAM
 * outlives its run) and a private temporary directory holding each run's
 * stats and output files (removed at exit).
 *
 * Nothing here reaches the core: runs are separate processes, talking to
 * this one only through their exit status and files.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakedri_sweep.h"
#include "fdri_cli.h"

#define SWEEP_PROG "fakedri sweep"

static const char sweep_usage[] =
	"usage: fakedri sweep [OPTIONS] [--] PROGRAM [ARGS...]\n"
	"       fakedri sweep --help | --version\n"
	"\n"
	"Runs PROGRAM under `fakedri run` once to record its injectable calls,\n"
	"then once more for each recorded call N and each errno the kernel can\n"
	"return for it, with call N failing with that errno (GPU jobs: their\n"
	"fence signals -EIO). Prints one row per run: the call, the site, the\n"
	"injected error, whether the fault fired, PROGRAM's exit status, a crash\n"
	"(signal), a hang (the time limit) and what the daemon still held when\n"
	"PROGRAM exited (objects + dma-bufs + files). Exits 0 when no run\n"
	"crashed, hung or leaked, 1 otherwise, 2 on bad usage or when the\n"
	"recording run itself fails.\n"
	"\n"
	"options:\n"
	"  --jobs N            runs in parallel (default 1)\n"
	"  --max-runs N        at most N runs besides the recording run: the\n"
	"                      first N, or N sampled with --seed\n"
	"  --seed S            sample the runs kept by --max-runs with seed S\n"
	"  --only NAME         sweep only this site (an ioctl name such as\n"
	"                      PRIME_FD_TO_HANDLE, or job); repeatable\n"
	"  --errno NAME        inject this errno at every ioctl instead of the\n"
	"                      kernel's table (e.g. EINTR); repeatable\n"
	"  --no-jobs           do not sweep GPU jobs\n"
	"  --timeout DURATION  time limit of one run (default 30s; 500ms, 2s...)\n"
	"  --format FMT        text (default), json or junit\n"
	"  --output FILE       write the report there (the text table still goes\n"
	"                      to stdout)\n"
	"  --run-opt OPTION    pass OPTION to every `fakedri run` (repeatable,\n"
	"                      e.g. --run-opt --device --run-opt fakedri,queues=3);\n"
	"                      FAKEDRI_FAULTS is not passed on\n"
	"  -h, --help          this text\n"
	"  --version           print the version\n"
	"\n"
	"Options end at the first argument that is not one, or at --. See\n"
	"fakedri(1) and docs/faults.md.\n";

/* ------------------------------------------------------------------ */
/* The errnos each call can really fail with                          */
/* ------------------------------------------------------------------ */

/*
 * Per ioctl, the errnos its kernel code path returns for reasons a correct
 * program meets at run time (lookups that miss, allocations, fd tables,
 * timeouts, signals), not for malformed arguments it would never pass
 * (EFAULT, flags it does not set). EINTR where the ioctl can park (the
 * kernel's -ERESTARTSYS, which a signal turns into EINTR). Sources: Linux
 * 6.x drivers/gpu/drm/drm_{gem,prime,syncobj,dumb_buffers,auth,ioctl,
 * mode_config,crtc,plane,connector,property,framebuffer,atomic_uapi}.c,
 * drivers/dma-buf/{dma-buf,sync_file,sw_sync}.c,
 * drivers/gpu/drm/vgem/vgem_fence.c, and for fakedri's own ioctls msm's
 * GEM_NEW/GEM_SUBMIT and i915's GEM_WAIT, which they follow (docs/uapi.md).
 * An ioctl whose handler cannot fail at run time gets ENODEV, what every
 * DRM ioctl returns once the device is unplugged (drm_ioctl()'s first
 * check); an ioctl not listed gets ENOMEM.
 */
struct errno_row {
	const char *name;
	const char *errs; /* space-separated */
};

static const struct errno_row errno_table[] = {
	/* drm_ioctl.c, drm_auth.c */
	{ "VERSION", "ENODEV" },
	{ "GET_UNIQUE", "ENODEV" },
	{ "GET_MAGIC", "ENOMEM" },
	{ "GET_CLIENT", "EINVAL" },
	{ "GET_STATS", "ENODEV" },
	{ "GET_CAP", "EINVAL" },
	{ "SET_CLIENT_CAP", "EINVAL EOPNOTSUPP" },
	{ "SET_VERSION", "EINVAL EBUSY" },
	{ "AUTH_MAGIC", "EINVAL" },
	{ "SET_MASTER", "EACCES EBUSY EINVAL" },
	{ "DROP_MASTER", "EACCES EINVAL" },
	/* drm_gem.c */
	{ "GEM_CLOSE", "EINVAL" },
	{ "GEM_FLINK", "ENOENT ENOMEM" },
	{ "GEM_OPEN", "ENOENT ENOMEM" },
	/* drm_prime.c */
	{ "PRIME_HANDLE_TO_FD", "ENOENT ENOMEM EMFILE" },
	{ "PRIME_FD_TO_HANDLE", "EBADF EINVAL ENOMEM" },
	/* drm_dumb_buffers.c */
	{ "MODE_CREATE_DUMB", "EINVAL ENOMEM" },
	{ "MODE_MAP_DUMB", "ENOENT EINVAL ENOMEM" },
	{ "MODE_DESTROY_DUMB", "EINVAL" },
	/* KMS */
	{ "MODE_GETRESOURCES", "ENODEV" },
	{ "MODE_GETPLANERESOURCES", "ENODEV" },
	{ "MODE_GETCRTC", "ENOENT" },
	{ "MODE_SETCRTC", "ENOENT EINVAL ENOMEM EBUSY" },
	{ "MODE_GETPLANE", "ENOENT" },
	{ "MODE_SETPLANE", "ENOENT EINVAL ENOMEM EBUSY" },
	{ "MODE_CURSOR", "ENOENT EINVAL ENOMEM" },
	{ "MODE_CURSOR2", "ENOENT EINVAL ENOMEM" },
	{ "MODE_GETGAMMA", "ENOENT EINVAL" },
	{ "MODE_SETGAMMA", "ENOENT EINVAL ENOMEM" },
	{ "MODE_GETENCODER", "ENOENT" },
	{ "MODE_GETCONNECTOR", "ENOENT ENOMEM" },
	{ "MODE_GETPROPERTY", "ENOENT" },
	{ "MODE_SETPROPERTY", "ENOENT EINVAL" },
	{ "MODE_GETPROPBLOB", "ENOENT" },
	{ "MODE_OBJ_GETPROPERTIES", "ENOENT ENOMEM" },
	{ "MODE_OBJ_SETPROPERTY", "ENOENT EINVAL ENOMEM" },
	{ "MODE_CREATEPROPBLOB", "EINVAL ENOMEM" },
	{ "MODE_DESTROYPROPBLOB", "EINVAL" },
	{ "MODE_GETFB", "ENOENT" },
	{ "MODE_GETFB2", "ENOENT" },
	{ "MODE_ADDFB", "EINVAL ENOENT ENOMEM" },
	{ "MODE_ADDFB2", "EINVAL ENOENT ENOMEM" },
	{ "MODE_RMFB", "ENOENT" },
	{ "MODE_CLOSEFB", "ENOENT" },
	{ "MODE_DIRTYFB", "ENOENT ENOMEM" },
	{ "MODE_PAGE_FLIP", "ENOENT EINVAL EBUSY ENOMEM" },
	{ "MODE_ATOMIC", "EINVAL ENOMEM EBUSY EINTR" },
	{ "MODE_CREATE_LEASE", "EINVAL ENOMEM EBUSY" },
	{ "WAIT_VBLANK", "EINVAL EINTR" },
	{ "CRTC_GET_SEQUENCE", "ENOENT EINVAL" },
	{ "CRTC_QUEUE_SEQUENCE", "ENOENT EINVAL ENOMEM" },
	/* drm_syncobj.c */
	{ "SYNCOBJ_CREATE", "ENOMEM" },
	{ "SYNCOBJ_DESTROY", "EINVAL" },
	{ "SYNCOBJ_HANDLE_TO_FD", "EINVAL ENOMEM EMFILE" },
	{ "SYNCOBJ_FD_TO_HANDLE", "EINVAL ENOMEM" },
	{ "SYNCOBJ_TRANSFER", "ENOENT EINVAL ENOMEM" },
	{ "SYNCOBJ_WAIT", "EINTR ETIME EINVAL ENOENT ENOMEM" },
	{ "SYNCOBJ_TIMELINE_WAIT", "EINTR ETIME EINVAL ENOENT ENOMEM" },
	{ "SYNCOBJ_RESET", "ENOENT" },
	{ "SYNCOBJ_SIGNAL", "ENOENT ENOMEM" },
	{ "SYNCOBJ_TIMELINE_SIGNAL", "ENOENT ENOMEM" },
	{ "SYNCOBJ_QUERY", "ENOENT EINVAL" },
	{ "SYNCOBJ_EVENTFD", "ENOENT EBADF ENOMEM" },
	/* dma-buf.c, sync_file.c, sw_sync.c */
	{ "DMA_BUF_IOCTL_SYNC", "EINTR EAGAIN" },
	{ "DMA_BUF_IOCTL_EXPORT_SYNC_FILE", "ENOMEM EMFILE" },
	{ "DMA_BUF_IOCTL_IMPORT_SYNC_FILE", "EINVAL ENOMEM" },
	{ "SYNC_IOC_MERGE", "ENOENT ENOMEM EMFILE" },
	{ "SYNC_IOC_FILE_INFO", "EINVAL ENOMEM" },
	{ "SW_SYNC_IOC_CREATE_FENCE", "ENOMEM EMFILE" },
	{ "SW_SYNC_IOC_INC", "EINVAL" },
	/* vgem_fence.c */
	{ "VGEM_FENCE_ATTACH", "ENOENT EINVAL ENOMEM EBUSY" },
	{ "VGEM_FENCE_SIGNAL", "ENOENT ETIMEDOUT" },
	/* fakedri's driver ioctls (docs/uapi.md) */
	{ "FAKEDRI_GEM_CREATE", "ENOMEM ENOSPC" },
	{ "FAKEDRI_GEM_MMAP_OFFSET", "ENOENT ENOMEM" },
	{ "FAKEDRI_GEM_INFO", "ENOENT" },
	{ "FAKEDRI_DEVICE_STATS", "ENODEV" },
	{ "FAKEDRI_TEST_WAIT", "EINTR ETIME ENOMEM" },
	{ "FAKEDRI_TEST_WAKE", "ENODEV" },
	{ "FAKEDRI_GET_PARAM", "EINVAL" },
	{ "FAKEDRI_CTX_CREATE", "ENOMEM" },
	{ "FAKEDRI_CTX_DESTROY", "ENOENT" },
	{ "FAKEDRI_SUBMIT", "ENOENT EINVAL ENOMEM ECANCELED" },
	{ "FAKEDRI_GEM_WAIT", "EINTR ETIME ENOENT" },
	{ "FAKEDRI_RESET_STATS", "ENOENT" },
};

/* Sites that are not ioctls (the daemon's --fault-calls names). */
static bool site_is_ioctl(const char *name)
{
	static const char *const other[] = { "job", "fence", "alloc", "mmap", "device" };

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (!strcmp(name, other[i]))
			return false;
	return true;
}

static const char *errnos_of(const char *ioctl)
{
	for (size_t i = 0; i < sizeof(errno_table) / sizeof(errno_table[0]); i++)
		if (!strcmp(errno_table[i].name, ioctl))
			return errno_table[i].errs;
	return "ENOMEM";
}

static int errno_by_name(const char *name)
{
	for (int e = 1; e < 134; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return e;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Options                                                            */
/* ------------------------------------------------------------------ */

enum sweep_format { FMT_TEXT, FMT_JSON, FMT_JUNIT };

struct sweep_opts {
	unsigned int jobs;
	size_t max_runs;          /* 0: all */
	bool seeded;
	uint64_t seed;
	int64_t timeout_ns;
	enum sweep_format format;
	const char *output;
	bool no_jobs;
	const char **only;
	size_t nonly;
	const char **errnos;
	size_t nerrnos;
	char **run_opts;
	size_t nrun_opts;
	char **prog;              /* NULL-terminated, from after -- */
};

/* "500ms", "2s", "1.5s", "300us", "10ns", "1m"; a plain number is ms. */
static int parse_duration(const char *s, int64_t *ns)
{
	static const struct { const char *suffix; double scale; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "", 1e6 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isdigit((unsigned char)*s))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].suffix)) {
			if (v * units[i].scale > 9e18)
				return -1;
			*ns = (int64_t)(v * units[i].scale);
			return 0;
		}
	}
	return -1;
}

static int parse_count(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static bool push(const char ***arr, size_t *n, const char *v)
{
	const char **a = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!a)
		return false;
	a[(*n)++] = v;
	*arr = a;
	return true;
}

enum {
	OPT_JOBS = 1, OPT_MAX_RUNS, OPT_SEED, OPT_ONLY, OPT_ERRNO, OPT_NO_JOBS, OPT_TIMEOUT,
	OPT_FORMAT, OPT_OUTPUT, OPT_RUN_OPT,
};

/* A bad value of option @name: what it was and what is accepted. */
static int bad_value(const char *name, const char *val, const char *accepted)
{
	return fdri_cli_usage_error(SWEEP_PROG, "bad value '%s' for %s: %s", val, name, accepted);
}

/* Returns 0, or 2 (usage error, message printed), or -1 for --help, or -2
 * for --version. */
static int parse_opts(struct sweep_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "max-runs", required_argument, NULL, OPT_MAX_RUNS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "errno", required_argument, NULL, OPT_ERRNO },
		{ "no-jobs", no_argument, NULL, OPT_NO_JOBS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "run-opt", required_argument, NULL, OPT_RUN_OPT },
		FDRI_CLI_COMMON_OPTS,
		{ 0 },
	};
	const char *val;
	uint64_t n;
	int c;

	o->jobs = 1;
	o->timeout_ns = 30 * INT64_C(1000000000);
	fdri_cli_begin();
	while ((c = fdri_cli_getopt(SWEEP_PROG, argc, argv, "+:h", lo)) != -1) {
		val = optarg;
		switch (c) {
		case FDRI_CLI_BAD:
			return FDRI_CLI_USAGE;
		case FDRI_CLI_HELP:
			return -1;
		case FDRI_CLI_VERSION:
			return -2;
		case OPT_NO_JOBS:
			o->no_jobs = true;
			break;
		case OPT_JOBS:
			if (parse_count(val, &n) || n < 1 || n > 256)
				return bad_value("--jobs", val, "a number from 1 to 256");
			o->jobs = (unsigned int)n;
			break;
		case OPT_MAX_RUNS:
			if (parse_count(val, &n) || n < 1)
				return bad_value("--max-runs", val, "a number from 1");
			o->max_runs = n;
			break;
		case OPT_SEED:
			if (parse_count(val, &n))
				return bad_value("--seed", val, "a number");
			o->seed = n;
			o->seeded = true;
			break;
		case OPT_TIMEOUT:
			if (parse_duration(val, &o->timeout_ns) || o->timeout_ns <= 0)
				return bad_value("--timeout", val, "a positive duration (e.g. 2s, "
						 "500ms; a plain number is ms)");
			break;
		case OPT_FORMAT:
			if (!strcmp(val, "text"))
				o->format = FMT_TEXT;
			else if (!strcmp(val, "json"))
				o->format = FMT_JSON;
			else if (!strcmp(val, "junit"))
				o->format = FMT_JUNIT;
			else
				return bad_value("--format", val, "text, json or junit");
			break;
		case OPT_OUTPUT:
			o->output = val;
			break;
		case OPT_ONLY:
			if (!strncmp(val, "DRM_IOCTL_", 10))
				val += 10;
			if (!push(&o->only, &o->nonly, val))
				goto nomem;
			break;
		case OPT_ERRNO:
			if (errno_by_name(val) < 0)
				return bad_value("--errno", val, "an errno name such as EINTR or "
						 "ENOMEM");
			if (!push(&o->errnos, &o->nerrnos, val))
				goto nomem;
			break;
		case OPT_RUN_OPT:
			if (!push((const char ***)&o->run_opts, &o->nrun_opts, val))
				goto nomem;
			break;
		}
	}
	if (optind >= argc)
		return fdri_cli_usage_error(SWEEP_PROG, "no program given (fakedri sweep [OPTIONS] "
					    "[--] PROGRAM [ARGS])");
	o->prog = argv + optind;
	return 0;
nomem:
	fprintf(stderr, SWEEP_PROG ": out of memory\n");
	return 2;
}

/* ------------------------------------------------------------------ */
/* Runs                                                               */
/* ------------------------------------------------------------------ */

#define SITE_NAME_MAX 64
#define HANG_GRACE_NS INT64_C(1000000000) /* after the time limit's SIGTERM */

struct sweep_run {
	unsigned int idx;         /* 0: the recording run */
	uint64_t call;            /* 0 for the recording run */
	char site[SITE_NAME_MAX];
	char injected[32];        /* "ENOMEM", "fence-error=EIO" */
	char spec[192];
	/* while running */
	pid_t pid;
	int pidfd;
	int64_t start, deadline;
	/* results */
	bool done, hang, stats;
	int status;               /* fakedri run's wait status */
	int exit_code;            /* PROGRAM's, -1 if signalled or unknown */
	int sig;                  /* PROGRAM's signal, 0 if none */
	int daemon_sig;           /* fakedri run itself killed by a signal */
	long long faults, objects, dmabufs, files;
	int64_t ns;
	char *tail;               /* the end of the run's output, for failures */
};

struct sweep {
	struct sweep_opts o;
	char exe[PATH_MAX];
	char dir[PATH_MAX];
	struct sweep_run *runs;
	size_t nruns;
	size_t ncalls, nioctls, njobs;
	long long base_leaked;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void run_path(const struct sweep *sw, const struct sweep_run *r, const char *what,
		     char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u.%s", sw->dir, r->idx, what);
}

/* Starts @r: `fakedri run [--fault SPEC | --fault-calls F] --stats S
 * [run opts] -- PROGRAM`, in a process group of its own. */
static int run_start(struct sweep *sw, struct sweep_run *r)
{
	char stats[PATH_MAX + 16], calls[PATH_MAX + 16], out[PATH_MAX + 16];
	size_t n = 0, nprog = 0;
	char **argv;
	pid_t pid;

	while (sw->o.prog[nprog])
		nprog++;
	argv = calloc(8 + sw->o.nrun_opts + nprog + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	run_path(sw, r, "stats", stats, sizeof(stats));
	run_path(sw, r, "calls", calls, sizeof(calls));
	run_path(sw, r, "out", out, sizeof(out));
	argv[n++] = "fakedri";
	argv[n++] = "run";
	if (r->idx == 0) {
		argv[n++] = "--fault-calls";
		argv[n++] = calls;
	} else {
		argv[n++] = "--fault";
		argv[n++] = r->spec;
	}
	argv[n++] = "--stats";
	argv[n++] = stats;
	for (size_t k = 0; k < sw->o.nrun_opts; k++)
		argv[n++] = sw->o.run_opts[k];
	argv[n++] = "--";
	for (size_t k = 0; k < nprog; k++)
		argv[n++] = sw->o.prog[k];
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(argv);
		return -errno;
	}
	if (pid == 0) {
		int fd;

		setpgid(0, 0);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		signal(SIGPIPE, SIG_DFL);
		/* each run's faults are its own (--run-opt --fault SPEC adds some) */
		unsetenv("FAKEDRI_FAULTS");
		execv(sw->exe, argv);
		fprintf(stderr, "fakedri sweep: cannot run %s: %s\n", sw->exe, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* also done by the child: whichever comes first */
	free(argv);
	r->pid = pid;
	r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (r->pidfd < 0) {
		int err = errno;

		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -err;
	}
	r->start = now_ns();
	r->deadline = r->start + sw->o.timeout_ns;
	return 0;
}

static long long stat_value(const char *text, const char *key, bool *found)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			*found = true;
			return strtoll(p + kl + 1, NULL, 10);
		}
	}
	return 0;
}

/* Reads up to @max bytes of @path's end (the whole file if smaller). */
static char *read_tail(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long size;
	size_t n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	if (size < 0)
		size = 0;
	if ((size_t)size > max)
		fseek(f, size - (long)max, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* @r's leader has exited (@exited), or did not even after SIGTERM: kill
 * what is left of its group, reap it and read its results. */
static void run_finish(struct sweep *sw, struct sweep_run *r, bool exited)
{
	char path[PATH_MAX + 16];
	siginfo_t si;
	char *text;
	bool found = false;

	/* the leader stays a zombie (WNOWAIT), so its group id is still ours */
	memset(&si, 0, sizeof(si));
	if (exited)
		waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOWAIT);
	kill(-r->pid, SIGKILL);
	while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
		;
	close(r->pidfd);
	r->pidfd = -1;
	r->ns = now_ns() - r->start;
	r->done = true;
	r->exit_code = -1;
	if (r->hang) {
		/* whatever ended it was our SIGTERM or SIGKILL */
	} else if (WIFSIGNALED(r->status)) {
		r->daemon_sig = WTERMSIG(r->status);
	} else if (WEXITSTATUS(r->status) > 128) {
		r->sig = WEXITSTATUS(r->status) - 128; /* fakedri run: 128 + PROGRAM's signal */
	} else {
		r->exit_code = WEXITSTATUS(r->status);
	}
	run_path(sw, r, "stats", path, sizeof(path));
	text = read_tail(path, 4096);
	if (text) {
		r->faults = stat_value(text, "faults", &found);
		r->objects = stat_value(text, "objects", &found);
		r->dmabufs = stat_value(text, "dmabufs", &found);
		r->files = stat_value(text, "files", &found);
		r->stats = found;
		if (r->stats && !r->hang) {
			bool has_sig = false;
			long long sig = stat_value(text, "signal", &has_sig);

			if (has_sig) { /* exact, where 128 + N could be an exit status */
				r->sig = (int)sig;
				r->exit_code = sig ? -1 : WEXITSTATUS(r->status);
			}
		}
		free(text);
	}
	unlink(path);
	run_path(sw, r, "out", path, sizeof(path));
	r->tail = read_tail(path, 2048);
	unlink(path);
}

static long long run_leaked(const struct sweep_run *r)
{
	return r->stats ? r->objects + r->dmabufs + r->files : 0;
}

static bool run_crashed(const struct sweep_run *r)
{
	return r->sig || r->daemon_sig;
}

static bool run_leaks(const struct sweep *sw, const struct sweep_run *r)
{
	/* a hung run's processes still held theirs when they were stopped */
	return r->stats && !r->hang && run_leaked(r) > sw->base_leaked;
}

static bool run_fired(const struct sweep_run *r)
{
	return r->stats && r->faults > 0;
}

static bool run_bad(const struct sweep *sw, const struct sweep_run *r)
{
	return run_crashed(r) || r->hang || run_leaks(sw, r);
}

/* Runs @runs[0..n) with at most --jobs at a time. */
static int run_all(struct sweep *sw, struct sweep_run *runs, size_t n)
{
	struct pollfd *pfd = calloc(sw->o.jobs, sizeof(*pfd));
	struct sweep_run **active = calloc(sw->o.jobs, sizeof(*active));
	size_t next = 0, nactive = 0;
	int ret = 0;

	if (!pfd || !active) {
		free(pfd);
		free(active);
		return -ENOMEM;
	}
	while (next < n || nactive) {
		int64_t now, wait = INT64_MAX;
		int pr;

		while (next < n && nactive < sw->o.jobs && !ret) {
			ret = run_start(sw, &runs[next]);
			if (ret) {
				fprintf(stderr, "fakedri sweep: cannot start a run: %s\n", strerror(-ret));
				break;
			}
			active[nactive++] = &runs[next++];
		}
		if (ret && !nactive)
			break;
		now = now_ns();
		for (size_t k = 0; k < nactive; k++) {
			pfd[k].fd = active[k]->pidfd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			if (active[k]->deadline - now < wait)
				wait = active[k]->deadline - now;
		}
		if (wait < 0)
			wait = 0;
		if (wait / 1000000 >= INT_MAX)
			wait = (int64_t)(INT_MAX - 1) * 1000000;
		pr = poll(pfd, nactive, (int)(wait / 1000000 + 1));
		if (pr < 0 && errno != EINTR) {
			ret = -errno;
			wait = 0;
		}
		now = now_ns();
		for (size_t k = 0; k < nactive;) {
			struct sweep_run *r = active[k];
			bool exited = pr > 0 && (pfd[k].revents & (POLLIN | POLLHUP));

			if (!exited && !ret && now >= r->deadline && !r->hang) {
				/*
				 * The time limit: `fakedri run` passes SIGTERM on
				 * to PROGRAM, then writes its stats and exits;
				 * whatever is left is killed a grace period later.
				 */
				r->hang = true;
				kill(r->pid, SIGTERM);
				r->deadline = now + (sw->o.timeout_ns < HANG_GRACE_NS ?
						     sw->o.timeout_ns : HANG_GRACE_NS);
			} else if (exited || now >= r->deadline || ret) {
				run_finish(sw, r, exited);
				active[k] = active[--nactive];
				pfd[k] = pfd[nactive];
				continue;
			}
			k++;
		}
	}
	free(pfd);
	free(active);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Planning                                                           */
/* ------------------------------------------------------------------ */

static bool wanted(const struct sweep_opts *o, const char *site)
{
	if (!o->nonly)
		return true;
	for (size_t i = 0; i < o->nonly; i++)
		if (!strcmp(o->only[i], site))
			return true;
	return false;
}

static struct sweep_run *add_run(struct sweep *sw, size_t *cap)
{
	struct sweep_run *r;

	if (sw->nruns == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct sweep_run *a = realloc(sw->runs, ncap * sizeof(*a));

		if (!a)
			return NULL;
		sw->runs = a;
		*cap = ncap;
	}
	r = &sw->runs[sw->nruns++];
	memset(r, 0, sizeof(*r));
	r->pidfd = -1;
	return r;
}

/* One run per swept call and errno, from the recording run's call list. */
static int plan_runs(struct sweep *sw, size_t *cap)
{
	char path[PATH_MAX + 16], line[256];
	FILE *f;

	run_path(sw, &sw->runs[0], "calls", path, sizeof(path));
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "fakedri sweep: the recording run wrote no call list (%s): %s\n", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[SITE_NAME_MAX], errs[256], *save = NULL;
		unsigned long long call;
		bool ioctl;

		if (sscanf(line, "%llu %63s", &call, name) != 2)
			continue;
		sw->ncalls++;
		ioctl = site_is_ioctl(name);
		sw->nioctls += ioctl;
		sw->njobs += !strcmp(name, "job");
		if (!wanted(&sw->o, name))
			continue;
		if (!ioctl) {
			struct sweep_run *r;

			if (strcmp(name, "job") || sw->o.no_jobs)
				continue;
			r = add_run(sw, cap);
			if (!r)
				goto nomem;
			r->call = call;
			snprintf(r->site, sizeof(r->site), "%s", name);
			snprintf(r->injected, sizeof(r->injected), "fence-error=EIO");
			snprintf(r->spec, sizeof(r->spec), "job,call=%llu,fence-error=EIO", call);
			continue;
		}
		if (sw->o.nerrnos) {
			errs[0] = '\0';
			for (size_t k = 0; k < sw->o.nerrnos && strlen(errs) + 2 < sizeof(errs); k++) {
				strncat(errs, sw->o.errnos[k], sizeof(errs) - strlen(errs) - 2);
				strcat(errs, " ");
			}
		} else {
			snprintf(errs, sizeof(errs), "%s", errnos_of(name));
		}
		for (char *e = strtok_r(errs, " ", &save); e; e = strtok_r(NULL, " ", &save)) {
			struct sweep_run *r = add_run(sw, cap);

			if (!r)
				goto nomem;
			r->call = call;
			snprintf(r->site, sizeof(r->site), "%s", name);
			snprintf(r->injected, sizeof(r->injected), "%s", e);
			snprintf(r->spec, sizeof(r->spec), "ioctl=%s,call=%llu,errno=%s", name, call, e);
		}
	}
	fclose(f);
	return 0;
nomem:
	fclose(f);
	fprintf(stderr, "fakedri sweep: out of memory\n");
	return -1;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* --max-runs: keep the first N runs, or N sampled with --seed (in call
 * order either way). */
static void limit_runs(struct sweep *sw)
{
	size_t n = sw->nruns - 1, keep = sw->o.max_runs;
	struct sweep_run *r = sw->runs + 1;
	uint64_t s = sw->o.seed;

	if (!keep || keep >= n)
		return;
	if (sw->o.seeded) {
		/* a partial Fisher-Yates picks which; then back to call order */
		for (size_t i = 0; i < keep; i++) {
			size_t j = i + (size_t)(splitmix64(&s) % (n - i));
			struct sweep_run t = r[i];

			r[i] = r[j];
			r[j] = t;
		}
		for (size_t i = 1; i < keep; i++) {
			struct sweep_run t = r[i];
			size_t j = i;

			while (j > 0 && (r[j - 1].call > t.call ||
					 (r[j - 1].call == t.call && r[j - 1].idx > t.idx))) {
				r[j] = r[j - 1];
				j--;
			}
			r[j] = t;
		}
	}
	sw->nruns = keep + 1;
}

/* ------------------------------------------------------------------ */
/* Reports                                                            */
/* ------------------------------------------------------------------ */

static const char *sig_name(int sig)
{
	const char *n = sigabbrev_np(sig);
	static char buf[16];

	if (!n) {
		snprintf(buf, sizeof(buf), "%d", sig);
		return buf;
	}
	snprintf(buf, sizeof(buf), "SIG%s", n);
	return buf;
}

static void list_runs(const struct sweep *sw, FILE *out, const char *what,
		      bool (*pick)(const struct sweep *, const struct sweep_run *))
{
	size_t n = 0;

	for (size_t i = 1; i < sw->nruns; i++)
		n += pick(sw, &sw->runs[i]);
	fprintf(out, "%zu %s", n, what);
	if (!n)
		return;
	fprintf(out, " (run%s", n > 1 ? "s" : "");
	for (size_t i = 1, k = 0; i < sw->nruns; i++) {
		if (pick(sw, &sw->runs[i]))
			fprintf(out, "%s %u", k++ ? "," : "", sw->runs[i].idx);
	}
	fprintf(out, ")");
}

static bool pick_crash(const struct sweep *sw, const struct sweep_run *r)
{
	(void)sw;
	return run_crashed(r);
}

static bool pick_hang(const struct sweep *sw, const struct sweep_run *r)
{
	(void)sw;
	return r->hang;
}

static bool pick_unfired(const struct sweep *sw, const struct sweep_run *r)
{
	(void)sw;
	return r->stats && !run_fired(r);
}

static void text_row(const struct sweep *sw, const struct sweep_run *r, FILE *out)
{
	char call[24], exitbuf[16], crash[24], leaked[24];

	if (r->idx)
		snprintf(call, sizeof(call), "%" PRIu64, r->call);
	else
		snprintf(call, sizeof(call), "-");
	if (r->exit_code >= 0)
		snprintf(exitbuf, sizeof(exitbuf), "%d", r->exit_code);
	else
		snprintf(exitbuf, sizeof(exitbuf), "-");
	if (r->daemon_sig)
		snprintf(crash, sizeof(crash), "daemon:%s", sig_name(r->daemon_sig));
	else if (r->sig)
		snprintf(crash, sizeof(crash), "%s", sig_name(r->sig));
	else
		snprintf(crash, sizeof(crash), "-");
	if (r->hang)
		snprintf(leaked, sizeof(leaked), "-"); /* what its stopped processes held */
	else if (r->stats)
		snprintf(leaked, sizeof(leaked), "%lld%s", run_leaked(r),
			 run_leaks(sw, r) ? " LEAK" : "");
	else
		snprintf(leaked, sizeof(leaked), "?");
	fprintf(out, "%4u %6s  %-30s %-16s %-5s %4s  %-14s %-4s  %s\n", r->idx, call,
		r->idx ? r->site : "(recording run)", r->idx ? r->injected : "-",
		!r->idx ? "-" : !r->stats ? "?" : run_fired(r) ? "yes" : "no", exitbuf, crash,
		r->hang ? "HANG" : "-", leaked);
}

static void report_text(const struct sweep *sw, FILE *out)
{
	fprintf(out, "%4s %6s  %-30s %-16s %-5s %4s  %-14s %-4s  %s\n", "run", "call", "site",
		"injected", "fired", "exit", "crash", "hang", "leaked");
	for (size_t i = 0; i < sw->nruns; i++)
		text_row(sw, &sw->runs[i], out);
	fprintf(out, "summary: %zu runs: ", sw->nruns - 1);
	list_runs(sw, out, "crashed", pick_crash);
	fprintf(out, ", ");
	list_runs(sw, out, "hung", pick_hang);
	fprintf(out, ", ");
	list_runs(sw, out, "leaked", run_leaks);
	fprintf(out, "; ");
	list_runs(sw, out, "did not fire", pick_unfired);
	fprintf(out, "\n");
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void report_json(const struct sweep *sw, FILE *out)
{
	size_t crashed = 0, hung = 0, leaked = 0;

	fprintf(out, "{\n  \"program\": [");
	for (size_t i = 0; sw->o.prog[i]; i++) {
		fprintf(out, "%s", i ? ", " : "");
		json_str(out, sw->o.prog[i]);
	}
	fprintf(out, "],\n  \"calls\": %zu,\n  \"runs\": [\n", sw->ncalls);
	for (size_t i = 0; i < sw->nruns; i++) {
		const struct sweep_run *r = &sw->runs[i];

		fprintf(out, "    {\"run\": %u, ", r->idx);
		if (r->idx) {
			fprintf(out, "\"call\": %" PRIu64 ", \"site\": ", r->call);
			json_str(out, r->site);
			fprintf(out, ", \"injected\": ");
			json_str(out, r->injected);
			fprintf(out, ", \"spec\": ");
			json_str(out, r->spec);
			fprintf(out, ", \"fired\": %s, ", run_fired(r) ? "true" : "false");
		}
		if (r->exit_code >= 0)
			fprintf(out, "\"exit\": %d, ", r->exit_code);
		else
			fprintf(out, "\"exit\": null, ");
		fprintf(out, "\"signal\": ");
		if (r->sig)
			json_str(out, sig_name(r->sig));
		else
			fprintf(out, "null");
		fprintf(out, ", \"daemon_signal\": ");
		if (r->daemon_sig)
			json_str(out, sig_name(r->daemon_sig));
		else
			fprintf(out, "null");
		fprintf(out, ", \"hang\": %s, ", r->hang ? "true" : "false");
		if (r->stats)
			fprintf(out, "\"objects\": %lld, \"dmabufs\": %lld, \"files\": %lld, \"leaked\": %lld, \"leak\": %s, ",
				r->objects, r->dmabufs, r->files, run_leaked(r),
				run_leaks(sw, r) ? "true" : "false");
		else
			fprintf(out, "\"leaked\": null, \"leak\": false, ");
		fprintf(out, "\"ms\": %.1f}%s\n", r->ns / 1e6, i + 1 < sw->nruns ? "," : "");
		if (r->idx) {
			crashed += run_crashed(r);
			hung += r->hang;
			leaked += run_leaks(sw, r);
		}
	}
	fprintf(out, "  ],\n  \"summary\": {\"runs\": %zu, \"crashed\": %zu, \"hung\": %zu, \"leaked\": %zu}\n}\n",
		sw->nruns - 1, crashed, hung, leaked);
}

static void xml_str(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f)
				fputc('?', out);
			else
				fputc(c, out);
		}
	}
}

static void report_junit(const struct sweep *sw, FILE *out)
{
	size_t failures = 0, skipped = 0;
	double total = 0;

	for (size_t i = 1; i < sw->nruns; i++) {
		failures += run_bad(sw, &sw->runs[i]);
		skipped += !run_bad(sw, &sw->runs[i]) && pick_unfired(sw, &sw->runs[i]);
		total += sw->runs[i].ns / 1e9;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out, "<testsuites>\n  <testsuite name=\"fakedri sweep ");
	xml_str(out, sw->o.prog[0]);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
		sw->nruns - 1, failures, skipped, total);
	for (size_t i = 1; i < sw->nruns; i++) {
		const struct sweep_run *r = &sw->runs[i];
		char what[160];
		size_t n = 0;

		fprintf(out, "    <testcase classname=\"sweep.");
		xml_str(out, r->site);
		fprintf(out, "\" name=\"run %u: call %" PRIu64 " %s %s\" time=\"%.3f\"",
			r->idx, r->call, r->site, r->injected, r->ns / 1e9);
		if (!run_bad(sw, r) && !pick_unfired(sw, r)) {
			fprintf(out, "/>\n");
			continue;
		}
		fprintf(out, ">\n");
		what[0] = '\0';
		if (r->daemon_sig)
			n += (size_t)snprintf(what + n, sizeof(what) - n, "the daemon crashed (%s); ",
					      sig_name(r->daemon_sig));
		if (r->sig && n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n, "crashed (%s); ",
					      sig_name(r->sig));
		if (r->hang && n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n, "hung (time limit); ");
		if (run_leaks(sw, r) && n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n,
					      "leaked %lld objects, %lld dma-bufs, %lld files; ",
					      r->objects, r->dmabufs, r->files);
		if (n >= 2 && n < sizeof(what))
			what[n - 2] = '\0';
		if (run_bad(sw, r)) {
			fprintf(out, "      <failure message=\"");
			xml_str(out, what);
			fprintf(out, "\" type=\"sweep\">fakedri run --fault ");
			xml_str(out, r->spec);
			fprintf(out, "</failure>\n");
		} else {
			fprintf(out, "      <skipped message=\"the fault did not fire (the calls were numbered differently)\"/>\n");
		}
		if (r->tail) {
			fprintf(out, "      <system-out>");
			xml_str(out, r->tail);
			fprintf(out, "</system-out>\n");
		}
		fprintf(out, "    </testcase>\n");
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
}

/* ------------------------------------------------------------------ */

static void cleanup(struct sweep *sw)
{
	char path[PATH_MAX + 16];

	for (size_t i = 0; i < sw->nruns; i++)
		free(sw->runs[i].tail);
	if (sw->runs) {
		run_path(sw, &sw->runs[0], "calls", path, sizeof(path));
		unlink(path);
	}
	if (sw->dir[0])
		rmdir(sw->dir);
	free(sw->runs);
	free(sw->o.only);
	free(sw->o.errnos);
	free(sw->o.run_opts);
}

/**
 * fdri_sweep_main() - `fakedri sweep`.
 * @argc: argument count, argv[0] being "sweep"
 * @argv: the arguments
 *
 * Return: 0 when no run crashed, hung or leaked; 1 otherwise; 2 for bad
 * usage or a recording run that failed by itself.
 */
int fdri_sweep_main(int argc, char **argv)
{
	struct sweep sw = { .base_leaked = 0 };
	const char *tmp = getenv("TMPDIR");
	size_t cap = 0, bad = 0;
	struct sweep_run *r0;
	int64_t t0 = now_ns();
	ssize_t n;
	int ret;

	ret = parse_opts(&sw.o, argc, argv);
	if (ret) {
		if (ret == -1)
			printf("%s", sweep_usage);
		cleanup(&sw);
		return ret == -2 ? fdri_cli_version("fakedri") : ret < 0 ? 0 : ret;
	}
	n = readlink("/proc/self/exe", sw.exe, sizeof(sw.exe) - 1);
	if (n < 0) {
		perror("fakedri sweep: /proc/self/exe");
		cleanup(&sw);
		return 2;
	}
	sw.exe[n] = '\0';
	snprintf(sw.dir, sizeof(sw.dir), "%.4000s/fakedri-sweep.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sw.dir)) {
		fprintf(stderr, "fakedri sweep: cannot create %s: %s\n", sw.dir, strerror(errno));
		sw.dir[0] = '\0';
		cleanup(&sw);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	/* run 0: record the calls */
	r0 = add_run(&sw, &cap);
	if (!r0 || run_all(&sw, r0, 1)) {
		cleanup(&sw);
		return 2;
	}
	if (r0->hang || run_crashed(r0) || r0->exit_code != 0 || !r0->stats) {
		fprintf(stderr, "fakedri sweep: the recording run (no fault) failed: %s",
			r0->hang ? "it hung" : run_crashed(r0) ? "it crashed" :
			!r0->stats ? "no statistics were written" : "exit status not 0");
		if (r0->exit_code > 0)
			fprintf(stderr, " (%d)", r0->exit_code);
		fprintf(stderr, "; its output:\n%s\n", r0->tail ? r0->tail : "");
		cleanup(&sw);
		return 2;
	}
	sw.base_leaked = run_leaked(r0);
	if (plan_runs(&sw, &cap)) {
		cleanup(&sw);
		return 2;
	}
	for (size_t i = 0; i < sw.nruns; i++)
		sw.runs[i].idx = (unsigned int)i;
	limit_runs(&sw);
	for (size_t i = 0; i < sw.nruns; i++)
		sw.runs[i].idx = (unsigned int)i;
	fprintf(stderr, "fakedri sweep: %zu calls recorded (%zu ioctls, %zu GPU jobs), %zu runs, %u at a time\n",
		sw.ncalls, sw.nioctls, sw.njobs, sw.nruns - 1, sw.o.jobs);
	if (sw.nruns > 1 && run_all(&sw, sw.runs + 1, sw.nruns - 1)) {
		cleanup(&sw);
		return 2;
	}
	for (size_t i = 1; i < sw.nruns; i++)
		bad += run_bad(&sw, &sw.runs[i]);

	if (sw.o.output || sw.o.format == FMT_TEXT)
		report_text(&sw, stdout);
	if (sw.o.output || sw.o.format != FMT_TEXT) {
		FILE *out = stdout;

		if (sw.o.output) {
			out = fopen(sw.o.output, "w");
			if (!out) {
				fprintf(stderr, "fakedri sweep: cannot write %s: %s\n", sw.o.output,
					strerror(errno));
				cleanup(&sw);
				return 2;
			}
		}
		if (sw.o.format == FMT_JSON)
			report_json(&sw, out);
		else if (sw.o.format == FMT_JUNIT)
			report_junit(&sw, out);
		else
			report_text(&sw, out);
		if (out != stdout)
			fclose(out);
	}
	fflush(stdout);
	fprintf(stderr, "fakedri sweep: %zu runs in %.1f s, %zu crashed, hung or leaked\n",
		sw.nruns - 1, (now_ns() - t0) / 1e9, bad);
	cleanup(&sw);
	return bad ? 1 : 0;
}
