/*
 * fdri_req.c - the request path (see fdri_req.h): the four steps of
 * fdri_ioctl.h in one place, parking, waking and cancelling, and the
 * in-process transport (fdri_ioctl_direct()).
 *
 * Reentrancy: every function that hands control to the transport
 * (ops->fetch, ops->probe, ops->complete) does so as its last action and
 * never touches the request afterwards, so a transport may answer
 * synchronously from inside the callback.
 */
#include "fdri_req.h"
#include "fdri_fdobj.h"
#include "fdri_sw_sync.h"
#include "fdri_fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

void fdri_req_init(struct fdri_req *req, const struct fdri_req_ops *ops, void *priv)
{
	memset(req, 0, offsetof(struct fdri_req, kdata));
	req->ops = ops;
	req->priv = priv;
	req->args.in_fd = -1;
	req->args.out_fd = -1;
	fdri_list_init(&req->file_link);
	fdri_list_init(&req->wait_link);
}

void fdri_req_fini(struct fdri_req *req)
{
	fdri_req_cancel(req);
	for (unsigned i = 0; i < FDRI_IOCTL_MAX_PTRS; i++) {
		free(req->bufmem[i]);
		req->bufmem[i] = NULL;
		req->bufcap[i] = 0;
	}
	/* the timer's host state outlives each request: freed here */
	if (req->timer.host)
		req->timer_host->timer_fini(req->timer_ctx, &req->timer);
}

/* Leaves the parked state: off the awaited object, timer disarmed. */
static void req_unpark(struct fdri_req *req)
{
	if (req->unpark)
		req->unpark(req);
	req->unpark = NULL;
	fdri_list_del(&req->wait_link);
	req->args.dev->stats.parked--;
	if (req->park_charged) {
		if (req->file)
			fdri_client_uncharge(req->file->client, FDRI_Q_PARKED, 1);
		req->park_charged = false;
	}
	if (req->timer_armed) {
		req->timer_host->timer_disarm(req->timer_ctx, &req->timer);
		req->timer_armed = false;
	}
}

/* Drops the request's reference on the object its ioctl targets. */
static void req_drop_target(struct fdri_ioctl_args *a)
{
	if (a->target_kind == FDRI_TARGET_DMABUF)
		fdri_dmabuf_put(a->target);
	else if (a->target_kind == FDRI_TARGET_FDOBJ)
		fdri_fdobj_put(a->target);
	a->target = NULL;
	a->target_kind = FDRI_TARGET_NONE;
}

/* Back to IDLE: drop the fds it owns, its target and its place on the
 * file. An fd for the reply is closed by req_complete() once sent, and
 * here when there will be no reply. */
static void req_release(struct fdri_req *req, bool replying)
{
	struct fdri_device *dev = req->args.dev;

	if (req->args.in_fd >= 0 && req->owns_in_fd)
		dev->host->close(dev->host_ctx, req->args.in_fd);
	req->args.in_fd = -1;
	req->owns_in_fd = false;
	if (!replying && req->args.owns_out_fd && req->args.out_fd >= 0) {
		dev->host->close(dev->host_ctx, req->args.out_fd);
		req->args.out_fd = -1;
	}
	if (!replying)
		req->args.owns_out_fd = false;
	req_drop_target(&req->args);
	fdri_list_del(&req->file_link);
	req->state = FDRI_REQ_IDLE;
}

/* A call that waited is over: tell the device's watcher (the trace). */
static void req_waited(struct fdri_req *req, int ret)
{
	struct fdri_device *dev = req->args.dev;

	if (req->parked_ns && dev && dev->wait_hook.done)
		dev->wait_hook.done(dev->wait_hook.priv, req, ret,
				    dev->host->now(dev->host_ctx));
	req->parked_ns = 0;
}

static void req_complete(struct fdri_req *req, int ret)
{
	struct fdri_device *dev = req->args.dev;

	req_waited(req, ret);
	req->ret = ret;
	if (ret && req->args.owns_out_fd) {
		if (req->args.out_fd >= 0)
			dev->host->close(dev->host_ctx, req->args.out_fd);
		req->args.out_fd = -1;
		req->args.owns_out_fd = false;
	}
	req_release(req, true);
	req->ops->complete(req);
}

/* After a run: park, probe the output, or complete. */
static void req_after_run(struct fdri_req *req, int ret)
{
	const struct fdri_ioctl_desc *d = req->args.desc;
	uint32_t mask = 0;

	if (ret == FDRI_PARKED)
		return;
	if (ret == 0 && req->ops->probe) {
		for (unsigned i = 0; i < d->nptrs; i++)
			if (d->ptrs[i].dir == FDRI_PTR_OUT && req->args.bufs[i].out_len)
				mask |= 1u << i;
	}
	if (mask) {
		req->ret = ret;
		req->state = FDRI_REQ_PROBE;
		req->ops->probe(req, mask);
		return;
	}
	req_complete(req, ret);
}

/* Step 4 proper: the handler. */
static int req_handler(struct fdri_req *req)
{
	int ret;

	if (req->file)
		ret = fdri_ioctl_run(req->file, &req->who, req->kdata, &req->args);
	else
		ret = req->args.desc->func(NULL, &req->who, req->kdata, &req->args);
	if (ret == FDRI_PARKED && req->state != FDRI_REQ_PARKED)
		ret = -EINVAL; /* a handler bug: parked without fdri_req_park() */
	return ret;
}

/* delay=: the injected wait is over; the call runs as it would have. */
static int req_delay_resume(struct fdri_req *req, int why)
{
	(void)why;
	return req_handler(req);
}

/*
 * The ioctl fault site (fdri_fault.h): after decode and the permission
 * checks, before the handler, as the kernel's should_fail() sits inside
 * it. DRM files and fd objects (dma-buf, sync_file, syncobj fds) only:
 * the fileless control ioctls are never faulted. Returns 0 to run the
 * handler, FDRI_PARKED when delayed, or the -errno the call fails with.
 */
static int req_fault_site(struct fdri_req *req)
{
	struct fdri_ioctl_args *a = &req->args;
	struct fdri_device *dev = a->dev;
	struct fdri_fault_site site;
	struct fdri_fault_hit hit;
	int ret;

	if (!dev || !fdri_faults_active(dev->faults) ||
	    (!req->file && a->target_kind == FDRI_TARGET_NONE))
		return 0;
	site = (struct fdri_fault_site){
		.target = FDRI_FAULT_T_IOCTL,
		.name = a->desc->name,
		.groups = fdri_fault_ioctl_groups(a->desc->name),
		.cmd = a->cmd,
		.device = fdri_device_minor(dev, FDRI_NODE_TYPE_PRIMARY),
		.pid = req->who.pid,
		.tid = req->who.tid,
		.file = req->file ? req->file->id : 0,
		.ctx = -1,
		.queue = -1,
		.size = 1,
		.now = dev->host->now(dev->host_ctx),
	};
	if (!fdri_faults_check(dev->faults, &site, &hit))
		return 0;
	switch (hit.action) {
	case FDRI_FAULT_A_ERRNO:
	case FDRI_FAULT_A_RESTART:
		return -hit.err;
	case FDRI_FAULT_A_DELAY:
		ret = fdri_req_park(req, req_delay_resume, NULL, site.now + hit.delay_ns);
		/* no room to park (the client's quota): no delay then */
		return ret == FDRI_PARKED ? ret : 0;
	case FDRI_FAULT_A_UNPLUG:
		fdri_device_unplug(dev);
		return -ENODEV;
	default:
		return 0;
	}
}

static void req_run(struct fdri_req *req)
{
	int ret;

	/* kept only where a probe may ask for a rerun */
	if (req->args.desc->nptrs && req->ops->probe)
		memcpy(req->kdata_in, req->kdata, req->args.ksize);
	req->state = FDRI_REQ_RUNNING;
	ret = req_fault_site(req);
	if (!ret)
		ret = req_handler(req);
	req_after_run(req, ret);
}

/* Step 3: where the nested buffers are, and storage for them. */
static int req_bufs(struct fdri_req *req)
{
	struct fdri_ioctl_args *a = &req->args;

	fdri_ioctl_bufs(a, req->kdata);
	req->want_in = 0;
	for (unsigned i = 0; i < a->desc->nptrs; i++) {
		struct fdri_ubuf *b = &a->bufs[i];

		if (b->len > FDRI_IOCTL_MAX_BUF)
			b->len = FDRI_IOCTL_MAX_BUF;
		if (!b->uaddr || !b->len)
			continue;
		if (req->bufcap[i] < b->len) {
			void *m = realloc(req->bufmem[i], FDRI_IOCTL_MAX_BUF);

			if (!m)
				return -ENOMEM;
			req->bufmem[i] = m;
			req->bufcap[i] = FDRI_IOCTL_MAX_BUF;
		}
		b->data = req->bufmem[i];
		if (a->desc->ptrs[i].dir == FDRI_PTR_IN || req->ops->fetch_out)
			req->want_in |= 1u << i;
	}
	req->want_fd = false;
	if (a->desc->fd_in_off >= 0) {
		memcpy(&req->fd_value, req->kdata + a->desc->fd_in_off, sizeof(int));
		req->want_fd = req->fd_value >= 0;
	}
	return 0;
}

/* Steps 2 and 3 once the struct is in kdata. */
static void req_permit_and_fetch(struct fdri_req *req)
{
	/* fd objects have no DRM permissions */
	int ret = req->file ? fdri_ioctl_permit(req->file, &req->who, &req->args) : 0;

	if (!ret)
		ret = req_bufs(req);
	if (ret) {
		req_complete(req, ret);
		return;
	}
	if (req->want_in || req->want_fd) {
		req->state = FDRI_REQ_INPUT;
		req->ops->fetch(req);
		return;
	}
	req_run(req);
}

/* Step 1 was taken (@ret): take the caller's struct, or ask for it. */
static void req_submitted(struct fdri_req *req, struct fdri_device *dev, const void *arg,
			  size_t arg_len, bool arg_fault, int ret)
{
	struct fdri_ioctl_args *a = &req->args;

	a->req = req;
	a->dev = dev;
	if (ret) {
		a->desc = NULL;
		a->in_size = a->out_size = 0;
		req_complete(req, ret);
		return;
	}
	memset(req->kdata, 0, a->ksize);
	if (a->in_size) {
		if (arg_fault) {
			a->out_size = 0;
			req_complete(req, -EFAULT);
			return;
		}
		if (arg_len >= a->in_size)
			memcpy(req->kdata, arg, a->in_size);
	}
	if ((a->in_size && arg_len < a->in_size) || (a->out_size && req->ops->fetch_out)) {
		req->want_arg = true;
		req->state = FDRI_REQ_INPUT;
		req->ops->fetch(req);
		return;
	}
	req_permit_and_fetch(req);
}

static void req_start(struct fdri_req *req, struct fdri_file *file, const struct fdri_caller *who,
		      uint64_t arg_uaddr)
{
	req->file = file;
	req->who = *who;
	req->arg_uaddr = arg_uaddr;
	req->want_arg = req->want_fd = false;
	req->want_in = 0;
	req->owns_in_fd = false;
	req->ret = 0;
	req->parked_ns = 0;
}

void fdri_req_submit(struct fdri_req *req, struct fdri_file *file, const struct fdri_caller *who,
		     unsigned int cmd, uint64_t arg_uaddr, const void *arg, size_t arg_len,
		     bool arg_fault)
{
	struct fdri_ioctl_args *a = &req->args;
	int ret;

	req_start(req, file, who, arg_uaddr);
	if (!file) {
		memset(a, 0, sizeof(*a));
		a->req = req;
		a->cmd = cmd;
		a->in_fd = a->out_fd = -1;
		req->ret = -EBADF;
		req->ops->complete(req);
		return;
	}
	fdri_list_add_tail(&file->reqs, &req->file_link);
	req->state = FDRI_REQ_RUNNING;
	/* drm_ioctl(): drm_dev_is_unplugged() before anything else */
	if (file->dev->unplugged) {
		memset(a, 0, sizeof(*a));
		a->cmd = cmd;
		a->in_fd = a->out_fd = -1;
		req_submitted(req, file->dev, arg, arg_len, arg_fault, -ENODEV);
		return;
	}
	/* step 1: decode; errors copy nothing back */
	ret = fdri_ioctl_decode(file->dev, cmd, a);
	req_submitted(req, file->dev, arg, arg_len, arg_fault, ret);
}

void fdri_req_submit_target(struct fdri_req *req, struct fdri_device *dev,
			    enum fdri_target_kind kind, void *target,
			    const struct fdri_caller *who, unsigned int cmd, uint64_t arg_uaddr,
			    const void *arg, size_t arg_len, bool arg_fault)
{
	struct fdri_ioctl_args *a = &req->args;
	const struct fdri_ioctl_desc *table = NULL;
	unsigned int n = 0;
	int ret;

	req_start(req, NULL, who, arg_uaddr);
	req->state = FDRI_REQ_RUNNING;
	if (kind == FDRI_TARGET_DMABUF) {
		table = fdri_dmabuf_ioctls;
		n = fdri_dmabuf_num_ioctls;
	} else if (kind == FDRI_TARGET_FDOBJ) {
		table = ((struct fdri_fdobj *)target)->type->ioctls;
		n = ((struct fdri_fdobj *)target)->type->num_ioctls;
	} else {
		table = fdri_fileless_ioctls;
		n = fdri_fileless_num_ioctls;
	}
	ret = fdri_ioctl_decode_table(table, n, cmd, a);
	/* the request holds the caller's reference from here on */
	a->target_kind = kind;
	a->target = target;
	req_submitted(req, dev, arg, arg_len, arg_fault, ret);
}

void fdri_req_input_done(struct fdri_req *req)
{
	if (req->state != FDRI_REQ_INPUT)
		return;
	if (req->want_arg) {
		req->want_arg = false;
		req->state = FDRI_REQ_RUNNING;
		req_permit_and_fetch(req);
		return;
	}
	req_run(req);
}

void fdri_req_probe_done(struct fdri_req *req, uint32_t faults)
{
	struct fdri_ioctl_args *a = &req->args;
	int ret = req->ret;

	if (req->state != FDRI_REQ_PROBE)
		return;
	faults &= (1u << a->desc->nptrs) - 1;
	if (faults) {
		/* run again on the same input with the unwritable buffers
		 * marked: the handler stops at the first, as copy_to_user()
		 * would have made it */
		for (unsigned i = 0; i < a->desc->nptrs; i++) {
			a->bufs[i].out_len = 0;
			if (faults & (1u << i))
				a->bufs[i].fault = 1;
		}
		memcpy(req->kdata, req->kdata_in, a->ksize);
		req->state = FDRI_REQ_RUNNING;
		ret = a->desc->func(req->file, &req->who, req->kdata, a); /* counted once */
		if (ret == FDRI_PARKED) {
			/* cannot happen for a getter; never leave it parked */
			req_unpark(req);
			ret = -EINVAL;
		}
	}
	req_complete(req, ret);
}

bool fdri_req_cancel(struct fdri_req *req)
{
	if (req->state == FDRI_REQ_IDLE)
		return false;
	if (req->state == FDRI_REQ_PARKED)
		req_unpark(req);
	req_waited(req, -EINTR);
	req_release(req, false);
	return true;
}

static void req_timer_fired(struct fdri_timer *t)
{
	struct fdri_req *req = fdri_container_of(t, struct fdri_req, timer);

	req->timer_armed = false;
	fdri_req_wake(req, -ETIME);
}

int fdri_req_park(struct fdri_req *req, fdri_req_resume_fn resume,
		  void (*unpark)(struct fdri_req *req), int64_t deadline_ns)
{
	struct fdri_client *client = req->file ? req->file->client : NULL;

	if (!req->args.dev && req->file)
		req->args.dev = req->file->dev; /* a request made by hand (tests) */

	/* a request on an fd object is bounded by its connection's channels */
	if (client && !fdri_client_charge(client, FDRI_Q_PARKED, 1))
		return -ENOMEM;
	if (deadline_ns) {
		const struct fdri_host_ops *h = req->args.dev->host;
		void *ctx = req->args.dev->host_ctx;
		int ret;

		if (req->timer.host && (h != req->timer_host || ctx != req->timer_ctx)) {
			/* reused on another host: let the old one free its state */
			req->timer_host->timer_fini(req->timer_ctx, &req->timer);
			req->timer.host = NULL;
		}
		req->timer.func = req_timer_fired;
		req->timer_host = h;
		req->timer_ctx = ctx;
		ret = h->timer_arm(ctx, &req->timer, deadline_ns);
		if (ret) {
			if (client)
				fdri_client_uncharge(client, FDRI_Q_PARKED, 1);
			return ret;
		}
		req->timer_armed = true;
	}
	req->resume = resume;
	req->unpark = unpark;
	req->park_charged = client != NULL;
	if (!req->parked_ns)
		req->parked_ns = req->args.dev->host->now(req->args.dev->host_ctx);
	req->args.dev->stats.parked++;
	req->state = FDRI_REQ_PARKED;
	return FDRI_PARKED;
}

void fdri_req_wake(struct fdri_req *req, int why)
{
	if (req->state != FDRI_REQ_PARKED)
		return;
	req_unpark(req);
	req->state = FDRI_REQ_RUNNING;
	req_after_run(req, req->resume(req, why));
}

/* --- the in-process transport --- */

struct direct_ctx {
	void *arg;
	int in_fd;
};

static void direct_fetch(struct fdri_req *req)
{
	struct direct_ctx *c = req->priv;

	for (unsigned i = 0; i < FDRI_IOCTL_MAX_PTRS; i++) {
		struct fdri_ubuf *b = &req->args.bufs[i];

		if (req->want_in & (1u << i))
			memcpy(b->data, (const void *)(uintptr_t)b->uaddr, b->len);
	}
	req->args.in_fd = c->in_fd;
	fdri_req_input_done(req);
}

static void direct_complete(struct fdri_req *req)
{
	struct fdri_ioctl_args *a = &req->args;

	for (unsigned i = 0; a->desc && i < a->desc->nptrs; i++)
		if (a->desc->ptrs[i].dir == FDRI_PTR_OUT && a->bufs[i].out_len)
			memcpy((void *)(uintptr_t)a->bufs[i].uaddr, a->bufs[i].data, a->bufs[i].out_len);
}

static const struct fdri_req_ops direct_ops = {
	.fetch = direct_fetch,
	.complete = direct_complete,
};

static int direct_run(struct fdri_file *f, struct fdri_device *dev, enum fdri_target_kind kind,
		      void *target, const struct fdri_caller *who, unsigned int cmd, void *arg,
		      int in_fd, int *out_fd)
{
	struct direct_ctx c = { arg, in_fd };
	struct fdri_req *req = malloc(sizeof(*req));
	int ret;

	if (!req)
		return -ENOMEM;
	fdri_req_init(req, &direct_ops, &c);
	if (f)
		fdri_req_submit(req, f, who, cmd, (uintptr_t)arg, arg, _IOC_SIZE(cmd), !arg);
	else
		fdri_req_submit_target(req, dev, kind, target, who, cmd, (uintptr_t)arg, arg,
				       _IOC_SIZE(cmd), !arg);
	if (req->state == FDRI_REQ_PARKED) {
		fdri_req_cancel(req);
		ret = -EINTR;
	} else {
		ret = req->ret;
		if (req->args.out_size) {
			if (arg)
				memcpy(arg, req->kdata, req->args.out_size);
			else
				ret = -EFAULT;
		}
	}
	if (out_fd)
		*out_fd = req->args.out_fd; /* the caller's if the request owned it */
	else if (req->args.owns_out_fd)
		req->args.dev->host->close(req->args.dev->host_ctx, req->args.out_fd);
	fdri_req_fini(req);
	free(req);
	return ret;
}

int fdri_ioctl_direct(struct fdri_file *f, const struct fdri_caller *who,
		      unsigned int cmd, void *arg, int in_fd, int *out_fd)
{
	return direct_run(f, NULL, FDRI_TARGET_NONE, NULL, who, cmd, arg, in_fd, out_fd);
}

int fdri_ioctl_direct_target(struct fdri_device *dev, enum fdri_target_kind kind, void *target,
			     const struct fdri_caller *who, unsigned int cmd, void *arg,
			     int in_fd, int *out_fd)
{
	return direct_run(NULL, dev, kind, target, who, cmd, arg, in_fd, out_fd);
}
