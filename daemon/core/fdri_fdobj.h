/*
 * fdri_fdobj.h - objects behind fds that are not DRM files: sync_files,
 * syncobj files, sw_sync timelines and dma-buf poll proxies.
 *
 * A client's fd for such an object is the client end of a socket pair the
 * host made (struct fdri_pollable): a real fd that works in any process it
 * is passed to, that poll(), select() and epoll watch with the readiness
 * the core sets (POLLIN and POLLOUT independently), and that the daemon
 * recognises when it comes back (by its inode). The shim recognises it too:
 * its peer is the daemon (SO_PEERCRED).
 *
 * DOC: lifetime of an fd object
 *
 * - struct fdri_fdobj is refcounted. fdri_fdobj_init() gives the creator one
 *   reference, the *client* reference: it stands for every client fd of
 *   the object, and the host drops it (fdri_fdobj_put() from the pollable's
 *   closed callback) when the last client fd anywhere is closed, so a dead
 *   client's sync_files go with it. Anything else that keeps the object
 *   (a request working on it) takes its own reference.
 * - A *tracked* object (the usual kind) hands its client end out exactly
 *   once: fdri_fdobj_give_fd() moves it into the request's reply, which
 *   closes the daemon's copy once sent; from then on only clients hold it.
 *   If it is never handed out, the client reference is dropped when the
 *   creator's fd closes (the request closes it on any completion).
 * - A *kept* object (a dma-buf's poll proxy) keeps its client end for its
 *   whole life: the core can then turn POLLIN and POLLOUT on and off at
 *   will, any number of clients may be sent a copy (fdri_fdobj_dup_fd()),
 *   and it never sees "closed"; its owner destroys it with fdri_fdobj_put().
 * - The registry (struct fdri_fdobjs) maps inodes to live objects. It is
 *   shared by all devices of a daemon (a sync_file made by one device
 *   merges with another's) and holds no references: an object leaves it
 *   when freed.
 * - ops->release() runs when the last reference goes; it frees the
 *   containing object.
 */
#ifndef FDRI_FDOBJ_H
#define FDRI_FDOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "fdri_ioctl.h"
#include "fdri_map.h"

struct fdri_fdobj;

/* Readiness bits for fdri_fdobj_set_events(): the poll(2) values. */
#define FDRI_POLLIN  0x001u
#define FDRI_POLLOUT 0x004u

/*
 * A host pollable (created by host_ops->pollable_create): a socket pair.
 * The host watches the daemon end and calls @closed on its loop once every
 * copy of the client end is gone (tracked ones only).
 */
struct fdri_pollable {
	void (*closed)(struct fdri_pollable *p);
	void *host;           /* the host's state, NULL until created */
	int client_fd;        /* the client end while the core holds it, else -1 */
	uint64_t ino;         /* the client end's inode: its identity */
	unsigned int events;  /* readiness now (FDRI_POLL*) */
	bool keep;            /* a kept object: the host keeps a copy of the client end */
};

/* What kind of object: its fd-ioctls and its destructor. */
struct fdri_seq;

struct fdri_fdobj_type {
	const char *name;
	enum fdri_fd_kind kind;      /* what the reply tells the client */
	/* ioctls on the object's fd, matched on the whole cmd; args->target
	 * is the object (a reference held for the request) */
	const struct fdri_ioctl_desc *ioctls;
	unsigned int num_ioctls;
	void (*release)(struct fdri_fdobj *obj);
	/* Optional: one line or more on the object for debugfs, ending in a
	 * newline (fdri_debugfs.h). */
	void (*describe)(struct fdri_fdobj *obj, struct fdri_seq *m);
};

struct fdri_fdobjs {
	unsigned int refcount;       /* devices sharing it */
	struct fdri_map by_ino;      /* client end inode -> struct fdri_fdobj */
	const struct fdri_host_ops *host;
	void *host_ctx;
	uint64_t live;               /* objects alive, for leak checks and stats */
	/* the devices sharing it (struct fdri_device.peer_link): the daemon's
	 * devices, which find each other's dma-bufs through it */
	struct fdri_list devices;
};

struct fdri_fdobj {
	const struct fdri_fdobj_type *type;
	struct fdri_fdobjs *reg;
	unsigned int refcount;
	bool registered;             /* in reg->by_ino */
	bool clients_gone;           /* the client reference was dropped */
	struct fdri_pollable poll;
};

/* --- registry --- */
/* A new registry with one reference, NULL without memory. */
struct fdri_fdobjs *fdri_fdobjs_create(const struct fdri_host_ops *host, void *host_ctx);
struct fdri_fdobjs *fdri_fdobjs_get(struct fdri_fdobjs *reg);
void fdri_fdobjs_put(struct fdri_fdobjs *reg);

/*
 * Makes @obj (embedded in its type's struct) a live object with readiness
 * @events and one reference (the client reference, see above). @keep
 * selects a kept object. Returns 0 or a negative errno (-EMFILE, -ENOMEM);
 * on failure nothing is to be released.
 */
int fdri_fdobj_init(struct fdri_fdobjs *reg, struct fdri_fdobj *obj,
		    const struct fdri_fdobj_type *type, unsigned int events, bool keep);
/* Takes a reference; returns @obj. */
struct fdri_fdobj *fdri_fdobj_get(struct fdri_fdobj *obj);
/* Drops a reference; the last one releases the object (type->release). */
void fdri_fdobj_put(struct fdri_fdobj *obj);

/*
 * The object an fd a client passed in stands for, with a reference the
 * caller must drop with fdri_fdobj_put(), or NULL (*err: -EBADF for a bad
 * fd, -EINVAL if it is not one of ours). @type, if not NULL, must match
 * (else -EINVAL).
 */
struct fdri_fdobj *fdri_fdobj_lookup(struct fdri_fdobjs *reg, int fd,
				     const struct fdri_fdobj_type *type, int *err);

/* If every client fd of @obj is closed by now (the host has not told
 * yet), drops the client reference at once; the host's later news is
 * ignored. The caller holds a reference of its own. */
void fdri_fdobj_check_closed(struct fdri_fdobj *obj);

/* Sets POLLIN/POLLOUT readiness. A tracked object handed out can only
 * gain POLLIN (a sync_file's signal); kept ones change freely. */
int fdri_fdobj_set_events(struct fdri_fdobj *obj, unsigned int events);

/*
 * For an fd-returning ioctl: hands the object's fd to the request's reply
 * (args->out_fd, of the type's kind, with @fd_flags: O_CLOEXEC of the ioctl).
 * A tracked object's client end moves to the request, which closes it
 * once sent; a kept one's is duplicated. 0 or a negative errno.
 */
int fdri_fdobj_give_fd(struct fdri_fdobj *obj, struct fdri_ioctl_args *args, int fd_flags);

#endif
