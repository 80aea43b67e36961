/*
 * fdri_fault.h - fault injection (issue 9, docs/faults.md): a registry of
 * armed faults that the core asks, at every injectable site, whether this
 * call should fail, and how.
 *
 * Owns: struct fdri_faults (the registry: armed faults, the daemon-wide
 * call counter, the injection count, the record hook) and struct
 * fdri_fault (one armed fault: its spec and its trigger state).
 *
 * DOC: the model (after Documentation/fault-injection/fault-injection.rst)
 *
 * A *site* is one injectable call: an ioctl about to run its handler
 * (after decode and the permission checks, as the kernel's should_fail()
 * sits inside the handler), a GPU job being submitted, a fence about to
 * signal, a backing allocation, an mmap of the DRM fd. Every site, on any
 * device of the registry, takes the next number of the registry's call
 * counter (1, 2, ...): that number is what `call=N` matches, what the
 * record hook reports and what `fakedri sweep` iterates over.
 *
 * A fault matches a site when its target, name and filters (pid, file,
 * ctx, queue, device; `call=N`: only site N; `after`: not before DURATION
 * since the fault was armed, so earlier calls are not counted) all match.
 * A fault without a target matches every site that can carry out its
 * action (see fdri_fault_parse()). Then, in the kernel's should_fail()
 * order: `times` exhausted -> no; `space` left -> no (space is reduced by
 * the site's size: bytes for alloc, 1 otherwise; once the site's size is
 * more than what is left, every call fails, as the kernel's); `nth`: only
 * the Nth counted call; `interval`: only every Nth counted call (calls
 * consumed by `space` are not counted); `probability` (0..1, per fault
 * PRNG seeded by `seed`, splitmix64, drawn only when reached) -> maybe.
 * A fault that fires decrements `times` (default: unlimited; `nth` and
 * `call` fire once by nature). The first armed fault that fires wins;
 * later ones do not see the call (the earlier ones' counters did advance:
 * each counts the calls that reached it, fired or not).
 *
 * A record's spec (the record hook, --fault-log) is the line that replays
 * exactly that injection: `call=N`, the target and name, and the action,
 * without the other triggers and filters (pids change between runs); a
 * limit= injection is recorded as `call=N,errno=ENOMEM|ENOSPC`, which
 * fails the call (the allocating ioctl) whose site was numbered last.
 *
 * `restart=EINTR|EAGAIN`: the call fails once with that errno and the
 * same thread's next call of the same ioctl on the same file (the restart)
 * is exempt from that fault.
 *
 * DOC: lifetime
 * - The registry is refcounted (fdri_faults_get/put); each device that
 *   uses it holds a reference (fdri_device_set_faults()). Faults live in
 *   the registry until cleared; fdri_faults_check() returns copies, never
 *   pointers into it, so a fault cleared from a hook is harmless.
 * - The record hook is called synchronously from fdri_faults_check(), on
 *   the daemon's loop; it must not re-enter the registry.
 */
#ifndef FDRI_FAULT_H
#define FDRI_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FDRI_FAULT_NAME_MAX 32
#define FDRI_FAULT_SPEC_MAX 512     /* longest canonical spec (fdri_fault_format) */

/* What a fault (and a site) is about. */
enum fdri_fault_target {
	FDRI_FAULT_T_IOCTL = 1,   /* ioctl=NAME|GROUP|*: a DRM, dma-buf or sync_file ioctl */
	FDRI_FAULT_T_JOB,         /* job: a GPU job at SUBMIT (queue=, ctx= filters) */
	FDRI_FAULT_T_FENCE,       /* fence: a GPU job's or vgem fence as it signals */
	FDRI_FAULT_T_ALLOC,       /* alloc: backing memory creation (size = bytes) */
	FDRI_FAULT_T_MMAP,        /* mmap: mmap of a DRM fd */
	FDRI_FAULT_T_DEVICE,      /* device: the device itself (unplug) */
};

/* What a fault does when it fires. */
enum fdri_fault_action {
	FDRI_FAULT_A_ERRNO = 1,   /* errno=NAME: the call fails with it */
	FDRI_FAULT_A_RESTART,     /* restart=EINTR|EAGAIN: fails once, the restart proceeds */
	FDRI_FAULT_A_DELAY,       /* delay=DURATION: the call (or job) takes that much longer */
	FDRI_FAULT_A_FENCE_ERROR, /* fence-error=NAME: the job completes, its fence carries -errno */
	FDRI_FAULT_A_HANG,        /* hang: the job never completes by itself */
	FDRI_FAULT_A_ALLOC_FAIL,  /* alloc-fail: backing creation fails with ENOMEM */
	FDRI_FAULT_A_LIMIT,       /* limit=BYTES[,errno=ENOSPC]: a memory cap (not a one-shot) */
	FDRI_FAULT_A_UNPLUG,      /* unplug: the device is hot-unplugged */
};

/* Ioctl groups for ioctl=GROUP (bits of fdri_fault_site.groups). */
#define FDRI_FAULT_G_GEM      (1u << 0)  /* GEM_*, MODE_*_DUMB, the drivers' BO ioctls */
#define FDRI_FAULT_G_PRIME    (1u << 1)  /* PRIME_* */
#define FDRI_FAULT_G_SYNCOBJ  (1u << 2)  /* SYNCOBJ_* */
#define FDRI_FAULT_G_KMS      (1u << 3)  /* MODE_* other than dumb buffers */
#define FDRI_FAULT_G_GPU      (1u << 4)  /* the fakedri and vgem driver ioctls */
#define FDRI_FAULT_G_DMABUF   (1u << 5)  /* DMA_BUF_* on dma-buf fds */
#define FDRI_FAULT_G_SYNCFILE (1u << 6)  /* SYNC_IOC_* on sync_file fds */

/*
 * A parsed SPEC: comma-separated key=value (and bare-word) items, e.g.
 * "ioctl=PRIME_FD_TO_HANDLE,nth=1,errno=ENOMEM" or "job,queue=1,nth=3,hang".
 * Unset numbers are 0 and unset filters -1 (or "" for @name).
 */
struct fdri_fault_spec {
	enum fdri_fault_target target;
	char name[FDRI_FAULT_NAME_MAX]; /* ioctl: NAME (as in the table, without DRM_IOCTL_), GROUP or "*" */
	/* triggers */
	uint64_t call;            /* call=N: the registry's Nth site (0: any) */
	uint64_t nth;             /* nth=N: the Nth matching call */
	uint64_t interval;        /* interval=N: every Nth matching call */
	double probability;       /* probability=P (0..1); 1 when not given */
	uint64_t seed;            /* seed=S for @probability */
	int64_t after_ns;         /* after=DURATION since armed */
	int64_t times;            /* times=N: at most N injections; -1: unlimited */
	uint64_t space;           /* space=N: budget consumed before any injection */
	/* filters: -1 = any */
	int64_t pid;              /* pid=: the calling process (tgid) */
	int64_t file;             /* file=: the DRM file's id (debugfs "clients") */
	int64_t ctx;              /* ctx=: a GPU context id */
	int64_t queue;            /* queue=: a GPU queue */
	int64_t device;           /* device=: the device's primary minor (card<N>) */
	/* the action */
	enum fdri_fault_action action;
	int err;                  /* positive errno for ERRNO/RESTART/FENCE_ERROR/LIMIT (ENOMEM default) */
	int64_t delay_ns;         /* DELAY */
	uint64_t limit;           /* LIMIT: bytes */
};

/* One injection, as the record hook and --fault-log see it. */
struct fdri_fault_record {
	uint64_t call;            /* the site's number */
	unsigned int fault_id;    /* which armed fault fired */
	struct fdri_fault_spec spec; /* the fault's spec, with .call set to @call */
	const char *site_name;    /* the site: ioctl name, "job", "alloc", ... (borrowed) */
	pid_t pid;
};

/* One injectable call, described by the core at the site. */
struct fdri_fault_site {
	enum fdri_fault_target target;
	const char *name;         /* ioctl name (desc->name); NULL for other targets */
	uint32_t groups;          /* FDRI_FAULT_G_* of the ioctl */
	unsigned int cmd;         /* the ioctl's cmd (restart bookkeeping) */
	int device;               /* primary minor of the device, -1 if unknown */
	pid_t pid, tid;
	uint64_t file;            /* file id, 0 if none */
	int64_t ctx, queue;       /* -1 if not applicable */
	uint64_t size;            /* bytes for alloc; 1 otherwise (0 is taken as 1) */
	int64_t now;              /* host clock, ns */
};

/* What the site must do: a copy, valid after the registry changes. */
struct fdri_fault_hit {
	enum fdri_fault_action action;
	int err;                  /* positive errno */
	int64_t delay_ns;
	uint64_t call;
	unsigned int fault_id;
};

struct fdri_faults;

/* A new empty registry, refcount 1; NULL without memory. */
struct fdri_faults *fdri_faults_create(void);
/* Takes a reference; returns @f. */
struct fdri_faults *fdri_faults_get(struct fdri_faults *f);
/* Drops a reference; frees the registry with the last. NULL is fine. */
void fdri_faults_put(struct fdri_faults *f);

/*
 * Parses @text into *@spec. Returns 0, or -EINVAL with a one-line reason
 * in @err (@errlen bytes) naming the offending item.
 */
int fdri_fault_parse(const char *text, struct fdri_fault_spec *spec, char *err, size_t errlen);
/* Writes @spec's canonical form (parseable again, only non-default items)
 * into @buf; returns the length fdri_fault_parse() would need (snprintf). */
int fdri_fault_format(const struct fdri_fault_spec *spec, char *buf, size_t len);
/* errno name <-> number ("ENOMEM" <-> ENOMEM); NULL / -1 if unknown. */
const char *fdri_fault_errno_name(int err);
int fdri_fault_errno_parse(const char *name);

/* Arms @spec at time @now; returns its id (>= 1) or -ENOMEM. */
int fdri_faults_add(struct fdri_faults *f, const struct fdri_fault_spec *spec, int64_t now);
/* Disarms fault @id (0: all). Returns how many were removed. */
unsigned int fdri_faults_clear(struct fdri_faults *f, unsigned int id);
/* Calls @fn for each armed fault in arming order with its id, its spec
 * and how often it fired; stops early if @fn returns nonzero. */
void fdri_faults_for_each(const struct fdri_faults *f,
			  int (*fn)(void *priv, unsigned int id, const struct fdri_fault_spec *spec,
				    uint64_t fired),
			  void *priv);

/*
 * The question every site asks: numbers the call, and returns true with
 * *@hit filled when a fault fires for it (counted in fdri_faults_injected()
 * and reported to the record hook), false otherwise. LIMIT faults never
 * fire here (see fdri_faults_limit()). @f may be NULL (no faults): false,
 * and no number is taken.
 */
bool fdri_faults_check(struct fdri_faults *f, const struct fdri_fault_site *site,
		       struct fdri_fault_hit *hit);
/*
 * The memory cap for an allocation of @size more bytes with @used_total
 * bytes in use on the device and @used_client by the calling process:
 * 0 if allowed, else the -errno of the first LIMIT fault it would exceed
 * (ENOMEM unless the fault says errno=ENOSPC), which counts as injected.
 * A LIMIT fault with pid= caps that process, without it the device total.
 */
int fdri_faults_limit(struct fdri_faults *f, const struct fdri_fault_site *site,
		      uint64_t used_total, uint64_t used_client);

/* Injections so far. */
uint64_t fdri_faults_injected(const struct fdri_faults *f);
/* Sites numbered so far. */
uint64_t fdri_faults_calls(const struct fdri_faults *f);

/* Called for every injection (--fault-log, the daemon's log). */
void fdri_faults_set_record_hook(struct fdri_faults *f,
				 void (*fn)(void *priv, const struct fdri_fault_record *rec),
				 void *priv);
/* Called for every numbered site, before any fault is looked at
 * (`fakedri sweep`'s recording run: --fault-calls). */
void fdri_faults_set_call_hook(struct fdri_faults *f,
			       void (*fn)(void *priv, uint64_t call,
					  const struct fdri_fault_site *site),
			       void *priv);
/* Whether any fault (or the call hook) is armed: sites may skip building
 * a struct fdri_fault_site when not. */
bool fdri_faults_active(const struct fdri_faults *f);

/* The FDRI_FAULT_G_* groups of an ioctl by its table name. */
uint32_t fdri_fault_ioctl_groups(const char *name);

/* --- the daemon side (fdri_fault_ioctl.c) --- */
struct fdri_device;
struct fdri_file;
struct fdri_caller;
struct fdri_ioctl_args;

/*
 * Arms @spec in @dev's registry, as FDRI_FAULT_OP_ADD does: returns the
 * fault's id or a -errno (-EOPNOTSUPP without a registry). A device fault
 * (`unplug,device=N`; N = -1: @dev) without a trigger unplugs that device
 * at once (-ENODEV if the daemon has no card<N>); with after=DURATION it
 * arms that device's timer to unplug it then. Either way the unplug is an
 * injection of that fault (counted and recorded). For the daemon, to arm
 * --fault specs once its devices are set up.
 */
int fdri_fault_arm(struct fdri_device *dev, const struct fdri_fault_spec *spec);
/* The device faults armed before @dev had its identity (--fault specs):
 * `unplug[,device=N][,after=DURATION]` without another trigger unplugs
 * @dev (if it is card<N>, or for any N when device= is not given) now, or
 * arms its timer to do so that long from now. The daemon calls it for
 * each device once its registry and minors are set. */
void fdri_fault_start_device(struct fdri_device *dev);
/* The device of the daemon whose primary minor is @minor (-1: @dev), or NULL. */
struct fdri_device *fdri_fault_device(struct fdri_device *dev, int64_t minor);
/* FDRI_IOCTL_FAULT_CTL (common/fdri_wire.h), an ioctl without a DRM file. */
int fdri_ioctl_fault_ctl(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a);

#endif
