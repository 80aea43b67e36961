/*
 * fdri_sysroot.h - the fake /dev and /sys tree the shim redirects into.
 *
 * The daemon writes, under a root directory it owns, exactly what libdrm
 * and IGT read for a platform DRM device: /dev/dri/<nodes>,
 * /sys/dev/char/226:N, /sys/class/drm/<node>,
 * /sys/devices/platform/<dev>/{uevent,subsystem,drm/<node>/{dev,uevent,...}},
 * and a "nodes" file listing each node path with its type and minor, which
 * is how the shim learns the configuration. The tree lives as long as the
 * daemon and is removed by fdri_sysroot_remove().
 *
 * In CUSE mode there are no virtual nodes (the real ones live in /dev):
 * fdri_sysroot_write() is called with none, and each CUSE node, once the
 * kernel has given it a dev_t, is added by fdri_sysroot_add_cuse(): a
 * `cuse PATH TYPE MAJOR MINOR` line in "nodes" and the `device` link that
 * CUSE devices lack, /sys/dev/char/M:m/device -> the fake platform device,
 * whose drm/ directory names the node. The shim redirects only
 * /sys/dev/char/M:m/device (and the platform device) for those dev_ts.
 */
#ifndef FDRI_SYSROOT_H
#define FDRI_SYSROOT_H

#include "fdri_core.h"

#define FDRI_DRM_MAJOR 226
#define FDRI_MAX_NODES 8

struct fdri_node_cfg {
	const char *path;          /* e.g. /dev/dri/card0 */
	enum fdri_node_type type;
	int minor;                 /* from the name (cardN / renderDN), or the type's default */
};

struct fdri_sysroot_cfg {
	const char *root;          /* directory to create */
	const char *devname;       /* platform device name, e.g. "fakedri" */
	struct fdri_node_cfg nodes[FDRI_MAX_NODES];
	int nnodes;
};

/* Fills in the minors from the node names. Returns 0 or -errno. */
int fdri_sysroot_write(struct fdri_sysroot_cfg *cfg);

/* The platform device name of CUSE mode: not a personality's name, so it
 * never shadows a real driver's platform device (e.g. vgem). */
#define FDRI_CUSE_PLATFORM "fakedri"

struct fdri_cuse_sysfs {
	const char *path;          /* the real node, e.g. /dev/dri/card1 */
	enum fdri_node_type type;
	unsigned int major, minor; /* its dev_t, as CUSE allocated it */
};

/* Adds a ready CUSE node under root (written by fdri_sysroot_write() with
 * devname): its sysfs entries, then its line in "nodes", replaced
 * atomically so a shim never reads a partial file. Returns 0 or -errno. */
int fdri_sysroot_add_cuse(const char *root, const char *devname, const struct fdri_cuse_sysfs *n);
void fdri_sysroot_remove(const char *root);

#endif
