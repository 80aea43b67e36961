/*
 * test_gem.c - GEM handles, flink names and GEM_OPEN (spec §3 GEM_CLOSE,
 * GEM_FLINK, GEM_OPEN, handle allocation).
 */
#include "fixture.h"

#include <errno.h>
#include <limits.h>

static void handles_start_at_one_and_reuse_the_lowest_free(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	assert_int_equal(fx_gem_create(fx, f, 4096), 1);
	assert_int_equal(fx_gem_create(fx, f, 4096), 2);
	assert_int_equal(fx_gem_create(fx, f, 4096), 3);
	assert_int_equal(fx_gem_close(fx, f, 2), 0);
	assert_int_equal(fx_gem_close(fx, f, 1), 0);
	assert_int_equal(fx_gem_create(fx, f, 4096), 1);
	assert_int_equal(fx_gem_create(fx, f, 4096), 2);
	assert_int_equal(fx_gem_create(fx, f, 4096), 4);
}

static void handles_are_numbered_per_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	assert_int_equal(fx_gem_create(fx, a, 4096), 1);
	assert_int_equal(fx_gem_create(fx, a, 4096), 2);
	assert_int_equal(fx_gem_create(fx, b, 4096), 1);
}

static void gem_close_of_handle_zero_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	fx_gem_create(fx, f, 4096);
	assert_int_equal(fx_gem_close(fx, f, 0), -EINVAL);
}

static void gem_close_of_an_unknown_handle_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	fx_gem_create(fx, f, 4096);
	assert_int_equal(fx_gem_close(fx, f, 2), -EINVAL);
	assert_int_equal(fx_gem_close(fx, f, 1000000), -EINVAL);
	assert_int_equal(fx_gem_close(fx, f, UINT32_MAX), -EINVAL);
}

static void gem_close_of_a_closed_handle_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);

	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fx_gem_close(fx, f, h), -EINVAL);
}

static void gem_close_of_another_files_handle_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, a, 4096);

	assert_int_equal(fx_gem_close(fx, b, h), -EINVAL);
	assert_int_equal(fx_gem_info(fx, a, h).handle_count, 1);
}

static void gem_create_rounds_the_size_up_to_whole_pages(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_fakedri_gem_create c = { .size = 4097 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), 0);
	assert_int_equal(c.size, 8192);
	assert_int_equal(fx_gem_info(fx, f, c.handle).size, 8192);
}

static void flink_twice_returns_the_same_name(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096), n1 = 0, n2 = 0;

	assert_int_equal(fx_flink(fx, f, h, &n1), 0);
	assert_int_equal(fx_flink(fx, f, h, &n2), 0);
	assert_int_equal(n1, 1);
	assert_int_equal(n2, n1);
}

static void flink_from_another_file_returns_the_same_name(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t n1 = 0, n2 = 0, hb = 0;

	assert_int_equal(fx_flink(fx, a, fx_gem_create(fx, a, 4096), &n1), 0);
	assert_int_equal(fx_gem_open(fx, b, n1, &hb, NULL), 0);
	assert_int_equal(fx_flink(fx, b, hb, &n2), 0);
	assert_int_equal(n2, n1);
}

static void flink_names_are_device_global_lowest_free(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t n = 0;

	assert_int_equal(fx_flink(fx, a, fx_gem_create(fx, a, 4096), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fx_flink(fx, b, fx_gem_create(fx, b, 4096), &n), 0);
	assert_int_equal(n, 2);
}

static void flink_of_a_bad_handle_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	fx_gem_create(fx, f, 4096);
	assert_int_equal(fx_flink(fx, f, 0, NULL), -ENOENT);
	assert_int_equal(fx_flink(fx, f, 7, NULL), -ENOENT);
}

static void flink_name_is_gone_after_last_handle_closes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h = fx_gem_create(fx, a, 4096), name = 0;

	assert_int_equal(fx_flink(fx, a, h, &name), 0);
	assert_int_equal(fx_gem_close(fx, a, h), 0);
	assert_int_equal(fx_gem_open(fx, b, name, NULL, NULL), -ENOENT);
}

static void flink_name_stays_while_another_file_has_a_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h = fx_gem_create(fx, a, 4096), name = 0, hb = 0, hb2 = 0;

	assert_int_equal(fx_flink(fx, a, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &hb, NULL), 0);
	assert_int_equal(fx_gem_close(fx, a, h), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &hb2, NULL), 0);
	assert_int_equal(fx_gem_info(fx, b, hb2).id, fx_gem_info(fx, b, hb).id);
}

static void flink_name_is_reused_after_the_object_loses_its_handles(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h1 = fx_gem_create(fx, f, 4096), h2, n1 = 0, n2 = 0;

	assert_int_equal(fx_flink(fx, f, h1, &n1), 0);
	assert_int_equal(fx_gem_close(fx, f, h1), 0);
	h2 = fx_gem_create(fx, f, 8192);
	assert_int_equal(fx_flink(fx, f, h2, &n2), 0);
	assert_int_equal(n2, n1);
	assert_int_equal(fx_gem_info(fx, f, h2).name, n2);
}

static void gem_open_makes_a_new_handle_every_time(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h = fx_gem_create(fx, a, 4096), name = 0, h1 = 0, h2 = 0;

	assert_int_equal(fx_flink(fx, a, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &h1, NULL), 0);
	assert_int_equal(fx_gem_open(fx, b, name, &h2, NULL), 0);
	assert_int_equal(h1, 1);
	assert_int_equal(h2, 2);
	assert_int_equal(fx_gem_info(fx, b, h1).id, fx_gem_info(fx, a, h).id);
	assert_int_equal(fx_gem_info(fx, b, h2).id, fx_gem_info(fx, a, h).id);
	assert_int_equal(fx_gem_info(fx, a, h).handle_count, 3);
}

static void gem_open_in_the_same_file_makes_a_second_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096), name = 0, h2 = 0;

	assert_int_equal(fx_flink(fx, f, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, f, name, &h2, NULL), 0);
	assert_int_not_equal(h2, h);
	assert_int_equal(fx_gem_info(fx, f, h2).id, fx_gem_info(fx, f, h).id);
}

static void gem_open_returns_the_object_size(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t name = 0;
	uint64_t size = 0;

	assert_int_equal(fx_flink(fx, a, fx_gem_create(fx, a, 3 * 4096 + 1), &name), 0);
	assert_int_equal(fx_gem_open(fx, b, name, NULL, &size), 0);
	assert_int_equal(size, 4 * 4096);
}

static void gem_open_of_name_zero_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	fx_flink(fx, f, fx_gem_create(fx, f, 4096), NULL);
	assert_int_equal(fx_gem_open(fx, f, 0, NULL, NULL), -ENOENT);
}

static void gem_open_of_an_unknown_name_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	fx_flink(fx, f, fx_gem_create(fx, f, 4096), NULL);
	assert_int_equal(fx_gem_open(fx, f, 2, NULL, NULL), -ENOENT);
	assert_int_equal(fx_gem_open(fx, f, 100000, NULL, NULL), -ENOENT);
}

static void gem_open_of_a_name_above_int_max_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	fx_flink(fx, f, fx_gem_create(fx, f, 4096), NULL);
	assert_int_equal(fx_gem_open(fx, f, (uint32_t)INT_MAX + 1, NULL, NULL), -ENOENT);
	assert_int_equal(fx_gem_open(fx, f, (uint32_t)INT_MAX + 2, NULL, NULL), -ENOENT);
	assert_int_equal(fx_gem_open(fx, f, UINT32_MAX, NULL, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(handles_start_at_one_and_reuse_the_lowest_free),
		FX_TEST(handles_are_numbered_per_file),
		FX_TEST(gem_close_of_handle_zero_fails_with_einval),
		FX_TEST(gem_close_of_an_unknown_handle_fails_with_einval),
		FX_TEST(gem_close_of_a_closed_handle_fails_with_einval),
		FX_TEST(gem_close_of_another_files_handle_fails_with_einval),
		FX_TEST(gem_create_rounds_the_size_up_to_whole_pages),
		FX_TEST(flink_twice_returns_the_same_name),
		FX_TEST(flink_from_another_file_returns_the_same_name),
		FX_TEST(flink_names_are_device_global_lowest_free),
		FX_TEST(flink_of_a_bad_handle_fails_with_enoent),
		FX_TEST(flink_name_is_gone_after_last_handle_closes),
		FX_TEST(flink_name_stays_while_another_file_has_a_handle),
		FX_TEST(flink_name_is_reused_after_the_object_loses_its_handles),
		FX_TEST(gem_open_makes_a_new_handle_every_time),
		FX_TEST(gem_open_in_the_same_file_makes_a_second_handle),
		FX_TEST(gem_open_returns_the_object_size),
		FX_TEST(gem_open_of_name_zero_fails_with_enoent),
		FX_TEST(gem_open_of_an_unknown_name_fails_with_enoent),
		FX_TEST(gem_open_of_a_name_above_int_max_fails_with_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
