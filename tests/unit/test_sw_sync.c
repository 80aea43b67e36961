/*
 * test_sw_sync.c - sw_sync timelines (fdri_sw_sync.c) against sw_sync.c of
 * Linux 6.1: points signal when the timeline passes them, a point already
 * passed is born signalled, and closing the timeline fails what is pending
 * with -ENOENT.
 */
#include "fixture.h"
#include "fdri_sw_sync.h"
#include "fdri_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/sync_file.h>

#include "fdri_sw_sync_abi.h"

static int on_fd(struct fx *fx, int fd, unsigned int cmd, void *arg, int *out_fd)
{
	int err;
	struct fdri_fdobj *obj = fdri_fdobj_lookup(fx->dev->fdobjs, fd, NULL, &err);

	assert_non_null(obj);
	return fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_FDOBJ, obj, &fx->user, cmd, arg,
					-1, out_fd);
}

static int timeline(struct fx *fx)
{
	struct fdri_sw_sync_open o = { 0 };
	int fd = -1;

	assert_int_equal(fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_NONE, NULL, &fx->user,
						  FDRI_IOCTL_SW_SYNC_OPEN, &o, -1, &fd), 0);
	return fx_take(&fx->host, fd);
}

static int point(struct fx *fx, int tl, uint32_t value)
{
	struct sw_sync_create_fence_data c = { .value = value };
	int fd = -1;

	assert_int_equal(on_fd(fx, tl, SW_SYNC_IOC_CREATE_FENCE, &c, &fd), 0);
	return fx_take(&fx->host, fd);
}

static int inc(struct fx *fx, int tl, uint32_t n)
{
	return on_fd(fx, tl, SW_SYNC_IOC_INC, &n, NULL);
}

static int status(struct fx *fx, int sf)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	assert_int_equal(on_fd(fx, sf, SYNC_IOC_FILE_INFO, &info, NULL), 0);
	return info.status;
}

static void point_signals_when_the_timeline_reaches_it(void **state)
{
	struct fx *fx = *state;
	int tl = timeline(fx), p2 = point(fx, tl, 2);

	assert_int_equal(fx_poll(&fx->host, tl), FDRI_POLLIN | FDRI_POLLOUT);
	assert_int_equal(inc(fx, tl, 1), 0);
	assert_int_equal(status(fx, p2), 0);
	assert_int_equal(fx_poll(&fx->host, p2), 0);
	assert_int_equal(inc(fx, tl, 1), 0);
	assert_int_equal(status(fx, p2), 1);
	assert_int_equal(fx_poll(&fx->host, p2), FDRI_POLLIN);
	fx_client_close(&fx->host, p2);
	fx_client_close(&fx->host, tl);
}

static void point_already_passed_is_born_signalled(void **state)
{
	struct fx *fx = *state;
	int tl = timeline(fx), p;

	assert_int_equal(inc(fx, tl, 5), 0);
	p = point(fx, tl, 3);
	assert_int_equal(status(fx, p), 1);
	fx_client_close(&fx->host, p);
	fx_client_close(&fx->host, tl);
}

static void closing_the_timeline_fails_pending_points_with_enoent(void **state)
{
	struct fx *fx = *state;
	int tl = timeline(fx), p = point(fx, tl, 1), q = point(fx, tl, 1);

	fx_client_close(&fx->host, tl);
	assert_int_equal(status(fx, p), -ENOENT);
	assert_int_equal(status(fx, q), -ENOENT);
	assert_int_equal(fx_poll(&fx->host, p), FDRI_POLLIN);
	fx_client_close(&fx->host, p);
	fx_client_close(&fx->host, q);
}

static void points_signal_in_order_of_value_not_creation(void **state)
{
	struct fx *fx = *state;
	int tl = timeline(fx), p3 = point(fx, tl, 3), p1 = point(fx, tl, 1);

	assert_int_equal(inc(fx, tl, 1), 0);
	assert_int_equal(status(fx, p1), 1);
	assert_int_equal(status(fx, p3), 0);
	assert_int_equal(inc(fx, tl, 2), 0);
	assert_int_equal(status(fx, p3), 1);
	fx_client_close(&fx->host, p1);
	fx_client_close(&fx->host, p3);
	fx_client_close(&fx->host, tl);
}

static void point_outliving_its_timeline_still_names_it(void **state)
{
	struct fx *fx = *state;
	int tl = timeline(fx), p = point(fx, tl, 1), q = point(fx, tl, 2);
	struct sync_fence_info fi;
	struct sync_file_info info;
	char name[32];

	assert_int_equal(inc(fx, tl, 1), 0);    /* p signalled, off the list */
	fx_client_close(&fx->host, tl);         /* q failed; the timeline gone */
	snprintf(name, sizeof(name), "%d", fx->user.pid);
	for (int i = 0; i < 2; i++) {
		memset(&info, 0, sizeof(info));
		info.num_fences = 1;
		info.sync_fence_info = (uintptr_t)&fi;
		assert_int_equal(on_fd(fx, i ? q : p, SYNC_IOC_FILE_INFO, &info, NULL), 0);
		assert_string_equal(fi.obj_name, name);
		assert_string_equal(fi.driver_name, "sw_sync");
		assert_int_equal(fi.status, i ? -ENOENT : 1);
	}
	fx_client_close(&fx->host, p);
	fx_client_close(&fx->host, q);
}

static void unknown_ioctl_on_a_timeline_is_enotty(void **state)
{
	struct fx *fx = *state;
	int tl = timeline(fx);
	uint32_t v = 0;

	assert_int_equal(on_fd(fx, tl, _IOW('W', 2, uint32_t), &v, NULL), -ENOTTY);
	assert_int_equal(on_fd(fx, tl, SYNC_IOC_FILE_INFO, &v, NULL), -ENOTTY);
	fx_client_close(&fx->host, tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(point_signals_when_the_timeline_reaches_it),
		FX_TEST(point_already_passed_is_born_signalled),
		FX_TEST(closing_the_timeline_fails_pending_points_with_enoent),
		FX_TEST(points_signal_in_order_of_value_not_creation),
		FX_TEST(point_outliving_its_timeline_still_names_it),
		FX_TEST(unknown_ioctl_on_a_timeline_is_enotty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
