/*
 * fdri_sync_file.c - sync_file (see fdri_sync_file.h): the fd object that
 * carries a fence, SYNC_IOC_MERGE and SYNC_IOC_FILE_INFO as
 * drivers/dma-buf/sync_file.c and dma-fence-unwrap.c of Linux 6.1.
 *
 * Lifetime: struct fdri_sync_file is an fd object; its client reference is
 * dropped when every client fd is closed (fdri_fdobj.h). It holds one
 * fence reference and, until the fence signals or the sync_file dies, one
 * callback on the fence, which raises POLLIN.
 */
#include "fdri_sync_file.h"
#include "fdri_req.h"
#include "fdri_debugfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sync_file.h>

static void sync_file_release(struct fdri_fdobj *obj)
{
	struct fdri_sync_file *sf = fdri_container_of(obj, struct fdri_sync_file, base);

	fdri_fence_remove_callback(sf->fence, &sf->cb);
	fdri_fence_put(sf->fence);
	free(sf);
}

static void sync_file_signalled(struct fdri_fence *fence, struct fdri_fence_cb *cb)
{
	struct fdri_sync_file *sf = fdri_container_of(cb, struct fdri_sync_file, cb);

	(void)fence;
	fdri_fdobj_set_events(&sf->base, FDRI_POLLIN);
}

/* A new sync_file on @fence (takes its own reference), or NULL (*err). */
static struct fdri_sync_file *sync_file_create(struct fdri_fdobjs *reg, struct fdri_fence *fence,
					       int *err)
{
	struct fdri_sync_file *sf = calloc(1, sizeof(*sf));

	if (!sf) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = fdri_fdobj_init(reg, &sf->base, &fdri_sync_file_type,
			       fdri_fence_is_signaled(fence) ? FDRI_POLLIN : 0, false);
	if (*err) {
		free(sf);
		return NULL;
	}
	sf->fence = fdri_fence_get(fence);
	if (fdri_fence_add_callback(fence, &sf->cb, sync_file_signalled) == -ENOENT)
		fdri_fdobj_set_events(&sf->base, FDRI_POLLIN);
	return sf;
}

int fdri_sync_file_export(struct fdri_fdobjs *reg, struct fdri_fence *fence,
			  struct fdri_ioctl_args *args, int fd_flags)
{
	struct fdri_sync_file *sf;
	int err;

	sf = sync_file_create(reg, fence, &err);
	if (!sf)
		return err;
	err = fdri_fdobj_give_fd(&sf->base, args, fd_flags);
	/* the fd in the reply now stands for the client reference; if it was
	 * not handed out, dropping the reference frees the sync_file */
	if (err)
		fdri_fdobj_put(&sf->base);
	return err;
}

struct fdri_fence *fdri_sync_file_get_fence(struct fdri_fdobjs *reg, int fd)
{
	struct fdri_fdobj *obj;
	struct fdri_fence *fence;
	int err;

	obj = fdri_fdobj_lookup(reg, fd, &fdri_sync_file_type, &err);
	if (!obj)
		return NULL;
	fence = fdri_fence_get(fdri_container_of(obj, struct fdri_sync_file, base)->fence);
	fdri_fdobj_put(obj);
	return fence;
}

/* --- dma_fence_unwrap_merge() --- */

static const char *stub_name(struct fdri_fence *f)
{
	(void)f;
	return "stub";
}

static const struct fdri_fence_ops stub_ops = {
	.driver_name = stub_name,
	.timeline_name = stub_name,
};

struct fdri_fence *fdri_fence_stub(int64_t now)
{
	struct fdri_fence *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	fdri_fence_init(f, &stub_ops, 0, 0);
	fdri_fence_signal(f, now);
	return f;
}

static int by_context(const void *a, const void *b)
{
	const struct fdri_fence *x = *(struct fdri_fence *const *)a;
	const struct fdri_fence *y = *(struct fdri_fence *const *)b;

	return x->context < y->context ? -1 : x->context > y->context;
}

/*
 * The unsignalled fences of @a and @b, one per context (the later one),
 * ordered by context: nothing left is the stub, one is itself, more an
 * array on a new context. Returns a reference, NULL without memory.
 */
static struct fdri_fence *unwrap_merge(struct fdri_fence *a, struct fdri_fence *b, int64_t now)
{
	unsigned int na = fdri_fence_num_leaves(a), nb = fdri_fence_num_leaves(b), n = 0, out = 0;
	struct fdri_fence **all, *ret;

	all = calloc(na + nb, sizeof(*all));
	if (!all)
		return NULL;
	for (unsigned int i = 0; i < na; i++)
		if (!fdri_fence_is_signaled(fdri_fence_leaf(a, i)))
			all[n++] = fdri_fence_leaf(a, i);
	for (unsigned int i = 0; i < nb; i++)
		if (!fdri_fence_is_signaled(fdri_fence_leaf(b, i)))
			all[n++] = fdri_fence_leaf(b, i);
	qsort(all, n, sizeof(*all), by_context);
	for (unsigned int i = 0; i < n; i++) {
		if (out && all[out - 1]->context == all[i]->context) {
			if (fdri_fence_is_later(all[i], all[out - 1]))
				all[out - 1] = all[i];
			continue;
		}
		all[out++] = all[i];
	}
	if (out == 0) {
		free(all);
		return fdri_fence_stub(now);
	}
	if (out == 1) {
		ret = fdri_fence_get(all[0]);
		free(all);
		return ret;
	}
	for (unsigned int i = 0; i < out; i++)
		fdri_fence_get(all[i]);
	ret = fdri_fence_array_create(all, out, fdri_fence_context_alloc(1), 1, false, now);
	if (!ret) {
		for (unsigned int i = 0; i < out; i++)
			fdri_fence_put(all[i]);
		free(all);
	}
	return ret;
}

/* --- ioctls --- */

static struct fdri_sync_file *target_of(struct fdri_ioctl_args *a)
{
	return fdri_container_of((struct fdri_fdobj *)a->target, struct fdri_sync_file, base);
}

/* sync_file_ioctl_merge() */
static int sync_merge(struct fdri_file *f, const struct fdri_caller *w, void *data,
		      struct fdri_ioctl_args *a)
{
	struct sync_merge_data *m = data;
	struct fdri_sync_file *sf = target_of(a), *merged;
	struct fdri_fdobjs *reg = sf->base.reg;
	struct fdri_fence *f2, *f3;
	int err;

	(void)f; (void)w;
	f2 = fdri_sync_file_get_fence(reg, a->in_fd);
	if (!f2)
		return -ENOENT;
	m->name[sizeof(m->name) - 1] = '\0';
	f3 = unwrap_merge(sf->fence, f2, a->dev->host->now(a->dev->host_ctx));
	fdri_fence_put(f2);
	if (!f3)
		return -ENOMEM;
	merged = sync_file_create(reg, f3, &err);
	fdri_fence_put(f3);
	if (!merged)
		return err;
	snprintf(merged->name, sizeof(merged->name), "%s", m->name);
	err = fdri_fdobj_give_fd(&merged->base, a, O_CLOEXEC);
	if (err)
		fdri_fdobj_put(&merged->base);
	return err;
}

/* sync_fill_fence_info() */
static int fill_info(struct fdri_fence *fence, struct sync_fence_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->obj_name, sizeof(info->obj_name), "%s", fdri_fence_timeline_name(fence));
	snprintf(info->driver_name, sizeof(info->driver_name), "%s", fdri_fence_driver_name(fence));
	info->status = fdri_fence_get_status(fence);
	info->timestamp_ns = fdri_fence_is_signaled(fence) ? (uint64_t)fence->timestamp : 0;
	return info->status;
}

/* sync_file_ioctl_fence_info() */
static int sync_file_info(struct fdri_file *f, const struct fdri_caller *w, void *data,
			  struct fdri_ioctl_args *a)
{
	struct sync_file_info *info = data;
	struct fdri_sync_file *sf = target_of(a);
	struct fdri_ubuf *out = &a->bufs[0];
	unsigned int n = fdri_fence_num_leaves(sf->fence);

	(void)f; (void)w;
	if (info->flags || info->pad)
		return -EINVAL;
	if (!info->num_fences) {
		info->status = fdri_fence_get_status(sf->fence);
	} else {
		if (info->num_fences < n)
			return -EINVAL;
		info->status = 1;
		if (out->fault || !out->data || out->len < n * sizeof(struct sync_fence_info))
			return -EFAULT;
		for (unsigned int i = 0; i < n; i++) {
			struct sync_fence_info fi;
			int st = fill_info(fdri_fence_leaf(sf->fence, i), &fi);

			memcpy((char *)out->data + i * sizeof(fi), &fi, sizeof(fi));
			info->status = info->status <= 0 ? info->status : st;
		}
		out->out_len = n * sizeof(struct sync_fence_info);
	}
	/* sync_file_get_name() */
	if (sf->name[0])
		snprintf(info->name, sizeof(info->name), "%s", sf->name);
	else
		snprintf(info->name, sizeof(info->name), "%s-%s%" PRIu64 "-%" PRIu64,
			 fdri_fence_driver_name(sf->fence), fdri_fence_timeline_name(sf->fence),
			 sf->fence->context, sf->fence->seqno);
	info->num_fences = n;
	return 0;
}

static const struct fdri_ioctl_desc sync_file_ioctls[] = {
	{ .cmd = SYNC_IOC_MERGE, .name = "SYNC_IOC_MERGE", .func = sync_merge,
	  .fd_in_off = offsetof(struct sync_merge_data, fd2),
	  .fd_out_off = offsetof(struct sync_merge_data, fence) },
	{ .cmd = SYNC_IOC_FILE_INFO, .name = "SYNC_IOC_FILE_INFO", .func = sync_file_info,
	  .fd_in_off = -1, .fd_out_off = -1, .nptrs = 1,
	  .ptrs = { { .ptr_off = offsetof(struct sync_file_info, sync_fence_info),
		      .len_off = offsetof(struct sync_file_info, num_fences), .len_size = 4,
		      .dir = FDRI_PTR_OUT, .elem_size = sizeof(struct sync_fence_info) } } },
};

static void sync_file_describe(struct fdri_fdobj *obj, struct fdri_seq *m)
{
	struct fdri_sync_file *sf = fdri_container_of(obj, struct fdri_sync_file, base);

	fdri_seq_fence(m, sf->fence);
}

const struct fdri_fdobj_type fdri_sync_file_type = {
	.name = "sync_file",
	.kind = FDRI_FD_SYNC_FILE,
	.ioctls = sync_file_ioctls,
	.num_ioctls = sizeof(sync_file_ioctls) / sizeof(sync_file_ioctls[0]),
	.release = sync_file_release,
	.describe = sync_file_describe,
};
