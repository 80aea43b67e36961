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
#define DRM_FAKEDRI_GET_PARAM		0x06
#define DRM_FAKEDRI_CTX_CREATE		0x07
#define DRM_FAKEDRI_CTX_DESTROY		0x08
#define DRM_FAKEDRI_SUBMIT		0x09
#define DRM_FAKEDRI_GEM_WAIT		0x0a
#define DRM_FAKEDRI_RESET_STATS		0x0b

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
 * @jobs: GPU jobs submitted and not completed yet (DRM_FAKEDRI_SUBMIT)
 * @hazards: jobs that skipped implicit sync and touched a buffer another
 *	context's pending job or fence still used (docs/gpu.md), so far
 *
 * Fields were appended over time: a caller with an older, shorter struct
 * gets the fields it knows, as drm_ioctl() copies what both sizes share.
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
	__u64 jobs;
	__u64 hazards;
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

/*
 * The simulated GPU (docs/gpu.md): a device has FAKEDRI_PARAM_NUM_QUEUES
 * queues (engines). A job, submitted to one queue in a context, waits for
 * its dependencies, then runs for its duration; when it completes, its
 * commands are executed against the memory of its buffer objects and its
 * fence signals. Jobs on one queue complete in submission order; queues
 * run concurrently.
 */

#define FAKEDRI_PARAM_NUM_QUEUES	1 /* queues (engines) of the device */
#define FAKEDRI_PARAM_TIMESTAMP		2 /* the GPU clock now: CLOCK_MONOTONIC ns */
#define FAKEDRI_PARAM_POISON		3 /* FAKEDRI_POISON if poisoning is on, else 0 */
#define FAKEDRI_PARAM_HAZARDS		4 /* FAKEDRI_HAZARDS_* */

#define FAKEDRI_HAZARDS_OFF		0 /* not looked for */
#define FAKEDRI_HAZARDS_LOG		1 /* counted and reported; the job runs */
#define FAKEDRI_HAZARDS_ERROR		2 /* the job fails: fence error -EIO, commands not run */

/*
 * The 32-bit pattern a job's destination ranges hold until it completes,
 * when poisoning is on (little-endian, aligned to the buffer's 4-byte
 * words): from its submission if its destination buffers are idle then,
 * else from its start. A reader that did not wait sees it.
 */
#define FAKEDRI_POISON			0xDEADBEEFu

/**
 * struct drm_fakedri_get_param - one of the device's parameters
 * @param: in: FAKEDRI_PARAM_*
 * @pad: must be 0
 * @value: out
 *
 * Errors: EINVAL for an unknown @param or @pad != 0.
 */
struct drm_fakedri_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

#define FAKEDRI_CTX_PRIORITY_MIN	(-1023)
#define FAKEDRI_CTX_PRIORITY_MAX	1023

/**
 * struct drm_fakedri_ctx_create - a new GPU context of the file
 * @flags: must be 0
 * @priority: FAKEDRI_CTX_PRIORITY_MIN..MAX; recorded and reported, it does
 *	not reorder jobs (a queue runs its jobs in submission order)
 * @ctx_id: out: the context, >= 1, valid in this file only
 * @pad: must be 0
 *
 * Errors: EINVAL for flags, pad or priority out of range.
 */
struct drm_fakedri_ctx_create {
	__u32 flags;
	__s32 priority;
	__u32 ctx_id;
	__u32 pad;
};

/**
 * struct drm_fakedri_ctx_destroy - destroy a context
 * @ctx_id: in
 * @pad: must be 0
 *
 * Jobs the context submitted still complete. Errors: EINVAL for @pad,
 * ENOENT for an unknown context.
 */
struct drm_fakedri_ctx_destroy {
	__u32 ctx_id;
	__u32 pad;
};

#define FAKEDRI_SUBMIT_BO_READ		(1u << 0)
#define FAKEDRI_SUBMIT_BO_WRITE		(1u << 1)

/**
 * struct drm_fakedri_submit_bo - a buffer object the job uses
 * @handle: a GEM handle of the file
 * @flags: FAKEDRI_SUBMIT_BO_READ and/or _WRITE, at least one: what implicit
 *	sync waits for, and the fence usage the job adds
 */
struct drm_fakedri_submit_bo {
	__u32 handle;
	__u32 flags;
};

#define FAKEDRI_SUBMIT_SYNCOBJ_WAIT	(1u << 0)
#define FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL	(1u << 1)

/**
 * struct drm_fakedri_submit_syncobj - a syncobj the job waits on or signals
 * @handle: a syncobj handle of the file
 * @flags: FAKEDRI_SUBMIT_SYNCOBJ_WAIT and/or _SIGNAL, at least one
 * @point: 0 for a binary syncobj; else a timeline point: WAIT waits for
 *	it, SIGNAL adds it, signalled with the job's fence
 *
 * A WAIT entry needs its fence (or point) submitted already: EINVAL
 * otherwise, as drm_syncobj_find_fence() without WAIT_FOR_SUBMIT.
 */
struct drm_fakedri_submit_syncobj {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

#define FAKEDRI_CMD_FILL	1 /* the 32-bit @value over @length bytes at @dst_offset */
#define FAKEDRI_CMD_COPY	2 /* @length bytes from @src_bo/@src_offset to @dst_bo/@dst_offset */
#define FAKEDRI_CMD_WRITE32	3 /* the 32-bit @value at @dst_offset */
#define FAKEDRI_CMD_WRITE64	4 /* the 64-bit @value at @dst_offset */
#define FAKEDRI_CMD_TIMESTAMP	5 /* the completion time (CLOCK_MONOTONIC ns, u64) at @dst_offset */

/**
 * struct drm_fakedri_submit_cmd - one command, run when the job completes
 * @op: FAKEDRI_CMD_*
 * @dst_bo: index into the job's @bos, which must have FAKEDRI_SUBMIT_BO_WRITE
 * @dst_offset: bytes; FILL and WRITE32: a multiple of 4; WRITE64 and
 *	TIMESTAMP: a multiple of 8
 * @src_bo: COPY: index into @bos; else 0
 * @pad: must be 0
 * @src_offset: COPY; else 0
 * @length: FILL (a multiple of 4) and COPY: bytes, > 0; else 0
 * @value: FILL, WRITE32 (< 2^32) and WRITE64; else 0
 *
 * Ranges must lie within their objects. Commands run in order; a COPY
 * whose ranges overlap behaves as memmove(). A source never written reads
 * as zeros.
 */
struct drm_fakedri_submit_cmd {
	__u32 op;
	__u32 dst_bo;
	__u64 dst_offset;
	__u32 src_bo;
	__u32 pad;
	__u64 src_offset;
	__u64 length;
	__u64 value;
};

#define FAKEDRI_SUBMIT_NO_IMPLICIT	(1u << 0) /* skip implicit sync (fences are still added) */
#define FAKEDRI_SUBMIT_FENCE_FD_IN	(1u << 1) /* wait on the sync_file @fence_fd */
#define FAKEDRI_SUBMIT_FENCE_FD_OUT	(1u << 2) /* return a sync_file of the job's fence in @fence_fd */
#define FAKEDRI_SUBMIT_FLAGS		(FAKEDRI_SUBMIT_NO_IMPLICIT | FAKEDRI_SUBMIT_FENCE_FD_IN | \
					 FAKEDRI_SUBMIT_FENCE_FD_OUT)

#define FAKEDRI_SUBMIT_MAX_BOS		1024
#define FAKEDRI_SUBMIT_MAX_SYNCOBJS	1024
#define FAKEDRI_SUBMIT_MAX_CMDS		1024
#define FAKEDRI_SUBMIT_MAX_DURATION_NS	60000000000ull /* 60 s */

/**
 * struct drm_fakedri_submit - queue a job
 * @flags: FAKEDRI_SUBMIT_*
 * @ctx_id: a context of the file (DRM_FAKEDRI_CTX_CREATE)
 * @queue: 0 .. FAKEDRI_PARAM_NUM_QUEUES - 1
 * @fence_fd: in, with FENCE_FD_IN: a sync_file to wait on; out, with
 *	FENCE_FD_OUT: a new sync_file (O_CLOEXEC) of the job's fence. Set it
 *	to -1 when FENCE_FD_IN is not given.
 * @duration_ns: how long the job runs once it started (<= 60 s; a job
 *	longer than the job timeout, 2 s by default, times out and resets
 *	its queue)
 * @bos: pointer to @nr_bos struct drm_fakedri_submit_bo
 * @syncobjs: pointer to @nr_syncobjs struct drm_fakedri_submit_syncobj
 * @cmds: pointer to @nr_cmds struct drm_fakedri_submit_cmd
 * @nr_bos, @nr_syncobjs, @nr_cmds: at most FAKEDRI_SUBMIT_MAX_* each
 * @pad: must be 0
 * @seqno: out: the job's fence's seqno on its queue's timeline
 *
 * Errors, in the order they are checked: ENODEV once the device was
 * unplugged; EINVAL for unknown flags, @pad, @queue, a count over its
 * maximum or @duration_ns over 60 s; ENOENT for an unknown context;
 * ECANCELED if the context was banned (one of its jobs timed out: see
 * DRM_IOCTL_FAKEDRI_RESET_STATS); EINVAL if @fence_fd is no sync_file (FENCE_FD_IN);
 * for each syncobj entry in order: EFAULT if the array cannot be read,
 * EINVAL for flags, ENOENT for a handle, EINVAL for a WAIT without a
 * fence or point; for each BO: EFAULT, EINVAL for flags, ENOENT for a
 * handle; for each command: EFAULT, EINVAL for an op, a non-zero unused
 * field, an index, a BO without WRITE, alignment, a range; ENOMEM.
 */
struct drm_fakedri_submit {
	__u32 flags;
	__u32 ctx_id;
	__u32 queue;
	__s32 fence_fd;
	__u64 duration_ns;
	__u64 bos;
	__u64 syncobjs;
	__u64 cmds;
	__u32 nr_bos;
	__u32 nr_syncobjs;
	__u32 nr_cmds;
	__u32 pad;
	__u64 seqno;
};

#define FAKEDRI_GEM_WAIT_WRITE		(1u << 0)

/**
 * struct drm_fakedri_gem_wait - wait for a buffer's pending jobs and fences
 * @handle: in: the object
 * @flags: 0: until a read could start (the writers' fences signalled);
 *	FAKEDRI_GEM_WAIT_WRITE: until a write could (the readers' too)
 * @timeout_ns: in: relative; 0 asks whether the object is busy; negative
 *	waits forever. Out: for a positive timeout, the time left (0 after
 *	ETIME), as i915's GEM_WAIT
 *
 * Errors: EINVAL for flags; ENOENT for a handle; ETIME if still busy when
 * the timeout passed (at once for 0); EINTR on a signal.
 */
struct drm_fakedri_gem_wait {
	__u32 handle;
	__u32 flags;
	__s64 timeout_ns;
};

/*
 * Hang and reset (docs/gpu.md): a job still running when the job timeout
 * (default 2 s) passes since it started resets its queue. Its fence
 * signals with ETIME, its context is banned (SUBMIT fails with ECANCELED
 * from then on; its jobs not started yet complete with ECANCELED without
 * running), and the other contexts' jobs queued behind it run normally.
 */
#define FAKEDRI_RESET_FLAG_RESET	(1u << 0) /* AMDGPU_CTX_QUERY2_FLAGS_RESET */
/* (1u << 1) is amdgpu's AMDGPU_CTX_QUERY2_FLAGS_VRAMLOST: never set */
#define FAKEDRI_RESET_FLAG_GUILTY	(1u << 2) /* AMDGPU_CTX_QUERY2_FLAGS_GUILTY */
#define FAKEDRI_RESET_FLAG_BANNED	(1u << 3) /* SUBMIT fails with ECANCELED */

/**
 * struct drm_fakedri_reset_stats - reset status of a context or the device
 * @ctx_id: in: a context of the file, or 0 for the device
 * @flags: in: must be 0; out: FAKEDRI_RESET_FLAG_*. For a context: RESET
 *	if the device reset (any queue) since the context was created,
 *	GUILTY if one of its jobs timed out, BANNED with it. For the device:
 *	RESET if it ever reset, GUILTY if any job timed out, BANNED if any
 *	context was banned
 * @reset_count: out: the device's resets so far (i915's reset_count)
 * @batch_active: out: jobs that timed out (were running when their queue
 *	reset): the context's, or the device's (i915's batch_active)
 * @batch_pending: out: jobs that were queued, not running, on a queue
 *	when it reset: the context's, or the device's (i915's batch_pending)
 * @pad: must be 0
 *
 * amdgpu's AMDGPU_CTX_OP_QUERY_STATE2 and i915's
 * DRM_IOCTL_I915_GET_RESET_STATS in one. Errors: EINVAL for @flags or
 * @pad != 0; ENOENT for an unknown context.
 */
struct drm_fakedri_reset_stats {
	__u32 ctx_id;
	__u32 flags;
	__u32 reset_count;
	__u32 batch_active;
	__u32 batch_pending;
	__u32 pad;
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
#define DRM_IOCTL_FAKEDRI_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_GET_PARAM, struct drm_fakedri_get_param)
#define DRM_IOCTL_FAKEDRI_CTX_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_CTX_CREATE, struct drm_fakedri_ctx_create)
#define DRM_IOCTL_FAKEDRI_CTX_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_FAKEDRI_CTX_DESTROY, struct drm_fakedri_ctx_destroy)
#define DRM_IOCTL_FAKEDRI_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_SUBMIT, struct drm_fakedri_submit)
#define DRM_IOCTL_FAKEDRI_GEM_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_GEM_WAIT, struct drm_fakedri_gem_wait)
#define DRM_IOCTL_FAKEDRI_RESET_STATS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_RESET_STATS, struct drm_fakedri_reset_stats)

#if defined(__cplusplus)
}
#endif

#endif /* FAKEDRI_DRM_H */
