/* fdri_daemon.c - see fdri_daemon.h. */
#define _GNU_SOURCE
#include "fdri_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdri_cuse.h"
#include "fdri_host.h"
#include "fdri_log.h"
#include "fdri_server.h"
#include "fdri_sysroot.h"
#include "fdri_node_perm.h"
#include "fdri_trace.h"
#include "fdri_gpu.h"
#include "fdri_req.h"
#include "fdri_fault.h"
#include "fdri_hotplug.h"

struct fdri_daemon_dev {
	struct fdri_personality pers;  /* the personality, with its name set */
	char name[64];
	char platform[64];             /* its platform device in the sysroot */
	unsigned int queues;           /* its GPU's queues (0: the default) */
	struct fdri_daemon *d;         /* back pointer for the GPU's hooks */
	unsigned int index;
	/* bind and unbind (docs/hotplug.md): a platform device with a driver
	 * (vgem, as on Linux 6.1, has none), unbound now, its GPU's settings */
	bool has_driver, unbound;
	struct fdri_gpu_config gc;
};

/* A device replaced by a rebind: alive while its files, objects, dma-bufs,
 * jobs or connections are, keeping its minors as drm_minor_free() does
 * only at the drm_device's release; freed as soon as nothing holds it
 * (zombies_reap(): at each bind and unbind, and after a connection goes),
 * as drm_dev_put()'s last reference would. */
struct daemon_zombie {
	struct fdri_device *dev;
	int minors[2];
};

struct fdri_daemon {
	struct fdri_daemon_dev ddev[FDRI_DAEMON_MAX_DEVICES];
	struct fdri_device *devs[FDRI_DAEMON_MAX_DEVICES];
	unsigned int ndevs;
	struct fdri_server *srv;
	struct fdri_cuse *cuse[8];
	int ncuse;
	int cuse_pending;          /* CUSE nodes not up yet */
	int ready_fd;              /* -1 once readiness was told */
	char root[PATH_MAX];
	struct fdri_trace *trace;      /* --trace, or NULL */
	uint64_t hazards;              /* sync hazards seen on all devices */
	uint64_t jobs;                 /* GPU jobs submitted on all devices */
	/* fault injection: one registry for all devices (each holds a
	 * reference, the daemon one more) */
	struct fdri_faults *faults;
	FILE *fault_log;               /* --fault-log, line-buffered, or NULL */
	FILE *fault_calls;             /* --fault-calls, or NULL */
	struct fdri_hotplug *hotplug;  /* uevents, sysfs writes (fdri_hotplug.h) */
	struct daemon_zombie *zombies; /* freed when idle (zombies_reap()) */
	unsigned int nzombies, capzombies;
	struct event *reap_ev;         /* zombies_reap() from the loop */
	struct fdri_node_perms *perms; /* the server's (socket mode), or NULL */
	char alias[256];               /* device 0's extra primary node, or "" */
	bool cuse_mode;                /* --cuse: no virtual nodes to bind */
};

const char fdri_daemon_opts_help[] =
	"  --personality NAME    fakedri (default) or vgem\n"
	"  --driver-name NAME    name reported by DRM_IOCTL_VERSION\n"
	"  --device PERS[,name=DRIVER_NAME][,queues=N]\n"
	"                        a device of personality PERS (repeatable: device i\n"
	"                        gets /dev/dri/cardI and renderD(128+I)); without it\n"
	"                        one device, of --personality and --driver-name;\n"
	"                        queues: its GPU's queues (engines), 1.." FDRI_STR(FDRI_GPU_MAX_QUEUES) "\n"
	"                        (default " FDRI_STR(FDRI_GPU_DEFAULT_QUEUES) "; docs/gpu.md)\n"
	"  --trace FILE          write the GPU's jobs, fences and waits to FILE as\n"
	"                        Chrome trace-event JSON (Perfetto UI, chrome://tracing)\n"
	"  --poison              fill what a GPU job will write with the poison pattern\n"
	"                        (FAKEDRI_POISON) from submit until it completes\n"
	"  --hazards MODE        sync hazards (a job that skipped implicit sync racing\n"
	"                        another context's pending access): off, log (default:\n"
	"                        logged and counted) or error (the job fails, -EIO)\n"
	"  --jitter SEED         vary each job's duration (0.5x to 1.5x) from SEED, so\n"
	"                        queues complete in another order per seed\n"
	"  --card PATH           primary node path (default /dev/dri/card0)\n"
	"  --render PATH         render node path (default /dev/dri/renderD128)\n"
	"  --alias PATH          extra primary node path (default /dev/fakedri, '' for none)\n"
	"                        (--card, --render, --alias: virtual nodes of the socket\n"
	"                        mode; with --cuse there are none, the shim uses the\n"
	"                        real CUSE nodes)\n"
	"  --log-level LEVEL     error, warn, info, debug or trace (default warn)\n"
	"  --ready-fd FD         write \"ready\" to FD and close it once clients can\n"
	"                        connect (all CUSE nodes published): for scripts\n"
	"  --spin-us N           after a request, poll for N us before sleeping, so\n"
	"                        bursts avoid wake-up costs (default 50; 0: never)\n"
	"  --mem-limit BYTES     total size of GEM objects allowed, e.g. 64M (suffixes\n"
	"                        K, M, G: powers of 1024); creating past it fails with\n"
	"                        ENOMEM (default 0: no limit)\n"
	"  --vgem-fence-timeout MS\n"
	"                        how long a vgem fence waits for FENCE_SIGNAL before\n"
	"                        it signals itself (default 10000, as vgem)\n"
	"  --limit NAME=N[,NAME=N...]\n"
	"                        per-process quotas (repeatable; 0 or none: no limit),\n"
	"                        counted over all devices; defaults:\n"
	"                          files=256     open DRM files (open: EMFILE)\n"
	"                          handles=65536 GEM handles (create, GEM_OPEN, PRIME\n"
	"                                        import: ENOSPC)\n"
	"                          dmabufs=4096  dma-bufs the daemon holds an fd for\n"
	"                                        (PRIME export: EMFILE, import: ENOMEM)\n"
	"                          memory=8G     bytes of objects created (ENOMEM;\n"
	"                                        K, M, G suffixes)\n"
	"                          channels=1024 sockets of the socket transport\n"
	"                                        (connections and channels: refused)\n"
	"                          parked=1024   ioctls waiting at once (ENOMEM)\n"
	"                        see docs/quotas.md\n"
	"  --fault SPEC          arm a fault (repeatable), e.g.\n"
	"                        ioctl=PRIME_FD_TO_HANDLE,nth=1,errno=ENOMEM; the\n"
	"                        specs of FAKEDRI_FAULTS (separated by ';') come\n"
	"                        first (docs/faults.md)\n"
	"  --fault-log FILE      write each injected fault as a spec line that\n"
	"                        --fault-replay arms again\n"
	"  --fault-replay FILE   arm each line of FILE ('#' comments) as a fault\n"
	"  --fault-calls FILE    write each injectable call as CALL NAME PID (what\n"
	"                        `fakedri sweep` iterates over)\n"
	"  --job-timeout DURATION\n"
	"                        how long a GPU job may run before its queue is\n"
	"                        reset and its context banned (default 2s; e.g.\n"
	"                        50ms, 1.5s, 500us; a plain number is ms)\n"
	"  --node-perm PATH:MODE[:OWNER[:GROUP]]\n"
	"                        a virtual node's mode, owner and group (repeatable;\n"
	"                        default card root:video 0660, render root:render\n"
	"                        0660; docs/security.md)\n";

const char fdri_daemon_only_help[] =
	"  --socket PATH         socket path (its directory, not its parents, is\n"
	"                        created 0700 if missing); with --cuse the default\n"
	"                        is " FDRI_DEFAULT_CUSE_SOCKET ", where the shim\n"
	"                        finds it without FAKEDRI_SOCKET\n"
	"  --cuse                serve real character devices through CUSE instead\n"
	"                        of virtual /dev/dri nodes (the socket stays, for the\n"
	"                        shim's fd-returning ioctls and mmap)\n"
	"  --cuse-node SPEC      a CUSE node DEVNAME:TYPE[:MODE[:GROUP]], e.g.\n"
	"                        dri/renderD129:render:0666:render (repeatable;\n"
	"                        default fakedri:primary, i.e. /dev/fakedri)\n";

/*
 * A decimal number, all of @s, at most @max; with @suffixes, K, M or G
 * (or k, m, g) may follow, multiplying by 1024, 1024^2 or 1024^3.
 */
static int parse_number(const char *s, bool suffixes, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (suffixes && *end && !end[1]) {
		switch (*end) {
		case 'K': case 'k': mul = 1ull << 10; end++; break;
		case 'M': case 'm': mul = 1ull << 20; end++; break;
		case 'G': case 'g': mul = 1ull << 30; end++; break;
		}
	}
	if (*end || v > max / mul)
		return -1;
	*out = v * mul;
	return 0;
}

#define SPIN_US_MAX 1000000

static int check_spin_us(const char *opt, const char *v)
{
	uint64_t n;

	if (!parse_number(v, false, SPIN_US_MAX, &n))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not a number of microseconds from 0 to %d",
		 opt, v, SPIN_US_MAX);
	return -1;
}

static int check_ready_fd(const char *opt, const char *v)
{
	uint64_t fd;

	if (parse_number(v, false, INT_MAX, &fd)) {
		fdri_log(FDRI_LOG_ERROR, "%s '%s': not a file descriptor number", opt, v);
		return -1;
	}
	if (fcntl((int)fd, F_GETFD) < 0) {
		fdri_log(FDRI_LOG_ERROR, "%s %s: not an open file descriptor: %s", opt, v,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int check_timeout_ms(const char *opt, const char *v)
{
	uint64_t n;

	if (!parse_number(v, false, INT64_MAX / 1000000, &n) && n > 0)
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not a positive number of milliseconds", opt, v);
	return -1;
}

static int check_mem_limit(const char *opt, const char *v)
{
	uint64_t n;

	if (!parse_number(v, true, UINT64_MAX, &n))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not a size in bytes (a number, optionally followed by K, M or G)",
		 opt, v);
	return -1;
}

/*
 * NAME=N[,NAME=N...] of --limit into @l (only the names given change).
 * Returns 0, or -1 with the offending item's length in *bad_len from *bad.
 */
static int parse_limits(const char *v, struct fdri_limits *l, const char **bad, size_t *bad_len)
{
	while (*v) {
		const char *comma = strchr(v, ','), *eq = strchr(v, '=');
		size_t n = comma ? (size_t)(comma - v) : strlen(v);
		char val[32];
		uint64_t num;
		int q;

		*bad = v;
		*bad_len = n;
		if (!eq || eq >= v + n || (size_t)(v + n - eq - 1) >= sizeof(val))
			return -1;
		for (q = 0; q < FDRI_Q_COUNT; q++)
			if (strlen(fdri_quota_names[q]) == (size_t)(eq - v) &&
			    !strncmp(v, fdri_quota_names[q], (size_t)(eq - v)))
				break;
		if (q == FDRI_Q_COUNT)
			return -1;
		memcpy(val, eq + 1, (size_t)(v + n - eq - 1));
		val[v + n - eq - 1] = '\0';
		if (!strcmp(val, "none"))
			num = 0;
		else if (parse_number(val, q == FDRI_Q_MEMORY, q == FDRI_Q_MEMORY ? UINT64_MAX : UINT32_MAX,
				      &num))
			return -1;
		l->max[q] = num;
		v += n;
		if (*v == ',' && *++v == '\0')
			return -1;
	}
	return 0;
}

static int check_limit(const char *opt, const char *v)
{
	struct fdri_limits l;
	const char *bad = v;
	size_t n = strlen(v);

	if (*v && !parse_limits(v, &l, &bad, &n))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': bad item '%.*s' (NAME=N with NAME files, handles, "
		 "dmabufs, memory, channels or parked; N a number, 0 or none for no limit, "
		 "memory with K, M or G)", opt, v, (int)n, bad);
	return -1;
}

/* The quotas of the options: the defaults, then each --limit in order. */
static void daemon_limits(const struct fdri_daemon_opts *o, struct fdri_limits *l)
{
	static const struct fdri_limits defaults = FDRI_LIMITS_DEFAULT;
	const char *bad;
	size_t n;

	*l = defaults;
	for (int k = 0; k < o->nlimits; k++)
		parse_limits(o->limits[k], l, &bad, &n); /* checked already */
}

/*
 * A DURATION: a decimal number (with a fraction) and a unit, ns, us, ms or
 * s; a plain number is milliseconds. Into *@ns; 0 or -1.
 */
static int parse_duration(const char *s, int64_t *ns)
{
	static const struct { const char *unit; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e6 },
	};
	char *end;
	double v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		return -1;
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		if (strcmp(end, units[k].unit))
			continue;
		if (v * units[k].mul >= 9.2e18)
			return -1;
		*ns = (int64_t)(v * units[k].mul + 0.5);
		return 0;
	}
	return -1;
}

static int check_duration(const char *opt, const char *v)
{
	int64_t ns;

	if (!parse_duration(v, &ns) && ns > 0)
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not a positive duration (e.g. 2s, 50ms, 500us; a plain number is ms)",
		 opt, v);
	return -1;
}

/* One fault SPEC; @where names its origin in the error ("--fault", a file
 * and line, FAKEDRI_FAULTS). */
static int check_fault_spec(const char *where, const char *v, struct fdri_fault_spec *spec)
{
	char err[256] = "";

	if (!fdri_fault_parse(v, spec, err, sizeof(err)))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': %s", where, v, err[0] ? err : "bad fault spec");
	return -1;
}

static int check_fault(const char *opt, const char *v)
{
	struct fdri_fault_spec spec;

	return check_fault_spec(opt, v, &spec);
}

/* Each fault spec of the ';'-separated @list, checked or, with @f, armed
 * at @now. Returns 0 or -1 (reported). */
static int env_faults(const char *list, struct fdri_faults *f, int64_t now)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int ret = 0;

	if (!copy) {
		fdri_log(FDRI_LOG_ERROR, "FAKEDRI_FAULTS: %s", strerror(ENOMEM));
		return -1;
	}
	for (tok = strtok_r(copy, ";", &save); tok && !ret; tok = strtok_r(NULL, ";", &save)) {
		struct fdri_fault_spec spec;

		while (*tok == ' ' || *tok == '\t' || *tok == '\n')
			tok++;
		if (!*tok)
			continue;
		ret = check_fault_spec("FAKEDRI_FAULTS", tok, &spec);
		if (!ret && f && fdri_faults_add(f, &spec, now) < 0) {
			fdri_log(FDRI_LOG_ERROR, "cannot arm fault '%s': %s", tok, strerror(ENOMEM));
			ret = -1;
		}
	}
	free(copy);
	return ret;
}

/* Each line of the fault log @path ('#' comments and blank lines
 * skipped), checked or, with @f, armed at @now. 0 or -1 (reported). */
static int replay_faults(const char *path, struct fdri_faults *f, int64_t now)
{
	FILE *in = fopen(path, "r");
	char line[FDRI_FAULT_SPEC_MAX + 64], where[PATH_MAX + 32];
	unsigned int lineno = 0;
	int ret = 0;

	if (!in) {
		fdri_log(FDRI_LOG_ERROR, "--fault-replay %s: %s", path, strerror(errno));
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), in)) {
		struct fdri_fault_spec spec;
		char *p = line, *e;

		lineno++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		snprintf(where, sizeof(where), "--fault-replay %s:%u", path, lineno);
		ret = check_fault_spec(where, p, &spec);
		if (!ret && f && fdri_faults_add(f, &spec, now) < 0) {
			fdri_log(FDRI_LOG_ERROR, "cannot arm fault '%s': %s", p, strerror(ENOMEM));
			ret = -1;
		}
	}
	fclose(in);
	return ret;
}

int fdri_daemon_check_opts(const struct fdri_daemon_opts *o)
{
	const char *env = getenv("FAKEDRI_FAULTS");

	if (env && env_faults(env, NULL, 0))
		return -1;
	if (o->fault_replay && replay_faults(o->fault_replay, NULL, 0))
		return -1;
	return 0;
}

static int check_personality(const char *opt, const char *v)
{
	if (fdri_personality_find(v))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': unknown personality (fakedri or vgem)", opt, v);
	return -1;
}

/* PERS[,name=DRIVER_NAME] into its personality and driver name */
/* PERSONALITY[,name=DRIVER_NAME][,queues=N] */
static int device_spec(const char *v, const struct fdri_personality **p, char *name, size_t len,
		       unsigned int *queues)
{
	char pers[64];
	const char *comma = strchr(v, ',');
	size_t n = comma ? (size_t)(comma - v) : strlen(v);

	if (n >= sizeof(pers))
		return -1;
	memcpy(pers, v, n);
	pers[n] = '\0';
	*p = fdri_personality_find(pers);
	if (!*p)
		return -1;
	snprintf(name, len, "%s", (*p)->name);
	*queues = 0;
	while (comma) {
		const char *kv = comma + 1;
		char val[64];

		comma = strchr(kv, ',');
		n = comma ? (size_t)(comma - kv) : strlen(kv);
		if (!strncmp(kv, "name=", 5) && n > 5 && n - 5 < len && n - 5 < sizeof(val)) {
			memcpy(name, kv + 5, n - 5);
			name[n - 5] = '\0';
			if (strpbrk(name, " \t\n/"))
				return -1;
		} else if (!strncmp(kv, "queues=", 7) && n > 7 && n - 7 < sizeof(val)) {
			uint64_t q;

			memcpy(val, kv + 7, n - 7);
			val[n - 7] = '\0';
			if (parse_number(val, false, FDRI_GPU_MAX_QUEUES, &q) || !q)
				return -1;
			*queues = (unsigned int)q;
		} else {
			return -1;
		}
	}
	return 0;
}

static void bad_device(const char *opt, const char *v)
{
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not PERSONALITY[,name=DRIVER_NAME][,queues=N] with "
		 "PERSONALITY fakedri or vgem and N from 1 to %d", opt, v, FDRI_GPU_MAX_QUEUES);
}

static int check_device(const char *opt, const char *v)
{
	const struct fdri_personality *p;
	char name[64];
	unsigned int queues;

	if (!device_spec(v, &p, name, sizeof(name), &queues))
		return 0;
	bad_device(opt, v);
	return -1;
}

static int check_hazards(const char *opt, const char *v)
{
	if (!strcmp(v, "off") || !strcmp(v, "log") || !strcmp(v, "error"))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not off, log or error", opt, v);
	return -1;
}

static int check_seed(const char *opt, const char *v)
{
	uint64_t n;

	if (!parse_number(v, false, UINT64_MAX, &n))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not a number (the seed)", opt, v);
	return -1;
}

static int check_log_level(const char *opt, const char *v)
{
	if (fdri_log_parse(v) >= 0)
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': unknown level (error, warn, info, debug or trace)",
		 opt, v);
	return -1;
}

static int check_cuse_node(const char *opt, const char *v)
{
	struct fdri_cuse_node_cfg nc;

	if (!fdri_cuse_parse_node(v, &nc)) {
		free((char *)nc.devname);
		return 0;
	}
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not DEVNAME:TYPE[:MODE[:GROUP]] with TYPE primary or render, MODE octal, GROUP an existing group",
		 opt, v);
	return -1;
}

#define NCUSE_MAX (int)(sizeof(((struct fdri_daemon_opts *)0)->cuse_nodes) / sizeof(char *))

/* the offset of an option that takes no value */
#define DOPT_FLAG (SIZE_MAX - 1)

/* The daemon's options; keep fdri_daemon_opts_help and docs/man in step
 * (tests/install/test_man.sh checks that every option is in both). */
static const struct daemon_opt {
	const char *name;
	size_t off;        /* of the value; SIZE_MAX: handled below */
	int (*check)(const char *opt, const char *val);
} daemon_opts[] = {
	{ "--socket", offsetof(struct fdri_daemon_opts, socket), NULL },
	{ "--personality", offsetof(struct fdri_daemon_opts, personality), check_personality },
	{ "--driver-name", offsetof(struct fdri_daemon_opts, driver_name), NULL },
	{ "--card", offsetof(struct fdri_daemon_opts, card), NULL },
	{ "--render", offsetof(struct fdri_daemon_opts, render), NULL },
	{ "--alias", offsetof(struct fdri_daemon_opts, alias), NULL },
	{ "--spin-us", offsetof(struct fdri_daemon_opts, spin_us), check_spin_us },
	{ "--ready-fd", offsetof(struct fdri_daemon_opts, ready_fd), check_ready_fd },
	{ "--mem-limit", offsetof(struct fdri_daemon_opts, mem_limit), check_mem_limit },
	{ "--vgem-fence-timeout", offsetof(struct fdri_daemon_opts, vgem_fence_timeout),
	  check_timeout_ms },
	{ "--trace", offsetof(struct fdri_daemon_opts, trace), NULL },
	{ "--poison", DOPT_FLAG, NULL },
	{ "--hazards", offsetof(struct fdri_daemon_opts, hazards), check_hazards },
	{ "--jitter", offsetof(struct fdri_daemon_opts, jitter), check_seed },
	{ "--log-level", SIZE_MAX, check_log_level },
	{ "--cuse", DOPT_FLAG, NULL },
	{ "--cuse-node", SIZE_MAX, check_cuse_node },
	{ "--device", SIZE_MAX, check_device },
	{ "--limit", SIZE_MAX, check_limit },
	{ "--fault", SIZE_MAX, check_fault },
	{ "--fault-log", offsetof(struct fdri_daemon_opts, fault_log), NULL },
	{ "--fault-replay", offsetof(struct fdri_daemon_opts, fault_replay), NULL },
	{ "--fault-calls", offsetof(struct fdri_daemon_opts, fault_calls), NULL },
	{ "--job-timeout", offsetof(struct fdri_daemon_opts, job_timeout), check_duration },
	{ "--node-perm", SIZE_MAX, fdri_node_perm_check_opt },
};

/* for a long-lived daemon only (fakedri daemon, fakedrid), not for run */
static const char *const daemon_only_opts[] = { "--socket", "--cuse", "--cuse-node" };

#define NDAEMON_OPTS (sizeof(daemon_opts) / sizeof(daemon_opts[0]))
_Static_assert(NDAEMON_OPTS < FDRI_DAEMON_MAX_OPTS, "raise FDRI_DAEMON_MAX_OPTS");

/**
 * fdri_daemon_longopts() - the daemon's options as getopt_long(3) options.
 * @lo: where to write them, FDRI_DAEMON_MAX_OPTS entries at least
 *
 * Each option's val is FDRI_DAEMON_OPT_BASE plus its index, for
 * fdri_daemon_set_opt(). The entries are not terminated.
 *
 * Return: how many were written.
 */
size_t fdri_daemon_longopts(struct option *lo)
{
	for (size_t k = 0; k < NDAEMON_OPTS; k++)
		lo[k] = (struct option){
			.name = daemon_opts[k].name + 2,
			.has_arg = daemon_opts[k].off == DOPT_FLAG ? no_argument : required_argument,
			.val = FDRI_DAEMON_OPT_BASE + (int)k,
		};
	return NDAEMON_OPTS;
}

static const struct daemon_opt *daemon_opt(int val)
{
	size_t k = (size_t)(val - FDRI_DAEMON_OPT_BASE);

	return val >= FDRI_DAEMON_OPT_BASE && k < NDAEMON_OPTS ? &daemon_opts[k] : NULL;
}

/**
 * fdri_daemon_opt_name() - the name of a daemon option, "--socket".
 * @val: its getopt value (fdri_daemon_longopts())
 *
 * Return: the name, or NULL if @val is not one of the daemon's options.
 */
const char *fdri_daemon_opt_name(int val)
{
	const struct daemon_opt *d = daemon_opt(val);

	return d ? d->name : NULL;
}

/**
 * fdri_daemon_opt_daemon_only() - whether an option is for a long-lived
 * daemon only (fakedri daemon, fakedrid), not for fakedri run.
 * @val: its getopt value
 */
bool fdri_daemon_opt_daemon_only(int val)
{
	const struct daemon_opt *d = daemon_opt(val);

	for (size_t k = 0; d && k < sizeof(daemon_only_opts) / sizeof(daemon_only_opts[0]); k++)
		if (!strcmp(d->name, daemon_only_opts[k]))
			return true;
	return false;
}

#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A repeatable option's value @v appended to @list (@n of @cap used): 1,
 * or -1 (logged, naming @arg, @v and the limit in @what) when it is full. */
static int opt_append(const char **list, int *n, int cap, const char *arg, const char *v,
		      const char *what)
{
	if (*n >= cap) {
		fdri_log(FDRI_LOG_ERROR, "%s %s: at most %d %s", arg, v, cap, what);
		return -1;
	}
	list[(*n)++] = v;
	return 1;
}

/**
 * fdri_daemon_set_opt() - check one daemon option's value and record it.
 * @o: the options being built
 * @val: the option's getopt value (fdri_daemon_longopts())
 * @v: its value (NULL for a flag)
 *
 * Return: 1 if @val is a daemon option and was set, 0 if it is not one of
 * them, -1 if its value is bad, which it has reported in one line naming
 * the option, the value and what is accepted.
 */
int fdri_daemon_set_opt(struct fdri_daemon_opts *o, int val, const char *v)
{
	const struct daemon_opt *d = daemon_opt(val);
	const char *arg;

	if (!d)
		return 0;
	arg = d->name;
	if (!strcmp(arg, "--cuse")) {
		o->cuse = true;
		return 1;
	}
	if (!strcmp(arg, "--poison")) {
		o->poison = true;
		return 1;
	}
	if (d->check && d->check(arg, v))
		return -1;
	if (d->off != SIZE_MAX) {
		*(const char **)((char *)o + d->off) = v;
	} else if (!strcmp(arg, "--log-level")) {
		fdri_log_level = fdri_log_parse(v);
	} else if (!strcmp(arg, "--device")) {
		return opt_append(o->devices, &o->ndevices, FDRI_DAEMON_MAX_DEVICES, arg, v,
				  "devices");
	} else if (!strcmp(arg, "--limit")) {
		return opt_append(o->limits, &o->nlimits, ARRAY_LEN(o->limits), arg, v,
				  "--limit options");
	} else if (!strcmp(arg, "--fault")) {
		return opt_append(o->faults, &o->nfaults, FDRI_DAEMON_MAX_FAULTS, arg, v,
				  "--fault options");
	} else if (!strcmp(arg, "--node-perm")) {
		return opt_append(o->node_perms, &o->nnode_perms, ARRAY_LEN(o->node_perms), arg,
				  v, "--node-perm options");
	} else {
		if (opt_append(o->cuse_nodes, &o->ncuse_nodes, NCUSE_MAX, arg, v, "CUSE nodes") < 0)
			return -1;
		o->cuse = true;
	}
	return 1;
}

/* The byte count of a checked --mem-limit; 0 (none) without one. */
static uint64_t mem_limit(const struct fdri_daemon_opts *o)
{
	uint64_t n = 0;

	if (o->mem_limit && parse_number(o->mem_limit, true, UINT64_MAX, &n))
		n = 0;
	return n;
}

/*
 * The socket's directory must be ours; create it if missing, but not its
 * parents: a path whose parent is missing is more likely a mistake than a
 * wish. Normally it is private (created 0700: only our user reaches the
 * socket), or 0711 so that other users reach it and the nodes' modes
 * decide what they may open (fakedri run's directory).
 * With --cuse, users of the CUSE nodes must reach it to bind their open
 * files, so it may be 0755 (never writable by others) and the socket is
 * 0666; the server then serves other users only connections that bind with
 * a token, which only an opener of a CUSE node can have. Sets *made if it
 * created the directory.
 */
static int socket_dir(const char *sock, bool shared, bool *made)
{
	/* 0711 lets other users reach the socket (node modes decide what they
	 * may open) without listing the directory (docs/security.md) */
	mode_t forbidden = shared ? 022 : 066;
	char tmp[PATH_MAX], parent[PATH_MAX];
	struct stat st;
	char *dir;

	snprintf(tmp, sizeof(tmp), "%s", sock);
	dir = dirname(tmp);
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT) {
			fdri_log(FDRI_LOG_ERROR, "cannot use socket directory %s: %s", dir, strerror(errno));
			return -1;
		}
		if (mkdir(dir, shared ? 0755 : 0700) < 0) {
			int e = errno;
			struct stat pst;

			snprintf(parent, sizeof(parent), "%s", dir);
			if (e == ENOENT && stat(dirname(parent), &pst) < 0)
				fdri_log(FDRI_LOG_ERROR, "cannot create socket directory %s: %s (%s does not exist)",
					 dir, strerror(e), parent);
			else
				fdri_log(FDRI_LOG_ERROR, "cannot create socket directory %s: %s", dir, strerror(e));
			return -1;
		}
		fdri_log(FDRI_LOG_INFO, "created socket directory %s", dir);
		*made = true;
		if (stat(dir, &st) < 0) {
			fdri_log(FDRI_LOG_ERROR, "cannot use socket directory %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		fdri_log(FDRI_LOG_ERROR, "cannot use socket directory %s: %s", dir, strerror(ENOTDIR));
		return -1;
	}
	if (st.st_uid != geteuid()) {
		fdri_log(FDRI_LOG_ERROR, "socket directory %s is owned by uid %u, not by us (uid %u)",
			 dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if (st.st_mode & forbidden) {
		fdri_log(FDRI_LOG_ERROR, "socket directory %s has mode %04o: it must be %s", dir,
			 (unsigned)(st.st_mode & 07777),
			 shared ? "not writable by others (mode 0755 or stricter)" :
			 "private (mode 0700), or 0711 to let other users open nodes");
		return -1;
	}
	return 0;
}

/* Every client holds fds in the daemon (its connection, its channels, the
 * dma-bufs it imported): allow as many as the hard limit permits. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --ready-fd: tell whoever started us that clients can come */
static void tell_ready(struct fdri_daemon *d)
{
	if (d->ready_fd < 0)
		return;
	if (write(d->ready_fd, "ready\n", 6) != 6)
		fdri_log(FDRI_LOG_WARN, "cannot write to the ready fd: %s", strerror(errno));
	close(d->ready_fd);
	d->ready_fd = -1;
}

/* A CUSE node is up: publish its dev_t in the sysroot for the shim. */
static void cuse_ready(void *ctx, const struct fdri_cuse_node_cfg *nc, dev_t rdev)
{
	struct fdri_daemon *d = ctx;
	char path[160];
	struct fdri_cuse_sysfs n = { path, nc->type, major(rdev), minor(rdev) };
	int ret;

	snprintf(path, sizeof(path), "/dev/%s", nc->devname);
	ret = rdev ? fdri_sysroot_add_cuse(d->root, nc->device, d->ddev[nc->device].platform, &n) : 0;
	if (ret)
		fdri_log(FDRI_LOG_WARN, "cannot publish %s in %s (the shim will not bind it): %s",
			 path, d->root, strerror(-ret));
	if (--d->cuse_pending == 0)
		tell_ready(d);
}

/* --- the GPU's hooks: the trace, hazard reports, counts --- */

static void gpu_job_submitted(void *priv, const struct fdri_gpu_job_info *job)
{
	struct fdri_daemon_dev *dd = priv;

	dd->d->jobs++;
	if (dd->d->trace)
		fdri_trace_job_submitted(dd->d->trace, dd->index, job);
}

static void gpu_job_done(void *priv, const struct fdri_gpu_job_info *job)
{
	struct fdri_daemon_dev *dd = priv;

	if (dd->d->trace)
		fdri_trace_job_done(dd->d->trace, dd->index, job);
}

static void gpu_hazard(void *priv, const struct fdri_gpu_hazard_info *hz)
{
	struct fdri_daemon_dev *dd = priv;
	const struct fdri_gpu_job_info *job = hz->job;
	char other[128] = "";

	dd->d->hazards++;
	if (hz->other_is_job)
		snprintf(other, sizeof(other), " (queue %u, file %llu, context %u)", hz->other_queue,
			 (unsigned long long)hz->other_file_id, hz->other_ctx_id);
	fdri_log(FDRI_LOG_WARN, "sync hazard on device %u: job %llu:%llu (queue %u, file %llu, "
		 "context %u) %s buffer %llu (handle %u) without waiting for the pending %s of "
		 "fence %llu:%llu%s", dd->index, (unsigned long long)job->fence_context,
		 (unsigned long long)job->seqno, job->queue, (unsigned long long)job->file_id,
		 job->ctx_id, hz->job_writes ? "writes" : "reads", (unsigned long long)hz->bo_id,
		 hz->bo_handle, hz->other_writes ? "write" : "read",
		 (unsigned long long)hz->other_context, (unsigned long long)hz->other_seqno, other);
	if (dd->d->trace)
		fdri_trace_hazard(dd->d->trace, dd->index, hz);
}

/* A job timed out: its queue resets (drm_sched's timedout_job). */
static void gpu_reset(void *priv, const struct fdri_gpu_job_info *job)
{
	struct fdri_daemon_dev *dd = priv;

	fdri_log(FDRI_LOG_WARN, "GPU reset on device %u: job %llu:%llu (queue %u, file %llu, "
		 "context %u, pid %d) timed out; its context is banned",
		 dd->index, (unsigned long long)job->fence_context, (unsigned long long)job->seqno,
		 job->queue, (unsigned long long)job->file_id, job->ctx_id, (int)job->pid);
}

static const struct fdri_gpu_events gpu_events = {
	.job_submitted = gpu_job_submitted,
	.job_done = gpu_job_done,
	.hazard = gpu_hazard,
	.reset = gpu_reset,
};

/* A call that waited in the daemon: a slice on the caller's thread. */
static void trace_wait_done(void *priv, const struct fdri_req *req, int ret, int64_t end_ns)
{
	struct fdri_daemon *d = priv;
	const struct fdri_ioctl_desc *desc = req->args.desc;

	fdri_trace_wait(d->trace, req->who.pid, req->who.tid, desc && desc->name ? desc->name : "ioctl",
			req->parked_ns, end_ns, ret);
}

/* Every device's GPU, as the options say; 0 or -1 (reported). */
static int daemon_gpus(struct fdri_daemon *d, const struct fdri_daemon_opts *o)
{
	for (unsigned k = 0; k < d->ndevs; k++) {
		struct fdri_gpu_config gc = {
			.queues = d->ddev[k].queues,
			.poison = o->poison,
			.hazards = !o->hazards || !strcmp(o->hazards, "log") ? FDRI_HAZARDS_LOG :
				   !strcmp(o->hazards, "error") ? FDRI_HAZARDS_ERROR : FDRI_HAZARDS_OFF,
		};
		int ret;

		if (o->job_timeout) {
			int64_t ns = 0;

			parse_duration(o->job_timeout, &ns); /* checked already */
			gc.job_timeout_ns = (uint64_t)ns;
		}
		if (o->jitter) {
			uint64_t seed = 0;

			parse_number(o->jitter, false, UINT64_MAX, &seed);
			gc.jitter = true;
			gc.jitter_seed = seed + k; /* each device its own sequence */
		}
		d->ddev[k].d = d;
		d->ddev[k].index = k;
		d->ddev[k].gc = gc; /* for a rebind */
		ret = fdri_gpu_configure(d->devs[k], &gc);
		if (!ret)
			ret = fdri_gpu_set_events(d->devs[k], &gpu_events, &d->ddev[k]);
		if (ret) {
			fdri_log(FDRI_LOG_ERROR, "cannot set device %u's GPU up: %s", k, strerror(-ret));
			return -1;
		}
	}
	if (!o->trace)
		return 0;
	d->trace = fdri_trace_open(o->trace, d->devs[0]->host->now(d->devs[0]->host_ctx));
	if (!d->trace) {
		fdri_log(FDRI_LOG_ERROR, "cannot write the trace %s: %s", o->trace, strerror(errno));
		return -1;
	}
	for (unsigned k = 0; k < d->ndevs; k++) {
		fdri_trace_add_device(d->trace, k, d->ddev[k].name, fdri_gpu_num_queues(d->devs[k]));
		d->devs[k]->wait_hook.done = trace_wait_done;
		d->devs[k]->wait_hook.priv = d;
	}
	return 0;
}

/* --- fault injection: the registry, its log, its call list --- */

/* What a site is called in the log and in --fault-calls. */
static const char *site_name(enum fdri_fault_target t, const char *name)
{
	switch (t) {
	case FDRI_FAULT_T_IOCTL: return name ? name : "ioctl";
	case FDRI_FAULT_T_JOB: return "job";
	case FDRI_FAULT_T_FENCE: return "fence";
	case FDRI_FAULT_T_ALLOC: return "alloc";
	case FDRI_FAULT_T_MMAP: return "mmap";
	case FDRI_FAULT_T_DEVICE: return "device";
	}
	return "?";
}

/*
 * An injection: a warning naming the site, its call number and what was
 * done, and, with --fault-log, the record's spec, which replays exactly it:
 * the fault's target and action at that call number, without the triggers
 * and filters that chose it (a pid differs from run to run, the call
 * number does not while the program's calls come in the same order); a
 * limit= refusal is an errno at the call that allocated.
 */
static void fault_recorded(void *priv, const struct fdri_fault_record *rec)
{
	struct fdri_daemon *d = priv;
	char spec[FDRI_FAULT_SPEC_MAX];

	fdri_fault_format(&rec->spec, spec, sizeof(spec));
	fdri_log(FDRI_LOG_WARN, "fault %u injected at call %llu (%s, pid %d): %s", rec->fault_id,
		 (unsigned long long)rec->call, rec->site_name ? rec->site_name :
		 site_name(rec->spec.target, rec->spec.name), (int)rec->pid, spec);
	if (d->fault_log)
		fprintf(d->fault_log, "%s\n", spec);
}

/* --fault-calls: every numbered site. */
static void fault_call(void *priv, uint64_t call, const struct fdri_fault_site *site)
{
	struct fdri_daemon *d = priv;

	fprintf(d->fault_calls, "%llu %s %d\n", (unsigned long long)call,
		site_name(site->target, site->name), (int)site->pid);
}

/* The registry of the options, given to every device. 0 or -1 (reported). */
static int daemon_faults(struct fdri_daemon *d, const struct fdri_daemon_opts *o)
{
	const char *env = getenv("FAKEDRI_FAULTS");
	int64_t now = d->devs[0]->host->now(d->devs[0]->host_ctx);

	d->faults = fdri_faults_create();
	if (!d->faults) {
		fdri_log(FDRI_LOG_ERROR, "cannot start the daemon: %s", strerror(ENOMEM));
		return -1;
	}
	if (env && env_faults(env, d->faults, now))
		return -1;
	for (int k = 0; k < o->nfaults; k++) {
		struct fdri_fault_spec spec;

		if (check_fault_spec("--fault", o->faults[k], &spec))
			return -1;
		if (fdri_faults_add(d->faults, &spec, now) < 0) {
			fdri_log(FDRI_LOG_ERROR, "cannot arm fault '%s': %s", o->faults[k],
				 strerror(ENOMEM));
			return -1;
		}
	}
	if (o->fault_replay && replay_faults(o->fault_replay, d->faults, now))
		return -1;
	if (o->fault_log) {
		d->fault_log = fopen(o->fault_log, "we");
		if (!d->fault_log) {
			fdri_log(FDRI_LOG_ERROR, "--fault-log %s: %s", o->fault_log, strerror(errno));
			return -1;
		}
		setvbuf(d->fault_log, NULL, _IOLBF, 0); /* complete if we die */
	}
	if (o->fault_calls) {
		d->fault_calls = fopen(o->fault_calls, "we");
		if (!d->fault_calls) {
			fdri_log(FDRI_LOG_ERROR, "--fault-calls %s: %s", o->fault_calls, strerror(errno));
			return -1;
		}
		fdri_faults_set_call_hook(d->faults, fault_call, d);
	}
	fdri_faults_set_record_hook(d->faults, fault_recorded, d);
	for (unsigned k = 0; k < d->ndevs; k++)
		fdri_device_set_faults(d->devs[k], d->faults);
	return 0;
}

/* After the devices are gone: nothing calls the hooks any more. */
static void daemon_faults_close(struct fdri_daemon *d)
{
	if (d->fault_log && fclose(d->fault_log))
		fdri_log(FDRI_LOG_ERROR, "writing the fault log failed: %s", strerror(errno));
	if (d->fault_calls && fclose(d->fault_calls))
		fdri_log(FDRI_LOG_ERROR, "writing the fault calls failed: %s", strerror(errno));
	d->fault_log = d->fault_calls = NULL;
	fdri_faults_put(d->faults);
	d->faults = NULL;
}

uint64_t fdri_daemon_faults(const struct fdri_daemon *d)
{
	return fdri_faults_injected(d->faults);
}

uint64_t fdri_daemon_fault_calls(const struct fdri_daemon *d)
{
	return fdri_faults_calls(d->faults);
}

uint64_t fdri_daemon_hazards(const struct fdri_daemon *d)
{
	return d->hazards;
}

uint64_t fdri_daemon_jobs(const struct fdri_daemon *d)
{
	return d->jobs;
}

/* The devices of the options: each --device, or one of --personality. */
static int daemon_devices(struct fdri_daemon *d, const struct fdri_daemon_opts *o)
{
	if (o->ndevices && (o->personality || o->driver_name)) {
		fdri_log(FDRI_LOG_ERROR, "--personality and --driver-name describe the only device: "
			 "with --device, use --device %s,name=...", o->personality ? o->personality : "fakedri");
		return -1;
	}
	if (!o->ndevices) {
		const struct fdri_personality *p = fdri_personality_find(o->personality);

		if (!p) {
			fdri_log(FDRI_LOG_ERROR, "unknown personality '%s' (fakedri or vgem)",
				 o->personality);
			return -1;
		}
		d->ddev[0].pers = *p;
		snprintf(d->ddev[0].name, sizeof(d->ddev[0].name), "%s",
			 o->driver_name ? o->driver_name : p->name);
		d->ndevs = 1;
	}
	for (int k = 0; k < o->ndevices; k++) {
		const struct fdri_personality *p;

		if (device_spec(o->devices[k], &p, d->ddev[k].name, sizeof(d->ddev[k].name),
				&d->ddev[k].queues)) {
			bad_device("--device", o->devices[k]);
			return -1;
		}
		d->ddev[k].pers = *p;
		d->ndevs = (unsigned)k + 1;
	}
	for (unsigned k = 0; k < d->ndevs; k++) {
		d->ddev[k].has_driver = strcmp(d->ddev[k].pers.name, "vgem") != 0;
		d->ddev[k].pers.name = d->ddev[k].name;
	}
	return 0;
}

/* --- bind and unbind: the device lifecycle of docs/hotplug.md --- */

/* Does @dev still hold its minors: a file open, or an object or dma-buf
 * alive (each holds the drm_device, whose release frees the minors)? */
static bool device_busy(const struct fdri_device *dev)
{
	return !fdri_list_empty(&dev->files) || dev->stats.objects || dev->stats.dmabufs;
}

/* Is the replaced device @dev still held by anything: a file, an object,
 * a dma-buf, a GPU job, a parked request or a connection to it? */
static bool zombie_busy(const struct fdri_daemon *d, const struct fdri_device *dev)
{
	return device_busy(dev) || dev->stats.jobs || dev->stats.parked ||
	       (d->srv && fdri_server_device_used(d->srv, dev));
}

/* Frees the replaced devices nothing holds any more. */
static void zombies_reap(struct fdri_daemon *d)
{
	for (unsigned int z = 0; z < d->nzombies;) {
		struct daemon_zombie *zb = &d->zombies[z];

		if (zombie_busy(d, zb->dev)) {
			z++;
			continue;
		}
		fdri_log(FDRI_LOG_INFO, "the device bind replaced (card%d, renderD%d) is freed: "
			 "nothing holds it", zb->minors[0], zb->minors[1]);
		fdri_device_destroy(zb->dev);
		*zb = d->zombies[--d->nzombies];
	}
}

static void reap_cb(evutil_socket_t fd, short what, void *data)
{
	(void)fd;
	(void)what;
	zombies_reap(data);
}

/* A connection went: maybe the last hold on a replaced device. Reaped
 * from the loop, not inside the server's callback. */
static void conn_released(void *data)
{
	struct fdri_daemon *d = data;

	if (d->nzombies && d->reap_ev)
		event_active(d->reap_ev, EV_TIMEOUT, 1);
}

/* Is minor @m (of type @t) held by a device other than slot @k? */
static bool minor_held(const struct fdri_daemon *d, unsigned int k, int t, int m)
{
	for (unsigned int j = 0; j < d->ndevs; j++)
		if (j != k && !d->ddev[j].unbound && d->devs[j]->minors[t] == m)
			return true;
	for (unsigned int z = 0; z < d->nzombies; z++)
		if (d->zombies[z].minors[t] == m && device_busy(d->zombies[z].dev))
			return true;
	return false;
}

/* The device's `bind`/`unbind` uevent of its platform device. */
static void platform_event(struct fdri_daemon *d, unsigned int k, const char *action)
{
	char devpath[128], driver[96], modalias[96];
	struct fdri_uevent ev = { .action = action, .devpath = devpath, .subsystem = "platform" };

	snprintf(devpath, sizeof(devpath), "/devices/platform/%s", d->ddev[k].platform);
	snprintf(driver, sizeof(driver), "DRIVER=%s", d->ddev[k].name);
	snprintf(modalias, sizeof(modalias), "MODALIAS=platform:%s", d->ddev[k].platform);
	if (!strcmp(action, "bind"))
		ev.props[ev.nprops++] = driver;
	ev.props[ev.nprops++] = modalias;
	fdri_hotplug_emit(d->hotplug, &ev);
}

/* unbind: the driver's remove(), drm_dev_unplug(): open files fail with
 * ENODEV from now on, the nodes go (remove events), then the platform
 * device's unbind event. */
static int daemon_unbind(struct fdri_daemon *d, unsigned int k)
{
	int ret;

	fdri_device_unplug(d->devs[k]);
	zombies_reap(d);
	ret = fdri_sysroot_remove_nodes(d->root, (int)k, d->ddev[k].platform);
	if (!ret)
		ret = fdri_sysroot_bind_driver(d->root, d->ddev[k].platform, d->ddev[k].name, false);
	if (ret)
		fdri_log(FDRI_LOG_WARN, "unbind of device %u: sysroot %s: %s", k, d->root,
			 strerror(-ret));
	d->ddev[k].unbound = true;
	platform_event(d, k, "unbind");
	fdri_log(FDRI_LOG_INFO, "device %u (%s) unbound", k, d->ddev[k].platform);
	return 0;
}

/* bind: the driver's probe() makes a new device of the same configuration,
 * with the lowest free minors (drm_minor_alloc()); the old one lives on
 * for its open files. */
static int daemon_bind(struct fdri_daemon *d, unsigned int k)
{
	struct fdri_device *old = d->devs[k], *dev;
	struct fdri_node_cfg nodes[3] = { { .type = FDRI_NODE_PRIMARY }, { .type = FDRI_NODE_RENDER } };
	int minors[2], nnodes = 2, ret;
	uint64_t instance;

	zombies_reap(d);
	if (d->nzombies == d->capzombies) {
		unsigned int cap = d->capzombies ? 2 * d->capzombies : 8;
		struct daemon_zombie *z = realloc(d->zombies, cap * sizeof(*z));

		if (!z)
			return -ENOMEM;
		d->zombies = z;
		d->capzombies = cap;
	}
	for (int t = 0; t < 2; t++) {
		int m = t ? 128 : 0;

		while (m < (t ? 192 : 64) &&
		       ((old->minors[t] == m && device_busy(old)) || minor_held(d, k, t, m)))
			m++;
		if (m >= (t ? 192 : 64))
			return -ENOSPC;
		minors[t] = m;
	}
	if (getrandom(&instance, sizeof(instance), 0) != sizeof(instance))
		instance = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ k;
	dev = fdri_device_create(&d->ddev[k].pers, old->host, old->host_ctx, instance);
	if (!dev)
		return -ENOMEM;
	dev->mem_limit = old->mem_limit;
	dev->vgem_fence_timeout_ns = old->vgem_fence_timeout_ns;
	dev->wait_hook = old->wait_hook;
	fdri_device_set_clients(dev, old->clients);
	fdri_device_set_fdobjs(dev, old->fdobjs);
	fdri_device_set_faults(dev, d->faults);
	ret = fdri_gpu_configure(dev, &d->ddev[k].gc);
	if (!ret)
		ret = fdri_gpu_set_events(dev, &gpu_events, &d->ddev[k]);
	if (ret) {
		fdri_device_destroy(dev);
		return ret;
	}
	fdri_device_set_identity(dev, d->ddev[k].platform, minors[0], minors[1]);
	/* the old device: no minors of its own any more (fault device=N and
	 * the sysroot name the new one), kept while something holds it */
	fdri_hotplug_unwatch(d->hotplug, k);
	d->zombies[d->nzombies].dev = old;
	d->zombies[d->nzombies].minors[0] = old->minors[0];
	d->zombies[d->nzombies].minors[1] = old->minors[1];
	d->nzombies++;
	fdri_device_set_identity(old, d->ddev[k].platform, -1, -1);
	d->devs[k] = dev;
	fdri_server_set_device(d->srv, k, dev);
	fdri_hotplug_watch(d->hotplug, k, dev, d->ddev[k].platform);
	nodes[0].minor = minors[0];
	nodes[1].minor = minors[1];
	if (k == 0 && d->alias[0]) {
		nodes[2].path = d->alias;
		nodes[2].type = FDRI_NODE_PRIMARY;
		nodes[2].minor = minors[0];
		nnodes = 3;
	}
	ret = fdri_sysroot_add_nodes(d->root, (int)k, d->ddev[k].platform, nodes, nnodes);
	if (!ret)
		ret = fdri_sysroot_bind_driver(d->root, d->ddev[k].platform, d->ddev[k].name, true);
	if (ret)
		fdri_log(FDRI_LOG_WARN, "bind of device %u: sysroot %s: %s", k, d->root,
			 strerror(-ret));
	d->ddev[k].unbound = false;
	/* udev's rules run for the new nodes: no earlier chmod or chown */
	fdri_node_perms_reset(d->perms, k);
	fdri_hotplug_minors_event(d->hotplug, "add", d->ddev[k].platform, minors);
	platform_event(d, k, "bind");
	fdri_log(FDRI_LOG_INFO, "device %u (%s) bound: card%d, renderD%d", k, d->ddev[k].platform,
		 minors[0], minors[1]);
	zombies_reap(d); /* the one replaced, if nothing holds it */
	return 0;
}

/*
 * A write to /sys/bus/platform/drivers/<driver>/{bind,unbind} (the path
 * below the sysroot, links resolved): the device named by @value, one
 * trailing newline ignored (sysfs_streq()), as unbind_store() and
 * bind_store() do: ENODEV for no such device or another driver's, EBUSY
 * to bind a bound device.
 */
static int daemon_sysfs_write(void *ctx, const char *path, const char *value)
{
	struct fdri_daemon *d = ctx;
	char driver[64], op[16], name[64];
	size_t n = strlen(value);
	int end = 0;

	if (sscanf(path, "/sys/bus/platform/drivers/%63[^/]/%15s%n", driver, op, &end) != 2 ||
	    path[end] || (strcmp(op, "bind") && strcmp(op, "unbind")))
		return -EACCES; /* no such control file of ours */
	if (n && value[n - 1] == '\n')
		n--;
	if (n >= sizeof(name))
		return -ENODEV;
	memcpy(name, value, n);
	name[n] = '\0';
	for (unsigned int k = 0; k < d->ndevs && !d->cuse_mode; k++) {
		if (strcmp(d->ddev[k].platform, name))
			continue;
		if (!d->ddev[k].has_driver || strcmp(d->ddev[k].name, driver))
			return -ENODEV;
		if (!strcmp(op, "unbind"))
			return d->ddev[k].unbound ? -ENODEV : daemon_unbind(d, k);
		return d->ddev[k].unbound ? daemon_bind(d, k) : -EBUSY;
	}
	return -ENODEV;
}

struct fdri_daemon *fdri_daemon_start(struct event_base *base, const struct fdri_daemon_opts *o)
{
	struct fdri_sysroot_cfg cfg = { 0 };
	const char *sock = o->socket ? o->socket : o->cuse ? FDRI_DEFAULT_CUSE_SOCKET : NULL;
	struct sockaddr_un addr;
	struct fdri_daemon *d = NULL;
	struct fdri_clients *clients = NULL;
	bool made_dir = false;
	int ret;

	/* the options were checked by fdri_daemon_set_opt(); not all callers
	 * parse them, so what would crash below is checked again */
	if (!sock) {
		fdri_log(FDRI_LOG_ERROR, "no socket path (give --socket PATH, or --cuse for "
			 FDRI_DEFAULT_CUSE_SOCKET ")");
		return NULL;
	}
	if (strlen(sock) >= sizeof(addr.sun_path)) {
		fdri_log(FDRI_LOG_ERROR, "socket path %s is too long: %zu bytes, at most %zu",
			 sock, strlen(sock), sizeof(addr.sun_path) - 1);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		fdri_log(FDRI_LOG_ERROR, "cannot start the daemon: %s", strerror(ENOMEM));
		return NULL;
	}
	if (daemon_devices(d, o)) {
		free(d);
		return NULL;
	}
	raise_fd_limit();
	if (socket_dir(sock, o->cuse, &made_dir))
		goto fail_dir;
	d->ready_fd = o->ready_fd ? (int)strtol(o->ready_fd, NULL, 10) : -1;
	/* one registry of quotas for all devices: a process's quota covers them all */
	clients = fdri_clients_create();
	if (!clients) {
		fdri_log(FDRI_LOG_ERROR, "cannot start the daemon: %s", strerror(ENOMEM));
		goto fail;
	}
	daemon_limits(o, &clients->limits);
	for (unsigned k = 0; k < d->ndevs; k++) {
		uint64_t instance;

		if (getrandom(&instance, sizeof(instance), 0) != sizeof(instance))
			instance = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ k;
		d->devs[k] = fdri_device_create(&d->ddev[k].pers, &fdri_host_ops, base, instance);
		if (!d->devs[k]) {
			fdri_log(FDRI_LOG_ERROR, "cannot create device %u: %s", k, strerror(ENOMEM));
			goto fail;
		}
		d->devs[k]->mem_limit = mem_limit(o);
		if (o->vgem_fence_timeout) {
			uint64_t ms = 0;

			parse_number(o->vgem_fence_timeout, false, INT64_MAX / 1000000, &ms);
			d->devs[k]->vgem_fence_timeout_ns = (int64_t)ms * 1000000;
		}
		fdri_device_set_clients(d->devs[k], clients);
		/* one registry of fence fds: a sync_file of one device is
		 * usable on every other */
		if (k)
			fdri_device_set_fdobjs(d->devs[k], d->devs[0]->fdobjs);
	}
	fdri_clients_put(clients); /* the devices hold it */
	clients = NULL;
	if (daemon_gpus(d, o) || daemon_faults(d, o))
		goto fail;
	snprintf(d->root, sizeof(d->root), "%s.root", sock);
	cfg.root = d->root;
	for (unsigned k = 0; k < d->ndevs; k++) {
		struct fdri_sysroot_dev *sd;

		if (o->cuse) {
			/* no virtual nodes: they would shadow real ones; the CUSE
			 * nodes are added as they come up (cuse_ready) */
			sd = fdri_sysroot_add_dev(&cfg, FDRI_CUSE_PLATFORM);
			sd->nnodes = 0;
			continue;
		}
		sd = fdri_sysroot_add_dev(&cfg, d->ddev[k].name);
		if (k == 0) {
			/* device 0: card, render, alias */
			sd->nodes[0].path = o->card;
			sd->nodes[1].path = o->render;
			if (o->alias)
				sd->nodes[2].path = o->alias;
			if (o->alias && !*o->alias)
				sd->nnodes = 2;
		}
	}
	fdri_sysroot_remove(d->root);
	ret = fdri_sysroot_write(&cfg);
	/* the driver each platform device is bound to (docs/hotplug.md) */
	d->cuse_mode = o->cuse;
	snprintf(d->alias, sizeof(d->alias), "%s", o->alias ? o->alias : FDRI_DEFAULT_ALIAS);
	for (unsigned k = 0; k < d->ndevs && !ret && !o->cuse; k++)
		if (d->ddev[k].has_driver &&
		    !(ret = fdri_sysroot_add_driver(d->root, d->ddev[k].name)))
			ret = fdri_sysroot_bind_driver(d->root, cfg.devs[k].platform, d->ddev[k].name,
						       true);
	if (ret) {
		fdri_log(FDRI_LOG_ERROR, "cannot write the sysroot %s: %s", d->root, strerror(-ret));
		goto fail;
	}
	for (unsigned k = 0; k < d->ndevs; k++) {
		const struct fdri_sysroot_dev *sd = &cfg.devs[k];
		int minors[2] = { (int)k, 128 + (int)k }; /* CUSE: as the kernel would */

		for (int i = sd->nnodes - 1; i >= 0; i--)
			minors[sd->nodes[i].type == FDRI_NODE_TYPE_RENDER] = sd->nodes[i].minor;
		snprintf(d->ddev[k].platform, sizeof(d->ddev[k].platform), "%s", sd->platform);
		fdri_device_set_identity(d->devs[k], d->ddev[k].platform, minors[0], minors[1]);
	}
	/* --fault unplug,device=N[,after=D]: device faults need the minors */
	for (unsigned k = 0; k < d->ndevs; k++)
		fdri_fault_start_device(d->devs[k]);
	errno = 0;
	d->srv = fdri_server_create(base, d->devs, d->ndevs, sock);
	if (!d->srv) {
		fdri_log(FDRI_LOG_ERROR, "cannot listen on %s: %s", sock,
			 errno == EADDRINUSE ? "another daemon is serving it" :
			 errno == EEXIST ? "something that is not a socket is there" :
			 errno ? strerror(errno) : "event loop setup failed");
		goto fail;
	}
	if (!o->cuse) {
		/* the virtual nodes' owner, group and mode (docs/security.md) */
		struct fdri_node_perms *np = fdri_node_perms_create(&cfg, o->node_perms,
								    o->nnode_perms);

		if (!np)
			goto fail_srv;
		fdri_server_set_perms(d->srv, np);
		d->perms = np;
	}
	/* a replaced device goes with its last connection (docs/hotplug.md) */
	d->reap_ev = evtimer_new(base, reap_cb, d);
	if (!d->reap_ev)
		goto fail_srv;
	fdri_server_set_release_hook(d->srv, conn_released, d);
	/* uevents of the devices' unplugs, sysfs writes (docs/hotplug.md) */
	d->hotplug = fdri_hotplug_start(base, sock, d->srv, d->devs[0]->clients,
					daemon_sysfs_write, d);
	if (!d->hotplug)
		fdri_log(FDRI_LOG_WARN, "no uevents: cannot listen on %s%s: %s", sock,
			 FDRI_HOTPLUG_SUFFIX, strerror(errno));
	for (unsigned k = 0; k < d->ndevs; k++)
		fdri_hotplug_watch(d->hotplug, k, d->devs[k], d->ddev[k].platform);
	for (unsigned k = 0; k < d->ndevs; k++)
		fdri_log(FDRI_LOG_INFO, "serving device %u (%s) on %s", k, d->ddev[k].name, sock);
	if (o->cuse) {
		if (chmod(sock, 0666) < 0)
			fdri_log(FDRI_LOG_WARN, "chmod %s: %s", sock, strerror(errno));
		static const char *const def[] = { "fakedri:primary" };
		const char *const *specs = o->ncuse_nodes ? o->cuse_nodes : def;
		int n = o->ncuse_nodes ? o->ncuse_nodes : 1;

		fdri_server_set_bind_lookup(d->srv, fdri_cuse_lookup_token);
		for (int k = 0; k < n; k++) {
			struct fdri_cuse_node_cfg nc;

			if (fdri_cuse_parse_node(specs[k], &nc)) {
				fdri_log(FDRI_LOG_ERROR, "--cuse-node '%s': not [DEVICE:]DEVNAME:TYPE[:MODE[:GROUP]]",
					 specs[k]);
				goto fail_srv;
			}
			if ((unsigned)nc.device >= d->ndevs) {
				fdri_log(FDRI_LOG_ERROR, "--cuse-node '%s': there is no device %d",
					 specs[k], nc.device);
				free((char *)nc.devname);
				goto fail_srv;
			}
			d->cuse[d->ncuse] = fdri_cuse_start(base, d->devs[nc.device], d->srv, sock, &nc, -1);
			free((char *)nc.devname);
			if (!d->cuse[d->ncuse])
				goto fail_srv;
			fdri_cuse_set_ready(d->cuse[d->ncuse], cuse_ready, d);
			d->ncuse++;
			d->cuse_pending++;
		}
	}
	if (!d->cuse_pending)
		tell_ready(d);
	return d;
fail_srv:
	while (d->ncuse)
		fdri_cuse_stop(d->cuse[--d->ncuse]);
	fdri_hotplug_stop(d->hotplug);
	fdri_server_destroy(d->srv);
	if (d->reap_ev)
		event_free(d->reap_ev);
fail:
	fdri_clients_put(clients);
	fdri_sysroot_remove(d->root);
	for (unsigned k = 0; k < d->ndevs; k++)
		fdri_device_destroy(d->devs[k]);
	fdri_trace_close(d->trace);
	daemon_faults_close(d);
fail_dir:
	free(d);
	if (made_dir) {
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s", sock);
		rmdir(dirname(tmp));
	}
	return NULL;
}

void fdri_daemon_stop(struct fdri_daemon *d)
{
	if (!d)
		return;
	while (d->ncuse)
		fdri_cuse_stop(d->cuse[--d->ncuse]);
	fdri_hotplug_stop(d->hotplug);
	fdri_server_set_release_hook(d->srv, NULL, NULL);
	fdri_server_destroy(d->srv);
	if (d->reap_ev)
		event_free(d->reap_ev);
	fdri_sysroot_remove(d->root);
	for (unsigned k = 0; k < d->ndevs; k++)
		fdri_device_destroy(d->devs[k]);
	for (unsigned z = 0; z < d->nzombies; z++)
		fdri_device_destroy(d->zombies[z].dev);
	free(d->zombies);
	/* after the devices: their last jobs' ends are in it */
	if (fdri_trace_close(d->trace))
		fdri_log(FDRI_LOG_ERROR, "writing the trace failed: some events are missing");
	daemon_faults_close(d);
	free(d);
}

long fdri_daemon_spin_ns(const struct fdri_daemon_opts *o)
{
	long us = o->spin_us ? strtol(o->spin_us, NULL, 10) : 50;

	return us > 0 ? us * 1000 : 0;
}

void fdri_daemon_stats(const struct fdri_daemon *d, struct fdri_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned k = 0; k < d->ndevs + d->nzombies; k++) {
		const struct fdri_stats *s = k < d->ndevs ? &d->devs[k]->stats :
					     &d->zombies[k - d->ndevs].dev->stats;

		sum->ioctls += s->ioctls;
		sum->files_open += s->files_open;
		sum->objects += s->objects;
		sum->dmabufs += s->dmabufs;
		sum->backed_bytes += s->backed_bytes;
		sum->parked += s->parked;
		sum->jobs += s->jobs;
		sum->hazards += s->hazards;
	}
}
