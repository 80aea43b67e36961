/*
 * test_two_devices.c - one daemon with two devices, as
 * `fakedri run --device vgem --device fakedri` makes: device 0 is vgem
 * (/dev/dri/card0, renderD128), device 1 fakedri (card1, renderD129).
 * A buffer crosses between them as a dma-buf, as between two kernel
 * drivers: both map the same pages, and importing it back into its
 * exporter gives the original handle. GEM names are per device. Both
 * devices are left clean (fakedri's DEVICE_STATS here; both devices' in
 * the `fakedri run` summary line, which CMakeLists.txt checks).
 * (drmGetDevices2's view of the two devices: integ.devices_two.*.)
 */
#define _GNU_SOURCE
#include "itest.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define VGEM_CARD "/dev/dri/card0"
#define FAKEDRI_CARD "/dev/dri/card1"
#define FAKEDRI_RENDER "/dev/dri/renderD129"

static void check_driver(int fd, const char *name)
{
	drmVersionPtr v = drmGetVersion(fd);

	CHECK(v != NULL);
	CHECK_STR(v->name, name);
	drmFreeVersion(v);
}

/* fakedri's counts from a fresh fd of its card (see itest.h) */
static void check_fakedri_clean(void)
{
	itest_check_node_clean(FAKEDRI_CARD);
}

/* a dumb buffer of vgem's card0, exported and imported into renderD129 */
struct shared {
	int vgem, fakedri;      /* card0, renderD129 */
	uint32_t vgem_handle, fakedri_handle;
	int dmabuf;
	uint64_t size;
};

static void share(struct shared *s)
{
	struct drm_fakedri_gem_info info;

	s->vgem = itest_open(VGEM_CARD);
	s->fakedri = itest_open(FAKEDRI_RENDER);
	check_driver(s->vgem, "vgem");
	check_driver(s->fakedri, "fakedri");
	s->vgem_handle = itest_dumb_create(s->vgem, 256, 64, &s->size);
	CHECK_EQ(drmPrimeHandleToFD(s->vgem, s->vgem_handle, DRM_CLOEXEC | DRM_RDWR, &s->dmabuf), 0);
	CHECK_EQ(drmPrimeFDToHandle(s->fakedri, s->dmabuf, &s->fakedri_handle), 0);
	CHECK(s->fakedri_handle != 0);
	itest_gem_info(s->fakedri, s->fakedri_handle, &info);
	CHECK(info.flags & DRM_FAKEDRI_GEM_INFO_IMPORTED); /* foreign to fakedri */
	CHECK_EQ(info.size, s->size);
	CHECK_EQ(info.handle_count, 1);
}

static void unshare(struct shared *s)
{
	itest_gem_close(s->fakedri, s->fakedri_handle);
	itest_gem_close(s->vgem, s->vgem_handle);
	CHECK_EQ(close(s->dmabuf), 0);
	CHECK_EQ(close(s->fakedri), 0);
	CHECK_EQ(close(s->vgem), 0);
}

static void buffer_exported_from_card0_and_imported_into_renderD129_shares_data_both_ways(void)
{
	struct shared s;
	uint8_t *p0, *p1;

	share(&s);
	p0 = itest_dumb_map(s.vgem, s.vgem_handle, s.size);
	p1 = itest_gem_map(s.fakedri, s.fakedri_handle, s.size);
	itest_fill(p0, s.size, 1);          /* vgem -> fakedri */
	CHECK(itest_verify(p1, s.size, 1));
	itest_fill(p1, s.size, 2);          /* fakedri -> vgem */
	CHECK(itest_verify(p0, s.size, 2));
	/* and a new map of each sees the last write */
	CHECK_EQ(munmap(p0, s.size), 0);
	p0 = itest_dumb_map(s.vgem, s.vgem_handle, s.size);
	CHECK(itest_verify(p0, s.size, 2));
	CHECK_EQ(munmap(p0, s.size), 0);
	CHECK_EQ(munmap(p1, s.size), 0);
	unshare(&s);
	check_fakedri_clean();
}

/* drm_gem_prime_fd_to_handle() finds its own export: the same handle, and
 * fakedri's re-export of the import is the very same dma-buf. */
static void importing_it_back_into_card0_gives_the_original_handle(void)
{
	struct shared s;
	struct stat a, b;
	uint32_t h;
	int again;

	share(&s);
	CHECK_EQ(drmPrimeFDToHandle(s.vgem, s.dmabuf, &h), 0);
	CHECK_EQ(h, s.vgem_handle);
	CHECK_EQ(drmPrimeHandleToFD(s.fakedri, s.fakedri_handle, DRM_CLOEXEC | DRM_RDWR, &again), 0);
	CHECK_EQ(fstat(s.dmabuf, &a), 0);
	CHECK_EQ(fstat(again, &b), 0);
	CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	CHECK_EQ(drmPrimeFDToHandle(s.vgem, again, &h), 0);
	CHECK_EQ(h, s.vgem_handle);
	/* one object on each side still: no second handle was made */
	CHECK_EQ(drmPrimeFDToHandle(s.fakedri, again, &h), 0);
	CHECK_EQ(h, s.fakedri_handle);
	CHECK_EQ(close(again), 0);
	unshare(&s);
	check_fakedri_clean();
}

static uint32_t flink(int fd, uint32_t handle)
{
	struct drm_gem_flink f = { .handle = handle };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GEM_FLINK, &f), 0);
	CHECK(f.name != 0);
	return f.name;
}

/* GEM_OPEN: the handle and size, or -1 with errno */
static int gem_open(int fd, uint32_t name, uint64_t *size)
{
	struct drm_gem_open o = { .name = name };
	int ret = drmIoctl(fd, DRM_IOCTL_GEM_OPEN, &o);

	if (ret == 0)
		*size = o.size;
	return ret ? ret : (int)o.handle;
}

/*
 * Names live in their device's table: vgem's name opens nothing on the
 * fakedri device (drm_gem_open_ioctl: ENOENT), and where the two tables
 * hold the same number each device opens its own object.
 */
static void a_flink_name_of_one_device_means_nothing_on_the_other(void)
{
	int vgem = itest_open(VGEM_CARD), fak = itest_open(FAKEDRI_CARD);
	uint64_t vsize, fsize = 3 * 4096, size = 0;
	uint32_t vh = itest_dumb_create(vgem, 64, 64, &vsize), fh, vname, fname;
	int h;

	CHECK(vsize != fsize);
	vname = flink(vgem, vh);
	CHECK_ERR(gem_open(fak, vname, &size), ENOENT);
	/* a name of fakedri's own, quite possibly the same number */
	fh = itest_gem_create(fak, fsize);
	fname = flink(fak, fh);
	h = gem_open(fak, fname, &size);
	CHECK(h > 0);
	CHECK_EQ(size, fsize);
	itest_gem_close(fak, (uint32_t)h);
	errno = 0;
	h = gem_open(vgem, fname, &size);
	if (fname == vname) {
		CHECK(h > 0);
		CHECK_EQ(size, vsize); /* vgem's object, not fakedri's */
		itest_gem_close(vgem, (uint32_t)h);
	} else {
		CHECK_EQ(h, -1);
		CHECK_EQ(errno, ENOENT);
	}
	errno = 0;
	h = gem_open(fak, vname, &size);
	if (fname == vname) {
		CHECK(h > 0);
		CHECK_EQ(size, fsize); /* fakedri's own */
		itest_gem_close(fak, (uint32_t)h);
	} else {
		CHECK_EQ(h, -1);
		CHECK_EQ(errno, ENOENT);
	}
	itest_gem_close(fak, fh);
	itest_gem_close(vgem, vh);
	CHECK_EQ(close(fak), 0);
	CHECK_EQ(close(vgem), 0);
	check_fakedri_clean();
}

/*
 * Everything at once, in both directions, then closed: fakedri's counts
 * are back to zero here, and the run's summary line (checked by ctest)
 * says both devices hold nothing.
 */
static void afterwards_both_devices_counts_are_back_to_zero(void)
{
	struct drm_fakedri_device_stats st;
	struct shared s;
	uint32_t fh, vh;
	int fbuf;
	void *p;

	share(&s);
	/* the other way too: a fakedri object into vgem's card0 */
	fh = itest_gem_create(s.fakedri, 5 * 4096);
	CHECK_EQ(drmPrimeHandleToFD(s.fakedri, fh, DRM_CLOEXEC | DRM_RDWR, &fbuf), 0);
	CHECK_EQ(drmPrimeFDToHandle(s.vgem, fbuf, &vh), 0);
	CHECK(vh != s.vgem_handle);
	p = itest_gem_map(s.fakedri, fh, 5 * 4096);
	itest_fill(p, 5 * 4096, 3);
	CHECK_EQ(munmap(p, 5 * 4096), 0);
	flink(s.vgem, vh);
	flink(s.vgem, s.vgem_handle);
	itest_stats(s.fakedri, &st);
	CHECK_EQ(st.objects, 2);   /* the import and fh */
	CHECK_EQ(st.dmabufs, 2);   /* fh's export, and vgem's that the import holds */
	itest_gem_close(s.vgem, vh);
	itest_gem_close(s.fakedri, fh);
	CHECK_EQ(close(fbuf), 0);
	unshare(&s);
	check_fakedri_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "buffer_exported_from_card0_and_imported_into_renderD129_shares_data_both_ways",
		  buffer_exported_from_card0_and_imported_into_renderD129_shares_data_both_ways },
		{ "importing_it_back_into_card0_gives_the_original_handle",
		  importing_it_back_into_card0_gives_the_original_handle },
		{ "a_flink_name_of_one_device_means_nothing_on_the_other",
		  a_flink_name_of_one_device_means_nothing_on_the_other },
		{ "afterwards_both_devices_counts_are_back_to_zero",
		  afterwards_both_devices_counts_are_back_to_zero },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
