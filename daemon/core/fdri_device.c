/*
 * fdri_device.c - the device: creation, teardown and the personality table.
 *
 * The device owns the global tables (flink names, mmap offsets, known
 * dma-bufs) and the current master. It is created once per daemon and
 * outlives every file; fdri_device_destroy() expects all files closed.
 */
#include "fdri_ioctl.h"
#include "fdri_fdobj.h"
#include "fdri_gpu.h"
#include "fdri_fault.h"
#include "fdri_vgem_fence.h"

#include <stdlib.h>
#include <string.h>

extern const struct fdri_personality fdri_personality_fakedri;
extern const struct fdri_personality fdri_personality_vgem;

static const struct fdri_personality *const personalities[] = {
	&fdri_personality_fakedri,
	&fdri_personality_vgem,
};

/* NULL selects the default, "fakedri". */
const struct fdri_personality *fdri_personality_find(const char *name)
{
	if (!name)
		return personalities[0];
	for (size_t i = 0; i < sizeof(personalities) / sizeof(personalities[0]); i++)
		if (!strcmp(personalities[i]->name, name))
			return personalities[i];
	return NULL;
}

struct fdri_device *fdri_device_create(const struct fdri_personality *pers,
				       const struct fdri_host_ops *host, void *host_ctx,
				       uint64_t instance)
{
	struct fdri_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->pers = pers;
	dev->host = host;
	dev->host_ctx = host_ctx;
	dev->instance = instance;
	dev->clients = fdri_clients_create();
	dev->fdobjs = fdri_fdobjs_create(host, host_ctx);
	if (!dev->clients || !dev->fdobjs ||
	    fdri_range_init(&dev->offset_space, FDRI_MMAP_OFFSET_START, FDRI_MMAP_OFFSET_SIZE)) {
		fdri_clients_put(dev->clients);
		fdri_fdobjs_put(dev->fdobjs);
		free(dev);
		return NULL;
	}
	fdri_idr_init(&dev->names);
	fdri_map_init(&dev->offsets);
	fdri_map_init(&dev->dmabufs);
	fdri_map_init(&dev->objs_by_ino);
	fdri_list_init(&dev->test_waiters);
	fdri_list_init(&dev->files);
	dev->minors[0] = dev->minors[1] = -1;
	fdri_list_add_tail(&dev->fdobjs->devices, &dev->peer_link);
	return dev;
}

void fdri_device_destroy(struct fdri_device *dev)
{
	if (!dev)
		return;
	fdri_gpu_destroy(dev);  /* first: its jobs hold objects */
	if (dev->unplug_timer.host)
		dev->host->timer_fini(dev->host_ctx, &dev->unplug_timer);
	fdri_master_put(&dev->master);
	fdri_idr_fini(&dev->names);
	fdri_map_fini(&dev->offsets);
	fdri_range_fini(&dev->offset_space);
	fdri_map_fini(&dev->dmabufs);
	fdri_map_fini(&dev->objs_by_ino);
	fdri_clients_put(dev->clients);
	fdri_list_del(&dev->peer_link);
	fdri_fdobjs_put(dev->fdobjs);
	fdri_faults_put(dev->faults);
	free(dev);
}

void fdri_device_set_fdobjs(struct fdri_device *dev, struct fdri_fdobjs *reg)
{
	fdri_fdobjs_get(reg);
	fdri_list_del(&dev->peer_link);
	fdri_fdobjs_put(dev->fdobjs);
	dev->fdobjs = reg;
	fdri_list_add_tail(&reg->devices, &dev->peer_link);
}

void fdri_device_set_clients(struct fdri_device *dev, struct fdri_clients *reg)
{
	fdri_clients_get(reg);
	fdri_clients_put(dev->clients);
	dev->clients = reg;
}

void fdri_device_set_identity(struct fdri_device *dev, const char *bus_name, int primary_minor,
			      int render_minor)
{
	dev->bus_name = bus_name;
	dev->minors[0] = primary_minor;
	dev->minors[1] = render_minor;
}

const char *fdri_device_bus_name(const struct fdri_device *dev)
{
	return dev->bus_name && *dev->bus_name ? dev->bus_name : dev->pers->unique;
}

int fdri_device_minor(const struct fdri_device *dev, enum fdri_node_type type)
{
	if (type != FDRI_NODE_TYPE_PRIMARY && type != FDRI_NODE_TYPE_RENDER)
		return -1;
	return dev->minors[type == FDRI_NODE_TYPE_RENDER];
}

/**
 * fdri_device_set_faults() - the fault registry the device's sites ask.
 * @dev: the device.
 * @reg: the registry (a reference is taken), or NULL for none.
 *
 * Drops the reference on the registry the device had.
 */
void fdri_device_set_faults(struct fdri_device *dev, struct fdri_faults *reg)
{
	if (reg)
		fdri_faults_get(reg);
	fdri_faults_put(dev->faults);
	dev->faults = reg;
}

/**
 * fdri_device_unplug() - drm_dev_unplug(): the device is gone.
 * @dev: the device.
 *
 * From now on its files' ioctls fail with ENODEV, opens with ENXIO and
 * DRM-fd mmaps with ENODEV; its pending GPU jobs and vgem fences are
 * force-signalled with -ENODEV. Mappings, dma-bufs and fence fds keep
 * working; the unplug hook, if any, is told (the daemon's `remove`
 * uevents). Idempotent.
 */
void fdri_device_unplug(struct fdri_device *dev)
{
	if (dev->unplugged)
		return;
	dev->unplugged = true;
	fdri_gpu_unplug(dev);
	fdri_vgem_fence_unplug(dev);
	if (dev->unplug_hook)
		dev->unplug_hook(dev, dev->unplug_hook_priv);
}
