/*
 * fdri_vgem_fence.h - the vgem personality's fences (vgem_fence.c of
 * Linux 6.1): DRM_IOCTL_VGEM_FENCE_ATTACH and DRM_IOCTL_VGEM_FENCE_SIGNAL,
 * and the per-file state behind them. The ABI itself is defined in
 * fdri_vgem_fence.c only.
 */
#ifndef FDRI_VGEM_FENCE_H
#define FDRI_VGEM_FENCE_H

#include "fdri_ioctl.h"

/* vgem's driver ioctl table: index nr - DRM_COMMAND_BASE; slot 0 is
 * empty (EINVAL), 1 is FENCE_ATTACH, 2 is FENCE_SIGNAL. */
#define FDRI_VGEM_NUM_IOCTLS 3
extern const struct fdri_ioctl_desc fdri_vgem_ioctls[FDRI_VGEM_NUM_IOCTLS];

/* The personality's open/postclose hooks (vgem_open/vgem_postclose):
 * file->driver_priv holds the file's fence idr. */
int fdri_vgem_open(struct fdri_file *file);
void fdri_vgem_postclose(struct fdri_file *file);
/* fdri_device_unplug(): every unsignalled vgem fence of @dev's files
 * signals now with -ENODEV. */
void fdri_vgem_fence_unplug(struct fdri_device *dev);

/* VGEM_FENCE_TIMEOUT; dev->vgem_fence_timeout_ns overrides it if not 0. */
#define FDRI_VGEM_FENCE_TIMEOUT_NS (10ll * 1000000000ll)

#endif
