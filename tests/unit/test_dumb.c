/*
 * test_dumb.c - dumb buffers (MODE_CREATE_DUMB / MAP_DUMB / DESTROY_DUMB)
 * and mmap of the DRM fd through fdri_file_mmap() (spec §3, §4).
 */
#include "fixture.h"

#include <errno.h>

static int dumb_create(struct fx *fx, struct fdri_file *f, struct drm_mode_create_dumb *c)
{
	return fx_ioctl(fx, f, DRM_IOCTL_MODE_CREATE_DUMB, c);
}

static void dumb_create_with_a_zero_dimension_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c;

	c = (struct drm_mode_create_dumb){ .width = 0, .height = 64, .bpp = 32 };
	assert_int_equal(dumb_create(fx, f, &c), -EINVAL);
	c = (struct drm_mode_create_dumb){ .width = 64, .height = 0, .bpp = 32 };
	assert_int_equal(dumb_create(fx, f, &c), -EINVAL);
	c = (struct drm_mode_create_dumb){ .width = 64, .height = 64, .bpp = 0 };
	assert_int_equal(dumb_create(fx, f, &c), -EINVAL);
	assert_int_equal(fx->dev->stats.objects, 0);
}

static void dumb_create_with_an_overflowing_size_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	static const struct drm_mode_create_dumb bad[] = {
		{ .width = 1, .height = 1, .bpp = UINT32_MAX - 7 },       /* bpp > U32_MAX - 8 */
		{ .width = 0x40000000, .height = 1, .bpp = 32 },         /* cpp * width */
		{ .width = 0x10000, .height = 0x10000, .bpp = 8 },       /* height * stride */
		{ .width = 0xFFFFF001, .height = 1, .bpp = 8 },          /* page-aligned size is 0 */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_mode_create_dumb c = bad[i];

		c.handle = 77;
		assert_int_equal(dumb_create(fx, f, &c), -EINVAL);
		assert_int_equal(c.handle, 77);
	}
	assert_int_equal(fx->dev->stats.objects, 0);
}

static void dumb_create_of_the_largest_size_succeeds(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c = { .width = 1, .height = 0xFFFFF000, .bpp = 8 };

	assert_int_equal(dumb_create(fx, f, &c), 0);
	assert_int_equal(c.pitch, 1);
	assert_int_equal(c.size, 0xFFFFF000);
}

static void dumb_pitch_wraps_in_32_bits_as_in_the_kernel(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c = { .width = 0xFFFFF000, .height = 1, .bpp = 8 };

	/* width * bpp = 0x7FFFF8000 wraps to 0xFFFF8000 before the division */
	assert_int_equal(dumb_create(fx, f, &c), 0);
	assert_int_equal(c.pitch, 0x1FFFF000);
	assert_int_equal(c.size, 0x1FFFF000);
}

static void dumb_create_whose_pitch_wraps_to_zero_fails_with_enospc(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c = {
		.width = 0x20000000, .height = 1, .bpp = 8, .handle = 5, .pitch = 6, .size = 7,
	};

	/* width * bpp = 1 << 32 wraps to 0: a zero-sized object cannot get an offset */
	assert_int_equal(dumb_create(fx, f, &c), -ENOSPC);
	assert_int_equal(c.handle, 0);
	assert_int_equal(c.pitch, 0);
	assert_int_equal(c.size, 0);
	assert_int_equal(fx->dev->stats.objects, 0);
}

static void dumb_64x64x32_has_pitch_256_and_size_16384(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };

	assert_int_equal(dumb_create(fx, f, &c), 0);
	assert_int_equal(c.handle, 1);
	assert_int_equal(c.pitch, 256);
	assert_int_equal(c.size, 16384);
}

static void dumb_1x1x1_is_one_page(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c = { .width = 1, .height = 1, .bpp = 1 };

	assert_int_equal(dumb_create(fx, f, &c), 0);
	assert_int_equal(c.pitch, 1);
	assert_int_equal(c.size, 4096);
}

static void dumb_1024x1024x8_is_one_mib(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c = { .width = 1024, .height = 1024, .bpp = 8 };

	assert_int_equal(dumb_create(fx, f, &c), 0);
	assert_int_equal(c.pitch, 1024);
	assert_int_equal(c.size, 1024 * 1024);
}

static void dumb_create_ignores_input_pitch_and_size(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_create_dumb c = {
		.width = 10, .height = 10, .bpp = 24, .pitch = 4096, .size = 1 << 20, .flags = 0xff,
	};

	assert_int_equal(dumb_create(fx, f, &c), 0);
	assert_int_equal(c.pitch, 30);
	assert_int_equal(c.size, 4096);
}

static void map_dumb_returns_an_offset_above_4gib(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32);

	assert_int_equal(fx_map_dumb(fx, f, h), FDRI_MMAP_OFFSET_START);
	assert_true(fx_map_dumb(fx, f, h) >= 0x100000000ull);
}

static void dumb_offsets_follow_creation_order(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t a = fx_dumb_create(fx, f, 64, 64, 32);   /* 16 KiB */
	uint32_t b = fx_dumb_create(fx, f, 1, 1, 8);      /* 4 KiB */
	uint32_t c = fx_dumb_create(fx, f, 1, 1, 8);

	assert_int_equal(fx_map_dumb(fx, f, a), 0x100000000ull);
	assert_int_equal(fx_map_dumb(fx, f, b), 0x100000000ull + 16384);
	assert_int_equal(fx_map_dumb(fx, f, c), 0x100000000ull + 16384 + 4096);
}

static void map_dumb_of_a_bad_handle_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_map_dumb m = { .handle = 3 };

	fx_dumb_create(fx, f, 8, 8, 8);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_MAP_DUMB, &m), -ENOENT);
}

static void destroy_dumb_releases_the_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_destroy_dumb d = { .handle = fx_dumb_create(fx, f, 8, 8, 8) };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_DESTROY_DUMB, &d), 0);
	assert_int_equal(fx->dev->stats.objects, 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_DESTROY_DUMB, &d), -EINVAL);
}

static void destroy_dumb_works_on_any_gem_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_destroy_dumb d = { .handle = fx_gem_create(fx, f, 4096) };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_DESTROY_DUMB, &d), 0);
	assert_int_equal(fx->dev->stats.objects, 0);
}

static void mmap_at_the_exact_offset_borrows_the_backing(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint64_t off = fx_map_dumb(fx, f, fx_dumb_create(fx, f, 64, 64, 32));
	int memfd = -1, again = -1;

	assert_int_equal(fdri_file_mmap(f, off, 16384, &memfd), 0);
	assert_true(memfd >= 0);
	assert_int_equal(fx_inode_of(&fx->host, memfd)->size, 16384);
	assert_int_equal(fdri_file_mmap(f, off, 4096, &again), 0);
	assert_int_equal(again, memfd);
	assert_int_equal(fx->dev->stats.backed_bytes, 16384);
}

static void mmap_inside_an_object_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint64_t off = fx_map_dumb(fx, f, fx_dumb_create(fx, f, 64, 64, 32));
	int memfd = -1;

	assert_int_equal(fdri_file_mmap(f, off + 4096, 4096, &memfd), -EINVAL);
	assert_int_equal(fdri_file_mmap(f, off + 1, 4096, &memfd), -EINVAL);
	assert_int_equal(fdri_file_mmap(f, 0, 4096, &memfd), -EINVAL);
	assert_int_equal(memfd, -1);
}

static void mmap_longer_than_the_object_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint64_t off = fx_map_dumb(fx, f, fx_dumb_create(fx, f, 64, 64, 32));
	int memfd = -1;

	assert_int_equal(fdri_file_mmap(f, off, 16384 + 1, &memfd), -EINVAL);
	assert_int_equal(fdri_file_mmap(f, off, 16384 + 4096, &memfd), -EINVAL);
	assert_int_equal(memfd, -1);
}

static void mmap_with_a_wrapping_length_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint64_t off = fx_map_dumb(fx, f, fx_dumb_create(fx, f, 64, 64, 32));
	int memfd = -1;

	assert_int_equal(fdri_file_mmap(f, off, UINT64_MAX, &memfd), -EINVAL);
	assert_int_equal(fdri_file_mmap(f, off, UINT64_MAX - 4094, &memfd), -EINVAL);
	assert_int_equal(memfd, -1);
}

static void mmap_of_zero_length_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint64_t off = fx_map_dumb(fx, f, fx_dumb_create(fx, f, 64, 64, 32));
	int memfd = -1;

	assert_int_equal(fdri_file_mmap(f, off, 0, &memfd), -EINVAL);
}

static void mmap_from_a_file_without_a_handle_fails_with_eacces(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint64_t off = fx_map_dumb(fx, a, fx_dumb_create(fx, a, 64, 64, 32));
	int memfd = -1;

	assert_int_equal(fdri_file_mmap(b, off, 4096, &memfd), -EACCES);
	assert_int_equal(memfd, -1);
}

static void mmap_is_allowed_while_the_file_keeps_a_second_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h = fx_dumb_create(fx, a, 8, 8, 8), name = 0, h1 = 0, h2 = 0;
	uint64_t off = fx_map_dumb(fx, a, h);
	int memfd = -1;

	assert_int_equal(fx_flink(fx, a, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &h1, NULL), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &h2, NULL), 0);
	assert_int_equal(fx_gem_close(fx, b, h1), 0);
	assert_int_equal(fdri_file_mmap(b, off, 4096, &memfd), 0);
	assert_int_equal(fx_gem_close(fx, b, h2), 0);
	assert_int_equal(fdri_file_mmap(b, off, 4096, &memfd), -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(dumb_create_with_a_zero_dimension_fails_with_einval),
		FX_TEST(dumb_create_with_an_overflowing_size_fails_with_einval),
		FX_TEST(dumb_create_of_the_largest_size_succeeds),
		FX_TEST(dumb_pitch_wraps_in_32_bits_as_in_the_kernel),
		FX_TEST(dumb_create_whose_pitch_wraps_to_zero_fails_with_enospc),
		FX_TEST(dumb_64x64x32_has_pitch_256_and_size_16384),
		FX_TEST(dumb_1x1x1_is_one_page),
		FX_TEST(dumb_1024x1024x8_is_one_mib),
		FX_TEST(dumb_create_ignores_input_pitch_and_size),
		FX_TEST(map_dumb_returns_an_offset_above_4gib),
		FX_TEST(dumb_offsets_follow_creation_order),
		FX_TEST(map_dumb_of_a_bad_handle_fails_with_enoent),
		FX_TEST(destroy_dumb_releases_the_handle),
		FX_TEST(destroy_dumb_works_on_any_gem_handle),
		FX_TEST(mmap_at_the_exact_offset_borrows_the_backing),
		FX_TEST(mmap_inside_an_object_fails_with_einval),
		FX_TEST(mmap_longer_than_the_object_fails_with_einval),
		FX_TEST(mmap_with_a_wrapping_length_fails_with_einval),
		FX_TEST(mmap_of_zero_length_fails_with_einval),
		FX_TEST(mmap_from_a_file_without_a_handle_fails_with_eacces),
		FX_TEST(mmap_is_allowed_while_the_file_keeps_a_second_handle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
