/*
 * fdri_cuse.c - the CUSE transport (see fdri_cuse.h).
 *
 * DOC: the ioctl retry exchange
 * With CUSE_UNRESTRICTED_IOCTL the kernel first sends an ioctl with no data.
 * Each round submits a request (fdri_req.h) with what the kernel delivered;
 * the core takes the steps every transport shares, and this adapter's
 * fetch callback answers from the round's data, or, when something is
 * missing, replies with a retry naming it and drops the request:
 *   1. decode: errors (ENOTTY, EINVAL) are answered at once, with nothing
 *      copied, as drm_ioctl() does; otherwise the struct is fetched (in_size
 *      bytes in, out_size bytes out). The kernel's copy of it gives the
 *      caller EFAULT for a bad pointer, before any permission check, as in
 *      drm_ioctl().
 *   2. permit: EACCES is answered with the struct copied back.
 *   3. nested buffers: input and output buffers are fetched (output too,
 *      ops->fetch_out, so bytes the handler leaves alone are written back
 *      unchanged), sized from the struct and capped at FDRI_IOCTL_MAX_BUF.
 *   4. run, and reply with the struct and the output buffers.
 * The rounds are told apart by the sizes the kernel delivered, so no state
 * is kept between them and nothing runs twice. _IO commands have no data and
 * are answered directly. A call that waits (a parked request) keeps its
 * FUSE request; FUSE_INTERRUPT cancels it (EINTR). Calls are pooled per
 * CUSE device (struct cuse_call), so a warm ioctl allocates nothing.
 *
 * fds cannot travel through a CUSE reply: PRIME_HANDLE_TO_FD runs (so bad
 * handles and flags get their usual errors, and the export is cached as
 * when the kernel's dma_buf_fd() fails) but then fails with EOPNOTSUPP,
 * logged once per process: the shim is needed. mmap fails
 * in the kernel with ENODEV. PRIME_FD_TO_HANDLE fetches the caller's fd with
 * pidfd_getfd(). A shim that binds to the open file (FDRI_CUSE_IOCTL_BIND)
 * gets all of it over the socket instead.
 *
 * init_done finds the node in /dev and hands its dev_t to the ready
 * callback: the daemon publishes it in the sysroot, which is how the shim
 * recognises the node.
 *
 * Lifetime: struct cuse_file is the CUSE open file's fh; it owns the DRM
 * file and frees it in release, after detaching any bound socket.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 34
#include "fdri_cuse.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

#include "fdri_caps.h"
#include "fdri_host.h"
#include "fdri_req.h"
#include "fdri_log.h"
#include "fdri_server.h"
#include "fdri_wire.h"

struct cuse_file {
	struct fdri_cuse *c;
	struct fdri_file *file;
	uint64_t token[2];
	struct cuse_file *prev, *next;
};

struct fdri_cuse {
	struct event_base *base;
	struct fdri_device *dev;
	struct fdri_server *srv;
	char sock[108];
	struct fdri_cuse_node_cfg cfg;
	char devname[128];
	char devinfo[160];
	struct fuse_session *se;
	struct event *ev;
	struct fuse_buf buf;
	int fd;
	struct cuse_file files;       /* list head */
	struct fdri_cuse *next;       /* all CUSE devices, for token lookup */
	pid_t warned_export_pid;
	bool warned_compat;
	struct cuse_call *free_calls;  /* pool of idle calls */
	fdri_cuse_ready_fn ready;
	void *ready_ctx;
};

static struct fdri_cuse *all_cuse;


static void caller_of(fuse_req_t req, struct fdri_caller *who)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	who->tid = ctx->pid;
	who->pid = ctx->pid; /* a thread: the tgid is looked up where needed (open) */
	who->uid = ctx->uid;
	who->gid = ctx->gid;
	who->cap_sys_admin = ctx->uid == 0;
	who->capable = fdri_caps_capable;
}

static void cuse_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct fdri_cuse *c = fuse_req_userdata(req);
	struct fdri_caller who;
	struct cuse_file *cf;
	int err = 0;

	caller_of(req, &who);
	who.pid = fdri_host_tgid(who.tid); /* the file's owner, for its quotas */
	cf = calloc(1, sizeof(*cf));
	if (!cf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	cf->file = fdri_file_open(c->dev, c->cfg.type, &who, fi->flags, &err);
	if (!cf->file) {
		free(cf);
		fuse_reply_err(req, -err);
		return;
	}
	if (getrandom(cf->token, sizeof(cf->token), 0) != sizeof(cf->token)) {
		fdri_file_close(cf->file);
		free(cf);
		fuse_reply_err(req, EIO);
		return;
	}
	cf->c = c;
	cf->next = c->files.next;
	cf->prev = &c->files;
	c->files.next->prev = cf;
	c->files.next = cf;
	fi->fh = (uintptr_t)cf;
	fi->direct_io = 1;
	fdri_log(FDRI_LOG_DEBUG, "pid %d opened /dev/%s: file %llu", who.tid, c->cfg.devname,
		 (unsigned long long)cf->file->id);
	fuse_reply_open(req, fi);
}

static void cuse_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct cuse_file *cf = (struct cuse_file *)(uintptr_t)fi->fh;

	if (cf) {
		if (cf->c->srv)
			fdri_server_detach_file(cf->c->srv, cf->file);
		fdri_log(FDRI_LOG_DEBUG, "file %llu released", (unsigned long long)cf->file->id);
		fdri_file_close(cf->file);
		cf->prev->next = cf->next;
		cf->next->prev = cf->prev;
		free(cf);
	}
	fuse_reply_err(req, 0);
}

/* DRM events do not exist yet: poll never reports any. */
static void cuse_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	(void)fi;
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, 0);
}

static void read_interrupted(fuse_req_t req, void *data)
{
	(void)data;
	fuse_reply_err(req, EINTR);
}

/* drm_read() with no events: EAGAIN, or wait until a signal (EINTR). */
static void cuse_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)size; (void)off;
	if (fi->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
		return;
	}
	fuse_req_interrupt_func(req, read_interrupted, NULL);
}

static void reply_bind(fuse_req_t req, struct cuse_file *cf, void *arg, size_t out_bufsz)
{
	struct fdri_cuse_bind b = { .node = cf->c->cfg.type, .device = (uint32_t)cf->c->cfg.device };
	struct iovec out = { arg, sizeof(b) };

	if (out_bufsz < sizeof(b)) {
		fuse_reply_ioctl_retry(req, NULL, 0, &out, 1);
		return;
	}
	if (!cf->c->srv) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	memcpy(b.token, cf->token, sizeof(b.token));
	snprintf(b.sock, sizeof(b.sock), "%s", cf->c->sock);
	fuse_reply_ioctl(req, 0, &b, sizeof(b));
}

/* The caller's fd for PRIME_FD_TO_HANDLE, through pidfd_getfd() on its
 * process (fdri_host_tgid()). Returns a local fd, -1 for a
 * number that is not an fd (-> EBADF), or -errno. */
static int fetch_fd(pid_t tid, int fd)
{
	int pidfd, local;

	if (fd < 0)
		return -1;
	pidfd = (int)syscall(SYS_pidfd_open, fdri_host_tgid(tid), 0);
	if (pidfd < 0)
		return -errno;
	local = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (local < 0 && errno == EBADF)
		local = -1;
	else if (local < 0)
		local = -errno;
	close(pidfd);
	return local;
}

/*
 * One CUSE ioctl round in flight: the request and the FUSE request that
 * answers it. Calls are pooled per CUSE device, so an ioctl allocates
 * nothing once warm; a parked call keeps its FUSE request until it
 * completes or is interrupted.
 */
struct cuse_call {
	struct fdri_req req;
	struct fdri_cuse *c;
	fuse_req_t freq;
	void *arg;
	const void *in_buf;
	size_t in_bufsz, out_bufsz;
	struct cuse_call *next_free;
};

static struct cuse_call *call_get(struct fdri_cuse *c);
static void call_put(struct cuse_call *call);

/* The iovs of everything the call needs: the struct, then the nested
 * buffers (output ones fetched too). Returns the byte counts. */
static void call_iovs(struct cuse_call *call, struct iovec *in_iov, size_t *nin,
		      struct iovec *out_iov, size_t *nout, size_t *in_full, size_t *out_full,
		      bool nested)
{
	struct fdri_ioctl_args *a = &call->req.args;

	*nin = *nout = 0;
	*in_full = a->in_size;
	*out_full = a->out_size;
	if (a->in_size)
		in_iov[(*nin)++] = (struct iovec){ call->arg, a->in_size };
	if (a->out_size)
		out_iov[(*nout)++] = (struct iovec){ call->arg, a->out_size };
	for (unsigned i = 0; nested && i < a->desc->nptrs; i++) {
		struct fdri_ubuf *b = &a->bufs[i];

		if (!b->uaddr || !b->len)
			continue;
		in_iov[(*nin)++] = (struct iovec){ (void *)(uintptr_t)b->uaddr, b->len };
		*in_full += b->len;
		if (a->desc->ptrs[i].dir == FDRI_PTR_OUT) {
			out_iov[(*nout)++] = (struct iovec){ (void *)(uintptr_t)b->uaddr, b->len };
			*out_full += b->len;
		}
	}
}

/* ops->fetch: what the kernel delivered this round, or a retry round for
 * what is missing. The rounds are told apart by the sizes the kernel
 * delivered, so no state is kept between them and nothing runs twice. */
static void call_fetch(struct fdri_req *req)
{
	struct cuse_call *call = req->priv;
	struct fdri_ioctl_args *a = &req->args;
	struct iovec in_iov[1 + FDRI_IOCTL_MAX_PTRS], out_iov[1 + FDRI_IOCTL_MAX_PTRS];
	size_t nin, nout, in_full, out_full;
	const unsigned char *src;

	call_iovs(call, in_iov, &nin, out_iov, &nout, &in_full, &out_full, !req->want_arg);
	if (call->in_bufsz < in_full || call->out_bufsz < out_full) {
		fuse_req_t freq = call->freq;

		fdri_req_cancel(req);
		call_put(call);
		fuse_reply_ioctl_retry(freq, in_iov, nin, out_iov, nout);
		return;
	}
	if (req->want_arg) {
		if (a->in_size) /* an _IOR struct comes with no input at all */
			memcpy(req->kdata, call->in_buf, a->in_size);
		fdri_req_input_done(req);
		return;
	}
	src = (const unsigned char *)call->in_buf + a->in_size;
	for (unsigned i = 0; i < a->desc->nptrs; i++) {
		struct fdri_ubuf *b = &a->bufs[i];

		if (!b->uaddr || !b->len)
			continue;
		memcpy(b->data, src, b->len);
		src += b->len;
	}
	if (req->want_fd) {
		a->in_fd = fetch_fd(req->who.tid, req->fd_value);
		if (a->in_fd < -1) {
			fuse_req_t freq = call->freq;
			int err = a->in_fd;

			fdri_log(FDRI_LOG_WARN, "pid %d: cannot fetch fd %d: %s", req->who.tid,
				 req->fd_value, strerror(-err));
			a->in_fd = -1;
			fdri_req_cancel(req);
			fuse_reply_ioctl(freq, err, req->kdata, a->out_size);
			call_put(call);
			return;
		}
		req->owns_in_fd = a->in_fd >= 0;
	}
	fdri_req_input_done(req);
}

/* ops->complete: the struct and the output buffers, in one reply. */
static void call_complete(struct fdri_req *req)
{
	struct cuse_call *call = req->priv;
	struct fdri_cuse *c = call->c;
	struct fdri_ioctl_args *a = &req->args;
	struct iovec out_iov[1 + FDRI_IOCTL_MAX_PTRS];
	fuse_req_t freq = call->freq;
	size_t nout = 0;
	int ret = req->ret;

	if (!a->desc) {
		/* decode failed: nothing is copied, as in drm_ioctl() */
		call_put(call);
		fuse_reply_err(freq, -ret);
		return;
	}
	if (ret == 0 && a->out_fd >= 0) {
		/* the export happened but its fd cannot be delivered, as when
		 * dma_buf_fd() fails in the kernel: the dma-buf stays cached */
		if (c->warned_export_pid != req->who.tid)
			fdri_log(FDRI_LOG_WARN, "pid %d: %s returns an fd, which needs the fakedri shim "
				 "(LD_PRELOAD=libfakedri-shim.so); answering EOPNOTSUPP",
				 req->who.tid, a->desc->name);
		c->warned_export_pid = req->who.tid;
		ret = -EOPNOTSUPP;
		if (a->owns_out_fd) {
			/* a fence fd nobody will have: its object goes */
			close(a->out_fd);
			a->out_fd = -1;
			a->owns_out_fd = false;
		}
	}
	if (a->out_size)
		out_iov[nout++] = (struct iovec){ req->kdata, a->out_size };
	for (unsigned i = 0; i < a->desc->nptrs; i++)
		if (a->bufs[i].uaddr && a->bufs[i].len && a->desc->ptrs[i].dir == FDRI_PTR_OUT)
			out_iov[nout++] = (struct iovec){ a->bufs[i].data, a->bufs[i].len };
	if (fdri_log_level >= FDRI_LOG_TRACE)
		fdri_log(FDRI_LOG_TRACE, "cuse pid %d %s -> %d", req->who.tid, a->desc->name, ret);
	fuse_reply_ioctl_iov(freq, ret, out_iov, (int)nout);
	call_put(call);
}

/* ops->cancelled: the file went away under a parked call. */
static void call_cancelled(struct fdri_req *req)
{
	struct cuse_call *call = req->priv;
	fuse_req_t freq = call->freq;

	call_put(call);
	fuse_reply_err(freq, EBADF);
}

/* FUSE_INTERRUPT for a parked call: cancel it, EINTR to the caller. */
static void call_interrupted(fuse_req_t freq, void *data)
{
	struct cuse_call *call = data;

	if (!fdri_req_cancel(&call->req))
		return; /* already answered */
	call_put(call);
	fuse_reply_err(freq, EINTR);
}

static const struct fdri_req_ops call_ops = {
	.fetch = call_fetch,
	.complete = call_complete,
	.cancelled = call_cancelled,
	.fetch_out = true,
};

static struct cuse_call *call_get(struct fdri_cuse *c)
{
	struct cuse_call *call = c->free_calls;

	if (call) {
		c->free_calls = call->next_free;
		return call;
	}
	call = malloc(sizeof(*call));
	if (!call)
		return NULL;
	fdri_req_init(&call->req, &call_ops, call);
	call->c = c;
	return call;
}

static void call_put(struct cuse_call *call)
{
	call->next_free = call->c->free_calls;
	call->c->free_calls = call;
}

static void cuse_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
		       unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct cuse_file *cf = (struct cuse_file *)(uintptr_t)fi->fh;
	struct fdri_cuse *c = cf->c;
	unsigned int ucmd = (unsigned int)cmd;
	struct fdri_caller who;
	struct cuse_call *call;

	if (flags & FUSE_IOCTL_COMPAT) {
		if (!c->warned_compat)
			fdri_log(FDRI_LOG_WARN, "/dev/%s: 32-bit callers are not supported", c->cfg.devname);
		c->warned_compat = true;
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if (ucmd == FDRI_CUSE_IOCTL_BIND) {
		reply_bind(req, cf, arg, out_bufsz);
		return;
	}
	call = call_get(c);
	if (!call) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	caller_of(req, &who);
	call->freq = req;
	call->arg = arg;
	call->in_buf = in_buf;
	call->in_bufsz = in_bufsz;
	call->out_bufsz = out_bufsz;
	fdri_req_submit(&call->req, cf->file, &who, ucmd, (uintptr_t)arg, in_buf, in_bufsz, false);
	/* the call may be back in the pool, or even reused, by now: only a
	 * parked one is still ours to look at */
	if (call->req.state == FDRI_REQ_PARKED && call->freq == req)
		fuse_req_interrupt_func(req, call_interrupted, call);
}

static void cuse_init_done(void *userdata)
{
	struct fdri_cuse *c = userdata;
	char path[160];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", c->cfg.devname);
	if (stat(path, &st) == 0) {
		chmod(path, c->cfg.mode);
		if (c->cfg.gid != (gid_t)-1 && chown(path, (uid_t)-1, c->cfg.gid) < 0)
			fdri_log(FDRI_LOG_WARN, "chown %s: %s", path, strerror(errno));
		/* published before the log line, which tells that the node is usable */
		if (c->ready)
			c->ready(c->ready_ctx, &c->cfg, st.st_rdev);
		fdri_log(FDRI_LOG_INFO, "serving %s (%u:%u, %s node)", path, major(st.st_rdev),
			 minor(st.st_rdev), c->cfg.type == FDRI_NODE_RENDER ? "render" : "primary");
	} else {
		if (c->ready)
			c->ready(c->ready_ctx, &c->cfg, 0);
		fdri_log(FDRI_LOG_INFO, "serving /dev/%s (no devtmpfs node seen)", c->cfg.devname);
	}
}

static const struct cuse_lowlevel_ops cuse_ops = {
	.init_done = cuse_init_done,
	.open = cuse_open,
	.read = cuse_read,
	.release = cuse_release,
	.ioctl = cuse_ioctl,
	.poll = cuse_poll,
};

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	return read(fd, buf, len);
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	(void)userdata;
	return writev(fd, iov, count);
}

static void cuse_cb(evutil_socket_t fd, short what, void *data)
{
	struct fdri_cuse *c = data;

	(void)fd; (void)what;
	for (;;) {
		int r = fuse_session_receive_buf(c->se, &c->buf);

		if (r == -EINTR)
			continue;
		if (r == -EAGAIN)
			return;
		if (r <= 0 || fuse_session_exited(c->se)) {
			fdri_log(FDRI_LOG_ERROR, "/dev/%s: CUSE connection ended (%s)", c->cfg.devname,
				 r < 0 ? strerror(-r) : "exited");
			event_del(c->ev);
			return;
		}
		fuse_session_process_buf(c->se, &c->buf);
	}
}

static int minor_from_name(const struct fdri_cuse_node_cfg *cfg)
{
	const char *base = strrchr(cfg->devname, '/');
	int m;

	base = base ? base + 1 : cfg->devname;
	if (cfg->type == FDRI_NODE_RENDER)
		return sscanf(base, "renderD%d", &m) == 1 && m >= 128 && m < 192 ? m : 128;
	return sscanf(base, "card%d", &m) == 1 && m >= 0 && m < 64 ? m : 0;
}

struct fdri_cuse *fdri_cuse_start(struct event_base *base, struct fdri_device *dev,
				  struct fdri_server *srv, const char *sock_path,
				  const struct fdri_cuse_node_cfg *cfg, int fd)
{
	char *argv[] = { "fakedrid", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	const char *info[1];
	struct fuse_custom_io io = { .read = io_read, .writev = io_writev };
	struct cuse_info ci = { 0 };
	struct fdri_cuse *c = calloc(1, sizeof(*c));
	int ret = 0;

	if (!c) {
		fdri_log(FDRI_LOG_ERROR, "cannot start /dev/%s: %s", cfg->devname, strerror(ENOMEM));
		return NULL;
	}
	c->base = base;
	c->dev = dev;
	c->srv = srv;
	c->cfg = *cfg;
	snprintf(c->devname, sizeof(c->devname), "%s", cfg->devname);
	c->cfg.devname = c->devname;
	snprintf(c->sock, sizeof(c->sock), "%s", sock_path ? sock_path : "");
	c->files.next = c->files.prev = &c->files;
	snprintf(c->devinfo, sizeof(c->devinfo), "DEVNAME=%s", c->devname);
	info[0] = c->devinfo;
	ci.dev_minor = (unsigned)(cfg->minor >= 0 ? cfg->minor : minor_from_name(cfg));
	ci.dev_info_argc = 1;
	ci.dev_info_argv = info;
	ci.flags = CUSE_UNRESTRICTED_IOCTL;

	if (fd < 0)
		fd = open("/dev/cuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		fdri_log(FDRI_LOG_ERROR, "cannot open /dev/cuse: %s (is the cuse module loaded? "
			 "try 'modprobe cuse')", strerror(errno));
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->se = cuse_lowlevel_new(&args, &ci, &cuse_ops, c);
	fuse_opt_free_args(&args);
	if (!c->se || (ret = fuse_session_custom_io(c->se, &io, fd)) < 0) {
		fdri_log(FDRI_LOG_ERROR, "cannot start the CUSE session for /dev/%s: %s", c->devname,
			 c->se ? strerror(-ret) : "cuse_lowlevel_new() failed");
		if (c->se)
			fuse_session_destroy(c->se);
		close(fd);
		free(c);
		return NULL;
	}
	evutil_make_socket_nonblocking(fd);
	c->ev = event_new(base, fd, EV_READ | EV_PERSIST, cuse_cb, c);
	event_add(c->ev, NULL);
	c->next = all_cuse;
	all_cuse = c;
	return c;
}

void fdri_cuse_set_ready(struct fdri_cuse *c, fdri_cuse_ready_fn fn, void *ctx)
{
	c->ready = fn;
	c->ready_ctx = ctx;
}

void fdri_cuse_stop(struct fdri_cuse *c)
{
	if (!c)
		return;
	for (struct fdri_cuse **p = &all_cuse; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	while (c->files.next != &c->files) {
		struct cuse_file *cf = c->files.next;

		if (c->srv)
			fdri_server_detach_file(c->srv, cf->file);
		fdri_file_close(cf->file);
		cf->prev->next = cf->next;
		cf->next->prev = cf->prev;
		free(cf);
	}
	event_free(c->ev);
	fuse_session_destroy(c->se); /* closes the fd */
	while (c->free_calls) {
		struct cuse_call *call = c->free_calls;

		c->free_calls = call->next_free;
		fdri_req_fini(&call->req);
		free(call);
	}
	free(c->buf.mem);
	free(c);
}

struct fdri_file *fdri_cuse_lookup_token(const uint64_t token[2])
{
	if (!token[0] && !token[1])
		return NULL;
	for (struct fdri_cuse *c = all_cuse; c; c = c->next)
		for (struct cuse_file *cf = c->files.next; cf != &c->files; cf = cf->next)
			if (cf->token[0] == token[0] && cf->token[1] == token[1])
				return cf->file;
	return NULL;
}

int fdri_cuse_parse_node(const char *spec, struct fdri_cuse_node_cfg *cfg)
{
	char name[128], type[16] = "primary", group[64] = "";
	unsigned mode = 0;
	int n, dev = 0, used = 0;

	/* an optional device index first: "1:dri/renderD129:render" */
	if (sscanf(spec, "%d:%n", &dev, &used) == 1 && used > 0 && dev >= 0 && dev < 64 &&
	    strspn(spec, "0123456789") == (size_t)used - 1)
		spec += used;
	else
		dev = 0;
	cfg->device = dev;
	n = sscanf(spec, "%127[^:]:%15[^:]:%o:%63s", name, type, &mode, group);
	if (n < 1)
		return -1;
	if (!strcmp(type, "render"))
		cfg->type = FDRI_NODE_RENDER;
	else if (!strcmp(type, "primary"))
		cfg->type = FDRI_NODE_PRIMARY;
	else
		return -1;
	cfg->minor = -1;
	/* Debian 12's udev rules (50-udev-default.rules): card 0660 group
	 * video, render 0660 group render, as the shim's nodes (fdri_node_perm.c) */
	cfg->mode = n >= 3 ? mode : 0660;
	if (!*group)
		snprintf(group, sizeof(group), "%s", cfg->type == FDRI_NODE_RENDER ? "render" : "video");
	{
		struct group *g = getgrnam(group);

		cfg->gid = g ? g->gr_gid : (gid_t)-1;
		if (!g && n >= 4)
			return -1;
	}
	cfg->devname = strdup(name);
	return cfg->devname ? 0 : -1;
}
