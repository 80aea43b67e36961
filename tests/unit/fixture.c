/*
 * fixture.c - the fake host and the device/files fixture of the unit tests
 * (see fixture.h). Nothing here touches a real fd: fd numbers come from a
 * counter starting at 1000 and inodes are entries of a table.
 */
#include "fixture.h"
#include "fdri_fdobj.h"
#include "fdri_fence.h"
#include "fdri_syncobj.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* --- fake host --- */

static struct fx_fd *fd_find(struct fx_host *h, int fd)
{
	for (unsigned i = 0; i < h->nfds; i++)
		if (h->fds[i].fd == fd && h->fds[i].open)
			return &h->fds[i];
	return NULL;
}

static int fd_new(struct fx_host *h, struct fx_inode *inode, int flags, bool core)
{
	struct fx_fd *e;

	assert_true(h->nfds < FX_MAX_FDS);
	e = &h->fds[h->nfds++];
	e->fd = h->next_fd++;
	e->inode = inode;
	e->flags = flags;
	e->open = true;
	e->core = core;
	if (core)
		h->core_opened++;
	return e->fd;
}

static struct fx_inode *inode_new(struct fx_host *h, bool fakedri, uint64_t instance,
				  uint64_t size)
{
	struct fx_inode *in;

	assert_true(h->ninodes < FX_MAX_INODES);
	in = &h->inodes[h->ninodes++];
	memset(in, 0, sizeof(*in));
	in->ino = ++h->next_ino;
	in->fakedri = fakedri;
	in->instance = instance;
	in->size = size;
	return in;
}

static int host_backing_create(void *ctx, uint64_t instance, uint64_t size)
{
	struct fx_host *h = ctx;

	return fd_new(h, inode_new(h, true, instance, size), O_RDWR, true);
}

static int host_dmabuf_identify(void *ctx, int fd, struct fdri_fd_ident *id)
{
	struct fx_fd *e = fd_find(ctx, fd);

	if (!e)
		return -EBADF;
	if (!e->inode->fakedri)
		return -EINVAL;
	id->ino = e->inode->ino;
	id->size = e->inode->size;
	id->instance = e->inode->instance;
	return 0;
}

static int host_reopen(void *ctx, int fd, int flags)
{
	struct fx_fd *e = fd_find(ctx, fd);

	if (!e)
		return -EBADF;
	return fd_new(ctx, e->inode, flags & O_ACCMODE, true);
}

static int host_dup(void *ctx, int fd)
{
	struct fx_fd *e = fd_find(ctx, fd);

	if (!e)
		return -EBADF;
	return fd_new(ctx, e->inode, e->flags, true);
}

/* A pollable's client end is gone once no fd refers to its inode. */
static void fd_closed(struct fx_host *h, struct fx_inode *in)
{
	if (!in->pollable || in->pollable->keep || in->closed)
		return;
	for (unsigned i = 0; i < h->nfds; i++)
		if (h->fds[i].open && h->fds[i].inode == in)
			return;
	in->closed = true;
	h->hangups[h->nhangups++] = in;
}

static void host_close(void *ctx, int fd)
{
	struct fx_host *h = ctx;
	struct fx_fd *e = fd_find(h, fd);

	if (!e || !e->core) {
		h->bad_closes++;
		return;
	}
	e->open = false;
	h->core_closed++;
	fd_closed(h, e->inode);
}

static int64_t host_now(void *ctx)
{
	return ((struct fx_host *)ctx)->now;
}

static int host_timer_arm(void *ctx, struct fdri_timer *t, int64_t deadline)
{
	struct fx_host *h = ctx;
	struct fx_timer *ft = t->host;

	if (!ft) {
		for (unsigned i = 0; i < FX_MAX_TIMERS && !ft; i++)
			if (!h->timers[i].t)
				ft = &h->timers[i];
		assert_non_null(ft);
		ft->t = t;
		t->host = ft;
		h->timers_live++;
	}
	ft->deadline = deadline;
	ft->armed = true;
	return 0;
}

static void host_timer_disarm(void *ctx, struct fdri_timer *t)
{
	struct fx_timer *ft = t->host;

	(void)ctx;
	if (ft)
		ft->armed = false;
}

static void host_timer_fini(void *ctx, struct fdri_timer *t)
{
	struct fx_host *h = ctx;
	struct fx_timer *ft = t->host;

	if (!ft)
		return;
	memset(ft, 0, sizeof(*ft));
	t->host = NULL;
	h->timers_live--;
}

void fx_advance(struct fx_host *h, int64_t ns)
{
	int64_t until = h->now + ns;

	fx_flush(h);
	for (;;) {
		struct fx_timer *next = NULL;

		for (unsigned i = 0; i < FX_MAX_TIMERS; i++) {
			struct fx_timer *ft = &h->timers[i];

			if (ft->t && ft->armed && ft->deadline <= until &&
			    (!next || ft->deadline < next->deadline))
				next = ft;
		}
		if (!next)
			break;
		if (next->deadline > h->now)
			h->now = next->deadline;
		next->armed = false;
		next->t->func(next->t);
	}
	h->now = until;
}

unsigned fx_timers_armed(const struct fx_host *h)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FX_MAX_TIMERS; i++)
		n += h->timers[i].t && h->timers[i].armed;
	return n;
}

static int host_pollable_create(void *ctx, struct fdri_pollable *p)
{
	struct fx_host *h = ctx;
	struct fx_inode *in = inode_new(h, false, 0, 0);

	in->pollable = p;
	p->host = in;
	p->ino = in->ino;
	p->client_fd = fd_new(h, in, O_RDWR, true);
	if (p->keep)
		fd_new(h, in, O_RDWR, true); /* the host's kept copy */
	h->pollables_live++;
	return 0;
}

static int host_pollable_set(void *ctx, struct fdri_pollable *p, unsigned int events)
{
	(void)ctx;
	/* handed out and not kept: only POLLIN can be raised */
	if (!p->keep && p->client_fd < 0 && (events & ~p->events & ~FDRI_POLLIN))
		return -EINVAL;
	if (!p->keep && p->client_fd < 0 && (p->events & ~events))
		return -EINVAL;
	p->events = events;
	return 0;
}

static void host_pollable_fini(void *ctx, struct fdri_pollable *p)
{
	struct fx_host *h = ctx;
	struct fx_inode *in = p->host;

	if (!in)
		return;
	if (p->keep) {
		for (unsigned i = 0; i < h->nfds; i++)
			if (h->fds[i].open && h->fds[i].inode == in && h->fds[i].core) {
				h->fds[i].open = false; /* the kept copy */
				h->core_closed++;
				break;
			}
	}
	for (unsigned i = 0; i < h->nhangups; i++)
		if (h->hangups[i] == in)
			h->hangups[i] = NULL;
	in->pollable = NULL;
	p->host = NULL;
	h->pollables_live--;
}

static int host_pollable_identify(void *ctx, int fd, uint64_t *ino)
{
	struct fx_fd *e = fd_find(ctx, fd);

	if (!e)
		return -EBADF;
	if (!e->inode->pollable)
		return -EINVAL;
	*ino = e->inode->ino;
	return 0;
}

static bool host_pollable_alive(void *ctx, struct fdri_pollable *p)
{
	struct fx_inode *in = p->host;

	(void)ctx;
	return in && !in->closed;
}

static int host_eventfd_check(void *ctx, int fd)
{
	struct fx_fd *e = fd_find(ctx, fd);

	if (!e)
		return -EBADF;
	return e->inode->eventfd ? 0 : -EINVAL;
}

static int host_eventfd_signal(void *ctx, int fd)
{
	struct fx_fd *e = fd_find(ctx, fd);

	if (!e)
		return -EBADF;
	e->inode->eventfd_count++;
	return 0;
}

/* The inode's content, made zero-filled on first use. */
static unsigned char *inode_mem(struct fx_inode *in)
{
	if (!in->mem) {
		in->mem = calloc(1, in->size ? in->size : 1);
		assert_non_null(in->mem);
	}
	return in->mem;
}

static int host_backing_map(void *ctx, int fd, uint64_t size, void **addr)
{
	struct fx_host *h = ctx;
	struct fx_fd *e = fd_find(h, fd);

	if (!e)
		return -EBADF;
	assert_true(size <= e->inode->size);
	*addr = inode_mem(e->inode);
	h->maps_live++;
	return 0;
}

static void host_backing_unmap(void *ctx, void *addr, uint64_t size)
{
	struct fx_host *h = ctx;

	(void)size;
	assert_non_null(addr);
	assert_true(h->maps_live > 0);
	h->maps_live--;
}

int fx_take(struct fx_host *h, int fd)
{
	struct fx_fd *e = fd_find(h, fd);

	assert_non_null(e);
	assert_true(e->core);
	e->core = false;
	h->core_closed++;
	return fd;
}

unsigned fx_poll(struct fx_host *h, int fd)
{
	struct fx_fd *e = fd_find(h, fd);

	assert_non_null(e);
	assert_non_null(e->inode->pollable);
	return e->inode->pollable->events;
}

void fx_flush(struct fx_host *h)
{
	for (unsigned i = 0; i < h->nhangups; i++) {
		struct fx_inode *in = h->hangups[i];

		h->hangups[i] = NULL;
		if (in && in->pollable)
			in->pollable->closed(in->pollable);
	}
	h->nhangups = 0;
}

int fx_client_eventfd(struct fx_host *h)
{
	struct fx_inode *in = inode_new(h, false, 0, 0);

	in->eventfd = true;
	return fd_new(h, in, O_RDWR, false);
}

const struct fdri_host_ops fx_host_ops = {
	.now = host_now,
	.timer_arm = host_timer_arm,
	.timer_disarm = host_timer_disarm,
	.timer_fini = host_timer_fini,
	.pollable_create = host_pollable_create,
	.pollable_set = host_pollable_set,
	.pollable_fini = host_pollable_fini,
	.pollable_identify = host_pollable_identify,
	.pollable_alive = host_pollable_alive,
	.eventfd_check = host_eventfd_check,
	.eventfd_signal = host_eventfd_signal,
	.backing_create = host_backing_create,
	.dmabuf_identify = host_dmabuf_identify,
	.reopen = host_reopen,
	.dup = host_dup,
	.close = host_close,
	.backing_map = host_backing_map,
	.backing_unmap = host_backing_unmap,
};

int fx_client_dup(struct fx_host *h, int fd)
{
	struct fx_fd *e = fd_find(h, fd);

	assert_non_null(e);
	return fd_new(h, e->inode, e->flags, false);
}

int fx_client_foreign_file(struct fx_host *h)
{
	return fd_new(h, inode_new(h, false, 0, 4096), O_RDWR, false);
}

void fx_client_close(struct fx_host *h, int fd)
{
	struct fx_fd *e = fd_find(h, fd);

	assert_non_null(e);
	assert_false(e->core);
	e->open = false;
	fd_closed(h, e->inode);
	fx_flush(h);
}

struct fx_inode *fx_inode_of(struct fx_host *h, int fd)
{
	struct fx_fd *e = fd_find(h, fd);

	assert_non_null(e);
	return e->inode;
}

int fx_fd_flags(struct fx_host *h, int fd)
{
	struct fx_fd *e = fd_find(h, fd);

	assert_non_null(e);
	return e->flags;
}

unsigned fx_core_fds_open(const struct fx_host *h)
{
	unsigned n = 0;

	for (unsigned i = 0; i < h->nfds; i++)
		if (h->fds[i].open && h->fds[i].core)
			n++;
	return n;
}

/* --- device and files --- */

int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->host.next_fd = 1000;
	fx->host.now = 1000000000; /* 1 s: deadlines of 0 mean "none" */
	fx->dev = fdri_device_create(fdri_personality_find(NULL), &fx_host_ops, &fx->host, 1);
	if (!fx->dev) {
		free(fx);
		return -1;
	}
	fx->user = (struct fdri_caller){ .pid = 1000, .tid = 1000, .uid = 1000, .gid = 1000 };
	fx->user2 = (struct fdri_caller){ .pid = 2000, .tid = 2001, .uid = 1000, .gid = 1000 };
	fx->root = (struct fdri_caller){ .pid = 3000, .tid = 3000, .cap_sys_admin = true };
	*state = fx;
	return 0;
}

static void check_device_empty(const struct fdri_device *dev)
{
	assert_int_equal(dev->stats.files_open, 0);
	assert_int_equal(dev->stats.objects, 0);
	assert_int_equal(dev->stats.dmabufs, 0);
	assert_int_equal(dev->stats.backed_bytes, 0);
	assert_int_equal(dev->mem_used, 0);
	assert_int_equal(dev->stats.parked, 0);
	assert_int_equal(dev->stats.jobs, 0);
}

int fx_teardown(void **state)
{
	struct fx *fx = *state;

	for (int i = FX_MAX_FILES - 1; i >= 0; i--)
		if (fx->files[i].file)
			fx_close(fx, fx->files[i].file);
	check_device_empty(fx->dev);
	if (fx->dev2)
		check_device_empty(fx->dev2);
	if (fx->vgem)
		check_device_empty(fx->vgem);
	/* the test's process ends: its fds close, its fence fds hang up */
	for (unsigned i = 0; i < fx->host.nfds; i++)
		if (fx->host.fds[i].open && !fx->host.fds[i].core) {
			fx->host.fds[i].open = false;
			fd_closed(&fx->host, fx->host.fds[i].inode);
		}
	fx_flush(&fx->host);
	assert_int_equal(fx->host.pollables_live, 0);
	assert_int_equal(fx->dev->fdobjs->live, 0);
	assert_int_equal(fdri_fence_live, 0);
	assert_int_equal(fx_core_fds_open(&fx->host), 0);
	assert_int_equal(fx->host.core_closed, fx->host.core_opened);
	assert_int_equal(fx->host.bad_closes, 0);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	assert_int_equal(fx->host.maps_live, 0);
	fdri_device_destroy(fx->dev);
	fdri_device_destroy(fx->dev2);
	fdri_device_destroy(fx->vgem);
	for (unsigned i = 0; i < fx->host.ninodes; i++)
		free(fx->host.inodes[i].mem);
	free(fx);
	return 0;
}

struct fdri_device *fx_second_device(struct fx *fx)
{
	if (!fx->dev2)
		fx->dev2 = fdri_device_create(fdri_personality_find(NULL), &fx_host_ops,
					      &fx->host, 2);
	assert_non_null(fx->dev2);
	fdri_device_set_fdobjs(fx->dev2, fx->dev->fdobjs);
	return fx->dev2;
}

struct fdri_device *fx_vgem_device(struct fx *fx)
{
	if (!fx->vgem)
		fx->vgem = fdri_device_create(fdri_personality_find("vgem"), &fx_host_ops,
					      &fx->host, 3);
	assert_non_null(fx->vgem);
	fdri_device_set_fdobjs(fx->vgem, fx->dev->fdobjs);
	return fx->vgem;
}

struct fdri_file *fx_open_on(struct fx *fx, struct fdri_device *dev, enum fdri_node_type node,
			     const struct fdri_caller *who)
{
	int err = 0;
	struct fdri_file *f = fdri_file_open(dev, node, who, O_RDWR, &err);

	assert_non_null(f);
	assert_int_equal(err, 0);
	for (int i = 0; i < FX_MAX_FILES; i++) {
		if (!fx->files[i].file) {
			fx->files[i] = (struct fx_file){ .file = f, .dev = dev, .who = *who };
			return f;
		}
	}
	fail_msg("too many files");
	return NULL;
}

struct fdri_file *fx_open(struct fx *fx, enum fdri_node_type node, const struct fdri_caller *who)
{
	return fx_open_on(fx, fx->dev, node, who);
}

static struct fx_file *file_slot(struct fx *fx, struct fdri_file *f)
{
	for (int i = 0; i < FX_MAX_FILES; i++)
		if (fx->files[i].file == f)
			return &fx->files[i];
	fail_msg("unknown file");
	return NULL;
}

void fx_close(struct fx *fx, struct fdri_file *f)
{
	struct fx_file *s = file_slot(fx, f);

	fdri_file_close(f);
	memset(s, 0, sizeof(*s));
}

int fx_ioctl_as(struct fdri_file *f, const struct fdri_caller *who, unsigned int cmd, void *arg)
{
	int out_fd = -1;

	return fdri_ioctl_direct(f, who, cmd, arg, -1, &out_fd);
}

int fx_ioctl(struct fx *fx, struct fdri_file *f, unsigned int cmd, void *arg)
{
	return fx_ioctl_as(f, &file_slot(fx, f)->who, cmd, arg);
}

uint32_t fx_gem_create(struct fx *fx, struct fdri_file *f, uint64_t size)
{
	struct drm_fakedri_gem_create c = { .size = size };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), 0);
	assert_int_not_equal(c.handle, 0);
	return c.handle;
}

int fx_gem_close(struct fx *fx, struct fdri_file *f, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return fx_ioctl(fx, f, DRM_IOCTL_GEM_CLOSE, &c);
}

struct drm_fakedri_gem_info fx_gem_info(struct fx *fx, struct fdri_file *f, uint32_t handle)
{
	struct drm_fakedri_gem_info i = { .handle = handle };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GEM_INFO, &i), 0);
	return i;
}

int fx_flink(struct fx *fx, struct fdri_file *f, uint32_t handle, uint32_t *name)
{
	struct drm_gem_flink fl = { .handle = handle };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_GEM_FLINK, &fl);

	if (name)
		*name = fl.name;
	return ret;
}

int fx_gem_open(struct fx *fx, struct fdri_file *f, uint32_t name, uint32_t *handle, uint64_t *size)
{
	struct drm_gem_open o = { .name = name };
	int ret = fx_ioctl(fx, f, DRM_IOCTL_GEM_OPEN, &o);

	if (handle)
		*handle = o.handle;
	if (size)
		*size = o.size;
	return ret;
}

int fx_export(struct fx *fx, struct fdri_file *f, uint32_t handle, uint32_t flags, int *out_fd)
{
	struct drm_prime_handle p = { .handle = handle, .flags = flags, .fd = -1 };
	int fd = -1;
	int ret = fdri_ioctl_direct(f, &file_slot(fx, f)->who, DRM_IOCTL_PRIME_HANDLE_TO_FD,
				    &p, -1, &fd);

	if (out_fd)
		*out_fd = fd;
	return ret;
}

int fx_import(struct fx *fx, struct fdri_file *f, int fd, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = fd };
	int out = -1;
	int ret = fdri_ioctl_direct(f, &file_slot(fx, f)->who, DRM_IOCTL_PRIME_FD_TO_HANDLE,
				    &p, fd, &out);

	assert_int_equal(out, -1);
	if (handle)
		*handle = p.handle;
	return ret;
}

uint32_t fx_dumb_create(struct fx *fx, struct fdri_file *f, uint32_t w, uint32_t h, uint32_t bpp)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = bpp };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	assert_int_not_equal(c.handle, 0);
	return c.handle;
}

uint64_t fx_map_dumb(struct fx *fx, struct fdri_file *f, uint32_t handle)
{
	struct drm_mode_map_dumb m = { .handle = handle };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	return m.offset;
}

static struct fx_inode *bo_inode(struct fdri_file *f, uint32_t handle, bool create, uint64_t off,
				 size_t len)
{
	struct fdri_gem *obj = fdri_gem_lookup(f, handle);
	int fd;

	assert_non_null(obj);
	assert_true(len <= obj->size && off <= obj->size - len);
	if (obj->memfd < 0 && !create)
		return NULL;
	fd = fdri_gem_backing(obj);
	assert_true(fd >= 0);
	return fd_find(f->dev->host_ctx, fd)->inode;
}

void fx_bo_read(struct fdri_file *f, uint32_t handle, uint64_t off, void *buf, size_t len)
{
	struct fx_inode *in = bo_inode(f, handle, false, off, len);

	if (in && in->mem)
		memcpy(buf, in->mem + off, len);
	else
		memset(buf, 0, len);
}

void fx_bo_write(struct fdri_file *f, uint32_t handle, uint64_t off, const void *buf, size_t len)
{
	memcpy(inode_mem(bo_inode(f, handle, true, off, len)) + off, buf, len);
}

uint32_t fx_bo_read32(struct fdri_file *f, uint32_t handle, uint64_t off)
{
	uint32_t v;

	fx_bo_read(f, handle, off, &v, sizeof(v));
	return v;
}

uint64_t fx_bo_read64(struct fdri_file *f, uint32_t handle, uint64_t off)
{
	uint64_t v;

	fx_bo_read(f, handle, off, &v, sizeof(v));
	return v;
}

struct fdri_fence *fx_syncobj_fence(struct fdri_file *f, uint32_t handle)
{
	struct fdri_syncobj *s = fdri_syncobj_find(f, handle);
	struct fdri_fence *fence;

	assert_non_null(s);
	fence = fdri_syncobj_fence_get(s);
	fdri_syncobj_put(s);
	return fence;
}

uint32_t fx_ctx_create(struct fx *fx, struct fdri_file *f, int32_t priority)
{
	struct drm_fakedri_ctx_create c = { .priority = priority };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), 0);
	assert_int_not_equal(c.ctx_id, 0);
	return c.ctx_id;
}

void fx_job_init(struct fx_job *j, uint32_t ctx, uint32_t queue, uint64_t duration_ns)
{
	memset(j, 0, sizeof(*j));
	j->args.ctx_id = ctx;
	j->args.queue = queue;
	j->args.duration_ns = duration_ns;
	j->args.fence_fd = -1;
	j->out_fd = -1;
}

uint32_t fx_job_bo(struct fx_job *j, uint32_t handle, uint32_t flags)
{
	assert_true(j->args.nr_bos < FX_JOB_MAX);
	j->bos[j->args.nr_bos] = (struct drm_fakedri_submit_bo){ .handle = handle, .flags = flags };
	return j->args.nr_bos++;
}

void fx_job_syncobj(struct fx_job *j, uint32_t handle, uint32_t flags, uint64_t point)
{
	assert_true(j->args.nr_syncobjs < FX_JOB_MAX);
	j->syncobjs[j->args.nr_syncobjs++] =
		(struct drm_fakedri_submit_syncobj){ .handle = handle, .flags = flags, .point = point };
}

void fx_job_cmd(struct fx_job *j, uint32_t op, uint32_t dst_bo, uint64_t dst_offset,
		uint64_t length, uint64_t value)
{
	assert_true(j->args.nr_cmds < FX_JOB_MAX);
	j->cmds[j->args.nr_cmds++] = (struct drm_fakedri_submit_cmd){
		.op = op, .dst_bo = dst_bo, .dst_offset = dst_offset, .length = length,
		.value = value };
}

void fx_job_copy(struct fx_job *j, uint32_t dst_bo, uint64_t dst_offset, uint32_t src_bo,
		 uint64_t src_offset, uint64_t length)
{
	assert_true(j->args.nr_cmds < FX_JOB_MAX);
	j->cmds[j->args.nr_cmds++] = (struct drm_fakedri_submit_cmd){
		.op = FAKEDRI_CMD_COPY, .dst_bo = dst_bo, .dst_offset = dst_offset,
		.src_bo = src_bo, .src_offset = src_offset, .length = length };
}

int fx_submit(struct fx *fx, struct fdri_file *f, struct fx_job *j, int in_fd)
{
	int out = -1, ret;

	j->args.bos = j->args.nr_bos ? (uintptr_t)j->bos : 0;
	j->args.syncobjs = j->args.nr_syncobjs ? (uintptr_t)j->syncobjs : 0;
	j->args.cmds = j->args.nr_cmds ? (uintptr_t)j->cmds : 0;
	ret = fdri_ioctl_direct(f, &file_slot(fx, f)->who, DRM_IOCTL_FAKEDRI_SUBMIT, &j->args,
				in_fd, &out);
	j->out_fd = out >= 0 ? fx_take(&fx->host, out) : -1;
	return ret;
}

struct drm_fakedri_device_stats fx_stats(struct fx *fx, struct fdri_file *f)
{
	struct drm_fakedri_device_stats st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_DEVICE_STATS, &st), 0);
	return st;
}

/* --- requests made by hand (fx_tx) --- */

static void tx_fetch(struct fdri_req *req)
{
	for (unsigned i = 0; i < FDRI_IOCTL_MAX_PTRS; i++) {
		struct fdri_ubuf *b = &req->args.bufs[i];

		if (req->want_in & (1u << i))
			memcpy(b->data, (const void *)(uintptr_t)b->uaddr, b->len);
	}
	req->args.in_fd = -1;
	fdri_req_input_done(req);
}

static void tx_complete(struct fdri_req *req)
{
	struct fx_tx *t = req->priv;

	t->completed++;
	t->ret = req->ret;
	if (req->args.out_size)
		memcpy(t->arg, req->kdata, req->args.out_size);
}

static const struct fdri_req_ops tx_ops = {
	.fetch = tx_fetch,
	.complete = tx_complete,
};

void fx_tx_submit(struct fx_tx *t, struct fx *fx, struct fdri_file *f, unsigned int cmd, void *arg)
{
	fdri_req_init(&t->req, &tx_ops, t);
	t->arg = arg;
	t->completed = 0;
	t->ret = 1;
	fdri_req_submit(&t->req, f, &fx->user, cmd, (uintptr_t)arg, arg, _IOC_SIZE(cmd), false);
}
