/*
 * fdri_dmabuf_sync.c - a dma-buf fd's implicit fences (drivers/dma-buf/
 * dma-buf.c of Linux 6.1): DMA_BUF_IOCTL_SYNC, EXPORT_SYNC_FILE,
 * IMPORT_SYNC_FILE, and poll() through a poll proxy.
 *
 * These ioctls reach the daemon as requests on the dma-buf
 * (FDRI_TARGET_DMABUF, see fdri_req_submit_target()); the fences are
 * fdri_dmabuf_resv()'s.
 *
 * DOC: the poll proxy
 * A dma-buf is a memfd, which poll() always finds ready. The shim polls,
 * in its place, the dma-buf's proxy: a kept fd object (fdri_fdobj.h)
 * whose POLLIN is "no write fence pending" and POLLOUT "no fence
 * pending", as dma_buf_poll() answers EPOLLIN and EPOLLOUT. It is made on
 * the first FDRI_IOCTL_POLL_PROXY and lives as long as the dma-buf in the
 * daemon (fdri_dmabuf_sync_release()); it watches the reservation object
 * for new fences and keeps one callback on the first pending fence, and
 * recomputes its state when either fires. A client whose proxy dies with
 * the dma-buf sees it hang up, and the shim then polls the memfd itself.
 */
#include "fdri_fdobj.h"
#include "fdri_req.h"
#include "fdri_sync_file.h"
#include "fdri_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <linux/dma-buf.h>

struct fdri_poll_proxy {
	struct fdri_fdobj base;
	struct fdri_dmabuf *buf;          /* borrowed: the dma-buf owns the proxy */
	struct fdri_resv *resv;           /* watched */
	struct fdri_resv_watch watch;
	struct fdri_fence *waiting;       /* holds a reference while cb is on it */
	struct fdri_fence_cb cb;
};

/* dma_resv_usage_rw() */
static enum fdri_resv_usage usage_rw(bool write)
{
	return write ? FDRI_RESV_USAGE_READ : FDRI_RESV_USAGE_WRITE;
}

static void proxy_update(struct fdri_poll_proxy *p);

static void proxy_fence_signalled(struct fdri_fence *f, struct fdri_fence_cb *cb)
{
	struct fdri_poll_proxy *p = fdri_container_of(cb, struct fdri_poll_proxy, cb);

	(void)f;
	proxy_update(p);
}

static void proxy_unwait(struct fdri_poll_proxy *p)
{
	if (!p->waiting)
		return;
	fdri_fence_remove_callback(p->waiting, &p->cb);
	fdri_fence_put(p->waiting);
	p->waiting = NULL;
}

/* The state now; a callback on the first pending fence, if any. */
static void proxy_update(struct fdri_poll_proxy *p)
{
	unsigned int ev = 0;
	struct fdri_fence *first;

	proxy_unwait(p);
	if (fdri_resv_test_signaled(p->resv, FDRI_RESV_USAGE_WRITE))
		ev |= FDRI_POLLIN;
	first = fdri_resv_fence(p->resv, FDRI_RESV_USAGE_READ, 0);
	if (!first)
		ev |= FDRI_POLLOUT;
	fdri_fdobj_set_events(&p->base, ev);
	if (first && fdri_fence_add_callback(first, &p->cb, proxy_fence_signalled) == 0)
		p->waiting = fdri_fence_get(first);
}

static void proxy_changed(struct fdri_resv_watch *w)
{
	proxy_update(fdri_container_of(w, struct fdri_poll_proxy, watch));
}

static void proxy_release(struct fdri_fdobj *obj)
{
	struct fdri_poll_proxy *p = fdri_container_of(obj, struct fdri_poll_proxy, base);

	proxy_unwait(p);
	if (p->resv && p->resv->watch == &p->watch)
		p->resv->watch = NULL;
	free(p);
}

static const struct fdri_fdobj_type poll_proxy_type = {
	.name = "dma-buf poll proxy",
	.kind = FDRI_FD_POLL_PROXY,
	.release = proxy_release,
};

void fdri_dmabuf_sync_release(struct fdri_dmabuf *buf)
{
	if (buf->proxy) {
		fdri_fdobj_put(&buf->proxy->base);
		buf->proxy = NULL;
	}
}

static struct fdri_dmabuf *target_of(struct fdri_ioctl_args *a)
{
	return a->target;
}

/* FDRI_IOCTL_POLL_PROXY: the dma-buf's proxy fd, made on first use. */
static int poll_proxy(struct fdri_file *f, const struct fdri_caller *w, void *data,
		      struct fdri_ioctl_args *a)
{
	struct fdri_dmabuf *buf = target_of(a);
	struct fdri_poll_proxy *p;
	int ret;

	(void)f; (void)w; (void)data;
	/* one proxy per reservation object: the exporter's record's */
	while (buf->peer)
		buf = buf->peer;
	p = buf->proxy;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		ret = fdri_fdobj_init(a->dev->fdobjs, &p->base, &poll_proxy_type, 0, true);
		if (ret) {
			free(p);
			return ret;
		}
		p->buf = buf;
		p->resv = fdri_dmabuf_resv(buf);
		p->watch.changed = proxy_changed;
		p->resv->watch = &p->watch;
		buf->proxy = p;
		proxy_update(p);
	}
	return fdri_fdobj_give_fd(&p->base, a, O_CLOEXEC);
}

/* --- DMA_BUF_IOCTL_SYNC: dma_resv_wait_timeout(), interruptible --- */

struct sync_wait {
	struct fdri_fence_cb cb;
	struct fdri_fence *fence;       /* a reference while waiting */
	struct fdri_req *req;
};

static void sync_woken(struct fdri_fence *f, struct fdri_fence_cb *cb)
{
	struct sync_wait *sw = fdri_container_of(cb, struct sync_wait, cb);

	(void)f;
	fdri_req_wake(sw->req, 0);
}

static void sync_unpark(struct fdri_req *req)
{
	struct sync_wait *sw = (struct sync_wait *)(uintptr_t)req->wait_key;

	fdri_fence_remove_callback(sw->fence, &sw->cb);
	fdri_fence_put(sw->fence);
	free(sw);
	req->wait_key = 0;
}

static int sync_wait(struct fdri_req *req, int why);

/* Waits for the fences of @usage one after the other, as the kernel's
 * loop over them does; 0 once none is pending. */
static int sync_park(struct fdri_req *req, struct fdri_resv *resv, enum fdri_resv_usage usage)
{
	struct fdri_fence *f = fdri_resv_fence(resv, usage, 0);
	struct sync_wait *sw;
	int ret;

	if (!f)
		return 0;
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	sw->req = req;
	sw->fence = fdri_fence_get(f);
	ret = fdri_req_park(req, sync_wait, sync_unpark, 0);
	if (ret != FDRI_PARKED) {
		fdri_fence_put(sw->fence);
		free(sw);
		return ret;
	}
	req->wait_key = (uintptr_t)sw;
	fdri_fence_add_callback(f, &sw->cb, sync_woken); /* pending: it was found so */
	return ret;
}

static enum fdri_resv_usage sync_usage(const struct dma_buf_sync *s)
{
	uint64_t rw = s->flags & DMA_BUF_SYNC_RW;

	/* DMA_BIDIRECTIONAL or DMA_TO_DEVICE: a write waits for everything */
	return usage_rw(rw == DMA_BUF_SYNC_RW || rw == DMA_BUF_SYNC_WRITE);
}

static int sync_wait(struct fdri_req *req, int why)
{
	struct dma_buf_sync *s = (void *)req->kdata;

	if (why)
		return why;
	return sync_park(req, fdri_dmabuf_resv(req->args.target), sync_usage(s));
}

static int dmabuf_sync(struct fdri_file *f, const struct fdri_caller *w, void *data,
		       struct fdri_ioctl_args *a)
{
	struct dma_buf_sync *s = data;

	(void)f; (void)w;
	if (s->flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK)
		return -EINVAL;
	if (!(s->flags & DMA_BUF_SYNC_RW))
		return -EINVAL;
	if (s->flags & DMA_BUF_SYNC_END)
		return 0; /* end_cpu_access: nothing to wait for */
	return sync_park(a->req, fdri_dmabuf_resv(target_of(a)), sync_usage(s));
}

/* dma_buf_export_sync_file() */
static int export_sync_file(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct dma_buf_export_sync_file *ex = data;
	struct fdri_resv *resv = fdri_dmabuf_resv(target_of(a));
	enum fdri_resv_usage usage;
	struct fdri_fence *fence, **fences;
	unsigned int n = 0;
	int ret;

	(void)f; (void)w;
	if (ex->flags & ~DMA_BUF_SYNC_RW)
		return -EINVAL;
	if (!(ex->flags & DMA_BUF_SYNC_RW))
		return -EINVAL;
	usage = usage_rw(ex->flags & DMA_BUF_SYNC_WRITE);
	/* dma_resv_get_singleton(): none, the one, or an array of them */
	while (fdri_resv_fence(resv, usage, n))
		n++;
	if (n == 0) {
		fence = fdri_fence_stub(a->dev->host->now(a->dev->host_ctx));
	} else if (n == 1) {
		fence = fdri_fence_get(fdri_resv_fence(resv, usage, 0));
	} else {
		fences = calloc(n, sizeof(*fences));
		if (!fences)
			return -ENOMEM;
		for (unsigned int i = 0; i < n; i++)
			fences[i] = fdri_fence_get(fdri_resv_fence(resv, usage, i));
		fence = fdri_fence_array_create(fences, n, fdri_fence_context_alloc(1), 1, false,
						a->dev->host->now(a->dev->host_ctx));
		if (!fence) {
			for (unsigned int i = 0; i < n; i++)
				fdri_fence_put(fences[i]);
			free(fences);
		}
	}
	if (!fence)
		return -ENOMEM;
	ret = fdri_sync_file_export(a->dev->fdobjs, fence, a, O_CLOEXEC);
	fdri_fence_put(fence);
	return ret;
}

/* dma_buf_import_sync_file() */
static int import_sync_file(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct dma_buf_import_sync_file *im = data;
	struct fdri_resv *resv = fdri_dmabuf_resv(target_of(a));
	enum fdri_resv_usage usage;
	struct fdri_fence *fence;
	int ret = 0;

	(void)f; (void)w;
	if (im->flags & ~DMA_BUF_SYNC_RW)
		return -EINVAL;
	if (!(im->flags & DMA_BUF_SYNC_RW))
		return -EINVAL;
	fence = fdri_sync_file_get_fence(a->dev->fdobjs, a->in_fd);
	if (!fence)
		return -EINVAL;
	usage = (im->flags & DMA_BUF_SYNC_WRITE) ? FDRI_RESV_USAGE_WRITE : FDRI_RESV_USAGE_READ;
	/* dma_fence_unwrap_for_each(): an array's fences one by one */
	for (unsigned int i = 0; i < fdri_fence_num_leaves(fence) && !ret; i++)
		ret = fdri_resv_add_fence(resv, fdri_fence_leaf(fence, i), usage);
	fdri_fence_put(fence);
	return ret;
}

const struct fdri_ioctl_desc fdri_dmabuf_ioctls[] = {
	{ .cmd = DMA_BUF_IOCTL_SYNC, .name = "DMA_BUF_IOCTL_SYNC", .func = dmabuf_sync,
	  .fd_in_off = -1, .fd_out_off = -1 },
	{ .cmd = DMA_BUF_IOCTL_EXPORT_SYNC_FILE, .name = "DMA_BUF_IOCTL_EXPORT_SYNC_FILE",
	  .func = export_sync_file, .fd_in_off = -1,
	  .fd_out_off = offsetof(struct dma_buf_export_sync_file, fd) },
	{ .cmd = DMA_BUF_IOCTL_IMPORT_SYNC_FILE, .name = "DMA_BUF_IOCTL_IMPORT_SYNC_FILE",
	  .func = import_sync_file, .fd_in_off = offsetof(struct dma_buf_import_sync_file, fd),
	  .fd_out_off = -1 },
	{ .cmd = FDRI_IOCTL_POLL_PROXY, .name = "POLL_PROXY", .func = poll_proxy,
	  .fd_in_off = -1, .fd_out_off = offsetof(struct fdri_poll_proxy_arg, fd) },
};
const unsigned int fdri_dmabuf_num_ioctls = sizeof(fdri_dmabuf_ioctls) / sizeof(fdri_dmabuf_ioctls[0]);
