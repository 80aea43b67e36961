/*
 * fdri_driver.c - the "fakedri" personality's driver ioctls (uapi/fakedri_drm.h),
 * and the "vgem" personality (its ioctls are fdri_vgem_fence.c's). The GPU
 * ioctls (GET_PARAM, CTX_*, SUBMIT, GEM_WAIT) and the per-file state
 * behind them are fdri_gpu_ioctl.c's.
 * Objects made here are ordinary GEM objects; see fdri_core.h for their
 * lifetime.
 */
#include "fdri_req.h"
#include "fdri_fdobj.h"
#include "fdri_fence.h"

#include <errno.h>
#include <stddef.h>

#include "fakedri_drm.h"
#include "fdri_gpu.h"
#include "fdri_vgem_fence.h"

static int gem_create(struct fdri_file *f, const struct fdri_caller *w, void *data,
		      struct fdri_ioctl_args *a)
{
	struct drm_fakedri_gem_create *args = data;
	struct fdri_gem *obj;
	int handle;

	(void)w; (void)a;
	if (args->flags || args->size == 0)
		return -EINVAL;
	handle = fdri_gem_create_with_handle(f, args->size, &obj);
	if (handle < 0)
		return handle;
	args->handle = (uint32_t)handle;
	args->size = obj->size;
	return 0;
}

static int gem_mmap_offset(struct fdri_file *f, const struct fdri_caller *w, void *data,
			   struct fdri_ioctl_args *a)
{
	struct drm_fakedri_gem_mmap_offset *args = data;
	struct fdri_gem *obj;

	(void)w; (void)a;
	if (args->flags)
		return -EINVAL;
	obj = fdri_gem_lookup(f, args->handle);
	if (!obj)
		return -ENOENT;
	args->offset = obj->mmap_offset;
	return 0;
}

static int gem_info(struct fdri_file *f, const struct fdri_caller *w, void *data,
		    struct fdri_ioctl_args *a)
{
	struct drm_fakedri_gem_info *args = data;
	struct fdri_gem *obj;

	(void)w; (void)a;
	obj = fdri_gem_lookup(f, args->handle);
	if (!obj)
		return -ENOENT;
	args->flags = (obj->import ? DRM_FAKEDRI_GEM_INFO_IMPORTED : 0) |
		      (obj->dma_buf && !obj->import ? DRM_FAKEDRI_GEM_INFO_EXPORTED : 0) |
		      (obj->memfd >= 0 ? DRM_FAKEDRI_GEM_INFO_BACKED : 0);
	args->size = obj->size;
	args->name = obj->name;
	args->handle_count = obj->handle_count;
	args->id = obj->id;
	return 0;
}

static int device_stats(struct fdri_file *f, const struct fdri_caller *w, void *data,
			struct fdri_ioctl_args *a)
{
	struct drm_fakedri_device_stats *st = data;
	const struct fdri_stats *s = &f->dev->stats;

	(void)w; (void)a;
	st->objects = s->objects;
	st->dmabufs = s->dmabufs;
	st->files = s->files_open;
	st->backed_bytes = s->backed_bytes;
	st->ioctls = s->ioctls;
	st->fences = fdri_fence_live;
	st->fence_fds = f->dev->fdobjs->live;
	st->waiters = s->parked;
	st->jobs = s->jobs;
	st->hazards = s->hazards;
	return 0;
}

/* TEST_WAIT: parked on dev->test_waiters, keyed by @key, until TEST_WAKE
 * or the deadline. */
static int test_wait_resume(struct fdri_req *req, int why)
{
	(void)req;
	return why;
}

static int test_wait(struct fdri_file *f, const struct fdri_caller *w, void *data,
		     struct fdri_ioctl_args *a)
{
	struct drm_fakedri_test_wait *args = data;
	const struct fdri_host_ops *h = f->dev->host;
	int ret;

	(void)w;
	if (args->flags)
		return -EINVAL;
	if (args->deadline_ns && (int64_t)args->deadline_ns <= h->now(f->dev->host_ctx))
		return -ETIME;
	ret = fdri_req_park(a->req, test_wait_resume, NULL, (int64_t)args->deadline_ns);
	if (ret == FDRI_PARKED) {
		a->req->wait_key = args->key;
		fdri_list_add_tail(&f->dev->test_waiters, &a->req->wait_link);
	}
	return ret;
}

static int test_wake(struct fdri_file *f, const struct fdri_caller *w, void *data,
		     struct fdri_ioctl_args *a)
{
	struct drm_fakedri_test_wake *args = data;
	struct fdri_list woken;

	(void)w; (void)a;
	/* collect first: waking completes requests, which may reach their
	 * transports */
	fdri_list_init(&woken);
	args->count = 0;
	for (struct fdri_list *l = f->dev->test_waiters.next, *n; l != &f->dev->test_waiters; l = n) {
		struct fdri_req *req = fdri_container_of(l, struct fdri_req, wait_link);

		n = l->next;
		if (req->wait_key != args->key)
			continue;
		fdri_list_del(l);
		fdri_list_add_tail(&woken, l);
		args->count++;
	}
	while (!fdri_list_empty(&woken))
		fdri_req_wake(fdri_container_of(woken.next, struct fdri_req, wait_link), 0);
	return 0;
}

#define DRV(ioctl, fn, fl) \
	[DRM_FAKEDRI_##ioctl] = { .cmd = DRM_IOCTL_FAKEDRI_##ioctl, .name = "FAKEDRI_" #ioctl, \
		.flags = (fl), .func = (fn), .fd_in_off = -1, .fd_out_off = -1 }

/* SUBMIT's nested arrays: IN, counted by a u32 field */
#define SUBMIT_PTR(ptr, count, type) \
	{ .ptr_off = offsetof(struct drm_fakedri_submit, ptr), \
	  .len_off = offsetof(struct drm_fakedri_submit, count), .len_size = 4, \
	  .dir = FDRI_PTR_IN, .elem_size = sizeof(type) }

static const struct fdri_ioctl_desc driver_ioctls[] = {
	DRV(GEM_CREATE, gem_create, FDRI_AUTH | FDRI_RENDER_ALLOW),
	DRV(GEM_MMAP_OFFSET, gem_mmap_offset, FDRI_AUTH | FDRI_RENDER_ALLOW),
	DRV(GEM_INFO, gem_info, FDRI_AUTH | FDRI_RENDER_ALLOW),
	DRV(DEVICE_STATS, device_stats, FDRI_RENDER_ALLOW),
	DRV(TEST_WAIT, test_wait, FDRI_RENDER_ALLOW),
	DRV(TEST_WAKE, test_wake, FDRI_RENDER_ALLOW),
	DRV(GET_PARAM, fdri_gpu_ioctl_get_param, FDRI_AUTH | FDRI_RENDER_ALLOW),
	DRV(CTX_CREATE, fdri_gpu_ioctl_ctx_create, FDRI_AUTH | FDRI_RENDER_ALLOW),
	DRV(CTX_DESTROY, fdri_gpu_ioctl_ctx_destroy, FDRI_AUTH | FDRI_RENDER_ALLOW),
	[DRM_FAKEDRI_SUBMIT] = {
		.cmd = DRM_IOCTL_FAKEDRI_SUBMIT, .name = "FAKEDRI_SUBMIT",
		.flags = FDRI_AUTH | FDRI_RENDER_ALLOW, .func = fdri_gpu_ioctl_submit,
		/* in with FENCE_FD_IN, out with FENCE_FD_OUT, as msm's fence_fd */
		.fd_in_off = offsetof(struct drm_fakedri_submit, fence_fd),
		.fd_out_off = offsetof(struct drm_fakedri_submit, fence_fd),
		.nptrs = 3,
		.ptrs = {
			SUBMIT_PTR(bos, nr_bos, struct drm_fakedri_submit_bo),
			SUBMIT_PTR(syncobjs, nr_syncobjs, struct drm_fakedri_submit_syncobj),
			SUBMIT_PTR(cmds, nr_cmds, struct drm_fakedri_submit_cmd),
		},
	},
	DRV(GEM_WAIT, fdri_gpu_ioctl_gem_wait, FDRI_AUTH | FDRI_RENDER_ALLOW),
	DRV(RESET_STATS, fdri_gpu_ioctl_reset_stats, FDRI_AUTH | FDRI_RENDER_ALLOW),
};

const struct fdri_personality fdri_personality_fakedri = {
	.name = "fakedri",
	.desc = "fakedri userspace GEM device",
	.date = "20261121",
	.major = 1, .minor = 0, .patchlevel = 0,
	.unique = "fakedri",
	.bus = "platform",
	.ioctls = driver_ioctls,
	.num_ioctls = sizeof(driver_ioctls) / sizeof(driver_ioctls[0]),
	.modeset = true,
	.syncobj = true,
	.syncobj_timeline = true,
	.open = fdri_gpu_file_open,
	.postclose = fdri_gpu_file_postclose,
};

/* What Linux 6.1's vgem reports, with its fence ioctls (0x41, 0x42,
 * fdri_vgem_fence.c) and their per-file state. */
const struct fdri_personality fdri_personality_vgem = {
	.name = "vgem",
	.desc = "Virtual GEM provider",
	.date = "20120112",
	.major = 1, .minor = 0, .patchlevel = 0,
	.unique = "vgem",
	.bus = "platform",
	.ioctls = fdri_vgem_ioctls,
	.num_ioctls = FDRI_VGEM_NUM_IOCTLS,
	.open = fdri_vgem_open,
	.postclose = fdri_vgem_postclose,
};
