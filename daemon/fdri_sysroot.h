/*
 * fdri_sysroot.h - the fake /dev and /sys tree the shim redirects into.
 *
 * The daemon writes, under a root directory it owns, exactly what libdrm
 * and IGT read for platform DRM devices, one platform device per DRM device
 * of the daemon: /dev/dri/<nodes>, /sys/dev/char/226:N, /sys/class/drm/<node>,
 * /sys/devices/platform/<dev>/{uevent,subsystem,drm/<node>/{dev,uevent,...}},
 * and a "nodes" file, which is how the shim learns the configuration. The
 * tree lives as long as the daemon and is removed by fdri_sysroot_remove().
 *
 * The nodes file, one record a line, fields separated by one space:
 *   device INDEX PLATFORM          once per device, before its nodes
 *   PATH TYPE MINOR INDEX          a virtual node of device INDEX
 *   cuse PATH TYPE MAJOR MINOR INDEX   a CUSE node of device INDEX
 *   driver NAME                a platform driver (fdri_sysroot_add_driver())
 * TYPE is "primary" or "render"; INDEX is the device's position in the
 * daemon, 0..n-1, the number a client names the device by. Nodes are listed
 * in device order, so the first primary and render lines are device 0's.
 *
 * Several devices: device i's default nodes are /dev/dri/card<i> and
 * /dev/dri/renderD<128+i> (the lowest free minors from there, if another
 * device took those), plus /dev/fakedri for device 0. Devices that share a
 * name get distinct platform devices the way the kernel names them: the
 * first is <name>, the next <name>.1, <name>.2 and so on, and the uevent's
 * MODALIAS=platform:<platform name> keeps libdrm's bus info distinct (it
 * folds devices with equal bus info into one).
 *
 * In CUSE mode there are no virtual nodes (the real ones live in /dev):
 * fdri_sysroot_write() is called with devices without nodes, and each CUSE
 * node, once the kernel has given it a dev_t, is added by
 * fdri_sysroot_add_cuse(): a `cuse` line in "nodes" and the `device` link
 * that CUSE devices lack, /sys/dev/char/M:m/device -> the fake platform
 * device, whose drm/ directory names the node. The shim redirects only
 * /sys/dev/char/M:m/device (and the platform devices) for those dev_ts.
 */
#ifndef FDRI_SYSROOT_H
#define FDRI_SYSROOT_H

#include "fdri_core.h"

#define FDRI_MAX_DEVICES 8         /* devices of one sysroot */
#define FDRI_MAX_NODES 4           /* virtual nodes of one device */
#define FDRI_PLATFORM_NAME_MAX 64
/* device 0's extra primary node */
#define FDRI_DEFAULT_ALIAS "/dev/fakedri"

struct fdri_node_cfg {
	const char *path;          /* e.g. /dev/dri/card0; NULL: /dev/dri/<name> */
	enum fdri_node_type type;
	/* filled in by fdri_sysroot_write(): */
	int minor;                 /* from a cardN / renderDN path, else the lowest free one */
	char name[16];             /* the sysfs name, card<minor> or renderD<minor> */
};

struct fdri_sysroot_dev {
	const char *devname;       /* e.g. the personality's name, "fakedri" */
	struct fdri_node_cfg nodes[FDRI_MAX_NODES];
	int nnodes;
	/* filled in by fdri_sysroot_write(): /sys/devices/platform/<platform> */
	char platform[FDRI_PLATFORM_NAME_MAX];
};

struct fdri_sysroot_cfg {
	const char *root;          /* directory to create */
	struct fdri_sysroot_dev devs[FDRI_MAX_DEVICES]; /* device i is devs[i] */
	int ndevs;
};

/* Appends a device named devname with the default nodes of the next index
 * (card, render, and for device 0 FDRI_DEFAULT_ALIAS); a caller may then
 * change or drop them. Returns the new device, or NULL when full. */
struct fdri_sysroot_dev *fdri_sysroot_add_dev(struct fdri_sysroot_cfg *cfg, const char *devname);

/* Writes the tree, after filling in the minors, names and platform names.
 * Returns 0 or -errno: -EINVAL for a bad configuration (no devices, a
 * device without a name, two nodes with one path, two devices with one
 * minor). */
int fdri_sysroot_write(struct fdri_sysroot_cfg *cfg);

/* The platform device name of CUSE mode: not a personality's name, so it
 * never shadows a real driver's platform device (e.g. vgem). */
#define FDRI_CUSE_PLATFORM "fakedri"

struct fdri_cuse_sysfs {
	const char *path;          /* the real node, e.g. /dev/dri/card1 */
	enum fdri_node_type type;
	unsigned int major, minor; /* its dev_t, as CUSE allocated it */
};

/* Adds a ready CUSE node of device `device` under root: its sysfs entries
 * under /sys/devices/platform/<platform> (the devs[device].platform that
 * fdri_sysroot_write() chose; created if missing), then its line in
 * "nodes" (and the device's `device` line if missing), the file replaced
 * atomically so a shim never reads a partial file. Returns 0 or -errno. */
int fdri_sysroot_add_cuse(const char *root, int device, const char *platform,
			  const struct fdri_cuse_sysfs *n);
void fdri_sysroot_remove(const char *root);

/*
 * Bind and unbind of a platform device to its driver (docs/hotplug.md), as
 * the daemon's device lifecycle makes them (fdri_daemon.c):
 * - fdri_sysroot_add_driver(): /sys/bus/platform/drivers/<driver>/ with its
 *   bind, unbind and uevent files (mode 0200, as sysfs has them), and a
 *   `driver <driver>` line in "nodes" (the shim redirects that directory).
 * - fdri_sysroot_bind_driver(): the device's `driver` link, the driver's
 *   link to the device and the DRIVER= line of its uevent file, made or
 *   removed.
 * - fdri_sysroot_remove_nodes(): everything of device @index's virtual
 *   nodes (the node files, /sys/class/drm and /sys/dev/char links, its drm/
 *   directory, debugfs directories, udev database entries). Their lines in
 *   "nodes" stay, so a shim started meanwhile still redirects /dev/dri and
 *   finds no node there.
 * - fdri_sysroot_add_nodes(): device @index's @nodes (their minors set;
 *   names are filled in) written as fdri_sysroot_write() writes them, and
 *   their lines in "nodes" in place of the device's old ones.
 * The nodes file is replaced atomically each time. 0 or -errno.
 */
/*
 * What Debian 12's udev rules give a DRM node of platform device
 * @platform, for the udev database (fdri_sysroot.c) and for the events
 * udevd would send (fdri_hotplug.c), so the two cannot differ:
 * - fdri_udev_path_tag(): path_id's ID_PATH_TAG, "platform-<platform>"
 *   with [A-Za-z0-9-] kept, any other run one '_', none trailing, into
 *   @out (truncated to @len);
 * - fdri_udev_tags(): the tags of 70-uaccess.rules and 71-seat.rules
 *   (seat, uaccess; master-of-seat for a primary node), NULL-terminated,
 *   static.
 */
void fdri_udev_path_tag(char *out, size_t len, const char *platform);
const char *const *fdri_udev_tags(enum fdri_node_type type);

int fdri_sysroot_add_driver(const char *root, const char *driver);
int fdri_sysroot_bind_driver(const char *root, const char *platform, const char *driver,
			     bool bound);
int fdri_sysroot_remove_nodes(const char *root, int index, const char *platform);
int fdri_sysroot_add_nodes(const char *root, int index, const char *platform,
			   struct fdri_node_cfg *nodes, int nnodes);

#endif
