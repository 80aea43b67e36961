/*
 * planted_bugs.c - a small libdrm client with three error-path bugs planted
 * on purpose, for `fakedri sweep`'s test (tests/sweep/test_sweep.sh): the
 * sweep must find exactly these three and call every other path clean.
 *
 * What it does, one step at a time (each process waits for the other, so
 * the daemon numbers the calls the same way in every run):
 *   main    creates a dumb buffer A on card0 and maps it (MAP_DUMB, mmap),
 *           fills it;
 *   helper  (a forked "compositor" with a DRM file of its own) creates a
 *           dumb buffer B of its own (its scanout), then says it is ready;
 *   main    exports A (PRIME_HANDLE_TO_FD) and sends the dma-buf to the
 *           helper, which imports it (PRIME_FD_TO_HANDLE), reads it
 *           through the dma-buf's mmap, closes its handle (GEM_CLOSE), and
 *           answers; main tells the helper to quit and waits for it; each
 *           destroys its buffer (MODE_DESTROY_DUMB).
 * Every failure is handled, exit status 1, except:
 *   BUG 1 (crash): map_dumb() returns NULL when MODE_MAP_DUMB fails and
 *           main writes through the pointer without checking it: SIGSEGV.
 *   BUG 2 (leak):  when PRIME_HANDLE_TO_FD fails, main returns at once and
 *           forgets to stop the helper, which lives on holding its DRM
 *           file and buffer B: the daemon still has 1 object and 1 file
 *           when main exits.
 *   BUG 3 (hang):  when the helper's GEM_CLOSE fails, it goes back to
 *           waiting for the next buffer without answering, and main waits
 *           for the answer forever.
 * The helper never notices main's exit by itself (it holds main's end of
 * their socket pair too); it ends when told to, or when the process that
 * started main (`fakedri run`, whose pid main passes it) exits, so it never
 * outlives the daemon. The helper's own failures are reported to main,
 * which stops it and exits 1 (clean).
 *
 * Exit status: 0 all went well, 1 an error was handled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm_mode.h>

#define W 64
#define H 64
#define PIXEL 0x11223344u

static int create_dumb(int fd, uint32_t *handle, uint64_t *size)
{
	struct drm_mode_create_dumb c = { .width = W, .height = H, .bpp = 32 };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -1;
	*handle = c.handle;
	*size = c.size;
	return 0;
}

static void destroy_dumb(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d))
		fprintf(stderr, "planted: MODE_DESTROY_DUMB: %s (ignored)\n", strerror(errno));
}

/* NULL if MAP_DUMB or mmap fails. */
static uint32_t *map_dumb(int fd, uint32_t handle, uint64_t size)
{
	struct drm_mode_map_dumb m = { .handle = handle };
	void *p;

	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	return p == MAP_FAILED ? NULL : p;
}

static int send_msg(int sock, char c, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

/* One byte (0 at EOF or error), and an fd if one came. */
static char recv_msg(int sock, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 0;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	if (fd)
		*fd = -1;
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return 0;
	cm = CMSG_FIRSTHDR(&mh);
	if (fd && cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return c;
}

/* Waits for a byte on @sock, or for @guardian to exit (0 then). */
static char wait_msg(int sock, int guardian, int *fd)
{
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = guardian, .events = POLLIN } };

	if (fd)
		*fd = -1;
	while (poll(p, guardian >= 0 ? 2 : 1, -1) < 0)
		if (errno != EINTR)
			return 0;
	if (p[0].revents)
		return recv_msg(sock, fd);
	return 0;
}

/* The helper: 'r' ready / 'f' failed, then per dma-buf 'o' ok / 'f'. */
static int helper(int sock, pid_t starter)
{
	int guardian = (int)syscall(SYS_pidfd_open, starter, 0);
	int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	uint32_t scanout, imported;
	uint64_t size;
	int buf;
	char c;

	if (fd < 0 || create_dumb(fd, &scanout, &size)) {
		send_msg(sock, 'f', -1);
		return 1;
	}
	send_msg(sock, 'r', -1);
	while ((c = wait_msg(sock, guardian, &buf)) == 'b') {
		uint32_t *p;
		char ok = 'f';

		if (buf >= 0 && !drmPrimeFDToHandle(fd, buf, &imported)) {
			p = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
			if (p != MAP_FAILED) {
				ok = p[0] == PIXEL ? 'o' : 'f';
				munmap(p, size);
			}
			if (drmCloseBufferHandle(fd, imported)) {
				/* BUG 3: goes back to waiting without answering */
				perror("planted: helper: GEM_CLOSE");
				close(buf);
				continue;
			}
		}
		if (buf >= 0)
			close(buf);
		send_msg(sock, ok, -1);
	}
	/* 'q', or the starter is gone */
	destroy_dumb(fd, scanout);
	close(fd);
	return 0;
}

int main(void)
{
	uint32_t handle;
	uint64_t size;
	uint32_t *map;
	pid_t starter = getppid(), pid;
	int fd, sv[2], buf, status;
	char c;

	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("planted: open");
		return 1;
	}
	if (create_dumb(fd, &handle, &size)) {
		perror("planted: MODE_CREATE_DUMB");
		return 1;
	}
	map = map_dumb(fd, handle, size);
	/* BUG 1: map is NULL when MAP_DUMB failed */
	for (size_t i = 0; i < size / 4; i++)
		map[i] = PIXEL;
	munmap(map, size);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("planted: socketpair");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("planted: fork");
		return 1;
	}
	if (pid == 0) {
		close(fd);
		/* keeps sv[0] too: main's exit alone does not end it */
		_exit(helper(sv[1], starter));
	}
	if (wait_msg(sv[0], -1, NULL) != 'r') {
		fprintf(stderr, "planted: the helper failed to start\n");
		waitpid(pid, NULL, 0);
		return 1;
	}
	if (drmPrimeHandleToFD(fd, handle, DRM_CLOEXEC, &buf)) {
		/* BUG 2: returns without telling the helper to quit */
		perror("planted: PRIME_HANDLE_TO_FD");
		return 1;
	}
	send_msg(sv[0], 'b', buf);
	close(buf);
	c = wait_msg(sv[0], -1, NULL);
	send_msg(sv[0], 'q', -1);
	waitpid(pid, &status, 0);
	destroy_dumb(fd, handle);
	close(fd);
	if (c != 'o') {
		fprintf(stderr, "planted: the helper could not read the buffer\n");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "planted: the helper failed\n");
		return 1;
	}
	printf("planted: the helper read the buffer\n");
	return 0;
}
