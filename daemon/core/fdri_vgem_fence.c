/*
 * fdri_vgem_fence.c - vgem's fences, exactly as drivers/gpu/drm/vgem/
 * vgem_fence.c of Linux 6.1: DRM_IOCTL_VGEM_FENCE_ATTACH puts a new fence
 * on a GEM object's reservation object (as a writer or a reader) and
 * hands back a per-file id; DRM_IOCTL_VGEM_FENCE_SIGNAL signals and
 * consumes it. A fence not signalled within VGEM_FENCE_TIMEOUT (10 s)
 * signals by itself, with no error; the SIGNAL ioctl then reports
 * ETIMEDOUT. Closing the file signals every fence it still has.
 *
 * Owns: struct vgem_file (file->driver_priv: the fence idr) and struct
 * vgem_fence (a fdri_fence with its timeout timer).
 *
 * DOC: lifetime and references
 * - A vgem fence starts with one reference, which the file's idr takes
 *   over at ATTACH; the object's resv takes another (fdri_resv.h), and
 *   anyone who exports it (sync_file) more.
 * - SIGNAL replaces the idr slot with NULL (so ids are never reused, as
 *   idr_replace keeps the id allocated), signals and drops the idr's
 *   reference; postclose does the same for every fence left.
 * - The timer holds no reference. It is armed only while the idr holds
 *   one: SIGNAL and postclose disarm it when they take the fence out, so
 *   the fence is alive whenever the timer fires. The fence's release
 *   frees the timer's host state (timer_delete_sync in the kernel).
 * - The fence keeps the host (ops and context) it was armed on: exported
 *   fences may outlive the file and the object. Its @dev pointer (no
 *   reference) is only used while the idr holds the fence, when the
 *   file, and so the device, are alive: to ask the fault registry as the
 *   fence signals (target "fence", fdri_fault.h).
 *
 * DOC: unplug
 * fdri_vgem_fence_unplug() signals every fence still unsignalled in the
 * device's files' idrs with -ENODEV and disarms its timeout; the fences
 * stay in the idrs, so postclose releases them as usual.
 */
#include "fdri_vgem_fence.h"

#include <errno.h>
#include <stdlib.h>

#include <drm.h>

#include "fdri_fault.h"
#include "fdri_fence.h"
#include "fdri_resv.h"

#include "fdri_vgem_abi.h"

struct vgem_file {
	struct fdri_idr fence_idr;   /* id -> struct fdri_fence * (a reference), or NULL */
};

struct vgem_fence {
	struct fdri_fence base;
	struct fdri_timer timer;
	const struct fdri_host_ops *host;
	void *host_ctx;
	struct fdri_device *dev;     /* no reference: see DOC above */
	pid_t pid, tid;              /* who attached it (fault filters) */
	uint64_t file_id;
};

static struct vgem_fence *to_vgem_fence(struct fdri_fence *f)
{
	return fdri_container_of(f, struct vgem_fence, base);
}

static const char *vgem_fence_driver_name(struct fdri_fence *f)
{
	(void)f;
	return "vgem";
}

static const char *vgem_fence_timeline_name(struct fdri_fence *f)
{
	(void)f;
	return "unbound";
}

static void vgem_fence_release(struct fdri_fence *f)
{
	struct vgem_fence *fence = to_vgem_fence(f);

	fence->host->timer_fini(fence->host_ctx, &fence->timer);
	free(fence);
}

static const struct fdri_fence_ops vgem_fence_ops = {
	.driver_name = vgem_fence_driver_name,
	.timeline_name = vgem_fence_timeline_name,
	.release = vgem_fence_release,
};

/*
 * The fence site: a fault that fires with an error (fence-error=, errno=,
 * restart=) makes the fence signal with it. Only for fences that were
 * attached (in an idr, so the device is alive).
 */
static void fence_fault(struct vgem_fence *fence, int64_t now)
{
	struct fdri_device *dev = fence->dev;
	struct fdri_fault_site site;
	struct fdri_fault_hit hit;

	if (!dev || !dev->faults || !fdri_faults_active(dev->faults))
		return;
	site = (struct fdri_fault_site){
		.target = FDRI_FAULT_T_FENCE,
		.device = fdri_device_minor(dev, FDRI_NODE_PRIMARY),
		.pid = fence->pid,
		.tid = fence->tid,
		.file = fence->file_id,
		.ctx = -1,
		.queue = -1,
		.size = 1,
		.now = now,
	};
	if (!fdri_faults_check(dev->faults, &site, &hit))
		return;
	if (hit.action == FDRI_FAULT_A_ERRNO || hit.action == FDRI_FAULT_A_RESTART ||
	    hit.action == FDRI_FAULT_A_FENCE_ERROR)
		fdri_fence_set_error(&fence->base, hit.err > 0 ? -hit.err : -EIO);
}

static void fence_signal_now(struct vgem_fence *fence)
{
	int64_t now = fence->host->now(fence->host_ctx);

	fence_fault(fence, now);
	fdri_fence_signal(&fence->base, now);
}

/* vgem_fence_timeout: the fence is alive (the idr holds it, see above) */
static void vgem_fence_timeout(struct fdri_timer *t)
{
	struct vgem_fence *fence = fdri_container_of(t, struct vgem_fence, timer);

	fdri_fence_get(&fence->base);   /* for the callbacks the signal runs */
	if (!fdri_fence_is_signaled(&fence->base))
		fence_signal_now(fence);
	fdri_fence_put(&fence->base);
}

static struct vgem_fence *vgem_fence_create(struct fdri_device *dev)
{
	struct vgem_fence *fence = calloc(1, sizeof(*fence));
	int64_t timeout = dev->vgem_fence_timeout_ns ? dev->vgem_fence_timeout_ns
						     : FDRI_VGEM_FENCE_TIMEOUT_NS;

	if (!fence)
		return NULL;
	fdri_fence_init(&fence->base, &vgem_fence_ops, fdri_fence_context_alloc(1), 1);
	fence->host = dev->host;
	fence->host_ctx = dev->host_ctx;
	fence->dev = dev;
	fence->timer.func = vgem_fence_timeout;
	/* We force the fence to expire within 10s to prevent driver hangs */
	if (dev->host->timer_arm(dev->host_ctx, &fence->timer,
				 dev->host->now(dev->host_ctx) + timeout) < 0) {
		fdri_fence_put(&fence->base);
		return NULL;
	}
	return fence;
}

/* Takes the idr's fence out of service: no timeout after this. */
static void fence_retire(struct fdri_fence *f)
{
	struct vgem_fence *fence = to_vgem_fence(f);

	fence->host->timer_disarm(fence->host_ctx, &fence->timer);
	if (!fdri_fence_is_signaled(f))
		fence_signal_now(fence);
	fdri_fence_put(f);
}

/* vgem_fence_attach_ioctl */
static int vgem_fence_attach(struct fdri_file *file, const struct fdri_caller *who,
			     void *data, struct fdri_ioctl_args *a)
{
	struct drm_vgem_fence_attach *arg = data;
	struct vgem_file *vfile = file->driver_priv;
	enum fdri_resv_usage usage;
	struct vgem_fence *fence;
	struct fdri_resv *resv;
	struct fdri_gem *obj;
	int ret;

	(void)a;
	if (arg->flags & ~VGEM_FENCE_WRITE)
		return -EINVAL;
	if (arg->pad)
		return -EINVAL;
	obj = fdri_gem_lookup(file, arg->handle);
	if (!obj)
		return -ENOENT;
	fdri_gem_get(obj);

	fence = vgem_fence_create(file->dev);
	if (!fence) {
		ret = -ENOMEM;
		goto err;
	}

	/* Check for a conflicting fence: dma_resv_usage_rw(write) is READ
	 * (every fence) for a writer, WRITE (the writers') for a reader */
	resv = fdri_gem_resv(obj);
	usage = arg->flags & VGEM_FENCE_WRITE ? FDRI_RESV_USAGE_READ : FDRI_RESV_USAGE_WRITE;
	if (!fdri_resv_test_signaled(resv, usage)) {
		ret = -EBUSY;
		goto err_fence;
	}

	/* Expose the fence via the dma-buf */
	ret = fdri_resv_add_fence(resv, &fence->base, arg->flags & VGEM_FENCE_WRITE ?
				  FDRI_RESV_USAGE_WRITE : FDRI_RESV_USAGE_READ);

	/* Record the fence in our idr for later signaling */
	if (ret == 0) {
		ret = fdri_idr_alloc(&vfile->fence_idr, &fence->base);
		if (ret > 0) {
			arg->out_fence = (uint32_t)ret;
			ret = 0;
		}
	}
err_fence:
	if (ret) {
		fence->dev = NULL; /* never seen by anyone: no fault site */
		fence_retire(&fence->base);
	} else {
		fence->pid = who->pid;
		fence->tid = who->tid;
		fence->file_id = file->id;
	}
err:
	fdri_gem_put(obj);
	return ret;
}

/* vgem_fence_signal_ioctl */
static int vgem_fence_signal(struct fdri_file *file, const struct fdri_caller *who,
			     void *data, struct fdri_ioctl_args *a)
{
	struct vgem_file *vfile = file->driver_priv;
	struct drm_vgem_fence_signal *arg = data;
	struct fdri_fence *fence;
	int ret = 0;

	(void)who; (void)a;
	if (arg->flags)
		return -EINVAL;

	/* an unknown id (idr_replace's ERR_PTR(-ENOENT)) or a consumed one */
	fence = fdri_idr_replace(&vfile->fence_idr, arg->fence, NULL);
	if (!fence)
		return -ENOENT;

	if (fdri_fence_is_signaled(fence))
		ret = -ETIMEDOUT;

	fence_retire(fence);
	return ret;
}

int fdri_vgem_open(struct fdri_file *file)
{
	struct vgem_file *vfile = calloc(1, sizeof(*vfile));

	if (!vfile)
		return -ENOMEM;
	fdri_idr_init(&vfile->fence_idr);
	file->driver_priv = vfile;
	return 0;
}

static void fence_idr_fini(uint32_t id, void *p, void *data)
{
	(void)id; (void)data;
	fence_retire(p);
}

/* vgem_postclose -> vgem_fence_close */
void fdri_vgem_postclose(struct fdri_file *file)
{
	struct vgem_file *vfile = file->driver_priv;

	if (!vfile)
		return;
	fdri_idr_for_each(&vfile->fence_idr, fence_idr_fini, NULL);
	fdri_idr_fini(&vfile->fence_idr);
	free(vfile);
	file->driver_priv = NULL;
}

#define VGEM_IOCTL(ioctl, fn, fl) \
	[DRM_VGEM_##ioctl] = { .cmd = DRM_IOCTL_VGEM_##ioctl, .name = "VGEM_" #ioctl, \
		.flags = (fl), .func = (fn), .fd_in_off = -1, .fd_out_off = -1 }

/* vgem_ioctls[]: both DRM_RENDER_ALLOW, as in 6.1 */
const struct fdri_ioctl_desc fdri_vgem_ioctls[FDRI_VGEM_NUM_IOCTLS] = {
	VGEM_IOCTL(FENCE_ATTACH, vgem_fence_attach, FDRI_RENDER_ALLOW),
	VGEM_IOCTL(FENCE_SIGNAL, vgem_fence_signal, FDRI_RENDER_ALLOW),
};

static void fence_unplug(uint32_t id, void *p, void *data)
{
	struct vgem_fence *fence;

	(void)id; (void)data;
	if (!p || fdri_fence_is_signaled(p))
		return;
	fence = to_vgem_fence(p);
	fence->host->timer_disarm(fence->host_ctx, &fence->timer);
	fdri_fence_get(&fence->base);   /* for the callbacks the signal runs */
	fdri_fence_set_error(&fence->base, -ENODEV);
	fdri_fence_signal(&fence->base, fence->host->now(fence->host_ctx));
	fdri_fence_put(&fence->base);
}

/**
 * fdri_vgem_fence_unplug() - every unsignalled vgem fence of @dev's files
 * signals now with -ENODEV (see DOC: unplug); nothing for a device of
 * another personality.
 */
void fdri_vgem_fence_unplug(struct fdri_device *dev)
{
	struct fdri_list *head = &dev->files;

	if (dev->pers->open != fdri_vgem_open)
		return;
	for (struct fdri_list *l = head->next; l != head; l = l->next) {
		struct fdri_file *file = fdri_container_of(l, struct fdri_file, dev_link);
		struct vgem_file *vfile = file->driver_priv;

		if (vfile)
			fdri_idr_for_each(&vfile->fence_idr, fence_unplug, NULL);
	}
}
