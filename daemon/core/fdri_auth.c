/*
 * fdri_auth.c - masters and authentication, after drm_auth.c.
 *
 * DOC: master lifetime
 * A struct fdri_master is refcounted: every primary-node file holds one
 * reference in file->master, and dev->master holds one while a file is the
 * current master. The first opener of the primary node when there is no
 * current master gets a new master object, becomes master and is
 * authenticated. Magic numbers live in the master's magic_map: GET_MAGIC
 * allocates the lowest free one, AUTH_MAGIC authenticates its file and
 * reserves the number (idr_replace with NULL), and the file's close frees it.
 * Render-node files have no master at all.
 */
#include "fdri_ioctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <drm.h>

static struct fdri_master *master_create(void)
{
	struct fdri_master *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->refcount = 1;
	fdri_idr_init(&m->magic_map);
	return m;
}

static struct fdri_master *master_get(struct fdri_master *m)
{
	m->refcount++;
	return m;
}

void fdri_master_put(struct fdri_master **mp)
{
	struct fdri_master *m = *mp;

	*mp = NULL;
	if (!m || --m->refcount)
		return;
	fdri_idr_fini(&m->magic_map);
	free(m->unique);
	free(m);
}

bool fdri_is_current_master(const struct fdri_file *f)
{
	return f->is_master && f->master && f->master == f->dev->master;
}

/* drm_set_master() */
static void set_master(struct fdri_file *f)
{
	struct fdri_device *dev = f->dev;

	dev->master = master_get(f->master);
	f->was_master = true;
}

/* drm_new_set_master() */
static int new_set_master(struct fdri_file *f)
{
	struct fdri_master *old = f->master;
	struct fdri_master *m = master_create();

	if (!m)
		return -ENOMEM;
	f->master = m;
	f->is_master = true;
	f->authenticated = true;
	set_master(f);
	/* The file's magic stays allocated in the old master's map (as in the
	 * kernel), but must not keep pointing at the file: the file's close
	 * only cleans up its new master's map. */
	if (old && f->magic)
		fdri_idr_replace(&old->magic_map, f->magic, NULL);
	fdri_master_put(&old);
	return 0;
}

/* drm_drop_master() */
static void drop_master(struct fdri_file *f)
{
	fdri_master_put(&f->dev->master);
}

int fdri_master_open(struct fdri_file *f)
{
	if (!f->dev->master)
		return new_set_master(f);
	f->master = master_get(f->dev->master);
	return 0;
}

void fdri_master_release(struct fdri_file *f)
{
	if (!f->master)
		return;
	if (f->magic)
		fdri_idr_remove(&f->master->magic_map, f->magic);
	if (fdri_is_current_master(f))
		drop_master(f);
	fdri_master_put(&f->master);
}

int fdri_ioctl_getmagic(struct fdri_file *f, const struct fdri_caller *w, void *data,
			struct fdri_ioctl_args *a)
{
	struct drm_auth *auth = data;
	int ret = 0;

	(void)w; (void)a;
	if (!f->magic) {
		ret = fdri_idr_alloc(&f->master->magic_map, f);
		if (ret >= 0)
			f->magic = (uint32_t)ret;
	}
	auth->magic = f->magic;
	return ret < 0 ? ret : 0;
}

int fdri_ioctl_authmagic(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a)
{
	struct drm_auth *auth = data;
	struct fdri_file *target;

	(void)w; (void)a;
	target = fdri_idr_find(&f->master->magic_map, auth->magic);
	if (!target)
		return -EINVAL;
	target->authenticated = true;
	fdri_idr_replace(&f->master->magic_map, auth->magic, NULL);
	return 0;
}

/* drm_master_check_perm() */
static int master_check_perm(const struct fdri_file *f, const struct fdri_caller *w)
{
	if (f->was_master && f->pid == w->tid)
		return 0;
	if (!fdri_capable(w))
		return -EACCES;
	return 0;
}

int fdri_ioctl_setmaster(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a)
{
	int ret;

	(void)data; (void)a;
	ret = master_check_perm(f, w);
	if (ret)
		return ret;
	if (fdri_is_current_master(f))
		return 0;
	if (f->dev->master)
		return -EBUSY;
	if (!f->master)
		return -EINVAL;
	if (!f->is_master)
		return new_set_master(f);
	set_master(f);
	return 0;
}

int fdri_ioctl_dropmaster(struct fdri_file *f, const struct fdri_caller *w, void *data,
			  struct fdri_ioctl_args *a)
{
	int ret;

	(void)data; (void)a;
	ret = master_check_perm(f, w);
	if (ret)
		return ret;
	if (!fdri_is_current_master(f))
		return -EINVAL;
	if (!f->dev->master)
		return -EINVAL;
	drop_master(f);
	return 0;
}
