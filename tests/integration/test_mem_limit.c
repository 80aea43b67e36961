/*
 * test_mem_limit.c - the device's memory limit (`fakedri run --mem-limit
 * 1M`, see CMakeLists.txt): creating objects past it fails with ENOMEM,
 * through MODE_CREATE_DUMB and FAKEDRI_GEM_CREATE alike, for every file of
 * the device, and freeing an object makes room again.
 */
#include "itest.h"

#include <unistd.h>
#include <xf86drmMode.h>

#define LIMIT (1u << 20)
/* 256 x 256 x 32 bpp: 256 KiB, so four fill the limit exactly */
#define DUMB_W 256
#define DUMB_H 256
#define DUMB_SIZE (DUMB_W * DUMB_H * 4)

/* Creates dumb buffers until one fails; returns how many were made. */
static int fill_with_dumbs(int fd, uint32_t *handles, int max, int *err)
{
	int n;

	for (n = 0; n < max; n++) {
		uint32_t pitch;
		uint64_t size;

		*err = drmModeCreateDumbBuffer(fd, DUMB_W, DUMB_H, 32, 0, &handles[n], &pitch,
					       &size);
		if (*err)
			break;
		CHECK_EQ(size, DUMB_SIZE);
	}
	return n;
}

static void dumb_create_past_limit_is_enomem_until_one_is_freed(void)
{
	int fd = itest_open(ITEST_CARD), err, n;
	uint32_t handles[16], pitch;
	uint64_t size;

	n = fill_with_dumbs(fd, handles, 16, &err);
	CHECK_EQ(n, LIMIT / DUMB_SIZE);
	CHECK_EQ(err, -ENOMEM);
	/* still full: a failed create took nothing */
	CHECK_EQ(drmModeCreateDumbBuffer(fd, DUMB_W, DUMB_H, 32, 0, &handles[n], &pitch, &size),
		 -ENOMEM);

	CHECK_EQ(drmModeDestroyDumbBuffer(fd, handles[0]), 0);
	CHECK_EQ(drmModeCreateDumbBuffer(fd, DUMB_W, DUMB_H, 32, 0, &handles[0], &pitch, &size),
		 0);
	CHECK_EQ(size, DUMB_SIZE);
	CHECK_EQ(drmModeCreateDumbBuffer(fd, DUMB_W, DUMB_H, 32, 0, &handles[n], &pitch, &size),
		 -ENOMEM);

	for (int i = 0; i < n; i++)
		CHECK_EQ(drmModeDestroyDumbBuffer(fd, handles[i]), 0);
	CHECK_EQ(close(fd), 0);
}

static void gem_create_past_limit_is_enomem(void)
{
	int fd = itest_open(ITEST_RENDER);
	struct drm_fakedri_gem_create c = { .size = 4096 };
	uint32_t whole = itest_gem_create(fd, LIMIT);

	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), ENOMEM);
	CHECK_EQ(c.handle, 0);
	itest_gem_close(fd, whole);
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), 0);
	CHECK_EQ(c.size, 4096);
	itest_gem_close(fd, c.handle);
	CHECK_EQ(close(fd), 0);
}

static void limit_is_shared_by_all_files(void)
{
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER), err;
	struct drm_fakedri_gem_create c = { .size = 4096 };
	uint32_t handles[16];
	int n = fill_with_dumbs(card, handles, 16, &err);

	CHECK_EQ(n, LIMIT / DUMB_SIZE);
	CHECK_ERR(drmIoctl(render, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), ENOMEM);
	CHECK_EQ(drmModeDestroyDumbBuffer(card, handles[--n]), 0);
	CHECK_EQ(drmIoctl(render, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), 0);
	itest_gem_close(render, c.handle);
	while (n)
		CHECK_EQ(drmModeDestroyDumbBuffer(card, handles[--n]), 0);
	CHECK_EQ(close(card), 0);
	CHECK_EQ(close(render), 0);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "dumb_create_past_limit_is_enomem_until_one_is_freed",
		  dumb_create_past_limit_is_enomem_until_one_is_freed },
		{ "gem_create_past_limit_is_enomem", gem_create_past_limit_is_enomem },
		{ "limit_is_shared_by_all_files", limit_is_shared_by_all_files },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
