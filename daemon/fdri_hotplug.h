/*
 * fdri_hotplug.h - the daemon's uevents and sysfs writes (docs/hotplug.md).
 *
 * Serves <socket>.hotplug: a NETLINK_KOBJECT_UEVENT socket of a shim
 * client subscribes there (FDRI_HOTPLUG_SUBSCRIBE, fdri_wire.h) and from
 * then on receives every uevent of its groups, in the kernel's or udevd's
 * netlink format (core/fdri_uevent.h); writes to sysfs control files
 * (FDRI_HOTPLUG_SYSFS_WRITE) are handed to the daemon's callback.
 *
 * Lifetimes: struct fdri_hotplug is the daemon's, from fdri_hotplug_start()
 * to fdri_hotplug_stop(), which closes every connection and subscriber. A
 * subscriber lives until its peer (the program's socket) is closed. A
 * watched device's unplug hook points into the fdri_hotplug, so a device
 * is unwatched (fdri_hotplug_unwatch()) before either goes.
 */
#ifndef FDRI_HOTPLUG_H
#define FDRI_HOTPLUG_H

#include <stdint.h>

#include <event2/event.h>

#include "fdri_core.h"
#include "fdri_uevent.h"

struct fdri_hotplug;

/* A write to a sysfs control file: 0 or -errno (the kernel store()'s). */
typedef int (*fdri_sysfs_write_fn)(void *ctx, const char *path, const char *value);

/* Listens on @sock FDRI_HOTPLUG_SUFFIX. Its connections and subscribers
 * are charged to their process's channels in @clients (a reference is
 * taken; NULL: no quota); out of fds it drops connections with @srv's
 * spare fd (fdri_server_accept(); @srv outlives it). NULL with errno on
 * failure. */
struct fdri_server;
struct fdri_clients;
struct fdri_hotplug *fdri_hotplug_start(struct event_base *base, const char *sock,
					struct fdri_server *srv, struct fdri_clients *clients,
					fdri_sysfs_write_fn sysfs_write, void *ctx);
void fdri_hotplug_stop(struct fdri_hotplug *hp);

/* Sends @ev to every subscriber of its groups, without blocking: a
 * subscriber whose socket is full misses it (counted). An event without
 * a seqnum gets the next one (and USEC_INITIALIZED now). @hp NULL: none. */
void fdri_hotplug_emit(struct fdri_hotplug *hp, const struct fdri_uevent *ev);

/**
 * fdri_hotplug_minors_event() - `add` or `remove` of a device's DRM minors.
 * @hp: the hotplug state (NULL: nothing happens).
 * @action: "add" or "remove".
 * @platform: its platform device's name (/sys/devices/platform/<platform>).
 * @minors: the primary and render minors (-1: none).
 *
 * Sends, as the minors' device_add()/device_del() do, one event per minor:
 * `add` render first (drm_dev_register()), `remove` primary first
 * (drm_dev_unregister()).
 */
void fdri_hotplug_minors_event(struct fdri_hotplug *hp, const char *action,
			       const char *platform, const int minors[2]);

/* Watches @dev (whose platform device is @platform, a string that lives as
 * long as the watch): its unplug sends `remove` of its minors. Slot
 * @index < FDRI_HOTPLUG_MAX_DEVS. */
#define FDRI_HOTPLUG_MAX_DEVS 16
void fdri_hotplug_watch(struct fdri_hotplug *hp, unsigned int index, struct fdri_device *dev,
			const char *platform);
void fdri_hotplug_unwatch(struct fdri_hotplug *hp, unsigned int index);

/* Events not delivered because a subscriber's socket was full. */
uint64_t fdri_hotplug_dropped(const struct fdri_hotplug *hp);
/* Subscribers now. */
unsigned int fdri_hotplug_subscribers(const struct fdri_hotplug *hp);

#endif
