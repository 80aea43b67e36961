/*
 * test_info.c - the informational core ioctls: VERSION, GET_UNIQUE,
 * SET_VERSION, GET_CLIENT, GET_STATS (spec §3).
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>

static void version_reports_numbers_and_full_string_lengths(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_version v = { .version_major = 9 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.version_major, 1);
	assert_int_equal(v.version_minor, 0);
	assert_int_equal(v.version_patchlevel, 0);
	assert_int_equal(v.name_len, strlen("fakedri"));
	assert_int_equal(v.date_len, strlen("20261121"));
	assert_int_equal(v.desc_len, strlen("fakedri userspace GEM device"));
}

static void version_copies_strings_without_a_nul(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	char name[16], date[16], desc[64];
	struct drm_version v = {
		.name = name, .name_len = sizeof(name),
		.date = date, .date_len = sizeof(date),
		.desc = desc, .desc_len = sizeof(desc),
	};

	memset(name, 'x', sizeof(name));
	memset(date, 'x', sizeof(date));
	memset(desc, 'x', sizeof(desc));
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.name_len, 7);
	assert_memory_equal(name, "fakedrix", 8);
	assert_int_equal(v.date_len, 8);
	assert_memory_equal(date, "20261121x", 9);
	assert_int_equal(v.desc_len, 28);
	assert_memory_equal(desc, "fakedri userspace GEM devicex", 29);
}

static void version_truncates_to_the_given_length(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	char name[8] = "-------", date[8] = "-------", desc[8] = "-------";
	struct drm_version v = {
		.name = name, .name_len = 4,
		.date = date, .date_len = 2,
		.desc = desc, .desc_len = 1,
	};

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_string_equal(name, "fake---");
	assert_string_equal(date, "20-----");
	assert_string_equal(desc, "f------");
	assert_int_equal(v.name_len, 7);
	assert_int_equal(v.date_len, 8);
	assert_int_equal(v.desc_len, 28);
}

static void version_with_null_pointers_only_queries_lengths(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_version v = { .name_len = 100, .date_len = 100, .desc_len = 100 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_null(v.name);
	assert_int_equal(v.name_len, 7);
	assert_int_equal(v.date_len, 8);
	assert_int_equal(v.desc_len, 28);
}

static void version_of_the_vgem_personality_matches_vgem(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_RENDER, &fx->user);
	char name[8] = { 0 };
	struct drm_version v = { .name = name, .name_len = sizeof(name) };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_string_equal(name, "vgem");
	assert_int_equal(v.date_len, 8);
	assert_int_equal(v.desc_len, 20);
}

static int get_unique(struct fx *fx, struct fdri_file *f, char *buf, size_t len, size_t *out_len)
{
	struct drm_unique u = { .unique = buf, .unique_len = len };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_GET_UNIQUE, &u);

	*out_len = u.unique_len;
	return ret;
}

static int set_version(struct fx *fx, struct fdri_file *f, struct drm_set_version *sv)
{
	return fx_ioctl(fx, f, DRM_IOCTL_SET_VERSION, sv);
}

static void get_unique_is_empty_before_set_version(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	char buf[16] = "untouched";
	size_t len = 99;

	assert_int_equal(get_unique(fx, f, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "untouched");
}

static void get_unique_is_empty_after_set_version_1_0(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_set_version sv = { 1, 0, -1, -1 };
	char buf[16] = { 0 };
	size_t len = 99;

	assert_int_equal(set_version(fx, f, &sv), 0);
	assert_int_equal(get_unique(fx, f, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
}

static void get_unique_is_fakedri_after_set_version_1_1(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_set_version sv = { 1, 1, -1, -1 };
	char buf[16];
	size_t len = 0;

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(set_version(fx, f, &sv), 0);
	assert_int_equal(get_unique(fx, f, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(buf, "fakedrix", 8);
}

static void get_unique_is_shared_by_files_of_the_same_master(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	struct drm_set_version sv = { 1, 4, -1, -1 };
	char buf[16] = { 0 };
	size_t len = 0;

	assert_int_equal(set_version(fx, m, &sv), 0);
	assert_int_equal(get_unique(fx, f, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "fakedri");
}

static void get_unique_with_a_short_buffer_only_reports_the_length(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_set_version sv = { 1, 1, -1, -1 };
	char buf[16] = "untouched";
	size_t len = 0;

	assert_int_equal(set_version(fx, f, &sv), 0);
	assert_int_equal(get_unique(fx, f, buf, 6, &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "untouched");
}

static void get_unique_with_a_null_buffer_fails_with_efault(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_set_version sv = { 1, 1, -1, -1 };
	size_t len = 0;

	assert_int_equal(set_version(fx, f, &sv), 0);
	assert_int_equal(get_unique(fx, f, NULL, 16, &len), -EFAULT);
	assert_int_equal(len, 16);
}

static void set_version_with_bad_interface_version_fails_and_fills_fields(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	static const struct drm_set_version bad[] = {
		{ 2, 0, -1, -1 }, { 0, 0, -1, -1 }, { 1, 5, -1, -1 }, { 1, -2, -1, -1 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_set_version sv = bad[i];

		assert_int_equal(set_version(fx, f, &sv), -EINVAL);
		assert_int_equal(sv.drm_di_major, 1);
		assert_int_equal(sv.drm_di_minor, 4);
		assert_int_equal(sv.drm_dd_major, 1);
		assert_int_equal(sv.drm_dd_minor, 0);
	}
}

static void set_version_with_bad_driver_version_fails_and_fills_fields(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	static const struct drm_set_version bad[] = {
		{ -1, -1, 2, 0 }, { -1, -1, 1, 1 }, { -1, -1, 1, -1 }, { 1, 1, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_set_version sv = bad[i];

		assert_int_equal(set_version(fx, f, &sv), -EINVAL);
		assert_int_equal(sv.drm_di_major, 1);
		assert_int_equal(sv.drm_di_minor, 4);
		assert_int_equal(sv.drm_dd_major, 1);
		assert_int_equal(sv.drm_dd_minor, 0);
	}
}

static void set_version_with_minus_one_only_reports_versions(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_set_version sv = { -1, -1, -1, -1 };

	assert_int_equal(set_version(fx, f, &sv), 0);
	assert_int_equal(sv.drm_di_major, 1);
	assert_int_equal(sv.drm_di_minor, 4);
	assert_int_equal(sv.drm_dd_major, 1);
	assert_int_equal(sv.drm_dd_minor, 0);
}

static void set_version_from_a_non_master_fails_with_eacces(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	struct drm_set_version sv = { 1, 1, -1, -1 };

	(void)m;
	assert_int_equal(set_version(fx, f, &sv), -EACCES);
	assert_int_equal(sv.drm_di_minor, 1);
}

static void get_client_idx_zero_reports_caller_tid_and_overflow_uid(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	struct drm_client c = { .idx = 0, .magic = 5, .iocs = 6 };

	(void)m;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CLIENT, &c), 0);
	assert_int_equal(c.idx, 0);
	assert_int_equal(c.auth, 0);
	assert_int_equal(c.pid, fx->user2.tid);
	assert_int_equal(c.uid, 65534);
	assert_int_equal(c.magic, 0);
	assert_int_equal(c.iocs, 0);
}

static void get_client_reports_the_calling_thread_not_the_opener(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_caller other = fx->user2;
	struct drm_client c = { .idx = 0 };

	other.tid = 4242;
	assert_int_equal(fx_ioctl_as(f, &other, DRM_IOCTL_GET_CLIENT, &c), 0);
	assert_int_equal(c.pid, 4242);
	assert_int_equal(c.auth, 1);
}

static void get_client_idx_one_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_client c = { .idx = 1, .pid = 77 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CLIENT, &c), -EINVAL);
	assert_int_equal(c.pid, 77);
	c.idx = -1;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CLIENT, &c), -EINVAL);
}

static void get_stats_returns_zeroes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct drm_stats s;
	struct drm_stats zero;

	memset(&s, 0xff, sizeof(s));
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(sizeof(s), 248);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_STATS, &s), 0);
	assert_memory_equal(&s, &zero, sizeof(s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(version_reports_numbers_and_full_string_lengths),
		FX_TEST(version_copies_strings_without_a_nul),
		FX_TEST(version_truncates_to_the_given_length),
		FX_TEST(version_with_null_pointers_only_queries_lengths),
		FX_TEST(version_of_the_vgem_personality_matches_vgem),
		FX_TEST(get_unique_is_empty_before_set_version),
		FX_TEST(get_unique_is_empty_after_set_version_1_0),
		FX_TEST(get_unique_is_fakedri_after_set_version_1_1),
		FX_TEST(get_unique_is_shared_by_files_of_the_same_master),
		FX_TEST(get_unique_with_a_short_buffer_only_reports_the_length),
		FX_TEST(get_unique_with_a_null_buffer_fails_with_efault),
		FX_TEST(set_version_with_bad_interface_version_fails_and_fills_fields),
		FX_TEST(set_version_with_bad_driver_version_fails_and_fills_fields),
		FX_TEST(set_version_with_minus_one_only_reports_versions),
		FX_TEST(set_version_from_a_non_master_fails_with_eacces),
		FX_TEST(get_client_idx_zero_reports_caller_tid_and_overflow_uid),
		FX_TEST(get_client_reports_the_calling_thread_not_the_opener),
		FX_TEST(get_client_idx_one_fails_with_einval),
		FX_TEST(get_stats_returns_zeroes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
