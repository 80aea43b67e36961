/*
 * fdri_gem.c - GEM objects, per-file handles, flink names and mmap offsets,
 * after drm_gem.c. The lifetime rules are stated once in fdri_core.h; the
 * functions below are where they are enforced:
 *
 * - fdri_gem_handle_create() takes the handles' shared reference on the
 *   0 -> 1 transition of handle_count and allows the file to mmap the object.
 * - release_handle() drops the file's PRIME cache entry and mmap permission,
 *   and on the 1 -> 0 transition removes the flink name, drops obj->dma_buf
 *   and the handles' reference (drm_gem_object_handle_put_unlocked).
 * - gem_free() runs at refcount 0: it drops the fences of its reservation
 *   object (obj->resv), forgets the mmap offset, drops the import link,
 *   unmaps the GPU's mapping (obj->map, fdri_gpu.c) and closes the backing
 *   memfd.
 */
#include "fdri_ioctl.h"
#include "fdri_fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <drm.h>

struct fdri_gem *fdri_gem_create(struct fdri_device *dev, struct fdri_client *charge,
				 uint64_t size, int *err)
{
	struct fdri_gem *obj;

	size = FDRI_PAGE_ALIGN(size);
	if (size == 0 || size > (1ull << 46)) {
		*err = -EINVAL;
		return NULL;
	}
	if (dev->mem_limit && dev->mem_used + size > dev->mem_limit) {
		*err = -ENOMEM;
		return NULL;
	}
	/* limit= faults (fdri_fault.h): a cap on the device's total or on
	 * the creating process, ENOMEM or ENOSPC (VRAM exhausted) */
	if (fdri_faults_active(dev->faults)) {
		struct fdri_fault_site site = {
			.target = FDRI_FAULT_T_ALLOC,
			.device = fdri_device_minor(dev, FDRI_NODE_TYPE_PRIMARY),
			.pid = charge ? charge->tgid : -1,
			.ctx = -1, .queue = -1,
			.size = size,
			.now = dev->host->now(dev->host_ctx),
		};

		*err = fdri_faults_limit(dev->faults, &site, dev->mem_used,
					 charge ? charge->used[FDRI_Q_MEMORY] : 0);
		if (*err)
			return NULL;
	}
	/* the client's share of memory: ENOMEM, as shmem_file_setup() or
	 * the driver's allocation fails when memory runs out */
	if (!fdri_client_charge(charge, FDRI_Q_MEMORY, size)) {
		*err = -ENOMEM;
		return NULL;
	}
	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		fdri_client_uncharge(charge, FDRI_Q_MEMORY, size);
		*err = -ENOMEM;
		return NULL;
	}
	obj->dev = dev;
	obj->refcount = 1;
	obj->size = size;
	obj->id = ++dev->next_obj_id;
	obj->memfd = -1;
	fdri_resv_init(&obj->resv);
	/* shmem objects get their fake offset at creation (drm_gem_create_mmap_offset) */
	*err = fdri_range_alloc(&dev->offset_space, size, &obj->mmap_offset);
	if (!*err && fdri_map_put(&dev->offsets, obj->mmap_offset, obj)) {
		fdri_range_free(&dev->offset_space, obj->mmap_offset, size);
		*err = -ENOMEM;
	}
	if (*err) {
		fdri_client_uncharge(charge, FDRI_Q_MEMORY, size);
		free(obj);
		return NULL;
	}
	if (charge) {
		obj->client = charge;
		fdri_client_ref(charge);
	}
	dev->mem_used += size;
	dev->stats.objects++;
	return obj;
}

void fdri_gem_get(struct fdri_gem *obj)
{
	obj->refcount++;
}

static void gem_free(struct fdri_gem *obj)
{
	struct fdri_device *dev = obj->dev;

	fdri_resv_fini(&obj->resv);
	if (obj->ino)
		fdri_map_del(&dev->objs_by_ino, obj->ino);
	fdri_map_del(&dev->offsets, obj->mmap_offset);
	fdri_range_free(&dev->offset_space, obj->mmap_offset, obj->size);
	if (obj->import)
		fdri_dmabuf_put(obj->import);
	if (obj->map)
		dev->host->backing_unmap(dev->host_ctx, obj->map, obj->size);
	if (obj->memfd >= 0) {
		dev->host->close(dev->host_ctx, obj->memfd);
		dev->stats.backed_bytes -= obj->size;
	}
	dev->mem_used -= obj->size;
	dev->stats.objects--;
	fdri_client_uncharge(obj->client, FDRI_Q_MEMORY, obj->size);
	fdri_client_put(obj->client);
	free(obj->files);
	free(obj);
}

void fdri_gem_put(struct fdri_gem *obj)
{
	if (obj && --obj->refcount == 0)
		gem_free(obj);
}

struct fdri_resv *fdri_gem_resv(struct fdri_gem *obj)
{
	if (obj->import)
		return fdri_dmabuf_resv(obj->import);
	return &obj->resv;
}

struct fdri_resv *fdri_dmabuf_resv(struct fdri_dmabuf *buf)
{
	if (buf->obj)
		return fdri_gem_resv(buf->obj);
	return buf->peer ? fdri_dmabuf_resv(buf->peer) : &buf->resv;
}

struct fdri_gem *fdri_gem_lookup(struct fdri_file *file, uint32_t handle)
{
	return fdri_idr_find(&file->handles, handle);
}

/* drm_vma_node_allow(): count this file's handles to the object */
static int vma_allow(struct fdri_gem *obj, struct fdri_file *file)
{
	for (uint32_t i = 0; i < obj->nfiles; i++) {
		if (obj->files[i].file == file) {
			obj->files[i].count++;
			return 0;
		}
	}
	if (obj->nfiles == obj->files_cap) {
		uint32_t ncap = obj->files_cap ? obj->files_cap * 2 : 2;
		struct fdri_gem_file_ref *n = realloc(obj->files, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		obj->files = n;
		obj->files_cap = ncap;
	}
	obj->files[obj->nfiles].file = file;
	obj->files[obj->nfiles].count = 1;
	obj->nfiles++;
	return 0;
}

static void vma_revoke(struct fdri_gem *obj, struct fdri_file *file)
{
	for (uint32_t i = 0; i < obj->nfiles; i++) {
		if (obj->files[i].file == file) {
			if (--obj->files[i].count == 0)
				obj->files[i] = obj->files[--obj->nfiles];
			return;
		}
	}
}

static bool vma_is_allowed(const struct fdri_gem *obj, const struct fdri_file *file)
{
	for (uint32_t i = 0; i < obj->nfiles; i++)
		if (obj->files[i].file == file)
			return true;
	return false;
}

/* drm_gem_object_handle_put_unlocked() */
static void handle_put(struct fdri_gem *obj)
{
	if (--obj->handle_count == 0) {
		if (obj->name) {
			fdri_idr_remove(&obj->dev->names, obj->name);
			obj->name = 0;
		}
		if (obj->dma_buf) {
			struct fdri_dmabuf *buf = obj->dma_buf;

			obj->dma_buf = NULL;
			fdri_dmabuf_put(buf);
		}
		fdri_gem_put(obj);
	}
}

/* A handle past the client's quota fails as a full idr does: idr_alloc()
 * returns -ENOSPC when no id is left, and drm_gem_handle_create_tail()
 * passes that on. */
int fdri_gem_handle_create(struct fdri_file *file, struct fdri_gem *obj)
{
	int handle;

	if (!fdri_client_charge(file->client, FDRI_Q_HANDLES, 1))
		return -ENOSPC;
	if (obj->handle_count++ == 0)
		fdri_gem_get(obj);
	handle = fdri_idr_alloc(&file->handles, obj);
	if (handle < 0) {
		handle_put(obj);
		fdri_client_uncharge(file->client, FDRI_Q_HANDLES, 1);
		return handle;
	}
	if (vma_allow(obj, file)) {
		fdri_idr_remove(&file->handles, (uint32_t)handle);
		handle_put(obj);
		fdri_client_uncharge(file->client, FDRI_Q_HANDLES, 1);
		return -ENOMEM;
	}
	return handle;
}

/* drm_gem_shmem_create_with_handle(): a new object whose only reference is
 * the new handle's. Returns the handle or a negative errno; *objp borrows
 * the object. */
int fdri_gem_create_with_handle(struct fdri_file *file, uint64_t size, struct fdri_gem **objp)
{
	struct fdri_gem *obj;
	int err = 0, handle;

	obj = fdri_gem_create(file->dev, file->client, size, &err);
	if (!obj)
		return err;
	handle = fdri_gem_handle_create(file, obj);
	fdri_gem_put(obj);
	if (handle >= 0 && objp)
		*objp = obj;
	return handle;
}

/* drm_gem_object_release_handle() */
static void release_handle(struct fdri_file *file, uint32_t handle, struct fdri_gem *obj)
{
	fdri_prime_remove_handle(file, handle);
	vma_revoke(obj, file);
	handle_put(obj);
	fdri_client_uncharge(file->client, FDRI_Q_HANDLES, 1);
}

int fdri_gem_handle_delete(struct fdri_file *file, uint32_t handle)
{
	struct fdri_gem *obj = fdri_idr_replace(&file->handles, handle, NULL);

	if (!obj)
		return -EINVAL;
	release_handle(file, handle, obj);
	fdri_idr_remove(&file->handles, handle);
	return 0;
}

static void release_one(uint32_t id, void *ptr, void *data)
{
	release_handle(data, id, ptr);
}

void fdri_gem_release_all_handles(struct fdri_file *file)
{
	fdri_idr_for_each(&file->handles, release_one, file);
	fdri_idr_fini(&file->handles);
}

/* The alloc fault site (fdri_fault.h): backing memory is created here,
 * as shmem_file_setup() at the first use of a shmem object. */
static int gem_backing_create(struct fdri_gem *obj)
{
	struct fdri_device *dev = obj->dev;

	if (fdri_faults_active(dev->faults)) {
		struct fdri_fault_site site = {
			.target = FDRI_FAULT_T_ALLOC,
			.device = fdri_device_minor(dev, FDRI_NODE_TYPE_PRIMARY),
			.pid = obj->client ? obj->client->tgid : -1,
			.ctx = -1, .queue = -1,
			.size = obj->size,
			.now = dev->host->now(dev->host_ctx),
		};
		struct fdri_fault_hit hit;

		if (fdri_faults_check(dev->faults, &site, &hit) &&
		    (hit.action == FDRI_FAULT_A_ERRNO || hit.action == FDRI_FAULT_A_ALLOC_FAIL))
			return -(hit.err ? hit.err : ENOMEM);
	}
	return dev->host->backing_create(dev->host_ctx, dev->instance, obj->size);
}

int fdri_gem_backing(struct fdri_gem *obj)
{
	struct fdri_device *dev = obj->dev;
	int fd;

	if (obj->memfd >= 0)
		return obj->memfd;
	if (obj->import)
		fd = dev->host->reopen(dev->host_ctx, obj->import->fd, 02 /* O_RDWR */);
	else
		fd = gem_backing_create(obj);
	if (fd < 0)
		return fd;
	obj->memfd = fd;
	dev->stats.backed_bytes += obj->size;
	return fd;
}

/* drm_gem_mmap(): the exact start offset, a length that fits, and a file
 * that holds a handle to the object. */
int fdri_file_mmap(struct fdri_file *file, uint64_t offset, uint64_t len, int *memfd)
{
	struct fdri_device *dev = file->dev;
	struct fdri_gem *obj;
	int fd;

	/* drm_gem_mmap() after drm_dev_unplug(): the device is gone */
	if (dev->unplugged)
		return -ENODEV;
	/* the mmap fault site (fdri_fault.h) */
	if (fdri_faults_active(dev->faults)) {
		struct fdri_fault_site site = {
			.target = FDRI_FAULT_T_MMAP,
			.device = fdri_device_minor(dev, FDRI_NODE_TYPE_PRIMARY),
			.pid = file->client ? file->client->tgid : -1,
			.tid = file->pid,
			.file = file->id,
			.ctx = -1, .queue = -1,
			.size = 1,
			.now = dev->host->now(dev->host_ctx),
		};
		struct fdri_fault_hit hit;

		if (fdri_faults_check(dev->faults, &site, &hit)) {
			if (hit.action == FDRI_FAULT_A_UNPLUG) {
				fdri_device_unplug(dev);
				return -ENODEV;
			}
			if (hit.action == FDRI_FAULT_A_ERRNO)
				return -hit.err;
		}
	}
	obj = fdri_map_get(&file->dev->offsets, offset);
	/* obj->size is page-aligned, so this is PAGE_ALIGN(len) > size without
	 * the wrap-around of PAGE_ALIGN for len near UINT64_MAX */
	if (!obj || len == 0 || len > obj->size)
		return -EINVAL;
	if (!vma_is_allowed(obj, file))
		return -EACCES;
	fd = fdri_gem_backing(obj);
	if (fd < 0)
		return fd;
	*memfd = fd;
	return 0;
}

int fdri_ioctl_gem_close(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a)
{
	struct drm_gem_close *args = data;

	(void)w; (void)a;
	return fdri_gem_handle_delete(f, args->handle);
}

int fdri_ioctl_gem_flink(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a)
{
	struct drm_gem_flink *args = data;
	struct fdri_gem *obj;

	(void)w; (void)a;
	obj = fdri_gem_lookup(f, args->handle);
	if (!obj || obj->handle_count == 0)
		return -ENOENT;
	if (!obj->name) {
		int ret = fdri_idr_alloc(&f->dev->names, obj);

		if (ret < 0)
			return ret;
		obj->name = (uint32_t)ret;
	}
	args->name = obj->name;
	return 0;
}

int fdri_ioctl_gem_open(struct fdri_file *f, const struct fdri_caller *w, void *data,
			struct fdri_ioctl_args *a)
{
	struct drm_gem_open *args = data;
	struct fdri_gem *obj;
	int handle;

	(void)w; (void)a;
	/* idr_find(&dev->object_name_idr, (int) args->name) */
	if ((int32_t)args->name <= 0)
		return -ENOENT;
	obj = fdri_idr_find(&f->dev->names, args->name);
	if (!obj)
		return -ENOENT;
	fdri_gem_get(obj);
	handle = fdri_gem_handle_create(f, obj);
	if (handle >= 0) {
		args->handle = (uint32_t)handle;
		args->size = obj->size;
	}
	fdri_gem_put(obj);
	return handle < 0 ? handle : 0;
}
