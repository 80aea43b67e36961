/*
 * test_dispatch.c - the drm_ioctl() dispatch rules: type and nr checks,
 * struct size handling, copy-back on error, and the answers of ioctls a
 * GEM-only driver does not support (spec §1.2, GET_CAP, SET_CLIENT_CAP).
 * The spec describes vgem, so the non-KMS answers are checked on the "vgem"
 * personality; the default "fakedri" personality is an output-less KMS
 * device.
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

static void non_drm_ioctl_type_fails_with_enotty(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	unsigned char arg[64] = { 0 };

	assert_int_equal(fx_ioctl(fx, f, TCGETS, arg), -ENOTTY);
	assert_int_equal(fx_ioctl(fx, f, _IOWR('e', 0x00, struct drm_version), arg), -ENOTTY);
	assert_int_equal(fx_ioctl(fx, f, _IO('b', 0x0c), arg), -ENOTTY);
}

static void core_table_hole_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	static const unsigned holes[] = { 0x0E, 0x0F, 0x2F, 0x3D, 0x3E };

	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
		assert_int_equal(fx_ioctl(fx, f, DRM_IO(holes[i]), NULL), -EINVAL);
}

static void core_table_hole_copies_nothing_back(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	unsigned char arg[16];

	memset(arg, 0xa5, sizeof(arg));
	assert_int_equal(fx_ioctl(fx, f, DRM_IOWR(0x0E, unsigned char[16]), arg), -EINVAL);
	for (size_t i = 0; i < sizeof(arg); i++)
		assert_int_equal(arg[i], 0xa5);
}

static void core_nr_past_the_table_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);

	/* 0xCF is SYNCOBJ_EVENTFD (Linux 6.6): a zeroed struct names handle 0 */
	assert_int_equal(fx_ioctl(fx, f, DRM_IO(0xCF), NULL), -ENOENT);
	assert_int_equal(fx_ioctl(fx, f, DRM_IO(0xD0), NULL), -EINVAL);
	assert_int_equal(fx_ioctl(fx, f, DRM_IO(0xFF), NULL), -EINVAL);
}

static void last_core_nr_is_mode_getfb2(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_PRIMARY, &fx->user);
	struct drm_mode_fb_cmd2 fb = { 0 };

	assert_int_equal(_IOC_NR(DRM_IOCTL_MODE_GETFB2), 0xCE);
	/* unlike the other KMS ioctls, 6.1's GETFB2 answers EINVAL without KMS */
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_GETFB2, &fb), -EINVAL);
}

static void driver_nr_past_the_table_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	unsigned char arg[64] = { 0 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOWR(DRM_COMMAND_BASE + 0x30, unsigned char[32]), arg),
			 -EINVAL);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOWR(0x9F, unsigned char[32]), arg), -EINVAL);
}

static void vgem_personality_has_no_driver_ioctls(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_RENDER, &fx->user);
	struct drm_fakedri_gem_create c = { .size = 4096 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), -EINVAL);
	assert_int_equal(c.handle, 0);
}

static void driver_ioctl_is_found_by_nr_only(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_fakedri_gem_create c = { .size = 4096 };
	/* same nr, no direction bits: the handler sees zeroes -> EINVAL for size 0 */
	assert_int_equal(fx_ioctl(fx, f, DRM_IO(DRM_COMMAND_BASE + DRM_FAKEDRI_GEM_CREATE), &c),
			 -EINVAL);
	assert_int_equal(c.size, 4096);
}

static void short_struct_is_zero_extended(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME, .value = 0xdeadbeef };

	/* an 8-byte GET_CAP: capability only, value zero-extended in, truncated out */
	assert_int_equal(fx_ioctl(fx, f, DRM_IOWR(0x0c, __u64), &c), 0);
	assert_int_equal(c.capability, DRM_CAP_PRIME);
	assert_int_equal(c.value, 0xdeadbeef);
}

static void short_struct_leaves_missing_input_fields_zero(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_fakedri_gem_create c = { .size = 4096, .flags = 0x55 };

	/* only size is passed in, so flags is seen as 0 and the create works */
	assert_int_equal(fx_ioctl(fx, f, DRM_IOWR(DRM_COMMAND_BASE + DRM_FAKEDRI_GEM_CREATE, __u64),
				  &c), 0);
	assert_int_equal(c.flags, 0x55);
	assert_int_equal(fx->dev->stats.objects, 1);
}

static void long_struct_is_accepted_and_its_tail_returned_unchanged(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct { struct drm_get_cap c; __u64 extra[2]; } big = {
		.c = { .capability = DRM_CAP_TIMESTAMP_MONOTONIC }, .extra = { 0x1111, 0x2222 },
	};

	assert_int_equal(fx_ioctl(fx, f, DRM_IOWR(0x0c, big), &big), 0);
	assert_int_equal(big.c.value, 1);
	assert_int_equal(big.extra[0], 0x1111);
	assert_int_equal(big.extra[1], 0x2222);
}

static void long_struct_with_out_only_direction_gets_zeroes_back(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct { struct drm_auth a; __u32 extra; } big = { .a = { .magic = 99 }, .extra = 0x7777 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOR(0x02, big), &big), 0);
	assert_int_equal(big.a.magic, 1);
	assert_int_equal(big.extra, 0);
}

static void get_cap_value_is_zeroed_on_eopnotsupp(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_RENDER, &fx->user);
	struct drm_get_cap c = { .capability = DRM_CAP_DUMB_BUFFER, .value = 0x1234 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), -EOPNOTSUPP);
	assert_int_equal(c.value, 0);
}

struct cap_case {
	uint64_t cap;
	int ret;
	uint64_t value;
};

static void vgem_get_cap_answers_follow_the_spec_table(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_PRIMARY, &fx->user);
	static const struct cap_case cases[] = {
		{ 0x0, -EOPNOTSUPP, 0 },
		{ DRM_CAP_DUMB_BUFFER, -EOPNOTSUPP, 0 },
		{ DRM_CAP_VBLANK_HIGH_CRTC, -EOPNOTSUPP, 0 },
		{ DRM_CAP_DUMB_PREFERRED_DEPTH, -EOPNOTSUPP, 0 },
		{ DRM_CAP_DUMB_PREFER_SHADOW, -EOPNOTSUPP, 0 },
		{ DRM_CAP_PRIME, 0, 3 },
		{ DRM_CAP_TIMESTAMP_MONOTONIC, 0, 1 },
		{ DRM_CAP_ASYNC_PAGE_FLIP, -EOPNOTSUPP, 0 },
		{ DRM_CAP_CURSOR_WIDTH, -EOPNOTSUPP, 0 },
		{ DRM_CAP_CURSOR_HEIGHT, -EOPNOTSUPP, 0 },
		{ 0xA, -EOPNOTSUPP, 0 },
		{ 0xF, -EOPNOTSUPP, 0 },
		{ DRM_CAP_ADDFB2_MODIFIERS, -EOPNOTSUPP, 0 },
		{ DRM_CAP_PAGE_FLIP_TARGET, -EOPNOTSUPP, 0 },
		{ DRM_CAP_CRTC_IN_VBLANK_EVENT, -EOPNOTSUPP, 0 },
		{ DRM_CAP_SYNCOBJ, 0, 0 },
		{ DRM_CAP_SYNCOBJ_TIMELINE, 0, 0 },
		{ 0x15, -EOPNOTSUPP, 0 },
		{ 0x16, -EOPNOTSUPP, 0 },
		{ 0x100000005ull, -EOPNOTSUPP, 0 },
		{ UINT64_MAX, -EOPNOTSUPP, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drm_get_cap c = { .capability = cases[i].cap, .value = 0xffff };

		assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), cases[i].ret);
		assert_int_equal(c.value, cases[i].value);
		assert_int_equal(c.capability, cases[i].cap);
	}
}

static void vgem_set_client_cap_fails_with_eopnotsupp(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_PRIMARY, &fx->user);

	for (uint64_t cap = 0; cap <= 6; cap++) {
		struct drm_set_client_cap c = { .capability = cap, .value = 1 };

		assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SET_CLIENT_CAP, &c), -EOPNOTSUPP);
	}
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SET_CLIENT_CAP,
				  &(struct drm_set_client_cap){ .capability = 3, .value = 99 }),
			 -EOPNOTSUPP);
}

static void vgem_kms_ioctls_fail_with_eopnotsupp_on_primary(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_PRIMARY, &fx->user);
	static const unsigned cmds[] = {
		DRM_IOCTL_MODE_GETRESOURCES, DRM_IOCTL_MODE_GETCRTC, DRM_IOCTL_MODE_SETCRTC,
		DRM_IOCTL_MODE_GETCONNECTOR, DRM_IOCTL_MODE_GETENCODER, DRM_IOCTL_MODE_ADDFB,
		DRM_IOCTL_MODE_ADDFB2, DRM_IOCTL_MODE_RMFB, DRM_IOCTL_MODE_PAGE_FLIP,
		DRM_IOCTL_MODE_GETPLANERESOURCES, DRM_IOCTL_MODE_ATOMIC,
		DRM_IOCTL_MODE_CREATEPROPBLOB, DRM_IOCTL_MODE_CREATE_LEASE, DRM_IOCTL_WAIT_VBLANK,
	};
	unsigned char arg[256];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(arg, 0, sizeof(arg));
		assert_int_equal(fx_ioctl(fx, f, cmds[i], arg), -EOPNOTSUPP);
	}
}

static void modeset_personality_answers_an_unknown_cap_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_get_cap c = { .capability = 0x16, .value = 0xffff };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), -EINVAL);
	assert_int_equal(c.value, 0);
}

static void modeset_personality_reports_dumb_buffer_support(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_get_cap c = { .capability = DRM_CAP_DUMB_BUFFER };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
}

static void kms_ioctls_fail_with_eacces_on_render(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	unsigned char arg[256] = { 0 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_GETRESOURCES, arg), -EACCES);
}

static void syncobj_ioctls_fail_with_eopnotsupp(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_RENDER, &fx->user);
	static const unsigned cmds[] = {
		DRM_IOCTL_SYNCOBJ_CREATE, DRM_IOCTL_SYNCOBJ_DESTROY,
		DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
		DRM_IOCTL_SYNCOBJ_WAIT, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
		DRM_IOCTL_SYNCOBJ_RESET, DRM_IOCTL_SYNCOBJ_SIGNAL,
		DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, DRM_IOCTL_SYNCOBJ_QUERY,
		DRM_IOCTL_SYNCOBJ_TRANSFER,
	};
	unsigned char arg[256];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(arg, 0, sizeof(arg));
		assert_int_equal(fx_ioctl(fx, f, cmds[i], arg), -EOPNOTSUPP);
	}
}

static void legacy_ioctl_with_no_flags_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *p = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_map m = { 0 };

	assert_int_equal(fx_ioctl(fx, p, DRM_IOCTL_GET_MAP, &m), -EINVAL);
	assert_int_equal(fx_ioctl(fx, r, DRM_IOCTL_GET_MAP, &m), -EACCES);
}

static void ioctls_are_counted_in_device_stats(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };
	uint64_t before = fx->dev->stats.ioctls;

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(fx->dev->stats.ioctls, before + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(non_drm_ioctl_type_fails_with_enotty),
		FX_TEST(core_table_hole_fails_with_einval),
		FX_TEST(core_table_hole_copies_nothing_back),
		FX_TEST(core_nr_past_the_table_fails_with_einval),
		FX_TEST(last_core_nr_is_mode_getfb2),
		FX_TEST(driver_nr_past_the_table_fails_with_einval),
		FX_TEST(vgem_personality_has_no_driver_ioctls),
		FX_TEST(driver_ioctl_is_found_by_nr_only),
		FX_TEST(short_struct_is_zero_extended),
		FX_TEST(short_struct_leaves_missing_input_fields_zero),
		FX_TEST(long_struct_is_accepted_and_its_tail_returned_unchanged),
		FX_TEST(long_struct_with_out_only_direction_gets_zeroes_back),
		FX_TEST(get_cap_value_is_zeroed_on_eopnotsupp),
		FX_TEST(vgem_get_cap_answers_follow_the_spec_table),
		FX_TEST(vgem_set_client_cap_fails_with_eopnotsupp),
		FX_TEST(vgem_kms_ioctls_fail_with_eopnotsupp_on_primary),
		FX_TEST(modeset_personality_answers_an_unknown_cap_with_einval),
		FX_TEST(modeset_personality_reports_dumb_buffer_support),
		FX_TEST(kms_ioctls_fail_with_eacces_on_render),
		FX_TEST(syncobj_ioctls_fail_with_eopnotsupp),
		FX_TEST(legacy_ioctl_with_no_flags_fails_with_einval),
		FX_TEST(ioctls_are_counted_in_device_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
