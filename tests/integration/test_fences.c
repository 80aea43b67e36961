/*
 * test_fences.c - fences across real processes and threads, through the
 * real libdrm API and the shim: sync_files from sw_sync timelines polled
 * in another process, opaque syncobj fds waited on before their fence
 * exists, vgem fences seen by DMA_BUF_IOCTL_SYNC and epoll on the
 * dma-buf, two threads on one DRM fd, and a client killed mid-wait.
 * Processes synchronise over pipes; a wait that must not end is checked
 * with a short poll, the only timed step.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "fdri_vgem_abi.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int sw_point(int tl, uint32_t value)
{
	struct sw_create_fence c = { .value = value };

	CHECK_EQ(ioctl(tl, SW_CREATE_FENCE, &c), 0);
	CHECK(c.fence >= 0);
	return c.fence;
}

static void sw_inc(int tl, uint32_t n)
{
	CHECK_EQ(ioctl(tl, SW_INC, &n), 0);
}

static int sync_status(int fd)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	CHECK_EQ(ioctl(fd, SYNC_IOC_FILE_INFO, &info), 0);
	return info.status;
}

static short poll_once(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	CHECK(poll(&p, 1, timeout_ms) >= 0);
	return p.revents;
}

/* Nothing arrives on @fd for a while: the other side is still blocked. */
static void check_quiet(int fd)
{
	CHECK_EQ(poll_once(fd, POLLIN, 100), 0);
}

struct pipes {
	int to_child[2], to_parent[2];
	int sock[2];
};

static void pipes_open(struct pipes *p)
{
	CHECK_EQ(pipe(p->to_child), 0);
	CHECK_EQ(pipe(p->to_parent), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, p->sock), 0);
}

static void tell(int fd, char c)
{
	itest_write(fd, &c, 1);
}

static char hear(int fd)
{
	char c;

	itest_read(fd, &c, 1);
	return c;
}

/* --- sync_file in another process --- */

static void sync_file_child(void *arg)
{
	struct pipes *p = arg;
	int fd = itest_recv_fd(p->sock[1], NULL);

	/* a fence fd that only arrived by SCM_RIGHTS */
	CHECK_EQ(poll_once(fd, POLLIN | POLLOUT, 0), 0);
	CHECK_EQ(sync_status(fd), 0);
	tell(p->to_parent[1], 'r');
	CHECK_EQ(poll_once(fd, POLLIN, 30000), POLLIN);
	CHECK_EQ(sync_status(fd), 1);
	close(fd);
}

static void unsignalled_sync_file_wakes_another_process_when_the_timeline_advances(void)
{
	struct pipes p;
	int tl = open("/dev/sw_sync", O_RDWR), fence;
	pid_t pid;

	CHECK(tl >= 0);
	pipes_open(&p);
	fence = sw_point(tl, 2);
	pid = itest_fork(sync_file_child, &p);
	itest_send_fd(p.sock[0], fence, 0);
	CHECK_EQ(hear(p.to_parent[0]), 'r');
	sw_inc(tl, 1);
	CHECK_EQ(sync_status(fence), 0);
	sw_inc(tl, 1);
	itest_wait_ok(pid);
	close(fence);
	close(tl);
}

static void fence_fds_cannot_be_read_or_written(void)
{
	int tl = open("/dev/sw_sync", O_RDWR), fence;
	char c = 0;

	CHECK(tl >= 0);
	fence = sw_point(tl, 1);
	errno = 0;
	CHECK_EQ(read(fence, &c, 1), -1); /* pending: the socket would block */
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(write(fence, &c, 1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(read(tl, &c, 1), -1);
	CHECK_EQ(errno, EINVAL);
	close(fence);
	close(tl);
}

static void closing_a_timeline_fails_its_pending_fences_at_once(void)
{
	int tl = open("/sys/kernel/debug/sync/sw_sync", O_RDWR), fence;

	CHECK(tl >= 0);
	fence = sw_point(tl, 1);
	close(tl);
	CHECK_EQ(poll_once(fence, POLLIN, 0), POLLIN);
	CHECK_EQ(sync_status(fence), -ENOENT);
	close(fence);
}

/* --- an opaque syncobj fd in another process --- */

static void syncobj_child(void *arg)
{
	struct pipes *p = arg;
	int obj_fd = itest_recv_fd(p->sock[1], NULL), fd = itest_open(ITEST_RENDER);
	uint32_t h;
	uint32_t first = ~0u;

	CHECK_EQ(drmSyncobjFDToHandle(fd, obj_fd, &h), 0);
	close(obj_fd);
	/* no fence yet: without WAIT_FOR_SUBMIT that is EINVAL, with it ETIME */
	errno = 0;
	CHECK_EQ(drmSyncobjWait(fd, &h, 1, 0, 0, &first), -EINVAL);
	CHECK_EQ(drmSyncobjWait(fd, &h, 1, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first),
		 -ETIME);
	tell(p->to_parent[1], 'r');
	CHECK_EQ(drmSyncobjWait(fd, &h, 1, now_ns() + 30000000000ll,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first), 0);
	CHECK_EQ(first, 0);
	tell(p->to_parent[1], 'd');
	close(fd);
}

static void shared_syncobj_fd_waits_for_submit_in_another_process(void)
{
	struct pipes p;
	int fd = itest_open(ITEST_RENDER), obj_fd, tl = open("/dev/sw_sync", O_RDWR), fence;
	uint32_t h;
	pid_t pid;

	CHECK(tl >= 0);
	pipes_open(&p);
	CHECK_EQ(drmSyncobjCreate(fd, 0, &h), 0);
	CHECK_EQ(drmSyncobjHandleToFD(fd, h, &obj_fd), 0);
	pid = itest_fork(syncobj_child, &p);
	itest_send_fd(p.sock[0], obj_fd, 0);
	CHECK_EQ(hear(p.to_parent[0]), 'r');
	/* submitted, not signalled: the child still waits */
	fence = sw_point(tl, 1);
	CHECK_EQ(drmSyncobjImportSyncFile(fd, h, fence), 0);
	check_quiet(p.to_parent[0]);
	sw_inc(tl, 1);
	CHECK_EQ(hear(p.to_parent[0]), 'd');
	itest_wait_ok(pid);
	close(fence);
	close(tl);
	close(obj_fd);
	CHECK_EQ(drmSyncobjDestroy(fd, h), 0);
	close(fd);
}

/* --- timeline points: available before signalled --- */

static void timeline_child(void *arg)
{
	struct pipes *p = arg;
	int obj_fd = itest_recv_fd(p->sock[1], NULL), fd = itest_open(ITEST_RENDER);
	uint64_t point = 3, last = 0;
	uint32_t h;

	CHECK_EQ(drmSyncobjFDToHandle(fd, obj_fd, &h), 0);
	close(obj_fd);
	tell(p->to_parent[1], 'r');
	CHECK_EQ(drmSyncobjTimelineWait(fd, &h, &point, 1, now_ns() + 30000000000ll,
					DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL), 0);
	CHECK_EQ(drmSyncobjQuery(fd, &h, &last, 1), 0);
	CHECK_EQ(last, 2); /* 3 is there, not signalled */
	tell(p->to_parent[1], 'a');
	CHECK_EQ(drmSyncobjTimelineWait(fd, &h, &point, 1, now_ns() + 30000000000ll, 0, NULL), 0);
	CHECK_EQ(drmSyncobjQuery(fd, &h, &last, 1), 0);
	CHECK_EQ(last, 3);
	tell(p->to_parent[1], 'd');
	close(fd);
}

static void timeline_point_is_available_before_it_signals_in_another_process(void)
{
	struct pipes p;
	int fd = itest_open(ITEST_RENDER), obj_fd, tl = open("/dev/sw_sync", O_RDWR), fence;
	uint64_t points[2] = { 1, 2 };
	uint32_t h, hh[2], bin;
	pid_t pid;

	CHECK(tl >= 0);
	pipes_open(&p);
	CHECK_EQ(drmSyncobjCreate(fd, 0, &h), 0);
	CHECK_EQ(drmSyncobjHandleToFD(fd, h, &obj_fd), 0);
	pid = itest_fork(timeline_child, &p);
	itest_send_fd(p.sock[0], obj_fd, 0);
	CHECK_EQ(hear(p.to_parent[0]), 'r');
	hh[0] = hh[1] = h;
	CHECK_EQ(drmSyncobjTimelineSignal(fd, hh, points, 2), 0); /* points 1 and 2 */
	check_quiet(p.to_parent[0]);
	/* point 3: a pending sw_sync fence moved into the timeline */
	fence = sw_point(tl, 1);
	CHECK_EQ(drmSyncobjCreate(fd, 0, &bin), 0);
	CHECK_EQ(drmSyncobjImportSyncFile(fd, bin, fence), 0);
	CHECK_EQ(drmSyncobjTransfer(fd, h, 3, bin, 0, 0), 0);
	CHECK_EQ(hear(p.to_parent[0]), 'a');
	check_quiet(p.to_parent[0]);
	sw_inc(tl, 1);
	CHECK_EQ(hear(p.to_parent[0]), 'd');
	itest_wait_ok(pid);
	close(fence);
	close(tl);
	close(obj_fd);
	CHECK_EQ(drmSyncobjDestroy(fd, bin), 0);
	CHECK_EQ(drmSyncobjDestroy(fd, h), 0);
	close(fd);
}

/* --- across exec --- */

/* the new image: argv[2] is "FENCE:PIPE", both inherited */
static void sync_file_exec_image(void)
{
	char *end;
	int fence = (int)strtol(itest_argv[2], &end, 10), out;

	CHECK(*end == ':');
	out = (int)strtol(end + 1, NULL, 10);
	CHECK_EQ(sync_status(fence), 0);     /* recognised in the new image */
	CHECK_EQ(poll_once(fence, POLLIN, 0), 0);
	tell(out, 'r');
	CHECK_EQ(poll_once(fence, POLLIN, 30000), POLLIN);
	CHECK_EQ(sync_status(fence), 1);
}

static void run_sync_file_exec_image(void *arg)
{
	itest_exec_self("sync_file_exec_image", arg);
}

static void sync_file_inherited_across_exec_still_works(void)
{
	int tl = open("/dev/sw_sync", O_RDWR), fence, pp[2];
	char arg[32];
	pid_t pid;

	CHECK(tl >= 0);
	CHECK_EQ(pipe(pp), 0);
	fence = sw_point(tl, 1);
	CHECK_EQ(fcntl(fence, F_SETFD, 0), 0); /* sync_files are O_CLOEXEC */
	snprintf(arg, sizeof(arg), "%d:%d", fence, pp[1]);
	pid = itest_fork(run_sync_file_exec_image, arg);
	CHECK_EQ(hear(pp[0]), 'r');
	sw_inc(tl, 1);
	itest_wait_ok(pid);
	close(fence);
	close(tl);
}

/* --- signals interrupt waits; libdrm restarts them --- */

static volatile sig_atomic_t interrupted;
static int interrupted_pipe = -1;

static void on_usr1(int sig)
{
	char c = 'i';

	(void)sig;
	interrupted++;
	if (write(interrupted_pipe, &c, 1) < 0)
		_exit(4);
}

static void restarted_waiter(void *arg)
{
	struct pipes *p = arg;
	struct sigaction sa = { .sa_handler = on_usr1 };  /* no SA_RESTART */
	int obj_fd = itest_recv_fd(p->sock[1], NULL), fd = itest_open(ITEST_RENDER);
	uint32_t h;

	interrupted_pipe = p->to_parent[1];
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	CHECK_EQ(drmSyncobjFDToHandle(fd, obj_fd, &h), 0);
	close(obj_fd);
	tell(p->to_parent[1], 'r');
	/* drmIoctl() restarts on EINTR with the same absolute deadline */
	CHECK_EQ(drmSyncobjWait(fd, &h, 1, now_ns() + 30000000000ll,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL), 0);
	CHECK_EQ(interrupted, 3);
	close(fd);
}

static void wait_until_parked(int fd, uint64_t n)
{
	struct drm_fakedri_device_stats st;

	for (unsigned i = 0;; i++) {
		itest_stats(fd, &st);
		if (st.waiters == n)
			return;
		CHECK(i < 1000000);
		sched_yield();
	}
}

static void signals_interrupt_a_wait_and_libdrm_restarts_it(void)
{
	struct pipes p;
	int fd = itest_open(ITEST_RENDER), obj_fd;
	uint32_t h;
	pid_t pid;

	pipes_open(&p);
	CHECK_EQ(drmSyncobjCreate(fd, 0, &h), 0);
	CHECK_EQ(drmSyncobjHandleToFD(fd, h, &obj_fd), 0);
	pid = itest_fork(restarted_waiter, &p);
	itest_send_fd(p.sock[0], obj_fd, 0);
	CHECK_EQ(hear(p.to_parent[0]), 'r');
	for (int i = 0; i < 3; i++) {
		/* the first time surely in the wait; later ones perhaps in
		 * its restart: EINTR from either is restarted the same way */
		wait_until_parked(fd, 1);
		CHECK_EQ(kill(pid, SIGUSR1), 0);
		CHECK_EQ(hear(p.to_parent[0]), 'i');
	}
	CHECK_EQ(drmSyncobjSignal(fd, &h, 1), 0);
	itest_wait_ok(pid);
	close(obj_fd);
	CHECK_EQ(drmSyncobjDestroy(fd, h), 0);
	close(fd);
}

/* --- two threads on one fd --- */

struct waiter {
	int fd;
	uint32_t h;
	int ret;
	int ready[2];
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	tell(w->ready[1], 'r');
	w->ret = drmSyncobjWait(w->fd, &w->h, 1, now_ns() + 30000000000ll,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL);
	tell(w->ready[1], 'd');
	return NULL;
}

static void one_thread_waits_while_another_signals_through_the_same_fd(void)
{
	struct waiter w = { .fd = itest_open(ITEST_RENDER), .ret = -1 };
	pthread_t t;

	CHECK_EQ(pipe(w.ready), 0);
	CHECK_EQ(drmSyncobjCreate(w.fd, 0, &w.h), 0);
	CHECK_EQ(pthread_create(&t, NULL, wait_thread, &w), 0);
	CHECK_EQ(hear(w.ready[0]), 'r');
	check_quiet(w.ready[0]);
	CHECK_EQ(drmSyncobjSignal(w.fd, &w.h, 1), 0);
	CHECK_EQ(hear(w.ready[0]), 'd');
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(w.ret, 0);
	close(w.fd);
}

/* --- a client killed while waiting --- */

static void doomed_waiter(void *arg)
{
	struct pipes *p = arg;
	int fd = itest_open(ITEST_RENDER);
	uint32_t h;

	CHECK_EQ(drmSyncobjCreate(fd, 0, &h), 0);
	tell(p->to_parent[1], 'r');
	drmSyncobjWait(fd, &h, 1, INT64_MAX, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL);
	_exit(3); /* never: it is killed */
}

static void client_killed_while_waiting_leaves_nothing_behind(void)
{
	struct drm_fakedri_device_stats st;
	struct pipes p;
	int watcher = itest_open(ITEST_CARD), fresh, status;
	pid_t pid;

	pipes_open(&p);
	pid = itest_fork(doomed_waiter, &p);
	CHECK_EQ(hear(p.to_parent[0]), 'r');
	/* killed mid-wait: once the daemon has parked its call */
	for (unsigned i = 0;; i++) {
		itest_stats(watcher, &st);
		if (st.waiters == 1)
			break;
		CHECK(i < 1000000);
		sched_yield();
	}
	CHECK_EQ(st.fences, 0);      /* it waits for submission */
	CHECK_EQ(kill(pid, SIGKILL), 0);
	status = itest_wait(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	fresh = itest_open(ITEST_RENDER);
	itest_stats(fresh, &st);
	CHECK_EQ(st.files, 2);
	CHECK_EQ(st.objects, 0);
	CHECK_EQ(st.waiters, 0);   /* its parked wait was cancelled */
	CHECK_EQ(st.fences, 0);
	CHECK_EQ(st.fence_fds, 0);
	close(fresh);
	close(watcher);
	itest_check_device_clean();
}

/* --- vgem fences on a dma-buf --- */

static uint32_t vgem_attach(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_vgem_fence_attach a = { .handle = handle, .flags = flags };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &a), 0);
	return a.out_fence;
}

static void vgem_signal(int fd, uint32_t fence)
{
	struct drm_vgem_fence_signal s = { .fence = fence };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s), 0);
}

static int vgem_dmabuf(int fd, uint32_t *handle)
{
	uint64_t size;
	int buf;

	*handle = itest_dumb_create(fd, 64, 64, &size);
	CHECK_EQ(drmPrimeHandleToFD(fd, *handle, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	return buf;
}

static void cpu_access_child(void *arg)
{
	struct pipes *p = arg;
	int buf = itest_recv_fd(p->sock[1], NULL);
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };

	tell(p->to_parent[1], 'r');
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), 0);
	tell(p->to_parent[1], 'd');
	CHECK_EQ(poll_once(buf, POLLIN, 0), POLLIN);
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), 0);
	close(buf);
}

static void dmabuf_sync_blocks_until_a_vgem_fence_signals_from_another_process(void)
{
	struct pipes p;
	int fd = itest_open(ITEST_CARD), buf;
	uint32_t handle, fence;
	pid_t pid;

	pipes_open(&p);
	buf = vgem_dmabuf(fd, &handle);
	fence = vgem_attach(fd, handle, VGEM_FENCE_WRITE);
	pid = itest_fork(cpu_access_child, &p);
	itest_send_fd(p.sock[0], buf, 0);
	CHECK_EQ(hear(p.to_parent[0]), 'r');
	check_quiet(p.to_parent[0]);
	vgem_signal(fd, fence);
	CHECK_EQ(hear(p.to_parent[0]), 'd');
	itest_wait_ok(pid);
	close(buf);
	itest_gem_close(fd, handle);
	close(fd);
}

static uint32_t epoll_events(int ep)
{
	struct epoll_event ev = { 0 };
	int n = epoll_wait(ep, &ev, 1, 0);

	CHECK(n >= 0);
	return n ? ev.events : 0;
}

static void epoll_on_a_dmabuf_follows_its_fences(void)
{
	int fd = itest_open(ITEST_CARD), buf, ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = 42 };
	uint32_t handle, rfence, wfence;

	CHECK(ep >= 0);
	buf = vgem_dmabuf(fd, &handle);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, buf, &ev), 0);
	CHECK_EQ(epoll_events(ep), EPOLLIN | EPOLLOUT); /* idle */
	rfence = vgem_attach(fd, handle, 0);
	CHECK_EQ(epoll_events(ep), EPOLLIN);            /* a reader: readable only */
	vgem_signal(fd, rfence);
	CHECK_EQ(epoll_events(ep), EPOLLIN | EPOLLOUT);
	wfence = vgem_attach(fd, handle, VGEM_FENCE_WRITE);
	CHECK_EQ(epoll_events(ep), 0);                  /* a writer: neither */
	vgem_signal(fd, wfence);
	CHECK_EQ(epoll_events(ep), EPOLLIN | EPOLLOUT);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, buf, NULL), 0);
	close(ep);
	close(buf);
	itest_gem_close(fd, handle);
	close(fd);
}

/* What select() says of @fd now: bit 1 readable, bit 2 writable. */
static int select_now(int fd)
{
	struct timeval tv = { 0, 0 };
	fd_set r, w;
	int n, got;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	n = select(fd + 1, &r, &w, NULL, &tv);
	CHECK(n >= 0);
	got = (FD_ISSET(fd, &r) ? 1 : 0) | (FD_ISSET(fd, &w) ? 2 : 0);
	CHECK_EQ(n, __builtin_popcount((unsigned)got));
	return got;
}

static void select_on_a_dmabuf_follows_its_fences(void)
{
	int fd = itest_open(ITEST_CARD), buf;
	uint32_t handle, fence;

	buf = vgem_dmabuf(fd, &handle);
	CHECK_EQ(select_now(buf), 3);   /* idle */
	fence = vgem_attach(fd, handle, 0);
	CHECK_EQ(select_now(buf), 1);   /* a reader: readable only */
	vgem_signal(fd, fence);
	fence = vgem_attach(fd, handle, VGEM_FENCE_WRITE);
	CHECK_EQ(select_now(buf), 0);   /* a writer: neither */
	vgem_signal(fd, fence);
	CHECK_EQ(select_now(buf), 3);
	close(buf);
	itest_gem_close(fd, handle);
	close(fd);
}

static void poll_only_child(void *arg)
{
	struct pipes *p = arg;
	int buf = itest_recv_fd(p->sock[1], NULL);

	/* nothing but poll on a dma-buf that came by SCM_RIGHTS */
	CHECK_EQ(poll_once(buf, POLLIN | POLLOUT, 0), 0);
	tell(p->to_parent[1], 'r');
	CHECK_EQ(poll_once(buf, POLLIN, 30000), POLLIN);
	close(buf);
}

static void received_dmabuf_polled_at_once_shows_its_fences(void)
{
	struct pipes p;
	int fd = itest_open(ITEST_CARD), buf;
	uint32_t handle, fence;
	pid_t pid;

	pipes_open(&p);
	buf = vgem_dmabuf(fd, &handle);
	fence = vgem_attach(fd, handle, VGEM_FENCE_WRITE);
	pid = itest_fork(poll_only_child, &p);
	itest_send_fd(p.sock[0], buf, 0);
	CHECK_EQ(hear(p.to_parent[0]), 'r');
	vgem_signal(fd, fence);
	itest_wait_ok(pid);
	close(buf);
	itest_gem_close(fd, handle);
	close(fd);
}

/* Under `--vgem-fence-timeout 50`: a fence nobody signals signals itself,
 * and signalling it afterwards is ETIMEDOUT, as vgem's 10 s timeout. */
static void unsignalled_vgem_fence_times_out_by_itself(void)
{
	int fd = itest_open(ITEST_CARD), buf;
	struct drm_vgem_fence_signal s = { 0 };
	uint32_t handle;

	buf = vgem_dmabuf(fd, &handle);
	s.fence = vgem_attach(fd, handle, VGEM_FENCE_WRITE);
	CHECK_EQ(poll_once(buf, POLLIN, 0), 0);
	CHECK_EQ(poll_once(buf, POLLIN, 30000), POLLIN); /* the timeout's signal */
	errno = 0;
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s), -1);
	CHECK_EQ(errno, ENOENT); /* consumed */
	close(buf);
	itest_gem_close(fd, handle);
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "unsignalled_sync_file_wakes_another_process_when_the_timeline_advances",
		  unsignalled_sync_file_wakes_another_process_when_the_timeline_advances },
		{ "fence_fds_cannot_be_read_or_written", fence_fds_cannot_be_read_or_written },
		{ "closing_a_timeline_fails_its_pending_fences_at_once",
		  closing_a_timeline_fails_its_pending_fences_at_once },
		{ "shared_syncobj_fd_waits_for_submit_in_another_process",
		  shared_syncobj_fd_waits_for_submit_in_another_process },
		{ "timeline_point_is_available_before_it_signals_in_another_process",
		  timeline_point_is_available_before_it_signals_in_another_process },
		{ "sync_file_exec_image", sync_file_exec_image },
		{ "sync_file_inherited_across_exec_still_works",
		  sync_file_inherited_across_exec_still_works },
		{ "signals_interrupt_a_wait_and_libdrm_restarts_it",
		  signals_interrupt_a_wait_and_libdrm_restarts_it },
		{ "one_thread_waits_while_another_signals_through_the_same_fd",
		  one_thread_waits_while_another_signals_through_the_same_fd },
		{ "client_killed_while_waiting_leaves_nothing_behind",
		  client_killed_while_waiting_leaves_nothing_behind },
		{ "dmabuf_sync_blocks_until_a_vgem_fence_signals_from_another_process",
		  dmabuf_sync_blocks_until_a_vgem_fence_signals_from_another_process },
		{ "epoll_on_a_dmabuf_follows_its_fences", epoll_on_a_dmabuf_follows_its_fences },
		{ "select_on_a_dmabuf_follows_its_fences", select_on_a_dmabuf_follows_its_fences },
		{ "received_dmabuf_polled_at_once_shows_its_fences",
		  received_dmabuf_polled_at_once_shows_its_fences },
		{ "unsignalled_vgem_fence_times_out_by_itself",
		  unsignalled_vgem_fence_times_out_by_itself },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
