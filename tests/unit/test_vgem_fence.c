/*
 * test_vgem_fence.c - the vgem personality's fences (fdri_vgem_fence.c,
 * after vgem_fence.c of Linux 6.1): FENCE_ATTACH's and FENCE_SIGNAL's
 * errnos, the reservation rules (EBUSY), the 10 s timeout on the fake
 * clock, ids, and that closing the file signals what it still holds.
 * The fixture's teardown checks that no fence, timer or object leaks.
 */
#include "fixture.h"

#include <errno.h>

#include "fdri_fence.h"
#include "fdri_resv.h"

#include "fdri_vgem_abi.h"

#define SEC 1000000000ll

static struct fdri_file *vgem_open(struct fx *fx, enum fdri_node_type node)
{
	return fx_open_on(fx, fx_vgem_device(fx), node, &fx->user);
}

static uint32_t bo(struct fdri_file *f)
{
	struct fdri_gem *obj;
	int h = fdri_gem_create_with_handle(f, 4096, &obj);

	assert_true(h > 0);
	return (uint32_t)h;
}

static int attach(struct fx *fx, struct fdri_file *f, uint32_t handle, uint32_t flags,
		  uint32_t *out)
{
	struct drm_vgem_fence_attach a = { .handle = handle, .flags = flags };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_ATTACH, &a);

	if (out)
		*out = a.out_fence;
	return ret;
}

static int sig(struct fx *fx, struct fdri_file *f, uint32_t id)
{
	struct drm_vgem_fence_signal s = { .fence = id };

	return fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s);
}

static struct fdri_resv *resv_of(struct fdri_file *f, uint32_t handle)
{
	struct fdri_gem *obj = fdri_gem_lookup(f, handle);

	assert_non_null(obj);
	return fdri_gem_resv(obj);
}

/* A reference to the i-th unsignalled fence on the object. */
static struct fdri_fence *fence_of(struct fdri_file *f, uint32_t handle, unsigned int i)
{
	struct fdri_fence *fence = fdri_resv_fence(resv_of(f, handle), FDRI_RESV_USAGE_BOOKKEEP, i);

	assert_non_null(fence);
	return fdri_fence_get(fence);
}

static void attach_with_unknown_flags_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f);

	assert_int_equal(attach(fx, f, h, 0x2, NULL), -EINVAL);
	assert_int_equal(attach(fx, f, h, 0x80000000u, NULL), -EINVAL);
	/* before the handle is looked up */
	assert_int_equal(attach(fx, f, 999, 0x2, NULL), -EINVAL);
	assert_true(fdri_resv_test_signaled(resv_of(f, h), FDRI_RESV_USAGE_BOOKKEEP));
}

static void attach_with_pad_set_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	struct drm_vgem_fence_attach a = { .handle = bo(f), .pad = 1 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_ATTACH, &a), -EINVAL);
	a.handle = 999;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_ATTACH, &a), -EINVAL);
}

static void attach_to_an_unknown_handle_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	struct fdri_file *g = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f);

	assert_int_equal(attach(fx, f, 0, 0, NULL), -ENOENT);
	assert_int_equal(attach(fx, f, h + 1, VGEM_FENCE_WRITE, NULL), -ENOENT);
	assert_int_equal(attach(fx, g, h, 0, NULL), -ENOENT);  /* another file's */
	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(attach(fx, f, h, 0, NULL), -ENOENT);
}

static void attach_puts_a_vgem_fence_on_the_object(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id1, id2;
	struct fdri_fence *a, *b;

	assert_int_equal(attach(fx, f, h, 0, &id1), 0);
	assert_int_equal(attach(fx, f, h, 0, &id2), 0);
	assert_int_equal(id1, 1);
	assert_int_equal(id2, 2);
	a = fence_of(f, h, 0);
	b = fence_of(f, h, 1);
	assert_string_equal(fdri_fence_driver_name(a), "vgem");
	assert_string_equal(fdri_fence_timeline_name(a), "unbound");
	assert_int_equal(a->seqno, 1);
	assert_int_equal(b->seqno, 1);
	assert_true(a->context != b->context);   /* a context each */
	/* readers: a writer would wait for them, a reader not */
	assert_true(fdri_resv_test_signaled(resv_of(f, h), FDRI_RESV_USAGE_WRITE));
	assert_false(fdri_resv_test_signaled(resv_of(f, h), FDRI_RESV_USAGE_READ));
	assert_int_equal(fx_timers_armed(&fx->host), 2);
	fdri_fence_put(a);
	fdri_fence_put(b);
}

static void a_write_fence_is_what_readers_wait_for(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id;

	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, &id), 0);
	assert_false(fdri_resv_test_signaled(resv_of(f, h), FDRI_RESV_USAGE_WRITE));
	assert_int_equal(sig(fx, f, id), 0);
	assert_true(fdri_resv_test_signaled(resv_of(f, h), FDRI_RESV_USAGE_BOOKKEEP));
}

static void read_after_read_is_allowed(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(attach(fx, f, h, 0, &id), 0);
		assert_int_equal(id, (uint32_t)i + 1);
	}
}

static void write_after_read_is_busy(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), r1, r2, w;

	assert_int_equal(attach(fx, f, h, 0, &r1), 0);
	assert_int_equal(attach(fx, f, h, 0, &r2), 0);
	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, NULL), -EBUSY);
	assert_int_equal(sig(fx, f, r1), 0);
	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, NULL), -EBUSY);
	assert_int_equal(sig(fx, f, r2), 0);
	/* the failed attaches took no id */
	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, &w), 0);
	assert_int_equal(w, 3);
	/* a failed attach leaves no fence behind, and no timer */
	assert_int_equal(fx_timers_armed(&fx->host), 1);
}

static void read_or_write_after_write_is_busy(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), other = bo(f), w, id;

	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, &w), 0);
	assert_int_equal(attach(fx, f, h, 0, NULL), -EBUSY);
	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, NULL), -EBUSY);
	/* per object */
	assert_int_equal(attach(fx, f, other, VGEM_FENCE_WRITE, &id), 0);
	assert_int_equal(sig(fx, f, w), 0);
	assert_int_equal(attach(fx, f, h, 0, &id), 0);
	assert_int_equal(id, 3);
}

static void signal_with_flags_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id;
	struct drm_vgem_fence_signal s;

	assert_int_equal(attach(fx, f, h, 0, &id), 0);
	s = (struct drm_vgem_fence_signal){ .fence = id, .flags = 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s), -EINVAL);
	s = (struct drm_vgem_fence_signal){ .fence = 999, .flags = 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s), -EINVAL);
	/* untouched */
	assert_false(fdri_resv_test_signaled(resv_of(f, h), FDRI_RESV_USAGE_READ));
	assert_int_equal(sig(fx, f, id), 0);
}

static void signal_of_an_unknown_fence_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	struct fdri_file *g = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id;

	assert_int_equal(sig(fx, f, 0), -ENOENT);
	assert_int_equal(sig(fx, f, 1), -ENOENT);
	assert_int_equal(attach(fx, f, h, 0, &id), 0);
	assert_int_equal(sig(fx, f, 0), -ENOENT);
	assert_int_equal(sig(fx, f, id + 1), -ENOENT);
	assert_int_equal(sig(fx, f, UINT32_MAX), -ENOENT);
	assert_int_equal(sig(fx, g, id), -ENOENT);   /* ids are per file */
	assert_int_equal(sig(fx, f, id), 0);
}

static void signal_signals_and_consumes_the_fence(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id, id2;
	struct fdri_fence *fence;

	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, &id), 0);
	fence = fence_of(f, h, 0);
	fx_advance(&fx->host, 123);
	assert_int_equal(sig(fx, f, id), 0);
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(fdri_fence_get_status(fence), 1);
	assert_int_equal(fence->timestamp, fx->host.now);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	/* consumed: a second signal finds nothing, and the id is not reused */
	assert_int_equal(sig(fx, f, id), -ENOENT);
	assert_int_equal(attach(fx, f, h, 0, &id2), 0);
	assert_int_equal(id2, id + 1);
	assert_int_equal(sig(fx, f, id2), 0);
	fdri_fence_put(fence);
	/* the resv still holds the signalled id2; the timers go with the fences */
	assert_int_equal(fx->host.timers_live, 1);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fx->host.timers_live, 0);
}

static void an_unsignalled_fence_expires_after_ten_seconds(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id, r;
	int64_t t0 = fx->host.now;
	struct fdri_fence *fence;

	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, &id), 0);
	fence = fence_of(f, h, 0);
	fx_advance(&fx->host, 10 * SEC - 1);
	assert_false(fdri_fence_is_signaled(fence));
	assert_int_equal(attach(fx, f, h, 0, NULL), -EBUSY);
	fx_advance(&fx->host, 1);
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(fence->error, 0);   /* the kernel sets no error */
	assert_int_equal(fence->timestamp, t0 + 10 * SEC);
	assert_true(fdri_resv_test_signaled(resv_of(f, h), FDRI_RESV_USAGE_BOOKKEEP));
	assert_int_equal(attach(fx, f, h, 0, &r), 0);
	/* signalling it late consumes it and says so */
	assert_int_equal(sig(fx, f, id), -ETIMEDOUT);
	assert_int_equal(sig(fx, f, id), -ENOENT);
	assert_int_equal(sig(fx, f, r), 0);
	fdri_fence_put(fence);
}

static void the_timeout_is_the_devices(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id;
	struct fdri_fence *fence;

	fx->vgem->vgem_fence_timeout_ns = 1000;
	assert_int_equal(attach(fx, f, h, 0, &id), 0);
	fence = fence_of(f, h, 0);
	fx_advance(&fx->host, 999);
	assert_false(fdri_fence_is_signaled(fence));
	fx_advance(&fx->host, 1);
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(sig(fx, f, id), -ETIMEDOUT);
	fdri_fence_put(fence);
}

static void closing_the_file_signals_its_fences(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	struct fdri_file *g = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), hg = bo(g), r1, r2, wg, done;
	struct fdri_fence *fr1, *fr2, *fwg;

	assert_int_equal(attach(fx, f, h, 0, &r1), 0);
	assert_int_equal(attach(fx, f, h, 0, &r2), 0);
	assert_int_equal(attach(fx, f, h, 0, &done), 0);
	assert_int_equal(sig(fx, f, done), 0);
	fr1 = fence_of(f, h, 0);
	fr2 = fence_of(f, h, 1);
	/* g's fence stays: a file's fences go with the file */
	assert_int_equal(attach(fx, g, hg, VGEM_FENCE_WRITE, &wg), 0);
	fwg = fence_of(g, hg, 0);
	fx_close(fx, f);
	assert_true(fdri_fence_is_signaled(fr1));
	assert_true(fdri_fence_is_signaled(fr2));
	assert_int_equal(fr1->error, 0);
	assert_false(fdri_fence_is_signaled(fwg));
	assert_int_equal(fx_timers_armed(&fx->host), 1);
	assert_int_equal(sig(fx, g, wg), 0);
	fdri_fence_put(fr1);
	fdri_fence_put(fr2);
	fdri_fence_put(fwg);
}

static void fences_outlive_the_object_and_die_with_the_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(f), id, id2;
	struct fdri_fence *fence;

	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, &id), 0);
	assert_int_equal(attach(fx, f, bo(f), 0, &id2), 0);
	fence = fence_of(f, h, 0);
	assert_int_equal(fx_gem_close(fx, f, h), 0);   /* object freed, resv too */
	assert_int_equal(fence->refcount, 2);          /* the idr's and ours */
	assert_int_equal(sig(fx, f, id), 0);
	assert_true(fdri_fence_is_signaled(fence));
	fdri_fence_put(fence);
	/* id2 stays pending until the file closes (teardown checks it) */
}

static void an_importer_sees_the_exporters_fences(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = vgem_open(fx, FDRI_NODE_RENDER);
	struct fdri_file *b = vgem_open(fx, FDRI_NODE_RENDER);
	uint32_t h = bo(a), hb, w, r;
	int fd, cfd;

	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, b, cfd, &hb), 0);
	assert_ptr_equal(resv_of(a, h), resv_of(b, hb));
	assert_int_equal(attach(fx, a, h, VGEM_FENCE_WRITE, &w), 0);
	assert_int_equal(attach(fx, b, hb, 0, NULL), -EBUSY);
	assert_int_equal(sig(fx, a, w), 0);
	assert_int_equal(attach(fx, b, hb, 0, &r), 0);
	assert_int_equal(attach(fx, a, h, VGEM_FENCE_WRITE, NULL), -EBUSY);
	assert_int_equal(sig(fx, b, r), 0);
	fx_client_close(&fx->host, cfd);
}

/* PRIME between two devices of one daemon (an integrated and a discrete
 * GPU): the importer's object shares the exporter's reservation object. */
static void an_importer_on_another_device_sees_the_exporters_fences(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = vgem_open(fx, FDRI_NODE_RENDER);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = bo(a), hb, w;
	int fd, cfd;

	assert_int_equal(fx_export(fx, a, h, DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, b, cfd, &hb), 0);
	assert_ptr_equal(resv_of(a, h), resv_of(b, hb));
	assert_int_equal(attach(fx, a, h, VGEM_FENCE_WRITE, &w), 0);
	assert_false(fdri_resv_test_signaled(resv_of(b, hb), FDRI_RESV_USAGE_WRITE));
	assert_int_equal(sig(fx, a, w), 0);
	assert_true(fdri_resv_test_signaled(resv_of(b, hb), FDRI_RESV_USAGE_WRITE));
	fx_client_close(&fx->host, cfd);
}

static void fence_ioctls_work_on_the_primary_node_too(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_PRIMARY);
	uint32_t h = fx_dumb_create(fx, f, 16, 16, 32), id;

	assert_int_equal(attach(fx, f, h, VGEM_FENCE_WRITE, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(sig(fx, f, id), 0);
}

static void the_driver_range_has_nothing_else(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = vgem_open(fx, FDRI_NODE_RENDER);
	struct drm_vgem_fence_signal s = { 0 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOW(DRM_COMMAND_BASE, struct drm_vgem_fence_signal), &s),
			 -EINVAL);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOW(DRM_COMMAND_BASE + 3, struct drm_vgem_fence_signal), &s),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(attach_with_unknown_flags_fails_with_einval),
		FX_TEST(attach_with_pad_set_fails_with_einval),
		FX_TEST(attach_to_an_unknown_handle_fails_with_enoent),
		FX_TEST(attach_puts_a_vgem_fence_on_the_object),
		FX_TEST(a_write_fence_is_what_readers_wait_for),
		FX_TEST(read_after_read_is_allowed),
		FX_TEST(write_after_read_is_busy),
		FX_TEST(read_or_write_after_write_is_busy),
		FX_TEST(signal_with_flags_fails_with_einval),
		FX_TEST(signal_of_an_unknown_fence_fails_with_enoent),
		FX_TEST(signal_signals_and_consumes_the_fence),
		FX_TEST(an_unsignalled_fence_expires_after_ten_seconds),
		FX_TEST(the_timeout_is_the_devices),
		FX_TEST(closing_the_file_signals_its_fences),
		FX_TEST(fences_outlive_the_object_and_die_with_the_file),
		FX_TEST(an_importer_sees_the_exporters_fences),
		FX_TEST(an_importer_on_another_device_sees_the_exporters_fences),
		FX_TEST(fence_ioctls_work_on_the_primary_node_too),
		FX_TEST(the_driver_range_has_nothing_else),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
