/*
 * test_quotas.c - per-client quotas (fdri_client.h, docs/quotas.md): each
 * limit is reached with the kernel's errno for the call, only the client
 * at its limit is refused, every counter is back to zero once the
 * resources are released, and a closed file gives its quota back. Run on
 * each personality the fixture offers (fakedri and vgem).
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>

#include "fdri_req.h"

typedef void (*quota_test)(struct fx *fx, struct fdri_device *dev);

static struct fdri_device *pers_dev(struct fx *fx, int i)
{
	return i == 0 ? fx->dev : fx_vgem_device(fx);
}

static void on_each_personality(void **state, quota_test fn)
{
	struct fx *fx = *state;

	for (int i = 0; i < 2; i++)
		fn(fx, pers_dev(fx, i));
}

static void set_limit(struct fdri_device *dev, enum fdri_quota q, uint64_t max)
{
	dev->clients->limits.max[q] = max;
}

/* @pages pages, as a dumb buffer (every personality has them; not on
 * render nodes, so the tests below open card nodes). */
static int dumb(struct fx *fx, struct fdri_file *f, uint32_t pages, uint32_t *handle)
{
	struct drm_mode_create_dumb c = { .width = 1024, .height = pages, .bpp = 32 };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_MODE_CREATE_DUMB, &c);

	if (handle)
		*handle = c.handle;
	return ret;
}

static void assert_client_clean(struct fdri_device *dev)
{
	/* a client leaves the registry with its last charge */
	assert_int_equal(dev->clients->by_tgid.count, 0);
}

static void files(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a, *b;
	int err = 0;

	set_limit(dev, FDRI_Q_FILES, 2);
	a = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	b = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	assert_int_equal(a->client, b->client);
	assert_int_equal(a->client->used[FDRI_Q_FILES], 2);
	assert_null(fdri_file_open(dev, FDRI_NODE_RENDER, &fx->user, O_RDWR, &err));
	assert_int_equal(err, -EMFILE);
	assert_null(fdri_file_open(dev, FDRI_NODE_PRIMARY, &fx->user, O_RDWR, &err));
	assert_int_equal(err, -EMFILE);
	/* another process is not concerned */
	fx_close(fx, fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user2));
	/* a closed file gives its quota back */
	fx_close(fx, a);
	a = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	fx_close(fx, a);
	fx_close(fx, b);
	assert_client_clean(dev);
}

static void handles(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *other = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user2);
	struct fdri_file *card = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->root);
	uint32_t h[3], x, name, oh;
	int buf;

	set_limit(dev, FDRI_Q_HANDLES, 3);
	/* the quota is the process's, over all its files */
	assert_int_equal(dumb(fx, a, 1, &h[0]), 0);
	assert_int_equal(dumb(fx, b, 1, &h[1]), 0);
	assert_int_equal(dumb(fx, a, 1, &h[2]), 0);
	assert_int_equal(a->client->used[FDRI_Q_HANDLES], 3);
	assert_int_equal(dumb(fx, b, 1, &x), -ENOSPC);
	assert_int_equal(dumb(fx, a, 1, &x), -ENOSPC);
	/* GEM_OPEN and PRIME import make handles too */
	assert_int_equal(dumb(fx, other, 1, &oh), 0);
	assert_int_equal(fx_export(fx, other, oh, DRM_CLOEXEC, &buf), 0);
	assert_int_equal(fx_import(fx, a, buf, &x), -ENOSPC);
	/* a flink name of root's object */
	assert_int_equal(dumb(fx, card, 1, &oh), 0);
	assert_int_equal(fx_flink(fx, card, oh, &name), 0);
	assert_int_equal(fx_gem_open(fx, a, name, &x, NULL), -ENOSPC);
	assert_int_equal(fx_gem_open(fx, card, name, &x, NULL), 0); /* root: its own quota */
	assert_int_equal(other->client->used[FDRI_Q_HANDLES], 1);
	/* giving one back makes room for exactly one */
	assert_int_equal(fx_gem_close(fx, a, h[0]), 0);
	assert_int_equal(fx_import(fx, a, buf, &x), 0);
	assert_int_equal(fx_import(fx, a, buf, &x), 0); /* same dma-buf: same handle */
	assert_int_equal(dumb(fx, b, 1, &x), -ENOSPC);
	fx_close(fx, a);
	assert_int_equal(b->client->used[FDRI_Q_HANDLES], 1);
	fx_close(fx, b);
	fx_close(fx, other);
	fx_close(fx, card);
	assert_client_clean(dev);
}

static void memory(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *other = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t h, h2, oh, x;
	int buf;

	set_limit(dev, FDRI_Q_MEMORY, 3 * 4 * 4096); /* 3 dumb buffers of 4 pages */
	assert_int_equal(dumb(fx, a, 8, &h), 0);      /* 1024 x 8 x 4 = 8 pages */
	assert_int_equal(a->client->used[FDRI_Q_MEMORY], 8 * 4096);
	assert_int_equal(dumb(fx, a, 8, &x), -ENOMEM);
	assert_int_equal(a->client->used[FDRI_Q_MEMORY], 8 * 4096);
	assert_int_equal(dumb(fx, a, 4, &h2), 0);
	assert_int_equal(a->client->used[FDRI_Q_MEMORY], 12 * 4096);
	assert_int_equal(dumb(fx, a, 1, &x), -ENOMEM);
	/* importing another's buffer creates no memory: not charged */
	assert_int_equal(dumb(fx, other, 2, &oh), 0);
	assert_int_equal(fx_export(fx, other, oh, DRM_CLOEXEC, &buf), 0);
	assert_int_equal(fx_import(fx, a, buf, &x), 0);
	assert_int_equal(a->client->used[FDRI_Q_MEMORY], 12 * 4096);
	/* the object's memory comes back when the object dies, not before */
	assert_int_equal(fx_gem_close(fx, a, h), 0);
	assert_int_equal(a->client->used[FDRI_Q_MEMORY], 4 * 4096);
	assert_int_equal(dumb(fx, a, 8, &x), 0);
	fx_close(fx, a);
	fx_close(fx, other);
	assert_client_clean(dev);
}

static void dmabufs(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *other = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user2);
	uint32_t h1, h2, oh, x;
	int buf, buf2, kept;

	set_limit(dev, FDRI_Q_DMABUFS, 1);
	assert_int_equal(dumb(fx, a, 1, &h1), 0);
	assert_int_equal(dumb(fx, a, 1, &h2), 0);
	assert_int_equal(fx_export(fx, a, h1, DRM_CLOEXEC, &buf), 0);
	assert_int_equal(a->client->used[FDRI_Q_DMABUFS], 1);
	assert_int_equal(fx_export(fx, a, h2, DRM_CLOEXEC, &buf2), -EMFILE);
	assert_int_equal(fx_export(fx, a, h1, DRM_CLOEXEC, &buf2), 0); /* the same one */
	assert_int_equal(buf2, buf);
	/* importing is not exporting: the importer is charged only for a
	 * dma-buf the daemon must wrap anew (its own fd of it) */
	assert_int_equal(fx_import(fx, other, buf, &x), 0);
	assert_int_equal(other->client->used[FDRI_Q_DMABUFS], 0);
	kept = fx_client_dup(&fx->host, buf);
	assert_int_equal(fx_gem_close(fx, other, x), 0);
	assert_int_equal(fx_gem_close(fx, a, h1), 0);      /* the daemon forgets it */
	assert_int_equal(a->client->used[FDRI_Q_DMABUFS], 0);
	assert_int_equal(fx_export(fx, a, h2, DRM_CLOEXEC, &buf2), 0);
	assert_int_equal(dumb(fx, other, 1, &oh), 0);
	/* a is at its limit: wrapping a forgotten dma-buf again is refused */
	assert_int_equal(fx_import(fx, a, kept, &x), -ENOMEM);
	assert_int_equal(fx_import(fx, other, kept, &x), 0);
	assert_int_equal(other->client->used[FDRI_Q_DMABUFS], 1);
	fx_client_close(&fx->host, kept);
	fx_close(fx, a);
	fx_close(fx, other);
	assert_client_clean(dev);
}

static int resume_nop(struct fdri_req *req, int why)
{
	(void)req;
	return why;
}

static void nop(struct fdri_req *req)
{
	(void)req;
}

static const struct fdri_req_ops park_ops = { .fetch = nop, .complete = nop };

static void parked(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *other = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user2);
	struct fdri_req r[4];

	set_limit(dev, FDRI_Q_PARKED, 2);
	for (int i = 0; i < 4; i++) {
		fdri_req_init(&r[i], &park_ops, NULL);
		r[i].file = i == 3 ? other : i == 2 ? b : a;
		r[i].state = FDRI_REQ_RUNNING;
		fdri_list_add_tail(&r[i].file->reqs, &r[i].file_link);
	}
	assert_int_equal(fdri_req_park(&r[0], resume_nop, NULL, 0), FDRI_PARKED);
	assert_int_equal(fdri_req_park(&r[1], resume_nop, NULL, 0), FDRI_PARKED);
	/* ENOMEM, not EAGAIN, which drmIoctl() would retry forever */
	assert_int_equal(fdri_req_park(&r[2], resume_nop, NULL, 0), -ENOMEM);
	assert_int_equal(fdri_req_park(&r[3], resume_nop, NULL, 0), FDRI_PARKED);
	assert_int_equal(a->client->used[FDRI_Q_PARKED], 2);
	/* a wake-up gives the slot back */
	fdri_req_wake(&r[0], 0);
	assert_int_equal(a->client->used[FDRI_Q_PARKED], 1);
	assert_int_equal(fdri_req_park(&r[2], resume_nop, NULL, 0), FDRI_PARKED);
	/* and so does the release of the file (it cancels the request) */
	fx_close(fx, b);
	assert_int_equal(a->client->used[FDRI_Q_PARKED], 1);
	fdri_req_cancel(&r[1]);
	assert_int_equal(a->client->used[FDRI_Q_PARKED], 0);
	fx_close(fx, other);
	for (int i = 0; i < 4; i++)
		fdri_req_fini(&r[i]);
	fx_close(fx, a);
	assert_client_clean(dev);
}

/* A file closed with everything still in it gives every charge back. */
static void close_returns_everything(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *b = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_client *c = a->client;
	uint32_t h, x;
	int buf;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(dumb(fx, a, 2, &h), 0);
		assert_int_equal(fx_export(fx, a, h, DRM_CLOEXEC, &buf), 0);
		assert_int_equal(fx_import(fx, b, buf, &x), 0);
	}
	assert_int_equal(c->used[FDRI_Q_HANDLES], 10);
	assert_int_equal(c->used[FDRI_Q_DMABUFS], 5);
	assert_int_equal(c->used[FDRI_Q_MEMORY], 5 * 2 * 4096);
	fx_close(fx, a);
	/* b's handles keep the objects, so their memory and dma-bufs */
	assert_int_equal(c->used[FDRI_Q_FILES], 1);
	assert_int_equal(c->used[FDRI_Q_HANDLES], 5);
	assert_int_equal(c->used[FDRI_Q_MEMORY], 5 * 2 * 4096);
	fx_close(fx, b);
	assert_client_clean(dev);
}

static void limits_of_zero_are_no_limits(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *a = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h;

	for (int q = 0; q < FDRI_Q_COUNT; q++)
		assert_int_equal(dev->clients->limits.max[q], 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(dumb(fx, a, 1, &h), 0);
	fx_close(fx, a);
	assert_client_clean(dev);
}

#define EACH(name) \
	static void name##_on_each_personality(void **state) { on_each_personality(state, name); }
EACH(files)
EACH(handles)
EACH(memory)
EACH(dmabufs)
EACH(parked)
EACH(close_returns_everything)
EACH(limits_of_zero_are_no_limits)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(limits_of_zero_are_no_limits_on_each_personality),
		FX_TEST(files_on_each_personality),
		FX_TEST(handles_on_each_personality),
		FX_TEST(memory_on_each_personality),
		FX_TEST(dmabufs_on_each_personality),
		FX_TEST(parked_on_each_personality),
		FX_TEST(close_returns_everything_on_each_personality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
