/*
 * test_unplug.c - drm_dev_unplug() (fdri_device_unplug(), Documentation/
 * gpu/drm-uapi.rst "Device Hot-Unplug"): ioctls on open files fail with
 * ENODEV, opens with ENXIO and mmaps of the DRM fd with ENODEV, while
 * existing mappings, dma-bufs and fence fds keep working, files are
 * released normally, and the daemon's other devices are unaffected. Run on
 * each personality (fakedri and vgem).
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>
#include <linux/sync_file.h>

#include "fdri_fdobj.h"
#include "fdri_wire.h"

typedef void (*unplug_test)(struct fx *fx, struct fdri_device *dev);

static void on_each_personality(void **state, unplug_test fn)
{
	struct fx *fx = *state;

	fn(fx, fx->dev);
	fn(fx, fx_vgem_device(fx));
}

static void ioctls(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32);
	struct drm_version v = { 0 };
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };
	uint32_t name;

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	fdri_device_unplug(dev);
	assert_true(dev->unplugged);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), -ENODEV);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_MODE_CREATE_DUMB, &c), -ENODEV);
	assert_int_equal(fx_flink(fx, f, h, &name), -ENODEV);
	/* even a command the device does not know: the check comes first */
	assert_int_equal(fx_ioctl(fx, f, DRM_IOWR(0xbf, struct drm_version), &v), -ENODEV);
	assert_int_equal(fx_gem_close(fx, f, h), -ENODEV);
	/* the object lives until the file is released */
	assert_int_equal(dev->stats.objects, 1);
	fx_close(fx, f);
	assert_int_equal(dev->stats.objects, 0);
	assert_int_equal(dev->stats.files_open, 0);
}

static void ioctls_on_open_files_fail_with_enodev(void **state)
{
	on_each_personality(state, ioctls);
}

static void opens(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f;
	int err = 0;

	fdri_device_unplug(dev);
	f = fdri_file_open(dev, FDRI_NODE_PRIMARY, &fx->user, O_RDWR, &err);
	assert_null(f);
	assert_int_equal(err, -ENXIO);
	err = 0;
	f = fdri_file_open(dev, FDRI_NODE_RENDER, &fx->user, O_RDWR, &err);
	assert_null(f);
	assert_int_equal(err, -ENXIO);
	assert_int_equal(dev->stats.files_open, 0);
	/* no client was left behind by the refused opens */
	assert_int_equal(dev->clients->by_tgid.count, 0);
}

static void opening_an_unplugged_device_fails_with_enxio(void **state)
{
	on_each_personality(state, opens);
}

static void mmaps(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32);
	uint64_t off = fx_map_dumb(fx, f, h);
	int memfd = -1, again = -1;

	/* a mapping made before ... */
	assert_int_equal(fdri_file_mmap(f, off, 4096, &memfd), 0);
	fx_bo_write(f, h, 0, "before", 7);
	fdri_device_unplug(dev);
	/* ... keeps its memory (no SIGBUS): the backing stays open */
	assert_false(fx_inode_of(&fx->host, memfd)->closed);
	assert_memory_equal(fx_inode_of(&fx->host, memfd)->mem, "before", 7);
	/* a new mapping of the DRM fd is refused */
	assert_int_equal(fdri_file_mmap(f, off, 4096, &again), -ENODEV);
	assert_int_equal(again, -1);
	fx_close(fx, f);
}

static void mmap_of_the_drm_fd_fails_with_enodev_and_mappings_stay(void **state)
{
	on_each_personality(state, mmaps);
}

static void dmabufs(struct fx *fx, struct fdri_device *dev)
{
	struct fdri_device *other = fx_second_device(fx);
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_PRIMARY, &fx->user);
	struct fdri_file *g = fx_open_on(fx, other, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32), h2;
	char buf[8] = { 0 };
	int fd = -1;

	fx_bo_write(f, h, 0, "shared", 7);
	assert_int_equal(fx_export(fx, f, h, DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	fd = fx_client_dup(&fx->host, fd); /* what the client received */
	fdri_device_unplug(dev);
	/* the dma-buf still works: another device imports it and sees its data */
	assert_int_equal(fx_import(fx, g, fd, &h2), 0);
	/* (its first use opens the dma-buf's memory) */
	assert_true(fdri_gem_backing(fdri_gem_lookup(g, h2)) >= 0);
	fx_bo_read(g, h2, 0, buf, 7);
	assert_string_equal(buf, "shared");
	assert_int_equal(fx_gem_close(fx, g, h2), 0);
	fx_client_close(&fx->host, fd);
	fx_close(fx, f);
	fx_close(fx, g);
}

static void dmabufs_keep_working_on_other_devices(void **state)
{
	on_each_personality(state, dmabufs);
}

#include "fdri_sw_sync_abi.h"

static int on_fd(struct fx *fx, struct fdri_device *dev, int fd, unsigned int cmd, void *arg,
		 int *out_fd)
{
	int err;
	struct fdri_fdobj *obj = fdri_fdobj_lookup(dev->fdobjs, fd, NULL, &err);

	assert_non_null(obj);
	return fdri_ioctl_direct_target(dev, FDRI_TARGET_FDOBJ, obj, &fx->user, cmd, arg, -1,
					out_fd);
}

static void fence_fds_keep_working_after_unplug(void **state)
{
	struct fx *fx = *state;
	struct fdri_sw_sync_open o = { 0 };
	struct sw_sync_create_fence_data c = { .value = 1 };
	struct sync_file_info info;
	uint32_t one = 1;
	int tl = -1, sf = -1;

	assert_int_equal(fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_NONE, NULL, &fx->user,
						  FDRI_IOCTL_SW_SYNC_OPEN, &o, -1, &tl), 0);
	tl = fx_take(&fx->host, tl);
	assert_int_equal(on_fd(fx, fx->dev, tl, SW_SYNC_IOC_CREATE_FENCE, &c, &sf), 0);
	sf = fx_take(&fx->host, sf);
	fdri_device_unplug(fx->dev);
	assert_int_equal(on_fd(fx, fx->dev, tl, SW_SYNC_IOC_INC, &one, NULL), 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(on_fd(fx, fx->dev, sf, SYNC_IOC_FILE_INFO, &info, NULL), 0);
	assert_int_equal(info.status, 1);
	fx_client_close(&fx->host, sf);
	fx_client_close(&fx->host, tl);
}

static void other_devices_are_unaffected(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *other = fx_second_device(fx);
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *g = fx_open_on(fx, other, FDRI_NODE_RENDER, &fx->user);
	struct drm_version v = { 0 };

	fdri_device_unplug(fx->dev);
	assert_false(other->unplugged);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), -ENODEV);
	assert_int_equal(fx_ioctl(fx, g, DRM_IOCTL_VERSION, &v), 0);
	fx_gem_close(fx, g, fx_gem_create(fx, g, 4096));
	fx_open_on(fx, other, FDRI_NODE_PRIMARY, &fx->user);
}

static void unplug_is_idempotent(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_version v = { 0 };

	fdri_device_unplug(fx->dev);
	fdri_device_unplug(fx->dev);
	assert_true(fx->dev->unplugged);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(ioctls_on_open_files_fail_with_enodev),
		FX_TEST(opening_an_unplugged_device_fails_with_enxio),
		FX_TEST(mmap_of_the_drm_fd_fails_with_enodev_and_mappings_stay),
		FX_TEST(dmabufs_keep_working_on_other_devices),
		FX_TEST(fence_fds_keep_working_after_unplug),
		FX_TEST(other_devices_are_unaffected),
		FX_TEST(unplug_is_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
