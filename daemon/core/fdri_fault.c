/*
 * fdri_fault.c - the fault registry (fdri_fault.h, docs/faults.md): SPEC
 * parsing and canonical formatting, the errno names, the armed faults with
 * their trigger state, and the question every injectable site asks.
 *
 * Owns: struct fdri_faults (refcounted: fdri_faults_create() returns one
 * reference, each device holds one through fdri_device_set_faults(), the
 * last fdri_faults_put() frees it with its faults) and struct fdri_fault
 * (one armed fault, owned by the registry from fdri_faults_add() until
 * fdri_faults_clear() or the registry's end). Nothing outside this file
 * holds a pointer to a fault: fdri_faults_check() hands out copies.
 *
 * The registry does no I/O and never allocates on a site's path: the
 * armed faults are an array grown only by fdri_faults_add(). Parsing
 * reads the core's ioctl tables (read-only) to check ioctl names.
 */
#include "fdri_fault.h"
#include "fdri_fdobj.h"
#include "fdri_ioctl.h"
#include "fdri_sw_sync.h"
#include "fdri_sync_file.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <drm.h>

#define FDRI_FAULT_RESTARTS 8

struct fdri_fault {
	unsigned int id;
	struct fdri_fault_spec spec;
	int64_t armed_at;         /* host clock when armed (for after=) */
	uint64_t count;           /* matching calls that reached nth/interval */
	uint64_t fired;           /* injections */
	int64_t times_left;       /* -1: unlimited */
	uint64_t space_left;
	uint64_t rng;             /* splitmix64 state, seeded by spec.seed */
	/* restart=: the calls that failed, whose restarts are exempt once
	 * (a few threads at a time; the oldest is forgotten) */
	struct fdri_fault_restart {
		bool pending;
		pid_t tid;
		unsigned int cmd;
		uint64_t file;
	} restarts[FDRI_FAULT_RESTARTS];
	unsigned int restart_next;
};

struct fdri_faults {
	unsigned int refs;
	struct fdri_fault **v;    /* armed faults, arming order */
	unsigned int n, cap;
	unsigned int next_id;
	uint64_t calls;
	uint64_t injected;
	void (*record)(void *priv, const struct fdri_fault_record *rec);
	void *record_priv;
	void (*call_hook)(void *priv, uint64_t call, const struct fdri_fault_site *site);
	void *call_priv;
};

/* --- errno names --- */

#define E(x) { x, #x }
static const struct { int err; const char *name; } errnos[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
	E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
	E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(EFBIG),
	E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM),
	E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY),
	E(ENODATA), E(ETIME), E(ENOLINK), E(EPROTO), E(EOVERFLOW),
	E(EBADFD), E(EOPNOTSUPP), E(ENOBUFS), E(ETIMEDOUT), E(ECANCELED),
	E(EOWNERDEAD), E(ENOTRECOVERABLE), E(EHWPOISON), E(ENOMSG),
	E(EIDRM), E(ENOLCK), E(ENOTCONN), E(ECONNRESET), E(ESHUTDOWN),
	E(EALREADY), E(EINPROGRESS), E(ESTALE), E(EDQUOT), E(ENOKEY),
	E(EKEYEXPIRED), E(EKEYREVOKED), E(EKEYREJECTED), E(ERFKILL),
};
#undef E

/**
 * fdri_fault_errno_name() - the symbolic name of a positive errno.
 * @err: the errno.
 *
 * Returns a static string ("ENOMEM"), or NULL if the table has none.
 * EWOULDBLOCK and EDEADLOCK are EAGAIN and EDEADLK.
 */
const char *fdri_fault_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return NULL;
}

/**
 * fdri_fault_errno_parse() - a positive errno from its name.
 * @name: "ENOMEM" (case-insensitive), or a decimal number 1..4095.
 *
 * Returns the errno, or -1 if @name is neither.
 */
int fdri_fault_errno_parse(const char *name)
{
	char *end;
	long v;

	if (!name || !*name)
		return -1;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcasecmp(errnos[i].name, name))
			return errnos[i].err;
	if (!strcasecmp(name, "EWOULDBLOCK"))
		return EWOULDBLOCK;
	if (!strcasecmp(name, "EDEADLOCK"))
		return EDEADLOCK;
	if (!isdigit((unsigned char)*name))
		return -1;
	errno = 0;
	v = strtol(name, &end, 10);
	if (errno || *end || v < 1 || v > 4095)
		return -1;
	return (int)v;
}

/* --- ioctl groups --- */

static const struct { const char *word; uint32_t bit; } groups[] = {
	{ "gem", FDRI_FAULT_G_GEM },
	{ "prime", FDRI_FAULT_G_PRIME },
	{ "syncobj", FDRI_FAULT_G_SYNCOBJ },
	{ "kms", FDRI_FAULT_G_KMS },
	{ "gpu", FDRI_FAULT_G_GPU },
	{ "dmabuf", FDRI_FAULT_G_DMABUF },
	{ "syncfile", FDRI_FAULT_G_SYNCFILE },
};

static uint32_t group_bit(const char *word)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strcasecmp(groups[i].word, word))
			return groups[i].bit;
	return 0;
}

static bool prefixed(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/**
 * fdri_fault_ioctl_groups() - the groups an ioctl belongs to.
 * @name: the ioctl's table name ("GEM_CLOSE", "FAKEDRI_SUBMIT",
 *	"DMA_BUF_IOCTL_SYNC", "SYNC_IOC_MERGE"); NULL gives 0.
 *
 * Returns FDRI_FAULT_G_* bits: drivers' ioctls are "gpu", and their BO
 * ioctls (..._GEM_*) "gem" as well.
 */
uint32_t fdri_fault_ioctl_groups(const char *name)
{
	if (!name)
		return 0;
	if (prefixed(name, "GEM_"))
		return FDRI_FAULT_G_GEM;
	if (!strcmp(name, "MODE_CREATE_DUMB") || !strcmp(name, "MODE_MAP_DUMB") ||
	    !strcmp(name, "MODE_DESTROY_DUMB"))
		return FDRI_FAULT_G_GEM;
	if (prefixed(name, "PRIME_"))
		return FDRI_FAULT_G_PRIME;
	if (prefixed(name, "SYNCOBJ_"))
		return FDRI_FAULT_G_SYNCOBJ;
	if (prefixed(name, "MODE_"))
		return FDRI_FAULT_G_KMS;
	if (prefixed(name, "FAKEDRI_") || prefixed(name, "VGEM_"))
		return FDRI_FAULT_G_GPU | (strstr(name, "_GEM_") ? FDRI_FAULT_G_GEM : 0);
	if (prefixed(name, "DMA_BUF_"))
		return FDRI_FAULT_G_DMABUF;
	if (prefixed(name, "SYNC_IOC_") || prefixed(name, "SW_SYNC_"))
		return FDRI_FAULT_G_SYNCFILE;
	return 0;
}

/* --- parsing --- */

static const char *const target_names[] = {
	[FDRI_FAULT_T_IOCTL] = "ioctl",
	[FDRI_FAULT_T_JOB] = "job",
	[FDRI_FAULT_T_FENCE] = "fence",
	[FDRI_FAULT_T_ALLOC] = "alloc",
	[FDRI_FAULT_T_MMAP] = "mmap",
	[FDRI_FAULT_T_DEVICE] = "device",
};

/* Which actions a site of each target can carry out. */
static bool action_fits(enum fdri_fault_target t, enum fdri_fault_action a)
{
	switch (t) {
	case FDRI_FAULT_T_IOCTL:
		return a == FDRI_FAULT_A_ERRNO || a == FDRI_FAULT_A_RESTART ||
		       a == FDRI_FAULT_A_DELAY || a == FDRI_FAULT_A_UNPLUG;
	case FDRI_FAULT_T_JOB:
		return a == FDRI_FAULT_A_ERRNO || a == FDRI_FAULT_A_DELAY ||
		       a == FDRI_FAULT_A_FENCE_ERROR || a == FDRI_FAULT_A_HANG ||
		       a == FDRI_FAULT_A_UNPLUG;
	case FDRI_FAULT_T_FENCE:
		return a == FDRI_FAULT_A_ERRNO || a == FDRI_FAULT_A_FENCE_ERROR;
	case FDRI_FAULT_T_ALLOC:
		return a == FDRI_FAULT_A_ERRNO || a == FDRI_FAULT_A_ALLOC_FAIL ||
		       a == FDRI_FAULT_A_LIMIT;
	case FDRI_FAULT_T_MMAP:
		return a == FDRI_FAULT_A_ERRNO || a == FDRI_FAULT_A_UNPLUG;
	case FDRI_FAULT_T_DEVICE:
		return a == FDRI_FAULT_A_UNPLUG;
	}
	return false;
}

static const char *const action_names[] = {
	[FDRI_FAULT_A_ERRNO] = "errno",
	[FDRI_FAULT_A_RESTART] = "restart",
	[FDRI_FAULT_A_DELAY] = "delay",
	[FDRI_FAULT_A_FENCE_ERROR] = "fence-error",
	[FDRI_FAULT_A_HANG] = "hang",
	[FDRI_FAULT_A_ALLOC_FAIL] = "alloc-fail",
	[FDRI_FAULT_A_LIMIT] = "limit",
	[FDRI_FAULT_A_UNPLUG] = "unplug",
};

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (!v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static int parse_i64(const char *v, int64_t *out)
{
	uint64_t u;

	if (parse_u64(v, &u) || u > INT64_MAX)
		return -1;
	*out = (int64_t)u;
	return 0;
}

/* "10ms", "2s", "500us", "100ns", "1.5s"; a plain number is milliseconds. */
static int parse_duration(const char *v, int64_t *ns)
{
	char *end;
	double x, mul;

	if (!v || !(isdigit((unsigned char)*v) || *v == '.'))
		return -1;
	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v)
		return -1;
	if (!*end || !strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mul = 60e9;
	else
		return -1;
	x *= mul;
	if (!(x >= 0) || x > 9.2e18)
		return -1;
	*ns = (int64_t)(x + 0.5);
	return 0;
}

/* "4096", "4K", "16M", "1G" (powers of 1024; a trailing "B" or "iB" is fine). */
static int parse_size(const char *v, uint64_t *bytes)
{
	char *end;
	uint64_t x, mul = 1;

	if (!v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1ull << 10; end++; break;
	case 'M': mul = 1ull << 20; end++; break;
	case 'G': mul = 1ull << 30; end++; break;
	case 'T': mul = 1ull << 40; end++; break;
	}
	if (mul > 1 && (*end == 'i' || *end == 'I'))
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (mul > 1 && x > UINT64_MAX / mul))
		return -1;
	*bytes = x * mul;
	return 0;
}

static void spec_defaults(struct fdri_fault_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->probability = 1.0;
	s->times = -1;
	s->pid = s->file = s->ctx = s->queue = s->device = -1;
}

#define FAIL(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); \
		       return -EINVAL; } while (0)

static int set_action(struct fdri_fault_spec *s, enum fdri_fault_action a,
		      const char *item, char *err, size_t errlen)
{
	if (s->action && s->action != a)
		FAIL("'%s': a fault has one action, it already has %s", item,
		     action_names[s->action]);
	s->action = a;
	return 0;
}

static int set_target(struct fdri_fault_spec *s, enum fdri_fault_target t,
		      const char *item, char *err, size_t errlen)
{
	if (s->target && s->target != t)
		FAIL("'%s': a fault has one target, it already has %s", item,
		     target_names[s->target]);
	s->target = t;
	return 0;
}

static bool in_table(const struct fdri_ioctl_desc *t, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (t[i].cmd && t[i].name && !strcmp(t[i].name, name))
			return true;
	return false;
}

/* Whether some file of the daemon has an ioctl of that (table) name: the
 * core's and every personality's, and those of dma-buf and fence fds. */
static bool ioctl_known(const char *name)
{
	static const char *const pers[] = { "fakedri", "vgem" };

	for (size_t p = 0; p < sizeof(pers) / sizeof(pers[0]); p++) {
		/* fdri_ioctl_name() reads only the personality of the device */
		struct fdri_device dev = { .pers = fdri_personality_find(pers[p]) };

		if (!dev.pers)
			continue;
		for (unsigned int nr = 0; nr < 0x100; nr++)
			if (!strcmp(fdri_ioctl_name(&dev, DRM_IO(nr)), name))
				return true;
	}
	return in_table(fdri_dmabuf_ioctls, fdri_dmabuf_num_ioctls, name) ||
	       in_table(fdri_sync_file_type.ioctls, fdri_sync_file_type.num_ioctls, name) ||
	       in_table(fdri_sw_sync_type.ioctls, fdri_sw_sync_type.num_ioctls, name);
}

/* Checks an ioctl name or group and stores its canonical spelling. */
static int set_ioctl_name(struct fdri_fault_spec *s, const char *v, const char *item,
			  char *err, size_t errlen)
{
	size_t n;

	if (!v || !*v)
		FAIL("'%s': ioctl= needs a name, a group or *", item);
	if (!strncasecmp(v, "DRM_IOCTL_", 10))
		v += 10;
	n = strlen(v);
	if (n >= FDRI_FAULT_NAME_MAX)
		FAIL("'%s': ioctl name too long", item);
	if (!strcmp(v, "*") || group_bit(v)) {
		for (size_t i = 0; i <= n; i++)
			s->name[i] = (char)tolower((unsigned char)v[i]);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)v[i]) && v[i] != '_')
			FAIL("'%s': not an ioctl name, a group (gem, prime, syncobj, kms, gpu, dmabuf, syncfile) or *",
			     item);
		s->name[i] = (char)toupper((unsigned char)v[i]);
	}
	s->name[n] = 0;
	if (!ioctl_known(s->name))
		FAIL("'%s': no such ioctl (names as GEM_CLOSE, PRIME_FD_TO_HANDLE, FAKEDRI_SUBMIT, DMA_BUF_IOCTL_SYNC, SYNC_IOC_MERGE)",
		     item);
	return 0;
}

static int parse_item(struct fdri_fault_spec *s, char *item, bool *have_errno,
		      char *err, size_t errlen)
{
	char *v = strchr(item, '=');
	char whole[96];
	int e;

	snprintf(whole, sizeof(whole), "%s", item);
	if (v)
		*v++ = 0;
#define NEED_VALUE() do { if (!v) FAIL("'%s': needs a value", whole); } while (0)
#define NO_VALUE() do { if (v) FAIL("'%s': takes no value", whole); } while (0)
#define U64(field) do { NEED_VALUE(); if (parse_u64(v, &s->field)) \
		FAIL("'%s': not a number", whole); } while (0)
#define FILTER(field) do { NEED_VALUE(); if (parse_i64(v, &s->field)) \
		FAIL("'%s': not a number", whole); } while (0)

	if (!strcmp(item, "ioctl")) {
		if (set_target(s, FDRI_FAULT_T_IOCTL, whole, err, errlen))
			return -EINVAL;
		return set_ioctl_name(s, v, whole, err, errlen);
	}
	for (int t = FDRI_FAULT_T_JOB; t <= FDRI_FAULT_T_DEVICE; t++) {
		/* device=N is the filter; a bare "device" the target */
		if (!strcmp(item, target_names[t]) && !(t == FDRI_FAULT_T_DEVICE && v)) {
			NO_VALUE();
			return set_target(s, t, whole, err, errlen);
		}
	}
	if (!strcmp(item, "call")) {
		U64(call);
		if (!s->call)
			FAIL("'%s': calls are numbered from 1", whole);
	} else if (!strcmp(item, "nth")) {
		U64(nth);
		if (!s->nth)
			FAIL("'%s': nth counts from 1", whole);
	} else if (!strcmp(item, "interval")) {
		U64(interval);
		if (!s->interval)
			FAIL("'%s': interval must be at least 1", whole);
	} else if (!strcmp(item, "probability")) {
		char *end;

		NEED_VALUE();
		errno = 0;
		s->probability = strtod(v, &end);
		/* the kernel's percent, as a convenience: 5% is 0.05 */
		if (end != v && *end == '%' && !end[1]) {
			s->probability /= 100;
			end++;
		}
		if (errno || end == v || *end || !(s->probability >= 0 && s->probability <= 1))
			FAIL("'%s': probability is a number from 0 to 1 (or a percentage)", whole);
	} else if (!strcmp(item, "seed")) {
		U64(seed);
	} else if (!strcmp(item, "after")) {
		NEED_VALUE();
		if (parse_duration(v, &s->after_ns))
			FAIL("'%s': not a duration (10ms, 2s, 500us, 1.5s; plain numbers are ms)", whole);
	} else if (!strcmp(item, "times")) {
		NEED_VALUE();
		/* -1: unlimited, as the kernel's */
		if (strcmp(v, "-1") && parse_i64(v, &s->times))
			FAIL("'%s': not a number", whole);
		if (!strcmp(v, "-1"))
			s->times = -1;
	} else if (!strcmp(item, "space")) {
		NEED_VALUE();
		if (parse_size(v, &s->space))
			FAIL("'%s': not a size (4096, 4K, 16M, 1G)", whole);
	} else if (!strcmp(item, "pid")) {
		FILTER(pid);
	} else if (!strcmp(item, "file")) {
		FILTER(file);
	} else if (!strcmp(item, "ctx")) {
		FILTER(ctx);
	} else if (!strcmp(item, "queue")) {
		FILTER(queue);
	} else if (!strcmp(item, "device")) {
		FILTER(device);
	} else if (!strcmp(item, "errno")) {
		NEED_VALUE();
		e = fdri_fault_errno_parse(v);
		if (e < 0)
			FAIL("'%s': unknown errno", whole);
		if (*have_errno)
			FAIL("'%s': errno given twice", whole);
		*have_errno = true;
		/* errno= qualifies limit= (ENOSPC); alone it is the action */
		if (s->action != FDRI_FAULT_A_LIMIT &&
		    set_action(s, FDRI_FAULT_A_ERRNO, whole, err, errlen))
			return -EINVAL;
		s->err = e;
	} else if (!strcmp(item, "restart")) {
		NEED_VALUE();
		e = fdri_fault_errno_parse(v);
		if (e != EINTR && e != EAGAIN)
			FAIL("'%s': restart is EINTR or EAGAIN", whole);
		if (set_action(s, FDRI_FAULT_A_RESTART, whole, err, errlen))
			return -EINVAL;
		s->err = e;
	} else if (!strcmp(item, "delay")) {
		NEED_VALUE();
		if (set_action(s, FDRI_FAULT_A_DELAY, whole, err, errlen))
			return -EINVAL;
		if (parse_duration(v, &s->delay_ns))
			FAIL("'%s': not a duration (10ms, 2s, 500us, 1.5s; plain numbers are ms)", whole);
	} else if (!strcmp(item, "fence-error")) {
		NEED_VALUE();
		e = fdri_fault_errno_parse(v);
		if (e < 0)
			FAIL("'%s': unknown errno", whole);
		if (set_action(s, FDRI_FAULT_A_FENCE_ERROR, whole, err, errlen))
			return -EINVAL;
		s->err = e;
	} else if (!strcmp(item, "hang")) {
		NO_VALUE();
		return set_action(s, FDRI_FAULT_A_HANG, whole, err, errlen);
	} else if (!strcmp(item, "alloc-fail")) {
		NO_VALUE();
		if (set_action(s, FDRI_FAULT_A_ALLOC_FAIL, whole, err, errlen))
			return -EINVAL;
		s->err = ENOMEM;
	} else if (!strcmp(item, "limit")) {
		NEED_VALUE();
		/* an errno= before limit= qualifies it */
		if (s->action == FDRI_FAULT_A_ERRNO)
			s->action = 0;
		if (set_action(s, FDRI_FAULT_A_LIMIT, whole, err, errlen))
			return -EINVAL;
		if (parse_size(v, &s->limit))
			FAIL("'%s': not a size (4096, 4K, 16M, 1G)", whole);
	} else if (!strcmp(item, "unplug")) {
		NO_VALUE();
		return set_action(s, FDRI_FAULT_A_UNPLUG, whole, err, errlen);
	} else {
		FAIL("'%s': unknown item", whole);
	}
	return 0;
#undef NEED_VALUE
#undef NO_VALUE
#undef U64
#undef FILTER
}

/**
 * fdri_fault_parse() - parses a fault SPEC.
 * @text: comma-separated items, e.g. "ioctl=GEM_CLOSE,nth=2,errno=EINVAL".
 * @spec: filled on success (and left with defaults on failure).
 * @err: a one-line reason naming the offending item, on failure.
 * @errlen: bytes at @err (0: no reason).
 *
 * A spec has at most one target and exactly one action. Without a target,
 * alloc-fail and limit= target allocations and unplug the device; any
 * other action then matches every site that can carry it out (with
 * call=N: that site, whatever it is). limit= defaults to ENOMEM; errno=
 * beside it picks another (ENOSPC for VRAM).
 *
 * Returns 0 or -EINVAL.
 */
int fdri_fault_parse(const char *text, struct fdri_fault_spec *spec, char *err, size_t errlen)
{
	char buf[1024], *p, *item, *save = NULL;
	bool have_errno = false;
	int ret;

	spec_defaults(spec);
	if (err && errlen)
		err[0] = 0;
	if (!text)
		FAIL("empty fault spec");
	if (strlen(text) >= sizeof(buf))
		FAIL("fault spec too long (%zu bytes)", strlen(text));
	snprintf(buf, sizeof(buf), "%s", text);
	for (p = buf; (item = strtok_r(p, ",", &save)); p = NULL) {
		while (isspace((unsigned char)*item))
			item++;
		for (size_t n = strlen(item); n && isspace((unsigned char)item[n - 1]); n--)
			item[n - 1] = 0;
		if (!*item)
			continue;
		ret = parse_item(spec, item, &have_errno, err, errlen);
		if (ret) {
			struct fdri_fault_spec clean;

			spec_defaults(&clean);
			*spec = clean;
			return ret;
		}
	}
	ret = -EINVAL;
	if (!spec->action) {
		if (err && errlen)
			snprintf(err, errlen, "'%s': no action (errno=, restart=, delay=, fence-error=, hang, alloc-fail, limit=, unplug)",
				 text);
		goto bad;
	}
	if (!spec->target) {
		if (spec->action == FDRI_FAULT_A_ALLOC_FAIL || spec->action == FDRI_FAULT_A_LIMIT)
			spec->target = FDRI_FAULT_T_ALLOC;
		else if (spec->action == FDRI_FAULT_A_UNPLUG)
			spec->target = FDRI_FAULT_T_DEVICE;
	}
	if (spec->target && !action_fits(spec->target, spec->action)) {
		if (err && errlen)
			snprintf(err, errlen, "'%s': a %s fault cannot %s", text,
				 target_names[spec->target], action_names[spec->action]);
		goto bad;
	}
	if (spec->action == FDRI_FAULT_A_LIMIT) {
		if (!spec->err)
			spec->err = ENOMEM;
		if (spec->err != ENOMEM && spec->err != ENOSPC) {
			if (err && errlen)
				snprintf(err, errlen, "'%s': limit fails with ENOMEM or ENOSPC", text);
			goto bad;
		}
	}
	return 0;
bad:
	spec_defaults(spec);
	return ret;
}

#undef FAIL

static void put_duration(char *out, size_t len, int64_t ns)
{
	if (ns && !(ns % 1000000000))
		snprintf(out, len, "%" PRId64 "s", ns / 1000000000);
	else if (!(ns % 1000000))
		snprintf(out, len, "%" PRId64 "ms", ns / 1000000);
	else if (!(ns % 1000))
		snprintf(out, len, "%" PRId64 "us", ns / 1000);
	else
		snprintf(out, len, "%" PRId64 "ns", ns);
}

static void put_errno(char *out, size_t len, int err)
{
	const char *n = fdri_fault_errno_name(err);

	if (n)
		snprintf(out, len, "%s", n);
	else
		snprintf(out, len, "%d", err);
}

/**
 * fdri_fault_format() - the canonical form of a spec.
 * @spec: a spec from fdri_fault_parse() (or built to the same rules).
 * @buf: where to write; may be NULL with @len 0.
 * @len: bytes at @buf.
 *
 * The items come in a fixed order (target, triggers, filters, action) and
 * only when not at their default, so parsing the result gives @spec back.
 * Returns the length of the whole form, as snprintf().
 */
int fdri_fault_format(const struct fdri_fault_spec *spec, char *buf, size_t len)
{
	char out[FDRI_FAULT_SPEC_MAX * 2], v[64];
	size_t n = 0;

#define PUT(...) do { if (n < sizeof(out)) n += (size_t)snprintf(out + n, sizeof(out) - n, \
					 "%s", n ? "," : ""); \
		if (n < sizeof(out)) n += (size_t)snprintf(out + n, sizeof(out) - n, __VA_ARGS__); \
	} while (0)

	if (spec->target == FDRI_FAULT_T_IOCTL)
		PUT("ioctl=%s", spec->name[0] ? spec->name : "*");
	else if (spec->target > 0 && spec->target <= FDRI_FAULT_T_DEVICE &&
		 !(spec->target == FDRI_FAULT_T_ALLOC &&
		   (spec->action == FDRI_FAULT_A_ALLOC_FAIL || spec->action == FDRI_FAULT_A_LIMIT)) &&
		 !(spec->target == FDRI_FAULT_T_DEVICE && spec->action == FDRI_FAULT_A_UNPLUG))
		PUT("%s", target_names[spec->target]);
	if (spec->call)
		PUT("call=%" PRIu64, spec->call);
	if (spec->nth)
		PUT("nth=%" PRIu64, spec->nth);
	if (spec->interval)
		PUT("interval=%" PRIu64, spec->interval);
	if (spec->probability != 1.0) {
		/* the shortest form that reads back the same */
		for (int prec = 6; prec <= 17; prec++) {
			snprintf(v, sizeof(v), "%.*g", prec, spec->probability);
			if (strtod(v, NULL) == spec->probability)
				break;
		}
		PUT("probability=%s", v);
	}
	if (spec->seed)
		PUT("seed=%" PRIu64, spec->seed);
	if (spec->after_ns) {
		put_duration(v, sizeof(v), spec->after_ns);
		PUT("after=%s", v);
	}
	if (spec->times >= 0)
		PUT("times=%" PRId64, spec->times);
	if (spec->space)
		PUT("space=%" PRIu64, spec->space);
	if (spec->pid >= 0)
		PUT("pid=%" PRId64, spec->pid);
	if (spec->file >= 0)
		PUT("file=%" PRId64, spec->file);
	if (spec->ctx >= 0)
		PUT("ctx=%" PRId64, spec->ctx);
	if (spec->queue >= 0)
		PUT("queue=%" PRId64, spec->queue);
	if (spec->device >= 0)
		PUT("device=%" PRId64, spec->device);
	switch (spec->action) {
	case FDRI_FAULT_A_ERRNO:
	case FDRI_FAULT_A_RESTART:
	case FDRI_FAULT_A_FENCE_ERROR:
		put_errno(v, sizeof(v), spec->err);
		PUT("%s=%s", action_names[spec->action], v);
		break;
	case FDRI_FAULT_A_DELAY:
		put_duration(v, sizeof(v), spec->delay_ns);
		PUT("delay=%s", v);
		break;
	case FDRI_FAULT_A_HANG:
	case FDRI_FAULT_A_ALLOC_FAIL:
	case FDRI_FAULT_A_UNPLUG:
		PUT("%s", action_names[spec->action]);
		break;
	case FDRI_FAULT_A_LIMIT:
		PUT("limit=%" PRIu64, spec->limit);
		if (spec->err && spec->err != ENOMEM) {
			put_errno(v, sizeof(v), spec->err);
			PUT("errno=%s", v);
		}
		break;
	}
#undef PUT
	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	if (buf && len)
		snprintf(buf, len, "%s", out);
	return (int)n;
}

/* --- the registry --- */

/**
 * fdri_faults_create() - a new, empty registry.
 *
 * Returns it with one reference (the caller's), or NULL without memory.
 */
struct fdri_faults *fdri_faults_create(void)
{
	struct fdri_faults *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->next_id = 1;
	return f;
}

/**
 * fdri_faults_get() - takes a reference.
 * @f: the registry (not NULL).
 *
 * Returns @f.
 */
struct fdri_faults *fdri_faults_get(struct fdri_faults *f)
{
	f->refs++;
	return f;
}

/**
 * fdri_faults_put() - drops a reference, freeing the registry and its
 * faults with the last.
 * @f: the registry, or NULL.
 */
void fdri_faults_put(struct fdri_faults *f)
{
	if (!f || --f->refs)
		return;
	for (unsigned int i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	free(f);
}

/**
 * fdri_faults_add() - arms a fault.
 * @f: the registry.
 * @spec: what to arm (copied).
 * @now: the host clock, from which after= counts.
 *
 * Returns the fault's id (>= 1, never reused) or -ENOMEM.
 */
int fdri_faults_add(struct fdri_faults *f, const struct fdri_fault_spec *spec, int64_t now)
{
	struct fdri_fault *x;

	if (f->n == f->cap) {
		unsigned int cap = f->cap ? f->cap * 2 : 8;
		struct fdri_fault **v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->id = f->next_id++;
	x->spec = *spec;
	x->spec.name[FDRI_FAULT_NAME_MAX - 1] = 0;
	x->armed_at = now;
	x->times_left = spec->times < 0 ? -1 : spec->times;
	x->space_left = spec->space;
	x->rng = spec->seed;
	f->v[f->n++] = x;
	return (int)x->id;
}

/**
 * fdri_faults_clear() - disarms faults.
 * @f: the registry.
 * @id: the fault to remove, or 0 for all.
 *
 * Returns how many were removed (0: no such fault).
 */
unsigned int fdri_faults_clear(struct fdri_faults *f, unsigned int id)
{
	unsigned int removed = 0, k = 0;

	for (unsigned int i = 0; i < f->n; i++) {
		if (!id || f->v[i]->id == id) {
			free(f->v[i]);
			removed++;
		} else {
			f->v[k++] = f->v[i];
		}
	}
	f->n = k;
	return removed;
}

/**
 * fdri_faults_for_each() - walks the armed faults in arming order.
 * @f: the registry.
 * @fn: called with each fault's id, its spec (borrowed for the call) and
 *	how often it fired; a nonzero return stops the walk. It must not
 *	add or clear faults.
 * @priv: passed to @fn.
 */
void fdri_faults_for_each(const struct fdri_faults *f,
			  int (*fn)(void *priv, unsigned int id, const struct fdri_fault_spec *spec,
				    uint64_t fired),
			  void *priv)
{
	for (unsigned int i = 0; i < f->n; i++)
		if (fn(priv, f->v[i]->id, &f->v[i]->spec, f->v[i]->fired))
			return;
}

/* splitmix64: small, good, and the same everywhere. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool name_matches(const struct fdri_fault_spec *s, const struct fdri_fault_site *site)
{
	uint32_t bit;

	if (!s->name[0] || !strcmp(s->name, "*"))
		return true;
	bit = group_bit(s->name);
	if (bit)
		return (site->groups | fdri_fault_ioctl_groups(site->name)) & bit;
	return site->name && !strcasecmp(s->name, site->name);
}

/* Target, name and filters: whether @x is about this site at all. */
static bool fault_matches(const struct fdri_fault *x, const struct fdri_fault_site *site,
			  uint64_t call)
{
	const struct fdri_fault_spec *s = &x->spec;

	if (s->action == FDRI_FAULT_A_LIMIT)
		return false;
	if (s->target ? s->target != site->target : !action_fits(site->target, s->action))
		return false;
	if (s->target == FDRI_FAULT_T_IOCTL && !name_matches(s, site))
		return false;
	if (s->call && s->call != call)
		return false;
	if (s->pid >= 0 && s->pid != site->pid)
		return false;
	if (s->file >= 0 && (uint64_t)s->file != site->file)
		return false;
	if (s->ctx >= 0 && s->ctx != site->ctx)
		return false;
	if (s->queue >= 0 && s->queue != site->queue)
		return false;
	if (s->device >= 0 && s->device != site->device)
		return false;
	/* after= is a filter too: calls before it are not counted */
	if (s->after_ns && site->now - x->armed_at < s->after_ns)
		return false;
	return true;
}

/* should_fail()'s order once the fault matched: times, space, nth,
 * interval, probability. */
static bool fault_fires(struct fdri_fault *x, uint64_t size)
{
	const struct fdri_fault_spec *s = &x->spec;

	if (x->times_left == 0)
		return false;
	if (x->space_left > size) {
		x->space_left -= size;
		return false;
	}
	x->count++;
	if (s->nth && x->count != s->nth)
		return false;
	if (s->interval > 1 && x->count % s->interval)
		return false;
	if (s->probability < 1.0) {
		double u = (double)(rng_next(&x->rng) >> 11) * 0x1.0p-53;

		if (!(u < s->probability))
			return false;
	}
	return true;
}

static const char *site_name(const struct fdri_fault_site *site)
{
	if (site->name)
		return site->name;
	if (site->target > 0 && site->target <= FDRI_FAULT_T_DEVICE)
		return target_names[site->target];
	return "?";
}

static void inject(struct fdri_faults *f, struct fdri_fault *x, uint64_t call,
		   const struct fdri_fault_site *site, struct fdri_fault_hit *hit)
{
	struct fdri_fault_record rec;

	if (x->times_left > 0)
		x->times_left--;
	/* nth= and call= fire once by nature */
	if (x->spec.nth || x->spec.call)
		x->times_left = 0;
	x->fired++;
	f->injected++;
	if (hit) {
		memset(hit, 0, sizeof(*hit));
		hit->action = x->spec.action;
		hit->err = x->spec.err;
		hit->delay_ns = x->spec.delay_ns;
		hit->call = call;
		hit->fault_id = x->id;
	}
	if (f->record) {
		memset(&rec, 0, sizeof(rec));
		rec.call = call;
		rec.fault_id = x->id;
		/* the line that replays exactly this injection: the call
		 * pins it, so triggers and filters (pids change) go */
		spec_defaults(&rec.spec);
		rec.spec.call = call;
		rec.spec.action = x->spec.action;
		rec.spec.err = x->spec.err;
		rec.spec.delay_ns = x->spec.delay_ns;
		if (x->spec.action == FDRI_FAULT_A_LIMIT) {
			/* the cap refused the call that allocates */
			rec.spec.action = FDRI_FAULT_A_ERRNO;
		} else {
			rec.spec.target = x->spec.target;
			memcpy(rec.spec.name, x->spec.name, sizeof(rec.spec.name));
		}
		rec.site_name = site_name(site);
		rec.pid = site->pid;
		f->record(f->record_priv, &rec);
	}
}

/* Whether @site restarts a call @x failed; the exemption is used up. */
static bool is_restart(struct fdri_fault *x, const struct fdri_fault_site *site)
{
	for (unsigned int i = 0; i < FDRI_FAULT_RESTARTS; i++) {
		struct fdri_fault_restart *r = &x->restarts[i];

		if (r->pending && r->tid == site->tid && r->cmd == site->cmd &&
		    r->file == site->file) {
			r->pending = false;
			return true;
		}
	}
	return false;
}

/**
 * fdri_faults_check() - whether this call should fail, and how.
 * @f: the registry, or NULL.
 * @site: the call (borrowed).
 * @hit: filled when a fault fires.
 *
 * Numbers the call (when any fault or the call hook is armed), reports it
 * to the call hook, then asks each armed fault in order; the first that
 * fires wins. A restart= fault exempts the same thread's next call of the
 * same ioctl on the same file, which is not counted for it.
 *
 * Returns true when a fault fired.
 */
bool fdri_faults_check(struct fdri_faults *f, const struct fdri_fault_site *site,
		       struct fdri_fault_hit *hit)
{
	uint64_t call, size;

	if (!f || !fdri_faults_active(f))
		return false;
	call = ++f->calls;
	if (f->call_hook)
		f->call_hook(f->call_priv, call, site);
	size = site->size ? site->size : 1;
	for (unsigned int i = 0; i < f->n; i++) {
		struct fdri_fault *x = f->v[i];

		if (!fault_matches(x, site, call))
			continue;
		if (x->spec.action == FDRI_FAULT_A_RESTART && is_restart(x, site))
			continue;
		if (!fault_fires(x, size))
			continue;
		if (x->spec.action == FDRI_FAULT_A_RESTART) {
			struct fdri_fault_restart *r = &x->restarts[x->restart_next++ %
								    FDRI_FAULT_RESTARTS];

			r->pending = true;
			r->tid = site->tid;
			r->cmd = site->cmd;
			r->file = site->file;
		}
		inject(f, x, call, site, hit);
		return true;
	}
	return false;
}

/**
 * fdri_faults_limit() - the memory caps.
 * @f: the registry, or NULL.
 * @site: the allocation (target alloc, size = bytes; borrowed).
 * @used_total: bytes in use on the device before it.
 * @used_client: bytes in use by the calling process before it.
 *
 * Does not number a call: it is part of the allocation's site (its record
 * carries the registry's latest number). A cap honours times=, after= and
 * the device=, pid= and file= filters (no file is known at creation, so a
 * cap with file= never applies).
 * Returns 0, or -ENOMEM / -ENOSPC from the first limit= fault exceeded.
 */
int fdri_faults_limit(struct fdri_faults *f, const struct fdri_fault_site *site,
		      uint64_t used_total, uint64_t used_client)
{
	if (!f)
		return 0;
	for (unsigned int i = 0; i < f->n; i++) {
		struct fdri_fault *x = f->v[i];
		const struct fdri_fault_spec *s = &x->spec;
		uint64_t used;

		if (s->action != FDRI_FAULT_A_LIMIT || x->times_left == 0)
			continue;
		if (s->after_ns && site->now - x->armed_at < s->after_ns)
			continue;
		if (s->device >= 0 && s->device != site->device)
			continue;
		if (s->file >= 0 && (uint64_t)s->file != site->file)
			continue;
		if (s->pid >= 0 && s->pid != site->pid)
			continue;
		used = s->pid >= 0 ? used_client : used_total;
		if (site->size <= s->limit && used <= s->limit - site->size)
			continue;
		inject(f, x, f->calls, site, NULL);
		return -(s->err ? s->err : ENOMEM);
	}
	return 0;
}

/** fdri_faults_injected() - injections so far (0 for NULL). */
uint64_t fdri_faults_injected(const struct fdri_faults *f)
{
	return f ? f->injected : 0;
}

/** fdri_faults_calls() - sites numbered so far (0 for NULL). */
uint64_t fdri_faults_calls(const struct fdri_faults *f)
{
	return f ? f->calls : 0;
}

/**
 * fdri_faults_set_record_hook() - who hears of each injection.
 * @f: the registry.
 * @fn: called synchronously (NULL: nobody); must not re-enter @f.
 * @priv: passed to @fn.
 */
void fdri_faults_set_record_hook(struct fdri_faults *f,
				 void (*fn)(void *priv, const struct fdri_fault_record *rec),
				 void *priv)
{
	f->record = fn;
	f->record_priv = priv;
}

/**
 * fdri_faults_set_call_hook() - who hears of each numbered site.
 * @f: the registry.
 * @fn: called synchronously (NULL: nobody); must not re-enter @f. While
 *	set, every site is numbered even with no fault armed.
 * @priv: passed to @fn.
 */
void fdri_faults_set_call_hook(struct fdri_faults *f,
			       void (*fn)(void *priv, uint64_t call,
					  const struct fdri_fault_site *site),
			       void *priv)
{
	f->call_hook = fn;
	f->call_priv = priv;
}

/** fdri_faults_active() - whether sites need to ask (faults or a call hook). */
bool fdri_faults_active(const struct fdri_faults *f)
{
	return f && (f->n || f->call_hook);
}
