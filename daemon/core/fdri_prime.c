/*
 * fdri_prime.c - dma-bufs and the per-file PRIME caches, after drm_prime.c.
 *
 * DOC: PRIME rules
 * - Each file caches which handles were exported or imported as which
 *   dma-buf: importing the same dma-buf twice gives the same handle, and
 *   exporting a handle twice gives the same dma-buf. A file can still hold
 *   several handles to one object (GEM_OPEN always makes a new one); each
 *   gets its own cache entry when it is exported, and an import answers
 *   with the oldest. An entry holds a dma-buf reference and dies with its
 *   handle.
 * - Exporting sets obj->dma_buf, which holds a reference while the object
 *   has handles, so every export of one object returns the same dma-buf.
 * - Importing a dma-buf this device exported gives back the exporting object
 *   itself ("self-import"), so in the exporting file the original handle.
 * - Re-exporting an imported object returns the dma-buf it was imported
 *   from.
 * - The dma-buf holds a reference to the exporting object. struct
 *   fdri_dmabuf dies when its last daemon-side reference goes; client fds
 *   keep the memfd alive, and a later import of such an fd is recognised
 *   by fdri_host_ops.dmabuf_identify() and wrapped again.
 * - The daemon's fd of each struct fdri_dmabuf it makes is charged to the
 *   client (process) that made it, exporter or importer (fdri_client.h):
 *   an export past the quota fails with EMFILE, as dma_buf_fd() fails when
 *   no fd is left; an import with ENOMEM, the kernel's failure to allocate
 *   the import's attachment. The charge goes back when the dma-buf dies.
 * - The entries of one dma-buf in one file are on a list in insertion
 *   order (prime_entry.same), so removing the oldest finds the next one in
 *   O(1), never by scanning the file's cache.
 */
#include "fdri_ioctl.h"
#include "fdri_fdobj.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>

#include <drm.h>

void fdri_dmabuf_get(struct fdri_dmabuf *buf)
{
	buf->refcount++;
}

void fdri_dmabuf_put(struct fdri_dmabuf *buf)
{
	struct fdri_device *dev;

	if (!buf || --buf->refcount)
		return;
	dev = buf->dev;
	fdri_map_del(&dev->dmabufs, buf->ino);
	dev->host->close(dev->host_ctx, buf->fd);
	dev->stats.dmabufs--;
	fdri_dmabuf_sync_release(buf);
	fdri_resv_fini(&buf->resv);
	fdri_client_uncharge(buf->client, FDRI_Q_DMABUFS, 1);
	fdri_client_put(buf->client);
	if (buf->obj)
		fdri_gem_put(buf->obj);
	fdri_dmabuf_put(buf->peer);
	free(buf);
}

/* A new dma-buf around the daemon's @fd, charged to @client; on failure
 * *err is @quota_err if the quota is used up, else -ENOMEM. */
static struct fdri_dmabuf *dmabuf_new(struct fdri_device *dev, struct fdri_client *client,
				      int quota_err, int fd, uint64_t ino, uint64_t size, int *err)
{
	struct fdri_dmabuf *buf;

	if (!fdri_client_charge(client, FDRI_Q_DMABUFS, 1)) {
		*err = quota_err;
		return NULL;
	}
	buf = calloc(1, sizeof(*buf));
	if (!buf || fdri_map_put(&dev->dmabufs, ino, buf)) {
		free(buf);
		fdri_client_uncharge(client, FDRI_Q_DMABUFS, 1);
		*err = -ENOMEM;
		return NULL;
	}
	if (client) {
		buf->client = client;
		fdri_client_ref(client);
	}
	buf->dev = dev;
	buf->refcount = 1;
	buf->fd = fd;
	buf->ino = ino;
	buf->size = size;
	dev->stats.dmabufs++;
	return buf;
}

/* One PRIME cache entry (struct drm_prime_member). */
struct prime_entry {
	struct fdri_dmabuf *buf;
	uint32_t handle;
	struct fdri_list same; /* the file's entries of @buf, oldest first; the
				* oldest is the one prime_by_buf answers with */
};

/* drm_prime_add_buf_handle(): the entry holds a dma-buf reference */
static int cache_add(struct fdri_file *file, struct fdri_dmabuf *buf, uint32_t handle)
{
	struct prime_entry *e = malloc(sizeof(*e)), *oldest;

	if (!e || fdri_map_put(&file->prime_by_handle, handle, e)) {
		free(e);
		return -ENOMEM;
	}
	fdri_list_init(&e->same);
	oldest = fdri_map_get(&file->prime_by_buf, (uintptr_t)buf);
	if (oldest) {
		fdri_list_add_tail(&oldest->same, &e->same); /* newest last */
	} else if (fdri_map_put(&file->prime_by_buf, (uintptr_t)buf, e)) {
		fdri_map_del(&file->prime_by_handle, handle);
		free(e);
		return -ENOMEM;
	}
	e->buf = buf;
	e->handle = handle;
	fdri_dmabuf_get(buf);
	return 0;
}

/* drm_prime_lookup_buf_handle() */
static bool cache_lookup_buf(struct fdri_file *file, struct fdri_dmabuf *buf, uint32_t *handle)
{
	struct prime_entry *e = fdri_map_get(&file->prime_by_buf, (uintptr_t)buf);

	if (e)
		*handle = e->handle;
	return e != NULL;
}

/* drm_prime_lookup_buf_by_handle() */
static struct fdri_dmabuf *cache_lookup_handle(struct fdri_file *file, uint32_t handle)
{
	struct prime_entry *e = fdri_map_get(&file->prime_by_handle, handle);

	return e ? e->buf : NULL;
}

/* drm_prime_remove_buf_handle(): drops this handle's entry only; another
 * handle of the same dma-buf then answers lookups. */
void fdri_prime_remove_handle(struct fdri_file *file, uint32_t handle)
{
	struct prime_entry *e = fdri_map_del(&file->prime_by_handle, handle);

	if (!e)
		return;
	if (fdri_map_get(&file->prime_by_buf, (uintptr_t)e->buf) == e) {
		if (fdri_list_empty(&e->same))
			fdri_map_del(&file->prime_by_buf, (uintptr_t)e->buf);
		else /* the next oldest; replacing a present key never allocates */
			fdri_map_put(&file->prime_by_buf, (uintptr_t)e->buf,
				     fdri_container_of(e->same.next, struct prime_entry, same));
	}
	fdri_list_del(&e->same);
	fdri_dmabuf_put(e->buf);
	free(e);
}

/* export_and_register_object(): a new dma-buf sharing the object's pages.
 * Its file is opened O_RDWR only with DRM_RDWR, as dma_buf_export() does
 * with the exporter's flags. */
static struct fdri_dmabuf *export_object(struct fdri_file *file, struct fdri_gem *obj,
					 uint32_t flags, int *err)
{
	struct fdri_device *dev = obj->dev;
	struct fdri_fd_ident id;
	struct fdri_dmabuf *buf;
	int memfd, fd, ret;

	if (obj->handle_count == 0) {
		*err = -ENOENT;
		return NULL;
	}
	memfd = fdri_gem_backing(obj);
	if (memfd < 0) {
		*err = memfd;
		return NULL;
	}
	fd = dev->host->reopen(dev->host_ctx, memfd, (flags & DRM_RDWR) ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	ret = dev->host->dmabuf_identify(dev->host_ctx, fd, &id);
	if (ret < 0) {
		dev->host->close(dev->host_ctx, fd);
		*err = ret;
		return NULL;
	}
	if (!obj->ino) {
		if (fdri_map_put(&dev->objs_by_ino, id.ino, obj)) {
			dev->host->close(dev->host_ctx, fd);
			*err = -ENOMEM;
			return NULL;
		}
		obj->ino = id.ino;
	}
	buf = dmabuf_new(dev, file->client, -EMFILE, fd, id.ino, obj->size, err);
	if (!buf) {
		dev->host->close(dev->host_ctx, fd);
		return NULL;
	}
	fdri_gem_get(obj);
	buf->obj = obj;            /* the dma-buf's reference to its exporter */
	obj->dma_buf = buf;
	fdri_dmabuf_get(buf);      /* obj->dma_buf's reference */
	return buf;                /* caller owns the creation reference */
}

int fdri_prime_handle_to_fd(struct fdri_file *file, uint32_t handle, uint32_t flags,
			    struct fdri_dmabuf **out)
{
	struct fdri_gem *obj = fdri_gem_lookup(file, handle);
	struct fdri_dmabuf *buf;
	int err = 0;

	if (!obj)
		return -ENOENT;
	buf = cache_lookup_handle(file, handle);
	if (buf)
		goto out;
	if (obj->import) {
		buf = obj->import;
		fdri_dmabuf_get(buf);
	} else if (obj->dma_buf) {
		buf = obj->dma_buf;
		fdri_dmabuf_get(buf);
	} else {
		buf = export_object(file, obj, flags, &err);
		if (!buf)
			return err;
	}
	err = cache_add(file, buf, handle);
	fdri_dmabuf_put(buf);
	if (err)
		return err;
out:
	*out = buf;
	return 0;
}

/* The record of the dma-buf of inode @ino by the daemon's device that
 * exported it (@instance), if that is not @dev and still knows it. */
static struct fdri_dmabuf *exporter_record(struct fdri_device *dev, uint64_t instance,
					   uint64_t ino)
{
	struct fdri_list *devs = &dev->fdobjs->devices;

	for (struct fdri_list *l = devs->next; l != devs; l = l->next) {
		struct fdri_device *d = fdri_container_of(l, struct fdri_device, peer_link);

		if (d != dev && d->instance == instance)
			return fdri_map_get(&d->dmabufs, ino);
	}
	return NULL;
}

/* The dma-buf behind a caller's fd, known or wrapped anew. */
static struct fdri_dmabuf *dmabuf_get_fd(struct fdri_file *file, int fd, int *err)
{
	struct fdri_device *dev = file->dev;
	struct fdri_fd_ident id;
	struct fdri_dmabuf *buf;
	int ret, ownfd;

	if (fd < 0) {
		*err = -EBADF;
		return NULL;
	}
	ret = dev->host->dmabuf_identify(dev->host_ctx, fd, &id);
	if (ret < 0) {
		*err = ret;
		return NULL;
	}
	buf = fdri_map_get(&dev->dmabufs, id.ino);
	if (buf) {
		fdri_dmabuf_get(buf);
		return buf;
	}
	ownfd = dev->host->dup(dev->host_ctx, fd);
	if (ownfd < 0) {
		*err = ownfd;
		return NULL;
	}
	buf = dmabuf_new(dev, file->client, -ENOMEM, ownfd, id.ino, id.size, err);
	if (!buf) {
		dev->host->close(dev->host_ctx, ownfd);
		return NULL;
	}
	if (id.instance == dev->instance && fdri_map_get(&dev->objs_by_ino, id.ino)) {
		/* One of ours whose dma-buf the daemon forgot while its object
		 * lives on (a job holds it): the same object, with its fences,
		 * as the kernel's dma-buf keeps its exporter */
		buf->obj = fdri_map_get(&dev->objs_by_ino, id.ino);
		fdri_gem_get(buf->obj);
	} else if (id.instance == dev->instance) {
		/* One of ours whose exporter the daemon has forgotten: rebuild the
		 * exporting object around the same pages. */
		/* no new memory: the pages are the caller's already */
		struct fdri_gem *obj = fdri_gem_create(dev, NULL, id.size, err);
		int memfd;

		if (!obj) {
			fdri_dmabuf_put(buf);
			return NULL;
		}
		memfd = dev->host->reopen(dev->host_ctx, fd, O_RDWR);
		if (memfd < 0) {
			*err = memfd;
			fdri_gem_put(obj);
			fdri_dmabuf_put(buf);
			return NULL;
		}
		obj->memfd = memfd;
		dev->stats.backed_bytes += obj->size;
		if (!fdri_map_put(&dev->objs_by_ino, id.ino, obj))
			obj->ino = id.ino;
		buf->obj = obj;    /* creation reference becomes the dma-buf's */
	} else {
		buf->peer = exporter_record(dev, id.instance, id.ino);
		if (buf->peer)
			fdri_dmabuf_get(buf->peer);
	}
	return buf;
}

/* drm_gem_prime_import(): the exporting object for our own dma-bufs,
 * otherwise a new object attached to the foreign dma-buf. */
static struct fdri_gem *prime_import(struct fdri_device *dev, struct fdri_dmabuf *buf, int *err)
{
	struct fdri_gem *obj;

	if (buf->obj) {
		fdri_gem_get(buf->obj);
		return buf->obj;
	}
	obj = fdri_gem_create(dev, NULL, buf->size, err); /* the exporter's pages */
	if (!obj)
		return NULL;
	fdri_dmabuf_get(buf);
	obj->import = buf;
	return obj;
}

int fdri_prime_fd_to_handle(struct fdri_file *file, int fd, uint32_t *handle)
{
	struct fdri_device *dev = file->dev;
	struct fdri_dmabuf *buf;
	struct fdri_gem *obj;
	int err = 0, h;

	buf = dmabuf_get_fd(file, fd, &err);
	if (!buf)
		return err;
	if (cache_lookup_buf(file, buf, handle))
		goto out_put;
	obj = prime_import(dev, buf, &err);
	if (!obj)
		goto out_put;
	if (!obj->dma_buf) {
		obj->dma_buf = buf;
		fdri_dmabuf_get(buf);
	}
	h = fdri_gem_handle_create(file, obj);
	fdri_gem_put(obj);
	if (h < 0) {
		err = h;
		goto out_put;
	}
	err = cache_add(file, buf, (uint32_t)h);
	if (err) {
		fdri_gem_handle_delete(file, (uint32_t)h);
		goto out_put;
	}
	*handle = (uint32_t)h;
out_put:
	fdri_dmabuf_put(buf);
	return err;
}

int fdri_ioctl_prime_handle_to_fd(struct fdri_file *f, const struct fdri_caller *w, void *data,
				  struct fdri_ioctl_args *a)
{
	struct drm_prime_handle *args = data;
	struct fdri_dmabuf *buf;
	int ret;

	(void)w;
	if (args->flags & ~(DRM_CLOEXEC | DRM_RDWR))
		return -EINVAL;
	ret = fdri_prime_handle_to_fd(f, args->handle, args->flags, &buf);
	if (ret)
		return ret;
	a->out_fd = buf->fd;
	a->out_fd_flags = (int)args->flags;
	a->out_fd_size = buf->size;
	a->out_fd_kind = FDRI_FD_DMABUF;
	return 0;
}

int fdri_ioctl_prime_fd_to_handle(struct fdri_file *f, const struct fdri_caller *w, void *data,
				  struct fdri_ioctl_args *a)
{
	struct drm_prime_handle *args = data;

	(void)w;
	return fdri_prime_fd_to_handle(f, a->in_fd, &args->handle);
}
