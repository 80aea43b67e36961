/*
 * fdri_host.c - memfd-backed host operations for the core (fdri_host.h).
 *
 * A buffer is a memfd named FDRI_MEMFD_PREFIX<instance>, sized in pages and
 * sealed against shrinking and growing, as a dma-buf's size is fixed, and
 * with F_SEAL_SEAL, so no one can add a seal later. That name plus exactly
 * that state of the seals is what makes an fd "one of fakedri's
 * dma-bufs": anything else handed to PRIME_FD_TO_HANDLE gets EINVAL, like
 * any non dma-buf fd on the kernel. Anyone can name a memfd like ours;
 * requiring F_SEAL_SEAL (and no write seal) is what keeps a forged one,
 * which could be sealed against writes after it was taken for ours and so
 * break every other holder's writable mappings, out.
 */
#define _GNU_SOURCE
#include "fdri_host.h"
#include "fdri_memfd.h"
#include "fdri_fdobj.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

static int host_backing_create(void *ctx, uint64_t instance, uint64_t size)
{
	char name[64];
	int fd, err;

	(void)ctx;
	snprintf(name, sizeof(name), FDRI_MEMFD_PREFIX "%016" PRIx64, instance);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, FDRI_MEMFD_SEALS) < 0) {
		err = errno == EFBIG ? ENOMEM : errno;
		close(fd);
		return -err;
	}
	return fd;
}

static int host_identify(void *ctx, int fd, struct fdri_fd_ident *id)
{
	char path[64], link[256];
	struct stat st;
	ssize_t n;
	int seals;

	(void)ctx;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	if (!fdri_memfd_seals_ok(seals))
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -EINVAL;
	link[n] = '\0';
	if (strncmp(link, "/memfd:" FDRI_MEMFD_PREFIX, strlen("/memfd:" FDRI_MEMFD_PREFIX)))
		return -EINVAL;
	id->ino = (uint64_t)st.st_ino;
	id->size = (uint64_t)st.st_size;
	id->instance = strtoull(link + strlen("/memfd:" FDRI_MEMFD_PREFIX), NULL, 16);
	return 0;
}

pid_t fdri_host_tgid(pid_t tid)
{
	char path[64], buf[512];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tid;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return tid;
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:");
	if (!p)
		return tid;
	n = strtol(p + 6, NULL, 10);
	return n > 0 ? (pid_t)n : tid;
}

static int host_reopen(void *ctx, int fd, int flags)
{
	char path[64];
	int nfd;

	(void)ctx;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, (flags & O_ACCMODE) | O_CLOEXEC);
	return nfd < 0 ? -errno : nfd;
}

static int host_dup(void *ctx, int fd)
{
	int nfd;

	(void)ctx;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return nfd < 0 ? -errno : nfd;
}

static void host_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static int64_t host_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* (Re)schedules @t's event for what is left until its deadline. */
static int timer_schedule(struct fdri_timer *t, int64_t left)
{
	struct timeval tv = { 0, 0 };

	if (left > 0) {
		tv.tv_sec = (time_t)(left / 1000000000);
		tv.tv_usec = (suseconds_t)((left % 1000000000 + 999) / 1000);
	}
	return evtimer_add((struct event *)t->host, &tv) < 0 ? -ENOMEM : 0;
}

/* A loop's timers may run a little early by CLOCK_MONOTONIC (libevent
 * can use a coarse clock): a deadline is a promise, so wait out the rest. */
static void timer_cb(evutil_socket_t fd, short what, void *data)
{
	struct fdri_timer *t = data;
	int64_t left = t->deadline - host_now(NULL);

	(void)fd; (void)what;
	if (left > 0 && timer_schedule(t, left) == 0)
		return;
	t->func(t);
}

static int host_timer_arm(void *ctx, struct fdri_timer *t, int64_t deadline)
{
	if (!ctx)
		return -ENOTSUP; /* no loop to serve timers */
	if (!t->host && !(t->host = evtimer_new((struct event_base *)ctx, timer_cb, t)))
		return -ENOMEM;
	t->deadline = deadline;
	return timer_schedule(t, deadline - host_now(ctx));
}

static void host_timer_disarm(void *ctx, struct fdri_timer *t)
{
	(void)ctx;
	if (t->host)
		evtimer_del((struct event *)t->host);
}

static void host_timer_fini(void *ctx, struct fdri_timer *t)
{
	(void)ctx;
	if (t->host)
		event_free((struct event *)t->host);
	t->host = NULL;
}

/*
 * Pollables: a SOCK_STREAM pair. The client end is readable (POLLIN) while
 * a byte the daemon end sent waits in it; it is writable (POLLOUT) unless
 * a blocker it sent sits unread in the daemon end, which holds its send
 * buffer (set to the minimum) over a quarter full (unix_writable()); a
 * tracked one's POLLIN is the daemon end's shutdown for writing, once. A
 * tracked pollable's daemon end is watched for the peer's hangup
 * (EPOLLRDHUP: EV_CLOSED), which comes when the last copy of the client
 * end, in any process, is closed.
 */
struct host_pollable {
	struct event *ev;    /* EV_CLOSED on @dfd, tracked ones only */
	int dfd;             /* the daemon end */
	int kfd;             /* the kept copy of the client end, or -1 */
};

#define POLLABLE_BLOCKER 2048

static int pollable_send(int fd, size_t len)
{
	static const char zero[POLLABLE_BLOCKER];

	return send(fd, zero, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void pollable_drain(int fd)
{
	char buf[POLLABLE_BLOCKER];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void pollable_closed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fdri_pollable *p = arg;
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

	(void)what;
	if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLRDHUP | POLLHUP)))
		return;
	event_del(((struct host_pollable *)p->host)->ev);
	p->closed(p); /* may fini @p */
}

static int host_pollable_set(void *ctx, struct fdri_pollable *p, unsigned int events)
{
	struct host_pollable *hp = p->host;
	int cfd = p->client_fd >= 0 ? p->client_fd : hp->kfd;
	int ret = 0;

	(void)ctx;
	/*
	 * POLLOUT is made ready before POLLIN: a client that a fence's
	 * signal wakes through POLLIN then finds POLLOUT already there, as
	 * with dma_buf_poll(), whose EPOLLOUT callback is added, and so runs,
	 * first. (The other order let a poll(POLLIN|POLLOUT, 0) right after
	 * a POLLIN wake-up see 0x1.) Going not-ready, POLLIN goes first.
	 */
	if ((events & FDRI_POLLOUT) && !(p->events & FDRI_POLLOUT)) {
		if (cfd < 0)
			return -EINVAL;
		pollable_drain(hp->dfd);
	}
	if ((events & FDRI_POLLIN) && !(p->events & FDRI_POLLIN)) {
		/* a tracked client end reads EOF instead of a byte: closed
		 * with unread data it would reset the daemon end (EPOLLERR),
		 * which libevent does not report as EV_CLOSED */
		if (p->keep)
			ret = pollable_send(hp->dfd, 1);
		else if (shutdown(hp->dfd, SHUT_WR) < 0)
			ret = -errno;
	}
	if (!(events & FDRI_POLLIN) && (p->events & FDRI_POLLIN)) {
		if (cfd < 0 || !p->keep)
			return -EINVAL;
		pollable_drain(cfd);
	}
	if (!(events & FDRI_POLLOUT) && (p->events & FDRI_POLLOUT)) {
		if (cfd < 0)
			return -EINVAL;
		ret = pollable_send(cfd, POLLABLE_BLOCKER);
	}
	if (!ret)
		p->events = events;
	return ret;
}

static int host_pollable_create(void *ctx, struct fdri_pollable *p)
{
	struct host_pollable *hp = calloc(1, sizeof(*hp));
	unsigned int events = p->events;
	int sv[2], one = 1, err;
	struct stat st;

	if (!hp)
		return -ENOMEM;
	if (!p->keep && !ctx) {
		free(hp);
		return -EINVAL; /* nothing would watch for the hangup */
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		free(hp);
		return err;
	}
	hp->dfd = sv[1];
	hp->kfd = -1;
	p->host = hp;
	p->client_fd = sv[0];
	/* the minimum: a blocker then keeps it "full" */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	err = fstat(sv[0], &st) < 0 ? -errno : 0;
	p->ino = (uint64_t)st.st_ino;
	if (!err && p->keep) {
		hp->kfd = fcntl(sv[0], F_DUPFD_CLOEXEC, 0);
		if (hp->kfd < 0)
			err = -errno;
	}
	if (!err && !p->keep) {
		hp->ev = event_new(ctx, hp->dfd, EV_CLOSED | EV_PERSIST, pollable_closed_cb, p);
		if (!hp->ev || event_add(hp->ev, NULL) < 0)
			err = -ENOMEM;
	}
	p->events = FDRI_POLLOUT; /* as made */
	if (!err)
		err = host_pollable_set(ctx, p, events);
	if (err) {
		if (hp->ev)
			event_free(hp->ev);
		if (hp->kfd >= 0)
			close(hp->kfd);
		close(sv[0]);
		close(sv[1]);
		free(hp);
		p->host = NULL;
		p->client_fd = -1;
	}
	return err;
}

static void host_pollable_fini(void *ctx, struct fdri_pollable *p)
{
	struct host_pollable *hp = p->host;

	(void)ctx;
	if (!hp)
		return;
	if (hp->ev)
		event_free(hp->ev);
	if (hp->kfd >= 0)
		close(hp->kfd);
	close(hp->dfd);
	free(hp);
	p->host = NULL;
}

static int host_pollable_identify(void *ctx, int fd, uint64_t *ino)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct stat st;

	(void)ctx;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != getpid())
		return -EINVAL;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

static bool host_pollable_alive(void *ctx, struct fdri_pollable *p)
{
	struct host_pollable *hp = p->host;
	struct pollfd pfd = { .events = POLLRDHUP };

	(void)ctx;
	if (!hp)
		return false;
	pfd.fd = hp->dfd;
	return poll(&pfd, 1, 0) == 0;
}

static int host_eventfd_check(void *ctx, int fd)
{
	char path[64], link[64];
	ssize_t n;

	(void)ctx;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -EBADF;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") ? -EINVAL : 0;
}

static int host_eventfd_signal(void *ctx, int fd)
{
	uint64_t one = 1;

	(void)ctx;
	/* eventfd_signal() saturates rather than fail: so does EAGAIN here */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static int host_task_comm(void *ctx, pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	(void)ctx;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/* A sealed memfd: it cannot be written or resized, and is never taken
 * for a dma-buf (not our name, and sealed against writes). */
static int host_blob_create(void *ctx, const char *name, const void *data, size_t len)
{
	const char *p = data;
	size_t done = 0;
	int fd, err;

	(void)ctx;
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* The GPU's view of a buffer: the whole memfd, shared, so what a job
 * writes is what every client mapping and dma-buf fd sees. */
static int host_backing_map(void *ctx, int fd, uint64_t size, void **addr)
{
	void *p;

	(void)ctx;
	if (size == 0 || size > SIZE_MAX)
		return -EINVAL;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

static void host_backing_unmap(void *ctx, void *addr, uint64_t size)
{
	(void)ctx;
	munmap(addr, (size_t)size);
}

struct event_base *fdri_host_loop_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	/* timers by CLOCK_MONOTONIC itself, not its coarse variant */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

const struct fdri_host_ops fdri_host_ops = {
	.now = host_now,
	.timer_arm = host_timer_arm,
	.timer_disarm = host_timer_disarm,
	.timer_fini = host_timer_fini,
	.pollable_create = host_pollable_create,
	.pollable_set = host_pollable_set,
	.pollable_fini = host_pollable_fini,
	.pollable_identify = host_pollable_identify,
	.pollable_alive = host_pollable_alive,
	.eventfd_check = host_eventfd_check,
	.eventfd_signal = host_eventfd_signal,
	.task_comm = host_task_comm,
	.blob_create = host_blob_create,
	.backing_create = host_backing_create,
	.dmabuf_identify = host_identify,
	.reopen = host_reopen,
	.dup = host_dup,
	.close = host_close,
	.backing_map = host_backing_map,
	.backing_unmap = host_backing_unmap,
};
