/*
 * test_submit.c - DRM_IOCTL_FAKEDRI_SUBMIT's errno for every bad input,
 * in the order the kernel's drivers check them (msm's GEM_SUBMIT,
 * drm_syncobj_find_fence(), sync_file_get_fence()), that a failed submit
 * leaves nothing behind, and DRM_IOCTL_FAKEDRI_GEM_WAIT, which parks
 * (a small transport below keeps a request parked and sees it complete).
 */
#include "fixture.h"
#include "fdri_fence.h"
#include "fdri_req.h"
#include "fdri_resv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MS 1000000ll
#define RD FAKEDRI_SUBMIT_BO_READ
#define WR FAKEDRI_SUBMIT_BO_WRITE

/* --- a transport whose requests may stay parked --- */

/* --- helpers --- */

struct env {
	struct fdri_file *f;
	uint32_t ctx, bo, bo2, syncobj;
};

static struct env env_open(struct fx *fx)
{
	struct env e;
	struct drm_syncobj_create c = { 0 };

	e.f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	e.ctx = fx_ctx_create(fx, e.f, 0);
	e.bo = fx_gem_create(fx, e.f, 4096);
	e.bo2 = fx_gem_create(fx, e.f, 8192);
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	e.syncobj = c.handle;
	return e;
}

/* A submit that would succeed: one object written by one command. */
static void good_job(struct fx_job *j, const struct env *e)
{
	fx_job_init(j, e->ctx, 0, MS);
	fx_job_cmd(j, FAKEDRI_CMD_WRITE32, fx_job_bo(j, e->bo, RD | WR), 0, 0, 1);
}

/* Submits @j, which must fail with @err and leave no trace. */
static void expect_fail(struct fx *fx, const struct env *e, struct fx_job *j, int err)
{
	assert_int_equal(fx_submit(fx, e->f, j, -1), err);
	assert_int_equal(fx->dev->stats.jobs, 0);
	assert_true(fdri_resv_test_signaled(fdri_gem_resv(fdri_gem_lookup(e->f, e->bo)),
					    FDRI_RESV_USAGE_BOOKKEEP));
	assert_null(fx_syncobj_fence(e->f, e->syncobj));
	assert_int_equal(j->out_fd, -1);
}

/* --- the struct --- */

static void unknown_flags_or_pad_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	j.args.flags = 1u << 3;
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	j.args.flags = 0x80000000u;
	j.args.ctx_id = 99;  /* flags are checked first */
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	j.args.pad = 1;
	expect_fail(fx, &e, &j, -EINVAL);
}

static void a_queue_past_the_last_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	j.args.queue = 2;
	j.args.ctx_id = 99;  /* before the context */
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	j.args.queue = ~0u;
	expect_fail(fx, &e, &j, -EINVAL);
}

static void counts_or_duration_over_the_limit_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	/* arrays as long as the counts say, so the transport can read them */
	struct drm_fakedri_submit_bo *bos = calloc(FAKEDRI_SUBMIT_MAX_BOS + 1, sizeof(*bos));
	struct drm_fakedri_submit_syncobj *sos = calloc(FAKEDRI_SUBMIT_MAX_SYNCOBJS + 1,
							 sizeof(*sos));
	struct drm_fakedri_submit_cmd *cmds = calloc(FAKEDRI_SUBMIT_MAX_CMDS + 1, sizeof(*cmds));
	struct drm_fakedri_submit s = { .ctx_id = e.ctx, .fence_fd = -1, .duration_ns = MS,
		.bos = (uintptr_t)bos, .syncobjs = (uintptr_t)sos, .cmds = (uintptr_t)cmds };
	struct fx_job j;

	assert_non_null(bos);
	assert_non_null(sos);
	assert_non_null(cmds);
	s.nr_bos = FAKEDRI_SUBMIT_MAX_BOS + 1;
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_FAKEDRI_SUBMIT, &s), -EINVAL);
	s.nr_bos = 0;
	s.nr_cmds = FAKEDRI_SUBMIT_MAX_CMDS + 1;
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_FAKEDRI_SUBMIT, &s), -EINVAL);
	s.nr_cmds = 0;
	s.nr_syncobjs = FAKEDRI_SUBMIT_MAX_SYNCOBJS + 1;
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_FAKEDRI_SUBMIT, &s), -EINVAL);
	assert_int_equal(fx->dev->stats.jobs, 0);
	free(bos);
	free(sos);
	free(cmds);
	good_job(&j, &e);
	j.args.duration_ns = FAKEDRI_SUBMIT_MAX_DURATION_NS + 1;
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	j.args.duration_ns = FAKEDRI_SUBMIT_MAX_DURATION_NS;
	assert_int_equal(fx_submit(fx, e.f, &j, -1), 0);
	fx_advance(&fx->host, (int64_t)FAKEDRI_SUBMIT_MAX_DURATION_NS);
}

static void an_unknown_context_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t other = fx_ctx_create(fx, g, 0) + 1; /* f has no ctx 2 yet */
	struct drm_fakedri_ctx_destroy d = { .ctx_id = e.ctx };
	struct fx_job j;

	assert_int_equal(other, 2);
	good_job(&j, &e);
	j.args.ctx_id = 0;
	expect_fail(fx, &e, &j, -ENOENT);
	good_job(&j, &e);
	j.args.ctx_id = other;
	expect_fail(fx, &e, &j, -ENOENT);
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d), 0);
	good_job(&j, &e);
	expect_fail(fx, &e, &j, -ENOENT);
}

static void fence_fd_in_that_is_no_sync_file_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	int file = fx_client_foreign_file(&fx->host);
	struct fx_job j;

	good_job(&j, &e);
	j.args.flags = FAKEDRI_SUBMIT_FENCE_FD_IN;   /* fence_fd -1 */
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	j.args.flags = FAKEDRI_SUBMIT_FENCE_FD_IN;
	j.args.fence_fd = file;
	assert_int_equal(fx_submit(fx, e.f, &j, file), -EINVAL);
	fx_client_close(&fx->host, file);
}

/* --- syncobjs --- */

static void an_unreadable_syncobj_array_fails_with_efault(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	fx_submit(fx, e.f, &j, -1);
	fx_advance(&fx->host, MS);
	j.args.nr_syncobjs = 1;
	j.args.syncobjs = 0;
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_FAKEDRI_SUBMIT, &j.args), -EFAULT);
	assert_int_equal(fx->dev->stats.jobs, 0);
}

static void syncobj_entries_with_bad_flags_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	fx_job_syncobj(&j, e.syncobj, 0, 0);
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	fx_job_syncobj(&j, e.syncobj, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL | 4, 0);
	expect_fail(fx, &e, &j, -EINVAL);
}

static void an_unknown_syncobj_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	fx_job_syncobj(&j, e.syncobj, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0);
	fx_job_syncobj(&j, e.syncobj + 1, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0);
	expect_fail(fx, &e, &j, -ENOENT);
	/* before the objects */
	good_job(&j, &e);
	j.bos[0].handle = 999;
	fx_job_syncobj(&j, 0, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0);
	expect_fail(fx, &e, &j, -ENOENT);
}

static void waiting_on_a_syncobj_without_a_fence_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	fx_job_syncobj(&j, e.syncobj, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0);
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	fx_job_syncobj(&j, e.syncobj, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 3);
	expect_fail(fx, &e, &j, -EINVAL);
}

static void waiting_on_a_point_of_a_binary_syncobj_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct drm_syncobj_create c = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	struct fx_job j;

	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	good_job(&j, &e);
	fx_job_syncobj(&j, c.handle, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 1);
	expect_fail(fx, &e, &j, -EINVAL);
	/* point 0 is the fence itself */
	good_job(&j, &e);
	fx_job_syncobj(&j, c.handle, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0);
	assert_int_equal(fx_submit(fx, e.f, &j, -1), 0);
	fx_advance(&fx->host, MS);
}

static void waiting_on_a_point_not_submitted_yet_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	uint64_t point = 2;
	struct drm_syncobj_timeline_array sig = { .handles = (uintptr_t)&e.syncobj,
		.points = (uintptr_t)&point, .count_handles = 1 };
	struct fx_job j;

	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &sig), 0);
	good_job(&j, &e);
	fx_job_syncobj(&j, e.syncobj, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 3);
	assert_int_equal(fx_submit(fx, e.f, &j, -1), -EINVAL);
	assert_int_equal(fx->dev->stats.jobs, 0);
	good_job(&j, &e);
	fx_job_syncobj(&j, e.syncobj, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 2);
	assert_int_equal(fx_submit(fx, e.f, &j, -1), 0);
	fx_advance(&fx->host, MS);
}

/* --- objects --- */

static void an_unreadable_object_array_fails_with_efault(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	fx_submit(fx, e.f, &j, -1);
	fx_advance(&fx->host, MS);
	j.args.bos = 0;
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_FAKEDRI_SUBMIT, &j.args), -EFAULT);
	assert_int_equal(fx->dev->stats.jobs, 0);
}

static void objects_with_bad_flags_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	j.bos[0].flags = 0;
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	j.bos[0].flags = WR | 4;
	expect_fail(fx, &e, &j, -EINVAL);
	good_job(&j, &e);
	j.bos[0].flags = 4;
	j.bos[0].handle = 999;  /* flags before the lookup */
	expect_fail(fx, &e, &j, -EINVAL);
}

static void an_unknown_object_fails_with_enoent(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t theirs = fx_gem_create(fx, g, 4096);
	struct fx_job j;

	good_job(&j, &e);
	fx_job_bo(&j, 0, RD);
	expect_fail(fx, &e, &j, -ENOENT);
	good_job(&j, &e);
	fx_job_bo(&j, e.bo2 + 1, RD);
	expect_fail(fx, &e, &j, -ENOENT);
	good_job(&j, &e);
	fx_job_bo(&j, theirs + 10, RD);
	expect_fail(fx, &e, &j, -ENOENT);
	assert_int_equal(fx_gem_close(fx, e.f, e.bo2), 0);
	good_job(&j, &e);
	fx_job_bo(&j, e.bo2, RD);
	expect_fail(fx, &e, &j, -ENOENT);
}

/* --- commands --- */

static void an_unreadable_command_array_fails_with_efault(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	fx_submit(fx, e.f, &j, -1);
	fx_advance(&fx->host, MS);
	j.args.cmds = 0;
	assert_int_equal(fx_ioctl(fx, e.f, DRM_IOCTL_FAKEDRI_SUBMIT, &j.args), -EFAULT);
	assert_int_equal(fx->dev->stats.jobs, 0);
}

/* good_job() with its one command replaced by @c */
static void expect_cmd_fails(struct fx *fx, const struct env *e, struct drm_fakedri_submit_cmd c)
{
	struct fx_job j;

	good_job(&j, e);
	fx_job_bo(&j, e->bo2, RD);   /* index 1, read only */
	j.cmds[0] = c;
	expect_fail(fx, e, &j, -EINVAL);
}

static void commands_with_an_unknown_op_or_pad_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);

	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = 0 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = 6 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
								  .pad = 1 });
}

static void commands_with_unused_fields_set_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);

	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.length = 4, .src_bo = 1 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
		.src_offset = 4 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
		.length = 4 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE64,
		.length = 8 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_TIMESTAMP,
		.value = 1 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_COPY,
		.length = 4, .value = 1 });
}

static void values_wider_than_32_bits_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);

	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.length = 4, .value = 1ull << 32 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
		.value = 1ull << 32 });
}

static void commands_with_a_bad_object_index_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);

	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
		.dst_bo = 2 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_COPY,
		.length = 4, .src_bo = 2 });
}

static void writing_an_object_not_flagged_write_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);

	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
		.dst_bo = 1 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_COPY,
		.dst_bo = 1, .src_bo = 0, .length = 4 });
}

static void misaligned_or_empty_commands_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);

	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.length = 0 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.length = 6 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.dst_offset = 2, .length = 4 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_COPY,
		.length = 0, .src_bo = 1 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
		.dst_offset = 2 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE64,
		.dst_offset = 4 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_TIMESTAMP,
		.dst_offset = 12 });
}

static void ranges_outside_their_objects_fail_with_einval(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);

	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.dst_offset = 4092, .length = 8 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.dst_offset = 0, .length = 4100 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE64,
		.dst_offset = 4096 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_WRITE32,
		.dst_offset = ~3ull });
	/* offset + length wraps around */
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL,
		.dst_offset = 8, .length = ~7ull });
	/* the source: bo2 is 8192 bytes */
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_COPY,
		.src_bo = 1, .src_offset = 8190, .length = 4 });
	expect_cmd_fails(fx, &e, (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_COPY,
		.src_bo = 1, .src_offset = 4096, .length = 8192 });
}

static void a_full_range_and_a_last_word_are_accepted(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	j.cmds[0] = (struct drm_fakedri_submit_cmd){ .op = FAKEDRI_CMD_FILL, .length = 4096,
						     .value = 9 };
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE64, 0, 4088, 0, 1);
	assert_int_equal(fx_submit(fx, e.f, &j, -1), 0);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_bo_read32(e.f, e.bo, 0), 9);
	assert_int_equal(fx_bo_read64(e.f, e.bo, 4088), 1);
}

static void a_failed_submit_takes_no_seqno(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct fx_job j;

	good_job(&j, &e);
	assert_int_equal(fx_submit(fx, e.f, &j, -1), 0);
	assert_int_equal(j.args.seqno, 1);
	good_job(&j, &e);
	j.cmds[0].dst_offset = 4096;
	j.args.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT;
	fx_job_syncobj(&j, e.syncobj, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0);
	assert_int_equal(fx_submit(fx, e.f, &j, -1), -EINVAL);
	assert_int_equal(j.out_fd, -1);
	good_job(&j, &e);
	assert_int_equal(fx_submit(fx, e.f, &j, -1), 0);
	assert_int_equal(j.args.seqno, 2);
	fx_advance(&fx->host, 2 * MS);
}

static void the_vgem_personality_has_no_submit(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open_on(fx, fx_vgem_device(fx), FDRI_NODE_RENDER, &fx->user);
	struct drm_fakedri_ctx_create c = { 0 };

	/* vgem's table has no 0x47: the kernel's EINVAL for an unknown nr */
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), -EINVAL);
}

/* --- GEM_WAIT --- */

static int gem_wait(struct fx *fx, struct fdri_file *f, uint32_t bo, uint32_t flags,
		    int64_t *timeout)
{
	struct drm_fakedri_gem_wait w = { .handle = bo, .flags = flags, .timeout_ns = *timeout };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w);

	*timeout = w.timeout_ns;
	return ret;
}

static void submit_access(struct fx *fx, const struct env *e, uint32_t queue, int64_t duration,
			  uint32_t flags)
{
	struct fx_job j;

	fx_job_init(&j, e->ctx, queue, (uint64_t)duration);
	fx_job_bo(&j, e->bo, flags);
	assert_int_equal(fx_submit(fx, e->f, &j, -1), 0);
}

static void gem_wait_rejects_flags_and_unknown_handles(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	int64_t t = 0;

	assert_int_equal(gem_wait(fx, e.f, e.bo, 2, &t), -EINVAL);
	assert_int_equal(gem_wait(fx, e.f, 999, 0, &t), -ENOENT);
	assert_int_equal(gem_wait(fx, e.f, 0, 0, &t), -ENOENT);
}

static void gem_wait_on_an_idle_object_returns_at_once(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	int64_t t = 5 * MS;

	assert_int_equal(gem_wait(fx, e.f, e.bo, FAKEDRI_GEM_WAIT_WRITE, &t), 0);
	assert_int_equal(t, 5 * MS);
	t = 0;
	assert_int_equal(gem_wait(fx, e.f, e.bo, 0, &t), 0);
}

static void gem_wait_with_timeout_zero_on_a_busy_object_fails_with_etime(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	int64_t t = 0;

	submit_access(fx, &e, 0, 10 * MS, WR);
	assert_int_equal(gem_wait(fx, e.f, e.bo, 0, &t), -ETIME);
	assert_int_equal(t, 0);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(gem_wait(fx, e.f, e.bo, 0, &t), 0);
}

static void gem_wait_for_a_read_ignores_readers_and_for_a_write_does_not(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	int64_t t = 0;

	submit_access(fx, &e, 0, 10 * MS, RD);
	assert_int_equal(gem_wait(fx, e.f, e.bo, 0, &t), 0);
	assert_int_equal(gem_wait(fx, e.f, e.bo, FAKEDRI_GEM_WAIT_WRITE, &t), -ETIME);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(gem_wait(fx, e.f, e.bo, FAKEDRI_GEM_WAIT_WRITE, &t), 0);
}

static void gem_wait_times_out_with_etime_and_no_time_left(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct drm_fakedri_gem_wait w = { .handle = e.bo, .timeout_ns = 4 * MS };
	struct fx_tx t;

	submit_access(fx, &e, 0, 10 * MS, WR);
	fx_tx_submit(&t, fx, e.f, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w);
	assert_int_equal(t.completed, 0);
	assert_int_equal(fx->dev->stats.parked, 1);
	fx_advance(&fx->host, 4 * MS - 1);
	assert_int_equal(t.completed, 0);
	fx_advance(&fx->host, 1);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, -ETIME);
	assert_int_equal(w.timeout_ns, 0);
	assert_int_equal(fx->dev->stats.parked, 0);
	/* once the job is done, the same wait succeeds */
	fx_advance(&fx->host, 6 * MS);
	w.timeout_ns = 4 * MS;
	fx_tx_submit(&t, fx, e.f, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(w.timeout_ns, 4 * MS);
	fdri_req_fini(&t.req);
}

static void gem_wait_returns_when_the_job_completes_with_the_time_left(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct drm_fakedri_gem_wait w = { .handle = e.bo, .flags = FAKEDRI_GEM_WAIT_WRITE,
					  .timeout_ns = 25 * MS };
	struct fx_tx t;

	submit_access(fx, &e, 0, 10 * MS, RD);
	submit_access(fx, &e, 1, 15 * MS, RD);
	fx_tx_submit(&t, fx, e.f, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(t.completed, 0);   /* one reader left */
	fx_advance(&fx->host, 5 * MS);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(w.timeout_ns, 10 * MS);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_req_fini(&t.req);
}

static void gem_wait_with_a_negative_timeout_waits_for_ever(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct drm_fakedri_gem_wait w = { .handle = e.bo, .timeout_ns = -1 };
	struct fx_tx t;

	submit_access(fx, &e, 0, 50 * MS, WR);
	fx_tx_submit(&t, fx, e.f, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w);
	assert_int_equal(fx_timers_armed(&fx->host), 1);  /* the job's only */
	fx_advance(&fx->host, 50 * MS);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(w.timeout_ns, -1);
	fdri_req_fini(&t.req);
}

static void a_cancelled_gem_wait_leaves_nothing(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct drm_fakedri_gem_wait w = { .handle = e.bo, .timeout_ns = 100 * MS };
	struct fx_tx t;

	submit_access(fx, &e, 0, 10 * MS, WR);
	fx_tx_submit(&t, fx, e.f, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w);
	assert_int_equal(fx_timers_armed(&fx->host), 2);
	assert_true(fdri_req_cancel(&t.req));   /* a signal in the client */
	assert_int_equal(fx->dev->stats.parked, 0);
	assert_int_equal(fx_timers_armed(&fx->host), 1);
	fx_advance(&fx->host, 100 * MS);
	assert_int_equal(t.completed, 0);
	fdri_req_fini(&t.req);
}

static void closing_the_file_cancels_a_parked_gem_wait(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	struct drm_fakedri_gem_wait w = { .handle = e.bo, .timeout_ns = -1 };
	struct fx_tx t;

	submit_access(fx, &e, 0, 10 * MS, WR);
	fx_tx_submit(&t, fx, e.f, DRM_IOCTL_FAKEDRI_GEM_WAIT, &w);
	fx_close(fx, e.f);
	assert_int_equal(fx->dev->stats.parked, 0);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(t.completed, 0);
	fdri_req_fini(&t.req);
}

static void gem_wait_through_the_in_process_transport_is_eintr(void **state)
{
	struct fx *fx = *state;
	struct env e = env_open(fx);
	int64_t t = 5 * MS;

	submit_access(fx, &e, 0, 10 * MS, WR);
	/* an in-process caller cannot wait: the parked call is cancelled */
	assert_int_equal(gem_wait(fx, e.f, e.bo, 0, &t), -EINTR);
	assert_int_equal(fx->dev->stats.parked, 0);
	fx_advance(&fx->host, 10 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(unknown_flags_or_pad_fail_with_einval),
		FX_TEST(a_queue_past_the_last_fails_with_einval),
		FX_TEST(counts_or_duration_over_the_limit_fail_with_einval),
		FX_TEST(an_unknown_context_fails_with_enoent),
		FX_TEST(fence_fd_in_that_is_no_sync_file_fails_with_einval),
		FX_TEST(an_unreadable_syncobj_array_fails_with_efault),
		FX_TEST(syncobj_entries_with_bad_flags_fail_with_einval),
		FX_TEST(an_unknown_syncobj_fails_with_enoent),
		FX_TEST(waiting_on_a_syncobj_without_a_fence_fails_with_einval),
		FX_TEST(waiting_on_a_point_of_a_binary_syncobj_fails_with_einval),
		FX_TEST(waiting_on_a_point_not_submitted_yet_fails_with_einval),
		FX_TEST(an_unreadable_object_array_fails_with_efault),
		FX_TEST(objects_with_bad_flags_fail_with_einval),
		FX_TEST(an_unknown_object_fails_with_enoent),
		FX_TEST(an_unreadable_command_array_fails_with_efault),
		FX_TEST(commands_with_an_unknown_op_or_pad_fail_with_einval),
		FX_TEST(commands_with_unused_fields_set_fail_with_einval),
		FX_TEST(values_wider_than_32_bits_fail_with_einval),
		FX_TEST(commands_with_a_bad_object_index_fail_with_einval),
		FX_TEST(writing_an_object_not_flagged_write_fails_with_einval),
		FX_TEST(misaligned_or_empty_commands_fail_with_einval),
		FX_TEST(ranges_outside_their_objects_fail_with_einval),
		FX_TEST(a_full_range_and_a_last_word_are_accepted),
		FX_TEST(a_failed_submit_takes_no_seqno),
		FX_TEST(the_vgem_personality_has_no_submit),
		FX_TEST(gem_wait_rejects_flags_and_unknown_handles),
		FX_TEST(gem_wait_on_an_idle_object_returns_at_once),
		FX_TEST(gem_wait_with_timeout_zero_on_a_busy_object_fails_with_etime),
		FX_TEST(gem_wait_for_a_read_ignores_readers_and_for_a_write_does_not),
		FX_TEST(gem_wait_times_out_with_etime_and_no_time_left),
		FX_TEST(gem_wait_returns_when_the_job_completes_with_the_time_left),
		FX_TEST(gem_wait_with_a_negative_timeout_waits_for_ever),
		FX_TEST(a_cancelled_gem_wait_leaves_nothing),
		FX_TEST(closing_the_file_cancels_a_parked_gem_wait),
		FX_TEST(gem_wait_through_the_in_process_transport_is_eintr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
