/*
 * test_req.c - the core-owned ioctl request (fdri_req.h): submit, the
 * transport's fetch/probe/complete callbacks, parking and waking
 * (FAKEDRI_TEST_WAIT / TEST_WAKE), deadlines on the fixture's fake clock,
 * cancellation, the file's release, and fdri_ioctl_direct().
 *
 * The transport is a small fake (struct tp) whose callbacks count their
 * calls and record what the core handed them. Its fetch() answers at once
 * or defers, its probe() always defers, so a test decides when and how
 * each step finishes. Behaviours common to every device are run on each
 * personality the fixture offers (fakedri and vgem), as litest runs a test
 * across devices.
 *
 * Every test ends its requests (fini) before returning: the fixture's
 * teardown closes the files left open, and a request still active on one
 * would be a dangling pointer to the test's stack.
 */
#include "fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdri_req.h"

/* --- a fake transport --- */

#define TP_BUF 64

struct tp {
	struct fdri_req req;
	struct fx *fx;
	bool defer_fetch;               /* fetch() leaves INPUT for the test */
	int give_fd;                    /* for want_fd: the fd fetch() hands in */
	bool give_fd_owned;             /* ... as a core fd (host dup), owns_in_fd */

	unsigned fetches, probes, completes, cancels;
	uint32_t probe_mask;
	/* what complete() saw */
	int ret;
	enum fdri_req_state state_at_complete;
	int64_t completed_at;
	uint32_t out_size;
	_Alignas(16) unsigned char out[256];
	uint64_t buf_out_len[FDRI_IOCTL_MAX_PTRS];
	char buf_out[FDRI_IOCTL_MAX_PTRS][TP_BUF];
	unsigned reqs_on_file_at_complete;
};

static unsigned list_len(const struct fdri_list *head)
{
	unsigned n = 0;

	for (const struct fdri_list *l = head->next; l != head; l = l->next)
		n++;
	return n;
}

/* Delivers what the request wants, as a transport reading the caller's
 * memory would (addresses are the test's own pointers). */
static void tp_deliver(struct tp *t)
{
	struct fdri_req *req = &t->req;

	if (req->want_arg)
		memcpy(req->kdata, (const void *)(uintptr_t)req->arg_uaddr, req->args.in_size);
	for (unsigned i = 0; i < FDRI_IOCTL_MAX_PTRS; i++) {
		struct fdri_ubuf *b = &req->args.bufs[i];

		if (req->want_in & (1u << i))
			memcpy(b->data, (const void *)(uintptr_t)b->uaddr, b->len);
	}
	if (req->want_fd && req->args.in_fd < 0) {
		if (t->give_fd_owned) {
			req->args.in_fd = fx_host_ops.dup(&t->fx->host, t->give_fd);
			assert_true(req->args.in_fd >= 0);
			req->owns_in_fd = true;
		} else {
			req->args.in_fd = t->give_fd;
		}
	}
	fdri_req_input_done(req);
}

static void tp_fetch(struct fdri_req *req)
{
	struct tp *t = req->priv;

	assert_int_equal(req->state, FDRI_REQ_INPUT);
	t->fetches++;
	if (!t->defer_fetch)
		tp_deliver(t);
}

static void tp_probe(struct fdri_req *req, uint32_t mask)
{
	struct tp *t = req->priv;

	assert_int_equal(req->state, FDRI_REQ_PROBE);
	t->probes++;
	t->probe_mask = mask;
}

static void tp_complete(struct fdri_req *req)
{
	struct tp *t = req->priv;
	struct fdri_ioctl_args *a = &req->args;

	t->completes++;
	t->ret = req->ret;
	t->state_at_complete = req->state;
	t->completed_at = t->fx->host.now;
	t->out_size = a->out_size;
	assert_true(a->out_size <= sizeof(t->out));
	memcpy(t->out, req->kdata, a->out_size);
	for (unsigned i = 0; i < FDRI_IOCTL_MAX_PTRS; i++) {
		t->buf_out_len[i] = 0;
		memset(t->buf_out[i], 0, TP_BUF);
		if (!a->desc || i >= a->desc->nptrs || a->desc->ptrs[i].dir != FDRI_PTR_OUT)
			continue;
		t->buf_out_len[i] = a->bufs[i].out_len;
		assert_true(a->bufs[i].out_len <= TP_BUF);
		if (a->bufs[i].out_len)
			memcpy(t->buf_out[i], a->bufs[i].data, a->bufs[i].out_len);
	}
	t->reqs_on_file_at_complete = req->file ? list_len(&req->file->reqs) : 0;
}

static void tp_cancelled(struct fdri_req *req)
{
	struct tp *t = req->priv;

	assert_int_equal(req->state, FDRI_REQ_IDLE);
	t->cancels++;
}

static const struct fdri_req_ops tp_ops = {
	.fetch = tp_fetch,
	.complete = tp_complete,
	.cancelled = tp_cancelled,
};

static const struct fdri_req_ops tp_probe_ops = {
	.fetch = tp_fetch,
	.probe = tp_probe,
	.complete = tp_complete,
	.cancelled = tp_cancelled,
};

static struct tp *tp_new(struct fx *fx, const struct fdri_req_ops *ops)
{
	struct tp *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->fx = fx;
	t->give_fd = -1;
	fdri_req_init(&t->req, ops, t);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	return t;
}

static void tp_free(struct tp *t)
{
	fdri_req_fini(&t->req);
	free(t);
}

/* Submits @cmd on @f with the caller's struct @arg: handed over whole, or
 * (@with_arg false) left for fetch() to read. */
static void tp_submit_as(struct tp *t, struct fdri_file *f, const struct fdri_caller *who,
			 unsigned int cmd, void *arg, bool with_arg)
{
	fdri_req_submit(&t->req, f, who, cmd, (uintptr_t)arg, arg,
			with_arg ? _IOC_SIZE(cmd) : 0, false);
}

static void tp_submit(struct tp *t, struct fdri_file *f, unsigned int cmd, void *arg)
{
	tp_submit_as(t, f, &t->fx->user, cmd, arg, true);
}

/* TEST_WAIT on @f for @key until @deadline (0: none). */
static void tp_wait(struct tp *t, struct fdri_file *f, uint32_t key, int64_t deadline,
		    struct drm_fakedri_test_wait *w)
{
	*w = (struct drm_fakedri_test_wait){ .deadline_ns = (uint64_t)deadline, .key = key };
	tp_submit(t, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, w);
}

/* TEST_WAKE of @key from @f through the in-process transport; returns count. */
static uint32_t wake(struct fx *fx, struct fdri_file *f, uint32_t key)
{
	struct drm_fakedri_test_wake w = { .key = key, .count = 0xdead };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_TEST_WAKE, &w), 0);
	return w.count;
}

/* --- personalities --- */

#define NPERS 2

static struct fdri_device *pers_dev(struct fx *fx, int i)
{
	return i == 0 ? fx->dev : fx_vgem_device(fx);
}

/* Runs @body(fx, dev) on every personality. */
static void for_each_pers(struct fx *fx, void (*body)(struct fx *, struct fdri_device *))
{
	for (int i = 0; i < NPERS; i++)
		body(fx, pers_dev(fx, i));
}

#define MS 1000000ll

/* --- synchronous completion --- */

static void getcap_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME, .value = 77 };
	const struct drm_get_cap *out = (const void *)t->out;

	tp_submit(t, f, DRM_IOCTL_GET_CAP, &cap);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->fetches, 0);
	assert_int_equal(t->ret, 0);
	assert_int_equal(t->state_at_complete, FDRI_REQ_IDLE);
	assert_int_equal(t->reqs_on_file_at_complete, 0);
	assert_int_equal(t->out_size, sizeof(struct drm_get_cap));
	assert_int_equal(out->capability, DRM_CAP_PRIME);
	assert_int_equal(out->value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_true(fdri_list_empty(&f->reqs));

	/* the same request again, for another cap */
	cap = (struct drm_get_cap){ .capability = DRM_CAP_TIMESTAMP_MONOTONIC, .value = 77 };
	tp_submit(t, f, DRM_IOCTL_GET_CAP, &cap);
	assert_int_equal(t->completes, 2);
	assert_int_equal(t->ret, 0);
	assert_int_equal(out->capability, DRM_CAP_TIMESTAMP_MONOTONIC);
	assert_int_equal(out->value, 1);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	/* the caller's struct is the transport's to write back, not the core's */
	assert_int_equal(cap.value, 77);
	tp_free(t);
}

static void non_waiting_ioctl_completes_synchronously_once_and_request_is_reusable(void **state)
{
	for_each_pers(*state, getcap_body);
}

static void handler_error_completes_once_with_the_struct_copied_back_body(struct fx *fx,
									 struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_get_cap cap = { .capability = 0xffff, .value = 77 };
	const struct drm_get_cap *out = (const void *)t->out;

	tp_submit(t, f, DRM_IOCTL_GET_CAP, &cap);
	assert_int_equal(t->completes, 1);
	/* drm_getcap: an unknown cap is EINVAL on a KMS device, EOPNOTSUPP without */
	assert_int_equal(t->ret, dev->pers->modeset ? -EINVAL : -EOPNOTSUPP);
	/* drm_ioctl copies the struct back whatever the result */
	assert_int_equal(t->out_size, sizeof(struct drm_get_cap));
	assert_int_equal(out->capability, 0xffff);
	assert_int_equal(out->value, 0);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	tp_free(t);
}

static void handler_error_completes_once_with_the_struct_copied_back(void **state)
{
	for_each_pers(*state, handler_error_completes_once_with_the_struct_copied_back_body);
}

static void decode_errors_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	unsigned char arg[32];
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

	memset(arg, 0xa5, sizeof(arg));
	/* a hole of the core table */
	tp_submit(t, f, DRM_IOWR(0x0E, unsigned char[16]), arg);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, -EINVAL);
	assert_int_equal(t->out_size, 0);
	/* not a DRM ioctl */
	tp_submit(t, f, _IOWR('e', 0x00, unsigned char[16]), arg);
	assert_int_equal(t->completes, 2);
	assert_int_equal(t->ret, -ENOTTY);
	assert_int_equal(t->out_size, 0);
	/* past the driver's table (vgem has none at all) */
	tp_submit(t, f, DRM_IOWR(DRM_COMMAND_BASE + 0x30, unsigned char[32]), arg);
	assert_int_equal(t->completes, 3);
	assert_int_equal(t->ret, -EINVAL);
	assert_int_equal(t->out_size, 0);
	/* the caller's struct cannot be read */
	fdri_req_submit(&t->req, f, &fx->user, DRM_IOCTL_GET_CAP, 0x1000, NULL, 0, true);
	assert_int_equal(t->completes, 4);
	assert_int_equal(t->ret, -EFAULT);
	assert_int_equal(t->out_size, 0);
	/* no file behind the connection */
	tp_submit(t, NULL, DRM_IOCTL_GET_CAP, &cap);
	assert_int_equal(t->completes, 5);
	assert_int_equal(t->ret, -EBADF);
	assert_int_equal(t->out_size, 0);

	assert_int_equal(t->fetches, 0);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_true(fdri_list_empty(&f->reqs));
	for (size_t i = 0; i < sizeof(arg); i++)
		assert_int_equal(arg[i], 0xa5);
	tp_free(t);
}

static void decode_errors_complete_at_once_without_fetching_or_copying_back(void **state)
{
	for_each_pers(*state, decode_errors_body);
}

static void permit_error_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_gem_flink fl = { .handle = 1 };

	t->defer_fetch = true;
	/* the struct is fetched (permit needs nothing from it), then EACCES:
	 * FLINK is not allowed on a render node */
	tp_submit_as(t, f, &fx->user, DRM_IOCTL_GEM_FLINK, &fl, false);
	assert_int_equal(t->fetches, 1);
	assert_true(t->req.want_arg);
	assert_int_equal(t->completes, 0);
	tp_deliver(t);
	assert_int_equal(t->fetches, 1);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, -EACCES);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	tp_free(t);
}

static void permit_error_completes_once_after_the_struct_is_fetched(void **state)
{
	for_each_pers(*state, permit_error_body);
}

/* --- deferred fetch --- */

static void deferred_fetch_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };
	const struct drm_get_cap *out = (const void *)t->out;

	t->defer_fetch = true;
	tp_submit_as(t, f, &fx->user, DRM_IOCTL_GET_CAP, &cap, false);
	assert_int_equal(t->fetches, 1);
	assert_true(t->req.want_arg);
	assert_int_equal(t->req.arg_uaddr, (uintptr_t)&cap);
	assert_int_equal(t->req.state, FDRI_REQ_INPUT);
	assert_int_equal(t->completes, 0);
	assert_int_equal(list_len(&f->reqs), 1);

	tp_deliver(t);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, 0);
	assert_int_equal(out->value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	/* a late second answer does nothing */
	fdri_req_input_done(&t->req);
	assert_int_equal(t->completes, 1);
	tp_free(t);
}

static void deferred_fetch_waits_in_input_state_then_completes_once(void **state)
{
	for_each_pers(*state, deferred_fetch_body);
}

static void cancel_input_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

	t->defer_fetch = true;
	tp_submit_as(t, f, &fx->user, DRM_IOCTL_GET_CAP, &cap, false);
	assert_int_equal(t->req.state, FDRI_REQ_INPUT);

	assert_true(fdri_req_cancel(&t->req));
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_true(fdri_list_empty(&f->reqs));
	/* the transport's answer arrives after all */
	tp_deliver(t);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_false(fdri_req_cancel(&t->req));
	assert_int_equal(t->cancels, 0);
	tp_free(t);
}

static void cancel_in_input_state_never_completes(void **state)
{
	for_each_pers(*state, cancel_input_body);
}

static void cancel_fd_input_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	int client = fx_client_foreign_file(&fx->host);
	struct drm_prime_handle p = { .fd = client };
	unsigned opened = fx->host.core_opened, closed = fx->host.core_closed;
	int core_fd;

	t->defer_fetch = true;
	tp_submit(t, f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	assert_int_equal(t->req.state, FDRI_REQ_INPUT);
	assert_true(t->req.want_fd);
	assert_int_equal(t->req.fd_value, client);
	/* the fd arrived (SCM_RIGHTS), the answer is not given yet */
	core_fd = fx_host_ops.dup(&fx->host, client);
	t->req.args.in_fd = core_fd;
	t->req.owns_in_fd = true;
	assert_int_equal(fx->host.core_opened, opened + 1);

	assert_true(fdri_req_cancel(&t->req));
	assert_int_equal(fx->host.core_closed, closed + 1);
	assert_int_equal(fx_core_fds_open(&fx->host), 0);
	assert_int_equal(fx->host.bad_closes, 0);
	assert_int_equal(t->req.args.in_fd, -1);
	assert_false(t->req.owns_in_fd);
	/* a late answer neither runs nor closes it again */
	fdri_req_input_done(&t->req);
	assert_int_equal(t->completes, 0);
	assert_int_equal(fx->host.core_closed, closed + 1);
	tp_free(t);
	assert_int_equal(fx->host.core_closed, closed + 1);
	assert_int_equal(fx->host.bad_closes, 0);
	fx_client_close(&fx->host, client);
}

static void cancel_in_input_state_closes_the_owned_fd_once(void **state)
{
	for_each_pers(*state, cancel_fd_input_body);
}

static void fd_input_run_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	uint32_t h = fx_dumb_create(fx, a, 64, 64, 32);
	int dmabuf = -1, client;
	struct drm_prime_handle p = { 0 };
	unsigned closed;

	assert_int_equal(fx_export(fx, a, h, DRM_CLOEXEC, &dmabuf), 0);
	client = fx_client_dup(&fx->host, dmabuf);
	closed = fx->host.core_closed;

	t->defer_fetch = true;
	t->give_fd = client;
	t->give_fd_owned = true;
	p.fd = client;
	tp_submit(t, b, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	assert_int_equal(t->req.state, FDRI_REQ_INPUT);
	assert_int_equal(t->req.fd_value, client);
	tp_deliver(t);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, 0);
	assert_int_not_equal(((const struct drm_prime_handle *)t->out)->handle, 0);
	/* the core closed the fd it was handed, once */
	assert_int_equal(fx->host.core_closed, closed + 1);
	assert_int_equal(fx->host.bad_closes, 0);
	tp_free(t);
	assert_int_equal(fx->host.core_closed, closed + 1);
	fx_client_close(&fx->host, client);
}

static void owned_fd_input_is_closed_once_after_the_run(void **state)
{
	for_each_pers(*state, fd_input_run_body);
}

/* --- parking: TEST_WAIT / TEST_WAKE --- */

static void test_wait_parks_without_completing(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;

	tp_wait(t, f, 7, 0, &w);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->fetches, 0);
	assert_int_equal(list_len(&fx->dev->test_waiters), 1);
	assert_int_equal(list_len(&f->reqs), 1);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	/* time alone does not end a wait without a deadline */
	fx_advance(&fx->host, 3600 * 1000 * MS);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);
	tp_free(t);
}

static void test_wake_from_another_file_completes_the_waiter_once(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user2);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;

	tp_wait(t, f, 7, 0, &w);
	assert_int_equal(wake(fx, g, 7), 1);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, 0);
	assert_int_equal(t->state_at_complete, FDRI_REQ_IDLE);
	assert_int_equal(t->out_size, 0); /* _IOW: nothing to copy back */
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_true(fdri_list_empty(&f->reqs));
	/* a second wake finds nobody */
	assert_int_equal(wake(fx, g, 7), 0);
	assert_int_equal(t->completes, 1);
	tp_free(t);
}

static void test_wake_wakes_every_waiter_of_its_key_and_only_those(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_RENDER, &fx->user2);
	struct tp *t1 = tp_new(fx, &tp_ops), *t2 = tp_new(fx, &tp_ops), *t3 = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w1, w2, w3;

	tp_wait(t1, f, 7, 0, &w1);
	tp_wait(t2, g, 7, 0, &w2);
	tp_wait(t3, f, 8, 0, &w3);
	assert_int_equal(list_len(&fx->dev->test_waiters), 3);

	assert_int_equal(wake(fx, g, 9), 0);
	assert_int_equal(t1->completes + t2->completes + t3->completes, 0);

	assert_int_equal(wake(fx, g, 7), 2);
	assert_int_equal(t1->completes, 1);
	assert_int_equal(t1->ret, 0);
	assert_int_equal(t2->completes, 1);
	assert_int_equal(t2->ret, 0);
	assert_int_equal(t3->completes, 0);
	assert_int_equal(t3->req.state, FDRI_REQ_PARKED);
	assert_int_equal(list_len(&fx->dev->test_waiters), 1);

	assert_int_equal(wake(fx, f, 8), 1);
	assert_int_equal(t3->completes, 1);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	tp_free(t1);
	tp_free(t2);
	tp_free(t3);
}

static void test_wake_does_not_reach_another_device(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *o = fx_open_on(fx, fx_second_device(fx), FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;

	tp_wait(t, f, 7, 0, &w);
	assert_int_equal(wake(fx, o, 7), 0);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);
	assert_int_equal(wake(fx, f, 7), 1);
	assert_int_equal(t->completes, 1);
	tp_free(t);
}

static void test_wait_with_unknown_flags_fails_with_einval_without_parking(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w = { .key = 7, .flags = 1 };

	tp_submit(t, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, -EINVAL);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_int_equal(wake(fx, f, 7), 0);
	tp_free(t);
}

static void woken_wait_disarms_its_deadline(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;

	tp_wait(t, f, 7, fx->host.now + 10 * MS, &w);
	assert_int_equal(fx_timers_armed(&fx->host), 1);
	assert_int_equal(wake(fx, f, 7), 1);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, 0);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fx_advance(&fx->host, 20 * MS);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, 0);
	tp_free(t);
	assert_int_equal(fx->host.timers_live, 0);
}

/* --- deadlines --- */

static void passed_deadline_completes_with_etime_once_and_disarms(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;
	int64_t deadline = fx->host.now + 5 * MS;

	tp_wait(t, f, 7, deadline, &w);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);
	assert_int_equal(fx_timers_armed(&fx->host), 1);

	fx_advance(&fx->host, 5 * MS - 1);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);

	fx_advance(&fx->host, 1);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, -ETIME);
	assert_int_equal(t->completed_at, deadline);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_true(fdri_list_empty(&f->reqs));

	fx_advance(&fx->host, 100 * MS);
	assert_int_equal(wake(fx, f, 7), 0);
	assert_int_equal(t->completes, 1);
	tp_free(t);
	assert_int_equal(fx->host.timers_live, 0);
}

static void deadline_already_past_fails_with_etime_without_parking(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;

	tp_wait(t, f, 7, fx->host.now - 1, &w);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, -ETIME);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));

	/* a deadline of exactly now has passed too */
	tp_wait(t, f, 7, fx->host.now, &w);
	assert_int_equal(t->completes, 2);
	assert_int_equal(t->ret, -ETIME);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_int_equal(wake(fx, f, 7), 0);
	tp_free(t);
}

static void restarted_wait_keeps_its_absolute_deadline(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;
	int64_t deadline = fx->host.now + 100 * MS;

	tp_wait(t, f, 7, deadline, &w);
	fx_advance(&fx->host, 60 * MS);
	/* a signal: the transport cancels, the caller restarts the same call */
	assert_true(fdri_req_cancel(&t->req));
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	tp_submit(t, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);
	assert_int_equal(fx_timers_armed(&fx->host), 1);

	fx_advance(&fx->host, 40 * MS - 1);
	assert_int_equal(t->completes, 0);
	fx_advance(&fx->host, 1);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, -ETIME);
	assert_int_equal(t->completed_at, deadline);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	tp_free(t);
	assert_int_equal(fx->host.timers_live, 0);
}

static void reused_request_waits_for_its_new_deadline_only(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;
	int64_t first = fx->host.now + 10 * MS, second = fx->host.now + 50 * MS;

	tp_wait(t, f, 7, first, &w);
	assert_int_equal(wake(fx, f, 7), 1);
	tp_wait(t, f, 7, second, &w);
	assert_int_equal(fx_timers_armed(&fx->host), 1);
	fx_advance(&fx->host, 20 * MS);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);
	fx_advance(&fx->host, 30 * MS);
	assert_int_equal(t->completes, 2);
	assert_int_equal(t->ret, -ETIME);
	assert_int_equal(t->completed_at, second);
	tp_free(t);
	assert_int_equal(fx->host.timers_live, 0);
}

/* --- cancellation --- */

static void cancelled_wait_never_completes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;

	tp_wait(t, f, 7, fx->host.now + 10 * MS, &w);
	assert_int_equal(fx_timers_armed(&fx->host), 1);

	assert_true(fdri_req_cancel(&t->req));
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_true(fdri_list_empty(&f->reqs));
	assert_int_equal(t->cancels, 0); /* the transport's own cancel is not reported back */

	assert_int_equal(wake(fx, f, 7), 0);
	fx_advance(&fx->host, 20 * MS);
	fdri_req_wake(&t->req, 0);
	assert_int_equal(t->completes, 0);
	assert_false(fdri_req_cancel(&t->req));
	tp_free(t);
	assert_int_equal(fx->host.timers_live, 0);
}

/* Run under ASan: the request is freed before its deadline and its key's
 * wake arrive; any reference the core kept would be a use after free. */
static void late_deadline_and_wake_after_cancel_and_free_do_nothing(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops), *other = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w, wo;

	tp_wait(t, f, 7, fx->host.now + 10 * MS, &w);
	tp_wait(other, f, 8, 0, &wo);
	assert_true(fdri_req_cancel(&t->req));
	tp_free(t);
	assert_int_equal(fx->host.timers_live, 0);

	fx_advance(&fx->host, 20 * MS);
	assert_int_equal(wake(fx, f, 7), 0);
	/* the device's other waiters are intact */
	assert_int_equal(list_len(&fx->dev->test_waiters), 1);
	assert_int_equal(wake(fx, f, 8), 1);
	assert_int_equal(other->completes, 1);
	assert_int_equal(other->ret, 0);
	tp_free(other);
}

static void late_answers_after_cancel_do_nothing(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_probe_ops);
	char name[TP_BUF];
	struct drm_version v = { .name = name, .name_len = sizeof(name) };

	tp_submit(t, f, DRM_IOCTL_VERSION, &v);
	assert_int_equal(t->req.state, FDRI_REQ_PROBE);
	assert_true(fdri_req_cancel(&t->req));
	assert_true(fdri_list_empty(&f->reqs));
	fdri_req_probe_done(&t->req, 0);
	fdri_req_probe_done(&t->req, 1);
	fdri_req_input_done(&t->req);
	fdri_req_wake(&t->req, -ETIME);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	tp_free(t);
}

/* --- the file's release --- */

static void file_release_cancels_its_requests_and_tells_their_transports(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_RENDER, &fx->user2);
	struct tp *p1 = tp_new(fx, &tp_ops), *p2 = tp_new(fx, &tp_ops);
	struct tp *in = tp_new(fx, &tp_ops), *keep = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w1, w2, wk;
	int client = fx_client_foreign_file(&fx->host);
	struct drm_prime_handle p = { .fd = client };
	unsigned closed = fx->host.core_closed;

	tp_wait(p1, f, 7, 0, &w1);
	tp_wait(p2, f, 8, fx->host.now + 10 * MS, &w2);
	in->defer_fetch = true;
	tp_submit(in, f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	assert_int_equal(in->req.state, FDRI_REQ_INPUT);
	in->req.args.in_fd = fx_host_ops.dup(&fx->host, client);
	in->req.owns_in_fd = true;
	tp_wait(keep, g, 7, 0, &wk);
	assert_int_equal(list_len(&f->reqs), 3);
	assert_int_equal(list_len(&fx->dev->test_waiters), 3);

	fx_close(fx, f);
	assert_int_equal(p1->cancels, 1);
	assert_int_equal(p2->cancels, 1);
	assert_int_equal(in->cancels, 1);
	assert_int_equal(p1->completes + p2->completes + in->completes, 0);
	assert_int_equal(p1->req.state, FDRI_REQ_IDLE);
	assert_int_equal(p2->req.state, FDRI_REQ_IDLE);
	assert_int_equal(in->req.state, FDRI_REQ_IDLE);
	assert_int_equal(fx->host.core_closed, closed + 1);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	/* only the other file's waiter is left */
	assert_int_equal(list_len(&fx->dev->test_waiters), 1);
	assert_int_equal(keep->req.state, FDRI_REQ_PARKED);
	assert_int_equal(keep->cancels, 0);

	fx_advance(&fx->host, 20 * MS);
	assert_int_equal(wake(fx, g, 8), 0);
	assert_int_equal(wake(fx, g, 7), 1);
	assert_int_equal(keep->completes, 1);
	assert_int_equal(p1->completes + p2->completes + in->completes, 0);
	assert_int_equal(p1->cancels + p2->cancels + in->cancels, 3);

	fx_close(fx, g);
	assert_int_equal(keep->cancels, 0);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	tp_free(p1);
	tp_free(p2);
	tp_free(in);
	tp_free(keep);
	assert_int_equal(fx->host.timers_live, 0);
	fx_client_close(&fx->host, client);
}

static void file_release_body(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

	t->defer_fetch = true;
	tp_submit_as(t, f, &fx->user, DRM_IOCTL_GET_CAP, &cap, false);
	fx_close(fx, f);
	assert_int_equal(t->cancels, 1);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	tp_free(t);
}

static void file_release_cancels_a_request_waiting_for_input(void **state)
{
	for_each_pers(*state, file_release_body);
}

/* --- probing output --- */

struct version_call {
	struct drm_version v;
	char name[TP_BUF], date[TP_BUF], desc[TP_BUF];
};

static void version_submit(struct tp *t, struct fdri_file *f, struct version_call *c,
			   size_t date_len)
{
	memset(c, 0, sizeof(*c));
	c->v.name = c->name;
	c->v.name_len = sizeof(c->name);
	c->v.date = c->date;
	c->v.date_len = date_len;
	c->v.desc = c->desc;
	c->v.desc_len = sizeof(c->desc);
	tp_submit(t, f, DRM_IOCTL_VERSION, &c->v);
}

static void probe_done_body(struct fx *fx, struct fdri_device *dev)
{
	const struct fdri_personality *p = dev->pers;
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_probe_ops);
	struct version_call c;
	const struct drm_version *out = (const void *)t->out;

	version_submit(t, f, &c, sizeof(c.date));
	assert_int_equal(t->probes, 1);
	assert_int_equal(t->probe_mask, 0x7);
	assert_int_equal(t->req.state, FDRI_REQ_PROBE);
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->fetches, 0); /* OUT buffers are not fetched */

	fdri_req_probe_done(&t->req, 0);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, 0);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_int_equal(out->version_major, p->major);
	assert_int_equal(out->name_len, strlen(p->name));
	assert_int_equal(out->date_len, strlen(p->date));
	assert_int_equal(out->desc_len, strlen(p->desc));
	assert_int_equal(t->buf_out_len[0], strlen(p->name));
	assert_string_equal(t->buf_out[0], p->name);
	assert_int_equal(t->buf_out_len[1], strlen(p->date));
	assert_string_equal(t->buf_out[1], p->date);
	assert_int_equal(t->buf_out_len[2], strlen(p->desc));
	assert_string_equal(t->buf_out[2], p->desc);

	/* a second answer does nothing */
	fdri_req_probe_done(&t->req, 1);
	assert_int_equal(t->completes, 1);

	/* a buffer of length 0 is written nothing, so it is not probed */
	version_submit(t, f, &c, 0);
	assert_int_equal(t->probes, 2);
	assert_int_equal(t->probe_mask, 0x5);
	fdri_req_probe_done(&t->req, 0);
	assert_int_equal(t->completes, 2);
	assert_int_equal(t->ret, 0);
	assert_int_equal(t->buf_out_len[1], 0);
	assert_int_equal(out->date_len, strlen(p->date));
	tp_free(t);
}

static void version_probe_covers_the_out_buffers_and_completes_with_the_data(void **state)
{
	for_each_pers(*state, probe_done_body);
}

static void probe_fault_body(struct fx *fx, struct fdri_device *dev)
{
	const struct fdri_personality *p = dev->pers;
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_probe_ops);
	struct version_call c;
	const struct drm_version *out = (const void *)t->out;

	version_submit(t, f, &c, sizeof(c.date));
	assert_int_equal(t->probe_mask, 0x7);
	fdri_req_probe_done(&t->req, 0x1);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, -EFAULT);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	/* the handler ran again on the saved input and stopped at the name,
	 * as copy_to_user would have made it: the fields up to there are
	 * written, date_len still holds the caller's capacity */
	assert_int_equal(out->version_major, p->major);
	assert_int_equal(out->name_len, strlen(p->name));
	assert_int_equal(out->date_len, sizeof(c.date));
	assert_int_equal(out->desc_len, sizeof(c.desc));
	assert_int_equal(t->buf_out_len[0], 0);
	assert_int_equal(t->buf_out_len[1], 0);
	assert_int_equal(t->buf_out_len[2], 0);

	/* a fault on the last buffer: the first two are written */
	version_submit(t, f, &c, sizeof(c.date));
	fdri_req_probe_done(&t->req, 0x4);
	assert_int_equal(t->completes, 2);
	assert_int_equal(t->ret, -EFAULT);
	assert_int_equal(t->buf_out_len[0], strlen(p->name));
	assert_string_equal(t->buf_out[0], p->name);
	assert_int_equal(t->buf_out_len[1], strlen(p->date));
	assert_int_equal(t->buf_out_len[2], 0);

	/* the faults do not stick to the reused request */
	version_submit(t, f, &c, sizeof(c.date));
	fdri_req_probe_done(&t->req, 0);
	assert_int_equal(t->completes, 3);
	assert_int_equal(t->ret, 0);
	assert_int_equal(t->buf_out_len[0], strlen(p->name));
	assert_int_equal(t->buf_out_len[2], strlen(p->desc));
	tp_free(t);
}

static void probe_fault_on_the_name_reruns_and_fails_with_efault(void **state)
{
	for_each_pers(*state, probe_fault_body);
}

static void transport_without_probe_completes_version_at_once(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct version_call c;

	version_submit(t, f, &c, sizeof(c.date));
	assert_int_equal(t->probes, 0);
	assert_int_equal(t->completes, 1);
	assert_int_equal(t->ret, 0);
	assert_string_equal(t->buf_out[0], fx->dev->pers->name);
	tp_free(t);
}

/* --- fini --- */

static void fini_cancels_an_active_request_and_is_safe_twice(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;

	tp_wait(t, f, 7, fx->host.now + 10 * MS, &w);
	assert_int_equal(fx->host.timers_live, 1);

	fdri_req_fini(&t->req);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_int_equal(fx->host.timers_live, 0);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_true(fdri_list_empty(&f->reqs));
	assert_int_equal(t->completes, 0);
	assert_int_equal(t->cancels, 0);

	fdri_req_fini(&t->req);
	assert_int_equal(t->req.state, FDRI_REQ_IDLE);
	fx_advance(&fx->host, 20 * MS);
	assert_int_equal(wake(fx, f, 7), 0);
	assert_int_equal(t->completes, 0);
	free(t);
}

static void fini_of_a_request_waiting_for_input_closes_its_fd(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &tp_ops);
	int client = fx_client_foreign_file(&fx->host);
	struct drm_prime_handle p = { .fd = client };
	unsigned closed = fx->host.core_closed;

	t->defer_fetch = true;
	tp_submit(t, f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	t->req.args.in_fd = fx_host_ops.dup(&fx->host, client);
	t->req.owns_in_fd = true;
	tp_free(t);
	assert_int_equal(fx->host.core_closed, closed + 1);
	assert_int_equal(fx->host.bad_closes, 0);
	assert_true(fdri_list_empty(&f->reqs));
	fx_client_close(&fx->host, client);
}

/* --- reentrancy --- */

/* A transport that submits the next call from inside complete(), as one
 * reusing its request for the connection's next message would. */
struct chain {
	struct tp t;
	struct fdri_file *file;
	unsigned resubmits;
	struct drm_get_cap cap;
	struct drm_fakedri_test_wait w;
};

static void chain_complete(struct fdri_req *req)
{
	struct chain *c = req->priv;

	tp_complete(req);
	assert_false(fdri_req_active(req));
	if (c->resubmits) {
		c->resubmits--;
		fdri_req_submit(req, c->file, &c->t.fx->user, c->t.req.args.cmd,
				(uintptr_t)c->t.req.arg_uaddr,
				(const void *)(uintptr_t)c->t.req.arg_uaddr,
				_IOC_SIZE(c->t.req.args.cmd), false);
	}
}

static const struct fdri_req_ops chain_ops = {
	.fetch = tp_fetch,
	.complete = chain_complete,
	.cancelled = tp_cancelled,
};

static struct chain *chain_new(struct fx *fx, struct fdri_file *f, unsigned resubmits)
{
	struct chain *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->t.fx = fx;
	c->t.give_fd = -1;
	c->file = f;
	c->resubmits = resubmits;
	fdri_req_init(&c->t.req, &chain_ops, c);
	return c;
}

static void complete_may_resubmit_the_request_at_once(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct chain *c = chain_new(fx, f, 2);

	c->cap.capability = DRM_CAP_PRIME;
	fdri_req_submit(&c->t.req, f, &fx->user, DRM_IOCTL_GET_CAP, (uintptr_t)&c->cap, &c->cap,
			sizeof(c->cap), false);
	assert_int_equal(c->t.completes, 3);
	assert_int_equal(c->t.ret, 0);
	assert_int_equal(((const struct drm_get_cap *)c->t.out)->value,
			 DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	assert_int_equal(c->t.req.state, FDRI_REQ_IDLE);
	assert_true(fdri_list_empty(&f->reqs));
	fdri_req_fini(&c->t.req);
	free(c);
}

static void waiter_that_waits_again_on_completion_is_not_woken_twice(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct chain *c = chain_new(fx, f, 1);

	c->w.key = 7;
	c->w.deadline_ns = (uint64_t)(fx->host.now + 10 * MS);
	fdri_req_submit(&c->t.req, f, &fx->user, DRM_IOCTL_FAKEDRI_TEST_WAIT, (uintptr_t)&c->w,
			&c->w, sizeof(c->w), false);
	assert_int_equal(c->t.req.state, FDRI_REQ_PARKED);

	/* woken, it completes and parks again at once, on the same deadline */
	assert_int_equal(wake(fx, f, 7), 1);
	assert_int_equal(c->t.completes, 1);
	assert_int_equal(c->t.ret, 0);
	assert_int_equal(c->t.req.state, FDRI_REQ_PARKED);
	assert_int_equal(list_len(&fx->dev->test_waiters), 1);
	assert_int_equal(fx_timers_armed(&fx->host), 1);

	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(c->t.completes, 2);
	assert_int_equal(c->t.ret, -ETIME);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_req_fini(&c->t.req);
	free(c);
	assert_int_equal(fx->host.timers_live, 0);
}

static unsigned freed_in_complete;

static void free_on_complete(struct fdri_req *req)
{
	freed_in_complete++;
	fdri_req_fini(req);
	free(req->priv);
}

static const struct fdri_req_ops free_ops = {
	.fetch = tp_fetch,
	.complete = free_on_complete,
};

/* Run under ASan: the core must not touch a request after complete(). */
static void transport_may_free_its_request_in_complete(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *a = tp_new(fx, &free_ops), *b = tp_new(fx, &free_ops), *c = tp_new(fx, &free_ops);
	struct drm_fakedri_test_wait wa = { .key = 7 };
	struct drm_fakedri_test_wait wb = { .key = 8 };
	struct drm_fakedri_test_wait wc = { .key = 7 };

	freed_in_complete = 0;
	wb.deadline_ns = (uint64_t)(fx->host.now + 10 * MS);
	tp_submit(a, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &wa);
	tp_submit(b, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &wb);
	tp_submit(c, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &wc);
	assert_int_equal(wake(fx, f, 7), 2);
	assert_int_equal(freed_in_complete, 2);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(freed_in_complete, 3);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_true(fdri_list_empty(&f->reqs));
	assert_int_equal(fx->host.timers_live, 0);
}

static unsigned freed_in_fetch;

/* As CUSE's retry round: the answer cannot be given now, the transport
 * cancels the request from inside fetch() and frees it. */
static void cancel_and_free_on_fetch(struct fdri_req *req)
{
	assert_true(fdri_req_cancel(req));
	freed_in_fetch++;
	fdri_req_fini(req);
	free(req->priv);
}

static const struct fdri_req_ops cancel_in_fetch_ops = {
	.fetch = cancel_and_free_on_fetch,
	.complete = tp_complete,
};

/* Run under ASan: the core must not touch a request after fetch(). */
static void transport_may_cancel_and_free_its_request_in_fetch(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct tp *t = tp_new(fx, &cancel_in_fetch_ops);
	struct tp *u = tp_new(fx, &cancel_in_fetch_ops);
	int client = fx_client_foreign_file(&fx->host);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };
	struct drm_prime_handle p = { .fd = client };

	freed_in_fetch = 0;
	tp_submit_as(t, f, &fx->user, DRM_IOCTL_GET_CAP, &cap, false); /* the struct */
	tp_submit(u, f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);             /* the fd */
	assert_int_equal(freed_in_fetch, 2);
	assert_true(fdri_list_empty(&f->reqs));
	fx_client_close(&fx->host, client);
}

/* --- timers across hosts --- */

static void request_reused_on_another_host_frees_its_timer_on_the_first(void **state)
{
	struct fx *fx = *state;
	struct fx_host *h2 = calloc(1, sizeof(*h2));
	struct fdri_device *d2;
	struct fdri_file *f, *g;
	struct tp *t = tp_new(fx, &tp_ops);
	struct drm_fakedri_test_wait w;
	int err = 0;

	assert_non_null(h2);
	h2->next_fd = 5000;
	h2->now = 7 * 1000 * MS;
	d2 = fdri_device_create(fdri_personality_find(NULL), &fx_host_ops, h2, 9);
	assert_non_null(d2);
	g = fdri_file_open(d2, FDRI_NODE_RENDER, &fx->user, O_RDWR, &err);
	assert_non_null(g);
	f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);

	tp_wait(t, f, 7, fx->host.now + 10 * MS, &w);
	assert_int_equal(wake(fx, f, 7), 1);
	assert_int_equal(fx->host.timers_live, 1); /* kept for the next wait */

	tp_wait(t, g, 7, h2->now + 10 * MS, &w);
	assert_int_equal(t->req.state, FDRI_REQ_PARKED);
	assert_int_equal(fx->host.timers_live, 0);
	assert_int_equal(h2->timers_live, 1);
	assert_int_equal(fx_timers_armed(h2), 1);
	/* the first host's clock does not end it, the second's does */
	fx_advance(&fx->host, 20 * MS);
	assert_int_equal(t->completes, 1);
	fx_advance(h2, 10 * MS);
	assert_int_equal(t->completes, 2);
	assert_int_equal(t->ret, -ETIME);

	tp_free(t);
	assert_int_equal(h2->timers_live, 0);
	fdri_file_close(g);
	fdri_device_destroy(d2);
	free(h2);
}

/* --- the in-process transport --- */

static void direct_test_wait_fails_with_eintr_and_leaves_nothing_parked(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_fakedri_test_wait w = { .key = 7 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w), -EINTR);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_true(fdri_list_empty(&f->reqs));

	w.deadline_ns = (uint64_t)(fx->host.now + 10 * MS);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w), -EINTR);
	assert_true(fdri_list_empty(&fx->dev->test_waiters));
	assert_true(fdri_list_empty(&f->reqs));
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_int_equal(fx->host.timers_live, 0);

	fx_advance(&fx->host, 20 * MS);
	assert_int_equal(wake(fx, f, 7), 0);
	/* the deadline is absolute: once passed, the call fails at once */
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w), -ETIME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(non_waiting_ioctl_completes_synchronously_once_and_request_is_reusable),
		FX_TEST(handler_error_completes_once_with_the_struct_copied_back),
		FX_TEST(decode_errors_complete_at_once_without_fetching_or_copying_back),
		FX_TEST(permit_error_completes_once_after_the_struct_is_fetched),
		FX_TEST(deferred_fetch_waits_in_input_state_then_completes_once),
		FX_TEST(cancel_in_input_state_never_completes),
		FX_TEST(cancel_in_input_state_closes_the_owned_fd_once),
		FX_TEST(owned_fd_input_is_closed_once_after_the_run),
		FX_TEST(test_wait_parks_without_completing),
		FX_TEST(test_wake_from_another_file_completes_the_waiter_once),
		FX_TEST(test_wake_wakes_every_waiter_of_its_key_and_only_those),
		FX_TEST(test_wake_does_not_reach_another_device),
		FX_TEST(test_wait_with_unknown_flags_fails_with_einval_without_parking),
		FX_TEST(woken_wait_disarms_its_deadline),
		FX_TEST(passed_deadline_completes_with_etime_once_and_disarms),
		FX_TEST(deadline_already_past_fails_with_etime_without_parking),
		FX_TEST(restarted_wait_keeps_its_absolute_deadline),
		FX_TEST(reused_request_waits_for_its_new_deadline_only),
		FX_TEST(cancelled_wait_never_completes),
		FX_TEST(late_deadline_and_wake_after_cancel_and_free_do_nothing),
		FX_TEST(late_answers_after_cancel_do_nothing),
		FX_TEST(file_release_cancels_its_requests_and_tells_their_transports),
		FX_TEST(file_release_cancels_a_request_waiting_for_input),
		FX_TEST(version_probe_covers_the_out_buffers_and_completes_with_the_data),
		FX_TEST(probe_fault_on_the_name_reruns_and_fails_with_efault),
		FX_TEST(transport_without_probe_completes_version_at_once),
		FX_TEST(fini_cancels_an_active_request_and_is_safe_twice),
		FX_TEST(fini_of_a_request_waiting_for_input_closes_its_fd),
		FX_TEST(complete_may_resubmit_the_request_at_once),
		FX_TEST(waiter_that_waits_again_on_completion_is_not_woken_twice),
		FX_TEST(transport_may_free_its_request_in_complete),
		FX_TEST(transport_may_cancel_and_free_its_request_in_fetch),
		FX_TEST(request_reused_on_another_host_frees_its_timer_on_the_first),
		FX_TEST(direct_test_wait_fails_with_eintr_and_leaves_nothing_parked),
	};

	return cmocka_run_group_tests_name("req", tests, NULL, NULL);
}
