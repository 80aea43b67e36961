/*
 * test_syncobj.c - binary DRM sync objects (fdri_syncobj.c) against
 * drm_syncobj.c of Linux 6.1: handles, opaque fds, sync_file export and
 * import, reset, signal and waits (which park: a small transport below
 * lets a test keep a request parked and watch it complete), with every
 * errno of the kernel.
 */
#include "fixture.h"
#include "fdri_fence_chain.h"
#include "fdri_req.h"
#include "fdri_sync_file.h"
#include "fdri_syncobj.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#define SEC 1000000000ll

/* --- a transport whose requests may stay parked --- */

/* --- helpers --- */

static uint32_t create(struct fx *fx, struct fdri_file *f, uint32_t flags)
{
	struct drm_syncobj_create c = { .flags = flags };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	assert_int_not_equal(c.handle, 0);
	return c.handle;
}

/* Installs a new pending fence in @handle's syncobj; returns a reference. */
static struct fdri_fence *install_pending(struct fdri_file *f, uint32_t handle)
{
	struct fdri_syncobj *s = fdri_syncobj_find(f, handle);
	struct fdri_fence *fence = fdri_fence_create(fdri_fence_context_alloc(1), 1);

	assert_non_null(s);
	fdri_syncobj_replace_fence(s, fence);
	fdri_syncobj_put(s);
	return fence;
}

static struct fdri_fence *fence_of(struct fdri_file *f, uint32_t handle)
{
	struct fdri_syncobj *s = fdri_syncobj_find(f, handle);
	struct fdri_fence *fence;

	assert_non_null(s);
	fence = s->fence;
	fdri_syncobj_put(s);
	return fence;
}

static int wait_now(struct fx *fx, struct fdri_file *f, uint32_t *handles, uint32_t n,
		    uint32_t flags, uint32_t *first)
{
	struct drm_syncobj_wait w = { .handles = (uintptr_t)handles, .count_handles = n,
				      .flags = flags, .timeout_nsec = 0 };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);

	if (first)
		*first = w.first_signaled;
	return ret;
}

static int array_op(struct fx *fx, struct fdri_file *f, unsigned int cmd, uint32_t *handles,
		    uint32_t n)
{
	struct drm_syncobj_array a = { .handles = (uintptr_t)handles, .count_handles = n };

	return fx_ioctl(fx, f, cmd, &a);
}

static int handle_to_fd(struct fx *fx, struct fdri_file *f, uint32_t handle, uint32_t flags,
			int *fd)
{
	struct drm_syncobj_handle h = { .handle = handle, .flags = flags, .fd = -1 };
	int out = -1;
	int ret = fdri_ioctl_direct(f, &fx->user, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h, -1, &out);

	*fd = ret ? -1 : fx_take(&fx->host, out);
	if (ret)
		assert_int_equal(out, -1);
	return ret;
}

static int fd_to_handle(struct fx *fx, struct fdri_file *f, int fd, uint32_t flags,
			uint32_t *handle)
{
	struct drm_syncobj_handle h = { .handle = *handle, .flags = flags, .fd = fd };
	int out = -1;
	int ret = fdri_ioctl_direct(f, &fx->user, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h, fd, &out);

	assert_int_equal(out, -1);
	*handle = h.handle;
	return ret;
}

/* --- create, destroy, caps --- */

static void create_hands_out_handles_from_one(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);

	assert_int_equal(create(fx, f, 0), 1);
	assert_int_equal(create(fx, f, 0), 2);
	assert_null(fence_of(f, 1));
}

static void create_signaled_installs_a_signalled_fence(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED), first = 7;

	assert_non_null(fence_of(f, h));
	assert_true(fdri_fence_is_signaled(fence_of(f, h)));
	assert_int_equal(wait_now(fx, f, &h, 1, 0, &first), 0);
	assert_int_equal(first, 0);
}

static void create_rejects_unknown_flags(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	struct drm_syncobj_create c = { .flags = 2 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_CREATE, &c), -EINVAL);
}

static void destroy_frees_the_handle_and_rejects_unknown_ones(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED);
	struct drm_syncobj_destroy d = { .handle = h };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	d.handle = 0;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	d.handle = create(fx, f, 0);
	assert_int_equal(d.handle, h); /* reused, lowest first */
	d.pad = 1;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
}

static void syncobj_caps_follow_the_personality(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	struct fdri_file *v = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_TYPE_RENDER, &fx->user);
	struct drm_get_cap c = { .capability = DRM_CAP_SYNCOBJ };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
	c.value = 5;
	assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 0);
	c.capability = DRM_CAP_SYNCOBJ_TIMELINE;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
	c.value = 5;
	assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 0);
}

static void vgem_answers_eopnotsupp_to_every_syncobj_ioctl(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *v = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_TYPE_RENDER, &fx->user);
	struct drm_syncobj_create c = { 0 };
	struct drm_syncobj_destroy d = { .handle = 1 };
	struct drm_syncobj_handle h = { .handle = 1, .fd = -1 };
	uint32_t handle = 1;
	int fd;

	assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_SYNCOBJ_CREATE, &c), -EOPNOTSUPP);
	assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EOPNOTSUPP);
	assert_int_equal(handle_to_fd(fx, v, 1, 0, &fd), -EOPNOTSUPP);
	assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h), -EOPNOTSUPP);
	assert_int_equal(wait_now(fx, v, &handle, 1, 0, NULL), -EOPNOTSUPP);
	assert_int_equal(array_op(fx, v, DRM_IOCTL_SYNCOBJ_RESET, &handle, 1), -EOPNOTSUPP);
	assert_int_equal(array_op(fx, v, DRM_IOCTL_SYNCOBJ_SIGNAL, &handle, 1), -EOPNOTSUPP);
	{
		uint64_t p = 1;
		struct drm_syncobj_timeline_array ta = { .handles = (uintptr_t)&handle,
							 .points = (uintptr_t)&p, .count_handles = 1 };
		struct drm_syncobj_timeline_wait tw = { .handles = (uintptr_t)&handle,
							.points = (uintptr_t)&p, .count_handles = 1 };
		struct drm_syncobj_transfer tr = { .src_handle = 1, .dst_handle = 1 };

		assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta), -EOPNOTSUPP);
		assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_SYNCOBJ_QUERY, &ta), -EOPNOTSUPP);
		assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &tw), -EOPNOTSUPP);
		assert_int_equal(fx_ioctl(fx, v, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr), -EOPNOTSUPP);
	}
}

/* --- opaque fds --- */

static void opaque_fd_imports_the_same_syncobj_into_another_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t ha = create(fx, a, 0), hb = 0;
	struct fdri_fence *fence;
	int fd;

	assert_int_equal(handle_to_fd(fx, a, ha, 0, &fd), 0);
	assert_int_equal(fx_poll(&fx->host, fd), FDRI_POLLIN | FDRI_POLLOUT);
	assert_int_equal(fd_to_handle(fx, b, fd, 0, &hb), 0);
	assert_int_equal(hb, 1);
	fence = install_pending(a, ha);
	assert_ptr_equal(fence_of(b, hb), fence);
	fdri_fence_put(fence);
	fx_client_close(&fx->host, fd);
	/* the fd is gone, the handles keep the syncobj */
	assert_ptr_equal(fence_of(b, hb), fence_of(a, ha));
}

static void syncobj_lives_on_in_its_fd_after_the_handle_is_destroyed(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED), h2 = 0, first = 9;
	struct drm_syncobj_destroy d = { .handle = h };
	int fd;

	assert_int_equal(handle_to_fd(fx, f, h, 0, &fd), 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	assert_int_equal(fd_to_handle(fx, f, fd, 0, &h2), 0);
	assert_int_equal(wait_now(fx, f, &h2, 1, 0, &first), 0);
	assert_int_equal(first, 0);
	fx_client_close(&fx->host, fd);
}

static void handle_to_fd_rejects_bad_input(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct drm_syncobj_handle a = { .handle = h, .pad = 1, .fd = -1 };
	int fd;

	assert_int_equal(handle_to_fd(fx, f, 5, 0, &fd), -EINVAL); /* no such handle */
	assert_int_equal(handle_to_fd(fx, f, h, 2, &fd), -EINVAL);
	assert_int_equal(handle_to_fd(fx, f, h, 3, &fd), -EINVAL);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &a), -EINVAL);
}

static void fd_to_handle_rejects_fds_that_are_not_syncobjs(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED), out = 0;
	int other = fx_client_foreign_file(&fx->host), sf, fd;
	struct drm_syncobj_handle a = { .pad = 1, .fd = -1 };

	assert_int_equal(fd_to_handle(fx, f, -1, 0, &out), -EINVAL);
	assert_int_equal(fd_to_handle(fx, f, 999, 0, &out), -EINVAL); /* not an fd */
	assert_int_equal(fd_to_handle(fx, f, other, 0, &out), -EINVAL);
	/* a sync_file is no syncobj */
	assert_int_equal(handle_to_fd(fx, f, h, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, &sf), 0);
	assert_int_equal(fd_to_handle(fx, f, sf, 0, &out), -EINVAL);
	assert_int_equal(handle_to_fd(fx, f, h, 0, &fd), 0);
	assert_int_equal(fd_to_handle(fx, f, fd, 2, &out), -EINVAL);
	assert_int_equal(fdri_ioctl_direct(f, &fx->user, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &a, fd, NULL),
			 -EINVAL);
	fx_client_close(&fx->host, sf);
	fx_client_close(&fx->host, fd);
	fx_client_close(&fx->host, other);
}

/* --- sync_file export and import --- */

static void export_sync_file_carries_the_current_fence(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct fdri_fence *fence = install_pending(f, h), *got;
	int sf;

	assert_int_equal(handle_to_fd(fx, f, h, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, &sf), 0);
	got = fdri_sync_file_get_fence(fx->dev->fdobjs, sf);
	assert_ptr_equal(got, fence);
	fdri_fence_put(got);
	assert_int_equal(fx_poll(&fx->host, sf), 0);
	fdri_fence_signal(fence, 3);
	assert_int_equal(fx_poll(&fx->host, sf), FDRI_POLLIN);
	fdri_fence_put(fence);
	fx_client_close(&fx->host, sf);
}

static void export_sync_file_needs_a_fence_and_a_handle(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	int sf;

	assert_int_equal(handle_to_fd(fx, f, h, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, &sf),
			 -EINVAL);
	assert_int_equal(handle_to_fd(fx, f, 9, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, &sf),
			 -ENOENT);
}

static void import_sync_file_replaces_the_fence(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t src = create(fx, f, 0), dst = create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED);
	struct fdri_fence *fence = install_pending(f, src);
	uint32_t h = dst;
	int sf;

	assert_int_equal(handle_to_fd(fx, f, src, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, &sf), 0);
	assert_int_equal(fd_to_handle(fx, f, sf, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, &h), 0);
	assert_int_equal(h, dst); /* the handle is an input here */
	assert_ptr_equal(fence_of(f, dst), fence);
	assert_int_equal(wait_now(fx, f, &dst, 1, 0, NULL), -ETIME);
	h = 42;
	assert_int_equal(fd_to_handle(fx, f, sf, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, &h),
			 -ENOENT);
	fdri_fence_put(fence);
	fx_client_close(&fx->host, sf);
}

static void import_sync_file_rejects_fds_that_are_not_sync_files(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0), in;
	int fd;

	assert_int_equal(handle_to_fd(fx, f, h, 0, &fd), 0);
	in = h;
	assert_int_equal(fd_to_handle(fx, f, fd, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, &in),
			 -EINVAL);
	in = 42; /* the fd is checked before the handle */
	assert_int_equal(fd_to_handle(fx, f, -1, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, &in),
			 -EINVAL);
	fx_client_close(&fx->host, fd);
}

/* --- reset and signal --- */

static void reset_removes_the_fence_and_signal_installs_a_signalled_one(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED), create(fx, f, 0) };

	assert_int_equal(array_op(fx, f, DRM_IOCTL_SYNCOBJ_RESET, h, 2), 0);
	assert_null(fence_of(f, h[0]));
	assert_int_equal(wait_now(fx, f, h, 1, 0, NULL), -EINVAL);
	assert_int_equal(array_op(fx, f, DRM_IOCTL_SYNCOBJ_SIGNAL, h, 2), 0);
	assert_int_equal(wait_now(fx, f, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL), 0);
}

static void reset_and_signal_reject_bad_arrays(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, 0), 77 };
	unsigned int cmds[2] = { DRM_IOCTL_SYNCOBJ_RESET, DRM_IOCTL_SYNCOBJ_SIGNAL };

	for (int i = 0; i < 2; i++) {
		struct drm_syncobj_array a = { .handles = (uintptr_t)h, .count_handles = 1, .pad = 1 };

		assert_int_equal(fx_ioctl(fx, f, cmds[i], &a), -EINVAL);
		assert_int_equal(array_op(fx, f, cmds[i], h, 0), -EINVAL);
		assert_int_equal(array_op(fx, f, cmds[i], h, 2), -ENOENT);
	}
	/* nothing happened to the first one */
	assert_null(fence_of(f, h[0]));
}

/* --- waits --- */

static void wait_rejects_bad_input(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED), 5 };

	/* zero handles: nothing to wait for (EINVAL on 6.1; 0 on newer
	 * kernels, which IGT's wait-zero-handles tests) */
	assert_int_equal(wait_now(fx, f, h, 0, 0, NULL), 0);
	assert_int_equal(wait_now(fx, f, h, 1, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL), -EINVAL);
	assert_int_equal(wait_now(fx, f, h, 1, 8, NULL), -EINVAL);
	assert_int_equal(wait_now(fx, f, h, 2, 0, NULL), -ENOENT);
}

static void wait_without_submit_needs_a_fence_in_every_syncobj(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED), create(fx, f, 0) };

	/* even though the first one is signalled */
	assert_int_equal(wait_now(fx, f, h, 2, 0, NULL), -EINVAL);
	assert_int_equal(wait_now(fx, f, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL), 0);
	assert_int_equal(wait_now(fx, f, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL), -ETIME);
}

static void wait_any_reports_the_first_signalled_index(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[3] = { create(fx, f, 0), create(fx, f, 0), create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED) };
	struct fdri_fence *a = install_pending(f, h[0]), *b = install_pending(f, h[1]);
	uint32_t first = 0;

	assert_int_equal(wait_now(fx, f, h, 3, 0, &first), 0);
	assert_int_equal(first, 2);
	assert_int_equal(wait_now(fx, f, h, 3, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL), -ETIME);
	fdri_fence_signal(b, 1);
	assert_int_equal(wait_now(fx, f, h, 3, 0, &first), 0);
	assert_int_equal(first, 1);
	fdri_fence_put(a);
	fdri_fence_put(b);
}

static void wait_with_a_past_deadline_polls(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct fdri_fence *fence = install_pending(f, h);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 1 };

	fx_advance(&fx->host, 10 * SEC);
	w.timeout_nsec = fx->host.now - 1;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w), -ETIME);
	w.timeout_nsec = -1;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w), -ETIME);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_fence_put(fence);
}

static void wait_completes_when_its_fence_signals(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, 0), create(fx, f, 0) };
	struct fdri_fence *a = install_pending(f, h[0]), *b = install_pending(f, h[1]);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)h, .count_handles = 2,
				      .timeout_nsec = fx->host.now + 5 * SEC };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	assert_int_equal(t.completed, 0);
	assert_int_equal(fx_timers_armed(&fx->host), 1);
	fdri_fence_signal(b, 2);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(w.first_signaled, 1);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_true(fdri_list_empty(&a->cbs));
	fdri_req_fini(&t.req);
	fdri_fence_put(a);
	fdri_fence_put(b);
}

static void wait_all_returns_only_after_every_fence_signals(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, 0), create(fx, f, 0) };
	struct fdri_fence *a = install_pending(f, h[0]), *b = install_pending(f, h[1]);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)h, .count_handles = 2,
				      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
				      .timeout_nsec = fx->host.now + 5 * SEC };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	fdri_fence_signal(b, 2);
	assert_int_equal(t.completed, 0);
	fdri_fence_signal(a, 3);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(w.first_signaled, ~0u); /* none was signalled at the start */
	fdri_req_fini(&t.req);
	fdri_fence_put(a);
	fdri_fence_put(b);
}

static void wait_times_out_with_etime_at_its_deadline(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct fdri_fence *fence = install_pending(f, h);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 1,
				      .timeout_nsec = fx->host.now + 2 * SEC, .first_signaled = 5 };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	fx_advance(&fx->host, 2 * SEC - 1);
	assert_int_equal(t.completed, 0);
	fx_advance(&fx->host, 1);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, -ETIME);
	assert_true(fdri_list_empty(&fence->cbs));
	fdri_fence_signal(fence, 1); /* nothing left to run */
	assert_int_equal(t.completed, 1);
	fdri_req_fini(&t.req);
	fdri_fence_put(fence);
}

static void wait_for_submit_completes_once_a_fence_is_installed_and_signals(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 1,
				      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
				      .timeout_nsec = fx->host.now + 5 * SEC };
	struct fdri_fence *fence;
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	assert_int_equal(array_op(fx, f, DRM_IOCTL_SYNCOBJ_RESET, &h, 1), 0);
	assert_int_equal(t.completed, 0);
	fence = install_pending(f, h);
	assert_int_equal(t.completed, 0); /* submitted, not signalled */
	/* the wait keeps the fence it found, even when the syncobj drops it */
	assert_int_equal(array_op(fx, f, DRM_IOCTL_SYNCOBJ_RESET, &h, 1), 0);
	fdri_fence_signal(fence, 4);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(w.first_signaled, 0);
	fdri_req_fini(&t.req);
	fdri_fence_put(fence);
}

static void wait_for_submit_completes_at_once_on_a_signalled_install(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, 0), create(fx, f, 0) };
	struct drm_syncobj_wait w = { .handles = (uintptr_t)h, .count_handles = 2,
				      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
					       DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
				      .timeout_nsec = fx->host.now + 5 * SEC };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	assert_int_equal(array_op(fx, f, DRM_IOCTL_SYNCOBJ_SIGNAL, &h[1], 1), 0);
	assert_int_equal(t.completed, 0);
	assert_int_equal(array_op(fx, f, DRM_IOCTL_SYNCOBJ_SIGNAL, &h[0], 1), 0);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	fdri_req_fini(&t.req);
}

static void wait_holds_its_syncobjs_after_their_handles_are_destroyed(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct fdri_fence *fence = install_pending(f, h);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 1,
				      .timeout_nsec = fx->host.now + 5 * SEC };
	struct drm_syncobj_destroy d = { .handle = h };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	fdri_fence_signal(fence, 4);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	fdri_req_fini(&t.req);
	fdri_fence_put(fence);
}

static void closing_the_file_cancels_a_parked_wait_and_leaves_nothing(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, 0), create(fx, f, 0) };
	struct fdri_fence *fence = install_pending(f, h[0]);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)h, .count_handles = 2,
				      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
				      .timeout_nsec = fx->host.now + 5 * SEC };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	assert_int_equal(t.req.state, FDRI_REQ_PARKED);
	fx_close(fx, f);
	assert_int_equal(t.completed, 0);
	assert_false(fdri_req_active(&t.req));
	assert_true(fdri_list_empty(&fence->cbs));
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_fence_signal(fence, 1);
	fx_advance(&fx->host, 10 * SEC);
	assert_int_equal(t.completed, 0);
	fdri_req_fini(&t.req);
	fdri_fence_put(fence);
}

static void in_process_wait_that_would_block_is_interrupted(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct fdri_fence *fence = install_pending(f, h);
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 1,
				      .timeout_nsec = fx->host.now + 5 * SEC };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EINTR);
	assert_true(fdri_list_empty(&fence->cbs));
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_fence_put(fence);
}

static void a_signal_that_completes_one_wait_lets_another_keep_waiting(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, 0), create(fx, f, 0) };
	struct fdri_fence *a = install_pending(f, h[0]), *b = install_pending(f, h[1]);
	struct drm_syncobj_wait any = { .handles = (uintptr_t)h, .count_handles = 2,
					.timeout_nsec = fx->host.now + 5 * SEC };
	struct drm_syncobj_wait all = any;
	struct fx_tx t1, t2;

	all.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	fx_tx_submit(&t1, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &any);
	fx_tx_submit(&t2, fx, f, DRM_IOCTL_SYNCOBJ_WAIT, &all);
	fdri_fence_signal(a, 1);
	assert_int_equal(t1.completed, 1);
	assert_int_equal(any.first_signaled, 0);
	assert_int_equal(t2.completed, 0);
	assert_int_equal(t2.req.state, FDRI_REQ_PARKED);
	fx_advance(&fx->host, 5 * SEC);
	assert_int_equal(t2.completed, 1);
	assert_int_equal(t2.ret, -ETIME);
	fdri_req_fini(&t1.req);
	fdri_req_fini(&t2.req);
	fdri_fence_put(a);
	fdri_fence_put(b);
}

static void closing_the_file_releases_its_syncobjs(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	struct fdri_fence *fence;

	create(fx, f, DRM_SYNCOBJ_CREATE_SIGNALED);
	fence = fdri_fence_get(install_pending(f, create(fx, f, 0)));
	fdri_fence_put(fence);
	assert_int_equal(fence->refcount, 2);
	fx_close(fx, f);
	assert_int_equal(fence->refcount, 1);
	fdri_fence_put(fence);
}

/* --- timelines --- */

static int tl_signal(struct fx *fx, struct fdri_file *f, uint32_t h, uint64_t point)
{
	struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&h, .points = (uintptr_t)&point,
						.count_handles = 1 };

	return fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
}

static uint64_t tl_query(struct fx *fx, struct fdri_file *f, uint32_t h, uint32_t flags)
{
	uint64_t point = 99;
	struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&h, .points = (uintptr_t)&point,
						.count_handles = 1, .flags = flags };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &a), 0);
	return point;
}

static int transfer(struct fx *fx, struct fdri_file *f, uint32_t src, uint64_t src_point,
		    uint32_t dst, uint64_t dst_point)
{
	struct drm_syncobj_transfer t = { .src_handle = src, .src_point = src_point,
					  .dst_handle = dst, .dst_point = dst_point };

	return fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TRANSFER, &t);
}

static int tl_wait_now(struct fx *fx, struct fdri_file *f, uint32_t *h, uint64_t *points,
		       uint32_t n, uint32_t flags)
{
	struct drm_syncobj_timeline_wait w = { .handles = (uintptr_t)h, .points = (uintptr_t)points,
					       .count_handles = n, .flags = flags };

	return fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
}

static void query_reports_the_last_signalled_point(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0), bin = create(fx, f, 0);
	struct fdri_fence *pending = install_pending(f, bin);

	assert_int_equal(tl_query(fx, f, h, 0), 0);
	assert_int_equal(tl_signal(fx, f, h, 3), 0);
	assert_int_equal(tl_signal(fx, f, h, 5), 0);
	assert_int_equal(tl_query(fx, f, h, 0), 5);
	/* point 8 is submitted, not signalled */
	assert_int_equal(transfer(fx, f, bin, 0, h, 8), 0);
	assert_int_equal(tl_query(fx, f, h, 0), 5);
	assert_int_equal(tl_query(fx, f, h, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 8);
	fdri_fence_signal(pending, 1);
	assert_int_equal(tl_query(fx, f, h, 0), 8);
	/* a binary syncobj has no points */
	assert_int_equal(tl_query(fx, f, bin, 0), 0);
	fdri_fence_put(pending);
}

static void timeline_ioctls_reject_bad_input(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h[2] = { create(fx, f, 0), 42 };
	uint64_t p[2] = { 1, 1 };
	struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)h, .points = (uintptr_t)p,
						.count_handles = 1, .flags = 1 };
	struct drm_syncobj_transfer t = { .src_handle = h[0], .dst_handle = h[0], .pad = 1 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a), -EINVAL);
	a.flags = 2;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &a), -EINVAL);
	a.flags = 0;
	a.count_handles = 0;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a), -EINVAL);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &a), -EINVAL);
	a.count_handles = 2;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a), -ENOENT);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &a), -ENOENT);
	a.count_handles = 1;
	a.points = 0;
	assert_null(fence_of(f, h[0]));
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &a), -EFAULT);
	/* timeline waits */
	assert_int_equal(tl_wait_now(fx, f, h, p, 0, 0), 0); /* as WAIT */
	assert_int_equal(tl_wait_now(fx, f, h, p, 1, 8), -EINVAL);
	assert_int_equal(tl_wait_now(fx, f, h, p, 2, 0), -ENOENT);
	assert_int_equal(tl_wait_now(fx, f, h, p, 1, 0), -EINVAL); /* no point 1 */
	/* unless waiting for it to become available (newer kernels, IGT) */
	assert_int_equal(tl_wait_now(fx, f, h, p, 1, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE), -ETIME);
	/* transfers */
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TRANSFER, &t), -EINVAL);
	assert_int_equal(transfer(fx, f, h[0], 0, 42, 0), -ENOENT);
	assert_int_equal(transfer(fx, f, 42, 0, h[0], 0), -ENOENT);
	assert_int_equal(transfer(fx, f, h[0], 0, h[0], 1), -EINVAL); /* no fence */
}

static void timeline_wait_with_null_points_waits_for_the_whole_fence(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);

	assert_int_equal(tl_signal(fx, f, h, 2), 0);
	assert_int_equal(tl_wait_now(fx, f, &h, NULL, 1, 0), 0);
}

static void timeline_wait_completes_when_its_point_signals(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0), b1 = create(fx, f, 0), b2 = create(fx, f, 0);
	struct fdri_fence *f1 = install_pending(f, b1), *f2 = install_pending(f, b2);
	uint64_t point = 1;
	struct drm_syncobj_timeline_wait w = { .handles = (uintptr_t)&h, .points = (uintptr_t)&point,
					       .count_handles = 1,
					       .timeout_nsec = fx->host.now + 5 * SEC };
	struct fx_tx t;

	assert_int_equal(transfer(fx, f, b1, 0, h, 1), 0);
	assert_int_equal(transfer(fx, f, b2, 0, h, 2), 0);
	assert_int_equal(tl_wait_now(fx, f, &h, &point, 1, 0), -ETIME);
	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
	fdri_fence_signal(f2, 1); /* a later point */
	assert_int_equal(t.completed, 0);
	fdri_fence_signal(f1, 2);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(w.first_signaled, 0);
	fdri_req_fini(&t.req);
	fdri_fence_put(f1);
	fdri_fence_put(f2);
}

static void timeline_wait_available_completes_once_the_point_is_submitted(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0), b = create(fx, f, 0);
	struct fdri_fence *pending = install_pending(f, b);
	uint64_t point = 4;
	struct drm_syncobj_timeline_wait w = { .handles = (uintptr_t)&h, .points = (uintptr_t)&point,
					       .count_handles = 1,
					       .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
							DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
					       .timeout_nsec = fx->host.now + 5 * SEC };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
	assert_int_equal(tl_signal(fx, f, h, 3), 0); /* not point 4 yet */
	assert_int_equal(t.completed, 0);
	assert_int_equal(transfer(fx, f, b, 0, h, 4), 0);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_false(fdri_fence_is_signaled(pending));
	fdri_req_fini(&t.req);
	fdri_fence_signal(pending, 1);
	fdri_fence_put(pending);
}

static void transfer_moves_a_point_into_a_binary_syncobj(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0), bin = create(fx, f, 0), b = create(fx, f, 0);
	struct fdri_fence *pending = install_pending(f, b);

	assert_int_equal(tl_signal(fx, f, h, 1), 0);
	assert_int_equal(transfer(fx, f, b, 0, h, 2), 0);
	assert_int_equal(transfer(fx, f, h, 1, bin, 0), 0);
	assert_int_equal(wait_now(fx, f, &bin, 1, 0, NULL), 0);
	assert_int_equal(transfer(fx, f, h, 2, bin, 0), 0);
	assert_int_equal(wait_now(fx, f, &bin, 1, 0, NULL), -ETIME);
	assert_int_equal(transfer(fx, f, h, 3, bin, 0), -EINVAL); /* not submitted */
	fdri_fence_signal(pending, 1);
	assert_int_equal(wait_now(fx, f, &bin, 1, 0, NULL), 0);
	fdri_fence_put(pending);
}

static void closing_the_file_cancels_a_parked_timeline_wait(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0), b = create(fx, f, 0);
	struct fdri_fence *pending = install_pending(f, b);
	uint64_t points[2] = { 1, 7 };
	uint32_t hs[2] = { h, h };
	struct drm_syncobj_timeline_wait w = { .handles = (uintptr_t)hs, .points = (uintptr_t)points,
					       .count_handles = 2,
					       .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
							DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
					       .timeout_nsec = fx->host.now + 5 * SEC };
	struct fx_tx t;

	assert_int_equal(transfer(fx, f, b, 0, h, 1), 0);
	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
	assert_int_equal(t.req.state, FDRI_REQ_PARKED);
	fx_close(fx, f);
	assert_int_equal(t.completed, 0);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_req_fini(&t.req);
	fdri_fence_signal(pending, 1);
	fdri_fence_put(pending);
}

static void transfer_for_submit_waits_for_the_point_to_be_submitted(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t src = create(fx, f, 0), dst = create(fx, f, 0);
	struct drm_syncobj_transfer tr = { .src_handle = src, .src_point = 2, .dst_handle = dst,
					   .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr);
	assert_int_equal(tl_signal(fx, f, src, 1), 0);
	assert_int_equal(t.completed, 0);
	assert_null(fence_of(f, dst));
	assert_int_equal(tl_signal(fx, f, src, 2), 0);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(wait_now(fx, f, &dst, 1, 0, NULL), 0);
	fdri_req_fini(&t.req);
}

static void transfer_for_submit_gives_up_with_etime_after_five_seconds(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t src = create(fx, f, 0), dst = create(fx, f, 0);
	struct drm_syncobj_transfer tr = { .src_handle = src, .dst_handle = dst, .dst_point = 3,
					   .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT };
	struct fx_tx t;

	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr);
	fx_advance(&fx->host, 5 * SEC - 1);
	assert_int_equal(t.completed, 0);
	fx_advance(&fx->host, 1);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, -ETIME);
	assert_null(fence_of(f, dst));
	fdri_req_fini(&t.req);
	/* and a file close cancels one */
	fx_tx_submit(&t, fx, f, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr);
	assert_int_equal(t.req.state, FDRI_REQ_PARKED);
	fx_close(fx, f);
	assert_int_equal(t.completed, 0);
	fdri_req_fini(&t.req);
}

static void transfer_to_a_timeline_flattens_the_source_chain(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t src = create(fx, f, 0), dst = create(fx, f, 0), b1 = create(fx, f, 0),
		 b2 = create(fx, f, 0);
	struct fdri_fence *f1 = install_pending(f, b1), *f2 = install_pending(f, b2), *got;
	struct fdri_fence_chain *node;

	assert_int_equal(transfer(fx, f, b1, 0, src, 1), 0);
	assert_int_equal(transfer(fx, f, b2, 0, src, 2), 0);
	assert_int_equal(tl_signal(fx, f, src, 3), 0);
	assert_int_equal(transfer(fx, f, src, 3, dst, 1), 0);
	node = fdri_fence_chain_of(fence_of(f, dst));
	assert_non_null(node);
	got = node->fence; /* the two pending fences, not a chain */
	assert_null(fdri_fence_chain_of(got));
	assert_non_null(got->array);
	assert_int_equal(got->array->num_fences, 2);
	assert_ptr_equal(got->array->fences[0], f2);
	assert_ptr_equal(got->array->fences[1], f1);
	fdri_fence_signal(f1, 1);
	/* one left: the fence itself */
	assert_int_equal(transfer(fx, f, src, 3, dst, 2), 0);
	assert_ptr_equal(fdri_fence_chain_of(fence_of(f, dst))->fence, f2);
	fdri_fence_signal(f2, 1);
	assert_int_equal(tl_query(fx, f, dst, 0), 2);
	fdri_fence_put(f1);
	fdri_fence_put(f2);
}

static void timeline_signal_with_null_points_signals_point_zero(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&h, .count_handles = 1 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a), 0);
	assert_non_null(fdri_fence_chain_of(fence_of(f, h)));
	assert_int_equal(tl_query(fx, f, h, 0), 0);
	assert_int_equal(wait_now(fx, f, &h, 1, 0, NULL), 0);
}

static void syncobj_fd_imports_on_another_device(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	struct fdri_file *b = fx_open_on(fx, fx_second_device(fx), FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t ha = create(fx, a, 0), hb = 0;
	int fd;

	assert_int_equal(handle_to_fd(fx, a, ha, 0, &fd), 0);
	assert_int_equal(fd_to_handle(fx, b, fd, 0, &hb), 0);
	fx_client_close(&fx->host, fd);
	assert_int_equal(array_op(fx, b, DRM_IOCTL_SYNCOBJ_SIGNAL, &hb, 1), 0);
	fx_close(fx, a); /* the other device's handle keeps it */
	assert_int_equal(wait_now(fx, b, &hb, 1, 0, NULL), 0);
}

/* --- EVENTFD --- */

static int evfd(struct fx *fx, struct fdri_file *f, uint32_t h, uint64_t point, uint32_t flags,
		uint32_t pad, int fd)
{
	struct fdri_drm_syncobj_eventfd e = { .handle = h, .flags = flags, .point = point,
					      .fd = fd, .pad = pad };

	return fdri_ioctl_direct(f, &fx->user, FDRI_DRM_IOCTL_SYNCOBJ_EVENTFD, &e, fd, NULL);
}

static void eventfd_rejects_bad_input(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	struct fdri_file *v = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	int ev = fx_client_eventfd(&fx->host), other = fx_client_foreign_file(&fx->host);

	assert_int_equal(evfd(fx, f, h, 0, 2, 0, ev), -EINVAL);       /* flags */
	assert_int_equal(evfd(fx, f, h, 0, 0, 1, ev), -EINVAL);       /* pad */
	assert_int_equal(evfd(fx, f, h + 1, 0, 0, 0, ev), -ENOENT);   /* handle */
	assert_int_equal(evfd(fx, f, h, 0, 0, 0, other), -EINVAL);   /* not an eventfd */
	assert_int_equal(evfd(fx, f, h, 0, 0, 0, -1), -EBADF);
	assert_int_equal(evfd(fx, v, 1, 0, 0, 0, ev), -EINVAL);       /* vgem: 6.1, no 0xCF */
	assert_int_equal(fx_inode_of(&fx->host, ev)->eventfd_count, 0);
	fx_client_close(&fx->host, ev);
	fx_client_close(&fx->host, other);
}

static void eventfd_counts_once_when_the_point_signals(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	int ev = fx_client_eventfd(&fx->host);
	struct fdri_syncobj *s = fdri_syncobj_find(f, h);
	struct fdri_fence *fence = fdri_fence_create(fdri_fence_context_alloc(1), 1);

	assert_int_equal(evfd(fx, f, h, 0, 0, 0, ev), 0);
	fdri_syncobj_replace_fence(s, fence);             /* submitted */
	assert_int_equal(fx_inode_of(&fx->host, ev)->eventfd_count, 0);
	fdri_fence_signal(fence, 10);                     /* signalled */
	assert_int_equal(fx_inode_of(&fx->host, ev)->eventfd_count, 1);
	fdri_syncobj_replace_fence(s, NULL);
	fdri_fence_put(fence);
	fdri_syncobj_put(s);
	assert_int_equal(fx_inode_of(&fx->host, ev)->eventfd_count, 1);
	fx_client_close(&fx->host, ev);
}

static void eventfd_with_wait_available_counts_at_submission(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	int ev = fx_client_eventfd(&fx->host);
	struct fdri_syncobj *s = fdri_syncobj_find(f, h);
	struct fdri_fence *fence = fdri_fence_create(fdri_fence_context_alloc(1), 1);

	assert_int_equal(evfd(fx, f, h, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0, ev), 0);
	assert_int_equal(fx_inode_of(&fx->host, ev)->eventfd_count, 0);
	fdri_syncobj_replace_fence(s, fence);
	assert_int_equal(fx_inode_of(&fx->host, ev)->eventfd_count, 1);
	fdri_fence_signal(fence, 10);
	fdri_fence_put(fence);
	fdri_syncobj_put(s);
	fx_client_close(&fx->host, ev);
}

static void eventfd_never_signalled_goes_with_its_syncobj(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t h = create(fx, f, 0);
	int ev = fx_client_eventfd(&fx->host);

	assert_int_equal(evfd(fx, f, h, 5, 0, 0, ev), 0);
	fx_close(fx, f); /* the syncobj and its registration go; teardown
			  * checks the daemon's copy of the eventfd is closed */
	assert_int_equal(fx_inode_of(&fx->host, ev)->eventfd_count, 0);
	fx_client_close(&fx->host, ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(create_hands_out_handles_from_one),
		FX_TEST(create_signaled_installs_a_signalled_fence),
		FX_TEST(create_rejects_unknown_flags),
		FX_TEST(destroy_frees_the_handle_and_rejects_unknown_ones),
		FX_TEST(syncobj_caps_follow_the_personality),
		FX_TEST(vgem_answers_eopnotsupp_to_every_syncobj_ioctl),
		FX_TEST(opaque_fd_imports_the_same_syncobj_into_another_file),
		FX_TEST(syncobj_lives_on_in_its_fd_after_the_handle_is_destroyed),
		FX_TEST(handle_to_fd_rejects_bad_input),
		FX_TEST(fd_to_handle_rejects_fds_that_are_not_syncobjs),
		FX_TEST(export_sync_file_carries_the_current_fence),
		FX_TEST(export_sync_file_needs_a_fence_and_a_handle),
		FX_TEST(import_sync_file_replaces_the_fence),
		FX_TEST(import_sync_file_rejects_fds_that_are_not_sync_files),
		FX_TEST(reset_removes_the_fence_and_signal_installs_a_signalled_one),
		FX_TEST(reset_and_signal_reject_bad_arrays),
		FX_TEST(wait_rejects_bad_input),
		FX_TEST(wait_without_submit_needs_a_fence_in_every_syncobj),
		FX_TEST(wait_any_reports_the_first_signalled_index),
		FX_TEST(wait_with_a_past_deadline_polls),
		FX_TEST(wait_completes_when_its_fence_signals),
		FX_TEST(wait_all_returns_only_after_every_fence_signals),
		FX_TEST(wait_times_out_with_etime_at_its_deadline),
		FX_TEST(wait_for_submit_completes_once_a_fence_is_installed_and_signals),
		FX_TEST(wait_for_submit_completes_at_once_on_a_signalled_install),
		FX_TEST(wait_holds_its_syncobjs_after_their_handles_are_destroyed),
		FX_TEST(closing_the_file_cancels_a_parked_wait_and_leaves_nothing),
		FX_TEST(in_process_wait_that_would_block_is_interrupted),
		FX_TEST(a_signal_that_completes_one_wait_lets_another_keep_waiting),
		FX_TEST(closing_the_file_releases_its_syncobjs),
		FX_TEST(query_reports_the_last_signalled_point),
		FX_TEST(timeline_ioctls_reject_bad_input),
		FX_TEST(timeline_wait_with_null_points_waits_for_the_whole_fence),
		FX_TEST(timeline_wait_completes_when_its_point_signals),
		FX_TEST(timeline_wait_available_completes_once_the_point_is_submitted),
		FX_TEST(transfer_moves_a_point_into_a_binary_syncobj),
		FX_TEST(closing_the_file_cancels_a_parked_timeline_wait),
		FX_TEST(transfer_for_submit_waits_for_the_point_to_be_submitted),
		FX_TEST(transfer_for_submit_gives_up_with_etime_after_five_seconds),
		FX_TEST(transfer_to_a_timeline_flattens_the_source_chain),
		FX_TEST(timeline_signal_with_null_points_signals_point_zero),
		FX_TEST(eventfd_rejects_bad_input),
		FX_TEST(eventfd_counts_once_when_the_point_signals),
		FX_TEST(eventfd_with_wait_available_counts_at_submission),
		FX_TEST(eventfd_never_signalled_goes_with_its_syncobj),
		FX_TEST(syncobj_fd_imports_on_another_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
