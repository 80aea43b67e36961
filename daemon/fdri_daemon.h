/*
 * fdri_daemon.h - one running daemon: its core devices (one per --device),
 * the socket server that serves them all, and the sysroot tree that
 * describes them, configured from command-line options. Used
 * by both `fakedrid` and `fakedri run|daemon`, and, with --cuse, the CUSE
 * nodes, which it publishes in the sysroot as they come up. The daemon owns
 * all of them and tears them down in fdri_daemon_stop().
 */
#ifndef FDRI_DAEMON_H
#define FDRI_DAEMON_H

#include <event2/event.h>
#include <stdbool.h>

#include "fdri_core.h"

/* The socket of a CUSE-mode daemon without --socket (common/fdri_defs.h). */
#define FDRI_DEFAULT_CUSE_SOCKET FDRI_DEFAULT_SOCKET

#define FDRI_DAEMON_MAX_DEVICES 8
#define FDRI_DAEMON_MAX_FAULTS 32

struct fdri_daemon_opts {
	const char *socket;        /* socket path; its directory is made private;
				    * default FDRI_DEFAULT_CUSE_SOCKET with cuse */
	const char *personality;   /* "fakedri" (default) or "vgem" */
	const char *driver_name;   /* overrides the personality's VERSION name */
	const char *card;          /* primary node path, default /dev/dri/card0 */
	const char *render;        /* render node path, default /dev/dri/renderD128 */
	const char *alias;         /* extra primary node path, default /dev/fakedri */
	const char *spin_us;       /* busy-poll window after a request, default 50 */
	const char *ready_fd;      /* fd to write "ready\n" to once clients can connect */
	const char *mem_limit;     /* bytes of GEM objects allowed (K, M, G suffixes);
				    * default none */
	const char *vgem_fence_timeout; /* ms until a vgem fence signals itself;
					 * default 10000, vgem's */
	/* --limit NAME=N[,NAME=N...]: per-process quotas over the defaults
	 * (FDRI_LIMITS_DEFAULT; repeatable, later ones win) */
	const char *limits[8];
	int nlimits;
	bool cuse;                 /* serve CUSE character devices too */
	/* the simulated GPU (docs/gpu.md), of every device */
	const char *trace;         /* Chrome trace-event JSON of jobs, fences, waits */
	bool poison;               /* poison what jobs will write until they complete */
	const char *hazards;       /* off, log (default) or error */
	const char *jitter;        /* seed of the duration jitter; NULL: none */
	const char *cuse_nodes[8]; /* [DEVICE:]DEVNAME:TYPE[:MODE[:GROUP]]; default fakedri:primary */
	int ncuse_nodes;
	/* PERSONALITY[,name=DRIVER_NAME]: device i, in order; none: one device
	 * of --personality (default fakedri) */
	const char *devices[FDRI_DAEMON_MAX_DEVICES];
	int ndevices;
	/* fault injection (docs/faults.md): --fault SPEC (repeatable), armed
	 * after the specs of FAKEDRI_FAULTS (';'-separated) */
	const char *faults[FDRI_DAEMON_MAX_FAULTS];
	int nfaults;
	const char *fault_log;     /* one replayable spec line per injection */
	const char *fault_replay;  /* a fault log (or any spec per line) to arm */
	const char *fault_calls;   /* one line per numbered site: CALL NAME PID */
	const char *job_timeout;   /* the GPU's job timeout (DURATION); default 2s */
	/* --node-perm PATH:MODE[:OWNER[:GROUP]] (repeatable): a virtual node's
	 * permissions over the defaults (fdri_node_perm.h) */
	const char *node_perms[16];
	int nnode_perms;
};

struct fdri_daemon;

/* The daemon's options for getopt_long(3) (fdri_daemon.c has the details):
 * getopt values FDRI_DAEMON_OPT_BASE + index, at most FDRI_DAEMON_MAX_OPTS. */
#define FDRI_DAEMON_OPT_BASE 0x100
#define FDRI_DAEMON_MAX_OPTS 64
struct option;
size_t fdri_daemon_longopts(struct option *lo);
int fdri_daemon_set_opt(struct fdri_daemon_opts *o, int val, const char *v);
const char *fdri_daemon_opt_name(int val);
bool fdri_daemon_opt_daemon_only(int val);
/* --help text of the options: of every daemon (run too), and of a
 * long-lived daemon only */
extern const char fdri_daemon_opts_help[];
extern const char fdri_daemon_only_help[];
/* Checks what the options name but do not hold: the specs of the
 * FAKEDRI_FAULTS environment variable and of --fault-replay FILE. Returns 0,
 * or -1 having reported the first bad one in one line (exit status 2). */
int fdri_daemon_check_opts(const struct fdri_daemon_opts *o);

struct fdri_daemon *fdri_daemon_start(struct event_base *base, const struct fdri_daemon_opts *o);
void fdri_daemon_stop(struct fdri_daemon *d);
/* Sync hazards seen on all the daemon's devices (docs/gpu.md). */
uint64_t fdri_daemon_hazards(const struct fdri_daemon *d);
/* GPU jobs submitted on all the daemon's devices. */
uint64_t fdri_daemon_jobs(const struct fdri_daemon *d);
/* Faults injected so far on all the daemon's devices (fdri_fault.h). */
uint64_t fdri_daemon_faults(const struct fdri_daemon *d);
/* Injectable calls (sites) numbered so far. */
uint64_t fdri_daemon_fault_calls(const struct fdri_daemon *d);
/* The counters of all the daemon's devices, summed into @sum. */
void fdri_daemon_stats(const struct fdri_daemon *d, struct fdri_stats *sum);
/* The busy-poll window for fdri_server_run(), in ns. */
long fdri_daemon_spin_ns(const struct fdri_daemon_opts *o);

#endif
