/*
 * test_devices.c - the devices of one daemon as libdrm lists them: every
 * device drmGetDevices2 reports has a primary and a render node, device i's
 * are /dev/dri/card<i> and /dev/dri/renderD<128+i>, and each node's fd is
 * named and identified as that device's (drmGetDeviceNameFromFd2,
 * drmGetDevice2, and the driver through DRM_IOCTL_VERSION).
 *
 * What to expect comes from the environment, so one program serves a
 * daemon of one device (the defaults) and `fakedri run --device vgem
 * --device fakedri`: FAKEDRI_TEST_NDEVICES (default 1) is how many devices
 * drmGetDevices2 must report, FAKEDRI_TEST_DRIVERS (e.g. "vgem,fakedri";
 * unset: not checked) the driver of device 0, 1, ... The case "list" only
 * prints what libdrm sees, for a look by hand.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_DEVICES 16

static int expected_devices(void)
{
	return atoi(itest_path_env("FAKEDRI_TEST_NDEVICES", "1"));
}

/* device i's expected driver name, or NULL when not told */
static const char *expected_driver(int i, char *buf, size_t len)
{
	const char *list = getenv("FAKEDRI_TEST_DRIVERS"), *p = list;
	size_t l;

	if (!list || !*list)
		return NULL;
	for (int k = 0; k < i && p; k++)
		p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
	CHECK(p != NULL); /* FAKEDRI_TEST_DRIVERS names every device */
	l = strcspn(p, ",");
	CHECK(l < len);
	memcpy(buf, p, l);
	buf[l] = '\0';
	return buf;
}

static void list(void)
{
	drmDevicePtr devs[MAX_DEVICES];
	int n = drmGetDevices2(0, devs, MAX_DEVICES);

	CHECK(n >= 0);
	printf("%d device(s)\n", n);
	for (int i = 0; i < n; i++) {
		drmDevicePtr d = devs[i];

		printf("device %d: bus %d%s%s\n", i, d->bustype,
		       d->bustype == DRM_BUS_PLATFORM ? " platform " : "",
		       d->bustype == DRM_BUS_PLATFORM ? d->businfo.platform->fullname : "");
		for (int t = 0; t < DRM_NODE_MAX; t++)
			if (d->available_nodes & (1 << t))
				printf("  node %d: %s\n", t, d->nodes[t]);
	}
	drmFreeDevices(devs, n);
}

static void lists_every_device_with_both_nodes(void)
{
	drmDevicePtr devs[MAX_DEVICES];
	int n = drmGetDevices2(0, devs, MAX_DEVICES);

	CHECK_EQ(n, expected_devices());
	for (int i = 0; i < n; i++) {
		CHECK(devs[i]->available_nodes & (1 << DRM_NODE_PRIMARY));
		CHECK(devs[i]->available_nodes & (1 << DRM_NODE_RENDER));
		for (int j = 0; j < i; j++)
			CHECK(!drmDevicesEqual(devs[i], devs[j]));
	}
	drmFreeDevices(devs, n);
}

/* device i is card<i> with renderD<128+i> */
static void device_i_has_card_i_and_render_128_plus_i(void)
{
	drmDevicePtr devs[MAX_DEVICES];
	int n = drmGetDevices2(0, devs, MAX_DEVICES);

	CHECK_EQ(n, expected_devices());
	for (int i = 0; i < n; i++) {
		char card[32], render[32];
		int found = 0;

		snprintf(card, sizeof(card), "/dev/dri/card%d", i);
		snprintf(render, sizeof(render), "/dev/dri/renderD%d", 128 + i);
		for (int k = 0; k < n; k++) {
			if (!(devs[k]->available_nodes & (1 << DRM_NODE_PRIMARY)) ||
			    strcmp(devs[k]->nodes[DRM_NODE_PRIMARY], card))
				continue;
			found++;
			CHECK_STR(devs[k]->nodes[DRM_NODE_RENDER], render);
		}
		CHECK_EQ(found, 1);
	}
	drmFreeDevices(devs, n);
}

/* an fd of each node: its name, its device, its driver */
static void each_node_fd_names_its_node_and_device(void)
{
	drmDevicePtr devs[MAX_DEVICES];
	int n = drmGetDevices2(0, devs, MAX_DEVICES);

	CHECK_EQ(n, expected_devices());
	for (int i = 0; i < n; i++) {
		static const int types[] = { DRM_NODE_PRIMARY, DRM_NODE_RENDER };
		char buf[64];
		const char *driver;
		int index;

		/* the device's index, from its card node */
		CHECK(sscanf(devs[i]->nodes[DRM_NODE_PRIMARY], "/dev/dri/card%d", &index) == 1);
		driver = expected_driver(index, buf, sizeof(buf));
		for (int t = 0; t < 2; t++) {
			const char *path = devs[i]->nodes[types[t]];
			int fd = itest_open(path);
			drmDevicePtr d = NULL;
			drmVersionPtr v;
			char *name = drmGetDeviceNameFromFd2(fd);

			CHECK_STR(name, path);
			free(name);
			CHECK_EQ(drmGetNodeTypeFromFd(fd), types[t]);
			CHECK_EQ(drmGetDevice2(fd, 0, &d), 0);
			CHECK(drmDevicesEqual(d, devs[i]));
			drmFreeDevice(&d);
			v = drmGetVersion(fd);
			CHECK(v != NULL);
			if (driver)
				CHECK_STR(v->name, driver);
			drmFreeVersion(v);
			close(fd);
		}
	}
	drmFreeDevices(devs, n);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "list", list },
		{ "lists_every_device_with_both_nodes", lists_every_device_with_both_nodes },
		{ "device_i_has_card_i_and_render_128_plus_i", device_i_has_card_i_and_render_128_plus_i },
		{ "each_node_fd_names_its_node_and_device", each_node_fd_names_its_node_and_device },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
