/*
 * fdri_file.c - a DRM file: one per open() of a node, after drm_file.c.
 *
 * A file owns its handle table and PRIME caches. It is created by the
 * transport when a client opens a node and destroyed by the transport on
 * the last close of that open file (not of each fd: dup, fork and fd
 * passing share one file). Closing cancels the requests still active on
 * the file (fdri_req.h), then releases every handle, as
 * drm_gem_release() does, then the master state (drm_master_release),
 * then the personality's per-file state (pers->postclose,
 * file->driver_priv).
 *
 * A file is charged to its opener's process (fdri_client.h): its quota of
 * files is checked at open (EMFILE, as the open of any file past
 * RLIMIT_NOFILE), and the file's handles are charged to the same client.
 */
#include "fdri_req.h"
#include "fdri_syncobj.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

struct fdri_file *fdri_file_open(struct fdri_device *dev, enum fdri_node_type node,
				 const struct fdri_caller *who, int open_flags, int *err)
{
	static uint64_t next_id;
	struct fdri_client *client;
	struct fdri_file *f;

	/* Documentation/gpu/drm-uapi.rst, "Device Hot-Unplug": open() on a
	 * device node whose underlying device has disappeared fails with
	 * ENXIO */
	if (dev->unplugged) {
		*err = -ENXIO;
		return NULL;
	}
	if (open_flags & O_EXCL) {
		*err = -EBUSY;
		return NULL;
	}
	client = fdri_client_get(dev->clients, who->pid); /* the caller's tgid */
	if (!client) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!fdri_client_charge(client, FDRI_Q_FILES, 1)) {
		fdri_client_put(client);
		*err = -EMFILE;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		fdri_client_uncharge(client, FDRI_Q_FILES, 1);
		fdri_client_put(client);
		*err = -ENOMEM;
		return NULL;
	}
	f->dev = dev;
	f->client = client;
	f->node = node;
	f->id = ++next_id;
	f->open_flags = open_flags;
	f->pid = who->tid;
	f->uid = who->uid;
	f->authenticated = fdri_capable(who);
	fdri_idr_init(&f->handles);
	fdri_syncobj_open(f);
	fdri_map_init(&f->prime_by_buf);
	fdri_map_init(&f->prime_by_handle);
	fdri_list_init(&f->reqs);
	if (node == FDRI_NODE_PRIMARY) {
		int ret = fdri_master_open(f);

		if (ret) {
			fdri_client_uncharge(client, FDRI_Q_FILES, 1);
			fdri_client_put(client);
			free(f);
			*err = ret;
			return NULL;
		}
	}
	if (dev->pers->open) {
		int ret = dev->pers->open(f);

		if (ret) {
			fdri_master_release(f);
			fdri_map_fini(&f->prime_by_buf);
			fdri_map_fini(&f->prime_by_handle);
			fdri_client_uncharge(client, FDRI_Q_FILES, 1);
			fdri_client_put(client);
			free(f);
			*err = ret;
			return NULL;
		}
	}
	fdri_list_add_tail(&dev->files, &f->dev_link);
	dev->stats.files_open++;
	return f;
}

void fdri_file_close(struct fdri_file *f)
{
	if (!f)
		return;
	/* requests still active on the file end without a reply */
	while (!fdri_list_empty(&f->reqs)) {
		struct fdri_req *req = fdri_container_of(f->reqs.next, struct fdri_req, file_link);

		fdri_req_cancel(req);
		if (req->ops->cancelled)
			req->ops->cancelled(req);
	}
	fdri_list_del(&f->dev_link);
	fdri_syncobj_release_all(f);  /* before GEM, as drm_file_free() */
	fdri_gem_release_all_handles(f);
	fdri_master_release(f);
	if (f->dev->pers->postclose)
		f->dev->pers->postclose(f);  /* driver state, as drm_file_free() orders it */
	fdri_map_fini(&f->prime_by_buf);
	fdri_map_fini(&f->prime_by_handle);
	f->dev->stats.files_open--;
	fdri_client_uncharge(f->client, FDRI_Q_FILES, 1);
	fdri_client_put(f->client);
	free(f);
}
