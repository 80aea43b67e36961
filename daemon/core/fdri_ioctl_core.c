/*
 * fdri_ioctl_core.c - the informational core ioctls: VERSION, GET_UNIQUE,
 * SET_VERSION, GET_CLIENT, GET_STATS, GET_CAP, SET_CLIENT_CAP. They follow
 * drm_ioctl.c of Linux 6.1 for a driver without DRIVER_MODESET and without
 * DRIVER_SYNCOBJ. They own no state beyond the master's bus id.
 */
#include "fdri_ioctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <drm.h>

#define DRM_IF_MAJOR 1
#define DRM_IF_MINOR 4
#define OVERFLOW_UID 65534

/* copy_to_user() into a nested OUT buffer */
static int copy_out(struct fdri_ubuf *b, const void *src, uint64_t n)
{
	if (!n)
		return 0;
	if (!b->uaddr || !b->data || n > b->len || b->fault)
		return -EFAULT;
	memcpy(b->data, src, n);
	b->out_len = n;
	return 0;
}

/* drm_copy_field() */
static int copy_field(struct fdri_ubuf *b, __kernel_size_t *buf_len, const char *value)
{
	size_t len = strlen(value);

	if (len > *buf_len)
		len = *buf_len;
	*buf_len = strlen(value);
	if (len && b->uaddr)
		return copy_out(b, value, len);
	return 0;
}

int fdri_ioctl_version(struct fdri_file *f, const struct fdri_caller *w, void *data,
		       struct fdri_ioctl_args *a)
{
	const struct fdri_personality *p = f->dev->pers;
	struct drm_version *v = data;
	int err;

	(void)w;
	v->version_major = p->major;
	v->version_minor = p->minor;
	v->version_patchlevel = p->patchlevel;
	err = copy_field(&a->bufs[0], &v->name_len, p->name);
	if (!err)
		err = copy_field(&a->bufs[1], &v->date_len, p->date);
	if (!err)
		err = copy_field(&a->bufs[2], &v->desc_len, p->desc);
	return err;
}

int fdri_ioctl_getunique(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a)
{
	struct drm_unique *u = data;
	struct fdri_master *m = f->master;

	(void)w;
	if (u->unique_len >= m->unique_len) {
		int err = copy_out(&a->bufs[0], m->unique, m->unique_len);

		if (err)
			return err;
	}
	u->unique_len = m->unique_len;
	return 0;
}

/* drm_set_busid() for a non-PCI device: the master's unique is dev->unique */
static int set_busid(struct fdri_file *f)
{
	struct fdri_master *m = f->master;
	char *u = strdup(f->dev->pers->unique);

	if (!u)
		return -ENOMEM;
	free(m->unique);
	m->unique = u;
	m->unique_len = strlen(u);
	return 0;
}

int fdri_ioctl_setversion(struct fdri_file *f, const struct fdri_caller *w, void *data,
			  struct fdri_ioctl_args *a)
{
	const struct fdri_personality *p = f->dev->pers;
	struct drm_set_version *sv = data;
	int ret = 0;

	(void)w; (void)a;
	if (sv->drm_di_major != -1) {
		if (sv->drm_di_major != DRM_IF_MAJOR || sv->drm_di_minor < 0 ||
		    sv->drm_di_minor > DRM_IF_MINOR) {
			ret = -EINVAL;
			goto done;
		}
		if (sv->drm_di_minor >= 1) {
			ret = set_busid(f);
			if (ret)
				goto done;
		}
	}
	if (sv->drm_dd_major != -1) {
		if (sv->drm_dd_major != p->major || sv->drm_dd_minor < 0 ||
		    sv->drm_dd_minor > p->minor) {
			ret = -EINVAL;
			goto done;
		}
	}
done:
	sv->drm_di_major = DRM_IF_MAJOR;
	sv->drm_di_minor = DRM_IF_MINOR;
	sv->drm_dd_major = p->major;
	sv->drm_dd_minor = p->minor;
	return ret;
}

int fdri_ioctl_getclient(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a)
{
	struct drm_client *c = data;

	(void)a;
	if (c->idx != 0)
		return -EINVAL;
	c->auth = f->authenticated;
	c->pid = w->tid;
	c->uid = OVERFLOW_UID;
	c->magic = 0;
	c->iocs = 0;
	return 0;
}

int fdri_ioctl_getstats(struct fdri_file *f, const struct fdri_caller *w, void *data,
			struct fdri_ioctl_args *a)
{
	(void)f; (void)w; (void)a;
	memset(data, 0, sizeof(struct drm_stats));
	return 0;
}

/* The KMS caps of an output-less modeset device (drm_getcap, 6.1). */
static int getcap_kms(struct drm_get_cap *req)
{
	switch (req->capability) {
	case DRM_CAP_DUMB_BUFFER:
	case DRM_CAP_VBLANK_HIGH_CRTC:
	case DRM_CAP_PAGE_FLIP_TARGET:   /* true for a device without CRTCs */
	case DRM_CAP_CRTC_IN_VBLANK_EVENT:
		req->value = 1;
		return 0;
	case DRM_CAP_DUMB_PREFERRED_DEPTH:
		req->value = 24;
		return 0;
	case DRM_CAP_DUMB_PREFER_SHADOW:
	case DRM_CAP_ASYNC_PAGE_FLIP:
	case DRM_CAP_ADDFB2_MODIFIERS:
		req->value = 0;
		return 0;
	case DRM_CAP_CURSOR_WIDTH:
	case DRM_CAP_CURSOR_HEIGHT:
		req->value = 64;
		return 0;
	default:
		return -EINVAL;
	}
}

int fdri_ioctl_getcap(struct fdri_file *f, const struct fdri_caller *w, void *data,
		      struct fdri_ioctl_args *a)
{
	struct drm_get_cap *req = data;

	(void)w; (void)a;
	req->value = 0;
	switch (req->capability) {
	case DRM_CAP_TIMESTAMP_MONOTONIC:
		req->value = 1;
		return 0;
	case DRM_CAP_PRIME:
		req->value = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
		return 0;
	case DRM_CAP_SYNCOBJ:
		req->value = f->dev->pers->syncobj;
		return 0;
	case DRM_CAP_SYNCOBJ_TIMELINE:
		req->value = f->dev->pers->syncobj_timeline;
		return 0;
	}
	/* every other cap needs DRIVER_MODESET */
	if (!f->dev->pers->modeset)
		return -EOPNOTSUPP;
	return getcap_kms(req);
}

int fdri_ioctl_setclientcap(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct drm_set_client_cap *req = data;

	(void)w; (void)a;
	if (!f->dev->pers->modeset)
		return -EOPNOTSUPP;
	switch (req->capability) {
	case DRM_CLIENT_CAP_STEREO_3D:
		if (req->value > 1)
			return -EINVAL;
		f->stereo_allowed = req->value;
		return 0;
	case DRM_CLIENT_CAP_UNIVERSAL_PLANES:
		if (req->value > 1)
			return -EINVAL;
		f->universal_planes = req->value;
		return 0;
	case DRM_CLIENT_CAP_ATOMIC:
		return -EOPNOTSUPP; /* no DRIVER_ATOMIC */
	case DRM_CLIENT_CAP_ASPECT_RATIO:
		if (req->value > 1)
			return -EINVAL;
		f->aspect_ratio_allowed = req->value;
		return 0;
	case DRM_CLIENT_CAP_WRITEBACK_CONNECTORS:
		return -EINVAL; /* needs the atomic client cap */
	default:
		return -EINVAL;
	}
}
