/*
 * bench_fences.c - fences under load: FENCES fences (default 100000)
 * signalled by 8 signaller processes and waited for by 64 waiter threads
 * (8 waiter processes of 8 threads, one DRM file per process), through
 * libdrm, the shim and the daemon. Run it under `fakedri run`:
 *
 *   build/bin/fakedri run -- build/tests/bench/bench_fences [--quick] [FENCES]
 *
 * Each waiter has a timeline syncobj and waits for its points 1, 2, 3, ...
 * in turn with drmSyncobjTimelineWait(WAIT_FOR_SUBMIT, absolute deadline),
 * so each wait is a request parked in the daemon until the point is
 * submitted. Signaller s owns the timelines of waiters w with w % 8 == s
 * (one in each waiter process) and signals each one's next point
 * (drmSyncobjTimelineSignal: one new fence) once the waiter has reported,
 * over the signaller's pipe, that it woke for the previous one; a signaller
 * goes round its 8 timelines, so a waiter is usually parked again by the
 * time its next point comes. Nothing sleeps: processes synchronise with
 * fences and pipes only.
 *
 * Checked: every wait returns 0 exactly once, never before its point was
 * signalled, and FENCES waits return in all; afterwards, with every process
 * gone, DRM_IOCTL_FAKEDRI_DEVICE_STATS on a fresh fd finds fences,
 * fence_fds, waiters, files and objects back at the baseline taken before.
 *
 * Measured: the signal-to-wakeup latency (CLOCK_MONOTONIC just before the
 * signal ioctl to just after the wait returned, shared memory pairs them)
 * of the waits that began before their signal, p50/p99/max, and the signal
 * ioctl's own time; for reference, the same latency with one waiting
 * thread and nothing else (2000 points, each signalled once DEVICE_STATS
 * shows the wait parked); each also as a ratio to the transport floor of
 * bench_floor.c (spinning, median of batches before and after the load).
 *
 * --quick: 2000 fences, 100 idle points and fewer floor round trips, for ctest (label
 * bench). Exits 1 on any failed check. Owns its children, their fds and
 * the shared mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "fakedri_drm.h"
#include "bench_floor.h"
#include "bench_util.h"

#define NSIG_PROCS 8		/* signaller processes */
#define NWAIT_PROCS 8		/* waiter processes */
#define NTHREADS 8		/* waiter threads per waiter process */
#define NWAITERS (NWAIT_PROCS * NTHREADS)
#define WAIT_TIMEOUT_NS 60000000000LL	/* a wait this long is a lost wakeup */
#define FLOOR_BATCHES 9

/* What the processes share: one slot per fence. */
struct shared {
	long nfences;
	long base[NWAITERS + 1];	/* waiter w's fences are base[w]..base[w+1]-1 */
	int64_t *t_sig;		/* just before the signal ioctl */
	int64_t *t_sig_done;	/* just after it returned */
	int64_t *t_start;	/* just before the wait ioctl */
	int64_t *t_wake;	/* just after the wait returned */
	uint32_t *wakes;	/* waits that returned for this fence */
};

static struct shared *sh;
static int syncobj_fd[NWAITERS];	/* opaque syncobj fds, inherited */
static int ack_pipe[NSIG_PROCS][2];	/* waiters -> signaller: "I woke" */
static int ready_pipe[2];		/* children -> parent: set up */
static int go_pipe[2];			/* parent -> signallers: start */

static void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* A child closes the pipe ends it does not use: a signaller keeps the read
 * ends of the ack pipes (then only its own), a waiter their write ends. */
static void child_close_fds(bool signaller)
{
	close(ready_pipe[0]);
	close(go_pipe[1]);
	if (!signaller)
		close(go_pipe[0]);
	for (int s = 0; s < NSIG_PROCS; s++) {
		close(ack_pipe[s][signaller ? 1 : 0]);
	}
}

static uint32_t import(int fd, int w)
{
	uint32_t h;

	CHECK(drmSyncobjFDToHandle(fd, syncobj_fd[w], &h) == 0);
	return h;
}

static void close_syncobj_fds(void)
{
	for (int w = 0; w < NWAITERS; w++)
		CHECK(close(syncobj_fd[w]) == 0);
}

/* --- signallers --- */

static void signaller(int s)
{
	int fd = open_render(), n = 0;
	uint32_t h[NWAITERS / NSIG_PROCS];
	int w_of[NWAITERS / NSIG_PROCS];
	long sent[NWAITERS / NSIG_PROCS] = { 0 }, acked[NWAITERS / NSIG_PROCS] = { 0 };
	long unacked = 0;
	unsigned char c;

	child_close_fds(true);
	for (int i = 0; i < NSIG_PROCS; i++)
		if (i != s)
			close(ack_pipe[i][0]);
	for (int w = s; w < NWAITERS; w += NSIG_PROCS) {
		w_of[n] = w;
		h[n] = import(fd, w);
		unacked += sh->base[w + 1] - sh->base[w];
		n++;
	}
	close_syncobj_fds();
	put_byte(ready_pipe[1], 's');
	get_byte(go_pipe[0], &c);
	close(go_pipe[0]);

	/* until every waiter of ours woke for its last point: they write to
	 * our pipe till then */
	while (unacked > 0) {
		bool any = false;
		unsigned char buf[64];
		ssize_t r;

		for (int i = 0; i < n; i++) {
			int w = w_of[i];
			long idx = sh->base[w] + sent[i];
			uint64_t point;

			if (sh->base[w] + sent[i] == sh->base[w + 1] || acked[i] != sent[i])
				continue;
			point = (uint64_t)sent[i] + 1;
			__atomic_store_n(&sh->t_sig[idx], now_ns(), __ATOMIC_RELEASE);
			CHECK(drmSyncobjTimelineSignal(fd, &h[i], &point, 1) == 0);
			sh->t_sig_done[idx] = now_ns();
			sent[i]++;
			any = true;
		}
		if (any)
			continue;
		/* every waiter of ours has its fence, or is done: hear who woke */
		do
			r = read(ack_pipe[s][0], buf, sizeof(buf));
		while (r < 0 && errno == EINTR);
		CHECK(r > 0);	/* EOF: every waiter process is gone */
		for (ssize_t j = 0; j < r; j++) {
			int w = buf[j];

			CHECK(w < NWAITERS && w % NSIG_PROCS == s);
			acked[w / NSIG_PROCS]++;
			unacked--;
			CHECK(acked[w / NSIG_PROCS] <= sent[w / NSIG_PROCS]);
		}
	}
	for (int i = 0; i < n; i++)
		CHECK(drmSyncobjDestroy(fd, h[i]) == 0);
	CHECK(close(fd) == 0);
	close(ack_pipe[s][0]);
	close(ready_pipe[1]);
	exit(0);
}

/* --- waiters --- */

struct waiter {
	int fd, w;
	uint32_t h;
	const char *fail;	/* NULL, or what went wrong */
	long fail_point;
	int fail_ret;
};

static void *waiter_thread(void *arg)
{
	struct waiter *wt = arg;
	int w = wt->w;
	long n = sh->base[w + 1] - sh->base[w];

	for (long k = 0; k < n; k++) {
		long idx = sh->base[w] + k;
		uint64_t point = (uint64_t)k + 1;
		int64_t t0 = now_ns(), t1;
		int r = drmSyncobjTimelineWait(wt->fd, &wt->h, &point, 1, t0 + WAIT_TIMEOUT_NS,
					       DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL);

		t1 = now_ns();
		if (r != 0) {
			wt->fail = r == -ETIME ? "wait timed out (lost wakeup)" : "wait failed";
			wt->fail_point = (long)point;
			wt->fail_ret = r;
			return NULL;
		}
		sh->t_start[idx] = t0;
		sh->t_wake[idx] = t1;
		if (__atomic_load_n(&sh->t_sig[idx], __ATOMIC_ACQUIRE) == 0) {
			wt->fail = "wait returned before its point was signalled";
			wt->fail_point = (long)point;
			return NULL;
		}
		if (__atomic_add_fetch(&sh->wakes[idx], 1, __ATOMIC_RELAXED) != 1) {
			wt->fail = "a second wakeup for one fence";
			wt->fail_point = (long)point;
			return NULL;
		}
		put_byte(ack_pipe[w % NSIG_PROCS][1], (unsigned char)w);
	}
	return NULL;
}

static void waiter_process(int p)
{
	int fd = open_render();
	struct waiter wt[NTHREADS];
	pthread_t t[NTHREADS];
	bool ok = true;

	child_close_fds(false);
	for (int i = 0; i < NTHREADS; i++) {
		wt[i] = (struct waiter){ .fd = fd, .w = p * NTHREADS + i };
		wt[i].h = import(fd, wt[i].w);
	}
	close_syncobj_fds();
	put_byte(ready_pipe[1], 'w');
	close(ready_pipe[1]);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, waiter_thread, &wt[i]) == 0);
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(t[i], NULL) == 0);
		if (wt[i].fail) {
			fprintf(stderr, "bench_fences: waiter %d, point %ld: %s (%d)\n",
				wt[i].w, wt[i].fail_point, wt[i].fail, wt[i].fail_ret);
			ok = false;
		}
	}
	if (!ok)
		exit(1);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(drmSyncobjDestroy(fd, wt[i].h) == 0);
	CHECK(close(fd) == 0);
	for (int s = 0; s < NSIG_PROCS; s++)
		close(ack_pipe[s][1]);
	exit(0);
}


/* --- the reference: one waiter, one signaller, nothing else --- */

struct idle {
	int fd, ack[2];
	uint32_t h;
	long n;
	int64_t *t_wake;
	int ret;
};

static void *idle_waiter(void *arg)
{
	struct idle *id = arg;

	for (long k = 0; k < id->n; k++) {
		uint64_t point = (uint64_t)k + 1;

		id->ret = drmSyncobjTimelineWait(id->fd, &id->h, &point, 1, now_ns() + WAIT_TIMEOUT_NS,
						 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL);
		id->t_wake[k] = now_ns();
		put_byte(id->ack[1], id->ret == 0 ? 'w' : 'x');
		if (id->ret)
			break;
	}
	return NULL;
}

/* Signal-to-wakeup latency of @n points with one thread waiting, signalled
 * from this one only once DEVICE_STATS shows its wait parked in the
 * daemon (@base_waiters + 1); into lat[0..n-1], sorted. */
static void idle_latency(int fd, uint64_t base_waiters, long n, double *lat)
{
	struct idle id = { .fd = fd, .n = n };
	pthread_t t;

	id.t_wake = calloc((size_t)n, sizeof(int64_t));
	CHECK(id.t_wake);
	CHECK(pipe2(id.ack, O_CLOEXEC) == 0);
	CHECK(drmSyncobjCreate(fd, 0, &id.h) == 0);
	CHECK(pthread_create(&t, NULL, idle_waiter, &id) == 0);
	for (long k = 0; k < n; k++) {
		struct drm_fakedri_device_stats st;
		uint64_t point = (uint64_t)k + 1;
		unsigned char c;
		int64_t t0;

		for (long i = 0;; i++) {
			stats(fd, &st);
			if (st.waiters == base_waiters + 1)
				break;
			CHECK(i < 10000000);
			sched_yield();
		}
		t0 = now_ns();
		CHECK(drmSyncobjTimelineSignal(fd, &id.h, &point, 1) == 0);
		get_byte(id.ack[0], &c);
		CHECK(c == 'w');
		lat[k] = (double)(id.t_wake[k] - t0);
	}
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(drmSyncobjDestroy(fd, id.h) == 0);
	close(id.ack[0]);
	close(id.ack[1]);
	free(id.t_wake);
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
}

/* --- the parent --- */

static void row(const char *name, double p50, double p99, double max, double floor_ns)
{
	printf("%-34s %9.1f %9.1f %9.1f %8.2f %8.2f\n", name, p50 / 1e3, p99 / 1e3, max / 1e3,
	       p50 / floor_ns, p99 / floor_ns);
}

int main(int argc, char **argv)
{
	bool quick = false;
	long nfences = 100000, floor_n;
	struct bench_floor floor;
	struct drm_fakedri_device_stats before, after;
	double floor_ns[2 * FLOOR_BATCHES], floor_med;
	pid_t pid[NSIG_PROCS + NWAIT_PROCS];
	int64_t t_go, t_end;
	double *lat, *sig, *idle_lat;
	long nidle;
	long nlat = 0, late = 0, settle = 0;
	uint64_t cap = 0;
	bool ok = true;
	int fd, argi = 1;

	if (argi < argc && strcmp(argv[argi], "--quick") == 0) {
		quick = true;
		nfences = 2000;
		argi++;
	}
	if (argi < argc)
		nfences = atol(argv[argi++]);
	CHECK(argi == argc && nfences >= NWAITERS);
	floor_n = quick ? 200 : 2000;
	nidle = quick ? 100 : 2000;

	sh = shared_alloc(sizeof(*sh));
	sh->nfences = nfences;
	for (int w = 0; w <= NWAITERS; w++)
		sh->base[w] = nfences / NWAITERS * w + (w < nfences % NWAITERS ? w : nfences % NWAITERS);
	sh->t_sig = shared_alloc((size_t)nfences * sizeof(int64_t));
	sh->t_sig_done = shared_alloc((size_t)nfences * sizeof(int64_t));
	sh->t_start = shared_alloc((size_t)nfences * sizeof(int64_t));
	sh->t_wake = shared_alloc((size_t)nfences * sizeof(int64_t));
	sh->wakes = shared_alloc((size_t)nfences * sizeof(uint32_t));

	/* the floor server first: it needs none of our device fds */
	CHECK(bench_floor_start(&floor, true) == 0);
	floor_batches(&floor, floor_n / 10 + 1, 1, floor_ns);	/* warm-up */
	floor_batches(&floor, floor_n, FLOOR_BATCHES, floor_ns);

	fd = open_render();
	CHECK(drmGetCap(fd, DRM_CAP_SYNCOBJ_TIMELINE, &cap) == 0 && cap == 1);
	stats(fd, &before);
	idle_lat = malloc((size_t)nidle * sizeof(double));
	CHECK(idle_lat);
	idle_latency(fd, before.waiters, nidle, idle_lat);
	for (int w = 0; w < NWAITERS; w++) {
		uint32_t h;

		CHECK(drmSyncobjCreate(fd, 0, &h) == 0);
		CHECK(drmSyncobjHandleToFD(fd, h, &syncobj_fd[w]) == 0);
		CHECK(drmSyncobjDestroy(fd, h) == 0);
	}
	CHECK(close(fd) == 0);	/* no DRM file across fork */

	for (int s = 0; s < NSIG_PROCS; s++)
		CHECK(pipe2(ack_pipe[s], O_CLOEXEC) == 0);
	CHECK(pipe2(ready_pipe, O_CLOEXEC) == 0 && pipe2(go_pipe, O_CLOEXEC) == 0);
	fflush(NULL);
	for (int i = 0; i < NSIG_PROCS + NWAIT_PROCS; i++) {
		pid[i] = fork();
		CHECK(pid[i] >= 0);
		if (pid[i] == 0) {
			close(floor.sock);
			if (i < NSIG_PROCS)
				signaller(i);
			waiter_process(i - NSIG_PROCS);
		}
	}
	close_syncobj_fds();
	close(ready_pipe[1]);
	close(go_pipe[0]);
	for (int s = 0; s < NSIG_PROCS; s++) {
		close(ack_pipe[s][0]);
		close(ack_pipe[s][1]);
	}
	for (int i = 0; i < NSIG_PROCS + NWAIT_PROCS; i++) {
		unsigned char c;

		get_byte(ready_pipe[0], &c);
	}
	close(ready_pipe[0]);
	t_go = now_ns();
	for (int s = 0; s < NSIG_PROCS; s++)
		put_byte(go_pipe[1], 'g');
	close(go_pipe[1]);
	for (int i = 0; i < NSIG_PROCS + NWAIT_PROCS; i++) {
		int status;

		CHECK(waitpid(pid[i], &status, 0) == pid[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_fences: %s process %d failed (status 0x%x)\n",
				i < NSIG_PROCS ? "signaller" : "waiter", (int)pid[i], status);
			ok = false;
		}
	}
	t_end = now_ns();
	CHECK(ok);

	/* every fence woke its waiter exactly once */
	for (long i = 0; i < nfences; i++) {
		if (sh->wakes[i] != 1) {
			fprintf(stderr, "bench_fences: fence %ld: %u wakeups\n", i, sh->wakes[i]);
			ok = false;
		}
	}
	CHECK(ok);

	/* back to the baseline; the daemon may see the last closes of the
	 * children's files just after our fresh fd's first request */
	fd = open_render();
	for (;; settle++) {
		stats(fd, &after);
		if ((after.fences == before.fences && after.fence_fds == before.fence_fds &&
		     after.waiters == before.waiters && after.files == before.files &&
		     after.objects == before.objects) || settle == 100000)
			break;
		sched_yield();
	}
	CHECK(close(fd) == 0);

	floor_batches(&floor, floor_n, FLOOR_BATCHES, floor_ns + FLOOR_BATCHES);
	CHECK(bench_floor_stop(&floor) == 0);
	qsort(floor_ns, 2 * FLOOR_BATCHES, sizeof(double), cmp_double);
	floor_med = (floor_ns[FLOOR_BATCHES - 1] + floor_ns[FLOOR_BATCHES]) / 2;

	lat = malloc((size_t)nfences * sizeof(double));
	sig = malloc((size_t)nfences * sizeof(double));
	CHECK(lat && sig);
	for (long i = 0; i < nfences; i++) {
		sig[i] = (double)(sh->t_sig_done[i] - sh->t_sig[i]);
		if (sh->t_start[i] < sh->t_sig[i])
			lat[nlat++] = (double)(sh->t_wake[i] - sh->t_sig[i]);
		else
			late++;
	}
	qsort(sig, (size_t)nfences, sizeof(double), cmp_double);

	printf("%ld fences: %d signaller processes, %d waiters (%d processes x %d threads), one timeline syncobj per waiter\n",
	       nfences, NSIG_PROCS, NWAITERS, NWAIT_PROCS, NTHREADS);
	printf("run: %.2f s, %.0f fences/s; every wait returned once; %ld waits began after their signal (not in the latency)\n",
	       (double)(t_end - t_go) / 1e9, (double)nfences / ((double)(t_end - t_go) / 1e9), late);
	printf("floor (64 B round trip, spinning, median of %d batches of %ld around the load): %.1f us\n",
	       2 * FLOOR_BATCHES, floor_n, floor_med / 1e3);
	printf("%-34s %9s %9s %9s %8s %8s\n", "", "p50 us", "p99 us", "max us", "p50/flr", "p99/flr");
	row("signal -> wakeup, 1 waiter, idle", quantile(idle_lat, nidle, 0.5),
	    quantile(idle_lat, nidle, 0.99), idle_lat[nidle - 1], floor_med);
	if (nlat > 0) {
		qsort(lat, (size_t)nlat, sizeof(double), cmp_double);
		row("signal -> wakeup, under load", quantile(lat, nlat, 0.5), quantile(lat, nlat, 0.99),
		    lat[nlat - 1], floor_med);
	}
	row("signal ioctl (under load)", quantile(sig, nfences, 0.5), quantile(sig, nfences, 0.99),
	    sig[nfences - 1], floor_med);
	printf("daemon before -> after: fences %llu -> %llu, fence_fds %llu -> %llu, waiters %llu -> %llu, files %llu -> %llu, objects %llu -> %llu (stats read %ld times)\n",
	       (unsigned long long)before.fences, (unsigned long long)after.fences,
	       (unsigned long long)before.fence_fds, (unsigned long long)after.fence_fds,
	       (unsigned long long)before.waiters, (unsigned long long)after.waiters,
	       (unsigned long long)before.files, (unsigned long long)after.files,
	       (unsigned long long)before.objects, (unsigned long long)after.objects, settle + 1);

	if (after.fences != before.fences || after.fence_fds != before.fence_fds ||
	    after.waiters != before.waiters || after.files != before.files ||
	    after.objects != before.objects) {
		fprintf(stderr, "bench_fences: the daemon's counts are not back at the baseline\n");
		ok = false;
	}
	if (nlat == 0 || !good(floor_med) || !good(quantile(lat, nlat, 0.5)) ||
	    !good(quantile(sig, nfences, 0.5)) || !good(quantile(idle_lat, nidle, 0.5))) {
		fprintf(stderr, "bench_fences: a figure is not finite and positive (or no wait was parked)\n");
		ok = false;
	}
	free(lat);
	free(idle_lat);
	free(sig);
	if (!ok)
		return 1;
	printf("all checks passed\n");
	return 0;
}
