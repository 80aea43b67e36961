/*
 * test_auth.c - node permissions (drm_ioctl_permit), masters and
 * authentication (spec §1.3, §2, §3 GET_MAGIC/AUTH_MAGIC/SET_MASTER/
 * DROP_MASTER).
 */
#include "fixture.h"

#include <errno.h>

/* --- render nodes: everything without DRM_RENDER_ALLOW is refused --- */

#define RENDER_DENIES(what, cmd)						\
	static void render_node_refuses_##what##_with_eacces(void **state)	\
	{									\
		struct fx *fx = *state;						\
		struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->root);	\
		unsigned char arg[256] = { 0 };					\
		assert_int_equal(fx_ioctl(fx, f, cmd, arg), -EACCES);		\
	}

RENDER_DENIES(get_unique, DRM_IOCTL_GET_UNIQUE)
RENDER_DENIES(get_magic, DRM_IOCTL_GET_MAGIC)
RENDER_DENIES(get_client, DRM_IOCTL_GET_CLIENT)
RENDER_DENIES(get_stats, DRM_IOCTL_GET_STATS)
RENDER_DENIES(set_client_cap, DRM_IOCTL_SET_CLIENT_CAP)
RENDER_DENIES(set_version, DRM_IOCTL_SET_VERSION)
RENDER_DENIES(auth_magic, DRM_IOCTL_AUTH_MAGIC)
RENDER_DENIES(set_master, DRM_IOCTL_SET_MASTER)
RENDER_DENIES(drop_master, DRM_IOCTL_DROP_MASTER)
RENDER_DENIES(gem_flink, DRM_IOCTL_GEM_FLINK)
RENDER_DENIES(gem_open, DRM_IOCTL_GEM_OPEN)
RENDER_DENIES(mode_create_dumb, DRM_IOCTL_MODE_CREATE_DUMB)
RENDER_DENIES(mode_map_dumb, DRM_IOCTL_MODE_MAP_DUMB)
RENDER_DENIES(mode_destroy_dumb, DRM_IOCTL_MODE_DESTROY_DUMB)

static void render_node_eacces_returns_the_callers_struct_unchanged(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_client c = { .idx = 0, .pid = 77, .uid = 88 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CLIENT, &c), -EACCES);
	assert_int_equal(c.pid, 77);
	assert_int_equal(c.uid, 88);
}

static void render_node_allows_version(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_version v = { 0 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.name_len, 7);
}

static void render_node_allows_get_cap(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
}

static void render_node_allows_gem_close(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	assert_int_equal(fx_gem_close(fx, f, fx_gem_create(fx, f, 4096)), 0);
}

static void render_node_allows_prime_export_and_import(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096), h2 = 0;
	int fd = -1;

	assert_int_equal(fx_export(fx, f, h, DRM_RDWR, &fd), 0);
	assert_int_equal(fx_import(fx, f, fd, &h2), 0);
	assert_int_equal(h2, h);
}

/* --- primary nodes: master and authentication --- */

static int get_magic(struct fx *fx, struct fdri_file *f, uint32_t *magic)
{
	struct drm_auth a = { 0 };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_GET_MAGIC, &a);

	*magic = a.magic;
	return ret;
}

static int auth_magic(struct fx *fx, struct fdri_file *f, uint32_t magic)
{
	struct drm_auth a = { .magic = magic };

	return fx_ioctl(fx, f, DRM_IOCTL_AUTH_MAGIC, &a);
}

static uint32_t client_auth(struct fx *fx, struct fdri_file *f)
{
	struct drm_client c = { .idx = 0 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CLIENT, &c), 0);
	return (uint32_t)c.auth;
}

static int set_master(struct fdri_file *f, const struct fdri_caller *who)
{
	return fx_ioctl_as(f, who, DRM_IOCTL_SET_MASTER, NULL);
}

static int drop_master(struct fdri_file *f, const struct fdri_caller *who)
{
	return fx_ioctl_as(f, who, DRM_IOCTL_DROP_MASTER, NULL);
}

static void first_primary_opener_is_master_and_authenticated(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	assert_true(fdri_is_current_master(f));
	assert_int_equal(client_auth(fx, f), 1);
	assert_int_equal(fx_flink(fx, f, fx_gem_create(fx, f, 4096), NULL), 0);
}

static void second_primary_opener_is_not_authenticated(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);

	(void)m;
	assert_false(fdri_is_current_master(f));
	assert_int_equal(client_auth(fx, f), 0);
}

static void unauthenticated_file_gets_eacces_on_flink(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t h = fx_dumb_create(fx, f, 16, 16, 32);

	(void)m;
	assert_int_equal(fx_flink(fx, f, h, NULL), -EACCES);
}

static void unauthenticated_file_gets_eacces_on_gem_open(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t name = 0;

	assert_int_equal(fx_flink(fx, m, fx_gem_create(fx, m, 4096), &name), 0);
	assert_int_equal(fx_gem_open(fx, f, name, NULL, NULL), -EACCES);
}

static void unauthenticated_file_may_use_prime_and_dumb(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t h = fx_dumb_create(fx, f, 16, 16, 32);
	int fd = -1;

	(void)m;
	assert_int_equal(fx_export(fx, f, h, DRM_RDWR, &fd), 0);
	assert_true(fd >= 0);
}

static void auth_magic_by_the_master_authenticates_the_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t magic = 0, name = 0;

	assert_int_equal(fx_flink(fx, m, fx_gem_create(fx, m, 4096), &name), 0);
	assert_int_equal(get_magic(fx, f, &magic), 0);
	assert_int_equal(auth_magic(fx, m, magic), 0);
	assert_int_equal(client_auth(fx, f), 1);
	assert_int_equal(fx_gem_open(fx, f, name, NULL, NULL), 0);
}

static void get_magic_returns_the_same_magic_twice(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t m1 = 0, m2 = 0, mm = 0;

	assert_int_equal(get_magic(fx, m, &mm), 0);
	assert_int_equal(get_magic(fx, f, &m1), 0);
	assert_int_equal(get_magic(fx, f, &m2), 0);
	assert_int_equal(mm, 1);
	assert_int_equal(m1, 2);
	assert_int_equal(m2, m1);
}

static void used_magic_is_not_reused_while_its_file_is_open(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *a = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	struct fdri_file *b;
	uint32_t ma = 0, mb = 0;

	assert_int_equal(get_magic(fx, a, &ma), 0);
	assert_int_equal(auth_magic(fx, m, ma), 0);
	b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	assert_int_equal(get_magic(fx, b, &mb), 0);
	assert_int_equal(ma, 1);
	assert_int_equal(mb, 2);
	fx_close(fx, a);
	fx_close(fx, b);
	b = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	assert_int_equal(get_magic(fx, b, &mb), 0);
	assert_int_equal(mb, 1);
}

static void auth_magic_of_zero_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	assert_int_equal(auth_magic(fx, m, 0), -EINVAL);
}

static void auth_magic_of_an_unknown_magic_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	assert_int_equal(auth_magic(fx, m, 5), -EINVAL);
	assert_int_equal(auth_magic(fx, m, UINT32_MAX), -EINVAL);
}

static void auth_magic_of_a_used_magic_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t magic = 0;

	assert_int_equal(get_magic(fx, f, &magic), 0);
	assert_int_equal(auth_magic(fx, m, magic), 0);
	assert_int_equal(auth_magic(fx, m, magic), -EINVAL);
}

static void auth_magic_from_a_non_master_fails_with_eacces(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t magic = 0;

	(void)m;
	assert_int_equal(get_magic(fx, f, &magic), 0);
	assert_int_equal(auth_magic(fx, f, magic), -EACCES);
	assert_int_equal(client_auth(fx, f), 0);
}

static void root_opener_is_authenticated_from_open(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);

	(void)m;
	assert_false(fdri_is_current_master(r));
	assert_int_equal(client_auth(fx, r), 1);
	assert_int_equal(fx_flink(fx, r, fx_dumb_create(fx, r, 8, 8, 8), NULL), 0);
}

static void set_master_while_another_file_is_master_fails_with_ebusy(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);

	assert_int_equal(set_master(r, &fx->root), -EBUSY);
	assert_true(fdri_is_current_master(m));
}

static void set_master_without_permission_fails_with_eacces(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);

	(void)m;
	assert_int_equal(set_master(f, &fx->user2), -EACCES);
}

static void set_master_by_the_current_master_succeeds(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	assert_int_equal(set_master(m, &fx->user), 0);
	assert_true(fdri_is_current_master(m));
}

static void drop_then_set_master_by_the_opening_thread_restores_master(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	assert_int_equal(drop_master(m, &fx->user), 0);
	assert_false(fdri_is_current_master(m));
	assert_null(fx->dev->master);
	assert_int_equal(client_auth(fx, m), 1);
	assert_int_equal(set_master(m, &fx->user), 0);
	assert_true(fdri_is_current_master(m));
}

static void master_checks_are_per_opening_thread(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_caller other_thread = fx->user;

	other_thread.tid = fx->user.tid + 1;
	assert_int_equal(drop_master(m, &other_thread), -EACCES);
	assert_true(fdri_is_current_master(m));
}

static void drop_master_by_a_non_master_with_cap_sys_admin_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);

	assert_int_equal(drop_master(r, &fx->root), -EINVAL);
	assert_true(fdri_is_current_master(m));
}

static void drop_master_by_a_non_master_without_cap_sys_admin_fails_with_eacces(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);

	assert_int_equal(drop_master(f, &fx->user2), -EACCES);
	assert_true(fdri_is_current_master(m));
}

static void set_master_by_root_after_drop_makes_a_new_master(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);

	assert_int_equal(drop_master(m, &fx->user), 0);
	assert_int_equal(set_master(r, &fx->root), 0);
	assert_true(fdri_is_current_master(r));
	assert_int_equal(set_master(m, &fx->user), -EBUSY);
}

static void magic_left_in_an_old_master_does_not_reach_a_closed_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t magic = 0;

	assert_int_equal(get_magic(fx, r, &magic), 0);   /* in m's master */
	assert_int_equal(drop_master(m, &fx->user), 0);
	assert_int_equal(set_master(r, &fx->root), 0);   /* r gets a new master */
	fx_close(fx, r);
	assert_int_equal(set_master(m, &fx->user), 0);   /* m's old master is back */
	assert_int_equal(auth_magic(fx, m, magic), -EINVAL);
}

static void next_opener_becomes_master_after_the_master_closes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f;

	fx_close(fx, m);
	assert_null(fx->dev->master);
	f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	assert_true(fdri_is_current_master(f));
	assert_int_equal(client_auth(fx, f), 1);
}

static void open_files_do_not_become_master_when_the_master_closes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t magic = 0;

	fx_close(fx, m);
	assert_false(fdri_is_current_master(f));
	assert_int_equal(get_magic(fx, f, &magic), 0);
	assert_int_equal(auth_magic(fx, f, magic), -EACCES);
}

static void render_opener_does_not_become_master(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *r = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *p;

	assert_false(fdri_is_current_master(r));
	assert_null(fx->dev->master);
	p = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	assert_true(fdri_is_current_master(p));
}

static void root_only_ioctl_fails_with_eacces_for_non_root(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);

	assert_int_equal(fx_ioctl(fx, m, DRM_IOCTL_BLOCK, &(struct drm_block){ 0 }), -EACCES);
}

static void root_only_ioctl_succeeds_for_the_root_master(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);

	assert_int_equal(fx_ioctl(fx, m, DRM_IOCTL_BLOCK, &(struct drm_block){ 0 }), 0);
}

static void root_only_ioctl_fails_with_eacces_for_root_non_master(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *r = fx_open(fx, FDRI_NODE_PRIMARY, &fx->root);

	(void)m;
	assert_int_equal(fx_ioctl(fx, r, DRM_IOCTL_BLOCK, &(struct drm_block){ 0 }), -EACCES);
}

static void legacy_agp_ioctls_check_permissions_before_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *m = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	unsigned char arg[64] = { 0 };

	/* 0x30-0x37 exist on a CONFIG_AGP=y kernel, as drm_invalid_op */
	assert_int_equal(fx_ioctl(fx, m, DRM_IOCTL_AGP_ACQUIRE, NULL), -EACCES);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_AGP_INFO, arg), -EACCES);
	assert_int_equal(fx_ioctl(fx, m, DRM_IOCTL_AGP_INFO, arg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(render_node_refuses_get_unique_with_eacces),
		FX_TEST(render_node_refuses_get_magic_with_eacces),
		FX_TEST(render_node_refuses_get_client_with_eacces),
		FX_TEST(render_node_refuses_get_stats_with_eacces),
		FX_TEST(render_node_refuses_set_client_cap_with_eacces),
		FX_TEST(render_node_refuses_set_version_with_eacces),
		FX_TEST(render_node_refuses_auth_magic_with_eacces),
		FX_TEST(render_node_refuses_set_master_with_eacces),
		FX_TEST(render_node_refuses_drop_master_with_eacces),
		FX_TEST(render_node_refuses_gem_flink_with_eacces),
		FX_TEST(render_node_refuses_gem_open_with_eacces),
		FX_TEST(render_node_refuses_mode_create_dumb_with_eacces),
		FX_TEST(render_node_refuses_mode_map_dumb_with_eacces),
		FX_TEST(render_node_refuses_mode_destroy_dumb_with_eacces),
		FX_TEST(render_node_eacces_returns_the_callers_struct_unchanged),
		FX_TEST(render_node_allows_version),
		FX_TEST(render_node_allows_get_cap),
		FX_TEST(render_node_allows_gem_close),
		FX_TEST(render_node_allows_prime_export_and_import),
		FX_TEST(first_primary_opener_is_master_and_authenticated),
		FX_TEST(second_primary_opener_is_not_authenticated),
		FX_TEST(unauthenticated_file_gets_eacces_on_flink),
		FX_TEST(unauthenticated_file_gets_eacces_on_gem_open),
		FX_TEST(unauthenticated_file_may_use_prime_and_dumb),
		FX_TEST(auth_magic_by_the_master_authenticates_the_file),
		FX_TEST(get_magic_returns_the_same_magic_twice),
		FX_TEST(used_magic_is_not_reused_while_its_file_is_open),
		FX_TEST(auth_magic_of_zero_fails_with_einval),
		FX_TEST(auth_magic_of_an_unknown_magic_fails_with_einval),
		FX_TEST(auth_magic_of_a_used_magic_fails_with_einval),
		FX_TEST(auth_magic_from_a_non_master_fails_with_eacces),
		FX_TEST(root_opener_is_authenticated_from_open),
		FX_TEST(set_master_while_another_file_is_master_fails_with_ebusy),
		FX_TEST(set_master_without_permission_fails_with_eacces),
		FX_TEST(set_master_by_the_current_master_succeeds),
		FX_TEST(drop_then_set_master_by_the_opening_thread_restores_master),
		FX_TEST(master_checks_are_per_opening_thread),
		FX_TEST(drop_master_by_a_non_master_with_cap_sys_admin_fails_with_einval),
		FX_TEST(drop_master_by_a_non_master_without_cap_sys_admin_fails_with_eacces),
		FX_TEST(set_master_by_root_after_drop_makes_a_new_master),
		FX_TEST(magic_left_in_an_old_master_does_not_reach_a_closed_file),
		FX_TEST(next_opener_becomes_master_after_the_master_closes),
		FX_TEST(open_files_do_not_become_master_when_the_master_closes),
		FX_TEST(render_opener_does_not_become_master),
		FX_TEST(root_only_ioctl_fails_with_eacces_for_non_root),
		FX_TEST(root_only_ioctl_succeeds_for_the_root_master),
		FX_TEST(root_only_ioctl_fails_with_eacces_for_root_non_master),
		FX_TEST(legacy_agp_ioctls_check_permissions_before_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
