/*
 * bench_gpu.c - GPU jobs under load: 8 client processes, each with its own
 * DRM file, context and buffers, submit JOBS jobs each (default 160, so
 * 1280 in all) across the device's 4 queues as fast as they can, then wait
 * for them; the parent samples DEVICE_STATS.jobs to see how many were in
 * flight at once. Run it under `fakedri run` with 4 queues:
 *
 *   build/bin/fakedri run --device fakedri,queues=4 -- build/tests/bench/bench_gpu [--quick] [JOBS]
 *
 * A process's jobs form two chains, alternating: job k belongs to chain
 * k % 2 and runs on queue (process + k) % 4, so each chain crosses two
 * queues and every queue carries jobs of every process.
 * - Chain 0 is ordered explicitly: with NO_IMPLICIT, its i-th job waits for
 *   point i of the chain's timeline syncobj (i > 0).
 * - Chain 1 is ordered implicitly: each job writes the chain's buffer, so
 *   it waits for the one before; every 4th also waits for point i + 1 of
 *   chain 0's timeline (a cross-chain dependency).
 * - Every job signals point i + 1 of its chain's timeline, asks for its
 *   fence as a sync_file (FENCE_FD_OUT), and runs DURATION; its commands
 *   WRITE64 a tag (process, job) into its slot of the chain's buffer and
 *   TIMESTAMP its completion next to it.
 *
 * Checked (exit 1 otherwise): every slot holds its tag (every job ran);
 * along a chain, and after a cross-chain dependency, a completion time is
 * at least the previous one plus the duration (dependency order); on each
 * queue the jobs of all processes, sorted by fence seqno, have consecutive
 * seqnos (after the idle probes') without a gap or a repeat and complete at least a duration apart
 * (the queue's order); every job's sync_file reports its fence signalled
 * without error, at or after its commands' timestamp, with the seqno and
 * queue SUBMIT returned; every point of both timelines has signalled and
 * each timeline's payload is its last point (no point skipped or added);
 * DEVICE_STATS.jobs reached 1000 at some sample (half the jobs with
 * --quick).
 * Afterwards, with every child gone, DEVICE_STATS on a fresh fd has
 * objects, fences, jobs, fence_fds and files back at the baseline taken
 * before anything ran.
 *
 * Measured: jobs per second (jobs over the time from the start signal to
 * the last completion), against the bound the 4 queues allow (all
 * durations / 4); and, on an otherwise idle device, the submit-to-complete
 * overhead beyond the simulated duration of jobs without dependencies on
 * an idle queue: the TIMESTAMP command's value, and the return of a poll()
 * on the job's sync_file, each minus the time just before SUBMIT minus the
 * duration; p50/p99 in us and as ratios to the transport floor of
 * bench_floor.c (spinning, median of batches before and after).
 *
 * --quick: 40 jobs a process, 2 ms each, 50 idle probes, for ctest (label
 * bench). Nothing sleeps: processes synchronise with fences and pipes.
 * Owns its children, their fds and the shared mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sync_file.h>

#include <xf86drm.h>

#include "fakedri_drm.h"
#include "bench_floor.h"
#include "bench_util.h"

#define NPROCS 8
#define NQUEUES 4
#define NCHAINS 2
#define XDEP_EVERY 4		/* chain 1's job i waits for chain 0's job i when i % 4 == 3 */
#define WAIT_TIMEOUT_NS 60000000000LL
#define FLOOR_BATCHES 9
#define SLOT 16			/* per job in its chain's buffer: tag, timestamp */
#define TAG(p, k) (0x6a6f6200000000ull | ((uint64_t)(p) << 24) | (uint64_t)(k))

/* One job, filled in by its process. */
struct rec {
	uint32_t queue;
	int32_t status;		/* the sync_file's */
	uint64_t seqno;		/* SUBMIT's */
	uint64_t info_seqno;	/* from the sync_file's name */
	int64_t t_submit;	/* just before SUBMIT */
	int64_t ts_cmd;		/* the TIMESTAMP command's */
	int64_t ts_signal;	/* the fence's, from SYNC_IOC_FILE_INFO */
	uint64_t tag;		/* what WRITE64 left in the slot */
	bool queue_name_ok;
};

static struct rec *recs;	/* NPROCS * njobs, shared */
static long njobs;		/* per process */
static uint64_t duration_ns;
static int ready_pipe[2], go_pipe[2], sub_pipe[2];

static uint32_t ctx_create(int fd)
{
	struct drm_fakedri_ctx_create c = { 0 };

	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c) == 0);
	return c.ctx_id;
}

static void ctx_destroy(int fd, uint32_t ctx)
{
	struct drm_fakedri_ctx_destroy d = { .ctx_id = ctx };

	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d) == 0);
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

static int submit(int fd, struct drm_fakedri_submit *s, uint64_t *seqno)
{
	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_SUBMIT, s) == 0);
	*seqno = s->seqno;
	return s->fence_fd;
}

/* The one fence of sync_file @sf: its status and signal time into @r,
 * its seqno from the sync_file's name ("fakedri-queue<q><ctx>-<seqno>"). */
static void fence_info(int sf, struct rec *r)
{
	struct sync_fence_info fi;
	struct sync_file_info info;
	const char *dash;
	char want[32];

	memset(&fi, 0, sizeof(fi));
	memset(&info, 0, sizeof(info));
	info.num_fences = 1;
	info.sync_fence_info = (uint64_t)(uintptr_t)&fi;
	CHECK(ioctl(sf, SYNC_IOC_FILE_INFO, &info) == 0 && info.num_fences == 1);
	r->status = fi.status;
	r->ts_signal = (int64_t)fi.timestamp_ns;
	snprintf(want, sizeof(want), "queue%u", r->queue);
	r->queue_name_ok = strcmp(fi.driver_name, "fakedri") == 0 && strcmp(fi.obj_name, want) == 0;
	dash = strrchr(info.name, '-');
	r->info_seqno = dash ? strtoull(dash + 1, NULL, 10) : 0;
}

/* --- the clients --- */

static void client(int p)
{
	uint64_t nslots = ((uint64_t)njobs + 1) / 2;
	uint64_t size = (nslots * SLOT + 4095) & ~4095ull;
	struct rec *r = recs + (long)p * njobs;
	uint32_t bo[NCHAINS], tl[NCHAINS], ctx;
	uint64_t last[NCHAINS] = { 0 };
	uint64_t *slot[NCHAINS];
	int *sf;
	int fd;
	unsigned char c;

	close(ready_pipe[0]);
	close(go_pipe[1]);
	close(sub_pipe[0]);
	sf = calloc((size_t)njobs, sizeof(int));
	CHECK(sf);
	fd = open_render();
	ctx = ctx_create(fd);
	for (int ch = 0; ch < NCHAINS; ch++) {
		bo[ch] = bo_create(fd, size);
		slot[ch] = bo_map(fd, bo[ch], size);
		CHECK(drmSyncobjCreate(fd, 0, &tl[ch]) == 0);
	}
	put_byte(ready_pipe[1], 'r');
	close(ready_pipe[1]);
	get_byte(go_pipe[0], &c);
	close(go_pipe[0]);

	for (long k = 0; k < njobs; k++) {
		int ch = (int)(k % NCHAINS);
		uint64_t i = (uint64_t)k / NCHAINS;
		struct drm_fakedri_submit_bo b = { bo[ch], FAKEDRI_SUBMIT_BO_WRITE };
		struct drm_fakedri_submit_syncobj so[3];
		struct drm_fakedri_submit_cmd cmd[2] = {
			{ .op = FAKEDRI_CMD_WRITE64, .dst_offset = i * SLOT, .value = TAG(p, k) },
			{ .op = FAKEDRI_CMD_TIMESTAMP, .dst_offset = i * SLOT + 8 },
		};
		struct drm_fakedri_submit s = {
			.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .ctx_id = ctx,
			.queue = (uint32_t)((p + k) % NQUEUES), .fence_fd = -1,
			.duration_ns = duration_ns, .bos = (uintptr_t)&b, .nr_bos = 1,
			.syncobjs = (uintptr_t)so, .cmds = (uintptr_t)cmd, .nr_cmds = 2,
		};
		uint32_t n = 0;

		if (ch == 0) {
			s.flags |= FAKEDRI_SUBMIT_NO_IMPLICIT;
			if (i > 0)
				so[n++] = (struct drm_fakedri_submit_syncobj){
					tl[0], FAKEDRI_SUBMIT_SYNCOBJ_WAIT, i };
		} else if (i % XDEP_EVERY == XDEP_EVERY - 1) {
			so[n++] = (struct drm_fakedri_submit_syncobj){
				tl[0], FAKEDRI_SUBMIT_SYNCOBJ_WAIT, i + 1 };
		}
		so[n++] = (struct drm_fakedri_submit_syncobj){ tl[ch], FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, i + 1 };
		s.nr_syncobjs = n;
		r[k].queue = s.queue;
		r[k].t_submit = now_ns();
		sf[k] = submit(fd, &s, &r[k].seqno);
		CHECK(sf[k] >= 0);
		last[ch] = i + 1;
	}
	put_byte(sub_pipe[1], 's');
	close(sub_pipe[1]);

	/* every point of both timelines, then each one at once (deadline 0) */
	CHECK(drmSyncobjTimelineWait(fd, tl, last, NCHAINS, now_ns() + WAIT_TIMEOUT_NS,
				     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL) == 0);
	for (int ch = 0; ch < NCHAINS; ch++) {
		uint64_t v = 0;

		CHECK(drmSyncobjQuery(fd, &tl[ch], &v, 1) == 0);
		if (v != last[ch]) {
			fprintf(stderr, "bench_gpu: process %d chain %d: timeline at %" PRIu64 ", want %" PRIu64 "\n",
				p, ch, v, last[ch]);
			exit(1);
		}
		for (uint64_t pt = 1; pt <= last[ch]; pt++)
			CHECK(drmSyncobjTimelineWait(fd, &tl[ch], &pt, 1, 0, 0, NULL) == 0);
	}
	for (long k = 0; k < njobs; k++) {
		const uint64_t *s = slot[k % NCHAINS] + (k / NCHAINS) * (SLOT / 8);

		fence_info(sf[k], &r[k]);
		CHECK(close(sf[k]) == 0);
		r[k].tag = s[0];
		r[k].ts_cmd = (int64_t)s[1];
	}
	for (int ch = 0; ch < NCHAINS; ch++) {
		CHECK(munmap(slot[ch], size) == 0);
		bo_close(fd, bo[ch]);
		CHECK(drmSyncobjDestroy(fd, tl[ch]) == 0);
	}
	ctx_destroy(fd, ctx);
	CHECK(close(fd) == 0);
	free(sf);
	exit(0);
}

/* --- checks of the records --- */

static int cmp_seqno(const void *a, const void *b)
{
	const struct rec *x = *(const struct rec *const *)a, *y = *(const struct rec *const *)b;

	return (x->seqno > y->seqno) - (x->seqno < y->seqno);
}

static long fails;

static void fail(const char *what, int p, long k)
{
	if (fails++ < 20)
		fprintf(stderr, "bench_gpu: process %d job %ld: %s\n", p, k, what);
}

/* @later completed after @earlier completed plus its own duration. */
static bool after(const struct rec *later, const struct rec *earlier)
{
	return later->ts_cmd >= earlier->ts_cmd + (int64_t)duration_ns;
}

static void check_records(long nidle)
{
	struct rec **q = malloc((size_t)(NPROCS * njobs) * sizeof(*q));

	CHECK(q);
	for (int p = 0; p < NPROCS; p++) {
		const struct rec *r = recs + (long)p * njobs;

		for (long k = 0; k < njobs; k++) {
			long i = k / NCHAINS;

			if (r[k].tag != TAG(p, k))
				fail("its slot does not hold its tag (commands not run)", p, k);
			if (r[k].ts_cmd < r[k].t_submit + (int64_t)duration_ns)
				fail("completed less than its duration after its submit", p, k);
			if (r[k].status != 1)
				fail("its sync_file is not signalled without error", p, k);
			if (r[k].ts_signal < r[k].ts_cmd)
				fail("its fence signalled before its commands ran", p, k);
			if (r[k].info_seqno != r[k].seqno || !r[k].queue_name_ok)
				fail("its sync_file names another fence", p, k);
			if (k >= NCHAINS && !after(&r[k], &r[k - NCHAINS]))
				fail("completed too soon after the previous job of its chain", p, k);
			if (k % NCHAINS == 1 && i % XDEP_EVERY == XDEP_EVERY - 1 && !after(&r[k], &r[k - 1]))
				fail("completed too soon after the chain-0 job it waited for", p, k);
		}
	}
	/* each queue: seqnos once each, from the one after the idle probes'
	 * (probe k ran on queue k % 4), completions in that order */
	for (uint32_t qu = 0; qu < NQUEUES; qu++) {
		uint64_t first = (uint64_t)((nidle + NQUEUES - 1 - (long)qu) / NQUEUES) + 1;
		long n = 0;

		for (long j = 0; j < NPROCS * njobs; j++)
			if (recs[j].queue == qu)
				q[n++] = &recs[j];
		qsort(q, (size_t)n, sizeof(*q), cmp_seqno);
		for (long j = 0; j < n; j++) {
			long idx = q[j] - recs;

			if (q[j]->seqno != first + (uint64_t)j)
				fail("its seqno is a gap or a repeat on its queue", (int)(idx / njobs), idx % njobs);
			if (j > 0 && !after(q[j], q[j - 1]))
				fail("completed too soon after the job before it on its queue",
				     (int)(idx / njobs), idx % njobs);
		}
	}
	free(q);
}

/* --- idle overhead --- */

/* @n jobs of @dur ns without dependencies, each on an idle queue: into
 * ts[] the TIMESTAMP's value, into wt[] poll()'s return on the sync_file,
 * each minus the time before SUBMIT minus @dur; both sorted. */
static void idle_overhead(long n, uint64_t dur, double *ts, double *wt)
{
	int fd = open_render();
	uint32_t ctx = ctx_create(fd), bo = bo_create(fd, 4096);
	volatile uint64_t *m = bo_map(fd, bo, 4096);

	for (long k = 0; k < n; k++) {
		struct drm_fakedri_submit_bo b = { bo, FAKEDRI_SUBMIT_BO_WRITE };
		struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_TIMESTAMP,
						      .dst_offset = 8 * (uint64_t)(k % 512) };
		struct drm_fakedri_submit s = {
			.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .ctx_id = ctx,
			.queue = (uint32_t)(k % NQUEUES), .fence_fd = -1, .duration_ns = dur,
			.bos = (uintptr_t)&b, .nr_bos = 1, .cmds = (uintptr_t)&cmd, .nr_cmds = 1,
		};
		struct pollfd pfd;
		uint64_t seqno;
		int64_t t0, t1;

		t0 = now_ns();
		pfd.fd = submit(fd, &s, &seqno);
		pfd.events = POLLIN;
		CHECK(pfd.fd >= 0);
		CHECK(poll(&pfd, 1, (int)(WAIT_TIMEOUT_NS / 1000000)) == 1);
		t1 = now_ns();
		CHECK(close(pfd.fd) == 0);
		ts[k] = (double)((int64_t)m[k % 512] - t0 - (int64_t)dur);
		wt[k] = (double)(t1 - t0 - (int64_t)dur);
		CHECK(m[k % 512] != 0 && ts[k] >= 0);
	}
	CHECK(munmap((void *)m, 4096) == 0);
	bo_close(fd, bo);
	ctx_destroy(fd, ctx);
	CHECK(close(fd) == 0);
	qsort(ts, (size_t)n, sizeof(double), cmp_double);
	qsort(wt, (size_t)n, sizeof(double), cmp_double);
}

/* --- the parent --- */

static void row(const char *name, const double *v, long n, double floor_ns)
{
	printf("%-40s %9.1f %9.1f %9.1f %8.1f %8.1f\n", name, quantile(v, n, 0.5) / 1e3,
	       quantile(v, n, 0.99) / 1e3, v[n - 1] / 1e3, quantile(v, n, 0.5) / floor_ns,
	       quantile(v, n, 0.99) / floor_ns);
}

static bool same(const struct drm_fakedri_device_stats *a, const struct drm_fakedri_device_stats *b)
{
	return a->objects == b->objects && a->fences == b->fences && a->jobs == b->jobs &&
	       a->fence_fds == b->fence_fds && a->files == b->files;
}

int main(int argc, char **argv)
{
	bool quick = false, ok = true;
	long floor_n, nidle, total, settle = 0, samples = 0;
	uint64_t idle_dur = 1000000, min_peak;
	struct bench_floor floor;
	struct drm_fakedri_device_stats before, after_st, st;
	struct drm_fakedri_get_param gp = { .param = FAKEDRI_PARAM_NUM_QUEUES };
	double floor_ns[2 * FLOOR_BATCHES], floor_med, *idle_ts, *idle_wt, secs, bound;
	pid_t pid[NPROCS];
	int64_t t_go, t_last = 0;
	uint64_t peak = 0;
	int fd, argi = 1, submitted = 0;

	njobs = 160;
	duration_ns = 3000000;
	if (argi < argc && strcmp(argv[argi], "--quick") == 0) {
		quick = true;
		njobs = 40;
		duration_ns = 2000000;
		argi++;
	}
	if (argi < argc)
		njobs = atol(argv[argi++]);
	CHECK(argi == argc && njobs >= 2 * NCHAINS * XDEP_EVERY);
	total = NPROCS * njobs;
	floor_n = quick ? 200 : 2000;
	nidle = quick ? 50 : 1000;
	min_peak = quick ? (uint64_t)total / 2 : 1000;

	recs = mmap(NULL, (size_t)total * sizeof(*recs), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(recs != MAP_FAILED);

	CHECK(bench_floor_start(&floor, true) == 0);
	floor_batches(&floor, floor_n / 10 + 1, 1, floor_ns);	/* warm-up */
	floor_batches(&floor, floor_n, FLOOR_BATCHES, floor_ns);

	fd = open_render();
	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GET_PARAM, &gp) == 0);
	if (gp.value != NQUEUES) {
		fprintf(stderr, "bench_gpu: the device has %llu queues; run with --device fakedri,queues=%d\n",
			(unsigned long long)gp.value, NQUEUES);
		return 1;
	}
	stats(fd, &before);
	CHECK(close(fd) == 0);

	/* the idle reference first, on its own file */
	idle_ts = malloc((size_t)nidle * sizeof(double));
	idle_wt = malloc((size_t)nidle * sizeof(double));
	CHECK(idle_ts && idle_wt);
	idle_overhead(nidle, idle_dur, idle_ts, idle_wt);

	CHECK(pipe2(ready_pipe, O_CLOEXEC) == 0 && pipe2(go_pipe, O_CLOEXEC) == 0 &&
	      pipe2(sub_pipe, O_CLOEXEC) == 0);
	fflush(NULL);
	for (int p = 0; p < NPROCS; p++) {
		pid[p] = fork();
		CHECK(pid[p] >= 0);
		if (pid[p] == 0) {
			close(floor.sock);
			client(p);
		}
	}
	close(ready_pipe[1]);
	close(go_pipe[0]);
	close(sub_pipe[1]);
	for (int p = 0; p < NPROCS; p++) {
		unsigned char c;

		get_byte(ready_pipe[0], &c);
	}
	close(ready_pipe[0]);
	fd = open_render();
	t_go = now_ns();
	for (int p = 0; p < NPROCS; p++)
		put_byte(go_pipe[1], 'g');
	close(go_pipe[1]);

	/* sample the jobs in flight: each time a client has submitted all of
	 * its jobs (the last one is the peak), and every ms meanwhile and
	 * after, until the jobs are done */
	for (;;) {
		struct pollfd pfd = { .fd = sub_pipe[0], .events = POLLIN };
		int r = submitted < NPROCS ? poll(&pfd, 1, 1) : 0;

		CHECK(r >= 0 || errno == EINTR);
		if (r > 0) {
			unsigned char c;

			get_byte(sub_pipe[0], &c);
			submitted++;
		}
		stats(fd, &st);
		samples++;
		if (st.jobs > peak)
			peak = st.jobs;
		if (submitted == NPROCS)
			break;
	}
	close(sub_pipe[0]);
	CHECK(close(fd) == 0);
	for (int p = 0; p < NPROCS; p++) {
		int status;

		CHECK(waitpid(pid[p], &status, 0) == pid[p]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_gpu: client process %d failed (status 0x%x)\n", (int)pid[p], status);
			ok = false;
		}
	}
	CHECK(ok);
	check_records(nidle);
	for (long j = 0; j < total; j++)
		if (recs[j].ts_cmd > t_last)
			t_last = recs[j].ts_cmd;

	/* back to the baseline, on a fresh fd: the daemon may see the last
	 * closes of the children's files just after our first request */
	fd = open_render();
	for (;; settle++) {
		stats(fd, &after_st);
		if (same(&after_st, &before) || settle == 100000)
			break;
		sched_yield();
	}
	CHECK(close(fd) == 0);

	floor_batches(&floor, floor_n, FLOOR_BATCHES, floor_ns + FLOOR_BATCHES);
	CHECK(bench_floor_stop(&floor) == 0);
	qsort(floor_ns, 2 * FLOOR_BATCHES, sizeof(double), cmp_double);
	floor_med = (floor_ns[FLOOR_BATCHES - 1] + floor_ns[FLOOR_BATCHES]) / 2;

	secs = (double)(t_last - t_go) / 1e9;
	bound = (double)total * (double)duration_ns / NQUEUES / 1e9;
	printf("%ld jobs of %.1f ms: %d processes x %ld, %d queues, two chains a process (timeline / implicit)\n",
	       total, (double)duration_ns / 1e6, NPROCS, njobs, NQUEUES);
	printf("run: %.3f s to the last completion, %.0f jobs/s; the queues allow %.3f s (%.0f jobs/s): %.0f%% busy\n",
	       secs, (double)total / secs, bound, (double)total / bound, 100 * bound / secs);
	printf("jobs in flight: peak %llu (DEVICE_STATS, %ld samples); %s\n", (unsigned long long)peak,
	       samples, fails ? "CHECKS OF THE JOBS FAILED" : "every job ran, in dependency and queue order, its fence signalled once");
	printf("floor (64 B round trip, spinning, median of %d batches of %ld around the load): %.1f us\n",
	       2 * FLOOR_BATCHES, floor_n, floor_med / 1e3);
	printf("%-40s %9s %9s %9s %8s %8s\n", "idle queue, no deps, beyond 1 ms", "p50 us", "p99 us",
	       "max us", "p50/flr", "p99/flr");
	row("submit -> TIMESTAMP command", idle_ts, nidle, floor_med);
	row("submit -> sync_file poll() returns", idle_wt, nidle, floor_med);
	printf("daemon before -> after: objects %llu -> %llu, fences %llu -> %llu, jobs %llu -> %llu, fence_fds %llu -> %llu, files %llu -> %llu (stats read %ld times)\n",
	       (unsigned long long)before.objects, (unsigned long long)after_st.objects,
	       (unsigned long long)before.fences, (unsigned long long)after_st.fences,
	       (unsigned long long)before.jobs, (unsigned long long)after_st.jobs,
	       (unsigned long long)before.fence_fds, (unsigned long long)after_st.fence_fds,
	       (unsigned long long)before.files, (unsigned long long)after_st.files, settle + 1);

	if (fails) {
		fprintf(stderr, "bench_gpu: %ld failed checks of the jobs\n", fails);
		ok = false;
	}
	if (peak < min_peak) {
		fprintf(stderr, "bench_gpu: at most %llu jobs were in flight, want %llu\n",
			(unsigned long long)peak, (unsigned long long)min_peak);
		ok = false;
	}
	if (!same(&after_st, &before)) {
		fprintf(stderr, "bench_gpu: the daemon's counts are not back at the baseline\n");
		ok = false;
	}
	if (!good(floor_med) || !good(secs) || !good(quantile(idle_ts, nidle, 0.5)) ||
	    !good(quantile(idle_wt, nidle, 0.5))) {
		fprintf(stderr, "bench_gpu: a figure is not finite and positive\n");
		ok = false;
	}
	free(idle_ts);
	free(idle_wt);
	if (!ok)
		return 1;
	printf("all checks passed\n");
	return 0;
}
