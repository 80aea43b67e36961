/*
 * fdri_fdobj.c - fd objects and their registry (see fdri_fdobj.h for the
 * lifetime rules). The registry maps a client end's inode to the object;
 * an inode number is reused only after the inode is gone, and a stale
 * entry (an object whose hangup the loop has not delivered yet) is told
 * apart by asking the host whether its client end is still alive.
 */
#include "fdri_fdobj.h"

#include <errno.h>
#include <stdlib.h>

struct fdri_fdobjs *fdri_fdobjs_create(const struct fdri_host_ops *host, void *host_ctx)
{
	struct fdri_fdobjs *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	reg->refcount = 1;
	reg->host = host;
	reg->host_ctx = host_ctx;
	fdri_map_init(&reg->by_ino);
	fdri_list_init(&reg->devices);
	return reg;
}

struct fdri_fdobjs *fdri_fdobjs_get(struct fdri_fdobjs *reg)
{
	if (reg)
		reg->refcount++;
	return reg;
}

void fdri_fdobjs_put(struct fdri_fdobjs *reg)
{
	if (!reg || --reg->refcount)
		return;
	/* the daemon is going away: objects clients still hold die with it */
	fdri_map_for_each(&reg->by_ino, ent) {
		struct fdri_fdobj *obj = ent->val;

		obj->registered = false;
		obj->reg = NULL;
		reg->host->pollable_fini(reg->host_ctx, &obj->poll);
		if (obj->poll.client_fd >= 0)
			reg->host->close(reg->host_ctx, obj->poll.client_fd);
		obj->poll.client_fd = -1;
	}
	fdri_map_fini(&reg->by_ino);
	free(reg);
}

static void unregister(struct fdri_fdobj *obj)
{
	if (obj->registered && fdri_map_get(&obj->reg->by_ino, obj->poll.ino) == obj)
		fdri_map_del(&obj->reg->by_ino, obj->poll.ino);
	obj->registered = false;
}

/* The host: every client end is closed. Drops the client reference. */
static void fdobj_closed(struct fdri_pollable *p)
{
	struct fdri_fdobj *obj = fdri_container_of(p, struct fdri_fdobj, poll);

	if (obj->clients_gone)
		return;
	obj->clients_gone = true;
	unregister(obj);
	fdri_fdobj_put(obj);
}

void fdri_fdobj_check_closed(struct fdri_fdobj *obj)
{
	if (!obj->reg || obj->clients_gone || obj->poll.keep || obj->poll.client_fd >= 0)
		return;
	if (!obj->reg->host->pollable_alive(obj->reg->host_ctx, &obj->poll))
		fdobj_closed(&obj->poll);
}

int fdri_fdobj_init(struct fdri_fdobjs *reg, struct fdri_fdobj *obj,
		    const struct fdri_fdobj_type *type, unsigned int events, bool keep)
{
	struct fdri_fdobj *old;
	int ret;

	obj->type = type;
	obj->reg = reg;
	obj->refcount = 1;
	obj->registered = false;
	obj->clients_gone = false;
	obj->poll.closed = fdobj_closed;
	obj->poll.host = NULL;
	obj->poll.client_fd = -1;
	obj->poll.events = events;
	obj->poll.keep = keep;
	ret = reg->host->pollable_create(reg->host_ctx, &obj->poll);
	if (ret)
		return ret;
	/* an entry under this inode is stale: its inode is gone */
	old = fdri_map_get(&reg->by_ino, obj->poll.ino);
	if (old)
		old->registered = false;
	if (fdri_map_put(&reg->by_ino, obj->poll.ino, obj)) {
		reg->host->close(reg->host_ctx, obj->poll.client_fd);
		reg->host->pollable_fini(reg->host_ctx, &obj->poll);
		return -ENOMEM;
	}
	obj->registered = true;
	reg->live++;
	return 0;
}

struct fdri_fdobj *fdri_fdobj_get(struct fdri_fdobj *obj)
{
	obj->refcount++;
	return obj;
}

void fdri_fdobj_put(struct fdri_fdobj *obj)
{
	struct fdri_fdobjs *reg;

	if (!obj || --obj->refcount)
		return;
	reg = obj->reg;
	if (reg) {
		unregister(obj);
		if (obj->poll.client_fd >= 0)
			reg->host->close(reg->host_ctx, obj->poll.client_fd);
		reg->host->pollable_fini(reg->host_ctx, &obj->poll);
		reg->live--;
	}
	obj->type->release(obj);
}

struct fdri_fdobj *fdri_fdobj_lookup(struct fdri_fdobjs *reg, int fd,
				     const struct fdri_fdobj_type *type, int *err)
{
	struct fdri_fdobj *obj;
	uint64_t ino;
	int ret;

	ret = reg->host->pollable_identify(reg->host_ctx, fd, &ino);
	if (ret) {
		*err = ret;
		return NULL;
	}
	obj = fdri_map_get(&reg->by_ino, ino);
	if (!obj || !obj->registered || (type && obj->type != type) ||
	    !reg->host->pollable_alive(reg->host_ctx, &obj->poll)) {
		*err = -EINVAL;
		return NULL;
	}
	return fdri_fdobj_get(obj);
}

int fdri_fdobj_set_events(struct fdri_fdobj *obj, unsigned int events)
{
	if (!obj->reg || events == obj->poll.events)
		return 0;
	return obj->reg->host->pollable_set(obj->reg->host_ctx, &obj->poll, events);
}

int fdri_fdobj_give_fd(struct fdri_fdobj *obj, struct fdri_ioctl_args *args, int fd_flags)
{
	const struct fdri_host_ops *h = obj->reg->host;
	struct fdri_pollable *p = &obj->poll;
	int fd;

	if (p->keep) {
		/* the kept copy lives in the host: hand out a duplicate */
		fd = p->client_fd >= 0 ? h->dup(obj->reg->host_ctx, p->client_fd) : -EINVAL;
	} else {
		fd = p->client_fd;
		p->client_fd = -1;
		if (fd < 0)
			fd = -EINVAL; /* handed out once already */
	}
	if (fd < 0)
		return fd;
	args->out_fd = fd;
	args->owns_out_fd = true;
	args->out_fd_flags = fd_flags;
	args->out_fd_kind = obj->type->kind;
	args->out_fd_size = 0;
	return 0;
}
