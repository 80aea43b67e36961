/*
 * test_bad_input.c - errors a kernel DRM device gives for bad input, seen
 * through libdrm: unknown ioctls, struct size mismatches, bad handles,
 * names and flags, render-node restrictions, non-dma-buf fds, NULL args,
 * dma-buf fd semantics and GEM mmap errors.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static void unknown_ioctl_type_is_enotty(void)
{
	struct drm_version v = { 0 };
	int fd = itest_open(ITEST_CARD);

	CHECK_ERR(ioctl(fd, _IOWR('x', 0x00, struct drm_version), &v), ENOTTY);
	CHECK_EQ(isatty(fd), 0); /* TCGETS */
	CHECK_EQ(errno, ENOTTY);
	close(fd);
}

static void unknown_ioctl_nr_is_einval(void)
{
	char arg[64] = { 0 };
	int fd = itest_open(ITEST_CARD);

	CHECK_ERR(drmIoctl(fd, DRM_IOWR(0xd0, char[16]), arg), EINVAL); /* past the core table */
	CHECK_ERR(drmIoctl(fd, DRM_IOWR(0x0e, char[16]), arg), EINVAL); /* a hole in it */
	CHECK_ERR(drmIoctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x20, char[16]), arg), EINVAL);
	close(fd);
}

/* GET_CAP as an old caller that only knows the first field */
struct get_cap_short { __u64 capability; };
/* ... and as a newer one with a field the device does not know */
struct get_cap_long { __u64 capability, value, extra; };

static void short_struct_is_zero_extended(void)
{
	struct { struct drm_fakedri_gem_create c; __u64 guard; } buf;
	struct drm_fakedri_device_stats st;
	struct get_cap_short cap[2] = { { DRM_CAP_PRIME }, { 0xdead } };
	int fd = itest_open(ITEST_CARD);

	/* GET_CAP truncated: accepted, and nothing past 8 bytes written back */
	CHECK_EQ(drmIoctl(fd, DRM_IOWR(0x0c, struct get_cap_short), cap), 0);
	CHECK_EQ(cap[0].capability, DRM_CAP_PRIME);
	CHECK_EQ(cap[1].capability, 0xdead);

	/* GEM_CREATE with only @size: the garbage flags past it read as 0 */
	memset(&buf, 0xff, sizeof(buf));
	buf.c.size = 100;
	CHECK_EQ(drmIoctl(fd, DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_GEM_CREATE, __u64), &buf), 0);
	CHECK_EQ(buf.c.size, 4096);          /* out: rounded up */
	CHECK_EQ(buf.c.flags, 0xffffffffu);  /* not written back */
	CHECK_EQ(buf.c.handle, 0xffffffffu);
	itest_stats(fd, &st);
	CHECK_EQ(st.objects, 1);
	/* with the full struct, the same garbage flags are refused */
	memset(&buf, 0xff, sizeof(buf));
	buf.c.size = 100;
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &buf.c), EINVAL);
	close(fd);
	itest_check_device_clean();
}

static void oversized_struct_still_works(void)
{
	struct get_cap_long cap = { DRM_CAP_PRIME, 0, 0x1234567890abcdefull };
	int fd = itest_open(ITEST_CARD);

	CHECK_EQ(drmIoctl(fd, DRM_IOWR(0x0c, struct get_cap_long), &cap), 0);
	CHECK_EQ(cap.value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	CHECK_EQ(cap.extra, 0x1234567890abcdefull); /* copied in, written back unchanged */
	close(fd);
}

static void invalid_handles_names_and_flags(void)
{
	int fd = itest_open(ITEST_CARD), pfd = -1;
	struct drm_gem_close cl = { .handle = 9999 };
	struct drm_gem_flink fl = { .handle = 9999 };
	struct drm_gem_open op = { .name = 9999 };
	struct drm_mode_map_dumb md = { .handle = 9999 };
	struct drm_mode_destroy_dumb dd = { .handle = 9999 };
	struct drm_fakedri_gem_create gc = { .size = 4096, .flags = 1 };
	struct drm_fakedri_gem_mmap_offset mo = { .handle = 9999 };
	struct drm_get_cap cap = { .capability = 0x7777 };
	uint32_t handle = itest_gem_create(fd, 4096);

	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &cl), EINVAL);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GEM_FLINK, &fl), ENOENT);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GEM_OPEN, &op), ENOENT);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md), ENOENT);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd), EINVAL);
	CHECK_ERR(drmPrimeHandleToFD(fd, 9999, DRM_CLOEXEC, &pfd), ENOENT);
	CHECK_ERR(drmPrimeHandleToFD(fd, handle, 0x4, &pfd), EINVAL);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &gc), EINVAL);
	gc.flags = 0;
	gc.size = 0;
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &gc), EINVAL);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, &mo), ENOENT);
	mo.handle = handle;
	mo.flags = 1;
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, &mo), EINVAL);
	cap.value = 42;
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GET_CAP, &cap), EINVAL);
	CHECK_EQ(cap.value, 0); /* written back even on failure */
	itest_gem_close(fd, handle);
	close(fd);
	itest_check_device_clean();
}

static void render_node_refuses_primary_only_ioctls(void)
{
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER);
	struct drm_mode_create_dumb cd = { .width = 16, .height = 16, .bpp = 32 };
	uint32_t h = itest_gem_create(render, 4096);
	struct drm_mode_map_dumb md = { .handle = h };
	struct drm_gem_flink fl = { .handle = h };
	struct drm_gem_open op = { 0 };
	drm_magic_t magic;

	CHECK_ERR(drmIoctl(render, DRM_IOCTL_MODE_CREATE_DUMB, &cd), EACCES);
	CHECK_ERR(drmIoctl(render, DRM_IOCTL_MODE_MAP_DUMB, &md), EACCES);
	CHECK_ERR(drmIoctl(render, DRM_IOCTL_GEM_FLINK, &fl), EACCES);
	/* a real name from the primary node still cannot be opened on render */
	fl.handle = itest_gem_create(card, 4096);
	CHECK_EQ(drmIoctl(card, DRM_IOCTL_GEM_FLINK, &fl), 0);
	op.name = fl.name;
	CHECK_ERR(drmIoctl(render, DRM_IOCTL_GEM_OPEN, &op), EACCES);
	CHECK_EQ(drmGetMagic(render, &magic), -EACCES); /* libdrm returns -errno */
	/* ...and the render-allowed ones work */
	itest_gem_close(render, h);
	close(card);
	close(render);
	itest_check_device_clean();
}

/* Another user cannot open the device: the daemon's directory is private
 * and the daemon checks peer credentials. Needs root to switch users. */
static void other_user_cannot_open_nodes(void *arg)
{
	(void)arg;
	CHECK_EQ(setgid(65534), 0);
	CHECK_EQ(setuid(65534), 0);
	CHECK_EQ(open(ITEST_CARD, O_RDWR), -1);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(open(ITEST_RENDER, O_RDWR), -1);
	CHECK_EQ(errno, EACCES);
}

static void other_users_are_refused(void)
{
	if (geteuid() != 0) {
		printf("skip: needs root\n");
		exit(77);
	}
	itest_wait_ok(itest_fork(other_user_cannot_open_nodes, NULL));
}

static void prime_import_rejects_non_dmabuf_fds(void)
{
	int fd = itest_open(ITEST_RENDER), p[2], file, mfd;
	uint32_t h = 0;
	char tmpl[] = "/tmp/fakedri-itest.XXXXXX";

	CHECK_ERR(drmPrimeFDToHandle(fd, -1, &h), EBADF);
	CHECK_ERR(drmPrimeFDToHandle(fd, 999, &h), EBADF); /* not open */
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	CHECK_ERR(drmPrimeFDToHandle(fd, p[0], &h), EINVAL);
	file = mkostemp(tmpl, O_CLOEXEC);
	CHECK(file >= 0);
	CHECK_EQ(unlink(tmpl), 0);
	CHECK_EQ(ftruncate(file, 4096), 0);
	CHECK_ERR(drmPrimeFDToHandle(fd, file, &h), EINVAL);
	/* a sealed memfd that looks like a buffer but is not one of ours */
	mfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(mfd >= 0);
	CHECK_EQ(ftruncate(mfd, 4096), 0);
	CHECK_EQ(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	CHECK_ERR(drmPrimeFDToHandle(fd, mfd, &h), EINVAL);
	CHECK_ERR(drmPrimeFDToHandle(fd, fd, &h), EINVAL); /* the DRM fd itself */
	CHECK_EQ(h, 0);
	close(p[0]);
	close(p[1]);
	close(file);
	close(mfd);
	close(fd);
	itest_check_device_clean();
}

static void null_arg_is_efault(void)
{
	int fd = itest_open(ITEST_CARD);

	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GET_CAP, NULL), EFAULT);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, NULL), EFAULT);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, NULL), EFAULT);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GET_CAP, (void *)8), EFAULT); /* unmapped */
	close(fd);
	itest_check_device_clean();
}

/* a card fd, a dumb BO and its export; *size = 4 pages */
static int export_bo(int card, uint32_t flags, uint64_t *size)
{
	uint32_t h = itest_dumb_create(card, 64, 64, size);
	int buf = -1;

	CHECK_EQ(*size, 4 * 4096);
	CHECK_EQ(drmPrimeHandleToFD(card, h, flags, &buf), 0);
	CHECK(buf >= 0);
	return buf;
}

static void dmabuf_lseek_only_reports_size(void)
{
	int card = itest_open(ITEST_CARD);
	uint64_t size;
	int buf = export_bo(card, DRM_CLOEXEC | DRM_RDWR, &size);

	CHECK_EQ(lseek(buf, 0, SEEK_END), size);
	CHECK_EQ(lseek(buf, 0, SEEK_SET), 0);
	CHECK_ERR(lseek(buf, 0, SEEK_CUR), EINVAL);
	CHECK_ERR(lseek(buf, 4096, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(buf, -1, SEEK_END), EINVAL);
	close(buf);
	close(card);
	itest_check_device_clean();
}

static void dmabuf_mmap_past_end_is_einval(void)
{
	int card = itest_open(ITEST_CARD);
	uint64_t size;
	int buf = export_bo(card, DRM_CLOEXEC | DRM_RDWR, &size);
	void *p;

	CHECK_MMAP_ERR(mmap(NULL, size + 4096, PROT_READ, MAP_SHARED, buf, 0), EINVAL);
	CHECK_MMAP_ERR(mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 4096), EINVAL);
	CHECK_MMAP_ERR(mmap(NULL, size, PROT_READ, MAP_PRIVATE, buf, 0), EINVAL);
	p = mmap(NULL, size - 4096, PROT_READ, MAP_SHARED, buf, 4096); /* fits */
	CHECK(p != MAP_FAILED);
	munmap(p, size - 4096);
	close(buf);
	close(card);
	itest_check_device_clean();
}

static void dmabuf_sync_checks_flags(void)
{
	int card = itest_open(ITEST_CARD);
	uint64_t size;
	int buf = export_bo(card, DRM_CLOEXEC | DRM_RDWR, &size);
	struct dma_buf_sync s = { .flags = 1u << 5 };

	CHECK_ERR(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), EINVAL);
	s.flags = DMA_BUF_SYNC_START; /* neither READ nor WRITE */
	CHECK_ERR(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), EINVAL);
	s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), 0);
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), 0);
	CHECK_ERR(ioctl(buf, DMA_BUF_IOCTL_SYNC, NULL), EFAULT);
	close(buf);
	close(card);
	itest_check_device_clean();
}

static void dmabuf_set_name_checks_length(void)
{
	int card = itest_open(ITEST_CARD);
	uint64_t size;
	int buf = export_bo(card, DRM_CLOEXEC | DRM_RDWR, &size);
	const char *long_name = "0123456789012345678901234567890123456789"; /* 40 */

	CHECK_EQ(strlen(long_name), 40);
	CHECK_ERR(ioctl(buf, DMA_BUF_SET_NAME, long_name), EINVAL);
	CHECK_EQ(ioctl(buf, DMA_BUF_SET_NAME, "itest-buffer"), 0);
	close(buf);
	close(card);
	itest_check_device_clean();
}

static void dmabuf_without_rdwr_refuses_writable_shared_map(void)
{
	int card = itest_open(ITEST_CARD);
	uint64_t size;
	int buf = export_bo(card, DRM_CLOEXEC, &size);
	void *p;

	CHECK_EQ(fcntl(buf, F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_MMAP_ERR(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0), EACCES);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	CHECK(p != MAP_FAILED);
	munmap(p, size);
	close(buf);
	close(card);
	itest_check_device_clean();
}

static void gem_mmap_errors(void)
{
	int card = itest_open(ITEST_CARD), other = itest_open(ITEST_CARD);
	uint64_t size, off;
	uint32_t h = itest_dumb_create(card, 32, 32, &size);
	struct drm_mode_map_dumb md = { .handle = h };
	void *p;

	CHECK_EQ(drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &md), 0);
	off = md.offset;
	/* COW mappings of GEM objects are refused */
	CHECK_MMAP_ERR(mmap(NULL, size, PROT_READ, MAP_PRIVATE, card, (off_t)off), EINVAL);
	/* an offset no object has */
	CHECK_MMAP_ERR(mmap(NULL, 4096, PROT_READ, MAP_SHARED, card, (off_t)(off + (1ull << 32))), EINVAL);
	/* longer than the object */
	CHECK_MMAP_ERR(mmap(NULL, size + 4096, PROT_READ, MAP_SHARED, card, (off_t)off), EINVAL);
	/* another file's object: it has no handle there */
	CHECK_MMAP_ERR(mmap(NULL, size, PROT_READ, MAP_SHARED, other, (off_t)off), EACCES);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, card, (off_t)off);
	CHECK(p != MAP_FAILED);
	munmap(p, size);
	close(other);
	close(card);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "unknown_ioctl_type_is_enotty", unknown_ioctl_type_is_enotty },
		{ "unknown_ioctl_nr_is_einval", unknown_ioctl_nr_is_einval },
		{ "short_struct_is_zero_extended", short_struct_is_zero_extended },
		{ "oversized_struct_still_works", oversized_struct_still_works },
		{ "invalid_handles_names_and_flags", invalid_handles_names_and_flags },
		{ "render_node_refuses_primary_only_ioctls", render_node_refuses_primary_only_ioctls },
		{ "prime_import_rejects_non_dmabuf_fds", prime_import_rejects_non_dmabuf_fds },
		{ "null_arg_is_efault", null_arg_is_efault },
		{ "dmabuf_lseek_only_reports_size", dmabuf_lseek_only_reports_size },
		{ "dmabuf_mmap_past_end_is_einval", dmabuf_mmap_past_end_is_einval },
		{ "dmabuf_sync_checks_flags", dmabuf_sync_checks_flags },
		{ "dmabuf_set_name_checks_length", dmabuf_set_name_checks_length },
		{ "dmabuf_without_rdwr_refuses_writable_shared_map",
		  dmabuf_without_rdwr_refuses_writable_shared_map },
		{ "gem_mmap_errors", gem_mmap_errors },
		{ "other_users_are_refused", other_users_are_refused },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
