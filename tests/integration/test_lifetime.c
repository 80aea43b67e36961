/*
 * test_lifetime.c - device-wide leak check: after a process has used every
 * kind of state (files on all nodes, dups, dumb and GEM objects, flink
 * names, exports, imports, GEM and dma-buf mappings) and closed it all,
 * DEVICE_STATS from a fresh fd shows nothing left.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <sys/mman.h>
#include <unistd.h>

static void device_is_clean_after_everything_closes(void)
{
	struct drm_fakedri_device_stats st;
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_open op = { 0 };
	int card = itest_open(ITEST_CARD), card2 = itest_open(ITEST_ALIAS);
	int render = itest_open(ITEST_RENDER), dup_card = dup(card), buf = -1, buf2 = -1, fresh;
	uint32_t dumb, gem, imported;
	uint64_t size;
	void *m1, *m2, *m3;

	CHECK(dup_card >= 0);
	dumb = itest_dumb_create(card, 128, 64, &size);
	gem = itest_gem_create(render, 3 * 4096);
	m1 = itest_dumb_map(card, dumb, size);
	itest_fill(m1, size, 1);

	fl.handle = dumb;
	CHECK_EQ(drmIoctl(dup_card, DRM_IOCTL_GEM_FLINK, &fl), 0);
	op.name = fl.name;
	CHECK_EQ(drmIoctl(card2, DRM_IOCTL_GEM_OPEN, &op), 0);

	CHECK_EQ(drmPrimeHandleToFD(card, dumb, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	CHECK_EQ(drmPrimeFDToHandle(render, buf, &imported), 0);
	m2 = itest_gem_map(render, imported, size);
	CHECK(itest_verify(m2, size, 1));
	CHECK_EQ(drmPrimeHandleToFD(render, gem, DRM_CLOEXEC, &buf2), 0);
	m3 = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, buf2, 0);
	CHECK(m3 != MAP_FAILED);

	itest_stats(render, &st);
	CHECK_EQ(st.files, 3);
	CHECK_EQ(st.objects, 2);
	CHECK_EQ(st.dmabufs, 2);
	CHECK_EQ(st.backed_bytes, size + 3 * 4096);

	/* close in an order unlike the creation order, fds before handles */
	CHECK_EQ(close(buf), 0);
	CHECK_EQ(close(card), 0);      /* dup_card keeps the file */
	CHECK_EQ(munmap(m1, size), 0);
	CHECK_EQ(close(render), 0);
	CHECK_EQ(munmap(m2, size), 0);
	CHECK_EQ(close(buf2), 0);
	CHECK_EQ(munmap(m3, 3 * 4096), 0);
	CHECK_EQ(close(card2), 0);
	fresh = itest_open(ITEST_RENDER); /* see itest_check_device_clean() */
	itest_stats(fresh, &st);
	CHECK_EQ(st.files, 2);
	CHECK_EQ(st.objects, 1);       /* dumb, by its handle in dup_card's file */
	CHECK_EQ(close(fresh), 0);
	CHECK_EQ(close(dup_card), 0);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "device_is_clean_after_everything_closes", device_is_clean_after_everything_closes },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
