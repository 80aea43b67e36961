/*
 * test_killed_client.c - a client SIGKILLed while it holds files, objects,
 * exports, imports, flink names and mappings: the daemon releases all of
 * it, keeps serving everyone else, and a dma-buf fd the victim handed to a
 * survivor keeps its data.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEED 0x6b111
#define NOBJ 4

struct victim {
	int sock;      /* the dma-buf goes here, then "ready" */
	int block;     /* read end of a pipe nobody ever writes to */
};

static void victim(void *arg)
{
	struct victim *v = arg;
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER);
	uint32_t h[NOBJ], imported;
	struct drm_gem_flink fl = { 0 };
	uint64_t size;
	int buf = -1;
	void *p;
	char c;

	for (int i = 0; i < NOBJ; i++) {
		h[i] = itest_dumb_create(card, 64, 64, &size);
		p = itest_dumb_map(card, h[i], size); /* left mapped */
		itest_fill(p, size, SEED + (uint32_t)i);
	}
	fl.handle = h[1];
	CHECK_EQ(drmIoctl(card, DRM_IOCTL_GEM_FLINK, &fl), 0);
	CHECK_EQ(drmPrimeHandleToFD(card, h[0], DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	CHECK_EQ(drmPrimeFDToHandle(render, buf, &imported), 0);
	(void)itest_gem_map(render, imported, size);
	itest_gem_create(render, 1 << 20); /* unbacked */
	itest_send_fd(v->sock, buf, size);
	itest_write(v->sock, "r", 1);
	(void)!read(v->block, &c, 1); /* until killed */
	_exit(3);
}

/* Runs the victim until it holds everything, hands its dma-buf to us, and
 * kills it. Returns the dma-buf fd; *size is its size. */
static int run_and_kill_victim(int watcher, uint64_t *size)
{
	struct drm_fakedri_device_stats st;
	struct victim v;
	int sv[2], block[2], buf, status;
	pid_t pid;
	char c;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(pipe2(block, O_CLOEXEC), 0);
	v.sock = sv[1];
	v.block = block[0];
	pid = itest_fork(victim, &v);
	close(sv[1]);
	close(block[0]);
	buf = itest_recv_fd(sv[0], size);
	itest_read(sv[0], &c, 1);

	itest_stats(watcher, &st);
	CHECK_EQ(st.files, 3);             /* the watcher's and the victim's two */
	CHECK_EQ(st.objects, NOBJ + 1);
	CHECK_EQ(st.dmabufs, 1);

	CHECK_EQ(kill(pid, SIGKILL), 0);
	status = itest_wait(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(sv[0]);
	close(block[1]);
	return buf;
}

static void killed_client_objects_are_released(void)
{
	struct drm_fakedri_device_stats st;
	int watcher = itest_open(ITEST_CARD), buf, fresh;
	uint64_t size;

	buf = run_and_kill_victim(watcher, &size);
	/* a fresh fd: its requests are ordered after the victim's hang-ups */
	fresh = itest_open(ITEST_RENDER);
	itest_stats(fresh, &st);
	CHECK_EQ(st.files, 2);   /* the watcher's and the fresh one */
	CHECK_EQ(st.objects, 0);
	CHECK_EQ(st.dmabufs, 0); /* our dma-buf fd is not a device reference */
	CHECK_EQ(st.backed_bytes, 0);
	close(fresh);
	close(buf);
	close(watcher);
	itest_check_device_clean();
}

static void dmabuf_held_by_survivor_stays_readable(void)
{
	int watcher = itest_open(ITEST_RENDER), buf;
	uint32_t handle;
	uint64_t size;
	void *p, *g;

	buf = run_and_kill_victim(watcher, &size);
	CHECK_EQ(lseek(buf, 0, SEEK_END), size);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	CHECK(p != MAP_FAILED);
	CHECK(itest_verify(p, size, SEED));
	/* and it can still be imported: a new object over the same pages */
	CHECK_EQ(drmPrimeFDToHandle(watcher, buf, &handle), 0);
	g = itest_gem_map(watcher, handle, size);
	CHECK(itest_verify(g, size, SEED));
	munmap(g, size);
	munmap(p, size);
	itest_gem_close(watcher, handle);
	close(buf);
	close(watcher);
	itest_check_device_clean();
}

static void daemon_serves_other_clients_after_kill(void)
{
	int watcher = itest_open(ITEST_CARD), buf, fresh;
	drmVersionPtr ver;
	uint32_t h;
	uint64_t size;

	buf = run_and_kill_victim(watcher, &size);
	close(buf);
	/* the fd opened before the kill */
	h = itest_gem_create(watcher, 4096);
	itest_gem_close(watcher, h);
	/* and new opens */
	fresh = itest_open(ITEST_RENDER);
	ver = drmGetVersion(fresh);
	CHECK(ver);
	CHECK_STR(ver->name, "fakedri");
	drmFreeVersion(ver);
	close(fresh);
	close(watcher);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "killed_client_objects_are_released", killed_client_objects_are_released },
		{ "dmabuf_held_by_survivor_stays_readable", dmabuf_held_by_survivor_stays_readable },
		{ "daemon_serves_other_clients_after_kill", daemon_serves_other_clients_after_kill },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
