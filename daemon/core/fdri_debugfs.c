/*
 * fdri_debugfs.c - a device's debugfs files (fdri_debugfs.h).
 *
 * Owns nothing beyond the text it writes: each show function walks the
 * device's state under the daemon's single thread, so what it prints is
 * one consistent snapshot, and takes no reference on what it prints.
 */
#define _GNU_SOURCE
#include "fdri_debugfs.h"
#include "fdri_fdobj.h"
#include "fdri_fence.h"
#include "fdri_gpu.h"
#include "fdri_ioctl.h"
#include "fdri_resv.h"
#include "fdri_syncobj.h"
#include "fdri_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fdri_seq_init(struct fdri_seq *m)
{
	memset(m, 0, sizeof(*m));
}

void fdri_seq_fini(struct fdri_seq *m)
{
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

void fdri_seq_printf(struct fdri_seq *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->oom)
		return;
	for (;;) {
		size_t room = m->cap - m->len;

		va_start(ap, fmt);
		n = vsnprintf(m->buf ? m->buf + m->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			m->oom = true;
			return;
		}
		if ((size_t)n < room) {
			m->len += (size_t)n;
			return;
		}
		size_t cap = m->cap ? m->cap * 2 : 4096;
		char *b;

		while (cap - m->len <= (size_t)n)
			cap *= 2;
		b = realloc(m->buf, cap);
		if (!b) {
			m->oom = true;
			return;
		}
		m->buf = b;
		m->cap = cap;
	}
}

void fdri_seq_fence(struct fdri_seq *m, struct fdri_fence *f)
{
	fdri_seq_printf(m, "%s %s seq %" PRIu64 " %ssignalled", fdri_fence_driver_name(f),
			fdri_fence_timeline_name(f), f->seqno, f->signaled ? "" : "un");
	/* fakedri's additions: what the kernel's line leaves out */
	fdri_seq_printf(m, " (context %" PRIu64, f->context);
	if (f->error)
		fdri_seq_printf(m, ", error %d", f->error);
	if (!f->signaled) {
		unsigned int waiters = 0;

		for (struct fdri_list *l = f->cbs.next; l != &f->cbs; l = l->next)
			waiters++;
		fdri_seq_printf(m, ", %u waiter%s", waiters, waiters == 1 ? "" : "s");
	}
	fdri_seq_printf(m, ")\n");
}

const char *const fdri_debugfs_files[] = {
	"name", "clients", "gem_names", "fakedri_objects", "fakedri_fences", "fakedri_jobs", NULL,
};

/* drm_name_info() */
static void show_name(struct fdri_device *dev, struct fdri_seq *m)
{
	fdri_seq_printf(m, "%s", dev->pers->name);
	fdri_seq_printf(m, " dev=%s", fdri_device_bus_name(dev));
	if (dev->master && dev->master->unique)
		fdri_seq_printf(m, " master=%s", dev->master->unique);
	fdri_seq_printf(m, " unique=%s", dev->pers->unique);
	fdri_seq_printf(m, "\n");
}

/* drm_clients_info(), oldest file first */
static void show_clients(struct fdri_device *dev, struct fdri_seq *m)
{
	fdri_seq_printf(m, "%20s %5s %3s master a %5s %10s\n", "command", "pid", "dev", "uid",
			"magic");
	for (struct fdri_list *l = dev->files.next; l != &dev->files; l = l->next) {
		struct fdri_file *f = fdri_container_of(l, struct fdri_file, dev_link);
		char comm[32] = "<unknown>";

		if (!dev->host->task_comm ||
		    dev->host->task_comm(dev->host_ctx, f->pid, comm, sizeof(comm)) < 0)
			snprintf(comm, sizeof(comm), "<unknown>");
		fdri_seq_printf(m, "%20s %5d %3d   %c    %c %5u %10u\n", comm, (int)f->pid,
				fdri_device_minor(dev, f->node),
				fdri_is_current_master(f) ? 'y' : 'n',
				f->authenticated ? 'y' : 'n', (unsigned)f->uid, f->magic);
	}
}

static void gem_name_line(uint32_t id, void *ptr, void *data)
{
	struct fdri_gem *obj = ptr;

	fdri_seq_printf(data, "%6u %8" PRIu64 " %7u %8u\n", id, obj->size, obj->handle_count,
			obj->refcount);
}

/* drm_gem_name_info(): flinked objects, by name */
static void show_gem_names(struct fdri_device *dev, struct fdri_seq *m)
{
	fdri_seq_printf(m, "  name     size handles refcount\n");
	fdri_idr_for_each(&dev->names, gem_name_line, m);
}

static int by_id(const void *a, const void *b)
{
	const struct fdri_gem *x = *(struct fdri_gem *const *)a, *y = *(struct fdri_gem *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const char *const usage_names[] = { "kernel", "write", "read", "bookkeep" };

static void describe_resv(struct fdri_seq *m, struct fdri_resv *resv)
{
	for (unsigned int i = 0; i < resv->n; i++) {
		struct fdri_resv_entry *e = &resv->entries[i];

		fdri_seq_printf(m, "\t%s fence: ", usage_names[e->usage]);
		fdri_seq_fence(m, e->fence);
	}
}

/* One handle of a file, for listing each object's handles. */
struct handle_ref {
	uint64_t obj_id, file_id;
	uint32_t handle;
};

struct handle_walk {
	struct handle_ref *refs;
	size_t n, cap;
	uint64_t file_id;
	bool oom;
};

static void handle_of(uint32_t handle, void *ptr, void *data)
{
	struct handle_walk *w = data;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct handle_ref *r = realloc(w->refs, cap * sizeof(*r));

		if (!r) {
			w->oom = true;
			return;
		}
		w->refs = r;
		w->cap = cap;
	}
	w->refs[w->n++] = (struct handle_ref){ ((struct fdri_gem *)ptr)->id, w->file_id, handle };
}

/* by object, then file (ids grow with the open order), then handle */
static int by_ref(const void *a, const void *b)
{
	const struct handle_ref *x = a, *y = b;

	if (x->obj_id != y->obj_id)
		return x->obj_id < y->obj_id ? -1 : 1;
	if (x->file_id != y->file_id)
		return x->file_id < y->file_id ? -1 : 1;
	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

/*
 * fakedri_objects: one line per GEM object, by id, then its fences:
 *   id size refcount handles name backing dma-buf, then "handles FILE:HANDLE..."
 */
static int show_objects(struct fdri_device *dev, struct fdri_seq *m)
{
	struct fdri_gem **objs;
	size_t n = 0, cap = dev->stats.objects, k = 0;
	struct handle_walk w = { 0 };
	uint64_t total = 0;

	objs = cap ? calloc(cap, sizeof(*objs)) : NULL;
	if (cap && !objs)
		return -ENOMEM;
	fdri_map_for_each(&dev->offsets, ent)
		if (n < cap)
			objs[n++] = ent->val;
	if (n)
		qsort(objs, n, sizeof(*objs), by_id);
	/* every file's handles once, in the objects' order */
	for (struct fdri_list *l = dev->files.next; l != &dev->files; l = l->next) {
		struct fdri_file *f = fdri_container_of(l, struct fdri_file, dev_link);

		w.file_id = f->id;
		fdri_idr_for_each(&f->handles, handle_of, &w);
	}
	if (w.oom) {
		free(w.refs);
		free(objs);
		return -ENOMEM;
	}
	if (w.n)
		qsort(w.refs, w.n, sizeof(*w.refs), by_ref);
	fdri_seq_printf(m, "%8s %12s %4s %7s %6s %7s %8s  %s\n", "id", "size", "refs", "handles",
			"name", "backing", "dma-buf", "file:handle");
	for (size_t i = 0; i < n; i++) {
		struct fdri_gem *obj = objs[i];

		total += obj->size;
		fdri_seq_printf(m, "%8" PRIu64 " %12" PRIu64 " %4u %7u %6u %7s %8s ", obj->id,
				obj->size, obj->refcount, obj->handle_count, obj->name,
				obj->memfd >= 0 || obj->import ? "yes" : "no",
				obj->import ? "imported" : obj->dma_buf ? "exported" : "-");
		while (k < w.n && w.refs[k].obj_id < obj->id)
			k++;
		for (; k < w.n && w.refs[k].obj_id == obj->id; k++)
			fdri_seq_printf(m, " %" PRIu64 ":%u", w.refs[k].file_id, w.refs[k].handle);
		fdri_seq_printf(m, "\n");
		describe_resv(m, fdri_gem_resv(obj));
	}
	fdri_seq_printf(m, "Total %zu objects, %" PRIu64 " bytes\n", n, total);
	free(w.refs);
	free(objs);
	return 0;
}

struct syncobj_walk {
	struct fdri_seq *m;
	struct fdri_file *file;
	unsigned int n;
};

static void syncobj_line(uint32_t handle, void *ptr, void *data)
{
	struct syncobj_walk *w = data;
	struct fdri_syncobj *s = ptr;

	w->n++;
	fdri_seq_printf(w->m, "syncobj %" PRIu64 ":%u: ", w->file->id, handle);
	if (s->fence)
		fdri_seq_fence(w->m, s->fence);
	else
		fdri_seq_printf(w->m, "no fence\n");
}

/* fakedri_fences: syncobjs by file:handle, the daemon's fence fds (they
 * are shared by its devices), and the requests waiting. */
static void show_fences(struct fdri_device *dev, struct fdri_seq *m)
{
	struct syncobj_walk w = { m, NULL, 0 };
	unsigned int nfds = 0;

	for (struct fdri_list *l = dev->files.next; l != &dev->files; l = l->next) {
		w.file = fdri_container_of(l, struct fdri_file, dev_link);
		fdri_idr_for_each(&w.file->syncobjs, syncobj_line, &w);
	}
	fdri_map_for_each(&dev->fdobjs->by_ino, ent) {
		struct fdri_fdobj *obj = ent->val;

		nfds++;
		fdri_seq_printf(m, "%s ino %" PRIu64 ": ", obj->type->name, obj->poll.ino);
		if (obj->type->describe)
			obj->type->describe(obj, m);
		else
			fdri_seq_printf(m, "\n");
	}
	fdri_seq_printf(m, "Total %u syncobjs, %u fence fds, %" PRIu64 " fences alive, %" PRIu64
			" requests waiting\n", w.n, nfds, (uint64_t)fdri_fence_live, dev->stats.parked);
}

static const char *const job_states[] = { "waiting", "running", "done" };

static void job_line(const struct fdri_gpu_job_info *job, void *data)
{
	struct fdri_seq *m = data;

	fdri_seq_printf(m, "queue%u %" PRIu64 ":%" PRIu64 " %s file %" PRIu64 " ctx %u pid %d "
			"duration %" PRIu64 " ns", job->queue, job->fence_context, job->seqno,
			job_states[job->state], job->file_id, job->ctx_id, (int)job->pid,
			job->duration_ns);
	if (job->state == FDRI_GPU_JOB_WAITING)
		fdri_seq_printf(m, ", %u dependenc%s pending", job->deps_pending,
				job->deps_pending == 1 ? "y" : "ies");
	if (job->hang)
		fdri_seq_printf(m, ", hung");
	fdri_seq_printf(m, ", %u bos, %u cmds\n", job->nbos, job->ncmds);
}

/* fakedri_jobs: the GPU's queues and the jobs not completed, in order */
static void show_jobs(struct fdri_device *dev, struct fdri_seq *m)
{
	struct fdri_gpu_reset_counts rc;
	struct fdri_gpu_config cfg;

	fdri_gpu_get_config(dev, &cfg);
	fdri_seq_printf(m, "%u queues, poison %s, hazards %s, jitter %s; %" PRIu64
			" jobs pending, %" PRIu64 " hazards\n", fdri_gpu_num_queues(dev),
			cfg.poison ? "on" : "off",
			cfg.hazards == FDRI_HAZARDS_OFF ? "off" :
			cfg.hazards == FDRI_HAZARDS_ERROR ? "error" : "log",
			cfg.jitter ? "on" : "off", dev->stats.jobs, dev->stats.hazards);
	fdri_gpu_reset_counts(dev, &rc);
	fdri_seq_printf(m, "job timeout %" PRIu64 " ns; %" PRIu64 " resets, %" PRIu64
			" jobs timed out, %" PRIu64 " pending at a reset, %" PRIu64
			" cancelled, %" PRIu64 " contexts banned%s\n", cfg.job_timeout_ns,
			rc.resets, rc.guilty, rc.pending, rc.cancelled, rc.banned,
			dev->unplugged ? "; unplugged" : "");
	fdri_gpu_for_each_job(dev, job_line, m);
}

int fdri_debugfs_show(struct fdri_device *dev, const char *name, struct fdri_seq *m)
{
	int ret = 0;

	if (!strcmp(name, "name"))
		show_name(dev, m);
	else if (!strcmp(name, "clients"))
		show_clients(dev, m);
	else if (!strcmp(name, "gem_names"))
		show_gem_names(dev, m);
	else if (!strcmp(name, "fakedri_objects"))
		ret = show_objects(dev, m);
	else if (!strcmp(name, "fakedri_fences"))
		show_fences(dev, m);
	else if (!strcmp(name, "fakedri_jobs"))
		show_jobs(dev, m);
	else
		return -ENOENT;
	return ret ? ret : m->oom ? -ENOMEM : 0;
}

int fdri_ioctl_debugfs_open(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct fdri_debugfs_open *o = data;
	struct fdri_device *dev = a->dev;
	struct fdri_seq m;
	char name[sizeof(o->name) + 1];
	int ret, fd;

	(void)f; (void)w;
	if (o->flags & ~(uint32_t)O_CLOEXEC)
		return -EINVAL;
	memcpy(name, o->name, sizeof(o->name));
	name[sizeof(o->name)] = '\0';
	if (!dev->host->blob_create)
		return -ENOENT;
	fdri_seq_init(&m);
	ret = fdri_debugfs_show(dev, name, &m);
	if (ret) {
		fdri_seq_fini(&m);
		return ret;
	}
	fd = dev->host->blob_create(dev->host_ctx, name, m.buf ? m.buf : "", m.len);
	fdri_seq_fini(&m);
	if (fd < 0)
		return fd;
	a->out_fd = fd;
	a->owns_out_fd = true;
	a->out_fd_flags = (int)(o->flags & O_CLOEXEC);
	a->out_fd_kind = FDRI_FD_OTHER;
	a->out_fd_size = 0;
	return 0;
}
