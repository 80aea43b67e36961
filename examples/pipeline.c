/*
 * pipeline.c - fakedri-example-pipeline: three processes share buffers
 * through the simulated GPU, the way a compositor, a client and a
 * screenshot tool would.
 *
 *   producer  fills a buffer on GPU queue 0 (it takes 20 ms) and shares it
 *             as a dma-buf;
 *   consumer  imports it and copies it into a buffer of its own on queue 1:
 *             implicit sync makes the copy wait for the fill; it exports
 *             the copy's fence as a sync_file;
 *   checker   waits on that sync_file, then checks the copy's pixels.
 *
 * Run it under fakedri:   fakedri run -- fakedri-example-pipeline
 *
 * Two switches break it on purpose, to show fakedri's sync-bug detectors:
 *   --skip-wait    the checker reads without waiting: under
 *                  `fakedri run --poison` it sees the poison pattern where
 *                  the copy will write, says so and exits 3;
 *   --no-implicit  the consumer skips implicit sync and passes no fence:
 *                  its copy races the fill, and `fakedri run` counts the
 *                  sync hazard in its summary line (and logs it).
 * Exit status: 0 the pixels are right, 1 they are wrong, 3 poison was read.
 *
 * Add `--trace t.json` to `fakedri run` for a timeline of the jobs, fences
 * and waits that the Perfetto UI (ui.perfetto.dev) opens.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "fakedri_drm.h"

#define WIDTH 256
#define HEIGHT 256
#define SIZE (WIDTH * HEIGHT * 4)
#define COLOR 0xff3366ccu /* ARGB */

static bool skip_wait, no_implicit;
/* the checker (main process): its children, reaped when it dies, so none
 * of them outlives the program holding DRM files */
static pid_t main_pid, children[2];
static int checker_sock = -1, consumer_sock = -1;

static void die(const char *what)
{
	fprintf(stderr, "pipeline: %s: %s\n", what, strerror(errno));
	if (getpid() == main_pid) {
		/* the consumer sees EOF and fails, the producer then too */
		close(checker_sock);
		for (int i = 0; i < 2; i++)
			if (children[i] > 0)
				waitpid(children[i], NULL, 0);
	}
	exit(1);
}

static int open_gpu(void)
{
	int fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/dri/renderD128 (run it under `fakedri run`)");
	return fd;
}

static uint32_t new_context(int fd)
{
	struct drm_fakedri_ctx_create c = { 0 };

	if (drmIoctl(fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c))
		die("CTX_CREATE");
	return c.ctx_id;
}

static uint32_t new_buffer(int fd)
{
	struct drm_fakedri_gem_create c = { .size = SIZE };

	if (drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c))
		die("GEM_CREATE");
	return c.handle;
}

/* fd passing between the processes */
static void send_fd(int sock, int fd)
{
	char byte = 0, ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1 || !(c = CMSG_FIRSTHDR(&m)))
		die("recvmsg");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Fills a buffer with COLOR on queue 0 and hands it on once submitted. */
static void producer(int to_consumer)
{
	int fd = open_gpu(), dmabuf;
	uint32_t bo = new_buffer(fd);
	struct drm_fakedri_submit_bo bos[] = { { bo, FAKEDRI_SUBMIT_BO_WRITE } };
	struct drm_fakedri_submit_cmd fill = { .op = FAKEDRI_CMD_FILL, .dst_bo = 0,
					       .length = SIZE, .value = COLOR };
	struct drm_fakedri_submit s = {
		.ctx_id = new_context(fd), .queue = 0, .fence_fd = -1,
		.duration_ns = 20000000, /* 20 ms of GPU time */
		.bos = (uintptr_t)bos, .nr_bos = 1, .cmds = (uintptr_t)&fill, .nr_cmds = 1,
	};

	/* with the consumer's bug, a fill long enough that its copy always
	 * starts before the fill ends, however slow this machine is (an ASan
	 * build under load took more than 20 ms to reach its SUBMIT) */
	if (no_implicit)
		s.duration_ns = 500000000;
	if (drmIoctl(fd, DRM_IOCTL_FAKEDRI_SUBMIT, &s))
		die("producer SUBMIT");
	if (drmPrimeHandleToFD(fd, bo, DRM_CLOEXEC | DRM_RDWR, &dmabuf))
		die("PRIME export");
	send_fd(to_consumer, dmabuf);
	printf("producer: fill submitted on queue 0 (fence seqno %llu)\n",
	       (unsigned long long)s.seqno);
}

/* Copies the shared buffer into its own on queue 1 and hands on the copy
 * and its fence. */
static void consumer(int from_producer, int to_checker)
{
	int fd = open_gpu(), dmabuf = recv_fd(from_producer), out;
	uint32_t src, dst = new_buffer(fd);
	struct drm_fakedri_submit_bo bos[2];
	struct drm_fakedri_submit_cmd copy = { .op = FAKEDRI_CMD_COPY, .dst_bo = 1, .src_bo = 0,
					       .length = SIZE };
	struct drm_fakedri_submit s = {
		.ctx_id = new_context(fd), .queue = 1, .fence_fd = -1,
		.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .duration_ns = 5000000,
		.bos = (uintptr_t)bos, .nr_bos = 2, .cmds = (uintptr_t)&copy, .nr_cmds = 1,
	};

	if (drmPrimeFDToHandle(fd, dmabuf, &src))
		die("PRIME import");
	bos[0] = (struct drm_fakedri_submit_bo){ src, FAKEDRI_SUBMIT_BO_READ };
	bos[1] = (struct drm_fakedri_submit_bo){ dst, FAKEDRI_SUBMIT_BO_WRITE };
	if (no_implicit)
		s.flags |= FAKEDRI_SUBMIT_NO_IMPLICIT; /* the bug: and no fence either */
	if (drmIoctl(fd, DRM_IOCTL_FAKEDRI_SUBMIT, &s))
		die("consumer SUBMIT");
	if (drmPrimeHandleToFD(fd, dst, DRM_CLOEXEC | DRM_RDWR, &out))
		die("PRIME export");
	send_fd(to_checker, s.fence_fd);
	send_fd(to_checker, out);
	printf("consumer: copy submitted on queue 1%s\n",
	       no_implicit ? " WITHOUT implicit sync" : ", after the fill (implicit sync)");
}

/* Waits for the copy's fence and checks the pixels. */
static int checker(int from_consumer)
{
	int fence = recv_fd(from_consumer), buf = recv_fd(from_consumer);
	struct pollfd p = { .fd = fence, .events = POLLIN };
	const uint32_t *px;
	unsigned wrong = 0, poison = 0;

	if (!skip_wait && poll(&p, 1, -1) != 1)
		die("poll on the sync_file");
	px = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, buf, 0);
	if (px == MAP_FAILED)
		die("mmap of the copy");
	for (unsigned i = 0; i < WIDTH * HEIGHT; i++) {
		poison += px[i] == FAKEDRI_POISON;
		wrong += px[i] != COLOR;
	}
	if (poison) {
		printf("checker: read %u pixels of poison (0x%08x): the copy was still pending\n",
		       poison, FAKEDRI_POISON);
		return 3;
	}
	if (wrong) {
		printf("checker: %u of %u pixels are wrong (first 0x%08x, want 0x%08x)\n", wrong,
		       WIDTH * HEIGHT, px[0], COLOR);
		return 1;
	}
	printf("checker: all %u pixels are 0x%08x\n", WIDTH * HEIGHT, COLOR);
	return 0;
}

static pid_t spawn(void (*fn)(int, int), int a, int b)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		fn(a, b);
		exit(0);
	}
	return pid;
}

/* Each process closes the ends it does not use, so that when one dies
 * the next one sees EOF instead of waiting forever. */
static void run_producer(int a, int b)
{
	close(b);
	close(checker_sock);
	close(consumer_sock);
	producer(a);
}

static void run_consumer(int a, int b)
{
	close(checker_sock);
	consumer(a, b);
}

static int status_of(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	int pc[2], cc[2], ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--skip-wait")) {
			skip_wait = true;
		} else if (!strcmp(argv[i], "--no-implicit")) {
			no_implicit = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fakedri run [--poison] [--trace FILE] -- %s [--skip-wait] "
			       "[--no-implicit]\n", argv[0]);
			return 0;
		} else {
			fprintf(stderr, "pipeline: bad option '%s' (--skip-wait, --no-implicit)\n",
				argv[i]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pc) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cc))
		die("socketpair");
	main_pid = getpid();
	checker_sock = cc[1];
	consumer_sock = cc[0];
	children[0] = spawn(run_producer, pc[0], pc[1]);
	close(pc[0]);
	children[1] = spawn(run_consumer, pc[1], cc[0]);
	close(pc[1]);
	close(cc[0]);
	ret = checker(cc[1]); /* the checker is this process */
	if (status_of(children[0]) || status_of(children[1]))
		return 1;
	return ret;
}
