/*
 * fdri_perm.h - the node permission table the daemon publishes for the
 * shim (socket mode; docs/security.md).
 *
 * Each virtual node has an owner, a group and a mode. Nodes of one device
 * and type share them (/dev/fakedri is a hard link of card0, so to speak):
 * the daemon keeps one record per (device, node type) in a file of the
 * sysroot, <root>/perms, which it maps shared and read-write and the shim
 * maps read-only, so stat() costs no round trip. The daemon is the only
 * writer (one thread, its event loop); a record is a seqlock: seq is odd
 * while the daemon writes it, and a reader retries until it reads the same
 * even seq before and after the fields. The file lives as long as the
 * sysroot (removed with it).
 */
#ifndef FDRI_PERM_H
#define FDRI_PERM_H

#include <stdint.h>

#define FDRI_PERM_FILE "perms"
#define FDRI_PERM_MAGIC 0x32727066u /* "fpr2": change with the layout */
#define FDRI_PERM_MAX_DEVICES 8     /* FDRI_MAX_DEVICES */

struct fdri_perm_rec {
	uint32_t seq;      /* seqlock; 0: no node of this device and type */
	uint32_t mode;     /* permission bits, 07777 */
	uint32_t uid;
	uint32_t gid;
};

struct fdri_perm_table {
	uint32_t magic;
	uint32_t ndevs;
	uint32_t seat_uid;   /* the daemon's user: the uaccess ACL entry's */
	uint32_t pad;
	/* [device][0]: primary nodes, [device][1]: render nodes */
	struct fdri_perm_rec rec[FDRI_PERM_MAX_DEVICES][2];
};

static inline int fdri_perm_slot(unsigned int node_type)
{
	return node_type == 2 /* FDRI_NODE_RENDER */;
}

#endif
