/*
 * test_prime.c - PRIME export/import and the per-file caches (spec §3
 * PRIME_HANDLE_TO_FD / PRIME_FD_TO_HANDLE, fdri_prime.c's DOC).
 */
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static void export_twice_returns_the_same_dmabuf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	int fd1 = -1, fd2 = -1;

	assert_int_equal(fx_export(fx, f, h, DRM_CLOEXEC | DRM_RDWR, &fd1), 0);
	assert_int_equal(fx_export(fx, f, h, DRM_CLOEXEC | DRM_RDWR, &fd2), 0);
	assert_true(fd1 >= 0);
	assert_int_equal(fd2, fd1);
	assert_int_equal(fx->dev->stats.dmabufs, 1);
}

static void export_from_two_files_returns_the_same_dmabuf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h = fx_gem_create(fx, a, 4096), name = 0, hb = 0;
	int fda = -1, fdb = -1;

	assert_int_equal(fx_flink(fx, a, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &hb, NULL), 0);
	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fda), 0);
	assert_int_equal(fx_export(fx, b, hb, 0, &fdb), 0);
	assert_int_equal(fdb, fda);
}

static void export_out_fd_flags_follow_the_request(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	struct drm_prime_handle p = { .handle = h, .flags = DRM_CLOEXEC | DRM_RDWR };
	struct fdri_ioctl_args a;
	unsigned char kdata[64] = { 0 };

	/* the transport's view: fdri_ioctl_run() leaves out_fd_flags set */
	assert_int_equal(fdri_ioctl_decode(fx->dev, DRM_IOCTL_PRIME_HANDLE_TO_FD, &a), 0);
	memcpy(kdata, &p, sizeof(p));
	assert_int_equal(fdri_ioctl_permit(f, &fx->user, &a), 0);
	fdri_ioctl_bufs(&a, kdata);
	assert_int_equal(fdri_ioctl_run(f, &fx->user, kdata, &a), 0);
	assert_true(a.out_fd >= 0);
	assert_int_equal(a.out_fd_flags, O_CLOEXEC | O_RDWR);
	assert_int_equal(a.desc->fd_out_off, offsetof(struct drm_prime_handle, fd));
}

static void first_export_without_rdwr_makes_a_read_only_dmabuf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	int fd = -1;

	assert_int_equal(fx_export(fx, f, h, DRM_CLOEXEC, &fd), 0);
	assert_int_equal(fx_fd_flags(&fx->host, fd), O_RDONLY);
}

static void import_twice_returns_the_same_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, a, 4096), h1 = 0, h2 = 0;
	int fd = -1, cfd;

	fx_gem_create(fx, b, 4096); /* so the import does not get handle 1 by chance */
	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, b, cfd, &h1), 0);
	assert_int_equal(fx_import(fx, b, cfd, &h2), 0);
	assert_int_equal(h1, 2);
	assert_int_equal(h2, h1);
	assert_int_equal(fx_gem_info(fx, b, h1).handle_count, 2);
	fx_client_close(&fx->host, cfd);
}

static void self_import_returns_the_original_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h, imported = 0;
	int fd = -1, cfd;

	fx_gem_create(fx, f, 4096);
	h = fx_gem_create(fx, f, 4096);
	assert_int_equal(fx_export(fx, f, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, f, cfd, &imported), 0);
	assert_int_equal(imported, h);
	assert_int_equal(fx_gem_info(fx, f, h).handle_count, 1);
	fx_client_close(&fx->host, cfd);
}

static void import_in_another_file_refers_to_the_same_object(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, a, 8192), hb = 0;
	struct drm_fakedri_gem_info ia, ib;
	int fd = -1, cfd;

	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, b, cfd, &hb), 0);
	ia = fx_gem_info(fx, a, h);
	ib = fx_gem_info(fx, b, hb);
	assert_int_equal(ib.id, ia.id);
	assert_int_equal(ib.size, 8192);
	assert_int_equal(ib.handle_count, 2);
	assert_int_equal(ib.flags & DRM_FAKEDRI_GEM_INFO_IMPORTED, 0);
	assert_int_equal(fx->dev->stats.objects, 1);
	fx_client_close(&fx->host, cfd);
}

static void import_after_gem_open_gives_a_second_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h = fx_gem_create(fx, a, 4096), name = 0, ho = 0, hi = 0;
	int fd = -1, cfd;

	assert_int_equal(fx_flink(fx, a, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &ho, NULL), 0);
	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, b, cfd, &hi), 0);
	assert_int_not_equal(hi, ho);
	assert_int_equal(fx_gem_info(fx, b, hi).id, fx_gem_info(fx, b, ho).id);
	fx_client_close(&fx->host, cfd);
}

/* drm_prime_file_private is a multimap: a file with two handles to one
 * dma-buf answers an import with the first handle cached, and closing that
 * handle hands the answer to the other one. */
static void import_answers_with_the_oldest_cached_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h1 = fx_gem_create(fx, a, 4096), name = 0, h2 = 0, hi = 0;
	int fd1 = -1, fd2 = -1, cfd;

	assert_int_equal(fx_flink(fx, a, h1, &name), 0);
	assert_int_equal(fx_gem_open(fx, a, name, &h2, NULL), 0);
	assert_int_equal(fx_export(fx, a, h1, DRM_RDWR, &fd1), 0);
	assert_int_equal(fx_export(fx, a, h2, DRM_RDWR, &fd2), 0);
	assert_int_equal(fd1, fd2); /* one dma-buf per object */
	cfd = fx_client_dup(&fx->host, fd1);
	assert_int_equal(fx_import(fx, a, cfd, &hi), 0);
	assert_int_equal(hi, h1);
	assert_int_equal(fx_gem_close(fx, a, h1), 0);
	assert_int_equal(fx_import(fx, a, cfd, &hi), 0);
	assert_int_equal(hi, h2);
	fx_client_close(&fx->host, cfd);
}

static void closing_a_second_handle_keeps_the_first_cached(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h1 = fx_gem_create(fx, a, 4096), name = 0, h2 = 0, hi = 0;
	int fd = -1, cfd;

	assert_int_equal(fx_flink(fx, a, h1, &name), 0);
	assert_int_equal(fx_gem_open(fx, a, name, &h2, NULL), 0);
	assert_int_equal(fx_export(fx, a, h1, DRM_RDWR, &fd), 0);
	assert_int_equal(fx_export(fx, a, h2, DRM_RDWR, &fd), 0);
	assert_int_equal(fx_gem_close(fx, a, h2), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, a, cfd, &hi), 0);
	assert_int_equal(hi, h1); /* no new handle: h1's entry is still there */
	assert_int_equal(fx_gem_info(fx, a, h1).handle_count, 1);
	fx_client_close(&fx->host, cfd);
}

static void reexport_of_an_imported_object_returns_the_original_dmabuf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, a, 4096), hb = 0;
	int fd = -1, fdb = -1, cfd;

	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, b, cfd, &hb), 0);
	assert_int_equal(fx_export(fx, b, hb, DRM_RDWR, &fdb), 0);
	assert_int_equal(fdb, fd);
	fx_client_close(&fx->host, cfd);
}

static void export_with_unknown_flags_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	int fd = -1;

	assert_int_equal(fx_export(fx, f, h, 0x1, &fd), -EINVAL);
	assert_int_equal(fx_export(fx, f, h, O_NONBLOCK, &fd), -EINVAL);
	assert_int_equal(fx_export(fx, f, h, DRM_CLOEXEC | DRM_RDWR | 0x4, &fd), -EINVAL);
	assert_int_equal(fd, -1);
	assert_int_equal(fx->dev->stats.dmabufs, 0);
}

static void export_with_unknown_flags_and_a_bad_handle_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	assert_int_equal(fx_export(fx, f, 5, 0x1, NULL), -EINVAL);
}

static void export_of_a_bad_handle_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	fx_gem_create(fx, f, 4096);
	assert_int_equal(fx_export(fx, f, 0, DRM_RDWR, NULL), -ENOENT);
	assert_int_equal(fx_export(fx, f, 2, DRM_RDWR, NULL), -ENOENT);
}

static void import_of_fd_minus_one_fails_with_ebadf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	assert_int_equal(fx_import(fx, f, -1, NULL), -EBADF);
}

static void import_of_an_unknown_fd_fails_with_ebadf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	assert_int_equal(fx_import(fx, f, 99999, NULL), -EBADF);
}

static void import_of_a_non_dmabuf_fd_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	int cfd = fx_client_foreign_file(&fx->host);

	assert_int_equal(fx_import(fx, f, cfd, NULL), -EINVAL);
	assert_int_equal(fx->dev->stats.objects, 0);
	fx_client_close(&fx->host, cfd);
}

static void forgotten_dmabuf_can_be_imported_with_its_size_and_contents(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32), h2 = 0;
	int fd = -1, cfd, memfd = -1;
	uint64_t off;

	assert_int_equal(fx_export(fx, f, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	memcpy(fx_inode_of(&fx->host, cfd)->data, "pixels", 7);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fx->dev->stats.objects, 0);
	assert_int_equal(fx->dev->stats.dmabufs, 0);

	assert_int_equal(fx_import(fx, f, cfd, &h2), 0);
	assert_int_equal(fx_gem_info(fx, f, h2).size, 16384);
	assert_int_equal(fx_gem_info(fx, f, h2).flags & DRM_FAKEDRI_GEM_INFO_IMPORTED, 0);
	off = fx_map_dumb(fx, f, h2);
	assert_int_equal(fdri_file_mmap(f, off, 16384, &memfd), 0);
	assert_string_equal((char *)fx_inode_of(&fx->host, memfd)->data, "pixels");
	fx_client_close(&fx->host, cfd);
}

static void forgotten_dmabuf_reexports_as_the_same_dmabuf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096), h2 = 0;
	int fd = -1, fd2 = -1, cfd;

	assert_int_equal(fx_export(fx, f, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fx_import(fx, f, cfd, &h2), 0);
	assert_int_equal(fx_export(fx, f, h2, DRM_RDWR, &fd2), 0);
	assert_int_equal(fx_inode_of(&fx->host, fd2)->ino, fx_inode_of(&fx->host, cfd)->ino);
	fx_client_close(&fx->host, cfd);
}

/* Export from a second device (instance 2) and hand the client's fd over. */
static int foreign_dmabuf(struct fx *fx, uint64_t size)
{
	struct fdri_file *other = fx_open_on(fx, fx_second_device(fx), FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, other, size);
	int fd = -1, cfd;

	assert_int_equal(fx_export(fx, other, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	fx_close(fx, other);
	return cfd;
}

static void foreign_dmabuf_imports_as_an_imported_object(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	int cfd = foreign_dmabuf(fx, 3 * 4096);
	uint32_t h = 0;
	struct drm_fakedri_gem_info i;

	assert_int_equal(fx_import(fx, f, cfd, &h), 0);
	i = fx_gem_info(fx, f, h);
	assert_int_equal(i.flags & DRM_FAKEDRI_GEM_INFO_IMPORTED, DRM_FAKEDRI_GEM_INFO_IMPORTED);
	assert_int_equal(i.size, 3 * 4096);
	assert_int_equal(i.handle_count, 1);
	fx_client_close(&fx->host, cfd);
}

static void map_dumb_of_a_foreign_import_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	int cfd = foreign_dmabuf(fx, 4096);
	struct drm_mode_map_dumb m = { 0 };

	assert_int_equal(fx_import(fx, f, cfd, &m.handle), 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_MAP_DUMB, &m), -EINVAL);
	assert_int_equal(m.offset, 0);
	fx_client_close(&fx->host, cfd);
}

static void foreign_import_can_be_mmapped_through_gem_mmap_offset(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	int cfd = foreign_dmabuf(fx, 4096), memfd = -1;
	struct drm_fakedri_gem_mmap_offset mo = { 0 };

	assert_int_equal(fx_import(fx, f, cfd, &mo.handle), 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, &mo), 0);
	assert_int_equal(fdri_file_mmap(f, mo.offset, 4096, &memfd), 0);
	assert_int_equal(fx_inode_of(&fx->host, memfd)->ino, fx_inode_of(&fx->host, cfd)->ino);
	fx_client_close(&fx->host, cfd);
}

static void reexport_of_a_foreign_import_returns_the_foreign_dmabuf(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	int cfd = foreign_dmabuf(fx, 4096), fd = -1;
	uint32_t h = 0;

	assert_int_equal(fx_import(fx, f, cfd, &h), 0);
	assert_int_equal(fx_export(fx, f, h, DRM_RDWR, &fd), 0);
	assert_int_equal(fx_inode_of(&fx->host, fd)->ino, fx_inode_of(&fx->host, cfd)->ino);
	assert_int_equal(fx_inode_of(&fx->host, fd)->instance, 2);
	fx_client_close(&fx->host, cfd);
}

static void foreign_import_in_two_files_makes_two_objects(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	int cfd = foreign_dmabuf(fx, 4096);
	uint32_t ha = 0, hb = 0;

	assert_int_equal(fx_import(fx, a, cfd, &ha), 0);
	assert_int_equal(fx_import(fx, b, cfd, &hb), 0);
	assert_int_not_equal(fx_gem_info(fx, a, ha).id, fx_gem_info(fx, b, hb).id);
	fx_client_close(&fx->host, cfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(export_twice_returns_the_same_dmabuf),
		FX_TEST(export_from_two_files_returns_the_same_dmabuf),
		FX_TEST(export_out_fd_flags_follow_the_request),
		FX_TEST(first_export_without_rdwr_makes_a_read_only_dmabuf),
		FX_TEST(import_twice_returns_the_same_handle),
		FX_TEST(import_answers_with_the_oldest_cached_handle),
		FX_TEST(closing_a_second_handle_keeps_the_first_cached),
		FX_TEST(self_import_returns_the_original_handle),
		FX_TEST(import_in_another_file_refers_to_the_same_object),
		FX_TEST(import_after_gem_open_gives_a_second_handle),
		FX_TEST(reexport_of_an_imported_object_returns_the_original_dmabuf),
		FX_TEST(export_with_unknown_flags_fails_with_einval),
		FX_TEST(export_with_unknown_flags_and_a_bad_handle_fails_with_einval),
		FX_TEST(export_of_a_bad_handle_fails_with_enoent),
		FX_TEST(import_of_fd_minus_one_fails_with_ebadf),
		FX_TEST(import_of_an_unknown_fd_fails_with_ebadf),
		FX_TEST(import_of_a_non_dmabuf_fd_fails_with_einval),
		FX_TEST(forgotten_dmabuf_can_be_imported_with_its_size_and_contents),
		FX_TEST(forgotten_dmabuf_reexports_as_the_same_dmabuf),
		FX_TEST(foreign_dmabuf_imports_as_an_imported_object),
		FX_TEST(map_dumb_of_a_foreign_import_fails_with_einval),
		FX_TEST(foreign_import_can_be_mmapped_through_gem_mmap_offset),
		FX_TEST(reexport_of_a_foreign_import_returns_the_foreign_dmabuf),
		FX_TEST(foreign_import_in_two_files_makes_two_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
