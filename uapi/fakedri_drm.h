/* SPDX-License-Identifier: MIT */
/*
 * fakedri_drm.h - the fakedri driver's own ioctls (the "fakedri" personality).
 *
 * This header owns only fakedri's driver-private ABI: the ioctls in the
 * DRM_COMMAND_BASE..DRM_COMMAND_END range. The core DRM ABI comes from
 * libdrm's <drm.h> and is never copied here. All structs are 64-bit aligned
 * and identical on 32- and 64-bit, following the kernel's botching-up-ioctls
 * rules: new fields are only ever appended, and the kernel-style dispatcher
 * zero-extends short structs, so old callers keep working.
 *
 * Objects referenced here are GEM objects; their lifetime rules are those of
 * any GEM object (see docs/uapi.md).
 */
#ifndef FAKEDRI_DRM_H
#define FAKEDRI_DRM_H

#include <drm.h>

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_FAKEDRI_GEM_CREATE		0x00
#define DRM_FAKEDRI_GEM_MMAP_OFFSET	0x01
#define DRM_FAKEDRI_GEM_INFO		0x02
#define DRM_FAKEDRI_DEVICE_STATS	0x03
#define DRM_FAKEDRI_TEST_WAIT		0x04
#define DRM_FAKEDRI_TEST_WAKE		0x05

/**
 * struct drm_fakedri_gem_create - create a zero-filled GEM object
 * @size: in: requested size in bytes (> 0); out: the size rounded up to pages
 * @flags: must be 0
 * @handle: out: the new handle
 *
 * Errors: EINVAL for size 0, unknown flags or a size that does not fit the
 * device; ENOMEM when the device's memory limit is reached.
 */
struct drm_fakedri_gem_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_fakedri_gem_mmap_offset - fake offset for mmap() on the DRM fd
 * @handle: in: the object
 * @flags: must be 0
 * @offset: out: pass this as the offset argument of mmap() on the DRM fd
 *
 * Works for imported objects too, unlike MODE_MAP_DUMB.
 * Errors: ENOENT for an unknown handle, EINVAL for unknown flags.
 */
struct drm_fakedri_gem_mmap_offset {
	__u32 handle;
	__u32 flags;
	__u64 offset;
};

#define DRM_FAKEDRI_GEM_INFO_IMPORTED	(1u << 0) /* object came from PRIME import of a foreign dma-buf */
#define DRM_FAKEDRI_GEM_INFO_EXPORTED	(1u << 1) /* object has an exported dma-buf */
#define DRM_FAKEDRI_GEM_INFO_BACKED	(1u << 2) /* backing storage has been created */

/**
 * struct drm_fakedri_gem_info - what the device knows about an object
 * @handle: in: the object
 * @flags: out: DRM_FAKEDRI_GEM_INFO_* bits
 * @size: out: size in bytes
 * @name: out: the flink name, or 0 if the object has none
 * @handle_count: out: number of handles to the object across all files
 * @id: out: a device-wide object id, stable for the object's lifetime
 */
struct drm_fakedri_gem_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u32 name;
	__u32 handle_count;
	__u64 id;
};

/**
 * struct drm_fakedri_device_stats - device-wide counters, for leak checks
 * @objects: GEM objects alive (with handles, or held by a dma-buf)
 * @dmabufs: dma-bufs the device still references
 * @files: open DRM files, the caller's included
 * @backed_bytes: bytes of objects whose backing storage exists
 * @ioctls: ioctls served so far, this one included
 * @fences: fences alive in the daemon (all devices)
 * @fence_fds: fence fds alive in the daemon: sync_files, syncobj files,
 *	sw_sync timelines, dma-buf poll proxies (all devices)
 * @waiters: calls of this device waiting in the daemon (parked)
 *
 * The last three came later: a caller with the older, shorter struct gets
 * the first five, as drm_ioctl() copies what both sizes share.
 */
struct drm_fakedri_device_stats {
	__u64 objects;
	__u64 dmabufs;
	__u64 files;
	__u64 backed_bytes;
	__u64 ioctls;
	__u64 fences;
	__u64 fence_fds;
	__u64 waiters;
};

/**
 * struct drm_fakedri_test_wait - wait until woken (a test interface)
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline in ns; 0: no deadline
 * @key: the wake-up this call waits for
 * @flags: must be 0
 *
 * A call that waits in the device, as a fence wait does, for tests of
 * waiting itself: it returns 0 once a DRM_IOCTL_FAKEDRI_TEST_WAKE with the
 * same @key (on any file of the device) wakes it, or fails with ETIME at
 * the deadline. A signal interrupts it with EINTR; since the deadline is
 * absolute, restarting with the same arguments (as drmIoctl() does) keeps
 * it. Errors: EINVAL for unknown flags, ETIME.
 */
struct drm_fakedri_test_wait {
	__u64 deadline_ns;
	__u32 key;
	__u32 flags;
};

/**
 * struct drm_fakedri_test_wake - wake the waiters of a key (a test interface)
 * @key: in: which waiters
 * @count: out: how many calls were woken
 */
struct drm_fakedri_test_wake {
	__u32 key;
	__u32 count;
};

#define DRM_IOCTL_FAKEDRI_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_GEM_CREATE, struct drm_fakedri_gem_create)
#define DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_GEM_MMAP_OFFSET, struct drm_fakedri_gem_mmap_offset)
#define DRM_IOCTL_FAKEDRI_GEM_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_GEM_INFO, struct drm_fakedri_gem_info)

#define DRM_IOCTL_FAKEDRI_DEVICE_STATS \
	DRM_IOR(DRM_COMMAND_BASE + DRM_FAKEDRI_DEVICE_STATS, struct drm_fakedri_device_stats)
#define DRM_IOCTL_FAKEDRI_TEST_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_FAKEDRI_TEST_WAIT, struct drm_fakedri_test_wait)
#define DRM_IOCTL_FAKEDRI_TEST_WAKE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_TEST_WAKE, struct drm_fakedri_test_wake)

#if defined(__cplusplus)
}
#endif

#endif /* FAKEDRI_DRM_H */
