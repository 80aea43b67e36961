/*
 * chaos.c - the chaos soak (issue 9, docs/chaos.md): many client processes
 * share buffers, syncobjs and GPU jobs through one fakedri device while the
 * parent SIGKILLs random ones at random points and respawns them; the
 * others keep going. Run it under `fakedri run` with 4 queues:
 *
 *   fakedri run --device fakedri,queues=4 -- chaos [--kills N] [--seed S]
 *	[--procs P] [--kill-every M] [--plant leak|corrupt]
 *   fakedri run --device fakedri,queues=4 --device fakedri,queues=4 --
 *	chaos --devices 2 ...
 *
 * The parent is the broker: it opens the primary node first (so it is the
 * DRM master and authenticates the workers that open the primary node, as
 * a display server would) and keeps a pool of shared buffers. Each worker
 * (P at a time, default 8) holds a socket (SOCK_SEQPACKET) to the parent,
 * opens the primary node (GET_MAGIC, the parent's AUTH_MAGIC) or the
 * render node of one of the devices (--devices 2: buffers and syncobjs
 * then cross devices, flink names do not), and does a few rounds of:
 * - produce: a new object filled with a value V by a GPU job (FILL) that
 *   signals a new syncobj and returns a sync_file; the object's dma-buf,
 *   the syncobj's fd and the sync_file go to the parent over SCM_RIGHTS
 *   with V, the size, the flink name (workers on the primary node) and the
 *   object's id; the worker keeps its handles for a while, or not;
 * - consume: an item of the pool, imported by PRIME or, on the primary
 *   node, by GEM_OPEN of its flink name (a name whose object is gone may
 *   fail, or name another object: then the id differs, and PRIME is used);
 *   it waits for the producer in one of six ways (not at all, SYNCOBJ_WAIT,
 *   dma-buf poll, DMA_BUF_IOCTL_SYNC, EXPORT_SYNC_FILE, the producer's
 *   sync_file), then a GPU job waits for the syncobj or the sync_file
 *   (FENCE_FD_IN) and implicitly for the buffer, COPYs it into an object
 *   of the worker's own and returns a sync_file; after poll() on it, the
 *   copy and the dma-buf's own mapping must hold V;
 * - own: a GPU job WRITE64s a tag into the worker's private object, whose
 *   other pages hold a CPU-written pattern; after GEM_WAIT the tag is there
 *   and, at the end of each round, the pattern is intact;
 * - ctx churn: the same on a context destroyed while its job is pending;
 * - gated: the same with a job that waits for a fence of a sw_sync timeline
 *   the worker holds while it pings the parent (a kill then leaves the job
 *   to the timeline's release); then the worker signals it or closes it.
 * Half the workers also run a helper thread (its own context, jobs waited
 * by GEM_WAIT or timeline syncobj points), and a quarter fork a twin that
 * shares their DRM file and runs jobs on its own context. A worker that
 * finishes its rounds joins its thread, waits for its twin and exits 0 (half
 * of them after closing everything, half leaving it to the exit): a
 * survivor, verified. Any failed check or ioctl exits 1: the run fails.
 *
 * The parent serves the workers' messages; after each one, with
 * probability 1/M (--kill-every, default 8), it SIGKILLs a random worker's
 * process group (the worker and its twin), wherever it is: in an ioctl,
 * parked in a wait, with fds in flight; then it respawns one, until N
 * kills (--kills, default 1000). The choices come from a PRNG seeded by
 * --seed (printed), so a failure names the seed (the points where the
 * victims die still depend on the scheduler; a histogram of them is
 * printed). Then the workers left finish, the parent closes the pool, and
 * checks:
 * - every count of DEVICE_STATS (files, objects, dma-bufs, backed bytes,
 *   fences, fence fds, waiters, jobs) and the number of fds the daemon has
 *   open are back at the baseline taken before the first worker, and no
 *   sync hazard was counted; the daemon sees the
 *   last closes of fence fds on its own time, so the counts are read again
 *   (with sched_yield()) until they match, within a bound;
 * - the daemon still answers a new open;
 * - its memory is bounded: VmRSS of the daemon (our parent under `fakedri
 *   run`) at the end is at most 2x its value after the first 100 kills
 *   plus 16 MiB (plus 32 MiB in ASan builds, whose allocator keeps freed
 *   memory in quarantine; ctest makes it 16 MiB); it is printed every 100
 *   kills.
 * Figures printed: kills, spawns, survivors verified, consumes (by PRIME
 * and flink, stale names), waits by kind, jobs of threads and twins, where
 * victims died, leaks found, RSS. Exit 0 if all checks passed.
 *
 * Nothing sleeps: workers synchronise with fences and the parent's
 * replies. The parent owns the pool's fds (closed on eviction and at the
 * end) and its end of each worker's socket (closed when the worker is
 * reaped); a worker closes everything it inherited from the parent.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include <xf86drm.h>

#include "fakedri_drm.h"
#include "fdri_sw_sync_abi.h"

#define MAX_PROCS	64
#define MAX_DEVS	2
#define POOL_MAX	16
#define NQUEUES		4
#define OWN_SIZE	(64 * 1024)	/* the private pattern */
#define TAG_SIZE	4096		/* the private object's tag slots, after it */
#define MAX_SHARED	(16 * 4096)
#define MAX_KEPT	8
#define WAIT_MS		30000		/* a lost fence: fail rather than hang */
#define MAX_DUR_NS	2000000ull
#define SETTLE_NS	3000000000ll	/* bound on the counts coming back */

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static const char *who = "chaos";

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s[%d] %s:%d: %s failed (errno %d: %s)\n", \
	who, (int)getpid(), __FILE__, __LINE__, #c, errno, strerror(errno)); \
	fflush(stderr); _exit(1); } } while (0)

/* --- PRNG (splitmix64): the parent's choices, each worker's own --- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_next(s) % n);
}

/* --- messages between the parent and a worker --- */

enum { M_HELLO = 1, M_OK, M_PUT, M_GET, M_ITEM, M_NONE, M_PING };

/* PUT and ITEM carry the shared buffer's dma-buf, the syncobj its FILL job
 * signals and that job's sync_file, in this order */
#define NFD 3

struct msg {
	uint32_t op;
	uint32_t name;		/* flink name, 0 if none */
	uint64_t value;		/* PUT/ITEM: the fill value; HELLO: the magic (0: render node) */
	uint64_t size;
	uint64_t id;		/* the object's GEM_INFO id */
	uint32_t dev;		/* the device: HELLO's node, PUT/ITEM's exporter */
	uint32_t pad;
};

static void close_fds(int *fds)
{
	for (int i = 0; i < NFD; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Sends @m with @nfd fds; false if the peer is gone. */
static bool send_msg(int sock, const struct msg *m, const int *fds, int nfd)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(NFD * sizeof(int))]; } u;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	if (nfd) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfd * sizeof(int));
	}
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof(*m);
}

/* Receives a message and up to NFD fds into @fds (-1 if absent). Returns
 * false at EOF or on an error (the peer is gone). */
static bool recv_msg(int sock, struct msg *m, int *fds)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(NFD * sizeof(int))]; } u;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t r;

	for (int i = 0; i < NFD; i++)
		fds[i] = -1;
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			memcpy(fds, CMSG_DATA(c), (n > NFD ? NFD : n) * sizeof(int));
			for (size_t i = NFD; i < n; i++) {
				int extra;

				memcpy(&extra, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(extra);
			}
		}
	if (r != (ssize_t)sizeof(*m)) {
		close_fds(fds);
		return false;
	}
	return true;
}

/* --- small libdrm/fakedri helpers --- */

static void stats(int fd, struct drm_fakedri_device_stats *st)
{
	memset(st, 0, sizeof(*st));
	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, st) == 0);
}

static uint32_t bo_create(int fd, uint64_t size)
{
	struct drm_fakedri_gem_create c = { .size = size };

	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c) == 0);
	return c.handle;
}

static void *bo_map(int fd, uint32_t handle, uint64_t size)
{
	struct drm_fakedri_gem_mmap_offset m = { .handle = handle };
	void *p;

	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, &m) == 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	CHECK(p != MAP_FAILED);
	return p;
}

static void bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	CHECK(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c) == 0);
}

static uint64_t bo_id(int fd, uint32_t handle)
{
	struct drm_fakedri_gem_info i = { .handle = handle };

	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_INFO, &i) == 0);
	return i.id;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* an absolute deadline for a wait that must not be lost */
static int64_t deadline(void)
{
	return now_ns() + (int64_t)WAIT_MS * 1000000;
}

/* true if every 32-bit word of @p[0..@size) is @v */
static bool all_words(const void *p, uint64_t size, uint32_t v)
{
	const uint32_t *w = p;

	for (uint64_t i = 0; i < size / 4; i++)
		if (w[i] != v)
			return false;
	return true;
}

/* --- the worker --- */

/* Where a worker is, for the parent's histogram of where victims died. */
enum phase {
	P_START,	/* before its DRM file is open and authenticated */
	P_SETUP,	/* context and private object */
	P_PRODUCE,	/* making, sharing a buffer */
	P_CONSUME,	/* importing, copying, checking a shared buffer */
	P_WAIT,		/* waiting for a job: poll, syncobj wait, GEM_WAIT */
	P_GATED,	/* holding the sw_sync fence a job of its waits for */
	P_OWN,		/* a job on its private object */
	P_VERIFY,	/* reading its private pattern */
	P_EXIT,		/* cleaning up */
	P_COUNT
};

static const char *const phase_name[P_COUNT] = {
	"start", "setup", "produce", "consume", "wait", "gated", "own", "verify", "exit",
};

/* How a consumer waits for the producer before it submits its copy. */
enum wait_how {
	W_NONE,			/* not at all: the copy job waits */
	W_SYNCOBJ,		/* SYNCOBJ_WAIT on the imported syncobj */
	W_DMABUF_POLL,		/* poll(POLLIN) on the dma-buf */
	W_DMABUF_SYNC,		/* DMA_BUF_IOCTL_SYNC START|READ, END */
	W_EXPORT_SYNC_FILE,	/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE, poll it */
	W_SYNC_FILE,		/* poll the producer's sync_file */
	W_COUNT
};

static const char *const wait_name[W_COUNT] = {
	"none", "syncobj-wait", "dma-buf-poll", "dma-buf-sync", "export-sync-file", "sync-file-poll",
};

/* Shared with the workers (MAP_SHARED): consumed[0] PRIME, [1] flink,
 * [2] stale names; waits by enum wait_how; phase[] by slot. */
struct shared {
	unsigned long consumed[3];
	unsigned long waits[W_COUNT];
	unsigned long helper_jobs, twin_jobs, gated_jobs, cross_device;
	int phase[MAX_PROCS + 1];	/* [MAX_PROCS]: the twins' */
};

static struct shared *sh;
static int my_slot;

/* --plant: a bug planted on purpose, to show the checks catch it */
enum { PLANT_NONE, PLANT_LEAK, PLANT_CORRUPT };
static int plant;

static void phase(int p)
{
	__atomic_store_n(&sh->phase[my_slot], p, __ATOMIC_RELAXED);
}

struct worker {
	int sock, fd;
	bool card;
	uint32_t dev;		/* which device its file is on */
	uint64_t rng, serial, ntag;
	uint32_t ctx, own;
	uint32_t *own_map;
	uint32_t kept_bo[MAX_KEPT], kept_so[MAX_KEPT];
	int nkept;
};

/* the private object's pattern word i */
static uint32_t pattern(uint64_t serial, uint64_t i)
{
	uint64_t s = serial * 0x100000001b3ull + i;

	return (uint32_t)rng_next(&s);
}

static void wsend(struct worker *w, const struct msg *m, const int *fds, int nfd)
{
	/* the parent never goes away before us */
	CHECK(send_msg(w->sock, m, fds, nfd));
}

static void wrecv(struct worker *w, struct msg *m, int *fds)
{
	CHECK(recv_msg(w->sock, m, fds));
}

static void submit(struct worker *w, struct drm_fakedri_submit *s)
{
	s->ctx_id = w->ctx;
	s->queue = rnd(&w->rng, NQUEUES);
	s->duration_ns = rnd(&w->rng, MAX_DUR_NS);
	CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_SUBMIT, s) == 0);
}

static void produce(struct worker *w)
{
	uint64_t size = 4096ull * (1 + rnd(&w->rng, MAX_SHARED / 4096));
	uint32_t v = (uint32_t)rng_next(&w->rng) | 1;
	uint32_t bo = bo_create(w->fd, size), so;
	struct drm_fakedri_submit_bo b = { bo, FAKEDRI_SUBMIT_BO_WRITE };
	struct drm_fakedri_submit_syncobj sy;
	struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_FILL, .length = size, .value = v };
	struct drm_fakedri_submit s = {
		.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .fence_fd = -1, .bos = (uintptr_t)&b, .nr_bos = 1,
		.syncobjs = (uintptr_t)&sy, .nr_syncobjs = 1, .cmds = (uintptr_t)&cmd, .nr_cmds = 1,
	};
	struct msg m = { .op = M_PUT, .value = v, .size = size, .dev = w->dev };
	int fds[NFD];

	phase(P_PRODUCE);
	CHECK(drmSyncobjCreate(w->fd, 0, &so) == 0);
	sy = (struct drm_fakedri_submit_syncobj){ so, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0 };
	submit(w, &s);
	fds[2] = s.fence_fd;
	CHECK(fds[2] >= 0);
	CHECK(drmPrimeHandleToFD(w->fd, bo, DRM_CLOEXEC | DRM_RDWR, &fds[0]) == 0);
	CHECK(drmSyncobjHandleToFD(w->fd, so, &fds[1]) == 0);
	if (w->card) {
		struct drm_gem_flink fl = { .handle = bo };

		CHECK(drmIoctl(w->fd, DRM_IOCTL_GEM_FLINK, &fl) == 0);
		m.name = fl.name;
	}
	m.id = bo_id(w->fd, bo);
	wsend(w, &m, fds, NFD);
	for (int i = 0; i < NFD; i++)
		CHECK(close(fds[i]) == 0);
	/* keep the handles for a while (the flink name stays valid), or not */
	if (w->nkept < MAX_KEPT && rnd(&w->rng, 2)) {
		w->kept_bo[w->nkept] = bo;
		w->kept_so[w->nkept++] = so;
	} else {
		bo_close(w->fd, bo);
		CHECK(drmSyncobjDestroy(w->fd, so) == 0);
	}
}


/* poll() @fd for @events, which must come within WAIT_MS */
static void wait_poll(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&pfd, 1, WAIT_MS);
	while (r < 0 && errno == EINTR);
	CHECK(r == 1 && (pfd.revents & events));
}

/* waits for sync_file @sf; its one fence signalled without an error */
static void await_signalled(int sf)
{
	struct sync_fence_info fi;
	struct sync_file_info info;

	wait_poll(sf, POLLIN);
	memset(&fi, 0, sizeof(fi));
	memset(&info, 0, sizeof(info));
	info.num_fences = 1;
	info.sync_fence_info = (uint64_t)(uintptr_t)&fi;
	CHECK(ioctl(sf, SYNC_IOC_FILE_INFO, &info) == 0);
	CHECK(info.status == 1 && fi.status == 1);
}

/* Waits for the producer's FILL of the shared buffer before the copy, in
 * one of the ways a consumer can (or not at all), mostly in the daemon. */
static void wait_producer(struct worker *w, int dmabuf, uint32_t so, int sync_file)
{
	uint32_t how = rnd(&w->rng, W_COUNT);

	__atomic_add_fetch(&sh->waits[how], 1, __ATOMIC_RELAXED);
	switch (how) {
	case W_SYNCOBJ:
		CHECK(drmSyncobjWait(w->fd, &so, 1, deadline(), 0, NULL) == 0);
		break;
	case W_DMABUF_POLL:
		wait_poll(dmabuf, POLLIN);
		break;
	case W_DMABUF_SYNC: {
		struct dma_buf_sync bs = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };

		CHECK(drmIoctl(dmabuf, DMA_BUF_IOCTL_SYNC, &bs) == 0);
		bs.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
		CHECK(drmIoctl(dmabuf, DMA_BUF_IOCTL_SYNC, &bs) == 0);
		break;
	}
	case W_EXPORT_SYNC_FILE: {
		struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };

		CHECK(drmIoctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex) == 0);
		CHECK(ex.fd >= 0);
		wait_poll(ex.fd, POLLIN);
		CHECK(close(ex.fd) == 0);
		break;
	}
	case W_SYNC_FILE:
		await_signalled(sync_file);
		break;
	default:
		break;
	}
}

static void consume(struct worker *w)
{
	struct msg m = { .op = M_GET };
	uint32_t src = 0, so, dst;
	int fds[NFD], how = 0;
	void *d, *p;

	phase(P_CONSUME);
	wsend(w, &m, NULL, 0);
	wrecv(w, &m, fds);
	if (m.op == M_NONE)
		return;
	CHECK(m.op == M_ITEM && fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
	/* flink names are the device's: the exporter's device only */
	if (w->card && m.name && m.dev == w->dev && rnd(&w->rng, 2)) {
		struct drm_gem_open op = { .name = m.name };

		if (drmIoctl(w->fd, DRM_IOCTL_GEM_OPEN, &op) == 0) {
			if (op.size == m.size && bo_id(w->fd, op.handle) == m.id) {
				src = op.handle;
				how = 1;
			} else {
				/* the name outlived its object and was reused */
				bo_close(w->fd, op.handle);
				how = 2;
			}
		} else {
			CHECK(errno == ENOENT);
			how = 2;
		}
	}
	if (!src)
		CHECK(drmPrimeFDToHandle(w->fd, fds[0], &src) == 0);
	__atomic_add_fetch(&sh->consumed[how], 1, __ATOMIC_RELAXED);
	if (m.dev != w->dev)
		__atomic_add_fetch(&sh->cross_device, 1, __ATOMIC_RELAXED);
	CHECK(drmSyncobjFDToHandle(w->fd, fds[1], &so) == 0);
	dst = bo_create(w->fd, m.size);
	phase(P_WAIT);
	wait_producer(w, fds[0], so, fds[2]);
	phase(P_CONSUME);
	{
		struct drm_fakedri_submit_bo b[2] = {
			{ src, FAKEDRI_SUBMIT_BO_READ }, { dst, FAKEDRI_SUBMIT_BO_WRITE } };
		struct drm_fakedri_submit_syncobj sy = { so, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0 };
		struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_COPY, .dst_bo = 1,
						      .src_bo = 0, .length = m.size };
		struct drm_fakedri_submit s = {
			.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .fence_fd = -1,
			.bos = (uintptr_t)b, .nr_bos = 2, .syncobjs = (uintptr_t)&sy,
			.nr_syncobjs = 1, .cmds = (uintptr_t)&cmd, .nr_cmds = 1,
		};

		/* the producer's fence: by the syncobj, or its sync_file as
		 * FENCE_FD_IN; implicit sync waits for it anyway */
		if (rnd(&w->rng, 2)) {
			s.flags |= FAKEDRI_SUBMIT_FENCE_FD_IN;
			s.fence_fd = fds[2];
			s.nr_syncobjs = 0;
		}
		submit(w, &s);
		CHECK(s.fence_fd >= 0 && s.fence_fd != fds[2]);
		phase(P_WAIT);
		await_signalled(s.fence_fd);
		CHECK(close(s.fence_fd) == 0);
	}
	phase(P_CONSUME);
	d = bo_map(w->fd, dst, m.size);
	if (!all_words(d, m.size, (uint32_t)m.value)) {
		fprintf(stderr, "%s[%d]: the copy of a shared buffer does not hold 0x%08x (first word 0x%08x)\n",
			who, (int)getpid(), (uint32_t)m.value, *(uint32_t *)d);
		_exit(1);
	}
	p = mmap(NULL, m.size, PROT_READ, MAP_SHARED, fds[0], 0);
	CHECK(p != MAP_FAILED);
	if (!all_words(p, m.size, (uint32_t)m.value)) {
		fprintf(stderr, "%s[%d]: a shared buffer does not hold 0x%08x (first word 0x%08x)\n",
			who, (int)getpid(), (uint32_t)m.value, *(uint32_t *)p);
		_exit(1);
	}
	CHECK(munmap(p, m.size) == 0);
	CHECK(munmap(d, m.size) == 0);
	for (int i = 0; i < NFD; i++)
		CHECK(close(fds[i]) == 0);
	bo_close(w->fd, dst);
	/* PRIME import of an object of our own gives our handle back */
	for (int i = 0; i < w->nkept; i++)
		if (w->kept_bo[i] == src)
			src = 0;
	if (src)
		bo_close(w->fd, src);
	CHECK(drmSyncobjDestroy(w->fd, so) == 0);
}

static void own_job(struct worker *w)
{
	uint64_t slot = OWN_SIZE + 8 * (w->ntag % (TAG_SIZE / 8));
	uint64_t tag = (w->serial << 32) | ++w->ntag;
	struct drm_fakedri_submit_bo b = { w->own, FAKEDRI_SUBMIT_BO_WRITE };
	struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_WRITE64, .dst_offset = slot, .value = tag };
	struct drm_fakedri_submit s = { .fence_fd = -1, .bos = (uintptr_t)&b, .nr_bos = 1,
					.cmds = (uintptr_t)&cmd, .nr_cmds = 1 };
	struct drm_fakedri_gem_wait gw = { .handle = w->own, .flags = FAKEDRI_GEM_WAIT_WRITE,
					   .timeout_ns = (int64_t)WAIT_MS * 1000000 };
	uint64_t got;

	phase(P_OWN);
	submit(w, &s);
	phase(P_WAIT);
	CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_GEM_WAIT, &gw) == 0);
	phase(P_OWN);
	memcpy(&got, (char *)w->own_map + slot, 8);
	if (got != tag) {
		fprintf(stderr, "%s[%d]: tag 0x%016" PRIx64 " at %" PRIu64 " of its own object, want 0x%016" PRIx64 "\n",
			who, (int)getpid(), got, slot, tag);
		_exit(1);
	}
}

static void verify_own(struct worker *w)
{
	phase(P_VERIFY);
	/* the planted corruption: a stray CPU write into the private object
	 * of every 50th worker (some die before they look) */
	if (plant == PLANT_CORRUPT && w->serial % 50 == 0)
		w->own_map[7] ^= 1;
	for (uint64_t i = 0; i < OWN_SIZE / 4; i++)
		if (w->own_map[i] != pattern(w->serial, i)) {
			fprintf(stderr, "%s[%d]: its own object's word %" PRIu64 " is 0x%08x, want 0x%08x\n",
				who, (int)getpid(), i, w->own_map[i], pattern(w->serial, i));
			_exit(1);
		}
}

/*
 * The helper thread some workers run beside their main one, on the same
 * DRM file but its own context, object and timeline syncobj: jobs that
 * WRITE64 a counter, each signalling the next timeline point, waited for
 * by GEM_WAIT or by the point (SYNCOBJ_TIMELINE_WAIT), until told to stop.
 * So a victim often has calls in flight on two threads.
 */
struct helper {
	int fd;
	uint32_t ctx, bo, tl;
	uint64_t *map;
	uint64_t rng, n;
	int stop;
	pthread_t thread;
};

#define HELPER_SIZE 4096

static void *helper_main(void *arg)
{
	struct helper *h = arg;

	while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
		uint64_t n = ++h->n, slot = n % (HELPER_SIZE / 8);
		struct drm_fakedri_submit_bo b = { h->bo, FAKEDRI_SUBMIT_BO_WRITE };
		struct drm_fakedri_submit_syncobj sy = { h->tl, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, n };
		struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_WRITE64, .dst_offset = 8 * slot,
						      .value = n };
		struct drm_fakedri_submit s = {
			.ctx_id = h->ctx, .queue = rnd(&h->rng, NQUEUES), .fence_fd = -1,
			.duration_ns = rnd(&h->rng, MAX_DUR_NS), .bos = (uintptr_t)&b, .nr_bos = 1,
			.syncobjs = (uintptr_t)&sy, .nr_syncobjs = 1, .cmds = (uintptr_t)&cmd, .nr_cmds = 1,
		};

		CHECK(drmIoctl(h->fd, DRM_IOCTL_FAKEDRI_SUBMIT, &s) == 0);
		if (rnd(&h->rng, 2)) {
			struct drm_fakedri_gem_wait gw = { .handle = h->bo, .flags = FAKEDRI_GEM_WAIT_WRITE,
							   .timeout_ns = (int64_t)WAIT_MS * 1000000 };

			CHECK(drmIoctl(h->fd, DRM_IOCTL_FAKEDRI_GEM_WAIT, &gw) == 0);
		} else {
			CHECK(drmSyncobjTimelineWait(h->fd, &h->tl, &n, 1, deadline(), 0, NULL) == 0);
		}
		if (__atomic_load_n(&h->map[slot], __ATOMIC_RELAXED) != n) {
			fprintf(stderr, "%s[%d]: its helper's job %" PRIu64 " left %" PRIu64 "\n",
				who, (int)getpid(), n, h->map[slot]);
			_exit(1);
		}
	}
	return NULL;
}

static void helper_start(struct worker *w, struct helper *h)
{
	struct drm_fakedri_ctx_create cc = { .priority = 1 };

	h->fd = w->fd;
	h->rng = rng_next(&w->rng);
	CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &cc) == 0);
	h->ctx = cc.ctx_id;
	h->bo = bo_create(w->fd, HELPER_SIZE);
	h->map = bo_map(w->fd, h->bo, HELPER_SIZE);
	CHECK(drmSyncobjCreate(w->fd, 0, &h->tl) == 0);
	CHECK(pthread_create(&h->thread, NULL, helper_main, h) == 0);
}

static void helper_stop(struct helper *h, bool cleanup)
{
	uint64_t v = 0;

	__atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED);
	CHECK(pthread_join(h->thread, NULL) == 0);
	/* every point signalled, the last one last */
	CHECK(drmSyncobjQuery(h->fd, &h->tl, &v, 1) == 0);
	CHECK(v == h->n);
	__atomic_add_fetch(&sh->helper_jobs, h->n, __ATOMIC_RELAXED);
	if (!cleanup)
		return;
	CHECK(munmap(h->map, HELPER_SIZE) == 0);
	bo_close(h->fd, h->bo);
	CHECK(drmSyncobjDestroy(h->fd, h->tl) == 0);
	{
		struct drm_fakedri_ctx_destroy d = { .ctx_id = h->ctx };

		CHECK(drmIoctl(h->fd, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d) == 0);
	}
}

/* A job that wrote @tag at @slot of the worker's own buffer: its sync_file
 * @fence signals without an error (then is closed), and the tag is there. */
static void own_job_done(struct worker *w, int fence, uint64_t slot, uint64_t tag)
{
	uint64_t got;

	phase(P_WAIT);
	await_signalled(fence);
	CHECK(close(fence) == 0);
	phase(P_OWN);
	memcpy(&got, (char *)w->own_map + slot, 8);
	CHECK(got == tag);
}

/* A context made for one job and destroyed while the job is pending: the
 * job still completes (docs/gpu.md), its sync_file says so. */
static void ctx_churn(struct worker *w)
{
	struct drm_fakedri_ctx_create cc = { 0 };
	struct drm_fakedri_ctx_destroy d = { 0 };
	uint64_t slot = OWN_SIZE + 8 * (w->ntag % (TAG_SIZE / 8));
	uint64_t tag = (w->serial << 32) | ++w->ntag;
	struct drm_fakedri_submit_bo b = { w->own, FAKEDRI_SUBMIT_BO_WRITE };
	struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_WRITE64, .dst_offset = slot, .value = tag };
	struct drm_fakedri_submit s = { .flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .fence_fd = -1,
					.bos = (uintptr_t)&b, .nr_bos = 1,
					.cmds = (uintptr_t)&cmd, .nr_cmds = 1 };
	uint32_t ctx = w->ctx;

	phase(P_OWN);
	CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &cc) == 0);
	w->ctx = cc.ctx_id;
	submit(w, &s);
	w->ctx = ctx;
	d.ctx_id = cc.ctx_id;
	CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d) == 0);
	own_job_done(w, s.fence_fd, slot, tag);
}

/*
 * A twin: a child the worker forks after its setup, which shares the
 * worker's DRM file (fork shares it, as the kernel's) and, on its own
 * context and object, runs jobs that WRITE64 a counter, waiting for each
 * by its sync_file. The worker waits for it before it exits; a victim's
 * twin dies with it (the parent kills the process group).
 */
static pid_t twin_start(struct worker *w)
{
	uint64_t rng = rng_next(&w->rng);
	uint32_t n = 1 + rnd(&rng, 16);
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct drm_fakedri_ctx_create cc = { 0 };
		uint32_t bo;
		uint64_t *map;

		close(w->sock);
		who = "chaos twin";
		my_slot = MAX_PROCS;	/* its phases are not the worker's */
		CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &cc) == 0);
		bo = bo_create(w->fd, 4096);
		map = bo_map(w->fd, bo, 4096);
		for (uint64_t k = 1; k <= n; k++) {
			struct drm_fakedri_submit_bo b = { bo, FAKEDRI_SUBMIT_BO_WRITE };
			struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_WRITE64,
							      .dst_offset = 8 * k, .value = k };
			struct drm_fakedri_submit s = {
				.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .ctx_id = cc.ctx_id,
				.queue = rnd(&rng, NQUEUES), .fence_fd = -1,
				.duration_ns = rnd(&rng, MAX_DUR_NS), .bos = (uintptr_t)&b,
				.nr_bos = 1, .cmds = (uintptr_t)&cmd, .nr_cmds = 1,
			};

			CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_SUBMIT, &s) == 0);
			await_signalled(s.fence_fd);
			CHECK(close(s.fence_fd) == 0);
			CHECK(map[k] == k);
		}
		/* the file is the worker's too: give back what we made */
		CHECK(munmap(map, 4096) == 0);
		bo_close(w->fd, bo);
		{
			struct drm_fakedri_ctx_destroy d = { .ctx_id = cc.ctx_id };

			CHECK(drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d) == 0);
		}
		__atomic_add_fetch(&sh->twin_jobs, n, __ATOMIC_RELAXED);
		_exit(0);
	}
	return pid;
}

static void twin_wait(pid_t pid)
{
	int status;

	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A job gated by a fence of a sw_sync timeline the worker holds: it waits
 * (FENCE_FD_IN) while the worker pings the parent, which may kill it then,
 * leaving the job to a timeline whose last fd closes (its fence fails with
 * ENOENT, the job runs anyway, as drm_sched's). Else the worker signals
 * the point, or closes the timeline itself; the job completes and writes
 * its tag.
 */
static void gated_job(struct worker *w)
{
	struct sw_sync_create_fence_data cf = { .value = 1, .name = "chaos-gate" };
	uint64_t slot = OWN_SIZE + 8 * (w->ntag % (TAG_SIZE / 8));
	uint64_t tag = (w->serial << 32) | ++w->ntag;
	struct drm_fakedri_submit_bo b = { w->own, FAKEDRI_SUBMIT_BO_WRITE };
	struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_WRITE64, .dst_offset = slot, .value = tag };
	struct drm_fakedri_submit s = { .flags = FAKEDRI_SUBMIT_FENCE_FD_IN | FAKEDRI_SUBMIT_FENCE_FD_OUT,
					.bos = (uintptr_t)&b, .nr_bos = 1,
					.cmds = (uintptr_t)&cmd, .nr_cmds = 1 };
	struct msg m = { .op = M_PING };
	uint32_t one = 1;
	int tl, fds[NFD];

	phase(P_OWN);
	tl = open("/dev/sw_sync", O_RDWR | O_CLOEXEC);
	CHECK(tl >= 0);
	CHECK(ioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &cf) == 0 && cf.fence >= 0);
	s.fence_fd = cf.fence;
	submit(w, &s);
	CHECK(close(cf.fence) == 0);
	phase(P_GATED);
	wsend(w, &m, NULL, 0);
	wrecv(w, &m, fds);
	CHECK(m.op == M_OK);
	if (rnd(&w->rng, 2))
		CHECK(ioctl(tl, SW_SYNC_IOC_INC, &one) == 0);
	CHECK(close(tl) == 0);
	own_job_done(w, s.fence_fd, slot, tag);
	__atomic_add_fetch(&sh->gated_jobs, 1, __ATOMIC_RELAXED);
}

static int ndevs = 1;

/* the primary (@card) or render node of device @dev */
static int open_node(bool card, uint32_t dev)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), card ? "/dev/dri/card%u" : "/dev/dri/renderD%u",
		 card ? dev : 128 + dev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}

static void __attribute__((noreturn)) worker_main(int slot, int sock, uint64_t serial, uint64_t seed)
{
	struct worker w = { .sock = sock, .serial = serial, .rng = seed };
	struct drm_fakedri_ctx_create cc = { 0 };
	struct helper h = { 0 };
	bool helped, cleanup;
	pid_t twin = 0;
	uint32_t rounds;

	my_slot = slot;
	phase(P_START);
	w.card = rnd(&w.rng, 2);
	w.dev = rnd(&w.rng, (uint32_t)ndevs);
	w.fd = open_node(w.card, w.dev);
	if (w.card) {
		struct msg m = { .op = M_HELLO, .dev = w.dev };
		drm_magic_t magic;
		int fds[NFD];

		CHECK(drmGetMagic(w.fd, &magic) == 0);
		m.value = magic;
		wsend(&w, &m, NULL, 0);
		wrecv(&w, &m, fds);
		CHECK(m.op == M_OK && m.value == 0);
	}
	phase(P_SETUP);
	CHECK(drmIoctl(w.fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &cc) == 0);
	w.ctx = cc.ctx_id;
	w.own = bo_create(w.fd, OWN_SIZE + TAG_SIZE);
	w.own_map = bo_map(w.fd, w.own, OWN_SIZE + TAG_SIZE);
	for (uint64_t i = 0; i < OWN_SIZE / 4; i++)
		w.own_map[i] = pattern(serial, i);
	/* a twin before any thread: fork() copies only the calling one */
	if (rnd(&w.rng, 4) == 0)
		twin = twin_start(&w);
	helped = rnd(&w.rng, 2);
	if (helped)
		helper_start(&w, &h);

	rounds = 1 + rnd(&w.rng, 4);
	for (uint32_t r = 0; r < rounds; r++) {
		uint32_t nops = 1 + rnd(&w.rng, 3);

		for (uint32_t k = 0; k < nops; k++) {
			switch (rnd(&w.rng, 8)) {
			case 0:
			case 1:
				produce(&w);
				break;
			case 2:
			case 3:
				consume(&w);
				break;
			case 4:
				ctx_churn(&w);
				break;
			case 5:
				gated_job(&w);
				break;
			default:
				own_job(&w);
				break;
			}
		}
		verify_own(&w);
	}
	phase(P_EXIT);
	/* half the survivors clean up, the others leave it to the exit */
	cleanup = rnd(&w.rng, 2);
	if (helped)
		helper_stop(&h, cleanup);
	if (twin)
		twin_wait(twin);
	if (cleanup) {
		for (int i = 0; i < w.nkept; i++) {
			bo_close(w.fd, w.kept_bo[i]);
			CHECK(drmSyncobjDestroy(w.fd, w.kept_so[i]) == 0);
		}
		CHECK(munmap(w.own_map, OWN_SIZE + TAG_SIZE) == 0);
		bo_close(w.fd, w.own);
		CHECK(close(w.fd) == 0);
	}
	_exit(0);
}

/* --- the parent --- */

struct item {
	int fd[NFD];		/* as in PUT */
	struct msg m;
};

struct slot {
	pid_t pid;		/* 0: free */
	int sock;		/* the parent's end */
	uint64_t serial;
};

static struct slot slots[MAX_PROCS];
static int nprocs = 8;
static struct item pool[POOL_MAX];
static int npool;
static int cards[MAX_DEVS] = { -1, -1 };
static uint64_t prng, spawns, kills, survivors, messages, failures;
static uint64_t killed_in[P_COUNT];

static void pool_drop(int i)
{
	close_fds(pool[i].fd);
	pool[i] = pool[--npool];
}

static void spawn(int i, uint64_t seed)
{
	int sv[2];
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	fflush(NULL);
	slots[i].serial = ++spawns;
	sh->phase[i] = P_START;
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* nothing of the parent's: its DRM file, the pool, other sockets */
		close(sv[0]);
		for (int d = 0; d < ndevs; d++)
			close(cards[d]);
		for (int j = 0; j < npool; j++)
			close_fds(pool[j].fd);
		for (int j = 0; j < nprocs; j++)
			if (j != i && slots[j].pid)
				close(slots[j].sock);
		who = "chaos worker";
		/* its own process group, which its twin joins and the kill hits */
		setpgid(0, 0);
		worker_main(i, sv[1], slots[i].serial, seed ^ (slots[i].serial * 0x2545f4914f6cdd1dull));
	}
	close(sv[1]);
	setpgid(pid, pid);	/* whichever of us comes first */
	slots[i].pid = pid;
	slots[i].sock = sv[0];
}

/* Reaps the worker of slot @i after @killed (by us: counted if it died of
 * it) or its EOF. */
static void reap(int i, bool killed)
{
	int status, ph;

	CHECK(waitpid(slots[i].pid, &status, 0) == slots[i].pid);
	ph = __atomic_load_n(&sh->phase[i], __ATOMIC_RELAXED);
	/* a victim may have exited by itself just before the kill */
	if (killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		kills++;
		killed_in[ph >= 0 && ph < P_COUNT ? ph : P_START]++;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		survivors++;
	} else {
		fprintf(stderr, "chaos: worker %" PRIu64 " (pid %d) failed: status 0x%x\n",
			slots[i].serial, (int)slots[i].pid, status);
		failures++;
	}
	close(slots[i].sock);
	slots[i].pid = 0;
	slots[i].sock = -1;
}

static void serve(int i, const struct msg *m, int *fds)
{
	struct msg r = { .op = M_OK };

	switch (m->op) {
	case M_HELLO:
		/* the worker may be gone already: its magic then fails */
		if (m->dev >= (uint32_t)ndevs)
			r.value = EINVAL;
		else if (drmAuthMagic(cards[m->dev], (drm_magic_t)m->value) != 0)
			r.value = (uint64_t)errno;
		send_msg(slots[i].sock, &r, NULL, 0);
		break;
	case M_PUT:
		if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0) {
			fprintf(stderr, "chaos: a PUT without its fds\n");
			failures++;
			break;
		}
		if (npool == POOL_MAX)
			pool_drop((int)rnd(&prng, POOL_MAX));
		pool[npool].m = *m;
		for (int k = 0; k < NFD; k++) {
			pool[npool].fd[k] = fds[k];
			fds[k] = -1;
		}
		npool++;
		break;
	case M_PING:
		send_msg(slots[i].sock, &r, NULL, 0);
		break;
	case M_GET:
		if (!npool) {
			r.op = M_NONE;
			send_msg(slots[i].sock, &r, NULL, 0);
		} else {
			struct item *it = &pool[rnd(&prng, (uint32_t)npool)];

			r = it->m;
			r.op = M_ITEM;
			send_msg(slots[i].sock, &r, it->fd, NFD);
		}
		break;
	default:
		fprintf(stderr, "chaos: unknown message %u\n", m->op);
		failures++;
	}
	close_fds(fds);
}

/* the fds @pid has open */
static long count_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	long n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	CHECK(dir);
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* VmRSS and VmHWM of @pid in KiB */
static void rss(pid_t pid, long *now, long *peak)
{
	char path[64], line[256];
	FILE *f;

	*now = *peak = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", now);
		sscanf(line, "VmHWM: %ld", peak);
	}
	fclose(f);
	CHECK(*now > 0 && *peak > 0);
}

static bool same(const struct drm_fakedri_device_stats *a, const struct drm_fakedri_device_stats *b)
{
	return a->objects == b->objects && a->dmabufs == b->dmabufs && a->files == b->files &&
	       a->backed_bytes == b->backed_bytes && a->fences == b->fences &&
	       a->fence_fds == b->fence_fds && a->waiters == b->waiters && a->jobs == b->jobs;
}

static void usage(void)
{
	fprintf(stderr, "usage: chaos [--kills N] [--seed S] [--procs P] [--kill-every M] [--devices 1|2]\n"
		"             [--plant leak|corrupt]\n"
		"run under: fakedri run --device fakedri,queues=4 [--device fakedri,queues=4] -- chaos ...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t target = 1000, seed = 1, kill_every = 8;
	struct drm_fakedri_device_stats base[MAX_DEVS], st[MAX_DEVS];
	long rss0, hwm0, rss_warm = -1, rss_end, hwm_end, bound_kib;
	pid_t daemon = getppid();
	int64_t t0, t_settle;
	long settle = 0, leaks = 0, fds0, fds_end;
	drmVersionPtr ver;
	int live, fresh;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--kills"))
			target = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--procs"))
			nprocs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--kill-every"))
			kill_every = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--devices"))
			ndevs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--plant")) {
			i++;
			if (!strcmp(argv[i], "leak"))
				plant = PLANT_LEAK;
			else if (!strcmp(argv[i], "corrupt"))
				plant = PLANT_CORRUPT;
			else
				usage();
		} else
			usage();
	}
	if (nprocs < 2 || nprocs > MAX_PROCS || !kill_every || ndevs < 1 || ndevs > MAX_DEVS)
		usage();
	prng = seed;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);

	/* the first opener of each primary node: its master */
	for (int d = 0; d < ndevs; d++) {
		struct drm_fakedri_get_param gp = { .param = FAKEDRI_PARAM_NUM_QUEUES };

		cards[d] = open_node(true, (uint32_t)d);
		CHECK(drmIoctl(cards[d], DRM_IOCTL_FAKEDRI_GET_PARAM, &gp) == 0);
		if (gp.value != NQUEUES) {
			fprintf(stderr, "chaos: device %d has %llu queues; run with --device fakedri,queues=%d (once per --devices)\n",
				d, (unsigned long long)gp.value, NQUEUES);
			return 2;
		}
		stats(cards[d], &base[d]);
	}
	rss(daemon, &rss0, &hwm0);
	fds0 = count_fds(daemon);
	printf("chaos: seed %" PRIu64 ", %d processes, %d device%s, a kill every %" PRIu64 " messages on average, %" PRIu64 " kills\n",
	       seed, nprocs, ndevs, ndevs > 1 ? "s" : "", kill_every, target);
	printf("chaos: daemon pid %d: VmRSS %ld KiB at the start\n", (int)daemon, rss0);
	fflush(stdout);
	t0 = now_ns();

	for (int i = 0; i < nprocs; i++)
		spawn(i, seed);
	live = nprocs;
	while (live) {
		struct pollfd pfd[MAX_PROCS];
		int idx[MAX_PROCS], n = 0, r;
		uint64_t serial[MAX_PROCS];

		for (int i = 0; i < nprocs; i++)
			if (slots[i].pid) {
				pfd[n] = (struct pollfd){ .fd = slots[i].sock, .events = POLLIN };
				serial[n] = slots[i].serial;
				idx[n++] = i;
			}
		r = poll(pfd, (nfds_t)n, -1);
		CHECK(r > 0 || errno == EINTR);
		for (int k = 0; k < n && r > 0; k++) {
			int i = idx[k], fds[NFD];
			struct msg m;

			/* a worker killed and respawned since poll() */
			if (!pfd[k].revents || !slots[i].pid || slots[i].serial != serial[k])
				continue;
			if (!recv_msg(slots[i].sock, &m, fds)) {
				/* the worker finished (or failed); a worker still
				 * alive here broke the protocol: it dies, and
				 * reap() counts the failure */
				kill(slots[i].pid, SIGKILL);
				reap(i, false);
				live--;
				if (kills < target) {
					spawn(i, seed);
					live++;
				}
				continue;
			}
			messages++;
			serve(i, &m, fds);
			if (kills < target && rnd(&prng, (uint32_t)kill_every) == 0) {
				int v = (int)rnd(&prng, (uint32_t)nprocs);
				uint64_t before = kills;

				if (!slots[v].pid)
					continue;
				/* the worker and its twin, if any */
				CHECK(kill(-slots[v].pid, SIGKILL) == 0 || errno == ESRCH);
				reap(v, true);
				spawn(v, seed);
				if (kills != before && kills % 100 == 0) {
					long now, peak;

					rss(daemon, &now, &peak);
					if (kills == 100)
						rss_warm = now;
					printf("chaos: %" PRIu64 " kills, %" PRIu64 " spawns, %" PRIu64 " survivors, %.1f s: daemon VmRSS %ld KiB, VmHWM %ld KiB\n",
					       kills, spawns, survivors, (double)(now_ns() - t0) / 1e9, now, peak);
					fflush(stdout);
				}
			}
		}
	}
	while (npool)
		pool_drop(npool - 1);
	/* the planted leak: an object the parent forgets to close */
	if (plant == PLANT_LEAK)
		(void)bo_create(cards[0], 4096);

	/* every count back at the baseline, on a fresh fd: the daemon
	 * serves the EOFs of files first, but the last closes of fence fds
	 * (the pool's syncobjs, a killed worker's) on its own time */
	for (int d = 0; d < ndevs; d++) {
		fresh = open_node(false, (uint32_t)d);
		ver = drmGetVersion(fresh);
		CHECK(ver && !strcmp(ver->name, "fakedri"));
		drmFreeVersion(ver);
		CHECK(close(fresh) == 0);
	}
	t_settle = now_ns();
	for (;; settle++) {
		bool all = true;

		for (int d = 0; d < ndevs; d++) {
			stats(cards[d], &st[d]);
			all = all && same(&st[d], &base[d]);
		}
		fds_end = count_fds(daemon);
		if ((all && fds_end == fds0) || now_ns() - t_settle > SETTLE_NS)
			break;
		sched_yield();
	}
	for (int d = 0; d < ndevs; d++) {
		const char *names[] = { "objects", "dmabufs", "files", "backed_bytes", "fences",
					"fence_fds", "waiters", "jobs" };
		uint64_t a[] = { base[d].objects, base[d].dmabufs, base[d].files, base[d].backed_bytes,
				 base[d].fences, base[d].fence_fds, base[d].waiters, base[d].jobs };
		uint64_t b[] = { st[d].objects, st[d].dmabufs, st[d].files, st[d].backed_bytes,
				 st[d].fences, st[d].fence_fds, st[d].waiters, st[d].jobs };

		for (int i = 0; i < 8; i++)
			if (a[i] != b[i]) {
				fprintf(stderr, "chaos: LEAK: %s%s %" PRIu64 " -> %" PRIu64 "\n", names[i],
					d ? " (device 1)" : "", a[i], b[i]);
				leaks++;
			}
		if (st[d].hazards != base[d].hazards) {
			fprintf(stderr, "chaos: %llu sync hazards\n",
				(unsigned long long)(st[d].hazards - base[d].hazards));
			failures++;
		}
	}
	if (fds_end != fds0) {
		fprintf(stderr, "chaos: LEAK: the daemon's open fds %ld -> %ld\n", fds0, fds_end);
		leaks++;
	}
	rss(daemon, &rss_end, &hwm_end);
	if (rss_warm < 0)
		rss_warm = rss0;
	bound_kib = 2 * rss_warm + 16 * 1024 + (SANITIZED ? 32 * 1024 : 0);
	printf("chaos: %" PRIu64 " kills, %" PRIu64 " spawns, %" PRIu64 " survivors verified, %" PRIu64 " messages in %.1f s\n",
	       kills, spawns, survivors, messages, (double)(now_ns() - t0) / 1e9);
	printf("chaos: consumed %lu by PRIME, %lu by flink, %lu flink names stale (then PRIME); %lu from the other device\n",
	       sh->consumed[0] + sh->consumed[2], sh->consumed[1], sh->consumed[2], sh->cross_device);
	printf("chaos: jobs of helper threads in survivors %lu, of twins (forked children sharing a worker's DRM file) %lu, gated by a sw_sync fence %lu\n",
	       sh->helper_jobs, sh->twin_jobs, sh->gated_jobs);
	printf("chaos: consumers waited for producers by:");
	for (int k = 0; k < W_COUNT; k++)
		printf(" %s %lu", wait_name[k], sh->waits[k]);
	printf("\nchaos: victims killed in:");
	for (int p = 0; p < P_COUNT; p++)
		printf(" %s %" PRIu64, phase_name[p], killed_in[p]);
	printf("\n");
	printf("chaos: counts and the daemon's open fds (%ld -> %ld) back at the baseline after %ld extra reads: %s; %ld leaks found\n",
	       fds0, fds_end, settle, leaks ? "NO" : "yes", leaks);
	printf("chaos: daemon VmRSS %ld KiB at the start, %ld after 100 kills, %ld at the end (bound %ld); VmHWM %ld KiB\n",
	       rss0, rss_warm, rss_end, bound_kib, hwm_end);
	if (rss_end > bound_kib) {
		fprintf(stderr, "chaos: the daemon's memory grew past its bound\n");
		failures++;
	}
	if (failures || leaks || survivors == 0) {
		fprintf(stderr, "chaos: FAILED (seed %" PRIu64 "): %" PRIu64 " failures, %ld leaks, %" PRIu64 " survivors\n",
			seed, failures, leaks, survivors);
		return 1;
	}
	for (int d = 0; d < ndevs; d++)
		CHECK(close(cards[d]) == 0);
	printf("chaos: all checks passed\n");
	return 0;
}
