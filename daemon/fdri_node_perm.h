/*
 * fdri_node_perm.h - owner, group and mode of the socket mode's virtual
 * nodes, their checks on open (the kernel's generic_permission()) and on
 * chmod/chown (setattr_prepare()), and the table the shim reads them from
 * (common/fdri_perm.h). docs/security.md describes the model.
 */
#ifndef FDRI_NODE_PERM_H
#define FDRI_NODE_PERM_H

#include <stdbool.h>
#include <sys/types.h>

#include "fdri_sysroot.h"
#include "fdri_wire.h"

struct fdri_node_perms;

/* A peer's credentials as the kernel checks them: SO_PEERCRED's effective
 * uid and gid and SO_PEERGROUPS' supplementary groups, all of the time it
 * connected (as the kernel checks a file's opener at open). */
struct fdri_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t *groups;             /* small, or malloc'ed when it is too short */
	gid_t small[64];
};

/* Reads @fd's peer credentials into @p. Returns 0 or -errno; release
 * with fdri_peer_release(). */
int fdri_peer_get(int fd, struct fdri_peer *p);
void fdri_peer_release(struct fdri_peer *p);
/* Is @gid the peer's gid or one of its supplementary groups? */
bool fdri_peer_in_group(const struct fdri_peer *p, gid_t gid);

/* Checks --node-perm SPEC, PATH:MODE[:OWNER[:GROUP]], without resolving
 * PATH. Returns 0 or -1 (the caller reports it). */
int fdri_node_perm_check_spec(const char *spec);
/* The option's one-line description of its syntax, for error messages. */
extern const char fdri_node_perm_syntax[];
/* The option parser's check of --node-perm @val: 0, or -1 having reported
 * the option, the value and the syntax in one line. */
int fdri_node_perm_check_opt(const char *opt, const char *val);

/*
 * Creates <cfg->root>/perms for the nodes of @cfg (written by
 * fdri_sysroot_write()) with the defaults (Debian 12's udev rules: card
 * root:video 0660, render root:render 0660), then applies @specs in order
 * (a later one wins); a spec naming no node of @cfg is an error. Returns
 * the table, or NULL having logged why.
 */
struct fdri_node_perms *fdri_node_perms_create(const struct fdri_sysroot_cfg *cfg,
					       const char *const *specs, int nspecs);
void fdri_node_perms_destroy(struct fdri_node_perms *np);
/* Device @device's nodes get their start's owner, group and mode again
 * (a rebind: udev's rules run for the new nodes). */
void fdri_node_perms_reset(struct fdri_node_perms *np, unsigned int device);

/*
 * May @who open the node @type of device @device with open flags @flags?
 * The owner gets the owner bits; the
 * daemon's own user gets what a seat user's uaccess ACL entry (rw-) gives,
 * masked by the group bits as an ACL mask is; members of the group get the
 * group bits; anyone else the other bits. Where they do not allow, the
 * opener's CAP_DAC_OVERRIDE (CAP_DAC_READ_SEARCH for reading) does: only
 * a peer that connected with euid 0 from the daemon's user namespace has
 * capabilities, those of its CapEff in /proc (docs/security.md). Returns 0, -EACCES,
 * or -ENODEV for a node that does not exist.
 */
int fdri_node_perm_may_open(const struct fdri_node_perms *np, unsigned int device,
			    unsigned int type, const struct fdri_peer *who, int flags);

/* chmod/chown as the kernel's setattr_prepare() and notify_change() check
 * and apply them. Returns 0, -EPERM, -EINVAL or -ENODEV. */
int fdri_node_perm_setattr(struct fdri_node_perms *np, const struct fdri_peer *who,
			   const struct fdri_node_setattr *a);

#endif
