/*
 * fdri_sync_file.h - sync_file (drivers/dma-buf/sync_file.c of Linux 6.1):
 * an fd that carries one fence from process to process.
 *
 * The fd is an fd object (fdri_fdobj.h, tracked): POLLIN once the fence
 * has signalled and never POLLOUT, as sync_file_poll(); it works in any
 * process it reaches. Its ioctls are SYNC_IOC_MERGE and SYNC_IOC_FILE_INFO.
 *
 * DOC: lifetime
 * - A sync_file holds one reference on its fence for as long as any client
 *   has its fd (the fd object's client reference); when every fd is
 *   closed it drops the fence, signalled or not.
 * - Its callback on the fence, used to raise POLLIN, is removed before the
 *   sync_file is freed.
 */
#ifndef FDRI_SYNC_FILE_H
#define FDRI_SYNC_FILE_H

#include "fdri_fdobj.h"
#include "fdri_fence.h"

struct fdri_sync_file {
	struct fdri_fdobj base;
	struct fdri_fence *fence;      /* holds a reference */
	struct fdri_fence_cb cb;       /* raises POLLIN */
	char name[32];                 /* sync_file_info.name: set by MERGE */
};

extern const struct fdri_fdobj_type fdri_sync_file_type;

/*
 * sync_file_create() and fd_install(): a new sync_file for @fence (the
 * sync_file takes its own reference), whose fd goes back in the reply of
 * the request @args belongs to with @fd_flags (O_CLOEXEC). 0 or a negative
 * errno (-ENOMEM, -EMFILE).
 */
int fdri_sync_file_export(struct fdri_fdobjs *reg, struct fdri_fence *fence,
			  struct fdri_ioctl_args *args, int fd_flags);

/*
 * sync_file_get_fence(): the fence of the sync_file behind a client's fd
 * @fd, with a reference the caller must drop with fdri_fence_put(), or
 * NULL if @fd is not a sync_file (the kernel's callers answer -EINVAL).
 */
struct fdri_fence *fdri_sync_file_get_fence(struct fdri_fdobjs *reg, int fd);

/* dma_fence_allocate_private_stub(): a fence signalled at @now, named
 * "stub"; returns a reference, NULL without memory. */
struct fdri_fence *fdri_fence_stub(int64_t now);

#endif
