/*
 * fdri_syncobj.h - DRM sync objects (drivers/gpu/drm/drm_syncobj.c of
 * Linux 6.1): a per-file handle to a container of one fence, which can be
 * replaced, reset, signalled, waited for, shared as an opaque fd or
 * converted to and from a sync_file.
 *
 * DOC: lifetime
 * - A syncobj (struct fdri_syncobj) is refcounted. Its handle in a file's
 *   idr (file->syncobjs) holds one reference; so does every syncobj fd (a
 *   tracked fd object, fdri_syncobj_file_type, one per HANDLE_TO_FD), and
 *   every wait in progress on it. The last put drops its fence.
 * - The syncobj holds one reference on its current fence (or none).
 * - Waiters for a fence to be installed (WAIT_FOR_SUBMIT) are borrowed
 *   nodes on @cb_list owned by the waiting request, which removes them
 *   whenever it leaves the parked state; installing a fence runs them.
 * - A file's syncobjs are released at close (fdri_syncobj_release_all),
 *   after its parked requests were cancelled.
 * - A syncobj belongs to no device: its fd may be imported on another
 *   device, as the kernel allows; whoever works on it passes the time.
 * - A timeline syncobj's fence is a fence chain node (fdri_fence_chain.h)
 *   per point; binary operations see the newest node.
 */
#ifndef FDRI_SYNCOBJ_H
#define FDRI_SYNCOBJ_H

#include "fdri_core.h"
#include "fdri_fdobj.h"
#include "fdri_fence.h"
#include "fdri_ioctl.h"
#include "fdri_list.h"

struct fdri_syncobj;

/* A waiter for a fence to be installed (drm_syncobj's syncobj_wait_entry
 * on cb_list): @func runs on every install of a fence, with the node
 * already off the list; it may put itself back. */
struct fdri_syncobj_waiter {
	struct fdri_list node;
	void (*func)(struct fdri_syncobj *syncobj, struct fdri_syncobj_waiter *w);
};

struct fdri_syncobj {
	unsigned int refcount;
	struct fdri_fence *fence;      /* holds a reference, or NULL */
	struct fdri_list cb_list;      /* struct fdri_syncobj_waiter */
	/* EVENTFD registrations (owned: freed with the syncobj at the latest) */
	struct fdri_list ev_fd_list;
};

/*
 * DRM_IOCTL_SYNCOBJ_EVENTFD (Linux 6.6; Debian 12's libdrm headers do not
 * have it yet): the ABI of include/uapi/drm/drm.h.
 */
struct fdri_drm_syncobj_eventfd {
	uint32_t handle;
	uint32_t flags;
	uint64_t point;
	int32_t fd;
	uint32_t pad;
};
#define FDRI_DRM_IOCTL_SYNCOBJ_EVENTFD DRM_IOWR(0xCF, struct fdri_drm_syncobj_eventfd)

/* An opaque syncobj fd: holds a reference on its syncobj. */
struct fdri_syncobj_file {
	struct fdri_fdobj base;
	struct fdri_syncobj *syncobj;
};

extern const struct fdri_fdobj_type fdri_syncobj_file_type;

/* drm_syncobj_create: a new syncobj (one reference), NULL without memory. */
struct fdri_syncobj *fdri_syncobj_create(struct fdri_device *dev, uint32_t flags);
struct fdri_syncobj *fdri_syncobj_get(struct fdri_syncobj *s);
void fdri_syncobj_put(struct fdri_syncobj *s);
/* drm_syncobj_find: the syncobj of @handle with a new reference, or NULL. */
struct fdri_syncobj *fdri_syncobj_find(struct fdri_file *file, uint32_t handle);
/* drm_syncobj_replace_fence: takes its own reference on @fence (NULL
 * resets) and runs the waiters if the fence changed. */
void fdri_syncobj_replace_fence(struct fdri_syncobj *s, struct fdri_fence *fence);
/* The current fence with a new reference, or NULL. */
struct fdri_fence *fdri_syncobj_fence_get(struct fdri_syncobj *s);

/* File open/close (fdri_file.c). */
void fdri_syncobj_open(struct fdri_file *file);
void fdri_syncobj_release_all(struct fdri_file *file);

/* Ioctl handlers (table in fdri_ioctl.c). */
int fdri_ioctl_syncobj_create(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_destroy(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_handle_to_fd(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_fd_to_handle(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_wait(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_reset(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_signal(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_timeline_wait(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_eventfd(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_timeline_signal(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_query(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_syncobj_transfer(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);

#endif
