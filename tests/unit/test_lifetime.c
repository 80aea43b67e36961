/*
 * test_lifetime.c - what closing handles and files releases: objects,
 * dma-bufs, masters and every fd the core was given (fdri_core.h's DOC on
 * object lifetimes).
 */
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>

static void closing_a_file_releases_all_its_handles(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h = fx_gem_create(fx, a, 4096), name = 0;

	assert_int_equal(fx_flink(fx, a, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, b, name, NULL, NULL), 0);
	assert_int_equal(fx_gem_open(fx, b, name, NULL, NULL), 0);
	fx_gem_create(fx, b, 8192);
	assert_int_equal(fx_gem_info(fx, a, h).handle_count, 3);
	fx_close(fx, b);
	assert_int_equal(fx_gem_info(fx, a, h).handle_count, 1);
	assert_int_equal(fx->dev->stats.objects, 1);
}

static void closing_the_last_handle_frees_the_object_and_its_backing(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32);
	int memfd = -1;

	assert_int_equal(fdri_file_mmap(f, fx_map_dumb(fx, f, h), 16384, &memfd), 0);
	assert_int_equal(fx_core_fds_open(&fx->host), 1);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fx->dev->stats.objects, 0);
	assert_int_equal(fx->dev->stats.backed_bytes, 0);
	assert_int_equal(fx_core_fds_open(&fx->host), 0);
}

static void object_offset_is_gone_after_the_object_is_freed(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 8, 8, 8);
	uint64_t off = fx_map_dumb(fx, f, h);
	int memfd = -1;

	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fdri_file_mmap(f, off, 4096, &memfd), -EINVAL);
}

static void dmabuf_is_released_when_the_exporters_last_handle_closes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	int fd = -1;

	assert_int_equal(fx_export(fx, f, h, DRM_RDWR, &fd), 0);
	assert_int_equal(fx->dev->stats.dmabufs, 1);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fx->dev->stats.dmabufs, 0);
	assert_int_equal(fx->dev->stats.objects, 0);
	assert_int_equal(fx_core_fds_open(&fx->host), 0);
}

static void exported_object_lives_while_an_importer_holds_a_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, a, 4096), hb = 0;
	int fd = -1, fd2 = -1;

	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fd), 0);
	assert_int_equal(fx_import(fx, b, fd, &hb), 0);
	fx_close(fx, a);
	assert_int_equal(fx->dev->stats.objects, 1);
	assert_int_equal(fx->dev->stats.dmabufs, 1);
	assert_int_equal(fx_export(fx, b, hb, DRM_RDWR, &fd2), 0);
	assert_int_equal(fd2, fd);
}

static void closing_every_file_leaves_the_device_empty(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *p = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *q = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *o = fx_open_on(fx, fx_second_device(fx), FDRI_NODE_RENDER, &fx->user);
	uint32_t hp = fx_dumb_create(fx, p, 64, 64, 32), name = 0, ho = fx_gem_create(fx, o, 8192);
	int fd = -1, ofd = -1, memfd = -1, cfd;
	struct drm_auth magic = { 0 };

	assert_int_equal(fx_flink(fx, p, hp, &name), 0);
	assert_int_equal(fx_gem_open(fx, q, name, NULL, NULL), 0);
	assert_int_equal(fx_export(fx, p, hp, DRM_RDWR | DRM_CLOEXEC, &fd), 0);
	assert_int_equal(fx_import(fx, r, fd, NULL), 0);
	assert_int_equal(fdri_file_mmap(p, fx_map_dumb(fx, p, hp), 16384, &memfd), 0);
	assert_int_equal(fx_export(fx, o, ho, DRM_RDWR, &ofd), 0);
	cfd = fx_client_dup(&fx->host, ofd);
	assert_int_equal(fx_import(fx, r, cfd, NULL), 0);
	assert_int_equal(fx_ioctl(fx, q, DRM_IOCTL_GET_MAGIC, &magic), 0);
	assert_true(fx_core_fds_open(&fx->host) > 0);

	fx_close(fx, p);
	fx_close(fx, q);
	fx_close(fx, r);
	fx_close(fx, o);
	fx_client_close(&fx->host, cfd);
	assert_int_equal(fx->dev->stats.files_open, 0);
	assert_int_equal(fx->dev->stats.objects, 0);
	assert_int_equal(fx->dev->stats.dmabufs, 0);
	assert_int_equal(fx->dev2->stats.objects, 0);
	assert_int_equal(fx->dev2->stats.dmabufs, 0);
	assert_null(fx->dev->master);
	assert_int_equal(fx_core_fds_open(&fx->host), 0);
	assert_int_equal(fx->host.core_closed, fx->host.core_opened);
	assert_int_equal(fx->host.bad_closes, 0);
}

static void failed_open_with_o_excl_leaves_nothing_behind(void **state)
{
	struct fx *fx = *state;
	int err = 0;

	assert_null(fdri_file_open(fx->dev, FDRI_NODE_PRIMARY, &fx->user, O_EXCL, &err));
	assert_int_equal(err, -EBUSY);
	assert_int_equal(fx->dev->stats.files_open, 0);
	assert_null(fx->dev->master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(closing_a_file_releases_all_its_handles),
		FX_TEST(closing_the_last_handle_frees_the_object_and_its_backing),
		FX_TEST(object_offset_is_gone_after_the_object_is_freed),
		FX_TEST(dmabuf_is_released_when_the_exporters_last_handle_closes),
		FX_TEST(exported_object_lives_while_an_importer_holds_a_handle),
		FX_TEST(closing_every_file_leaves_the_device_empty),
		FX_TEST(failed_open_with_o_excl_leaves_nothing_behind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
