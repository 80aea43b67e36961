/*
 * fdri_sw_sync.h - sw_sync timelines (drivers/dma-buf/sw_sync.c of Linux
 * 6.1), the kernel's test timelines: opening the sw_sync file makes one,
 * SW_SYNC_IOC_CREATE_FENCE makes a sync_file for a point on it, and
 * SW_SYNC_IOC_INC advances it, signalling the points it passes.
 *
 * DOC: lifetime
 * - A timeline is a tracked fd object (fdri_fdobj.h): it lives while a
 *   client holds its fd. When the last one closes, its pending points
 *   signal with -ENOENT (sw_sync_debugfs_release()).
 * - A point is a fence. The timeline lists its pending points without
 *   references; a point leaves the list when it signals or is freed, and
 *   holds nothing of the timeline: it keeps a copy of the timeline's name
 *   (SYNC_IOC_FILE_INFO's obj_name), since it may outlive it.
 */
#ifndef FDRI_SW_SYNC_H
#define FDRI_SW_SYNC_H

#include "fdri_fdobj.h"
#include "fdri_fence.h"

/* FDRI_IOCTL_SW_SYNC_OPEN, of a connection without a DRM file. */
int fdri_ioctl_sw_sync_open(struct fdri_file *, const struct fdri_caller *, void *,
			    struct fdri_ioctl_args *);

extern const struct fdri_fdobj_type fdri_sw_sync_type;

#endif
