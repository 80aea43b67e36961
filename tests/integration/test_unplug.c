/*
 * test_unplug.c - hot-unplug as Documentation/gpu/drm-uapi.rst "Device
 * Hot-Unplug" says userspace sees it (docs/faults.md "Unplug"), through
 * libdrm in real processes, under `fakedri run --device fakedri --device
 * fakedri`: device 1 (card1, renderD129) is unplugged while this process
 * holds a mapping, a dma-buf and a pending fence of it; device 0 is the
 * bystander.
 *
 * The pending fence is a job held back by a sw_sync point that is never
 * signalled, so only the unplug can complete it; waits are bounded polls.
 * Owns nothing beyond the case's fds.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <dlfcn.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sync_file.h>

#define BO_SIZE 4096u

/* What the case holds of device 1 when it goes away. */
struct held {
	int fd, dmabuf, fence, timeline, gate;
	uint32_t handle;
	uint8_t *map, *dmabuf_map;
};

static int get_cap(int fd)
{
	struct drm_get_cap c = { .capability = DRM_CAP_DUMB_BUFFER };

	return ioctl(fd, DRM_IOCTL_GET_CAP, &c) ? errno : 0;
}

static void hold(struct held *h)
{
	struct sw_create_fence sc = { .value = 1 };
	struct drm_fakedri_ctx_create cc = { 0 };
	struct drm_fakedri_submit_bo bo;
	struct drm_fakedri_submit s;

	h->fd = itest_open("/dev/dri/card1");
	h->handle = itest_gem_create(h->fd, BO_SIZE);
	h->map = itest_gem_map(h->fd, h->handle, BO_SIZE);
	itest_fill(h->map, BO_SIZE, 7);
	CHECK_EQ(drmPrimeHandleToFD(h->fd, h->handle, DRM_CLOEXEC | DRM_RDWR, &h->dmabuf), 0);
	h->dmabuf_map = mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, h->dmabuf, 0);
	CHECK(h->dmabuf_map != MAP_FAILED);
	/* a job that waits for a sw_sync point nobody signals */
	h->timeline = open("/dev/sw_sync", O_RDWR | O_CLOEXEC);
	CHECK(h->timeline >= 0);
	CHECK_EQ(ioctl(h->timeline, SW_CREATE_FENCE, &sc), 0);
	h->gate = sc.fence;
	CHECK_EQ(drmIoctl(h->fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &cc), 0);
	bo = (struct drm_fakedri_submit_bo){ h->handle, FAKEDRI_SUBMIT_BO_READ };
	memset(&s, 0, sizeof(s));
	s.flags = FAKEDRI_SUBMIT_FENCE_FD_IN | FAKEDRI_SUBMIT_FENCE_FD_OUT;
	s.ctx_id = cc.ctx_id;
	s.fence_fd = h->gate;
	s.duration_ns = 1000;
	s.bos = (uintptr_t)&bo;
	s.nr_bos = 1;
	if (drmIoctl(h->fd, DRM_IOCTL_FAKEDRI_SUBMIT, &s))
		itest_fail(__FILE__, __LINE__, "SUBMIT: %s", strerror(errno));
	h->fence = s.fence_fd;
	CHECK(h->fence >= 0);
}

static int fence_status(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sync_file_info info;

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	memset(&info, 0, sizeof(info));
	CHECK_EQ(ioctl(fd, SYNC_IOC_FILE_INFO, &info), 0);
	return info.status;
}

/* Everything the uapi promises after device 1 went away. */
static void check_unplugged(struct held *h)
{
	uint8_t want[BO_SIZE];
	int fd0, buf;
	uint32_t h0, imported;
	uint64_t off;

	/* pending fences are force-signalled with ENODEV */
	CHECK_EQ(fence_status(h->fence, 20000), -ENODEV);
	/* ioctls on open files: ENODEV */
	CHECK_EQ(get_cap(h->fd), ENODEV);
	CHECK_ERR(drmPrimeHandleToFD(h->fd, h->handle, DRM_CLOEXEC, &buf), ENODEV);
	/* open of its nodes: ENXIO */
	CHECK_ERR(open("/dev/dri/card1", O_RDWR | O_CLOEXEC), ENXIO);
	CHECK_ERR(open("/dev/dri/renderD129", O_RDWR | O_CLOEXEC), ENXIO);
	/* existing mappings and dma-bufs keep working: no SIGBUS */
	itest_fill(want, BO_SIZE, 7);
	CHECK_EQ(memcmp(h->map, want, BO_SIZE), 0);
	CHECK_EQ(memcmp(h->dmabuf_map, want, BO_SIZE), 0);
	/* the other device is unaffected, and even imports the dma-buf */
	fd0 = itest_open("/dev/dri/card0");
	CHECK_EQ(get_cap(fd0), 0);
	h0 = itest_gem_create(fd0, BO_SIZE);
	off = itest_gem_offset(fd0, h0);
	CHECK(off != 0);
	CHECK_EQ(drmPrimeFDToHandle(fd0, h->dmabuf, &imported), 0);
	itest_gem_close(fd0, imported);
	itest_gem_close(fd0, h0);
	close(fd0);
	/* closing still releases */
	munmap(h->map, BO_SIZE);
	munmap(h->dmabuf_map, BO_SIZE);
	close(h->dmabuf);
	close(h->fence);
	close(h->gate);
	close(h->timeline);
	close(h->fd);
	itest_check_node_clean("/dev/dri/card0");
}

/* `fakedri fault add unplug,device=1 --socket PATH` at run time */
static void fault_command_unplugs_device_1_at_run_time(void)
{
	const char *fakedri = getenv("FAKEDRI_TEST_FAKEDRI"), *sock = getenv("FAKEDRI_SOCKET");
	struct held h;
	char cmd[8400];

	CHECK(fakedri && sock);
	hold(&h);
	CHECK_EQ(get_cap(h.fd), 0);
	CHECK_EQ(fence_status(h.fence, 0), 0); /* pending */
	snprintf(cmd, sizeof(cmd), "%s fault add unplug,device=1 --socket %s >/dev/null", fakedri,
		 sock);
	CHECK_EQ(system(cmd), 0);
	check_unplugged(&h);
}

/* `fakedri fault unplug CARD` ($FAKEDRI_SOCKET, which programs under
 * fakedri run have) */
static void fault_unplug_command_unplugs_that_card(void)
{
	const char *fakedri = getenv("FAKEDRI_TEST_FAKEDRI");
	struct held h;
	char cmd[4200];

	CHECK(fakedri);
	hold(&h);
	snprintf(cmd, sizeof(cmd), "%s fault unplug 1", fakedri);
	CHECK_EQ(system(cmd), 0);
	check_unplugged(&h);
	/* a card that is not there */
	snprintf(cmd, sizeof(cmd), "%s fault unplug 7 2>/dev/null", fakedri);
	CHECK_EQ(WEXITSTATUS(system(cmd)), 1);
}

/* unplug,after=DURATION: the device goes away by itself then; the pending
 * fence tells when (a bounded poll, no sleeping) */
static void unplug_after_a_duration_happens_then(void)
{
	int (*add)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "fakedri_fault_add");
	struct held h;
	struct timespec t0, t1;

	CHECK(add);
	hold(&h);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(add("unplug,device=1,after=200ms") >= 1);
	CHECK_EQ(get_cap(h.fd), 0);
	CHECK_EQ(fence_status(h.fence, 20000), -ENODEV);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec) >= 200000000LL);
	check_unplugged(&h);
}

/* the client API, and an unplug at an ioctl site: that call fails ENODEV */
static void unplug_fault_at_an_ioctl_unplugs_its_device(void)
{
	int (*add)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "fakedri_fault_add");
	struct held h;

	CHECK(add);
	hold(&h);
	CHECK(add("ioctl=GET_CAP,device=1,nth=1,unplug") >= 1);
	CHECK_EQ(get_cap(h.fd), ENODEV);
	check_unplugged(&h);
}

static const struct itest_case cases[] = {
	{ "fault_command_unplugs_device_1_at_run_time", fault_command_unplugs_device_1_at_run_time },
	{ "unplug_fault_at_an_ioctl_unplugs_its_device", unplug_fault_at_an_ioctl_unplugs_its_device },
	{ "fault_unplug_command_unplugs_that_card", fault_unplug_command_unplugs_that_card },
	{ "unplug_after_a_duration_happens_then", unplug_after_a_duration_happens_then },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return itest_main(argc, argv, cases);
}
