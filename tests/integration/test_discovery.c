/*
 * test_discovery.c - what libdrm's discovery sees: drmGetDevices2 and
 * drmGetDevice2, node types and names from an fd, /proc/self/fd links and
 * reopens, and stat()/fstat() of the nodes.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void get_devices2_lists_card_and_render(void)
{
	drmDevicePtr devs[16];
	int n = drmGetDevices2(0, devs, 16), found = 0;

	CHECK(n >= 1);
	for (int i = 0; i < n; i++) {
		drmDevicePtr d = devs[i];

		if (!(d->available_nodes & (1 << DRM_NODE_PRIMARY)) ||
		    strcmp(d->nodes[DRM_NODE_PRIMARY], ITEST_CARD))
			continue;
		found++;
		CHECK(d->available_nodes & (1 << DRM_NODE_RENDER));
		CHECK_STR(d->nodes[DRM_NODE_RENDER], ITEST_RENDER);
	}
	CHECK_EQ(found, 1);
	drmFreeDevices(devs, n);
	/* a NULL array asks for the count */
	CHECK_EQ(drmGetDevices2(0, NULL, 0), n);
}

static void get_device2_from_either_node_is_one_device(void)
{
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER);
	drmDevicePtr a = NULL, b = NULL;

	CHECK_EQ(drmGetDevice2(card, 0, &a), 0);
	CHECK_EQ(drmGetDevice2(render, 0, &b), 0);
	CHECK(drmDevicesEqual(a, b));
	CHECK_STR(a->nodes[DRM_NODE_PRIMARY], ITEST_CARD);
	CHECK_STR(b->nodes[DRM_NODE_RENDER], ITEST_RENDER);
	drmFreeDevice(&a);
	drmFreeDevice(&b);
	close(card);
	close(render);
}

static void node_type_from_fd(void)
{
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER);
	int alias = itest_open(ITEST_ALIAS);

	CHECK_EQ(drmGetNodeTypeFromFd(card), DRM_NODE_PRIMARY);
	CHECK_EQ(drmGetNodeTypeFromFd(render), DRM_NODE_RENDER);
	CHECK_EQ(drmGetNodeTypeFromFd(alias), DRM_NODE_PRIMARY);
	close(card);
	close(render);
	close(alias);
}

static void render_device_name_from_card_fd(void)
{
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER);
	char *name = drmGetRenderDeviceNameFromFd(card);

	CHECK_STR(name, ITEST_RENDER);
	free(name);
	name = drmGetDeviceNameFromFd2(render);
	CHECK_STR(name, ITEST_RENDER);
	free(name);
	name = drmGetPrimaryDeviceNameFromFd(render);
	CHECK_STR(name, ITEST_CARD);
	free(name);
	close(card);
	close(render);
}

static void proc_fd_link_names_node(void)
{
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER);
	char path[64], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", card);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = '\0';
	CHECK_STR(link, ITEST_CARD);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", render);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = '\0';
	CHECK_STR(link, ITEST_RENDER);
	close(card);
	close(render);
}

static void proc_fd_reopen_is_new_drm_file(void)
{
	struct drm_fakedri_device_stats st;
	struct drm_gem_close cl = { 0 };
	int card = itest_open(ITEST_CARD), again;
	char path[64];

	cl.handle = itest_gem_create(card, 4096);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", card);
	again = open(path, O_RDWR | O_CLOEXEC);
	CHECK(again >= 0);
	CHECK_EQ(drmGetNodeTypeFromFd(again), DRM_NODE_PRIMARY);
	itest_stats(again, &st);
	CHECK_EQ(st.files, 2);
	CHECK_ERR(drmIoctl(again, DRM_IOCTL_GEM_CLOSE, &cl), EINVAL); /* unknown there */
	CHECK_EQ(drmIoctl(card, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	close(card);
	close(again);
	itest_check_device_clean();
}

static void check_stat_agrees(const char *path, unsigned minor_nr)
{
	struct stat a, b;
	int fd = itest_open(path);

	CHECK_EQ(stat(path, &a), 0);
	CHECK_EQ(fstat(fd, &b), 0);
	CHECK(S_ISCHR(a.st_mode) && S_ISCHR(b.st_mode));
	CHECK_EQ(major(a.st_rdev), 226);
	CHECK_EQ(minor(a.st_rdev), minor_nr);
	CHECK_EQ(a.st_rdev, b.st_rdev);
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
	close(fd);
}

static void stat_and_fstat_agree(void)
{
	check_stat_agrees(ITEST_CARD, 0);
	check_stat_agrees(ITEST_RENDER, 128);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "get_devices2_lists_card_and_render", get_devices2_lists_card_and_render },
		{ "get_device2_from_either_node_is_one_device", get_device2_from_either_node_is_one_device },
		{ "node_type_from_fd", node_type_from_fd },
		{ "render_device_name_from_card_fd", render_device_name_from_card_fd },
		{ "proc_fd_link_names_node", proc_fd_link_names_node },
		{ "proc_fd_reopen_is_new_drm_file", proc_fd_reopen_is_new_drm_file },
		{ "stat_and_fstat_agree", stat_and_fstat_agree },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
