/*
 * fdri_dumb.c - dumb buffers: MODE_CREATE_DUMB / MAP_DUMB / DESTROY_DUMB,
 * after drm_dumb_buffers.c and drm_gem_shmem_dumb_create() of Linux 6.1.
 * Dumb buffers are ordinary GEM objects; this file owns no state.
 */
#include "fdri_ioctl.h"

#include <errno.h>
#include <stdint.h>

#include <drm.h>
#include <drm_mode.h>

int fdri_ioctl_create_dumb(struct fdri_file *f, const struct fdri_caller *w, void *data,
			   struct fdri_ioctl_args *a)
{
	struct drm_mode_create_dumb *args = data;
	uint32_t cpp, stride, size, pitch;
	struct fdri_gem *obj;
	int handle;

	(void)w; (void)a;
	/* drm_mode_create_dumb(): 32-bit overflow checks, then zero the outputs */
	if (!args->width || !args->height || !args->bpp)
		return -EINVAL;
	if (args->bpp > UINT32_MAX - 8)
		return -EINVAL;
	cpp = (args->bpp + 7) / 8;
	if (cpp > UINT32_MAX / args->width)
		return -EINVAL;
	stride = cpp * args->width;
	if (args->height > UINT32_MAX / stride)
		return -EINVAL;
	size = args->height * stride;
	if ((uint32_t)FDRI_PAGE_ALIGN((uint64_t)size) == 0 || FDRI_PAGE_ALIGN((uint64_t)size) > UINT32_MAX)
		return -EINVAL;
	args->handle = 0;
	args->pitch = 0;
	args->size = 0;

	/* drm_gem_shmem_dumb_create(): u32 arithmetic, as in the kernel */
	pitch = (uint32_t)(args->width * args->bpp + 7) / 8;
	size = (uint32_t)(pitch * args->height + 4095) & ~4095u;
	if (size == 0)
		return -ENOSPC; /* a zero-sized drm_mm node cannot be inserted */
	handle = fdri_gem_create_with_handle(f, size, &obj);
	if (handle < 0)
		return handle;
	args->handle = (uint32_t)handle;
	args->pitch = pitch;
	args->size = obj->size;
	return 0;
}

int fdri_ioctl_map_dumb(struct fdri_file *f, const struct fdri_caller *w, void *data,
			struct fdri_ioctl_args *a)
{
	struct drm_mode_map_dumb *args = data;
	struct fdri_gem *obj;

	(void)w; (void)a;
	obj = fdri_gem_lookup(f, args->handle);
	if (!obj)
		return -ENOENT;
	if (obj->import)
		return -EINVAL; /* imported objects cannot be mapped through dumb */
	args->offset = obj->mmap_offset;
	return 0;
}

int fdri_ioctl_destroy_dumb(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct drm_mode_destroy_dumb *args = data;

	(void)w; (void)a;
	return fdri_gem_handle_delete(f, args->handle);
}
