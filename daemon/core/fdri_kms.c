/*
 * fdri_kms.c - the KMS ioctls of a modeset personality that has no CRTCs,
 * encoders, connectors, planes or framebuffers: resources are empty lists
 * and every object lookup fails with ENOENT, as drm_mode_object_find() does
 * for an unknown id. Without DRIVER_MODESET (vgem) each answers EOPNOTSUPP,
 * as the kernel does. Owns no state.
 */
#include "fdri_ioctl.h"

#include <errno.h>

#include <drm.h>
#include <drm_mode.h>

#define FDRI_KMS_MIN_SIZE 0
#define FDRI_KMS_MAX_SIZE 16384

int fdri_ioctl_mode_getresources(struct fdri_file *f, const struct fdri_caller *w, void *data,
				 struct fdri_ioctl_args *a)
{
	struct drm_mode_card_res *res = data;

	(void)w; (void)a;
	if (!f->dev->pers->modeset)
		return -EOPNOTSUPP;
	res->count_fbs = 0;
	res->min_width = FDRI_KMS_MIN_SIZE;
	res->min_height = FDRI_KMS_MIN_SIZE;
	res->max_width = FDRI_KMS_MAX_SIZE;
	res->max_height = FDRI_KMS_MAX_SIZE;
	res->count_crtcs = 0;
	res->count_encoders = 0;
	res->count_connectors = 0;
	return 0;
}

int fdri_ioctl_mode_getplaneresources(struct fdri_file *f, const struct fdri_caller *w,
				      void *data, struct fdri_ioctl_args *a)
{
	struct drm_mode_get_plane_res *res = data;

	(void)w; (void)a;
	if (!f->dev->pers->modeset)
		return -EOPNOTSUPP;
	res->count_planes = 0;
	return 0;
}

int fdri_ioctl_mode_lookup(struct fdri_file *f, const struct fdri_caller *w, void *data,
			   struct fdri_ioctl_args *a)
{
	(void)w; (void)data; (void)a;
	return f->dev->pers->modeset ? -ENOENT : -EOPNOTSUPP;
}

/* drm_mode_getfb2_ioctl() checks DRIVER_MODESET itself and answers EINVAL */
int fdri_ioctl_mode_getfb2(struct fdri_file *f, const struct fdri_caller *w, void *data,
			   struct fdri_ioctl_args *a)
{
	(void)w; (void)data; (void)a;
	return f->dev->pers->modeset ? -ENOENT : -EINVAL;
}
