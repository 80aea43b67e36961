/*
 * shim_dev.c - device fds: opening a DRM file on the daemon, binding a
 * CUSE node's open file to a connection, channels, and the ioctl and mmap
 * paths (protocol in common/fdri_wire.h).
 *
 * A struct shim_dev keeps a pool of channels. A call takes an idle channel
 * (or makes one with ATTACH), runs its request/reply exchange alone on it,
 * and returns it, so concurrent threads never wait on each other. See
 * shim.h for lifetimes.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "fdri_msg.h"

static pthread_mutex_t devs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_dev *devs;
static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;
static int vm_ok = 1; /* process_vm_{readv,writev} usable on ourselves */

/* --- user memory: EFAULT instead of a crash, as copy_{from,to}_user --- */

int shim_copy_from_user(void *dst, const void *src, size_t n)
{
	struct iovec l = { dst, n }, r = { (void *)src, n };

	if (!n)
		return 0;
	if (!src)
		return -EFAULT;
	if (vm_ok) {
		ssize_t got = process_vm_readv(getpid(), &l, 1, &r, 1, 0);

		if (got == (ssize_t)n)
			return 0;
		if (got >= 0 || errno == EFAULT)
			return -EFAULT;
		vm_ok = 0; /* ENOSYS or EPERM under a sandbox: trust the pointer */
	}
	memcpy(dst, src, n);
	return 0;
}

int shim_copy_to_user(void *dst, const void *src, size_t n)
{
	struct iovec l = { (void *)src, n }, r = { dst, n };

	if (!n)
		return 0;
	if (!dst)
		return -EFAULT;
	if (vm_ok) {
		ssize_t put = process_vm_writev(getpid(), &l, 1, &r, 1, 0);

		if (put == (ssize_t)n)
			return 0;
		if (put >= 0 || errno == EFAULT)
			return -EFAULT;
		vm_ok = 0;
	}
	memcpy(dst, src, n);
	return 0;
}

/* --- a per-thread message buffer, allocated once --- */

static void buf_key_init(void)
{
	pthread_key_create(&buf_key, free);
}

static unsigned char *thread_buf(void)
{
	unsigned char *b;

	pthread_once(&buf_once, buf_key_init);
	b = pthread_getspecific(buf_key);
	if (!b) {
		b = malloc(2 * FDRI_WIRE_MAX_MSG);
		pthread_setspecific(buf_key, b);
	}
	return b;
}

/* --- devices and channels --- */

static struct shim_dev *dev_new(int device, int type, int open_flags)
{
	struct shim_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	atomic_init(&d->refs, 1);
	d->device = device;
	d->type = type;
	d->open_flags = open_flags;
	d->main_sock = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_lock(&devs_lock);
	d->next = devs;
	devs = d;
	pthread_mutex_unlock(&devs_lock);
	return d;
}

static void dev_close_channels(struct shim_dev *d)
{
	for (int i = 0; i < d->nall; i++)
		shim_real_close(d->all[i]);
	d->nall = d->nidle = 0;
}

void shim_dev_put(struct shim_dev *d)
{
	if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	pthread_mutex_lock(&devs_lock);
	for (struct shim_dev **p = &devs; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	pthread_mutex_unlock(&devs_lock);
	dev_close_channels(d);
	if (d->main_sock >= 0)
		shim_real_close(d->main_sock);
	free(d->idle);
	free(d->all);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static int push(int **arr, int *n, int *cap, int v)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 4;
		int *a = realloc(*arr, (size_t)ncap * sizeof(int));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*cap = ncap;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

/* A new channel: one end stays here, the other goes to the daemon on the
 * main socket with HELLO or ATTACH. */
static int chan_make(int mainfd, const void *msg, size_t len)
{
	int sv[2], on = 1;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* credentials ride on every request from the first one on */
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	n = fdri_msg_send(mainfd, msg, len, sv[1]);
	shim_real_close(sv[1]);
	if (n < 0) {
		shim_real_close(sv[0]);
		return n == -EPIPE || n == -ECONNRESET || n == -ENOTCONN ? -ENODEV : (int)n;
	}
	return sv[0];
}

/* mainfd: the device fd; ATTACH goes to the main socket, which is the
 * device fd itself unless it is a bound CUSE fd. *fresh: the channel is
 * new (NULL: not asked). */
static int chan_get(struct shim_dev *d, int mainfd, bool *fresh)
{
	struct fdri_wire_hdr h = { FDRI_MSG_ATTACH, sizeof(h) };
	int ch;

	if (d->main_sock >= 0)
		mainfd = d->main_sock;
	if (fresh)
		*fresh = false;
	pthread_mutex_lock(&d->lock);
	if (d->nidle) {
		ch = d->idle[--d->nidle];
		pthread_mutex_unlock(&d->lock);
		return ch;
	}
	pthread_mutex_unlock(&d->lock);
	if (fresh)
		*fresh = true;
	ch = chan_make(mainfd, &h, sizeof(h));
	if (ch < 0)
		return ch;
	pthread_mutex_lock(&d->lock);
	if (push(&d->all, &d->nall, &d->capall, ch) < 0) {
		pthread_mutex_unlock(&d->lock);
		shim_real_close(ch);
		return -ENOMEM;
	}
	pthread_mutex_unlock(&d->lock);
	return ch;
}

/* Returns a channel to the pool, or drops it after a transport error. */
static void chan_put(struct shim_dev *d, int ch, bool broken)
{
	pthread_mutex_lock(&d->lock);
	if (broken || push(&d->idle, &d->nidle, &d->cap, ch) < 0) {
		for (int i = 0; i < d->nall; i++) {
			if (d->all[i] == ch) {
				d->all[i] = d->all[--d->nall];
				break;
			}
		}
		shim_real_close(ch);
	}
	pthread_mutex_unlock(&d->lock);
}

/* How long a caller polls for its reply before sleeping: the daemon
 * usually answers in a few microseconds, far less than a sleep and a
 * cross-CPU wake-up cost on small VMs. FAKEDRI_SPIN_US overrides it. */
static long spin_ns = -1;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void spin_for_reply(int ch)
{
	long t0;

	if (spin_ns < 0) {
		const char *e = getenv("FAKEDRI_SPIN_US");
		cpu_set_t cpus;

		spin_ns = (e ? strtol(e, NULL, 10) : 30) * 1000;
		/* with one CPU, spinning only delays the daemon */
		if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2)
			spin_ns = 0;
	}
	if (spin_ns <= 0)
		return;
	t0 = now_ns();
	do {
		char c;

		/* a pending message, or EOF: the real receive takes it */
		if (recv(ch, &c, 0, MSG_PEEK | MSG_DONTWAIT) >= 0 || errno != EAGAIN)
			return;
	} while (now_ns() - t0 < spin_ns);
}

/* A received message's length, or what its failure means to the caller:
 * a dead daemon is an unplugged device (ENODEV), a runt a protocol error. */
static ssize_t recv_result(ssize_t n)
{
	if (n == 0 || n == -ECONNRESET)
		return -ENODEV;
	if (n > 0 && (size_t)n < sizeof(struct fdri_wire_hdr))
		return -EPROTO;
	return n;
}

static ssize_t chan_recv(int ch, void *buf, size_t cap, int *fd)
{
	spin_for_reply(ch);
	return recv_result(fdri_msg_recv(ch, buf, cap, fd, NULL));
}

void shim_dev_atfork_child(void)
{
	pthread_mutex_init(&devs_lock, NULL);
	for (struct shim_dev *d = devs; d; d = d->next) {
		pthread_mutex_init(&d->lock, NULL);
		dev_close_channels(d); /* the parent's; we make our own */
	}
}

const char *shim_dev_path(const struct shim_dev *d)
{
	const struct shim_node *n = shim_node_of(d->device, d->type);

	return n ? n->path : "/dev/dri/card0";
}

int shim_dev_fstat(int fd, struct shim_dev *d, struct stat *st)
{
	const struct shim_node *n = shim_node_of(d->device, d->type);
	char buf[4096];

	if (shim_dev_is_cuse(d))
		return shim_real_fstat(fd, st);
	if (!n || shim_real_stat(shim_path_map(n->path, buf, sizeof(buf)), st) < 0)
		return -1;
	shim_stat_patch(n, st);
	return 0;
}

static int connect_daemon(const char *sock, int flags)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0), 0);

	if (s < 0)
		return -errno;
	memcpy(a.sun_path, sock, sizeof(a.sun_path));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = errno == EACCES || errno == EPERM ? EACCES : ENODEV;

		/* not ours to use: as a node without permission; no daemon: as
		 * if the device were gone */
		shim_real_close(s);
		return -err;
	}
	return s;
}

/* The one line a version mismatch gets, once per process. */
static void version_mismatch(const char *sock, uint32_t theirs)
{
	static atomic_int told;
	char line[256];
	int n;

	if (atomic_exchange(&told, 1))
		return;
	if (theirs)
		n = snprintf(line, sizeof(line), "fakedri: the daemon at %s speaks wire version %u, "
			     "this shim %u: use a shim and daemon of the same build\n", sock, theirs,
			     FDRI_WIRE_VERSION);
	else
		n = snprintf(line, sizeof(line), "fakedri: the daemon at %s is older than this shim "
			     "(wire version %u): use a shim and daemon of the same build\n", sock,
			     FDRI_WIRE_VERSION);
	if (n > 0 && write(2, line, (size_t)n) < 0)
		return;
}

/* HELLO on main socket s, which it takes over: a new device with its first
 * channel, or NULL with errno. */
static struct shim_dev *dev_hello(int s, const struct fdri_wire_hello *h, const char *sock,
				  int device, int type, int flags)
{
	struct fdri_wire_reply r = { 0 };
	struct shim_dev *d = NULL;
	int ch, rfd, err;
	ssize_t n;

	ch = chan_make(s, h, sizeof(*h));
	if (ch < 0) {
		shim_real_close(s);
		errno = -ch;
		return NULL;
	}
	n = chan_recv(ch, &r, sizeof(r), &rfd);
	/* ret sits at offset 8 in every version's reply */
	err = n < 0 ? (int)-n : (size_t)n < 12 ? EPROTO : -r.ret;
	if (err == EPROTO && n >= 12) {
		version_mismatch(sock, (size_t)n >= sizeof(r) ? r.version : 0);
		err = ENODEV;
	}
	if (rfd >= 0)
		shim_real_close(rfd);
	if (!err && !(d = dev_new(device, type, flags)))
		err = ENOMEM;
	if (err) {
		shim_real_close(ch);
		shim_real_close(s);
		errno = err;
		return NULL;
	}
	push(&d->all, &d->nall, &d->capall, ch);
	push(&d->idle, &d->nidle, &d->cap, ch);
	return d;
}

int shim_dev_open(int device, int type, int flags)
{
	struct fdri_wire_hello h = {
		.hdr = { FDRI_MSG_HELLO, sizeof(h) }, .version = FDRI_WIRE_VERSION,
		.node = (uint32_t)type, .open_flags = flags, .tid = (int32_t)gettid(),
		.device = (uint32_t)device,
	};
	struct shim_dev *d;
	int s;

	s = connect_daemon(shim_cfg.sock, flags);
	if (s < 0) {
		errno = -s;
		return -1;
	}
	d = dev_hello(s, &h, shim_cfg.sock, device, type, flags);
	if (!d)
		return -1;
	if (flags & O_NONBLOCK)
		shim_real_fcntl(s, F_SETFL, O_NONBLOCK);
	shim_fd_set(s, SHIM_FD_DEVICE, d);
	return s;
}

struct shim_dev *shim_dev_open_fileless(int device)
{
	struct fdri_wire_hello h = {
		.hdr = { FDRI_MSG_HELLO, sizeof(h) }, .version = FDRI_WIRE_VERSION,
		.node = FDRI_NODE_NONE, .open_flags = O_CLOEXEC, .tid = (int32_t)gettid(),
		.device = (uint32_t)device,
	};
	struct shim_dev *d;
	int s = connect_daemon(shim_cfg.sock, O_CLOEXEC);

	if (s < 0) {
		errno = -s;
		return NULL;
	}
	d = dev_hello(s, &h, shim_cfg.sock, device, FDRI_NODE_NONE, O_CLOEXEC);
	if (d)
		d->main_sock = s; /* hidden: no fd of the caller's is it */
	return d;
}

/* Binds CUSE fd fd (one of our nodes) to a new connection and enters it in
 * the fd table. Returns the device with a reference for the caller, or NULL
 * (errno kept): the fd then stays a plain CUSE fd, which serves every ioctl
 * but the fd-returning ones, and no mmap. */
static struct shim_dev *cuse_bind(int fd)
{
	struct fdri_cuse_bind b;
	struct fdri_wire_hello h = {
		.hdr = { FDRI_MSG_HELLO, sizeof(h) }, .version = FDRI_WIRE_VERSION,
		.tid = (int32_t)gettid(),
	};
	struct shim_dev *d;
	int s, flags, err = errno;

	memset(&b, 0, sizeof(b));
	if (shim_real_ioctl(fd, FDRI_CUSE_IOCTL_BIND, &b) < 0 || (!b.token[0] && !b.token[1]))
		goto fail;
	b.sock[sizeof(b.sock) - 1] = '\0';
	flags = shim_real_fcntl(fd, F_GETFL, 0);
	s = connect_daemon(b.sock, O_CLOEXEC);
	if (s < 0)
		goto fail;
	h.node = b.node;
	h.open_flags = flags;
	memcpy(h.token, b.token, sizeof(h.token));
	d = dev_hello(s, &h, b.sock, (int)b.device,
		      b.node == SHIM_NODE_RENDER ? SHIM_NODE_RENDER : SHIM_NODE_PRIMARY, flags);
	memset(&b, 0, sizeof(b));
	memset(&h, 0, sizeof(h));
	if (!d)
		goto fail;
	d->main_sock = s;
	atomic_fetch_add(&d->refs, 1); /* one for the table, one for the caller */
	shim_fd_set(fd, SHIM_FD_DEVICE, d);
	errno = err;
	return d;
fail:
	errno = err;
	return NULL;
}

/* fd's CUSE node, if it is one of ours */
static bool is_cuse_fd(int fd)
{
	struct stat st;
	int err = errno;
	bool ours = shim_cfg.ncuse && shim_real_fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
		    shim_cuse_node(st.st_rdev);

	errno = err;
	return ours;
}

int shim_dev_cuse_opened(int fd, int flags)
{
	if (!is_cuse_fd(fd))
		return fd;
	if (flags & O_EXCL) {
		/* drm_open() refuses exclusive opens; the kernel strips O_EXCL
		 * before a CUSE server could see it, so the shim answers */
		shim_real_close(fd);
		errno = EBUSY;
		return -1;
	}
	shim_dev_put(cuse_bind(fd));
	return fd;
}

struct shim_dev *shim_dev_adopt(int fd)
{
	struct sockaddr_un a;
	socklen_t alen = sizeof(a);
	struct fdri_wire_hdr q = { FDRI_MSG_INFO, sizeof(q) };
	struct fdri_wire_info info;
	struct shim_dev *d;
	int ch, rfd;
	ssize_t n;

	if (!shim_cfg.enabled)
		return NULL;
	if (getpeername(fd, (struct sockaddr *)&a, &alen) < 0) {
		/* a CUSE fd kept across exec or received over a socket */
		return errno == ENOTSOCK && is_cuse_fd(fd) ? cuse_bind(fd) : NULL;
	}
	if (a.sun_family != AF_UNIX || strncmp(a.sun_path, shim_cfg.sock, sizeof(a.sun_path)))
		return NULL;
	d = dev_new(0, SHIM_NODE_PRIMARY, O_RDWR);
	if (!d)
		return NULL;
	ch = chan_get(d, fd, NULL);
	if (ch < 0)
		goto fail;
	n = fdri_msg_send(ch, &q, sizeof(q), -1) < 0 ? -1 : chan_recv(ch, &info, sizeof(info), &rfd);
	if (n < (ssize_t)sizeof(info) || info.ret) {
		chan_put(d, ch, true);
		goto fail;
	}
	chan_put(d, ch, false);
	d->type = (int)info.node;
	d->device = (int)info.device;
	d->open_flags = info.open_flags;
	atomic_fetch_add(&d->refs, 1); /* one for the table, one for the caller */
	shim_fd_set(fd, SHIM_FD_DEVICE, d);
	return d;
fail:
	shim_dev_put(d);
	return NULL;
}

/* Answers a NEED: the nested input buffers and the caller's fd. */
static int send_data(int ch, const struct fdri_wire_need *need, unsigned char *buf)
{
	struct fdri_wire_data *dm = (void *)buf;
	size_t len = sizeof(*dm);
	int sendfd = -1;

	memset(dm, 0, sizeof(*dm));
	dm->hdr.type = FDRI_MSG_DATA;
	dm->id = need->id;
	dm->nbufs = need->nbufs > FDRI_WIRE_MAX_BUFS ? FDRI_WIRE_MAX_BUFS : need->nbufs;
	for (unsigned i = 0; i < dm->nbufs; i++) {
		uint64_t l = need->bufs[i].len;

		if (!need->bufs[i].uaddr || !l)
			continue;
		if (need->probe & (1u << i)) {
			/* output about to be written: can it be? (read, write back) */
			void *u = (void *)(uintptr_t)need->bufs[i].uaddr;

			dm->bufs[i].fault = l > FDRI_WIRE_MAX_BUF ||
					    shim_copy_from_user(buf + len, u, l) ||
					    shim_copy_to_user(u, buf + len, l);
			continue;
		}
		if (l > FDRI_WIRE_MAX_BUF ||
		    shim_copy_from_user(buf + len, (void *)(uintptr_t)need->bufs[i].uaddr, l)) {
			dm->bufs[i].fault = 1;
			continue;
		}
		dm->bufs[i].len = l;
		len += l;
	}
	if (need->want_fd && shim_real_fcntl(need->fd_value, F_GETFD, 0) >= 0) {
		sendfd = need->fd_value;
		dm->fd_sent = 1;
	}
	dm->hdr.len = (uint32_t)len;
	return (int)fdri_msg_send(ch, buf, len, sendfd);
}

/* Installs an fd received with a reply, as what the reply says it is. */
static int install_fd(int rfd, const struct fdri_wire_reply *r)
{
	struct shim_dmabuf *b;

	if (!(r->fd_flags & O_CLOEXEC))
		shim_real_fcntl(rfd, F_SETFD, 0);
	if (r->fd_kind == FDRI_WIRE_FD_SYNC_FILE || r->fd_kind == FDRI_WIRE_FD_SYNCOBJ ||
	    r->fd_kind == FDRI_WIRE_FD_TIMELINE) {
		/* no object: the entry's pointer says which kind of fence fd */
		shim_fd_set(rfd, SHIM_FD_FENCE, (void *)(uintptr_t)r->fd_kind);
		return 0;
	}
	if (r->fd_kind != FDRI_WIRE_FD_DMABUF)
		return 0; /* a plain fd to the caller */
	b = shim_dmabuf_new(r->fd_meta[0]);
	if (!b) {
		shim_real_close(rfd);
		return -ENOMEM;
	}
	shim_fd_set(rfd, SHIM_FD_DMABUF, b);
	return 0;
}

static atomic_uint_fast64_t next_id;

/* Is the DRM file's connection to the daemon still up? */
static bool dev_connected(struct shim_dev *d, int fd)
{
	struct pollfd p = { .fd = d->main_sock >= 0 ? d->main_sock : fd };

	return poll(&p, 1, 0) >= 0 && !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/*
 * The next message of request @id. A signal handler that runs while we
 * wait (poll() returns EINTR whatever SA_RESTART says) sends CANCEL; the
 * daemon cancels only a call that waits in it (a parked request), as the
 * kernel interrupts only its interruptible waits, and answers every
 * CANCEL: ret 1, cancelled (we return -EINTR); ret 0, it was not waiting
 * (its NEEDs and REPLY keep coming and are returned as usual). *pending
 * counts the answers still owed, which the caller drains after the REPLY
 * (chan_drain_cancels), so none is left for the channel's next call.
 */
static ssize_t chan_wait(int ch, uint64_t id, unsigned char *buf, int *rfd, int *pending)
{
	struct pollfd p = { .fd = ch, .events = POLLIN };

	spin_for_reply(ch);
	for (;;) {
		const struct fdri_wire_cancel *c = (const void *)buf;
		ssize_t n = fdri_msg_recv_flags(ch, buf, FDRI_WIRE_MAX_MSG, rfd, NULL, MSG_DONTWAIT);

		if (n == -EAGAIN) {
			struct fdri_wire_cancel cm = { .hdr = { FDRI_MSG_CANCEL, sizeof(cm) }, .id = id };

			if (poll(&p, 1, -1) >= 0)
				continue;
			if (errno != EINTR)
				return -errno;
			n = fdri_msg_send(ch, &cm, sizeof(cm), -1);
			if (n < 0)
				return n;
			++*pending;
			continue;
		}
		n = recv_result(n);
		if (n >= (ssize_t)sizeof(*c) && c->hdr.type == FDRI_MSG_CANCEL && c->id == id) {
			--*pending;
			if (c->ret == 1)
				return -EINTR; /* the daemon holds nothing of it any more */
			continue;
		}
		return n;
	}
}

/* Reads the CANCEL answers still owed for request @id (after its REPLY:
 * they follow it at once). */
static void chan_drain_cancels(int ch, uint64_t id, int pending)
{
	while (pending > 0) {
		struct fdri_wire_cancel c;
		int fd;
		ssize_t n = fdri_msg_recv(ch, &c, sizeof(c), &fd, NULL);

		if (fd >= 0)
			shim_real_close(fd);
		if (n <= 0)
			return;
		if (n == sizeof(c) && c.hdr.type == FDRI_MSG_CANCEL && c.id == id)
			pending--;
	}
}

int shim_dev_ioctl(int fd, struct shim_dev *d, unsigned long req, void *arg)
{
	return shim_dev_ioctl_target(fd, d, req, arg, -1);
}

int shim_dev_ioctl_target(int fd, struct shim_dev *d, unsigned long req, void *arg, int target)
{
	unsigned int cmd = (unsigned int)req;
	unsigned char *buf = thread_buf(), *rbuf;
	struct fdri_wire_ioctl *m = (void *)buf;
	struct fdri_wire_reply *r;
	uint32_t size = _IOC_SIZE(cmd);
	uint64_t id = atomic_fetch_add(&next_id, 1) + 1;
	int ch, rfd = -1, ret, pending = 0;
	bool fresh, answered = false;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	rbuf = buf + FDRI_WIRE_MAX_MSG;
	r = (void *)rbuf;
	/* what the VFS answers itself for any file (fs/ioctl.c) */
	if (cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIONBIO)
		return shim_real_ioctl(target >= 0 ? target : fd, req, arg) < 0 ? -errno : 0;
	memset(m, 0, sizeof(*m));
	m->hdr.type = FDRI_MSG_IOCTL;
	m->cmd = cmd;
	m->tid = (int32_t)gettid();
	m->id = id;
	m->arg = (uintptr_t)arg;
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && size) {
		if (shim_copy_from_user(m + 1, arg, size))
			m->flags |= FDRI_IOCTL_ARG_FAULT;
		else
			m->arg_len = size;
	}
	m->hdr.len = (uint32_t)(sizeof(*m) + m->arg_len);
	if (target >= 0)
		m->flags |= FDRI_IOCTL_TARGET_FD;

	ch = chan_get(d, fd, &fresh);
	if (ch < 0)
		return ch;
	n = fdri_msg_send(ch, m, m->hdr.len, target);
	for (;;) {
		if (n >= 0)
			n = chan_wait(ch, id, rbuf, &rfd, &pending);
		if (n < 0) {
			if (n == -EINTR) {
				chan_drain_cancels(ch, id, pending);
				chan_put(d, ch, false);
				return -EINTR;
			}
			chan_put(d, ch, true);
			/* a channel the daemon never took, while the file is
			 * up: it was out of fds (it drops such a channel) */
			if (fresh && !answered && (n == -EPIPE || n == -ENODEV) && dev_connected(d, fd))
				return -EMFILE;
			return n == -EPIPE ? -ENODEV : (int)n;
		}
		answered = true;
		if (r->hdr.type == FDRI_MSG_NEED && (size_t)n >= sizeof(struct fdri_wire_need) &&
		    ((struct fdri_wire_need *)rbuf)->id == id) {
			if (rfd >= 0)
				shim_real_close(rfd);
			n = send_data(ch, (const void *)rbuf, buf);
			continue;
		}
		if (r->hdr.type == FDRI_MSG_REPLY && (size_t)n >= sizeof(*r) && r->id == id)
			break;
		/* stale: not this request's; wait for ours */
		if (rfd >= 0)
			shim_real_close(rfd);
	}
	chan_drain_cancels(ch, id, pending);
	chan_put(d, ch, false);
	if ((size_t)n < sizeof(*r) + r->out_len) {
		if (rfd >= 0)
			shim_real_close(rfd);
		return -EPROTO;
	}
	ret = r->ret;
	if (rfd >= 0) {
		if (ret == 0 && r->fd_off >= 0 && (uint32_t)r->fd_off + 4 <= r->out_len &&
		    install_fd(rfd, r) == 0)
			memcpy(rbuf + sizeof(*r) + r->fd_off, &rfd, sizeof(int));
		else
			shim_real_close(rfd);
	}
	if (r->out_len && shim_copy_to_user(arg, rbuf + sizeof(*r), r->out_len))
		ret = -EFAULT;
	n = (ssize_t)(sizeof(*r) + r->out_len);
	for (unsigned i = 0; i < r->nbufs && i < FDRI_WIRE_MAX_BUFS; i++) {
		if (shim_copy_to_user((void *)(uintptr_t)r->bufs[i].uaddr, rbuf + n, r->bufs[i].len))
			ret = -EFAULT;
		n += (ssize_t)r->bufs[i].len;
	}
	return ret;
}

void *shim_dev_mmap(int fd, struct shim_dev *d, void *addr, size_t len, int prot,
		    int flags, off_t off)
{
	struct fdri_wire_mmap m = { .hdr = { FDRI_MSG_MMAP, sizeof(m) },
				    .id = atomic_fetch_add(&next_id, 1) + 1,
				    .offset = (uint64_t)off, .len = len };
	struct fdri_wire_reply r = { 0 };
	int ch, memfd = -1, type = flags & MAP_TYPE;
	void *p;
	ssize_t n;

	/* the VFS checks of do_mmap, then drm_gem_mmap and the shmem helper */
	if (!len || (off & 4095) || (type != MAP_SHARED && type != MAP_SHARED_VALIDATE &&
				     type != MAP_PRIVATE)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if ((prot & PROT_WRITE) && type != MAP_PRIVATE && (d->open_flags & O_ACCMODE) == O_RDONLY) {
		errno = EACCES;
		return MAP_FAILED;
	}
	ch = chan_get(d, fd, NULL);
	if (ch < 0) {
		errno = -ch;
		return MAP_FAILED;
	}
	n = fdri_msg_send(ch, &m, sizeof(m), -1);
	if (n >= 0)
		n = chan_recv(ch, &r, sizeof(r), &memfd);
	chan_put(d, ch, n < 0);
	if (n < 0 || (size_t)n < sizeof(r) || r.ret) {
		if (memfd >= 0)
			shim_real_close(memfd);
		errno = n < 0 ? (int)-n : (size_t)n < sizeof(r) ? EPROTO : -r.ret;
		return MAP_FAILED;
	}
	if (type == MAP_PRIVATE) {
		/* drm_gem_shmem_mmap refuses COW mappings (6.1.114+) */
		shim_real_close(memfd);
		errno = EINVAL;
		return MAP_FAILED;
	}
	p = shim_real_mmap(addr, len, prot, flags, memfd, 0);
	n = errno;
	shim_real_close(memfd);
	errno = (int)n;
	return p;
}
