/*
 * fdri_server.c - the socket transport (see fdri_server.h and
 * common/fdri_wire.h): an adapter between the wire and the core's
 * request path (fdri_req.h). Nothing here blocks: client sockets are
 * non-blocking on the daemon side, a waiting ioctl is a parked request, and
 * a client that stops reading only loses its own replies.
 *
 * DOC: lifetimes
 * - struct srv_file is one client connection (its main socket); it owns
 *   its DRM file (unless the file is borrowed from CUSE). It is referenced
 *   by the main socket and by each of its channels, and freed at the last.
 * - struct srv_chan is one channel; it owns one struct fdri_req, made at
 *   its first ioctl and reused for every later one, so an ioctl allocates
 *   nothing. A channel's death cancels its active request.
 * - The DRM file is released at EOF on the main socket (the client's last
 *   close), but, as the kernel keeps a file alive while an ioctl runs on
 *   it, not before the requests active on it have ended; meanwhile new
 *   requests on the file's channels get EBADF.
 *
 * DOC: channel quota
 * Every socket the daemon holds for a process counts against its quota
 * of channels (fdri_client.h): the main socket of each connection, from
 * accept (charged to its SO_PEERCRED process) to EOF, and each channel
 * while it lives (charged to its connection's process). A connection past
 * the quota is closed at once; a channel past it is refused: a HELLO's
 * channel gets the answer EMFILE, an ATTACHed one is closed unread, which
 * the shim reports as EMFILE. srv_file holds a client reference.
 */
#define _GNU_SOURCE
#include "fdri_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "fdri_caps.h"
#include "fdri_fdobj.h"
#include "fdri_log.h"
#include "fdri_msg.h"
#include "fdri_node_perm.h"
#include "fdri_req.h"
#include "fdri_wire.h"

/*
 * Event priorities. The kernel releases a DRM file inside the last close();
 * here the release is the EOF on the main socket. Serving main sockets
 * before channels means an EOF that happened before a request was sent is
 * always processed first, so no client can observe a file that was
 * already closed (e.g. through DEVICE_STATS, or the first-opener-is-master
 * rule).
 */
enum { PRIO_MAIN = 0, PRIO_CHAN = 1, PRIO_COUNT };

#define SRV_MAX_HELD 16

struct srv_file {
	struct fdri_list link;     /* the server's list of files */
	struct fdri_server *srv;
	int fd;                    /* the main socket; -1 after EOF */
	struct event *ev;
	struct fdri_device *dev;
	struct fdri_file *file;    /* NULL before HELLO, for NODE_NONE and after release */
	bool borrowed;             /* file is owned by another transport (CUSE) */
	bool hello_done;
	/* its peer is root or the daemon's user: may use debugfs, sw_sync
	 * and fault control (docs/security.md) */
	bool privileged;
	struct fdri_client *client; /* the connecting process: charged for sockets */
	unsigned int refs;         /* the main socket + each channel */
	/* FDRI_IOCTL_FENCE_CLOSE: fence fds held until the client, having
	 * closed its own copy, sends FDRI_IOCTL_SYNC */
	int held_fd[SRV_MAX_HELD];
	struct fdri_fdobj *held[SRV_MAX_HELD];   /* a reference each */
	unsigned int nheld;
};

struct srv_chan {
	struct fdri_list link;     /* the server's list of channels */
	struct srv_file *sf;
	int fd;
	struct event *ev;
	struct fdri_req *req;      /* made at the first ioctl */
};

struct fdri_server {
	struct event_base *base;
	struct fdri_device **devs;
	unsigned int ndevs;
	int listen_fd;
	struct event *listen_ev;
	char *path;
	int spare_fd;              /* closed to accept-and-drop when out of fds */
	fdri_bind_lookup_fn bind_lookup;
	/* the virtual nodes' owner, group and mode (socket mode); NULL: new
	 * files only for our own user and root, as with CUSE */
	struct fdri_node_perms *perms;
	struct fdri_list files, chans;
	/* told after a connection's record is freed (fdri_server.h) */
	void (*release_hook)(void *ctx);
	void *release_ctx;
	_Alignas(16) unsigned char in[FDRI_WIRE_MAX_MSG];
	_Alignas(16) unsigned char out[FDRI_WIRE_MAX_MSG];
};

static void sf_close_file(struct srv_file *sf)
{
	struct fdri_file *file = sf->file;

	sf->file = NULL; /* before the close, whose cancellations call back */
	if (file && !sf->borrowed) {
		fdri_log(FDRI_LOG_DEBUG, "file %llu released", (unsigned long long)file->id);
		fdri_file_close(file);
	}
}

/* After the client's last close (EOF on the main socket), the file goes as
 * soon as no request is active on it (the core unlinks a request from
 * file->reqs before its transport hears it ended). */
static void sf_release_if_idle(struct srv_file *sf)
{
	if (sf->fd < 0 && sf->file && fdri_list_empty(&sf->file->reqs))
		sf_close_file(sf);
}

/* Drops the fence fds FENCE_CLOSE left here: if a copy was the last one
 * anywhere, its object's last close is seen now (a timeline fails its
 * points), before the answer to the SYNC that asked for it. */
static void sf_release_held(struct srv_file *sf)
{
	for (unsigned int i = 0; i < sf->nheld; i++) {
		close(sf->held_fd[i]);
		fdri_fdobj_check_closed(sf->held[i]);
		fdri_fdobj_put(sf->held[i]);
	}
	sf->nheld = 0;
}

static void sf_unref(struct srv_file *sf)
{
	struct fdri_server *srv = sf->srv;

	if (--sf->refs)
		return;
	sf_release_held(sf);
	fdri_list_del(&sf->link);
	fdri_client_put(sf->client);
	free(sf);
	if (srv->release_hook)
		srv->release_hook(srv->release_ctx);
}

/* EOF on the main socket: the client's last close of its open file. */
static void sf_release(struct srv_file *sf)
{
	if (sf->fd < 0)
		return;
	event_free(sf->ev);
	close(sf->fd);
	sf->fd = -1;
	fdri_client_uncharge(sf->client, FDRI_Q_CHANNELS, 1);
	sf_release_if_idle(sf);
	sf_unref(sf);
}

/* A channel's request ended (completed or cancelled). */
static void chan_req_ended(struct srv_chan *ch)
{
	sf_release_if_idle(ch->sf);
}

static void chan_free(struct srv_chan *ch)
{
	fdri_list_del(&ch->link);
	event_free(ch->ev);
	close(ch->fd);
	fdri_client_uncharge(ch->sf->client, FDRI_Q_CHANNELS, 1);
	if (ch->req) {
		if (fdri_req_cancel(ch->req))
			chan_req_ended(ch);
		fdri_req_fini(ch->req);
		free(ch->req);
	}
	sf_unref(ch->sf);
	free(ch);
}

/* When a message came without SCM_CREDENTIALS: the socket's creator. */
static void peer_cred(int fd, struct ucred *cr)
{
	socklen_t l = sizeof(*cr);

	/* unknown: nobody's ids, never root's */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &l) < 0)
		*cr = (struct ucred){ .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
}

/* One message into srv->in, with the sender's credentials (the socket's
 * creator's when it sent none). Returns the length, 0 at EOF or -errno. */
static ssize_t srv_recv(struct fdri_server *srv, int fd, int *rfd, struct ucred *cr)
{
	ssize_t n = fdri_msg_recv(fd, srv->in, sizeof(srv->in), rfd, cr);

	if (n > 0 && cr->pid == 0)
		peer_cred(fd, cr);
	return n;
}

/* Root or our own user (the connecting process's credentials,
 * SO_PEERCRED): without node permissions (CUSE mode), the only ones served
 * new files; with them, the only ones that may use debugfs, sw_sync and
 * fault control. */
static bool peer_is_trusted(int fd)
{
	struct ucred pc = { .uid = (uid_t)-1 };

	peer_cred(fd, &pc);
	return pc.uid == 0 || pc.uid == geteuid();
}

static void caller_from(struct fdri_caller *who, const struct ucred *cr, int32_t tid)
{
	who->pid = cr->pid;
	who->tid = tid > 0 ? tid : cr->pid;
	who->uid = cr->uid;
	who->gid = cr->gid;
	who->cap_sys_admin = cr->uid == 0;
	who->capable = fdri_caps_capable;
}

static void send_simple_reply(struct srv_chan *ch, uint64_t id, int ret)
{
	struct fdri_wire_reply r = { .hdr = { FDRI_MSG_REPLY, sizeof(r) }, .ret = ret,
				     .version = FDRI_WIRE_VERSION, .id = id, .fd_off = -1 };

	fdri_msg_send(ch->fd, &r, sizeof(r), -1);
}

/* --- the request adapter --- */

/* ops->fetch: NEED for the nested input and the caller's fd. */
static void chan_fetch(struct fdri_req *req)
{
	struct srv_chan *ch = req->priv;
	struct fdri_wire_need need = { .hdr = { FDRI_MSG_NEED, sizeof(need) }, .id = req->id };

	if (req->want_arg) {
		/* the struct always rides with IOCTL: a short one is a fault */
		req->args.out_size = 0;
		fdri_req_cancel(req);
		chan_req_ended(ch);
		send_simple_reply(ch, req->id, -EFAULT);
		return;
	}
	need.nbufs = req->args.desc->nptrs;
	for (unsigned i = 0; i < need.nbufs; i++) {
		if (!(req->want_in & (1u << i)))
			continue;
		need.bufs[i].uaddr = req->args.bufs[i].uaddr;
		need.bufs[i].len = req->args.bufs[i].len;
	}
	if (req->want_fd) {
		need.want_fd = 1;
		need.fd_value = req->fd_value;
	}
	fdri_msg_send(ch->fd, &need, sizeof(need), -1);
}

/* ops->probe: ask the client whether the output spans can be written. */
static void chan_probe(struct fdri_req *req, uint32_t mask)
{
	struct srv_chan *ch = req->priv;
	struct fdri_wire_need need = { .hdr = { FDRI_MSG_NEED, sizeof(need) }, .id = req->id,
				       .probe = mask, .nbufs = req->args.desc->nptrs };

	for (unsigned i = 0; i < need.nbufs; i++) {
		if (!(mask & (1u << i)))
			continue;
		need.bufs[i].uaddr = req->args.bufs[i].uaddr;
		need.bufs[i].len = req->args.bufs[i].out_len;
	}
	fdri_msg_send(ch->fd, &need, sizeof(need), -1);
}

static uint32_t wire_fd_kind(enum fdri_fd_kind k)
{
	switch (k) {
	case FDRI_FD_DMABUF: return FDRI_WIRE_FD_DMABUF;
	case FDRI_FD_SYNC_FILE: return FDRI_WIRE_FD_SYNC_FILE;
	case FDRI_FD_SYNCOBJ: return FDRI_WIRE_FD_SYNCOBJ;
	case FDRI_FD_TIMELINE: return FDRI_WIRE_FD_TIMELINE;
	case FDRI_FD_POLL_PROXY: return FDRI_WIRE_FD_POLL_PROXY;
	case FDRI_FD_NONE: return FDRI_WIRE_FD_NONE;
	default: return FDRI_WIRE_FD_OTHER;
	}
}

/* ops->complete: the REPLY: the struct, the nested output, the fd. */
static void chan_complete(struct fdri_req *req)
{
	struct srv_chan *ch = req->priv;
	struct fdri_server *srv = ch->sf->srv;
	struct fdri_ioctl_args *a = &req->args;
	struct fdri_wire_reply *r = (void *)srv->out;
	size_t len = sizeof(*r);
	int sendfd = -1;

	memset(r, 0, sizeof(*r));
	r->hdr.type = FDRI_MSG_REPLY;
	r->ret = req->ret;
	r->version = FDRI_WIRE_VERSION;
	r->id = req->id;
	r->fd_off = -1;
	r->out_len = a->out_size;
	memcpy(srv->out + len, req->kdata, a->out_size);
	len += a->out_size;
	for (unsigned i = 0; a->desc && i < a->desc->nptrs; i++) {
		struct fdri_ubuf *b = &a->bufs[i];

		if (a->desc->ptrs[i].dir != FDRI_PTR_OUT || !b->out_len)
			continue;
		r->bufs[r->nbufs].uaddr = b->uaddr;
		r->bufs[r->nbufs].len = b->out_len;
		r->nbufs++;
		memcpy(srv->out + len, b->data, b->out_len);
		len += b->out_len;
	}
	if (req->ret == 0 && a->out_fd >= 0 && a->desc->fd_out_off >= 0) {
		sendfd = a->out_fd;
		r->fd_off = a->desc->fd_out_off;
		r->fd_flags = a->out_fd_flags;
		r->fd_kind = wire_fd_kind(a->out_fd_kind);
		r->fd_meta[0] = a->out_fd_size;
	}
	r->hdr.len = (uint32_t)len;
	if (fdri_log_level >= FDRI_LOG_TRACE)
		fdri_log(FDRI_LOG_TRACE, "pid %d %s -> %d", req->who.tid,
			 fdri_ioctl_name(ch->sf->dev, a->cmd), req->ret);
	fdri_msg_send(ch->fd, srv->out, len, sendfd);
	if (a->owns_out_fd) {
		/* ours to close once sent (fdri_req.h) */
		close(a->out_fd);
		a->out_fd = -1;
		a->owns_out_fd = false;
	}
	chan_req_ended(ch);
}

/* ops->cancelled: the file was released under the request (a CUSE file
 * whose owner closed it): answer, so the caller does not wait forever. */
static void chan_cancelled(struct fdri_req *req)
{
	struct srv_chan *ch = req->priv;

	send_simple_reply(ch, req->id, -EBADF);
	chan_req_ended(ch);
}

static const struct fdri_req_ops chan_req_ops = {
	.fetch = chan_fetch,
	.probe = chan_probe,
	.complete = chan_complete,
	.cancelled = chan_cancelled,
};

/* --- channel messages --- */

/*
 * The object behind the fd an ioctl was made on, if it is not a DRM file:
 * a fence fd of the daemon's or a dma-buf a device knows. Returns the
 * target kind (a reference in *target) or FDRI_TARGET_NONE; *dev is the
 * device to run on.
 */
static enum fdri_target_kind find_target(struct srv_file *sf, int fd, void **target,
					 struct fdri_device **dev)
{
	struct fdri_server *srv = sf->srv;
	struct fdri_fd_ident id;
	struct fdri_fdobj *obj;
	int err;

	*dev = sf->dev;
	obj = fdri_fdobj_lookup(sf->dev->fdobjs, fd, NULL, &err);
	if (obj) {
		*target = obj;
		return FDRI_TARGET_FDOBJ;
	}
	if (sf->dev->host->dmabuf_identify(sf->dev->host_ctx, fd, &id))
		return FDRI_TARGET_NONE;
	for (unsigned i = 0; i < srv->ndevs; i++) {
		struct fdri_dmabuf *buf = fdri_map_get(&srv->devs[i]->dmabufs, id.ino);

		if (buf) {
			fdri_dmabuf_get(buf);
			*target = buf;
			*dev = srv->devs[i];
			return FDRI_TARGET_DMABUF;
		}
	}
	return FDRI_TARGET_NONE;
}

/* FDRI_IOCTL_NODE_SETATTR: chmod/chown of a virtual node, checked against
 * the credentials the connection (made for the call) was opened with. */
static int node_setattr(struct srv_file *sf, const struct fdri_wire_ioctl *m)
{
	struct fdri_node_setattr a;
	struct fdri_peer who;
	int ret;

	if (m->arg_len < sizeof(a))
		return -EFAULT;
	if (!sf->srv->perms)
		return -ENODEV;
	memcpy(&a, m + 1, sizeof(a));
	ret = fdri_peer_get(sf->fd, &who);
	if (ret)
		return ret;
	ret = fdri_node_perm_setattr(sf->srv->perms, &who, &a);
	if (ret == 0)
		fdri_log(FDRI_LOG_DEBUG, "pid %d (uid %u) set node %u:%u to mode %04o", who.pid,
			 (unsigned)who.uid, a.device, a.node, a.mode);
	fdri_peer_release(&who);
	return ret;
}

static void handle_ioctl(struct srv_chan *ch, const struct fdri_wire_ioctl *m, size_t n,
			 const struct ucred *cr, int *rfdp)
{
	int rfd = *rfdp;
	struct srv_file *sf = ch->sf;
	struct fdri_caller who;
	struct fdri_device *dev;
	enum fdri_target_kind kind;
	void *target = NULL;

	if (n < sizeof(*m) || m->arg_len > n - sizeof(*m)) {
		send_simple_reply(ch, n < sizeof(*m) ? 0 : m->id, -EINVAL);
		return;
	}
	if (ch->req && fdri_req_active(ch->req)) {
		/* one request at a time per channel */
		send_simple_reply(ch, m->id, -EBUSY);
		return;
	}
	if (m->flags & FDRI_IOCTL_TARGET_FD) {
		/* an ioctl on a fence fd or dma-buf, which rides along */
		if (rfd < 0) {
			send_simple_reply(ch, m->id, rfd == FDRI_MSG_FD_LOST ? -EMFILE : -EBADF);
			return;
		}
		kind = find_target(sf, rfd, &target, &dev);
		if (kind == FDRI_TARGET_NONE) {
			send_simple_reply(ch, m->id, -ENOTTY);
			return;
		}
		if (m->cmd == FDRI_IOCTL_FENCE_CLOSE) {
			/* the transport's own: hold the copy until the client,
			 * its own closed, sends SYNC (the client may not have
			 * closed it yet while we read this) */
			*rfdp = -1; /* taken */
			if (kind == FDRI_TARGET_FDOBJ && sf->nheld < SRV_MAX_HELD) {
				sf->held_fd[sf->nheld] = rfd;
				sf->held[sf->nheld++] = target;
			} else {
				close(rfd);
				if (kind == FDRI_TARGET_FDOBJ)
					fdri_fdobj_put(target);
				else
					fdri_dmabuf_put(target);
			}
			send_simple_reply(ch, m->id, 0);
			return;
		}
	} else if (!sf->file && m->cmd == FDRI_IOCTL_SYNC) {
		sf_release_held(sf);
		send_simple_reply(ch, m->id, 0);
		return;
	} else if (!sf->file && m->cmd == FDRI_IOCTL_NODE_SETATTR) {
		send_simple_reply(ch, m->id, node_setattr(sf, m));
		return;
	} else if (!sf->file && (m->cmd == FDRI_IOCTL_SW_SYNC_OPEN ||
				   m->cmd == FDRI_IOCTL_DEBUGFS_OPEN ||
				   m->cmd == FDRI_IOCTL_FAULT_CTL)) {
		if (!sf->privileged) {
			/* debugfs (where sw_sync lives) is root's, 0700 */
			send_simple_reply(ch, m->id, -EACCES);
			return;
		}
		kind = FDRI_TARGET_NONE; /* a fileless connection's own ioctl */
		dev = sf->dev;
		target = sf;             /* marks the path; not a reference */
	} else if (!sf->file || sf->fd < 0) {
		send_simple_reply(ch, m->id, -EBADF);
		return;
	}
	if (!ch->req) {
		ch->req = malloc(sizeof(*ch->req));
		if (!ch->req) {
			send_simple_reply(ch, m->id, -ENOMEM);
			return;
		}
		fdri_req_init(ch->req, &chan_req_ops, ch);
	}
	caller_from(&who, cr, m->tid);
	ch->req->id = m->id;
	if (target)
		fdri_req_submit_target(ch->req, dev, kind, kind == FDRI_TARGET_NONE ? NULL : target,
				       &who, m->cmd, m->arg, m + 1,
				       m->arg_len, m->flags & FDRI_IOCTL_ARG_FAULT);
	else
		fdri_req_submit(ch->req, sf->file, &who, m->cmd, m->arg, m + 1, m->arg_len,
				m->flags & FDRI_IOCTL_ARG_FAULT);
}

static void handle_data(struct srv_chan *ch, const struct fdri_wire_data *m, size_t n, int fd)
{
	struct fdri_req *req = ch->req;
	struct fdri_ioctl_args *a;
	const unsigned char *data = (const unsigned char *)(m + 1);
	size_t left;

	if (!req || n < sizeof(*m) || m->id != req->id ||
	    (req->state != FDRI_REQ_INPUT && req->state != FDRI_REQ_PROBE)) {
		if (fd >= 0)
			close(fd);
		/* not part of an exchange: dropped, as the client expects no answer */
		return;
	}
	a = &req->args;
	if (req->state == FDRI_REQ_PROBE) {
		uint32_t faults = 0;

		if (fd >= 0)
			close(fd);
		for (unsigned i = 0; i < a->desc->nptrs && i < m->nbufs; i++)
			if (m->bufs[i].fault)
				faults |= 1u << i;
		fdri_req_probe_done(req, faults);
		return;
	}
	if (fd == FDRI_MSG_FD_LOST) {
		/* we could not take the caller's fd: that call fails, and only it */
		fdri_log(FDRI_LOG_WARN, "out of file descriptors: pid %d's %s fails with EMFILE",
			 req->who.tid, a->desc->name);
		fdri_req_cancel(req);
		send_simple_reply(ch, req->id, -EMFILE);
		chan_req_ended(ch);
		return;
	}
	a->in_fd = req->want_fd ? fd : -1;
	req->owns_in_fd = a->in_fd >= 0;
	if (!req->want_fd && fd >= 0)
		close(fd);
	left = n - sizeof(*m);
	for (unsigned i = 0; i < a->desc->nptrs && i < m->nbufs; i++) {
		struct fdri_ubuf *b = &a->bufs[i];

		if (!(req->want_in & (1u << i)))
			continue;
		if (m->bufs[i].fault || m->bufs[i].len != b->len || left < b->len) {
			b->fault = 1;
			continue;
		}
		memcpy(b->data, data, b->len);
		data += b->len;
		left -= b->len;
	}
	fdri_req_input_done(req);
}

static void handle_cancel(struct srv_chan *ch, const struct fdri_wire_cancel *m, size_t n)
{
	struct fdri_wire_cancel r = { .hdr = { FDRI_MSG_CANCEL, sizeof(r) } };

	if (n < sizeof(*m))
		return;
	r.id = m->id;
	/* only a waiting call is interrupted, as the kernel interrupts only
	 * its interruptible waits; any other finishes as if no signal came */
	if (ch->req && ch->req->state == FDRI_REQ_PARKED && ch->req->id == m->id) {
		fdri_req_cancel(ch->req);
		chan_req_ended(ch);
		r.ret = 1;
	}
	fdri_msg_send(ch->fd, &r, sizeof(r), -1);
}

static void handle_mmap(struct srv_chan *ch, const struct fdri_wire_mmap *m, size_t n)
{
	struct fdri_wire_reply r = { .hdr = { FDRI_MSG_REPLY, sizeof(r) }, .fd_off = -1,
				     .version = FDRI_WIRE_VERSION };
	int memfd = -1;

	if (n < sizeof(*m)) {
		r.ret = -EINVAL;
	} else {
		r.id = m->id;
		if (!ch->sf->file || ch->sf->fd < 0)
			r.ret = -EBADF;
		else
			r.ret = fdri_file_mmap(ch->sf->file, m->offset, m->len, &memfd);
	}
	if (!r.ret)
		r.fd_kind = FDRI_WIRE_FD_OTHER; /* the backing memfd, to map */
	fdri_msg_send(ch->fd, &r, sizeof(r), r.ret ? -1 : memfd);
}

static void handle_info(struct srv_chan *ch)
{
	struct fdri_wire_info r = { .hdr = { FDRI_MSG_INFO, sizeof(r) } };
	struct srv_file *sf = ch->sf;

	if (!sf->file) {
		r.ret = -EBADF;
	} else {
		r.node = sf->file->node;
		r.open_flags = sf->file->open_flags;
		r.file_id = sf->file->id;
	}
	for (unsigned i = 0; i < sf->srv->ndevs; i++)
		if (sf->srv->devs[i] == sf->dev)
			r.device = i;
	fdri_msg_send(ch->fd, &r, sizeof(r), -1);
}

/* Messages served so far: fdri_server_run() spins while this moves. */
static unsigned long served;

static void chan_cb(evutil_socket_t fd, short what, void *data)
{
	struct srv_chan *ch = data;
	struct fdri_server *srv = ch->sf->srv;
	struct ucred cr = { 0 };
	const struct fdri_wire_hdr *h = (void *)srv->in;
	int rfd;
	ssize_t n;

	(void)what;
	n = srv_recv(srv, fd, &rfd, &cr);
	if (n == -EAGAIN || n == -EMSGSIZE || n == -ENOMSG)
		return; /* nothing, a message too long to be ours, or an empty one */
	if (n <= 0) {
		chan_free(ch);
		return;
	}
	served++;
	if ((size_t)n < sizeof(*h)) {
		if (rfd >= 0)
			close(rfd);
		return;
	}
	switch (h->type) {
	case FDRI_MSG_IOCTL:
		handle_ioctl(ch, (const void *)srv->in, (size_t)n, &cr, &rfd);
		break;
	case FDRI_MSG_DATA:
		handle_data(ch, (const void *)srv->in, (size_t)n, rfd);
		rfd = -1;
		break;
	case FDRI_MSG_CANCEL:
		handle_cancel(ch, (const void *)srv->in, (size_t)n);
		break;
	case FDRI_MSG_MMAP:
		handle_mmap(ch, (const void *)srv->in, (size_t)n);
		break;
	case FDRI_MSG_INFO:
		handle_info(ch);
		break;
	default:
		send_simple_reply(ch, 0, -EINVAL);
		break;
	}
	if (rfd >= 0)
		close(rfd);
}

/*
 * A channel must be a connected AF_UNIX SEQPACKET socket whose peer is the
 * process that sent it: anything else (a file, a memfd, the client's own
 * connection to us, someone else's socket) would hold our resources or
 * loop back into the daemon. Returns false after closing @fd.
 */
bool fdri_server_sock_is_senders(int fd, const struct ucred *sender)
{
	struct ucred pc = { 0 };
	int type = 0, domain = 0;
	socklen_t l = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 || type != SOCK_SEQPACKET)
		return false;
	l = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0 || domain != AF_UNIX)
		return false;
	peer_cred(fd, &pc);
	return pc.pid > 0 && pc.pid == sender->pid && pc.pid != getpid();
}

static bool chan_acceptable(int fd, const struct ucred *sender)
{
	if (fdri_server_sock_is_senders(fd, sender))
		return true;
	fdri_log(FDRI_LOG_WARN, "pid %d sent something that is not a channel: refused",
		 sender->pid);
	close(fd);
	return false;
}

/* A new channel of @sf on @fd, which it takes (and the process's quota of
 * channels is charged); *out, if asked, is the channel. -EMFILE past the
 * quota, -ENOMEM: @fd stays the caller's. */
static int chan_add(struct srv_file *sf, int fd, struct srv_chan **out)
{
	struct srv_chan *ch;
	int on = 1;

	if (!fdri_client_charge(sf->client, FDRI_Q_CHANNELS, 1)) {
		fdri_log(FDRI_LOG_WARN, "pid %d has its quota of channels: refused one",
			 sf->client ? sf->client->tgid : 0);
		return -EMFILE;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		fdri_client_uncharge(sf->client, FDRI_Q_CHANNELS, 1);
		return -ENOMEM;
	}
	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	ch->sf = sf;
	ch->fd = fd;
	fdri_list_add_tail(&sf->srv->chans, &ch->link);
	ch->ev = event_new(sf->srv->base, fd, EV_READ | EV_PERSIST, chan_cb, ch);
	event_priority_set(ch->ev, PRIO_CHAN);
	event_add(ch->ev, NULL);
	sf->refs++;
	if (out)
		*out = ch;
	return 0;
}

/* HELLO: open (or bind, or not open) the connection's DRM file. */
static int hello_open(struct srv_file *sf, int fd, const struct fdri_wire_hello *hello,
		      const struct ucred *cr)
{
	struct fdri_server *srv = sf->srv;
	struct fdri_caller who;
	int err = 0;

	if (hello->version != FDRI_WIRE_VERSION) {
		fdri_log(FDRI_LOG_WARN, "pid %d speaks wire version %u, this daemon %u: refused "
			 "(use a shim and daemon of the same build)", cr->pid, hello->version,
			 FDRI_WIRE_VERSION);
		return -EPROTO;
	}
	caller_from(&who, cr, hello->tid);
	if (hello->token[0] || hello->token[1]) {
		/* the token is the proof of access: any user may bind */
		sf->file = srv->bind_lookup ? srv->bind_lookup(hello->token) : NULL;
		if (!sf->file)
			return -EACCES;
		sf->borrowed = true;
		sf->dev = sf->file->dev;
		return 0;
	}
	sf->privileged = peer_is_trusted(fd);
	if (!srv->perms && !sf->privileged) {
		fdri_log(FDRI_LOG_WARN, "refused a client with uid %u (pid %d)", cr->uid, cr->pid);
		return -EACCES;
	}
	if (hello->device >= srv->ndevs)
		return -ENODEV;
	sf->dev = srv->devs[hello->device];
	if (hello->node == FDRI_NODE_NONE)
		return 0; /* what it may do is checked per ioctl */
	if (srv->perms) {
		/* the node's mode decides, for the opener's credentials */
		struct fdri_peer peer;

		err = fdri_peer_get(fd, &peer);
		if (!err)
			err = fdri_node_perm_may_open(srv->perms, hello->device,
						      hello->node == FDRI_NODE_RENDER ?
						      FDRI_NODE_RENDER : FDRI_NODE_PRIMARY,
						      &peer, hello->open_flags);
		fdri_peer_release(&peer);
		if (err) {
			fdri_log(FDRI_LOG_DEBUG, "pid %d (uid %u) may not open node %u:%u: %s",
				 cr->pid, cr->uid, hello->device, hello->node, strerror(-err));
			return err;
		}
	}
	sf->file = fdri_file_open(sf->dev, hello->node == FDRI_NODE_RENDER ?
				  FDRI_NODE_RENDER : FDRI_NODE_PRIMARY, &who, hello->open_flags, &err);
	if (sf->file)
		fdri_log(FDRI_LOG_DEBUG, "pid %d opened %s node of device %u: file %llu", who.pid,
			 hello->node == FDRI_NODE_RENDER ? "render" : "primary", hello->device,
			 (unsigned long long)sf->file->id);
	return err;
}

static void main_cb(evutil_socket_t fd, short what, void *data)
{
	struct srv_file *sf = data;
	struct fdri_server *srv = sf->srv;
	const struct fdri_wire_hello *hello = (void *)srv->in;
	struct ucred cr = { 0 };
	struct srv_chan *ch;
	int rfd, err;
	ssize_t n;

	(void)what;
	n = srv_recv(srv, fd, &rfd, &cr);
	if (n == -EAGAIN || n == -EMSGSIZE || n == -ENOMSG)
		return;
	if (n <= 0) {
		sf_release(sf);
		return;
	}
	if (rfd == FDRI_MSG_FD_LOST) {
		/* the channel is lost, not the file: the client finds its new
		 * channel closed, and everything else stays */
		fdri_log(FDRI_LOG_WARN, "out of file descriptors: dropped a channel of pid %d",
			 cr.pid);
		return;
	}
	if ((size_t)n < sizeof(struct fdri_wire_hdr) || rfd < 0) {
		if (rfd >= 0)
			close(rfd);
		return;
	}
	if (!chan_acceptable(rfd, &cr))
		return;
	if (hello->hdr.type == FDRI_MSG_ATTACH) {
		/* a channel refused is closed unread: the shim reports EMFILE */
		if (!sf->hello_done || chan_add(sf, rfd, NULL))
			close(rfd);
		return;
	}
	if (hello->hdr.type != FDRI_MSG_HELLO || (size_t)n < 12 || sf->hello_done) {
		close(rfd);
		return;
	}
	err = chan_add(sf, rfd, &ch);
	if (err) {
		/* answered on the channel, which then goes: open() fails EMFILE */
		struct fdri_wire_reply r = { .hdr = { FDRI_MSG_REPLY, sizeof(r) }, .ret = err,
					     .version = FDRI_WIRE_VERSION, .fd_off = -1 };

		fdri_msg_send(rfd, &r, sizeof(r), -1);
		close(rfd);
		return;
	}
	if ((size_t)n < sizeof(*hello) && hello->version == FDRI_WIRE_VERSION)
		err = -EINVAL;
	else
		err = hello_open(sf, fd, hello, &cr);
	sf->hello_done = err == 0;
	send_simple_reply(ch, 0, err);
}

int fdri_server_accept(struct fdri_server *srv, int listen_fd)
{
	int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c < 0 && (errno == EMFILE || errno == ENFILE) && srv && srv->spare_fd >= 0) {
		/* the connection would stay pending and the loop spin on it:
		 * free a slot, take it and drop it (the client sees ENODEV) */
		close(srv->spare_fd);
		c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
		srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		fdri_log(FDRI_LOG_WARN, "out of file descriptors: refused a client");
		errno = EMFILE;
		return -1;
	}
	return c;
}

struct fdri_client *fdri_server_charge_peer(struct fdri_clients *clients, pid_t pid,
					    const char *what)
{
	struct fdri_client *client = fdri_client_get(clients, pid);

	if (client && fdri_client_charge(client, FDRI_Q_CHANNELS, 1))
		return client;
	if (client)
		fdri_log(FDRI_LOG_WARN, "pid %d has its quota of channels: refused a %s",
			 (int)pid, what);
	fdri_client_put(client);
	return NULL;
}

static void listen_cb(evutil_socket_t fd, short what, void *data)
{
	struct fdri_server *srv = data;
	struct ucred pc = { 0 };
	struct fdri_client *client;
	struct srv_file *sf;
	int c;

	(void)what;
	c = fdri_server_accept(srv, fd);
	if (c < 0)
		return;
	/* the connecting process (its tgid), whose quota the sockets count in */
	peer_cred(c, &pc);
	client = fdri_server_charge_peer(srv->devs[0]->clients, pc.pid, "connection");
	if (!client) {
		close(c);
		return;
	}
	sf = calloc(1, sizeof(*sf));
	if (!sf) {
		fdri_client_uncharge(client, FDRI_Q_CHANNELS, 1);
		fdri_client_put(client);
		close(c);
		return;
	}
	sf->client = client;
	sf->srv = srv;
	sf->fd = c;
	sf->refs = 1;
	fdri_list_add_tail(&srv->files, &sf->link);
	sf->ev = event_new(srv->base, c, EV_READ | EV_PERSIST, main_cb, sf);
	event_priority_set(sf->ev, PRIO_MAIN);
	event_add(sf->ev, NULL);
}

/*
 * Clears the way for our socket at @path: nothing there, or a socket no
 * daemon listens on any more (removed). A live daemon's socket gives
 * EADDRINUSE (taking it over would orphan that daemon's clients), and
 * anything else at the path (a file, a directory) EEXIST: never removed.
 */
static int stale_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int s, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	strcpy(a.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -1;
	r = connect(s, (struct sockaddr *)&a, sizeof(a));
	close(s);
	if (r == 0 || errno == EAGAIN) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

struct fdri_server *fdri_server_create(struct event_base *base, struct fdri_device *const *devs,
				       unsigned int ndevs, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct fdri_server *srv;
	int on = 1;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (!ndevs) {
		errno = EINVAL;
		return NULL;
	}
	if (event_base_get_npriorities(base) < PRIO_COUNT &&
	    event_base_priority_init(base, PRIO_COUNT) < 0)
		return NULL;
	srv = calloc(1, sizeof(*srv));
	if (!srv || !(srv->devs = calloc(ndevs, sizeof(*srv->devs)))) {
		free(srv);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(srv->devs, devs, ndevs * sizeof(*devs));
	srv->ndevs = ndevs;
	srv->base = base;
	srv->path = strdup(path);
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fdri_list_init(&srv->files);
	fdri_list_init(&srv->chans);
	strcpy(addr.sun_path, path);
	srv->listen_fd = -1;
	if (stale_socket(path) < 0 ||
	    (srv->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	    setsockopt(srv->listen_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ||
	    bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0666) < 0 ||
	    listen(srv->listen_fd, 128) < 0) {
		int e = errno;

		if (srv->listen_fd >= 0)
			close(srv->listen_fd);
		if (srv->spare_fd >= 0)
			close(srv->spare_fd);
		free(srv->path);
		free(srv->devs);
		free(srv);
		errno = e;
		return NULL;
	}
	srv->listen_ev = event_new(base, srv->listen_fd, EV_READ | EV_PERSIST, listen_cb, srv);
	event_priority_set(srv->listen_ev, PRIO_CHAN);
	event_add(srv->listen_ev, NULL);
	return srv;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

int fdri_server_run(struct event_base *base, long spin_ns)
{
	cpu_set_t cpus;

	/* with one CPU, spinning only delays the clients */
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2)
		spin_ns = 0;
	while (!event_base_got_break(base) && !event_base_got_exit(base)) {
		unsigned long seen = served;
		long idle_since;

		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			return -1;
		if (spin_ns <= 0 || served == seen)
			continue;
		/* a burst: poll instead of sleeping while requests keep coming */
		idle_since = now_ns();
		while (!event_base_got_break(base) && now_ns() - idle_since < spin_ns) {
			seen = served;
			if (event_base_loop(base, EVLOOP_NONBLOCK) < 0)
				return -1;
			if (served != seen)
				idle_since = now_ns();
		}
	}
	return 0;
}

void fdri_server_set_perms(struct fdri_server *srv, struct fdri_node_perms *perms)
{
	fdri_node_perms_destroy(srv->perms);
	srv->perms = perms;
}

void fdri_server_set_bind_lookup(struct fdri_server *srv, fdri_bind_lookup_fn lookup)
{
	srv->bind_lookup = lookup;
}

void fdri_server_set_device(struct fdri_server *srv, unsigned int index, struct fdri_device *dev)
{
	if (index < srv->ndevs)
		srv->devs[index] = dev;
}

void fdri_server_set_release_hook(struct fdri_server *srv, void (*hook)(void *ctx), void *ctx)
{
	srv->release_hook = hook;
	srv->release_ctx = ctx;
}

bool fdri_server_device_used(const struct fdri_server *srv, const struct fdri_device *dev)
{
	for (const struct fdri_list *l = srv->files.next; l != &srv->files; l = l->next)
		if (fdri_container_of(l, const struct srv_file, link)->dev == dev)
			return true;
	return false;
}

void fdri_server_detach_file(struct fdri_server *srv, struct fdri_file *file)
{
	for (struct fdri_list *l = srv->files.next; l != &srv->files; l = l->next) {
		struct srv_file *sf = fdri_container_of(l, struct srv_file, link);

		if (sf->file == file && sf->borrowed)
			sf->file = NULL;
	}
}

unsigned int fdri_server_sockets(const struct fdri_server *srv)
{
	unsigned int n = 0;

	for (const struct fdri_list *l = srv->files.next; l != &srv->files; l = l->next)
		n += fdri_container_of(l, struct srv_file, link)->fd >= 0;
	for (const struct fdri_list *l = srv->chans.next; l != &srv->chans; l = l->next)
		n++;
	return n;
}

void fdri_server_dump(struct fdri_server *srv, FILE *out)
{
	for (struct fdri_list *l = srv->files.next; l != &srv->files; l = l->next) {
		struct srv_file *sf = fdri_container_of(l, struct srv_file, link);

		fprintf(out, "connection: fd %d, file %llu%s, refs %u, requests %s\n", sf->fd,
			sf->file ? (unsigned long long)sf->file->id : 0ull,
			sf->borrowed ? " (borrowed)" : "", sf->refs,
			sf->file && !fdri_list_empty(&sf->file->reqs) ? "active" : "none");
	}
	for (struct fdri_list *l = srv->chans.next; l != &srv->chans; l = l->next) {
		struct srv_chan *ch = fdri_container_of(l, struct srv_chan, link);

		fprintf(out, "channel: fd %d of connection fd %d, request %s\n", ch->fd, ch->sf->fd,
			!ch->req ? "none" : !fdri_req_active(ch->req) ? "idle" :
			ch->req->state == FDRI_REQ_INPUT ? "waiting for input" :
			ch->req->state == FDRI_REQ_PARKED ? "parked" :
			ch->req->state == FDRI_REQ_PROBE ? "probing" : "running");
	}
}

void fdri_server_destroy(struct fdri_server *srv)
{
	if (!srv)
		return;
	event_free(srv->listen_ev);
	close(srv->listen_fd);
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	while (!fdri_list_empty(&srv->chans))
		chan_free(fdri_container_of(srv->chans.next, struct srv_chan, link));
	/* every remaining file has only its main socket reference left */
	while (!fdri_list_empty(&srv->files))
		sf_release(fdri_container_of(srv->files.next, struct srv_file, link));
	unlink(srv->path);
	fdri_node_perms_destroy(srv->perms);
	free(srv->path);
	free(srv->devs);
	free(srv);
}
