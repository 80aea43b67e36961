/*
 * fdri_syncobj.c - DRM sync objects, after drivers/gpu/drm/drm_syncobj.c of
 * Linux 6.1: CREATE, DESTROY, HANDLE_TO_FD and FD_TO_HANDLE (opaque fds
 * and sync_file export/import), WAIT, RESET and SIGNAL, and for timelines
 * (points are fence chain nodes, fdri_fence_chain.h) TIMELINE_WAIT,
 * TIMELINE_SIGNAL, QUERY and TRANSFER, with drm_syncobj.c's errnos. See
 * fdri_syncobj.h for lifetimes.
 *
 * DOC: waits
 * A wait never blocks the daemon: its state (struct wait_state, one per
 * WAIT ioctl, allocated as the kernel allocates its entries) holds a
 * reference on each syncobj and on each entry's fence, and the request
 * parks (fdri_req_park) with fence callbacks on the pending fences and,
 * for WAIT_FOR_SUBMIT, waiters on the syncobjs without a fence. The wait
 * arms its own timer for the deadline, so that it alone decides when the
 * request is woken: the state's @waking is set right before each
 * fdri_req_wake() of ours, and unpark - run on every exit from the parked
 * state - removes every callback and waiter, then frees the state unless
 * @waking says the request is about to resume (so a cancel frees it). The
 * resume function re-checks as the kernel's loop does, then completes
 * (freeing the state) or parks again.
 */
#include "fdri_syncobj.h"
#include "fdri_debugfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <drm.h>

#include "fdri_fence_chain.h"
#include "fdri_req.h"
#include "fdri_sync_file.h"

/* --- the object --- */

struct fdri_syncobj *fdri_syncobj_get(struct fdri_syncobj *s)
{
	s->refcount++;
	return s;
}

/* --- EVENTFD (drm_syncobj_eventfd_ioctl(), Linux 6.6) --- */

/* One registration: signals the client's eventfd once @point is signalled
 * (or, with WAIT_AVAILABLE, submitted). On the syncobj's ev_fd_list until
 * freed; while armed it has a callback on @fence. */
struct ev_entry {
	struct fdri_list node;
	struct fdri_syncobj *syncobj;  /* borrowed: the syncobj frees its entries */
	struct fdri_device *dev;       /* whose host signals and closes @fd */
	int fd;                        /* the daemon's copy of the eventfd */
	uint64_t point;
	uint32_t flags;
	struct fdri_fence *fence;      /* a reference while armed */
	struct fdri_fence_cb cb;
};

static void ev_entry_free(struct ev_entry *e)
{
	fdri_list_del(&e->node);
	if (e->fence) {
		fdri_fence_remove_callback(e->fence, &e->cb);
		fdri_fence_put(e->fence);
	}
	e->dev->host->close(e->dev->host_ctx, e->fd);
	free(e);
}

static void ev_entry_fire(struct ev_entry *e)
{
	e->dev->host->eventfd_signal(e->dev->host_ctx, e->fd);
	ev_entry_free(e);
}

static void ev_fence_func(struct fdri_fence *f, struct fdri_fence_cb *cb)
{
	(void)f;
	ev_entry_fire(fdri_container_of(cb, struct ev_entry, cb));
}

static int point_fence(struct fdri_syncobj *s, uint64_t point, int64_t now,
		       struct fdri_fence **out);

/* syncobj_eventfd_entry_func(): the point's fence, if submitted */
static void ev_entry_check(struct ev_entry *e)
{
	struct fdri_fence *fence;

	if (e->fence)
		return; /* armed already */
	if (point_fence(e->syncobj, e->point, e->dev->host->now(e->dev->host_ctx), &fence))
		return; /* not submitted yet (or no memory for a stub: later) */
	if (e->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) {
		fdri_fence_put(fence);
		ev_entry_fire(e);
		return;
	}
	e->fence = fence;
	if (fdri_fence_add_callback(fence, &e->cb, ev_fence_func) == -ENOENT)
		ev_entry_fire(e);
}

static void ev_entries_check(struct fdri_syncobj *s)
{
	struct fdri_list *pos = s->ev_fd_list.next;

	while (pos != &s->ev_fd_list) {
		struct ev_entry *e = fdri_container_of(pos, struct ev_entry, node);

		pos = pos->next; /* @e may be freed */
		ev_entry_check(e);
	}
}

void fdri_syncobj_put(struct fdri_syncobj *s)
{
	if (!s || --s->refcount)
		return;
	while (!fdri_list_empty(&s->ev_fd_list))
		ev_entry_free(fdri_container_of(s->ev_fd_list.next, struct ev_entry, node));
	fdri_fence_put(s->fence);
	free(s);
}

struct fdri_fence *fdri_syncobj_fence_get(struct fdri_syncobj *s)
{
	return fdri_fence_get(s->fence);
}

void fdri_syncobj_replace_fence(struct fdri_syncobj *s, struct fdri_fence *fence)
{
	struct fdri_fence *old = s->fence;
	struct fdri_list run;

	s->fence = fdri_fence_get(fence);
	if (fence == old) {
		fdri_fence_put(old);
		return;
	}
	fdri_syncobj_get(s); /* a woken request may drop the last other reference */
	fdri_fence_put(old);
	/* take the list first: a woken waiter may complete its request,
	 * whose unpark removes nodes here, or park again on this syncobj */
	fdri_list_init(&run);
	if (fence)
		fdri_list_splice(&s->cb_list, &run);
	while (!fdri_list_empty(&run)) {
		struct fdri_syncobj_waiter *w =
			fdri_container_of(run.next, struct fdri_syncobj_waiter, node);

		fdri_list_del(&w->node);
		w->func(s, w);
	}
	if (fence)
		ev_entries_check(s);
	fdri_syncobj_put(s);
}

/* drm_syncobj_assign_null_handle: a signalled stub fence */
static int assign_null_handle(struct fdri_syncobj *s, int64_t now)
{
	struct fdri_fence *stub = fdri_fence_stub(now);

	if (!stub)
		return -ENOMEM;
	fdri_syncobj_replace_fence(s, stub);
	fdri_fence_put(stub);
	return 0;
}

struct fdri_syncobj *fdri_syncobj_create(struct fdri_device *dev, uint32_t flags)
{
	struct fdri_syncobj *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refcount = 1;
	fdri_list_init(&s->cb_list);
	fdri_list_init(&s->ev_fd_list);
	if ((flags & DRM_SYNCOBJ_CREATE_SIGNALED) &&
	    assign_null_handle(s, dev->host->now(dev->host_ctx))) {
		fdri_syncobj_put(s);
		return NULL;
	}
	return s;
}

struct fdri_syncobj *fdri_syncobj_find(struct fdri_file *file, uint32_t handle)
{
	struct fdri_syncobj *s = fdri_idr_find(&file->syncobjs, handle);

	return s ? fdri_syncobj_get(s) : NULL;
}

void fdri_syncobj_open(struct fdri_file *file)
{
	fdri_idr_init(&file->syncobjs);
}

static void release_one(uint32_t id, void *ptr, void *data)
{
	(void)id; (void)data;
	fdri_syncobj_put(ptr);
}

void fdri_syncobj_release_all(struct fdri_file *file)
{
	fdri_idr_for_each(&file->syncobjs, release_one, NULL);
	fdri_idr_fini(&file->syncobjs);
}

/* --- the opaque fd --- */

static void syncobj_file_release(struct fdri_fdobj *obj)
{
	struct fdri_syncobj_file *sf = fdri_container_of(obj, struct fdri_syncobj_file, base);

	fdri_syncobj_put(sf->syncobj);
	free(sf);
}

static void syncobj_file_describe(struct fdri_fdobj *obj, struct fdri_seq *m)
{
	struct fdri_syncobj_file *sf = fdri_container_of(obj, struct fdri_syncobj_file, base);

	if (sf->syncobj->fence)
		fdri_seq_fence(m, sf->syncobj->fence);
	else
		fdri_seq_printf(m, "no fence\n");
}

const struct fdri_fdobj_type fdri_syncobj_file_type = {
	.name = "syncobj_file",
	.kind = FDRI_FD_SYNCOBJ,
	.ioctls = NULL,
	.num_ioctls = 0,
	.release = syncobj_file_release,
	.describe = syncobj_file_describe,
};

/* --- ioctls --- */

static bool has_syncobj(const struct fdri_file *f)
{
	return f->dev->pers->syncobj;
}

/* drm_syncobj_create_as_handle */
int fdri_ioctl_syncobj_create(struct fdri_file *f, const struct fdri_caller *w, void *data,
			      struct fdri_ioctl_args *a)
{
	struct drm_syncobj_create *args = data;
	struct fdri_syncobj *s;
	int id;

	(void)w; (void)a;
	if (!has_syncobj(f))
		return -EOPNOTSUPP;
	if (args->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED)
		return -EINVAL;
	s = fdri_syncobj_create(f->dev, args->flags);
	if (!s)
		return -ENOMEM;
	id = fdri_idr_alloc(&f->syncobjs, s); /* the handle takes the reference */
	if (id < 0) {
		fdri_syncobj_put(s);
		return id;
	}
	args->handle = (uint32_t)id;
	return 0;
}

int fdri_ioctl_syncobj_destroy(struct fdri_file *f, const struct fdri_caller *w, void *data,
			       struct fdri_ioctl_args *a)
{
	struct drm_syncobj_destroy *args = data;
	struct fdri_syncobj *s;

	(void)w; (void)a;
	if (!has_syncobj(f))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (!fdri_idr_find(&f->syncobjs, args->handle))
		return -EINVAL;
	s = fdri_idr_remove(&f->syncobjs, args->handle);
	fdri_syncobj_put(s);
	return 0;
}

/* drm_syncobj_handle_to_fd: a new opaque fd (O_CLOEXEC, as the kernel) */
static int handle_to_fd(struct fdri_file *f, uint32_t handle, struct fdri_ioctl_args *a)
{
	struct fdri_syncobj *s = fdri_syncobj_find(f, handle);
	struct fdri_syncobj_file *sf;
	int ret;

	if (!s)
		return -EINVAL;
	sf = calloc(1, sizeof(*sf));
	if (!sf) {
		fdri_syncobj_put(s);
		return -ENOMEM;
	}
	sf->syncobj = s; /* the file takes the reference */
	ret = fdri_fdobj_init(f->dev->fdobjs, &sf->base, &fdri_syncobj_file_type,
			      FDRI_POLLIN | FDRI_POLLOUT, false);
	if (ret) {
		fdri_syncobj_put(s);
		free(sf);
		return ret;
	}
	/* the request closes the client end on any completion; the host's
	 * hangup then drops the client reference if it was never sent */
	ret = fdri_fdobj_give_fd(&sf->base, a, O_CLOEXEC);
	if (ret)
		fdri_fdobj_put(&sf->base);
	return ret;
}

/* drm_syncobj_export_sync_file */
static int export_sync_file(struct fdri_file *f, uint32_t handle, struct fdri_ioctl_args *a)
{
	struct fdri_syncobj *s = fdri_syncobj_find(f, handle);
	struct fdri_fence *fence;
	int ret;

	if (!s)
		return -ENOENT;
	fence = fdri_syncobj_fence_get(s);
	fdri_syncobj_put(s);
	if (!fence)
		return -EINVAL;
	ret = fdri_sync_file_export(f->dev->fdobjs, fence, a, O_CLOEXEC);
	fdri_fence_put(fence);
	return ret;
}

int fdri_ioctl_syncobj_handle_to_fd(struct fdri_file *f, const struct fdri_caller *w, void *data,
				    struct fdri_ioctl_args *a)
{
	struct drm_syncobj_handle *args = data;

	(void)w;
	if (!has_syncobj(f))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (args->flags != 0 && args->flags != DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
		return -EINVAL;
	if (args->flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
		return export_sync_file(f, args->handle, a);
	return handle_to_fd(f, args->handle, a);
}

/* drm_syncobj_fd_to_handle: any fd that is not a syncobj file is EINVAL */
static int fd_to_handle(struct fdri_file *f, int fd, uint32_t *handle)
{
	struct fdri_fdobj *obj;
	struct fdri_syncobj *s;
	int err = 0, id;

	if (fd < 0)
		return -EINVAL;
	obj = fdri_fdobj_lookup(f->dev->fdobjs, fd, &fdri_syncobj_file_type, &err);
	if (!obj)
		return -EINVAL;
	s = fdri_syncobj_get(fdri_container_of(obj, struct fdri_syncobj_file, base)->syncobj);
	fdri_fdobj_put(obj);
	id = fdri_idr_alloc(&f->syncobjs, s);
	if (id < 0) {
		fdri_syncobj_put(s);
		return id;
	}
	*handle = (uint32_t)id;
	return 0;
}

/* drm_syncobj_import_sync_file_fence */
static int import_sync_file(struct fdri_file *f, int fd, uint32_t handle)
{
	struct fdri_fence *fence = fd >= 0 ? fdri_sync_file_get_fence(f->dev->fdobjs, fd) : NULL;
	struct fdri_syncobj *s;

	if (!fence)
		return -EINVAL;
	s = fdri_syncobj_find(f, handle);
	if (!s) {
		fdri_fence_put(fence);
		return -ENOENT;
	}
	fdri_syncobj_replace_fence(s, fence);
	fdri_fence_put(fence);
	fdri_syncobj_put(s);
	return 0;
}

int fdri_ioctl_syncobj_fd_to_handle(struct fdri_file *f, const struct fdri_caller *w, void *data,
				    struct fdri_ioctl_args *a)
{
	struct drm_syncobj_handle *args = data;

	(void)w;
	if (!has_syncobj(f))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (args->flags != 0 && args->flags != DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)
		return -EINVAL;
	if (args->flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)
		return import_sync_file(f, a->in_fd, args->handle);
	return fd_to_handle(f, a->in_fd, &args->handle);
}

/*
 * drm_syncobj_array_find: the syncobjs of @count handles in buffer @b,
 * each with a reference, into a new array (*out). -EFAULT if the handles
 * cannot be read, -ENOENT for a handle without a syncobj.
 */
static int array_find(struct fdri_file *f, const struct fdri_ubuf *b, uint32_t count,
		      struct fdri_syncobj ***out)
{
	const uint32_t *handles = b->data;
	struct fdri_syncobj **s;

	if (b->fault || !b->data || b->len < (uint64_t)count * sizeof(uint32_t))
		return -EFAULT;
	s = calloc(count, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		s[i] = fdri_syncobj_find(f, handles[i]);
		if (!s[i]) {
			while (i--)
				fdri_syncobj_put(s[i]);
			free(s);
			return -ENOENT;
		}
	}
	*out = s;
	return 0;
}

static void array_free(struct fdri_syncobj **s, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		fdri_syncobj_put(s[i]);
	free(s);
}

/* RESET and SIGNAL: @op on each syncobj of a drm_syncobj_array, stopping
 * at the first error (drm_syncobj_reset_ioctl, drm_syncobj_signal_ioctl) */
static int array_op(struct fdri_file *f, struct fdri_ioctl_args *a, void *data,
		    int (*op)(struct fdri_syncobj *s, int64_t now))
{
	struct drm_syncobj_array *args = data;
	struct fdri_syncobj **s;
	int ret;

	if (!has_syncobj(f))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = array_find(f, &a->bufs[0], args->count_handles, &s);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < args->count_handles && !ret; i++)
		ret = op(s[i], f->dev->host->now(f->dev->host_ctx));
	array_free(s, args->count_handles);
	return ret;
}

static int reset_one(struct fdri_syncobj *s, int64_t now)
{
	(void)now;
	fdri_syncobj_replace_fence(s, NULL);
	return 0;
}

int fdri_ioctl_syncobj_reset(struct fdri_file *f, const struct fdri_caller *w, void *data,
			     struct fdri_ioctl_args *a)
{
	(void)w;
	return array_op(f, a, data, reset_one);
}

int fdri_ioctl_syncobj_signal(struct fdri_file *f, const struct fdri_caller *w, void *data,
			      struct fdri_ioctl_args *a)
{
	(void)w;
	return array_op(f, a, data, assign_null_handle);
}

/* --- timelines --- */

/*
 * The fence that signals @point of @s (the whole fence for 0), with a
 * reference, as the kernel's callers of dma_fence_chain_find_seqno() get
 * it: a signalled stub if the point has signalled and been collected.
 * -EINVAL if there is no fence or the point is not there yet.
 */
static int point_fence(struct fdri_syncobj *s, uint64_t point, int64_t now,
		       struct fdri_fence **out)
{
	struct fdri_fence *fence = fdri_syncobj_fence_get(s);

	if (!fence || fdri_fence_chain_find_seqno(&fence, point)) {
		fdri_fence_put(fence);
		return -EINVAL;
	}
	if (!fence) {
		fence = fdri_fence_stub(now);
		if (!fence)
			return -ENOMEM;
	}
	*out = fence;
	return 0;
}

/* drm_syncobj_add_point: a chain node for @fence at @point after the
 * current fence becomes the syncobj's fence. */
static int add_point(struct fdri_syncobj *s, struct fdri_fence *fence, uint64_t point,
		     int64_t now)
{
	struct fdri_fence *prev = fdri_syncobj_fence_get(s);
	struct fdri_fence *chain = fdri_fence_chain_create(prev, fence, point, now);

	if (!chain) {
		fdri_fence_put(prev);
		return -ENOMEM;
	}
	fdri_syncobj_replace_fence(s, chain);
	/* walk the chain once to collect what has signalled */
	for (struct fdri_fence *it = prev; it; it = fdri_fence_chain_walk(it))
		;
	fdri_fence_put(prev);
	fdri_fence_put(chain);
	return 0;
}

static bool has_timeline(const struct fdri_file *f)
{
	return f->dev->pers->syncobj_timeline;
}

/* The u64 points of an IN buffer: -EFAULT if unreadable. */
static int read_points(const struct fdri_ubuf *b, uint32_t count, const uint64_t **points)
{
	if (b->fault || !b->uaddr || !b->data || b->len < (uint64_t)count * sizeof(uint64_t))
		return -EFAULT;
	*points = b->data;
	return 0;
}

int fdri_ioctl_syncobj_timeline_signal(struct fdri_file *f, const struct fdri_caller *w, void *data,
				       struct fdri_ioctl_args *a)
{
	struct drm_syncobj_timeline_array *args = data;
	const uint64_t *points;
	struct fdri_syncobj **s;
	int ret;

	(void)w;
	if (!has_timeline(f))
		return -EOPNOTSUPP;
	if (args->flags != 0)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = array_find(f, &a->bufs[0], args->count_handles, &s);
	if (ret)
		return ret;
	/* NULL points: every point is 0 */
	if (a->bufs[1].uaddr)
		ret = read_points(&a->bufs[1], args->count_handles, &points);
	else
		points = NULL;
	for (uint32_t i = 0; !ret && i < args->count_handles; i++) {
		int64_t now = f->dev->host->now(f->dev->host_ctx);
		struct fdri_fence *stub = fdri_fence_stub(now);

		if (!stub) {
			ret = -ENOMEM;
			break;
		}
		ret = add_point(s[i], stub, points ? points[i] : 0, now);
		fdri_fence_put(stub);
	}
	array_free(s, args->count_handles);
	return ret;
}

/* QUERY writes only its output: it may be run again (fdri_ioctl.h). */
int fdri_ioctl_syncobj_query(struct fdri_file *f, const struct fdri_caller *w, void *data,
			     struct fdri_ioctl_args *a)
{
	struct drm_syncobj_timeline_array *args = data;
	struct fdri_ubuf *out = &a->bufs[1];
	struct fdri_syncobj **s;
	uint64_t *points = out->data;
	int ret;

	(void)w;
	if (!has_timeline(f))
		return -EOPNOTSUPP;
	if (args->flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = array_find(f, &a->bufs[0], args->count_handles, &s);
	if (ret)
		return ret;
	if (out->fault || !out->uaddr || !points ||
	    out->len < (uint64_t)args->count_handles * sizeof(uint64_t)) {
		array_free(s, args->count_handles);
		return -EFAULT;
	}
	for (uint32_t i = 0; i < args->count_handles; i++) {
		struct fdri_fence *fence = fdri_syncobj_fence_get(s[i]);
		uint64_t point = 0;

		if (fdri_fence_chain_of(fence)) {
			if (args->flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) {
				point = fence->seqno;
			} else {
				struct fdri_fence *last = fence;

				for (struct fdri_fence *it = fence; it; it = fdri_fence_chain_walk(it)) {
					if (it->context != fence->context)
						break; /* unordered points */
					last = it;
				}
				point = fdri_fence_is_signaled(last) ? last->seqno :
					fdri_fence_chain_of(last)->prev_seqno;
			}
		}
		fdri_fence_put(fence);
		points[i] = point;
	}
	out->out_len = (uint64_t)args->count_handles * sizeof(uint64_t);
	array_free(s, args->count_handles);
	return 0;
}

/* --- WAIT --- */

struct wait_state;

/* syncobj_wait_entry */
struct wait_entry {
	struct wait_state *w;
	struct fdri_syncobj *syncobj;      /* holds a reference */
	struct fdri_fence *fence;          /* holds a reference, or NULL */
	struct fdri_fence_cb fence_cb;     /* on @fence while parked */
	struct fdri_syncobj_waiter waiter; /* on syncobj->cb_list while parked */
	uint64_t point;                    /* timeline point, 0 for the fence itself */
};

struct wait_state {
	struct fdri_req *req;
	struct fdri_device *dev;
	uint32_t count, flags;
	uint32_t first;                    /* first_signaled, ~0u if none */
	uint16_t first_off;                /* where the ioctl struct has first_signaled */
	/* TRANSFER's wait for submission: done with the one entry's fence */
	struct fdri_syncobj *xfer_dst;     /* holds a reference, or NULL */
	uint64_t xfer_point;
	bool waking;                       /* our own fdri_req_wake() is running */
	bool timer_armed;
	struct fdri_timer timer;           /* the deadline */
	struct wait_entry e[];
};

static struct wait_state *req_wait(struct fdri_req *req)
{
	return (struct wait_state *)(uintptr_t)req->wait_key;
}

static void wait_free(struct wait_state *ws)
{
	const struct fdri_host_ops *h = ws->dev->host;

	if (ws->timer.host)
		h->timer_fini(ws->dev->host_ctx, &ws->timer);
	for (uint32_t i = 0; i < ws->count; i++) {
		fdri_fence_put(ws->e[i].fence);
		fdri_syncobj_put(ws->e[i].syncobj);
	}
	fdri_syncobj_put(ws->xfer_dst);
	free(ws);
}

/* Removes every fence callback and syncobj waiter of the wait. */
static void wait_detach(struct wait_state *ws)
{
	for (uint32_t i = 0; i < ws->count; i++) {
		struct wait_entry *e = &ws->e[i];

		if (e->fence)
			fdri_fence_remove_callback(e->fence, &e->fence_cb);
		fdri_list_del(&e->waiter.node);
	}
}

/* The request leaves the parked state: for our wake-ups it resumes and
 * needs the state; for anything else (cancel) it is gone. */
static void wait_unpark(struct fdri_req *req)
{
	struct wait_state *ws = req_wait(req);

	wait_detach(ws);
	if (ws->waking) {
		ws->waking = false;
		return;
	}
	req->wait_key = 0;
	wait_free(ws);
}

static void wait_wake(struct wait_state *ws, int why)
{
	if (ws->req->state != FDRI_REQ_PARKED)
		return;
	ws->waking = true;
	fdri_req_wake(ws->req, why);
}

static void wait_fence_func(struct fdri_fence *fence, struct fdri_fence_cb *cb)
{
	struct wait_entry *e = fdri_container_of(cb, struct wait_entry, fence_cb);

	(void)fence;
	wait_wake(e->w, 0);
}

/* syncobj_wait_syncobj_func: a fence was installed */
static void wait_syncobj_func(struct fdri_syncobj *s, struct fdri_syncobj_waiter *wt)
{
	struct wait_entry *e = fdri_container_of(wt, struct wait_entry, waiter);
	struct fdri_fence *fence;

	if (point_fence(s, e->point, e->w->dev->host->now(e->w->dev->host_ctx), &fence)) {
		fdri_list_add_tail(&s->cb_list, &wt->node); /* not there yet */
		return;
	}
	e->fence = fence;
	wait_wake(e->w, 0);
}

static void wait_timer_func(struct fdri_timer *t)
{
	struct wait_state *ws = fdri_container_of(t, struct wait_state, timer);

	ws->timer_armed = false;
	wait_wake(ws, -ETIME);
}

/* One pass of the kernel's wait loop: true when the wait is over. */
static bool wait_check(struct wait_state *ws)
{
	uint32_t signaled = 0;

	for (uint32_t i = 0; i < ws->count; i++) {
		struct fdri_fence *fence = ws->e[i].fence;

		if (!fence)
			continue;
		if ((ws->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) ||
		    fdri_fence_is_signaled(fence)) {
			if (ws->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) {
				signaled++;
			} else {
				ws->first = i;
				return true;
			}
		}
	}
	return signaled == ws->count;
}

/* Parks (again) with callbacks on the pending fences and waiters on the
 * syncobjs still without one. FDRI_PARKED or a negative errno. */
static int wait_park(struct wait_state *ws);

static int transfer_fence(struct fdri_syncobj *dst, uint64_t dst_point, struct fdri_fence *fence,
			  int64_t now);

static int wait_finish(struct fdri_req *req, struct wait_state *ws, int ret)
{
	if (ws->xfer_dst) {
		if (ret == 0)
			ret = transfer_fence(ws->xfer_dst, ws->xfer_point, ws->e[0].fence,
					     ws->dev->host->now(ws->dev->host_ctx));
	} else if (ret == 0) {
		memcpy(req->kdata + ws->first_off, &ws->first, sizeof(ws->first));
	}
	req->wait_key = 0;
	wait_free(ws);
	return ret;
}

static int wait_resume(struct fdri_req *req, int why)
{
	struct wait_state *ws = req_wait(req);
	int ret;

	if (wait_check(ws))
		return wait_finish(req, ws, 0);
	if (why == -ETIME || !ws->timer_armed)
		return wait_finish(req, ws, -ETIME);
	ret = wait_park(ws);
	if (ret != FDRI_PARKED)
		return wait_finish(req, ws, ret);
	return ret;
}

static int wait_park(struct wait_state *ws)
{
	struct fdri_req *req = ws->req;
	int ret = fdri_req_park(req, wait_resume, wait_unpark, 0);

	if (ret != FDRI_PARKED)
		return ret;
	req->wait_key = (uint64_t)(uintptr_t)ws;
	for (uint32_t i = 0; i < ws->count; i++) {
		struct wait_entry *e = &ws->e[i];

		if (e->fence)
			fdri_fence_add_callback(e->fence, &e->fence_cb, wait_fence_func);
		else
			fdri_list_add_tail(&e->syncobj->cb_list, &e->waiter.node);
	}
	return FDRI_PARKED;
}

/*
 * drm_syncobj_array_wait_timeout for the @count handles in @hb and the
 * points in @pb (NULL, or a NULL pointer: all 0); @first_off: where the
 * ioctl struct keeps first_signaled.
 */

/* The wait's own deadline timer, then park; the wait state is freed on
 * any failure. FDRI_PARKED or a negative errno. */
static int wait_arm_and_park(struct wait_state *ws, struct fdri_device *dev, int64_t deadline)
{
	int ret;

	ws->timer.func = wait_timer_func;
	ret = dev->host->timer_arm(dev->host_ctx, &ws->timer, deadline);
	if (ret) {
		wait_free(ws);
		return ret;
	}
	ws->timer_armed = true;
	ret = wait_park(ws);
	if (ret != FDRI_PARKED)
		wait_free(ws);
	return ret;
}

static int do_wait(struct fdri_file *f, struct fdri_ioctl_args *a, void *data,
		   const struct fdri_ubuf *pb, uint32_t count, uint32_t flags,
		   int64_t timeout_nsec, uint16_t first_off)
{
	const struct fdri_host_ops *h = f->dev->host;
	const uint64_t *points = NULL;
	struct fdri_syncobj **s;
	struct wait_state *ws;
	uint32_t signaled = 0;
	int64_t now;
	int ret;

	ret = array_find(f, &a->bufs[0], count, &s);
	if (ret)
		return ret;
	if (pb && pb->uaddr && (ret = read_points(pb, count, &points))) {
		array_free(s, count);
		return ret;
	}
	ws = calloc(1, sizeof(*ws) + count * sizeof(ws->e[0]));
	if (!ws) {
		array_free(s, count);
		return -ENOMEM;
	}
	ws->req = a->req;
	ws->dev = f->dev;
	ws->count = count;
	ws->flags = flags;
	ws->first = ~0u;
	ws->first_off = first_off;
	for (uint32_t i = 0; i < count; i++) {
		ws->e[i].w = ws;
		ws->e[i].syncobj = s[i]; /* the entry takes the reference */
		ws->e[i].point = points ? points[i] : 0;
		fdri_list_init(&ws->e[i].fence_cb.node);
		fdri_list_init(&ws->e[i].waiter.node);
		ws->e[i].waiter.func = wait_syncobj_func;
	}
	free(s);

	/* find every fence up front, so that a syncobj without one is EINVAL
	 * now and never later */
	for (uint32_t i = 0; i < count; i++) {
		struct fdri_fence *fence;

		ret = point_fence(ws->e[i].syncobj, ws->e[i].point, h->now(f->dev->host_ctx), &fence);
		/* an unsubmitted point: EINVAL, unless the wait is for its
		 * submission, or (since Linux 6.x, and as IGT tests) for its
		 * availability */
		if (ret == -ENOMEM ||
		    (ret && !(flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				       DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)))) {
			wait_free(ws);
			return ret;
		}
		if (ret)
			continue;
		ws->e[i].fence = fence;
		if ((flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) || fdri_fence_is_signaled(fence)) {
			if (signaled == 0)
				ws->first = i;
			signaled++;
		}
	}
	if (signaled == count || (signaled > 0 && !(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL)) ||
	    wait_check(ws)) {
		memcpy((char *)data + first_off, &ws->first, sizeof(ws->first));
		wait_free(ws);
		return 0;
	}
	/* drm_timeout_abs_to_jiffies: 0 or a time not after now polls */
	now = h->now(f->dev->host_ctx);
	if (timeout_nsec == 0 || timeout_nsec <= now) {
		wait_free(ws);
		return -ETIME;
	}
	return wait_arm_and_park(ws, f->dev, timeout_nsec);
}

int fdri_ioctl_syncobj_wait(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct drm_syncobj_wait *args = data;

	(void)w;
	if (!has_syncobj(f))
		return -EOPNOTSUPP;
	if (args->flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT))
		return -EINVAL;
	/* 6.1 answered EINVAL; newer kernels, and IGT, wait on nothing */
	if (args->count_handles == 0)
		return 0;
	return do_wait(f, a, data, NULL, args->count_handles, args->flags, args->timeout_nsec,
		       offsetof(struct drm_syncobj_wait, first_signaled));
}

int fdri_ioctl_syncobj_timeline_wait(struct fdri_file *f, const struct fdri_caller *w, void *data,
				     struct fdri_ioctl_args *a)
{
	struct drm_syncobj_timeline_wait *args = data;

	(void)w;
	if (!has_timeline(f))
		return -EOPNOTSUPP;
	if (args->flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
			    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE))
		return -EINVAL;
	if (args->count_handles == 0)
		return 0; /* as WAIT */
	return do_wait(f, a, data, &a->bufs[1], args->count_handles, args->flags,
		       args->timeout_nsec, offsetof(struct drm_syncobj_timeline_wait, first_signaled));
}

/* --- TRANSFER --- */

/* drm_syncobj_transfer_to_timeline / _to_binary once the fence is known */
static int transfer_fence(struct fdri_syncobj *dst, uint64_t dst_point, struct fdri_fence *fence,
			  int64_t now)
{
	struct fdri_fence *flat;
	int ret;

	if (!dst_point) {
		fdri_syncobj_replace_fence(dst, fence);
		return 0;
	}
	/* a timeline gets the fence flattened: no chains in chains */
	flat = fdri_fence_unwrap_merge_one(fence, now, fdri_fence_stub);
	if (!flat)
		return -ENOMEM;
	ret = add_point(dst, flat, dst_point, now);
	fdri_fence_put(flat);
	return ret;
}

/* DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT: how long drm_syncobj_find_fence()
 * waits for a fence to be submitted */
#define WAIT_FOR_SUBMIT_TIMEOUT_NS 5000000000ll

int fdri_ioctl_syncobj_transfer(struct fdri_file *f, const struct fdri_caller *w, void *data,
				struct fdri_ioctl_args *a)
{
	struct drm_syncobj_transfer *args = data;
	const struct fdri_host_ops *h = f->dev->host;
	struct fdri_syncobj *dst, *src;
	struct fdri_fence *fence;
	struct wait_state *ws;
	int ret;

	(void)w;
	if (!has_timeline(f))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	dst = fdri_syncobj_find(f, args->dst_handle);
	if (!dst)
		return -ENOENT;
	/* drm_syncobj_find_fence(src_handle, src_point, flags) */
	src = fdri_syncobj_find(f, args->src_handle);
	if (!src) {
		fdri_syncobj_put(dst);
		return -ENOENT;
	}
	ret = point_fence(src, args->src_point, h->now(f->dev->host_ctx), &fence);
	if (ret == 0) {
		ret = transfer_fence(dst, args->dst_point, fence, h->now(f->dev->host_ctx));
		fdri_fence_put(fence);
	}
	if (ret != -EINVAL || !(args->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)) {
		fdri_syncobj_put(src);
		fdri_syncobj_put(dst);
		return ret;
	}
	/* wait up to 5 s for the point to be submitted, without blocking */
	ws = calloc(1, sizeof(*ws) + sizeof(ws->e[0]));
	if (!ws) {
		fdri_syncobj_put(src);
		fdri_syncobj_put(dst);
		return -ENOMEM;
	}
	ws->req = a->req;
	ws->dev = f->dev;
	ws->count = 1;
	ws->flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
	ws->first = ~0u;
	ws->xfer_dst = dst;
	ws->xfer_point = args->dst_point;
	ws->e[0].w = ws;
	ws->e[0].syncobj = src;
	ws->e[0].point = args->src_point;
	fdri_list_init(&ws->e[0].fence_cb.node);
	fdri_list_init(&ws->e[0].waiter.node);
	ws->e[0].waiter.func = wait_syncobj_func;
	return wait_arm_and_park(ws, f->dev, h->now(f->dev->host_ctx) + WAIT_FOR_SUBMIT_TIMEOUT_NS);
}

int fdri_ioctl_syncobj_eventfd(struct fdri_file *f, const struct fdri_caller *w, void *data,
			       struct fdri_ioctl_args *a)
{
	struct fdri_drm_syncobj_eventfd *args = data;
	const struct fdri_host_ops *h = f->dev->host;
	struct fdri_syncobj *s;
	struct ev_entry *e;
	int ret, fd;

	(void)w;
	/* Linux 6.6's ioctl, where it matters: on a device without
	 * timelines (vgem) this is 6.1, which has no 0xCF at all */
	if (!has_timeline(f))
		return -EINVAL;
	if (args->flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)
		return -EINVAL;
	if (args->pad)
		return -EINVAL;
	s = fdri_syncobj_find(f, args->handle);
	if (!s)
		return -ENOENT;
	/* eventfd_ctx_fdget(): EBADF for no fd, EINVAL for another file */
	ret = a->in_fd < 0 ? -EBADF : h->eventfd_check(f->dev->host_ctx, a->in_fd);
	if (ret)
		goto out;
	fd = h->dup(f->dev->host_ctx, a->in_fd);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		h->close(f->dev->host_ctx, fd);
		ret = -ENOMEM;
		goto out;
	}
	e->syncobj = s;
	e->dev = f->dev;
	e->fd = fd;
	e->point = args->point;
	e->flags = args->flags;
	fdri_list_init(&e->cb.node);
	fdri_list_add_tail(&s->ev_fd_list, &e->node);
	ev_entry_check(e);
out:
	fdri_syncobj_put(s);
	return ret;
}
