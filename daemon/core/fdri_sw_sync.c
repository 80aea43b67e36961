/*
 * fdri_sw_sync.c - sw_sync timelines and points (see fdri_sw_sync.h for
 * their lifetime), and the fileless ioctl that opens a timeline.
 */
#include "fdri_sw_sync.h"
#include "fdri_debugfs.h"
#include "fdri_sync_file.h"
#include "fdri_req.h"
#include "fdri_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* sw_sync.c's private uapi (it has no header of its own in uapi/) */
#include "fdri_sw_sync_abi.h"

struct sw_timeline {
	struct fdri_fdobj base;
	uint64_t context;
	uint32_t value;
	struct fdri_list pts;        /* pending points, by seqno */
	struct fdri_device *dev;     /* for the clock */
	char name[32];
};

struct sw_pt {
	struct fdri_fence base;
	struct fdri_list link;
	char name[32];               /* the timeline's, which it may outlive */
};

static const char *pt_driver_name(struct fdri_fence *f)
{
	(void)f;
	return "sw_sync";
}

static const char *pt_timeline_name(struct fdri_fence *f)
{
	return fdri_container_of(f, struct sw_pt, base)->name;
}

static void pt_release(struct fdri_fence *f)
{
	struct sw_pt *pt = fdri_container_of(f, struct sw_pt, base);

	fdri_list_del(&pt->link);
	free(pt);
}

static const struct fdri_fence_ops pt_ops = {
	.driver_name = pt_driver_name,
	.timeline_name = pt_timeline_name,
	.release = pt_release,
};

/* __dma_fence_is_later() on 32-bit seqnos: wraps around */
static bool passed(uint32_t seqno, uint32_t value)
{
	return (int32_t)(value - seqno) >= 0;
}

static int64_t tl_now(struct sw_timeline *tl)
{
	return tl->dev->host->now(tl->dev->host_ctx);
}

/* sync_timeline_signal(): advance by @inc, signal the points passed. */
static void tl_signal(struct sw_timeline *tl, uint32_t inc)
{
	int64_t now = tl_now(tl);

	tl->value += inc;
	while (!fdri_list_empty(&tl->pts)) {
		struct sw_pt *pt = fdri_container_of(tl->pts.next, struct sw_pt, link);

		if (!passed((uint32_t)pt->base.seqno, tl->value))
			break;
		fdri_list_del(&pt->link);
		fdri_fence_get(&pt->base);
		fdri_fence_signal(&pt->base, now);
		fdri_fence_put(&pt->base);
	}
}

/* sync_pt_create(): the point at @value, an existing one shared. Returns a
 * reference, NULL without memory. */
static struct fdri_fence *pt_create(struct sw_timeline *tl, uint32_t value)
{
	struct fdri_list *pos;
	struct sw_pt *pt;

	for (pos = tl->pts.next; pos != &tl->pts; pos = pos->next) {
		struct sw_pt *o = fdri_container_of(pos, struct sw_pt, link);

		if ((uint32_t)o->base.seqno == value)
			return fdri_fence_get(&o->base);
		if (!passed((uint32_t)o->base.seqno, value))
			break; /* insert before the first later point */
	}
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return NULL;
	fdri_fence_init(&pt->base, &pt_ops, tl->context, value);
	memcpy(pt->name, tl->name, sizeof(pt->name));
	fdri_list_init(&pt->link);
	if (passed(value, tl->value)) {
		fdri_fence_signal(&pt->base, tl_now(tl));
		return &pt->base;
	}
	fdri_list_add_tail(pos, &pt->link);
	return &pt->base;
}

static void tl_release(struct fdri_fdobj *obj)
{
	struct sw_timeline *tl = fdri_container_of(obj, struct sw_timeline, base);
	int64_t now = tl_now(tl);

	/* sw_sync_debugfs_release(): what is pending signals with -ENOENT */
	while (!fdri_list_empty(&tl->pts)) {
		struct sw_pt *pt = fdri_container_of(tl->pts.next, struct sw_pt, link);

		fdri_list_del(&pt->link);
		fdri_fence_get(&pt->base);
		fdri_fence_set_error(&pt->base, -ENOENT);
		fdri_fence_signal(&pt->base, now);
		fdri_fence_put(&pt->base);
	}
	free(tl);
}

static struct sw_timeline *target_of(struct fdri_ioctl_args *a)
{
	return fdri_container_of((struct fdri_fdobj *)a->target, struct sw_timeline, base);
}

static int create_fence(struct fdri_file *f, const struct fdri_caller *w, void *data,
			struct fdri_ioctl_args *a)
{
	struct sw_sync_create_fence_data *d = data;
	struct sw_timeline *tl = target_of(a);
	struct fdri_fence *pt;
	int ret;

	(void)f; (void)w;
	pt = pt_create(tl, d->value);
	if (!pt)
		return -ENOMEM;
	ret = fdri_sync_file_export(tl->base.reg, pt, a, O_CLOEXEC);
	fdri_fence_put(pt);
	return ret;
}

static int inc(struct fdri_file *f, const struct fdri_caller *w, void *data,
	       struct fdri_ioctl_args *a)
{
	uint32_t value;
	struct sw_timeline *tl = target_of(a);

	(void)f; (void)w;
	memcpy(&value, data, sizeof(value));
	while (value > INT_MAX) {
		tl_signal(tl, INT_MAX);
		value -= INT_MAX;
	}
	tl_signal(tl, value);
	return 0;
}

static const struct fdri_ioctl_desc sw_sync_ioctls[] = {
	{ .cmd = SW_SYNC_IOC_CREATE_FENCE, .name = "SW_SYNC_IOC_CREATE_FENCE", .func = create_fence,
	  .fd_in_off = -1, .fd_out_off = offsetof(struct sw_sync_create_fence_data, fence) },
	{ .cmd = SW_SYNC_IOC_INC, .name = "SW_SYNC_IOC_INC", .func = inc,
	  .fd_in_off = -1, .fd_out_off = -1 },
};

static void tl_describe(struct fdri_fdobj *obj, struct fdri_seq *m)
{
	struct sw_timeline *tl = fdri_container_of(obj, struct sw_timeline, base);
	unsigned int n = 0;

	for (struct fdri_list *l = tl->pts.next; l != &tl->pts; l = l->next)
		n++;
	fdri_seq_printf(m, "timeline %s at %u, %u pending point%s\n", tl->name, tl->value, n,
			n == 1 ? "" : "s");
	for (struct fdri_list *l = tl->pts.next; l != &tl->pts; l = l->next) {
		fdri_seq_printf(m, "\t");
		fdri_seq_fence(m, &fdri_container_of(l, struct sw_pt, link)->base);
	}
}

const struct fdri_fdobj_type fdri_sw_sync_type = {
	.name = "sw_sync",
	.kind = FDRI_FD_TIMELINE,
	.ioctls = sw_sync_ioctls,
	.num_ioctls = sizeof(sw_sync_ioctls) / sizeof(sw_sync_ioctls[0]),
	.release = tl_release,
	.describe = tl_describe,
};

/* sw_sync_debugfs_open(): a new timeline, named after the opener. */
int fdri_ioctl_sw_sync_open(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct fdri_sw_sync_open *o = data;
	struct sw_timeline *tl = calloc(1, sizeof(*tl));
	int ret;

	(void)f;
	if (!tl)
		return -ENOMEM;
	/* a debugfs file has no poll: always ready, as DEFAULT_POLLMASK */
	ret = fdri_fdobj_init(a->dev->fdobjs, &tl->base, &fdri_sw_sync_type,
			      FDRI_POLLIN | FDRI_POLLOUT, false);
	if (ret) {
		free(tl);
		return ret;
	}
	tl->context = fdri_fence_context_alloc(1);
	tl->dev = a->dev;
	fdri_list_init(&tl->pts);
	snprintf(tl->name, sizeof(tl->name), "%d", w->pid);
	ret = fdri_fdobj_give_fd(&tl->base, a, (int)(o->flags & O_CLOEXEC));
	if (ret)
		fdri_fdobj_put(&tl->base);
	return ret;
}
