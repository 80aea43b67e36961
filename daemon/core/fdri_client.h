/*
 * fdri_client.h - per-client quotas: what one process may hold in the
 * daemon (open files, GEM handles, dma-bufs, object memory, channels,
 * parked requests), so that no client can exhaust the daemon's memory or
 * file descriptors, nor slow the others down by the size of its tables.
 *
 * A client is a process: the key is its thread-group id. The registry
 * (struct fdri_clients) maps tgids to clients and holds the limits; the
 * daemon makes one and shares it between its devices, so a process's
 * quota covers all of them.
 *
 * DOC: lifetimes
 * - struct fdri_clients is refcounted: each device that uses it and each
 *   live client hold a reference, so it outlives every client.
 * - struct fdri_client is refcounted by what it is charged for: each file
 *   opened by the process (file->client), each object whose memory it
 *   created (obj->client), each dma-buf the daemon holds an fd for on its
 *   behalf (buf->client), and each connection of the socket transport
 *   (which counts channels). It leaves the registry at its last reference,
 *   so a later process with the same tgid starts from zero; a process that
 *   reuses the tgid of one whose files are still open (passed on, say)
 *   shares that quota until they are closed.
 * - Every charge is undone by the holder that took it, at the moment the
 *   resource is released (handle deleted, object freed, dma-buf freed,
 *   request unparked, file closed): counters are exact, never recomputed.
 *
 * All operations are O(1); nothing here does I/O.
 */
#ifndef FDRI_CLIENT_H
#define FDRI_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdri_map.h"

enum fdri_quota {
	FDRI_Q_FILES = 0,  /* open DRM files: EMFILE at open */
	FDRI_Q_HANDLES,    /* GEM handles over all its files: ENOSPC */
	FDRI_Q_DMABUFS,    /* dma-bufs the daemon holds an fd for: EMFILE at export */
	FDRI_Q_MEMORY,     /* bytes of the objects it created: ENOMEM */
	FDRI_Q_CHANNELS,   /* sockets of the socket transport: refused */
	FDRI_Q_PARKED,     /* parked (waiting) requests: ENOMEM */
	FDRI_Q_COUNT
};

/* What each client may hold; 0 is no limit. */
struct fdri_limits {
	uint64_t max[FDRI_Q_COUNT];
};

/* The defaults of the daemon: generous, so only a runaway client meets them. */
#define FDRI_LIMITS_DEFAULT { .max = { \
	[FDRI_Q_FILES] = 256, [FDRI_Q_HANDLES] = 65536, [FDRI_Q_DMABUFS] = 4096, \
	[FDRI_Q_MEMORY] = 8ull << 30, [FDRI_Q_CHANNELS] = 1024, [FDRI_Q_PARKED] = 1024 } }

struct fdri_clients {
	struct fdri_limits limits;   /* read at each charge: may be changed any time */
	struct fdri_map by_tgid;     /* tgid + 1 -> struct fdri_client */
	unsigned int refcount;
};

struct fdri_client {
	struct fdri_clients *reg;
	pid_t tgid;
	unsigned int refcount;
	uint64_t used[FDRI_Q_COUNT];
};

/* A registry without limits (all 0), with one reference; NULL if out of memory. */
struct fdri_clients *fdri_clients_create(void);
void fdri_clients_get(struct fdri_clients *reg);
void fdri_clients_put(struct fdri_clients *reg);
/* Names of the quotas, as in --limit: "files", "handles", ... */
extern const char *const fdri_quota_names[FDRI_Q_COUNT];

/* The client of @tgid, with a new reference; NULL if out of memory. */
struct fdri_client *fdri_client_get(struct fdri_clients *reg, pid_t tgid);
void fdri_client_ref(struct fdri_client *c);
void fdri_client_put(struct fdri_client *c);

/* Takes @n of quota @q for @c; false (and nothing taken) if that would go
 * over the limit. A NULL client is never limited. */
static inline bool fdri_client_charge(struct fdri_client *c, enum fdri_quota q, uint64_t n)
{
	uint64_t max;

	if (!c)
		return true;
	max = c->reg->limits.max[q];
	if (max && (n > max || c->used[q] > max - n))
		return false;
	c->used[q] += n;
	return true;
}

static inline void fdri_client_uncharge(struct fdri_client *c, enum fdri_quota q, uint64_t n)
{
	if (c)
		c->used[q] -= n;
}

#endif
