/*
 * test_gpu.c - the simulated GPU (docs/gpu.md) seen by real processes
 * through libdrm: jobs that fill and copy shared buffers later, and every
 * way a consumer can wait for them (dma-buf poll, DMA_BUF_IOCTL_SYNC, a
 * sync_file, a timeline syncobj, GEM_WAIT), across processes and devices.
 *
 * Jobs that must not run yet are held back by a sw_sync point (the shim's
 * /dev/sw_sync) given as their in-fence, so what a reader sees before the
 * write is deterministic; nothing sleeps.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "fdri_vgem_abi.h"

#define BO_SIZE 4096u
#define PATTERN 0x11223344u

/* A held-back job's gate: a sw_sync timeline and its point 1. */
struct gate {
	int timeline, fence;
};

static void gate_open(struct gate *g)
{
	struct sw_create_fence c = { .value = 1 };

	g->timeline = open("/dev/sw_sync", O_RDWR | O_CLOEXEC);
	CHECK(g->timeline >= 0);
	CHECK_EQ(ioctl(g->timeline, SW_CREATE_FENCE, &c), 0);
	g->fence = c.fence;
}

static void gate_release(struct gate *g)
{
	uint32_t one = 1;

	CHECK_EQ(ioctl(g->timeline, SW_INC, &one), 0);
	close(g->timeline);
	close(g->fence);
}

static uint32_t ctx_create(int fd)
{
	struct drm_fakedri_ctx_create c = { 0 };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), 0);
	return c.ctx_id;
}

struct job {
	uint32_t ctx, queue, flags;
	int fence_fd;
	uint64_t duration_ns;
	struct drm_fakedri_submit_bo bos[4];
	uint32_t nbos;
	struct drm_fakedri_submit_syncobj syncobjs[4];
	uint32_t nsyncobjs;
	struct drm_fakedri_submit_cmd cmds[4];
	uint32_t ncmds;
};

/* Submits @j; returns the out sync_file with FENCE_FD_OUT, else -1. */
static int submit(int fd, struct job *j)
{
	struct drm_fakedri_submit s = {
		.flags = j->flags, .ctx_id = j->ctx, .queue = j->queue,
		.fence_fd = (j->flags & FAKEDRI_SUBMIT_FENCE_FD_IN) ? j->fence_fd : -1,
		.duration_ns = j->duration_ns,
		.bos = (uintptr_t)j->bos, .nr_bos = j->nbos,
		.syncobjs = (uintptr_t)j->syncobjs, .nr_syncobjs = j->nsyncobjs,
		.cmds = (uintptr_t)j->cmds, .nr_cmds = j->ncmds,
	};

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_SUBMIT, &s), 0);
	return (j->flags & FAKEDRI_SUBMIT_FENCE_FD_OUT) ? s.fence_fd : -1;
}

/* A job filling the whole of @handle with PATTERN after @ns. */
static void fill_job(struct job *j, uint32_t ctx, uint32_t handle, uint64_t ns)
{
	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->fence_fd = -1;
	j->duration_ns = ns;
	j->bos[0] = (struct drm_fakedri_submit_bo){ handle, FAKEDRI_SUBMIT_BO_WRITE };
	j->nbos = 1;
	j->cmds[0] = (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL, .dst_bo = 0,
						     .length = BO_SIZE, .value = PATTERN };
	j->ncmds = 1;
}

static bool all_words(const void *p, uint32_t word)
{
	const uint32_t *w = p;

	for (unsigned i = 0; i < BO_SIZE / 4; i++)
		if (w[i] != word)
			return false;
	return true;
}

static void *map_dmabuf(int buf)
{
	void *p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* --- a producer and a consumer of one shared buffer --- */

struct pair {
	int sock[2];
};

static void pair_open(struct pair *p)
{
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->sock), 0);
}

/* The producer: a BO shared as a dma-buf, with a context. */
struct producer {
	int fd;
	uint32_t handle, ctx;
	int dmabuf;
};

static void producer_open(struct producer *pr)
{
	pr->fd = itest_open(ITEST_RENDER);
	pr->handle = itest_gem_create(pr->fd, BO_SIZE);
	pr->ctx = ctx_create(pr->fd);
	CHECK_EQ(drmPrimeHandleToFD(pr->fd, pr->handle, DRM_CLOEXEC | DRM_RDWR, &pr->dmabuf), 0);
}

static void polling_consumer(void *arg)
{
	struct pair *p = arg;
	int buf = itest_recv_fd(p->sock[1], NULL);
	struct pollfd pfd = { .fd = buf, .events = POLLIN };
	void *map;

	/* readable once the pending write is done (dma_buf_poll) */
	CHECK_EQ(poll(&pfd, 1, -1), 1);
	CHECK(pfd.revents & POLLIN);
	map = map_dmabuf(buf);
	CHECK(all_words(map, PATTERN));
}

static void a_consumer_polling_the_dmabuf_sees_the_data(void)
{
	struct producer pr;
	struct pair p;
	struct job j;
	pid_t pid;

	producer_open(&pr);
	pair_open(&p);
	pid = itest_fork(polling_consumer, &p);
	fill_job(&j, pr.ctx, pr.handle, 50000000); /* 50 ms */
	submit(pr.fd, &j);
	itest_send_fd(p.sock[0], pr.dmabuf, 0);
	itest_wait_ok(pid);
	close(pr.fd);
}

/* Reads at once, tells what it saw, then waits and reads again. */
static void hasty_consumer(void *arg)
{
	struct pair *p = arg;
	uint64_t want;
	int buf = itest_recv_fd(p->sock[1], &want);
	struct pollfd pfd = { .fd = buf, .events = POLLIN };
	uint32_t *map = map_dmabuf(buf);
	char c = 'r';

	CHECK(all_words(map, (uint32_t)want));
	/* and the buffer is busy: not readable yet */
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	itest_write(p->sock[1], &c, 1);
	CHECK_EQ(poll(&pfd, 1, -1), 1);
	CHECK(all_words(map, PATTERN));
}

/* The job is held back; a reader that did not wait sees @expect. */
static void reader_that_did_not_wait(uint32_t expect)
{
	struct producer pr;
	struct pair p;
	struct gate g;
	struct job j;
	pid_t pid;
	char c;

	producer_open(&pr);
	pair_open(&p);
	gate_open(&g);
	pid = itest_fork(hasty_consumer, &p);
	fill_job(&j, pr.ctx, pr.handle, 50000000);
	j.flags = FAKEDRI_SUBMIT_FENCE_FD_IN;
	j.fence_fd = g.fence;
	submit(pr.fd, &j);
	itest_send_fd(p.sock[0], pr.dmabuf, expect);
	itest_read(p.sock[0], &c, 1);
	gate_release(&g);
	itest_wait_ok(pid);
	close(pr.fd);
}

static void a_consumer_reading_at_once_sees_zeros(void)
{
	reader_that_did_not_wait(0);
}

/* run with --poison */
static void a_consumer_reading_at_once_sees_the_poison(void)
{
	struct drm_fakedri_get_param gp = { .param = FAKEDRI_PARAM_POISON };
	int fd = itest_open(ITEST_RENDER);

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GET_PARAM, &gp), 0);
	CHECK_EQ(gp.value, FAKEDRI_POISON);
	close(fd);
	reader_that_did_not_wait(FAKEDRI_POISON);
}

static uint64_t parked(int fd)
{
	struct drm_fakedri_device_stats st;

	itest_stats(fd, &st);
	return st.waiters;
}

static void sync_consumer(void *arg)
{
	struct pair *p = arg;
	int buf = itest_recv_fd(p->sock[1], NULL);
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	uint32_t *map = map_dmabuf(buf);

	/* blocks in the daemon until the job's write is done */
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), 0);
	CHECK(all_words(map, PATTERN));
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), 0);
}

static void dmabuf_sync_start_blocks_until_the_write_is_done(void)
{
	struct producer pr;
	struct pair p;
	struct gate g;
	struct job j;
	pid_t pid;

	producer_open(&pr);
	pair_open(&p);
	gate_open(&g);
	fill_job(&j, pr.ctx, pr.handle, 1000000);
	j.flags = FAKEDRI_SUBMIT_FENCE_FD_IN;
	j.fence_fd = g.fence;
	submit(pr.fd, &j);
	pid = itest_fork(sync_consumer, &p);
	itest_send_fd(p.sock[0], pr.dmabuf, 0);
	/* the consumer's SYNC waits in the daemon: release the job then */
	for (unsigned i = 0; parked(pr.fd) == 0; i++) {
		CHECK(i < 10000000);
		sched_yield();
	}
	gate_release(&g);
	itest_wait_ok(pid);
	close(pr.fd);
}

static void fence_consumer(void *arg)
{
	struct pair *p = arg;
	int fence = itest_recv_fd(p->sock[1], NULL);
	int buf = itest_recv_fd(p->sock[1], NULL);
	struct pollfd pfd = { .fd = fence, .events = POLLIN };
	uint32_t *map = map_dmabuf(buf);

	CHECK_EQ(poll(&pfd, 1, -1), 1);
	CHECK(all_words(map, PATTERN));
}

static void a_third_process_waits_on_the_exported_sync_file(void)
{
	struct producer pr;
	struct pair p;
	struct gate g;
	struct job j;
	int out;
	pid_t pid;

	producer_open(&pr);
	pair_open(&p);
	gate_open(&g);
	fill_job(&j, pr.ctx, pr.handle, 1000000);
	j.flags = FAKEDRI_SUBMIT_FENCE_FD_IN | FAKEDRI_SUBMIT_FENCE_FD_OUT;
	j.fence_fd = g.fence;
	out = submit(pr.fd, &j);
	CHECK(out >= 0);
	pid = itest_fork(fence_consumer, &p);
	itest_send_fd(p.sock[0], out, 0);
	itest_send_fd(p.sock[0], pr.dmabuf, 0);
	gate_release(&g);
	itest_wait_ok(pid);
	close(out);
	close(pr.fd);
}

/* run with --device fakedri,queues=3: job q reads word q-1 and writes word
 * q (+1), and stamps its completion time, each waiting for point q of one
 * timeline syncobj and signalling point q + 1. */
static void a_timeline_syncobj_chains_three_jobs_on_three_queues(void)
{
	int fd = itest_open(ITEST_RENDER);
	uint32_t bo = itest_gem_create(fd, BO_SIZE), ctx = ctx_create(fd), tl;
	struct drm_fakedri_get_param gp = { .param = FAKEDRI_PARAM_NUM_QUEUES };
	uint64_t *words = itest_gem_map(fd, bo, BO_SIZE), point = 3;

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GET_PARAM, &gp), 0);
	CHECK_EQ(gp.value, 3);
	CHECK_EQ(drmSyncobjCreate(fd, 0, &tl), 0);
	/* without implicit sync, on three queues: only the timeline orders
	 * them (a WAIT needs its point submitted, so they go in in order) */
	for (int q = 0; q <= 2; q++) {
		struct job j = { .ctx = ctx, .queue = (uint32_t)q, .fence_fd = -1,
				 .flags = FAKEDRI_SUBMIT_NO_IMPLICIT, .duration_ns = 1000000 };

		j.bos[0] = (struct drm_fakedri_submit_bo){ bo, FAKEDRI_SUBMIT_BO_READ |
								FAKEDRI_SUBMIT_BO_WRITE };
		j.nbos = 1;
		if (q > 0)
			j.syncobjs[j.nsyncobjs++] = (struct drm_fakedri_submit_syncobj){
				tl, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, (uint64_t)q };
		j.syncobjs[j.nsyncobjs++] = (struct drm_fakedri_submit_syncobj){
			tl, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, (uint64_t)q + 1 };
		/* word q + 1 = word q, then the completion time in word 8 + q */
		j.cmds[j.ncmds++] = (struct drm_fakedri_submit_cmd){
			.op = FAKEDRI_CMD_COPY, .dst_bo = 0, .dst_offset = 8 * ((uint64_t)q + 1),
			.src_bo = 0, .src_offset = 8 * (uint64_t)q, .length = 8 };
		j.cmds[j.ncmds++] = (struct drm_fakedri_submit_cmd){
			.op = FAKEDRI_CMD_TIMESTAMP, .dst_bo = 0, .dst_offset = 64 + 8 * (uint64_t)q };
		if (q == 0)
			words[0] = 0x5eed; /* before the first job can complete */
		submit(fd, &j);
	}
	CHECK_EQ(drmSyncobjTimelineWait(fd, &tl, &point, 1, INT64_MAX, 0, NULL), 0);
	/* the seed travelled through all three, in order */
	CHECK_EQ(words[3], 0x5eed);
	CHECK(words[8] && words[8] < words[9] && words[9] < words[10]);
	close(fd);
}

static void gem_wait_times_out_then_succeeds(void)
{
	struct producer pr;
	struct drm_fakedri_gem_wait w;
	struct gate g;
	struct job j;

	producer_open(&pr);
	gate_open(&g);
	fill_job(&j, pr.ctx, pr.handle, 1000000);
	j.flags = FAKEDRI_SUBMIT_FENCE_FD_IN;
	j.fence_fd = g.fence;
	submit(pr.fd, &j);
	w = (struct drm_fakedri_gem_wait){ .handle = pr.handle, .timeout_ns = 0 };
	CHECK_ERR(drmIoctl(pr.fd, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w), ETIME);
	w = (struct drm_fakedri_gem_wait){ .handle = pr.handle, .timeout_ns = 20000000 };
	CHECK_ERR(drmIoctl(pr.fd, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w), ETIME);
	CHECK_EQ(w.timeout_ns, 0);
	gate_release(&g);
	w = (struct drm_fakedri_gem_wait){ .handle = pr.handle, .timeout_ns = 30000000000ll };
	CHECK_EQ(drmIoctl(pr.fd, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w), 0);
	CHECK(w.timeout_ns > 0 && w.timeout_ns <= 30000000000ll);
	CHECK(all_words(itest_gem_map(pr.fd, pr.handle, BO_SIZE), PATTERN));
	close(pr.fd);
}

/* run with --device vgem --device fakedri: device 0 is vgem, 1 fakedri */
static void a_vgem_fence_holds_back_a_job_that_reads_the_buffer(void)
{
	int vgem = itest_open("/dev/dri/card0");
	int fd = itest_open("/dev/dri/renderD129");
	uint64_t size;
	uint32_t vbo = itest_dumb_create(vgem, 32, 32, &size), src, dst, ctx = ctx_create(fd);
	struct drm_vgem_fence_attach a = { .handle = vbo, .flags = VGEM_FENCE_WRITE };
	struct drm_vgem_fence_signal s;
	struct drm_fakedri_gem_wait w;
	struct job j = { .ctx = ctx, .fence_fd = -1, .duration_ns = 0 };
	uint32_t *in, *out;
	int buf;

	CHECK_EQ(size, BO_SIZE);
	CHECK_EQ(drmPrimeHandleToFD(vgem, vbo, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	in = map_dmabuf(buf);
	for (unsigned i = 0; i < BO_SIZE / 4; i++)
		in[i] = PATTERN;
	CHECK_EQ(drmIoctl(vgem, DRM_IOCTL_VGEM_FENCE_ATTACH, &a), 0);
	CHECK_EQ(drmPrimeFDToHandle(fd, buf, &src), 0);
	dst = itest_gem_create(fd, BO_SIZE);
	j.bos[0] = (struct drm_fakedri_submit_bo){ src, FAKEDRI_SUBMIT_BO_READ };
	j.bos[1] = (struct drm_fakedri_submit_bo){ dst, FAKEDRI_SUBMIT_BO_WRITE };
	j.nbos = 2;
	j.cmds[0] = (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_COPY, .dst_bo = 1,
						    .src_bo = 0, .length = BO_SIZE };
	j.ncmds = 1;
	submit(fd, &j);
	/* a job of no duration, and still busy a while later: held back */
	w = (struct drm_fakedri_gem_wait){ .handle = dst, .timeout_ns = 100000000 };
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w), ETIME);
	s = (struct drm_vgem_fence_signal){ .fence = a.out_fence };
	CHECK_EQ(drmIoctl(vgem, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s), 0);
	w = (struct drm_fakedri_gem_wait){ .handle = dst, .timeout_ns = -1 };
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w), 0);
	out = itest_gem_map(fd, dst, BO_SIZE);
	CHECK(all_words(out, PATTERN));
	close(buf);
	close(fd);
	close(vgem);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "a_consumer_polling_the_dmabuf_sees_the_data", a_consumer_polling_the_dmabuf_sees_the_data },
		{ "a_consumer_reading_at_once_sees_zeros", a_consumer_reading_at_once_sees_zeros },
		{ "a_consumer_reading_at_once_sees_the_poison", a_consumer_reading_at_once_sees_the_poison },
		{ "dmabuf_sync_start_blocks_until_the_write_is_done", dmabuf_sync_start_blocks_until_the_write_is_done },
		{ "a_third_process_waits_on_the_exported_sync_file", a_third_process_waits_on_the_exported_sync_file },
		{ "a_timeline_syncobj_chains_three_jobs_on_three_queues", a_timeline_syncobj_chains_three_jobs_on_three_queues },
		{ "gem_wait_times_out_then_succeeds", gem_wait_times_out_then_succeeds },
		{ "a_vgem_fence_holds_back_a_job_that_reads_the_buffer", a_vgem_fence_holds_back_a_job_that_reads_the_buffer },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
