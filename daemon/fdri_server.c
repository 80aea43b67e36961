/*
 * fdri_server.c - the socket transport (see fdri_server.h and
 * wire/fdri_wire.h). Every handler runs to completion on the loop thread;
 * nothing here blocks: client sockets are non-blocking on the daemon side,
 * and a client that stops reading only loses its own replies.
 */
#define _GNU_SOURCE
#include "fdri_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "fdri_caps.h"
#include "fdri_ioctl.h"
#include "fdri_log.h"
#include "fdri_msg.h"
#include "fdri_wire.h"

struct srv_link {
	struct srv_link *prev, *next;
};

static void link_add(struct srv_link *head, struct srv_link *l)
{
	l->next = head->next;
	l->prev = head;
	head->next->prev = l;
	head->next = l;
}

static void link_del(struct srv_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
}

/*
 * Event priorities. The kernel releases a DRM file inside the last close();
 * here the release is the EOF on the main socket. Serving main sockets
 * before channels means an EOF that happened before a request was sent is
 * always processed first, so no client can observe a file that was
 * already closed (e.g. through DEVICE_STATS, or the first-opener-is-master
 * rule).
 */
enum { PRIO_MAIN = 0, PRIO_CHAN = 1, PRIO_COUNT };

struct srv_file {
	struct srv_link link;      /* first: the server's list of files */
	struct fdri_server *srv;
	int fd;
	struct event *ev;
	struct fdri_file *file;    /* NULL before HELLO and after release */
	bool borrowed;             /* file is owned by another transport (CUSE) */
	unsigned int refs;         /* the main socket + each channel */
};

struct srv_pending {
	struct fdri_ioctl_args args;
	struct fdri_caller who;
	enum { PEND_NONE, PEND_INPUT, PEND_PROBE } phase;
	int ret;                   /* PEND_PROBE: the run's result */
	_Alignas(16) unsigned char kdata[FDRI_IOCTL_MAX_SIZE];
	_Alignas(16) unsigned char kdata_in[FDRI_IOCTL_MAX_SIZE]; /* for a rerun */
};

struct srv_chan {
	struct srv_link link;      /* first: the server's list of channels */
	struct srv_file *sf;
	int fd;
	struct event *ev;
	struct srv_pending *pending; /* an ioctl waiting for DATA */
};

struct fdri_server {
	struct event_base *base;
	struct fdri_device *dev;
	int listen_fd;
	struct event *listen_ev;
	char *path;
	int spare_fd;              /* closed to accept-and-drop when out of fds */
	fdri_bind_lookup_fn bind_lookup;
	struct srv_link files, chans;
	_Alignas(16) unsigned char in[FDRI_WIRE_MAX_MSG];
	_Alignas(16) unsigned char out[FDRI_WIRE_MAX_MSG];
	_Alignas(16) unsigned char bufspace[FDRI_WIRE_MAX_BUFS][FDRI_WIRE_MAX_BUF];
};

static void sf_unref(struct srv_file *sf)
{
	if (--sf->refs)
		return;
	link_del(&sf->link);
	free(sf);
}

static void sf_release(struct srv_file *sf)
{
	if (sf->fd < 0)
		return;
	event_free(sf->ev);
	close(sf->fd);
	sf->fd = -1;
	if (sf->file && !sf->borrowed) {
		fdri_log(FDRI_LOG_DEBUG, "file %llu released", (unsigned long long)sf->file->id);
		fdri_file_close(sf->file);
	}
	sf->file = NULL;
	sf_unref(sf);
}

static void chan_free(struct srv_chan *ch)
{
	link_del(&ch->link);
	event_free(ch->ev);
	close(ch->fd);
	if (ch->pending && ch->pending->args.in_fd >= 0)
		close(ch->pending->args.in_fd);
	free(ch->pending);
	sf_unref(ch->sf);
	free(ch);
}

/* When a message came without SCM_CREDENTIALS: the socket's creator. */
static void peer_cred(int fd, struct ucred *cr)
{
	socklen_t l = sizeof(*cr);

	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &l);
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

/* New files only for our own user and root (the connecting process's
 * credentials, SO_PEERCRED). */
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

static void send_simple_reply(struct srv_chan *ch, int ret)
{
	struct fdri_wire_reply r = { .hdr = { FDRI_MSG_REPLY, sizeof(r) }, .ret = ret, .fd_off = -1 };

	fdri_msg_send(ch->fd, &r, sizeof(r), -1);
}

/* The REPLY message: the struct, the nested output, the fd. */
static void ioctl_reply(struct srv_chan *ch, struct fdri_ioctl_args *a,
			const struct fdri_caller *who, unsigned char *kdata, int ret)
{
	struct fdri_server *srv = ch->sf->srv;
	struct fdri_wire_reply *r = (void *)srv->out;
	size_t len = sizeof(*r);
	int sendfd = -1;

	memset(r, 0, sizeof(*r));
	r->hdr.type = FDRI_MSG_REPLY;
	r->ret = ret;
	r->fd_off = -1;
	r->out_len = a->out_size;
	memcpy(srv->out + len, kdata, a->out_size);
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
	if (ret == 0 && a->out_fd >= 0 && a->desc->fd_out_off >= 0) {
		sendfd = a->out_fd;
		r->fd_off = a->desc->fd_out_off;
		r->fd_flags = a->out_fd_flags;
		r->fd_size = a->out_fd_size;
	}
	r->hdr.len = (uint32_t)len;
	if (fdri_log_level >= FDRI_LOG_TRACE)
		fdri_log(FDRI_LOG_TRACE, "pid %d %s -> %d", who->tid,
			 fdri_ioctl_name(srv->dev, a->cmd), ret);
	fdri_msg_send(ch->fd, srv->out, len, sendfd);
	if (a->in_fd >= 0) {
		close(a->in_fd);
		a->in_fd = -1;
	}
	ch->pending->phase = PEND_NONE;
}

/* Step 4 of fdri_ioctl.h. Nested output is written back only once the
 * client has checked it can be; see fdri_wire_need.probe. */
static void ioctl_finish(struct srv_chan *ch, struct fdri_ioctl_args *a,
			 const struct fdri_caller *who, unsigned char *kdata, int ret)
{
	struct srv_pending *p = ch->pending;
	struct fdri_wire_need need = { .hdr = { FDRI_MSG_NEED, sizeof(need) } };

	if (!ret) {
		if (!ch->sf->file) {
			ret = -EBADF;
		} else {
			/* kept only where a probe may ask for a rerun */
			if (a->desc->nptrs)
				memcpy(p->kdata_in, kdata, a->ksize);
			ret = fdri_ioctl_run(ch->sf->file, who, kdata, a);
		}
		for (unsigned i = 0; a->desc && i < a->desc->nptrs; i++) {
			if (a->desc->ptrs[i].dir != FDRI_PTR_OUT || !a->bufs[i].out_len)
				continue;
			need.probe |= 1u << i;
			need.bufs[i].uaddr = a->bufs[i].uaddr;
			need.bufs[i].len = a->bufs[i].out_len;
		}
		if (need.probe) {
			need.nbufs = a->desc->nptrs;
			p->phase = PEND_PROBE;
			p->ret = ret;
			fdri_msg_send(ch->fd, &need, sizeof(need), -1);
			return; /* continued in handle_data() */
		}
	}
	ioctl_reply(ch, a, who, kdata, ret);
}

/* The client's answer to a probe: reply as computed, or run again on the
 * same input with the unwritable buffers marked, so the handler stops at
 * the first of them as copy_to_user() would have made it. */
static void probe_done(struct srv_chan *ch, const struct fdri_wire_data *m)
{
	struct srv_pending *p = ch->pending;
	struct fdri_ioctl_args *a = &p->args;
	bool fault = false;

	for (unsigned i = 0; i < a->desc->nptrs && i < m->nbufs; i++)
		if (m->bufs[i].fault) {
			a->bufs[i].fault = 1;
			fault = true;
		}
	if (fault && ch->sf->file) {
		for (unsigned i = 0; i < a->desc->nptrs; i++)
			a->bufs[i].out_len = 0;
		memcpy(p->kdata, p->kdata_in, a->ksize);
		p->ret = fdri_ioctl_run(ch->sf->file, &p->who, p->kdata, a);
	}
	ioctl_reply(ch, a, &p->who, p->kdata, p->ret);
}

static void handle_ioctl(struct srv_chan *ch, const struct fdri_wire_ioctl *m, size_t n,
			 const struct ucred *cr)
{
	struct fdri_server *srv = ch->sf->srv;
	struct srv_pending *p;
	struct fdri_ioctl_args *a;
	struct fdri_wire_need need = { .hdr = { FDRI_MSG_NEED, sizeof(need) } };
	bool wait = false;
	int ret;

	if (n < sizeof(*m) || m->arg_len > n - sizeof(*m) || !ch->sf->file) {
		send_simple_reply(ch, n < sizeof(*m) ? -EINVAL : -EBADF);
		return;
	}
	if (!ch->pending && !(ch->pending = malloc(sizeof(*ch->pending)))) {
		send_simple_reply(ch, -ENOMEM);
		return;
	}
	p = ch->pending;
	a = &p->args;
	p->phase = PEND_NONE;
	caller_from(&p->who, cr, m->tid);
	ret = fdri_ioctl_decode(srv->dev, m->cmd, a);
	if (ret) {
		a->out_size = 0;
		a->desc = NULL;
		ioctl_finish(ch, a, &p->who, p->kdata, ret);
		return;
	}
	memset(p->kdata, 0, a->ksize);
	if (a->in_size) {
		if ((m->flags & FDRI_IOCTL_ARG_FAULT) || m->arg_len < a->in_size) {
			a->out_size = 0;
			ioctl_finish(ch, a, &p->who, p->kdata, -EFAULT);
			return;
		}
		memcpy(p->kdata, (const unsigned char *)(m + 1), a->in_size);
	}
	ret = fdri_ioctl_permit(ch->sf->file, &p->who, a);
	if (ret) {
		ioctl_finish(ch, a, &p->who, p->kdata, ret);
		return;
	}
	fdri_ioctl_bufs(a, p->kdata);
	for (unsigned i = 0; i < a->desc->nptrs; i++) {
		struct fdri_ubuf *b = &a->bufs[i];

		if (b->len > FDRI_WIRE_MAX_BUF)
			b->len = FDRI_WIRE_MAX_BUF;
		b->data = srv->bufspace[i];
		if (a->desc->ptrs[i].dir == FDRI_PTR_IN && b->uaddr && b->len) {
			need.bufs[i].uaddr = b->uaddr;
			need.bufs[i].len = b->len;
			wait = true;
		}
	}
	need.nbufs = a->desc->nptrs;
	if (a->desc->fd_in_off >= 0) {
		memcpy(&need.fd_value, p->kdata + a->desc->fd_in_off, sizeof(int));
		if (need.fd_value >= 0) {
			need.want_fd = 1;
			wait = true;
		}
	}
	if (wait) {
		p->phase = PEND_INPUT;
		fdri_msg_send(ch->fd, &need, sizeof(need), -1);
		return; /* continued in handle_data() */
	}
	ioctl_finish(ch, a, &p->who, p->kdata, 0);
}

static void handle_data(struct srv_chan *ch, const struct fdri_wire_data *m, size_t n, int fd)
{
	struct srv_pending *p = ch->pending;
	struct fdri_ioctl_args *a;
	const unsigned char *data = (const unsigned char *)(m + 1);
	size_t left;

	if (!p || p->phase == PEND_NONE || n < sizeof(*m)) {
		if (fd >= 0)
			close(fd);
		send_simple_reply(ch, -EINVAL);
		return;
	}
	if (p->phase == PEND_PROBE) {
		if (fd >= 0)
			close(fd);
		probe_done(ch, m);
		return;
	}
	a = &p->args;
	a->in_fd = fd;
	left = n - sizeof(*m);
	for (unsigned i = 0; i < a->desc->nptrs && i < m->nbufs; i++) {
		struct fdri_ubuf *b = &a->bufs[i];

		if (a->desc->ptrs[i].dir != FDRI_PTR_IN || !b->uaddr || !b->len)
			continue;
		if (m->bufs[i].fault || m->bufs[i].len != b->len || left < b->len) {
			b->fault = 1;
			continue;
		}
		memcpy(b->data, data, b->len);
		data += b->len;
		left -= b->len;
	}
	ioctl_finish(ch, a, &p->who, p->kdata, 0);
}

static void handle_mmap(struct srv_chan *ch, const struct fdri_wire_mmap *m, size_t n)
{
	struct fdri_wire_reply r = { .hdr = { FDRI_MSG_REPLY, sizeof(r) }, .fd_off = -1 };
	int memfd = -1;

	if (n < sizeof(*m))
		r.ret = -EINVAL;
	else if (!ch->sf->file)
		r.ret = -EBADF;
	else
		r.ret = fdri_file_mmap(ch->sf->file, m->offset, m->len, &memfd);
	fdri_msg_send(ch->fd, &r, sizeof(r), r.ret ? -1 : memfd);
}

static void handle_info(struct srv_chan *ch)
{
	struct fdri_wire_info r = { .hdr = { FDRI_MSG_INFO, sizeof(r) } };
	struct fdri_file *f = ch->sf->file;

	if (!f) {
		r.ret = -EBADF;
	} else {
		r.node = f->node;
		r.open_flags = f->open_flags;
		r.file_id = f->id;
	}
	fdri_msg_send(ch->fd, &r, sizeof(r), -1);
}

static void handle_stats(struct srv_chan *ch)
{
	const struct fdri_stats *s = &ch->sf->srv->dev->stats;
	struct fdri_wire_stats r = {
		.hdr = { FDRI_MSG_STATS, sizeof(r) },
		.ioctls = s->ioctls, .files_open = s->files_open, .objects = s->objects,
		.dmabufs = s->dmabufs, .backed_bytes = s->backed_bytes,
	};

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
	if (n == -EAGAIN)
		return;
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
		handle_ioctl(ch, (const void *)srv->in, (size_t)n, &cr);
		break;
	case FDRI_MSG_DATA:
		handle_data(ch, (const void *)srv->in, (size_t)n, rfd);
		rfd = -1;
		break;
	case FDRI_MSG_MMAP:
		handle_mmap(ch, (const void *)srv->in, (size_t)n);
		break;
	case FDRI_MSG_INFO:
		handle_info(ch);
		break;
	case FDRI_MSG_STATS:
		handle_stats(ch);
		break;
	default:
		send_simple_reply(ch, -EINVAL);
		break;
	}
	if (rfd >= 0)
		close(rfd);
}

static struct srv_chan *chan_add(struct srv_file *sf, int fd)
{
	struct srv_chan *ch = calloc(1, sizeof(*ch));
	int on = 1;

	if (!ch) {
		close(fd);
		return NULL;
	}
	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	ch->sf = sf;
	ch->fd = fd;
	link_add(&sf->srv->chans, &ch->link);
	ch->ev = event_new(sf->srv->base, fd, EV_READ | EV_PERSIST, chan_cb, ch);
	event_priority_set(ch->ev, PRIO_CHAN);
	event_add(ch->ev, NULL);
	sf->refs++;
	return ch;
}

static void main_cb(evutil_socket_t fd, short what, void *data)
{
	struct srv_file *sf = data;
	struct fdri_server *srv = sf->srv;
	const struct fdri_wire_hello *hello = (void *)srv->in;
	struct ucred cr = { 0 };
	struct srv_chan *ch;
	int rfd, err = 0;
	ssize_t n;

	(void)what;
	n = srv_recv(srv, fd, &rfd, &cr);
	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		sf_release(sf);
		return;
	}
	if ((size_t)n < sizeof(struct fdri_wire_hdr) || rfd < 0) {
		if (rfd >= 0)
			close(rfd);
		return;
	}
	if (hello->hdr.type == FDRI_MSG_ATTACH) {
		chan_add(sf, rfd);
		return;
	}
	if (hello->hdr.type != FDRI_MSG_HELLO || (size_t)n < sizeof(*hello) || sf->file) {
		close(rfd);
		return;
	}
	ch = chan_add(sf, rfd);
	if (!ch)
		return;
	if (hello->version != FDRI_WIRE_VERSION) {
		err = -EPROTO;
	} else {
		struct fdri_caller who;

		caller_from(&who, &cr, hello->tid);
		if (hello->token[0] || hello->token[1]) {
			/* the token is the proof of access: any user may bind */
			sf->file = srv->bind_lookup ? srv->bind_lookup(hello->token) : NULL;
			sf->borrowed = true;
			err = sf->file ? 0 : -EACCES;
		} else if (!peer_is_trusted(fd)) {
			fdri_log(FDRI_LOG_WARN, "refused a client with uid %u (pid %d)", cr.uid, cr.pid);
			err = -EACCES;
		} else {
			sf->file = fdri_file_open(srv->dev, hello->node == FDRI_NODE_RENDER ?
						  FDRI_NODE_RENDER : FDRI_NODE_PRIMARY,
						  &who, hello->open_flags, &err);
		}
		if (sf->file)
			fdri_log(FDRI_LOG_DEBUG, "pid %d opened %s node: file %llu", who.pid,
				 hello->node == FDRI_NODE_RENDER ? "render" : "primary",
				 (unsigned long long)sf->file->id);
	}
	send_simple_reply(ch, err);
}

static void listen_cb(evutil_socket_t fd, short what, void *data)
{
	struct fdri_server *srv = data;
	struct srv_file *sf;
	int c;

	(void)what;
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (c < 0 && (errno == EMFILE || errno == ENFILE) && srv->spare_fd >= 0) {
		/* the connection would stay pending and the loop spin on it:
		 * free a slot, take it and drop it (the client sees ENODEV) */
		close(srv->spare_fd);
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
		srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		fdri_log(FDRI_LOG_WARN, "out of file descriptors: refused a client");
		return;
	}
	if (c < 0)
		return;
	sf = calloc(1, sizeof(*sf));
	if (!sf) {
		close(c);
		return;
	}
	sf->srv = srv;
	sf->fd = c;
	sf->refs = 1;
	link_add(&srv->files, &sf->link);
	sf->ev = event_new(srv->base, c, EV_READ | EV_PERSIST, main_cb, sf);
	event_priority_set(sf->ev, PRIO_MAIN);
	event_add(sf->ev, NULL);
}

struct fdri_server *fdri_server_create(struct event_base *base, struct fdri_device *dev,
				       const char *path, int log_level)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct fdri_server *srv;
	int on = 1;

	(void)log_level;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (event_base_get_npriorities(base) < PRIO_COUNT &&
	    event_base_priority_init(base, PRIO_COUNT) < 0)
		return NULL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->base = base;
	srv->dev = dev;
	srv->path = strdup(path);
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	srv->files.next = srv->files.prev = &srv->files;
	srv->chans.next = srv->chans.prev = &srv->chans;
	strcpy(addr.sun_path, path);
	unlink(path);
	srv->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->listen_fd < 0 ||
	    setsockopt(srv->listen_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ||
	    bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(srv->listen_fd, 128) < 0) {
		int e = errno;

		if (srv->listen_fd >= 0)
			close(srv->listen_fd);
		free(srv->path);
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

void fdri_server_set_bind_lookup(struct fdri_server *srv, fdri_bind_lookup_fn lookup)
{
	srv->bind_lookup = lookup;
}

void fdri_server_detach_file(struct fdri_server *srv, struct fdri_file *file)
{
	for (struct srv_link *l = srv->files.next; l != &srv->files; l = l->next) {
		struct srv_file *sf = (struct srv_file *)l;

		if (sf->file == file && sf->borrowed)
			sf->file = NULL;
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
	while (srv->chans.next != &srv->chans)
		chan_free((struct srv_chan *)srv->chans.next);
	/* every remaining file has only its main socket reference left */
	while (srv->files.next != &srv->files)
		sf_release((struct srv_file *)srv->files.next);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}
