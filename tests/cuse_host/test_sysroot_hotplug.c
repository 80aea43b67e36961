/*
 * test_sysroot_hotplug.c - the sysroot side of unbind and bind
 * (fdri_sysroot.c, docs/hotplug.md): a device's driver files and links,
 * its nodes removed on unbind (files, /sys links, drm/ directory, debugfs,
 * udev database) with its node lines kept, and new nodes on bind replacing
 * its lines in "nodes" in device order. No daemon runs.
 *
 * Owns a temporary directory, removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdri_sysroot.h"

static int fails;

#define CHECK(c) do { \
	if (!(c)) { \
		fails++; \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
	} \
} while (0)

static char root[PATH_MAX];

static bool has(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	return lstat(p, &st) == 0;
}

static mode_t mode_of(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static const char *link_of(const char *rel)
{
	static char out[PATH_MAX];
	char p[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	n = readlink(p, out, sizeof(out) - 1);
	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static const char *read_rel(const char *rel)
{
	static char out[4096];
	char p[PATH_MAX];
	FILE *f;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "r");
	if (f) {
		n = fread(out, 1, sizeof(out) - 1, f);
		fclose(f);
	}
	out[n] = '\0';
	return out;
}

int main(void)
{
	struct fdri_sysroot_cfg cfg = { 0 };
	struct fdri_node_cfg nodes[2] = { { .type = FDRI_NODE_PRIMARY, .minor = 2 },
					  { .type = FDRI_NODE_RENDER, .minor = 130 } };
	char tmpl[] = "/tmp/fakedri-sysroot-hotplug.XXXXXX";

	if (!mkdtemp(tmpl))
		return 1;
	snprintf(root, sizeof(root), "%s/root", tmpl);
	cfg.root = root;
	fdri_sysroot_add_dev(&cfg, "vgem");
	fdri_sysroot_add_dev(&cfg, "fakedri");
	CHECK(fdri_sysroot_write(&cfg) == 0);
	CHECK(fdri_sysroot_add_driver(root, "fakedri") == 0);
	CHECK(fdri_sysroot_add_driver(root, "fakedri") == 0); /* once is enough */
	CHECK(fdri_sysroot_bind_driver(root, "fakedri", "fakedri", true) == 0);

	/* bound: the driver's files, both links, DRIVER= first in uevent */
	CHECK(mode_of("/sys/bus/platform/drivers/fakedri/bind") == 0200);
	CHECK(mode_of("/sys/bus/platform/drivers/fakedri/unbind") == 0200);
	CHECK(!strcmp(link_of("/sys/devices/platform/fakedri/driver"),
		      "../../../bus/platform/drivers/fakedri"));
	CHECK(!strcmp(link_of("/sys/bus/platform/drivers/fakedri/fakedri"),
		      "../../../../devices/platform/fakedri"));
	CHECK(has("/sys/bus/platform/drivers/fakedri/fakedri/drm/card1/dev"));
	CHECK(!strcmp(read_rel("/sys/devices/platform/fakedri/uevent"),
		      "DRIVER=fakedri\nMODALIAS=platform:fakedri\n"));
	CHECK(!has("/sys/devices/platform/vgem/driver"));
	CHECK(strstr(read_rel("/nodes"), "driver fakedri\n") != NULL);
	CHECK(strstr(read_rel("/nodes"), "driver fakedri\ndriver") == NULL);

	/* unbind: device 1's nodes go, device 0's stay, the lines stay */
	CHECK(fdri_sysroot_remove_nodes(root, 1, "fakedri") == 0);
	CHECK(fdri_sysroot_bind_driver(root, "fakedri", "fakedri", false) == 0);
	CHECK(!has("/dev/dri/card1") && !has("/dev/dri/renderD129"));
	CHECK(!has("/sys/class/drm/card1") && !has("/sys/class/drm/renderD129"));
	CHECK(!has("/sys/dev/char/226:1") && !has("/sys/dev/char/226:129"));
	CHECK(!has("/sys/devices/platform/fakedri/drm"));
	CHECK(!has("/sys/kernel/debug/dri/1") && !has("/sys/kernel/debug/dri/129"));
	CHECK(!has("/run/udev/data/c226:1") && !has("/run/udev/tags/uaccess/c226:1"));
	CHECK(!has("/sys/devices/platform/fakedri/driver"));
	CHECK(!has("/sys/bus/platform/drivers/fakedri/fakedri"));
	CHECK(!strcmp(read_rel("/sys/devices/platform/fakedri/uevent"),
		      "MODALIAS=platform:fakedri\n"));
	CHECK(has("/dev/dri/card0") && has("/sys/class/drm/renderD128") &&
	      has("/run/udev/data/c226:0") && has("/sys/devices/platform/vgem/drm/card0"));
	CHECK(strstr(read_rel("/nodes"), "/dev/dri/card1 primary 1 1\n") != NULL);

	/* bind with other minors: its lines replaced, after device 0's */
	CHECK(fdri_sysroot_add_nodes(root, 1, "fakedri", nodes, 2) == 0);
	CHECK(fdri_sysroot_bind_driver(root, "fakedri", "fakedri", true) == 0);
	CHECK(has("/dev/dri/card2") && has("/dev/dri/renderD130"));
	CHECK(!strcmp(link_of("/sys/class/drm/card2"), "../../devices/platform/fakedri/drm/card2"));
	CHECK(!strcmp(read_rel("/sys/devices/platform/fakedri/drm/renderD130/dev"), "226:130\n"));
	CHECK(has("/run/udev/data/c226:130") && has("/sys/kernel/debug/dri/2/name"));
	CHECK(!strcmp(nodes[0].name, "card2") && !strcmp(nodes[1].name, "renderD130"));
	CHECK(strstr(read_rel("/nodes"), "/dev/dri/card1 ") == NULL);
	CHECK(strstr(read_rel("/nodes"), "/dev/dri/card2 primary 2 1\n"
					 "/dev/dri/renderD130 render 130 1\n") != NULL);
	CHECK(strstr(read_rel("/nodes"), "/dev/dri/renderD128 render 128 0\n") <
	      strstr(read_rel("/nodes"), "/dev/dri/card2 "));
	CHECK(!has("/dev/dri/card1"));
	CHECK(fdri_sysroot_add_nodes(root, 1, "fakedri", nodes, FDRI_MAX_NODES + 1) == -EINVAL);

	fdri_sysroot_remove(tmpl);
	if (fails)
		fprintf(stderr, "%d checks failed\n", fails);
	return fails ? 1 : 0;
}
