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
void fdri_sysroot_remove(const char *root);

#endif
