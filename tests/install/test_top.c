/*
 * test_top.c - `fakedri top --once` against a running daemon shows what a
 * client holds there. Runs under `fakedri run --personality vgem --fault
 * ioctl=GET_CAP,nth=1,errno=ENOMEM` (tests/install/CMakeLists.txt): it
 * creates a dumb buffer, attaches an unsignalled vgem fence to it and has
 * one GET_CAP fail, then runs the fakedri binary given as argv[1] as
 * `top --once` (without the shim, as a user would) and checks the summary
 * and the objects view; then it signals the fence and checks that the
 * next snapshot says so. With "jobs" as argv[2] (under `fakedri run
 * --device fakedri,queues=3`) it queues a GPU job on queue 2 behind an
 * unsignalled sw_sync fence and checks that top counts it, waiting, on
 * that queue and shows it in the jobs view; then signals the fence, waits
 * for the job's own fence and checks that it is gone.
 *
 * Owns the DRM fd and the child; exits 0 when every check passes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm.h>
#include <drm_mode.h>

#include "fakedri_drm.h"
#include "fdri_vgem_abi.h"
#include "fdri_sw_sync_abi.h"

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d)\n", __FILE__, \
				__LINE__, #cond, errno); \
			exit(1); \
		} \
	} while (0)

/* Runs FAKEDRI top --once ARGS without the shim; returns its stdout. */
static char *top_once(const char *fakedri, const char *view)
{
	static char buf[65536];
	size_t len = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		unsetenv("LD_PRELOAD");
		execl(fakedri, fakedri, "top", "--once", "--view", view, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	buf[len] = '\0';
	CHECK(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "fakedri top failed (status %#x); its output:\n%s", status, buf);
		exit(1);
	}
	return buf;
}

static void expect(const char *text, const char *what)
{
	if (strstr(text, what))
		return;
	fprintf(stderr, "fakedri top does not say '%s'; it said:\n%s", what, text);
	exit(1);
}

/* A job on queue 2 waiting for a sw_sync fence, counted per queue. */
static int jobs_case(const char *fakedri)
{
	struct drm_fakedri_ctx_create ctx = { 0 };
	struct sw_sync_create_fence_data point = { .value = 1, .name = "top" };
	struct drm_fakedri_submit job = { .queue = 2, .duration_ns = 1000 };
	struct pollfd pfd = { .events = POLLIN };
	uint32_t one = 1;
	const char *out;
	int fd, tl;

	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &ctx) == 0);
	tl = open("/dev/sw_sync", O_RDWR | O_CLOEXEC);
	CHECK(tl >= 0);
	CHECK(ioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &point) == 0);
	job.ctx_id = ctx.ctx_id;
	job.flags = FAKEDRI_SUBMIT_FENCE_FD_IN | FAKEDRI_SUBMIT_FENCE_FD_OUT;
	job.fence_fd = point.fence;
	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_SUBMIT, &job) == 0);
	CHECK(job.fence_fd >= 0 && job.fence_fd != point.fence);

	out = top_once(fakedri, "jobs");
	expect(out, "device 0: fakedri ");
	expect(out, "  jobs: 1 pending, 0 hazards; queue0 0 (0 running), queue1 0 (0 running), "
		    "queue2 1 (0 running)\n");
	expect(out, "-- fakedri_jobs\n3 queues, ");
	expect(out, " waiting file 1 ctx ");
	expect(out, ", 1 dependency pending");

	/* the fence signals, the job runs and completes: its fence says so */
	CHECK(ioctl(tl, SW_SYNC_IOC_INC, &one) == 0);
	pfd.fd = job.fence_fd;
	CHECK(poll(&pfd, 1, 30000) == 1);
	out = top_once(fakedri, "jobs");
	expect(out, "  jobs: 0 pending, 0 hazards; queue0 0 (0 running), queue1 0 (0 running), "
		    "queue2 0 (0 running)\n");
	CHECK(!strstr(out, " waiting file "));
	close(job.fence_fd);
	close(point.fence);
	close(tl);
	close(fd);
	printf("fakedri top: PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_vgem_fence_attach attach = { .flags = VGEM_FENCE_WRITE };
	struct drm_vgem_fence_signal sig = { 0 };
	char line[128];
	uint64_t cap;
	const char *out;
	int fd;

	CHECK(argc >= 2 && getenv("FAKEDRI_SOCKET"));
	if (argc == 3 && !strcmp(argv[2], "jobs"))
		return jobs_case(argv[1]);
	CHECK(argc == 2);
	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb) == 0);
	CHECK(dumb.size == 16384);
	attach.handle = dumb.handle;
	CHECK(drmIoctl(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach) == 0);
	/* the run's --fault makes the first GET_CAP fail */
	CHECK(drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap) < 0 && errno == ENOMEM);

	out = top_once(argv[1], "objects");
	expect(out, "; 1 device, 1 faults injected");
	expect(out, "device 0: vgem ");
	expect(out, "  files 1, objects 1 (16384 bytes), dma-bufs 0\n");
	expect(out, "1 unsignalled in objects' reservations, 0 in syncobjs and fence fds");
	/* the objects view as it is: the buffer and its pending write fence */
	snprintf(line, sizeof(line), "%12u", 16384u);
	expect(out, "-- fakedri_objects\n");
	expect(out, line);
	expect(out, "\twrite fence: vgem");
	expect(out, " unsignalled (context ");
	expect(out, "Total 1 objects, 16384 bytes\n");

	/* live: the next snapshot sees the fence signalled */
	sig.fence = attach.out_fence;
	CHECK(drmIoctl(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig) == 0);
	out = top_once(argv[1], "fences");
	expect(out, "0 unsignalled in objects' reservations");
	expect(out, "-- fakedri_fences\n");
	CHECK(!strstr(out, "-- fakedri_objects"));
	close(fd);
	printf("fakedri top: PASS\n");
	return 0;
}
