/*
 * fdri_node_perm.c - see fdri_node_perm.h and docs/security.md.
 *
 * Owns struct fdri_node_perms: the daemon's own copy of the records, which
 * every check reads, and the mapping of <root>/perms (the records the
 * shim reads, fdri_perm.h), which only shows them (a file of the daemon's
 * user, which that user could write); both made by
 * fdri_node_perms_create() and freed, unmapped, by
 * fdri_node_perms_destroy(); the file itself goes with the sysroot. The
 * daemon's event loop is the only writer of both. struct fdri_peer is the
 * caller's, filled here and released with fdri_peer_release().
 */
#define _GNU_SOURCE
#include "fdri_node_perm.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdri_log.h"
#include "fdri_perm.h"

_Static_assert(FDRI_PERM_MAX_DEVICES >= FDRI_MAX_DEVICES, "a record for every device");

struct fdri_node_perms {
	struct fdri_perm_table *t; /* the shared mapping, for the shims only */
	/* what the checks read: the daemon's own copy of the records, which
	 * no write to <root>/perms (a file of the daemon's user) changes */
	struct fdri_perm_rec own[FDRI_PERM_MAX_DEVICES][2];
	unsigned int ndevs;
	uid_t daemon_uid;          /* has the seat user's uaccess ACL entry */
	/* the daemon's user namespace (/proc/self/ns/user); ino 0: unknown,
	 * then no peer has capabilities */
	dev_t userns_dev;
	ino_t userns_ino;
	/* each node's at start (defaults, then --node-perm): a rebind's
	 * (fdri_node_perms_reset()) */
	struct { uint32_t mode, uid, gid; } initial[FDRI_PERM_MAX_DEVICES][2];
};

const char fdri_node_perm_syntax[] =
	"PATH:MODE[:OWNER[:GROUP]] with PATH a node, MODE octal (at most 07777), "
	"OWNER and GROUP names or numbers";

/* --- credentials --- */

/**
 * fdri_peer_get() - the credentials a socket's peer connected with.
 * @fd: a connected AF_UNIX socket
 * @p: filled in: SO_PEERCRED's pid, effective uid and gid, and
 *     SO_PEERGROUPS' supplementary groups (malloc'ed past 64 of them)
 *
 * Return: 0, or -errno (then @p holds nothing to release).
 */
int fdri_peer_get(int fd, struct fdri_peer *p)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	memset(p, 0, offsetof(struct fdri_peer, small));
	p->groups = p->small;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		return -errno;
	p->pid = cr.pid;
	p->uid = cr.uid;
	p->gid = cr.gid;
	l = sizeof(p->small);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->small, &l) < 0) {
		if (errno != ERANGE)
			return -errno;
		/* l is what it needs: more groups than fit in small */
		p->groups = malloc(l ? l : 1);
		if (!p->groups) {
			p->groups = p->small;
			return -ENOMEM;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &l) < 0) {
			int e = errno;

			fdri_peer_release(p);
			return -e;
		}
	}
	p->ngroups = (int)(l / sizeof(gid_t));
	return 0;
}

void fdri_peer_release(struct fdri_peer *p)
{
	if (p->groups != p->small)
		free(p->groups);
	p->groups = p->small;
	p->ngroups = 0;
}

bool fdri_peer_in_group(const struct fdri_peer *p, gid_t gid)
{
	if (p->gid == gid)
		return true;
	for (int i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

/*
 * The peer's effective capabilities in the daemon's user namespace, as the
 * kernel's capable() would answer for it: consulted only where the mode
 * or ownership alone does not allow. They are granted by the credentials
 * of the time it connected, never by /proc: a peer has none unless
 * SO_PEERCRED's (connect-time) euid is 0 and /proc/<pid>/ns/user is the
 * daemon's own namespace (uid 0 of another namespace, such as
 * `unshare -Ur`, has its capabilities over that namespace's files only, and
 * SO_PEERCRED shows it as its real uid anyway). CapEff of
 * /proc/<pid>/status then only takes capabilities away from that root (one
 * that capset() or setuid() dropped them). The pid is connect()'s: a
 * process that has exec'ed a setuid program since, or another that reuses
 * the pid, can thus only lose capabilities, never gain them. Any read that
 * fails (no /proc, a daemon not allowed to see a root peer's namespace, a
 * peer gone) gives none.
 */
static uint64_t peer_caps(const struct fdri_node_perms *np, const struct fdri_peer *who)
{
	char path[64], line[256];
	uint64_t eff = 0;
	bool found = false;
	struct stat st;
	FILE *f;

	if (who->uid != 0 || who->pid <= 0 || !np->userns_ino)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)who->pid);
	if (stat(path, &st) < 0 || st.st_ino != np->userns_ino || st.st_dev != np->userns_dev)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)who->pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found ? eff : 0;
}

static bool has_cap(uint64_t caps, int cap)
{
	return (caps >> cap) & 1;
}

/* --- the table --- */

/* The daemon's record of a node (writable: a const @np is only a reader's
 * promise, as when the records were the mapping's) */
static struct fdri_perm_rec *rec(const struct fdri_node_perms *np, unsigned int device,
				 unsigned int type)
{
	if (!np || device >= np->ndevs ||
	    (type != FDRI_NODE_PRIMARY && type != FDRI_NODE_RENDER))
		return NULL;
	return (struct fdri_perm_rec *)&np->own[device][fdri_perm_slot(type)];
}

/* Sets a record: the daemon's copy @r, then the shared one the shims
 * read (fdri_perm.h): seq odd while they change. Only the daemon's loop
 * writes, so no lock. */
static void rec_set(struct fdri_node_perms *np, struct fdri_perm_rec *r, uint32_t mode,
		    uint32_t uid, uint32_t gid)
{
	struct fdri_perm_rec *sh = &np->t->rec[0][0] + (r - &np->own[0][0]);
	uint32_t seq = r->seq;

	r->mode = mode & 07777;
	r->uid = uid;
	r->gid = gid;
	r->seq = seq + 2;
	__atomic_store_n(&sh->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&sh->mode, mode & 07777, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->uid, uid, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->gid, gid, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->seq, seq + 2, __ATOMIC_RELEASE);
}

/* A user or group: a number, or a name the system knows. */
static int parse_id(const char *s, bool group, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*end && !errno && v < UINT32_MAX) {
		*id = (uint32_t)v;
		return 0;
	}
	if (group) {
		struct group *g = getgrnam(s);

		if (!g)
			return -1;
		*id = g->gr_gid;
	} else {
		struct passwd *pw = getpwnam(s);

		if (!pw)
			return -1;
		*id = pw->pw_uid;
	}
	return 0;
}

struct spec {
	char path[256];
	uint32_t mode, uid, gid;
	bool has_uid, has_gid;
};

static int parse_spec(const char *s, struct spec *sp)
{
	char owner[64] = "", group[64] = "", mode[16] = "", *end;
	const char *c = strchr(s, ':');
	unsigned long m;
	int n;

	memset(sp, 0, sizeof(*sp));
	if (!c || c == s || (size_t)(c - s) >= sizeof(sp->path))
		return -1;
	memcpy(sp->path, s, (size_t)(c - s));
	if (sp->path[0] != '/')
		return -1;
	n = sscanf(c + 1, "%15[0-7]:%63[^:]:%63[^:]", mode, owner, group);
	if (n < 1)
		return -1;
	/* nothing left over: the fields must be all there is */
	{
		char check[256];

		snprintf(check, sizeof(check), "%s%s%s%s%s", mode, n >= 2 ? ":" : "", owner,
			 n >= 3 ? ":" : "", group);
		if (strcmp(check, c + 1))
			return -1;
	}
	m = strtoul(mode, &end, 8);
	if (*end || m > 07777)
		return -1;
	sp->mode = (uint32_t)m;
	if (n >= 2) {
		if (parse_id(owner, false, &sp->uid))
			return -1;
		sp->has_uid = true;
	}
	if (n >= 3) {
		if (parse_id(group, true, &sp->gid))
			return -1;
		sp->has_gid = true;
	}
	return 0;
}

int fdri_node_perm_check_spec(const char *spec)
{
	struct spec sp;

	return parse_spec(spec, &sp);
}

/**
 * fdri_node_perm_check_opt() - the option parser's check of --node-perm.
 * @opt: the option's name, for the message
 * @val: its value, PATH:MODE[:OWNER[:GROUP]]
 *
 * Return: 0, or -1 having reported the option, the value and the syntax.
 */
int fdri_node_perm_check_opt(const char *opt, const char *val)
{
	if (!fdri_node_perm_check_spec(val))
		return 0;
	fdri_log(FDRI_LOG_ERROR, "%s '%s': not %s", opt, val, fdri_node_perm_syntax);
	return -1;
}

static uint32_t group_or_root(const char *name)
{
	struct group *g = getgrnam(name);

	return g ? g->gr_gid : 0;
}

/**
 * fdri_node_perms_create() - publish the nodes' owner, group and mode.
 * @cfg: the sysroot as fdri_sysroot_write() wrote it (names, minors filled)
 * @specs: --node-perm values, applied in order over the defaults
 * @nspecs: how many
 *
 * Creates <root>/perms (fdri_perm.h) and maps it shared.
 *
 * Return: the table, or NULL having logged why (a bad spec, a spec naming
 * no node, I/O errors).
 */
struct fdri_node_perms *fdri_node_perms_create(const struct fdri_sysroot_cfg *cfg,
					       const char *const *specs, int nspecs)
{
	struct fdri_node_perms *np = calloc(1, sizeof(*np));
	char path[PATH_MAX];
	uint32_t video = group_or_root("video"), render = group_or_root("render");
	void *map;
	int fd;

	if (!np) {
		fdri_log(FDRI_LOG_ERROR, "cannot make the node permissions: %s", strerror(ENOMEM));
		return NULL;
	}
	np->ndevs = (unsigned int)cfg->ndevs;
	np->daemon_uid = geteuid();
	{
		struct stat st;

		if (stat("/proc/self/ns/user", &st) == 0) {
			np->userns_dev = st.st_dev;
			np->userns_ino = st.st_ino;
		} else {
			fdri_log(FDRI_LOG_WARN, "cannot read /proc/self/ns/user (%s): no client "
				 "will have root's capabilities over the nodes", strerror(errno));
		}
	}
	snprintf(path, sizeof(path), "%s/" FDRI_PERM_FILE, cfg->root);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, sizeof(struct fdri_perm_table)) < 0 ||
	    fchmod(fd, 0644) < 0 ||
	    (map = mmap(NULL, sizeof(struct fdri_perm_table), PROT_READ | PROT_WRITE, MAP_SHARED,
			fd, 0)) == MAP_FAILED) {
		fdri_log(FDRI_LOG_ERROR, "cannot make %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(np);
		return NULL;
	}
	close(fd);
	np->t = map;
	np->t->ndevs = np->ndevs;
	np->t->seat_uid = (uint32_t)np->daemon_uid;
	for (int i = 0; i < cfg->ndevs; i++)
		for (int k = 0; k < cfg->devs[i].nnodes; k++) {
			unsigned int type = cfg->devs[i].nodes[k].type;

			rec_set(np, rec(np, (unsigned)i, type), 0660, 0,
				type == FDRI_NODE_RENDER ? render : video);
		}
	for (int s = 0; s < nspecs; s++) {
		struct spec sp;
		struct fdri_perm_rec *r = NULL;

		if (parse_spec(specs[s], &sp)) {
			fdri_log(FDRI_LOG_ERROR, "--node-perm '%s': not %s", specs[s],
				 fdri_node_perm_syntax);
			goto fail;
		}
		for (int i = 0; i < cfg->ndevs && !r; i++)
			for (int k = 0; k < cfg->devs[i].nnodes && !r; k++) {
				const struct fdri_node_cfg *n = &cfg->devs[i].nodes[k];
				char def[64];

				snprintf(def, sizeof(def), "/dev/dri/%s", n->name);
				if (!strcmp(sp.path, n->path ? n->path : def))
					r = rec(np, (unsigned)i, n->type);
			}
		if (!r) {
			fdri_log(FDRI_LOG_ERROR, "--node-perm '%s': %s is not a node of this daemon",
				 specs[s], sp.path);
			goto fail;
		}
		rec_set(np, r, sp.mode, sp.has_uid ? sp.uid : r->uid, sp.has_gid ? sp.gid : r->gid);
	}
	for (unsigned int i = 0; i < np->ndevs && i < FDRI_PERM_MAX_DEVICES; i++)
		for (int k = 0; k < 2; k++) {
			const struct fdri_perm_rec *r = &np->own[i][k];

			np->initial[i][k].mode = r->mode;
			np->initial[i][k].uid = r->uid;
			np->initial[i][k].gid = r->gid;
		}
	__atomic_store_n(&np->t->magic, FDRI_PERM_MAGIC, __ATOMIC_RELEASE);
	return np;
fail:
	fdri_node_perms_destroy(np);
	return NULL;
}

/**
 * fdri_node_perms_reset() - gives device @device's nodes the owner, group
 * and mode they had at start (the defaults, then --node-perm), as udev's
 * rules give the nodes of a device added again: a rebind's new nodes do
 * not keep an earlier chmod or chown.
 * @np: the table (NULL: nothing happens).
 * @device: the device's index.
 */
void fdri_node_perms_reset(struct fdri_node_perms *np, unsigned int device)
{
	if (!np || device >= np->ndevs || device >= FDRI_PERM_MAX_DEVICES)
		return;
	for (int k = 0; k < 2; k++)
		if (np->own[device][k].seq) /* a node of that type */
			rec_set(np, &np->own[device][k], np->initial[device][k].mode,
				np->initial[device][k].uid, np->initial[device][k].gid);
}

void fdri_node_perms_destroy(struct fdri_node_perms *np)
{
	if (!np)
		return;
	munmap(np->t, sizeof(*np->t));
	free(np);
}

/* --- checks --- */

/**
 * fdri_node_perm_may_open() - generic_permission() for an open of a node.
 * @np: the table
 * @device: the device's index
 * @type: FDRI_NODE_PRIMARY or FDRI_NODE_RENDER
 * @who: the opener's credentials
 * @flags: the open's flags (O_ACCMODE says what access is wanted)
 *
 * Return: 0, -EACCES, or -ENODEV for a node that does not exist.
 */
int fdri_node_perm_may_open(const struct fdri_node_perms *np, unsigned int device,
			    unsigned int type, const struct fdri_peer *who, int flags)
{
	const struct fdri_perm_rec *r = rec(np, device, type);
	unsigned int want, bits;
	uint64_t caps;

	if (!r || !r->seq)
		return -ENODEV;
	switch (flags & O_ACCMODE) {
	case O_RDONLY: want = 4; break;
	case O_WRONLY: want = 2; break;
	default: want = 6; break;
	}
	if (who->uid == r->uid)
		bits = (r->mode >> 6) & 7;
	else if (who->uid == np->daemon_uid)
		bits = 6 & ((r->mode >> 3) & 7); /* ACL user:<seat user>:rw-, masked */
	else if (fdri_peer_in_group(who, r->gid))
		bits = (r->mode >> 3) & 7;
	else
		bits = r->mode & 7;
	if ((bits & want) == want)
		return 0;
	/* capable_wrt_inode_uidgid(): CAP_DAC_OVERRIDE, or for reading
	 * CAP_DAC_READ_SEARCH */
	caps = peer_caps(np, who);
	if (has_cap(caps, CAP_DAC_OVERRIDE) || (want == 4 && has_cap(caps, CAP_DAC_READ_SEARCH)))
		return 0;
	return -EACCES;
}

/**
 * fdri_node_perm_setattr() - chmod/chown of a node, as the kernel checks it.
 * @np: the table, whose record changes (seen by every shim at once)
 * @who: the caller's credentials
 * @a: what to change (@a->valid)
 *
 * Return: 0, -EPERM, -EINVAL (unknown @a->valid bits) or -ENODEV.
 */
int fdri_node_perm_setattr(struct fdri_node_perms *np, const struct fdri_peer *who,
			   const struct fdri_node_setattr *a)
{
	struct fdri_perm_rec *r = rec(np, a->device, a->node);
	uint32_t mode, uid, gid;
	uint64_t caps;
	bool chown_cap, fowner, fsetid, set_mode;

	if (!r || !r->seq)
		return -ENODEV;
	if (a->valid & ~(FDRI_SETATTR_MODE | FDRI_SETATTR_UID | FDRI_SETATTR_GID))
		return -EINVAL;
	caps = peer_caps(np, who); /* a chmod or chown is rare: read once */
	chown_cap = has_cap(caps, CAP_CHOWN);
	fowner = has_cap(caps, CAP_FOWNER);
	fsetid = has_cap(caps, CAP_FSETID);
	mode = r->mode;
	uid = r->uid;
	gid = r->gid;
	set_mode = a->valid & FDRI_SETATTR_MODE;
	if (set_mode) {
		mode = a->mode & 07777; /* chmod_common() */
	} else {
		/*
		 * A chown, -1/-1 included: Linux 6.1's chown_common() sets
		 * ATTR_KILL_SUID and ATTR_KILL_SGID on a non-directory, which
		 * notify_change() turns into a mode change (the one
		 * setattr_prepare() then checks as a chmod) when setuid is set,
		 * or setgid together with group-execute. (6.2 moved the setgid
		 * rule to setattr_should_drop_sgid(); 6.1 is our reference.)
		 */
		if (mode & S_ISUID) {
			set_mode = true;
			mode &= ~(uint32_t)S_ISUID;
		}
		if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
			set_mode = true;
			mode &= ~(uint32_t)S_ISGID;
		}
	}
	/* setattr_prepare(): chown_ok(), chgrp_ok(), inode_owner_or_capable() */
	if ((a->valid & FDRI_SETATTR_UID) && !chown_cap && !(who->uid == uid && a->uid == uid))
		return -EPERM;
	if ((a->valid & FDRI_SETATTR_GID) && !chown_cap &&
	    !(who->uid == uid && (fdri_peer_in_group(who, a->gid) || a->gid == gid)))
		return -EPERM;
	if (set_mode) {
		if (!fowner && who->uid != uid)
			return -EPERM;
		/* "Also check the setgid bit!": against the new group */
		if (!fsetid && !fdri_peer_in_group(who, (a->valid & FDRI_SETATTR_GID) ? a->gid : gid))
			mode &= ~(uint32_t)S_ISGID;
	}
	if (a->valid & FDRI_SETATTR_UID)
		uid = a->uid;
	if (a->valid & FDRI_SETATTR_GID)
		gid = a->gid;
	rec_set(np, r, mode, uid, gid);
	return 0;
}
