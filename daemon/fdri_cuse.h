/*
 * fdri_cuse.h - the CUSE transport: real character devices (/dev/fakedri,
 * /dev/dri/cardN, ...) served by libfuse3's CUSE lowlevel API from the
 * daemon's libevent loop. Any program, static or not, can open them and
 * issue ioctls. One CUSE session per node. Every open of a node is one DRM
 * file, owned by the CUSE open file and released on its last close.
 */
#ifndef FDRI_CUSE_H
#define FDRI_CUSE_H

#include <event2/event.h>
#include <sys/types.h>

#include "fdri_core.h"

struct fdri_server;

struct fdri_cuse_node_cfg {
	int device;                /* index of the daemon's device it serves */
	const char *devname;       /* relative to /dev, e.g. "fakedri", "dri/card1" */
	enum fdri_node_type type;
	int minor;                 /* dev_minor asked of CUSE; -1: from the name */
	mode_t mode;               /* applied in init_done */
	gid_t gid;                 /* (gid_t)-1: leave as created */
};

struct fdri_cuse;

/* Starts one CUSE device. fd: an open /dev/cuse, or -1 to open it. The
 * server (may be NULL) serves shim connections that bind to CUSE files. */
struct fdri_cuse *fdri_cuse_start(struct event_base *base, struct fdri_device *dev,
				  struct fdri_server *srv, const char *sock_path,
				  const struct fdri_cuse_node_cfg *cfg, int fd);
void fdri_cuse_stop(struct fdri_cuse *c);
/* Called once the kernel has created the node (CUSE init done) and it was
 * found in /dev, with its dev_t: the daemon then publishes it in the
 * sysroot for the shim. Set it before the loop runs. */
typedef void (*fdri_cuse_ready_fn)(void *ctx, const struct fdri_cuse_node_cfg *cfg, dev_t rdev);
void fdri_cuse_set_ready(struct fdri_cuse *c, fdri_cuse_ready_fn fn, void *ctx);
/* Parses [DEVICE:]DEVNAME:TYPE[:MODE[:GROUP]] (DEVICE: the index of the
 * daemon's device, default 0); returns 0 or -1. */
int fdri_cuse_parse_node(const char *spec, struct fdri_cuse_node_cfg *cfg);
/* Looks a binding token up among all CUSE devices: the DRM file, or NULL. */
struct fdri_file *fdri_cuse_lookup_token(const uint64_t token[2]);

#endif
