/*
 * fdri_uevent.h - uevents in the two netlink formats a NETLINK_KOBJECT_UEVENT
 * socket receives (docs/hotplug.md): the kernel's (group 1,
 * kobject_uevent_env(): "ACTION@DEVPATH" then KEY=VALUE strings) and
 * udevd's (group 2, systemd v252 device_monitor_send_device(): the
 * "libudev" monitor_netlink_header, then the properties).
 *
 * Pure formatting: no state, no I/O. The caller owns every string.
 */
#ifndef FDRI_UEVENT_H
#define FDRI_UEVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FDRI_UEVENT_MAX 2048       /* one event, either format */
#define FDRI_UEVENT_MAX_PROPS 16
#define FDRI_UEVENT_GROUP_KERNEL 1u
#define FDRI_UEVENT_GROUP_UDEV 2u
/* systemd's UDEV_MONITOR_MAGIC, in network order in the header */
#define FDRI_UEVENT_UDEV_MAGIC 0xfeedcafeu
/* sizeof(monitor_netlink_header): its properties_off */
#define FDRI_UEVENT_UDEV_HEADER 40u

struct fdri_uevent {
	const char *action;        /* add, remove, change, bind, unbind */
	const char *devpath;       /* below /sys: /devices/platform/vgem/drm/card0 */
	const char *subsystem;     /* drm, platform */
	const char *devtype;       /* drm_minor, or NULL */
	/* after SUBSYSTEM, in the kernel's order (envp_ext, dev_uevent's
	 * MAJOR, MINOR, DEVNAME, DEVTYPE, DRIVER, the bus's MODALIAS):
	 * "KEY=VALUE" each; DEVNAME= is the kernel's (dri/card0) */
	const char *props[FDRI_UEVENT_MAX_PROPS];
	int nprops;
	/* what udevd adds or changes (group 2 only): DEVNAME is the full
	 * path there, then ID_PATH and the like */
	const char *udev_devname;  /* /dev/dri/card0, or NULL */
	const char *udev_props[FDRI_UEVENT_MAX_PROPS];
	int nudev_props;
	const char *tags[8];       /* udev tags (TAGS=:a:b:), group 2 only */
	int ntags;
	uint64_t seqnum;
	uint64_t usec_initialized; /* udev's USEC_INITIALIZED */
};

/* MurmurHash2 with seed 0, systemd's string_hash32(). */
uint32_t fdri_uevent_hash32(const char *s);
/* systemd's string_bloom64(): four bits of the hash. */
uint64_t fdri_uevent_bloom64(const char *s);

/**
 * fdri_uevent_format() - an event as a monitor of @group receives it.
 * @ev: the event.
 * @group: FDRI_UEVENT_GROUP_KERNEL or FDRI_UEVENT_GROUP_UDEV.
 * @buf: where to write it; @len: its size.
 *
 * Return: the message's length, or -ENOSPC if it does not fit, -EINVAL
 * for another group or an event without action, devpath or subsystem.
 */
ssize_t fdri_uevent_format(const struct fdri_uevent *ev, unsigned int group, char *buf,
			   size_t len);

#endif
