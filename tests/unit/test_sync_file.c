/*
 * test_sync_file.c - sync_file fds (fdri_sync_file.c): POLLIN as
 * sync_file_poll(), lifetime with the last client fd, SYNC_IOC_MERGE and
 * SYNC_IOC_FILE_INFO with the errnos of sync_file.c (Linux 6.1).
 */
#include "fixture.h"
#include "fdri_sync_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/sync_file.h>

/* A client's sync_file fd for @fence (as an ioctl's reply hands it out). */
static int export(struct fx *fx, struct fdri_fence *fence)
{
	struct fdri_ioctl_args a;

	memset(&a, 0, sizeof(a));
	a.out_fd = -1;
	assert_int_equal(fdri_sync_file_export(fx->dev->fdobjs, fence, &a, O_CLOEXEC), 0);
	assert_true(a.owns_out_fd);
	assert_int_equal(a.out_fd_kind, FDRI_FD_SYNC_FILE);
	return fx_take(&fx->host, a.out_fd);
}

static int sf_ioctl(struct fx *fx, int fd, unsigned int cmd, void *arg, int in_fd, int *out_fd)
{
	int err;
	struct fdri_fdobj *obj = fdri_fdobj_lookup(fx->dev->fdobjs, fd, NULL, &err);

	assert_non_null(obj);
	return fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_FDOBJ, obj, &fx->user, cmd, arg,
					in_fd, out_fd);
}

static void sync_file_is_readable_only_once_its_fence_signals(void **state)
{
	struct fx *fx = *state;
	struct fdri_fence *fence = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	int fd = export(fx, fence);

	assert_int_equal(fx_poll(&fx->host, fd), 0); /* and never POLLOUT */
	fdri_fence_signal(fence, 5);
	assert_int_equal(fx_poll(&fx->host, fd), FDRI_POLLIN);
	fdri_fence_put(fence);
	fx_client_close(&fx->host, fd);
}

static void sync_file_keeps_its_fence_until_the_last_client_fd_closes(void **state)
{
	struct fx *fx = *state;
	struct fdri_fence *fence = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	int fd = export(fx, fence), fd2 = fx_client_dup(&fx->host, fd);
	struct fdri_fence *got;

	fdri_fence_put(fence);
	fx_client_close(&fx->host, fd);
	got = fdri_sync_file_get_fence(fx->dev->fdobjs, fd2);
	assert_ptr_equal(got, fence);
	fdri_fence_put(got);
	assert_int_equal(fdri_fence_live, 1);
	fx_client_close(&fx->host, fd2);
	assert_int_equal(fdri_fence_live, 0);
	assert_int_equal(fx->dev->fdobjs->live, 0);
}

static void get_fence_of_an_fd_that_is_no_sync_file_is_null(void **state)
{
	struct fx *fx = *state;
	int other = fx_client_foreign_file(&fx->host);

	assert_null(fdri_sync_file_get_fence(fx->dev->fdobjs, other));
	assert_null(fdri_sync_file_get_fence(fx->dev->fdobjs, 999999));
	fx_client_close(&fx->host, other);
}

static void file_info_reports_status_names_and_timestamp(void **state)
{
	struct fx *fx = *state;
	uint64_t ctx = fdri_fence_context_alloc(1);
	struct fdri_fence *fence = fdri_fence_create(ctx, 7);
	int fd = export(fx, fence);
	struct sync_fence_info fi[2];
	struct sync_file_info info;
	char name[32];

	memset(&info, 0, sizeof(info));
	assert_int_equal(sf_ioctl(fx, fd, SYNC_IOC_FILE_INFO, &info, -1, NULL), 0);
	assert_int_equal(info.status, 0);
	assert_int_equal(info.num_fences, 1);
	snprintf(name, sizeof(name), "fakedri-unbound%llu-7", (unsigned long long)ctx);
	assert_string_equal(info.name, name);

	fdri_fence_set_error(fence, -EIO);
	fdri_fence_signal(fence, 123456);
	memset(&info, 0, sizeof(info));
	memset(fi, 0xff, sizeof(fi));
	info.num_fences = 2;
	info.sync_fence_info = (uintptr_t)fi;
	assert_int_equal(sf_ioctl(fx, fd, SYNC_IOC_FILE_INFO, &info, -1, NULL), 0);
	assert_int_equal(info.num_fences, 1);
	assert_int_equal(info.status, -EIO);
	assert_int_equal(fi[0].status, -EIO);
	assert_int_equal(fi[0].timestamp_ns, 123456);
	assert_int_equal(fi[0].flags, 0);
	assert_string_equal(fi[0].driver_name, "fakedri");
	assert_string_equal(fi[0].obj_name, "unbound");
	assert_int_equal(fi[1].status, -1); /* untouched past num_fences */
	fdri_fence_put(fence);
	fx_client_close(&fx->host, fd);
}

static void file_info_refuses_flags_pad_and_a_short_array(void **state)
{
	struct fx *fx = *state;
	struct fdri_fence *a = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *b = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	int fa = export(fx, a), fb = export(fx, b), fm = -1;
	struct sync_merge_data m;
	struct sync_file_info info;
	struct sync_fence_info fi[2];

	memset(&m, 0, sizeof(m));
	m.fd2 = fb;
	assert_int_equal(sf_ioctl(fx, fa, SYNC_IOC_MERGE, &m, fb, &fm), 0);
	fx_take(&fx->host, fm);
	memset(&info, 0, sizeof(info));
	info.flags = 1;
	assert_int_equal(sf_ioctl(fx, fm, SYNC_IOC_FILE_INFO, &info, -1, NULL), -EINVAL);
	memset(&info, 0, sizeof(info));
	info.pad = 1;
	assert_int_equal(sf_ioctl(fx, fm, SYNC_IOC_FILE_INFO, &info, -1, NULL), -EINVAL);
	memset(&info, 0, sizeof(info));
	info.num_fences = 1; /* two are merged */
	info.sync_fence_info = (uintptr_t)fi;
	assert_int_equal(sf_ioctl(fx, fm, SYNC_IOC_FILE_INFO, &info, -1, NULL), -EINVAL);
	info.num_fences = 2;
	assert_int_equal(sf_ioctl(fx, fm, SYNC_IOC_FILE_INFO, &info, -1, NULL), 0);
	assert_int_equal(info.num_fences, 2);
	fdri_fence_put(a);
	fdri_fence_put(b);
	fx_client_close(&fx->host, fa);
	fx_client_close(&fx->host, fb);
	fx_client_close(&fx->host, fm);
}

static void merge_keeps_the_later_fence_of_a_context_and_signals_with_both(void **state)
{
	struct fx *fx = *state;
	uint64_t c1 = fdri_fence_context_alloc(1), c2 = fdri_fence_context_alloc(1);
	struct fdri_fence *early = fdri_fence_create(c1, 1), *late = fdri_fence_create(c1, 2);
	struct fdri_fence *other = fdri_fence_create(c2, 9);
	int fe = export(fx, early), fl = export(fx, late), fo = export(fx, other);
	int m1 = -1, m2 = -1;
	struct sync_merge_data m;
	struct sync_file_info info;
	struct sync_fence_info fi[3];

	memset(&m, 0, sizeof(m));
	strcpy(m.name, "merged");
	assert_int_equal(sf_ioctl(fx, fe, SYNC_IOC_MERGE, &m, fl, &m1), 0);
	fx_take(&fx->host, m1);
	assert_int_equal(sf_ioctl(fx, m1, SYNC_IOC_MERGE, &m, fo, &m2), 0);
	fx_take(&fx->host, m2);
	memset(&info, 0, sizeof(info));
	info.num_fences = 3;
	info.sync_fence_info = (uintptr_t)fi;
	assert_int_equal(sf_ioctl(fx, m1, SYNC_IOC_FILE_INFO, &info, -1, NULL), 0);
	assert_int_equal(info.num_fences, 1); /* one context: the later point */
	assert_string_equal(info.name, "merged");
	info.num_fences = 3; /* the answer wrote 1 */
	assert_int_equal(sf_ioctl(fx, m2, SYNC_IOC_FILE_INFO, &info, -1, NULL), 0);
	assert_int_equal(info.num_fences, 2);

	fdri_fence_signal(late, 10);
	assert_int_equal(fx_poll(&fx->host, m1), FDRI_POLLIN);
	assert_int_equal(fx_poll(&fx->host, m2), 0);
	fdri_fence_signal(other, 11);
	assert_int_equal(fx_poll(&fx->host, m2), FDRI_POLLIN);
	fdri_fence_signal(early, 12);
	fdri_fence_put(early);
	fdri_fence_put(late);
	fdri_fence_put(other);
	fx_client_close(&fx->host, fe);
	fx_client_close(&fx->host, fl);
	fx_client_close(&fx->host, fo);
	fx_client_close(&fx->host, m1);
	fx_client_close(&fx->host, m2);
}

static void merge_of_signalled_fences_is_a_signalled_stub(void **state)
{
	struct fx *fx = *state;
	struct fdri_fence *a = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	int fa, fm = -1;
	struct sync_merge_data m;
	struct sync_file_info info;
	struct sync_fence_info fi;

	fdri_fence_signal(a, 1);
	fa = export(fx, a);
	memset(&m, 0, sizeof(m));
	assert_int_equal(sf_ioctl(fx, fa, SYNC_IOC_MERGE, &m, fa, &fm), 0);
	fx_take(&fx->host, fm);
	assert_int_equal(fx_poll(&fx->host, fm), FDRI_POLLIN);
	memset(&info, 0, sizeof(info));
	info.num_fences = 1;
	info.sync_fence_info = (uintptr_t)&fi;
	assert_int_equal(sf_ioctl(fx, fm, SYNC_IOC_FILE_INFO, &info, -1, NULL), 0);
	assert_int_equal(info.status, 1);
	assert_string_equal(fi.driver_name, "stub");
	fdri_fence_put(a);
	fx_client_close(&fx->host, fa);
	fx_client_close(&fx->host, fm);
}

static void merge_with_an_fd_that_is_no_sync_file_is_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_fence *a = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	int fa = export(fx, a), other = fx_client_foreign_file(&fx->host), fm = -1;
	struct sync_merge_data m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(sf_ioctl(fx, fa, SYNC_IOC_MERGE, &m, other, &fm), -ENOENT);
	assert_int_equal(sf_ioctl(fx, fa, SYNC_IOC_MERGE, &m, -1, &fm), -ENOENT);
	assert_int_equal(fm, -1);
	fdri_fence_put(a);
	fx_client_close(&fx->host, fa);
	fx_client_close(&fx->host, other);
}

static void unknown_ioctl_on_a_sync_file_is_enotty(void **state)
{
	struct fx *fx = *state;
	struct fdri_fence *a = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	int fa = export(fx, a);
	uint32_t v = 0;

	assert_int_equal(sf_ioctl(fx, fa, _IOW('>', 9, uint32_t), &v, -1, NULL), -ENOTTY);
	assert_int_equal(sf_ioctl(fx, fa, DRM_IOCTL_GEM_CLOSE, &v, -1, NULL), -ENOTTY);
	fdri_fence_put(a);
	fx_client_close(&fx->host, fa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(sync_file_is_readable_only_once_its_fence_signals),
		FX_TEST(sync_file_keeps_its_fence_until_the_last_client_fd_closes),
		FX_TEST(get_fence_of_an_fd_that_is_no_sync_file_is_null),
		FX_TEST(file_info_reports_status_names_and_timestamp),
		FX_TEST(file_info_refuses_flags_pad_and_a_short_array),
		FX_TEST(merge_keeps_the_later_fence_of_a_context_and_signals_with_both),
		FX_TEST(merge_of_signalled_fences_is_a_signalled_stub),
		FX_TEST(merge_with_an_fd_that_is_no_sync_file_is_enoent),
		FX_TEST(unknown_ioctl_on_a_sync_file_is_enotty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
