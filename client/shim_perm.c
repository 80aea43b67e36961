/*
 * shim_perm.c - the virtual nodes' owner, group and mode (socket mode;
 * docs/security.md): what stat() shows of them, and chmod() / chown() and
 * their relatives on a node path or on a device fd.
 *
 * The daemon owns the attributes and publishes them in <root>/perms
 * (common/fdri_perm.h), one seqlocked record per device and node type;
 * this file maps it read-only once, at the first stat of a node, and keeps
 * the mapping for the life of the process (a forked child inherits it), so
 * a stat costs no round trip. chmod and chown go to the daemon, which
 * checks them as the kernel does, over a connection without a DRM file
 * made for the call (its credentials are the caller's at that moment) and
 * closed before the call returns. Paths that are not nodes go to the real
 * call (into the sysroot when the shim redirects them there); a CUSE
 * node's fd is a real file and so gets the real call too.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fdri_perm.h"

#define PUBLIC __attribute__((visibility("default")))

static const struct fdri_perm_table *table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_map(void)
{
	char path[sizeof(shim_cfg.root) + 16];
	void *map;
	int fd;

	if (!shim_cfg.nnodes)
		return;
	snprintf(path, sizeof(path), "%s/" FDRI_PERM_FILE, shim_cfg.root);
	fd = shim_real_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	map = shim_real_mmap(NULL, sizeof(struct fdri_perm_table), PROT_READ, MAP_SHARED, fd, 0);
	shim_real_close(fd);
	if (map == MAP_FAILED)
		return;
	if (__atomic_load_n(&((struct fdri_perm_table *)map)->magic, __ATOMIC_ACQUIRE) !=
	    FDRI_PERM_MAGIC) {
		munmap(map, sizeof(struct fdri_perm_table));
		return;
	}
	table = map;
}

/* One record, read as a seqlock reader (fdri_perm.h). False if none. */
static bool perm_read(int device, int type, uint32_t *mode, uint32_t *uid, uint32_t *gid)
{
	const struct fdri_perm_rec *r;
	uint32_t s1, s2;

	pthread_once(&table_once, table_map);
	if (!table || device < 0 || device >= FDRI_PERM_MAX_DEVICES)
		return false;
	r = &table->rec[device][fdri_perm_slot((unsigned)type)];
	do {
		while ((s1 = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE)) & 1)
			sched_yield();
		*mode = __atomic_load_n(&r->mode, __ATOMIC_RELAXED);
		*uid = __atomic_load_n(&r->uid, __ATOMIC_RELAXED);
		*gid = __atomic_load_n(&r->gid, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
	} while (s1 != s2);
	return s1 != 0;
}

/**
 * shim_perm_stat() - a node's mode, owner and group into a stat.
 * @device: the daemon's index of the node's device
 * @type: SHIM_NODE_PRIMARY or SHIM_NODE_RENDER
 * @st: patched: st_mode (a character device), st_uid, st_gid
 *
 * Reads the daemon's published record, no round trip; without one (a
 * daemon that publishes none) the mode is 0666 and the owner left alone.
 */
void shim_perm_stat(int device, int type, struct stat *st)
{
	uint32_t mode, uid, gid;

	if (!perm_read(device, type, &mode, &uid, &gid)) {
		st->st_mode = S_IFCHR | 0666; /* a daemon without a table */
		return;
	}
	st->st_mode = S_IFCHR | (mode & 07777);
	st->st_uid = uid;
	st->st_gid = gid;
}

/* Is @gid @mygid or one of the supplementary groups? As many as the
 * process has (NGROUPS_MAX is 65536): on the stack up to 256, else one
 * allocation sized by getgroups(0, NULL) (access() of a node is rare). */
static bool in_groups(gid_t mygid, gid_t gid)
{
	gid_t small[256], *groups = small;
	bool member = mygid == gid;
	int n;

	if (member)
		return true;
	n = getgroups((int)(sizeof(small) / sizeof(small[0])), small);
	while (n < 0 && errno == EINVAL) {
		/* more than fit: size it, and again if they grew meanwhile */
		int want = getgroups(0, NULL);

		if (groups != small)
			free(groups);
		groups = want > 0 ? malloc((size_t)want * sizeof(gid_t)) : NULL;
		if (!groups)
			return false;
		n = getgroups(want, groups);
	}
	for (int i = 0; i < n && !member; i++)
		member = groups[i] == gid;
	if (groups != small)
		free(groups);
	return member;
}

/* @id of this process's user namespace as its parent namespace sees it,
 * by /proc/self/uid_map or gid_map ("inside outside count" lines; the
 * initial namespace's is "0 0 4294967295"): the overflow id 65534 when
 * unmapped, @id itself when the map cannot be read. */
static uint32_t id_outside(const char *map, uint32_t id)
{
	char buf[1024];
	int fd = shim_real_open(map, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	unsigned long in, out, count;
	const char *l;
	int used;

	if (fd >= 0)
		shim_real_close(fd);
	if (n <= 0)
		return id;
	buf[n] = '\0';
	for (l = buf; sscanf(l, "%lu %lu %lu%n", &in, &out, &count, &used) == 3; l += used)
		if (id >= in && id - in < count)
			return (uint32_t)(out + (id - in));
	return 65534;
}

/**
 * shim_perm_access() - access()/faccessat() of a node, as the kernel checks
 * it: with the real uid and gid (the effective ones with AT_EACCESS) and
 * the supplementary groups, against the published mode, owner and group,
 * in fdri_node_perm_may_open()'s order (root: read and write always,
 * execute only if some execute bit is set). The ids are those of the
 * parent user namespace (the nodes' ids are the daemon's): root of a
 * namespace that maps it to another user, such as `unshare -Ur`, is that
 * user here, as the daemon sees it.
 * @device: the daemon's index of the node's device
 * @type: SHIM_NODE_PRIMARY or SHIM_NODE_RENDER
 * @mode: F_OK or R_OK | W_OK | X_OK
 * @flags: faccessat()'s flags
 *
 * Return: 0, or -1 with errno EACCES (EINVAL for a bad @mode).
 */
int shim_perm_access(int device, int type, int mode, int flags)
{
	uint32_t pmode, uid, gid, bits;
	uid_t me = (flags & AT_EACCESS) ? geteuid() : getuid();
	gid_t mygid = (flags & AT_EACCESS) ? getegid() : getgid();
	unsigned int want = (unsigned int)mode & 7;

	if (mode & ~(R_OK | W_OK | X_OK)) {
		errno = EINVAL;
		return -1;
	}
	if (!perm_read(device, type, &pmode, &uid, &gid))
		return 0; /* a daemon without a table: as before, the file's */
	if (!want)
		return 0;
	me = id_outside("/proc/self/uid_map", me);
	mygid = id_outside("/proc/self/gid_map", mygid);
	if (me == 0) {
		if (!(want & X_OK) || (pmode & 0111))
			return 0;
		errno = EACCES;
		return -1;
	}
	if (me == uid) {
		bits = (pmode >> 6) & 7;
	} else if (me == table->seat_uid) {
		bits = 6 & ((pmode >> 3) & 7);
	} else {
		bits = in_groups(mygid, gid) ? (pmode >> 3) & 7 : pmode & 7;
	}
	if ((bits & want) == want)
		return 0;
	errno = EACCES;
	return -1;
}

/* --- chmod and chown --- */

static int node_setattr(int device, int type, uint32_t valid, mode_t mode, uid_t uid, gid_t gid)
{
	struct fdri_node_setattr a = {
		.device = (uint32_t)device, .node = (uint32_t)type, .valid = valid,
		.mode = (uint32_t)mode & 07777, .uid = (uint32_t)uid, .gid = (uint32_t)gid,
	};
	struct shim_dev *d = shim_dev_open_fileless(device);
	int ret;

	if (!d)
		return -1;
	ret = shim_dev_ioctl_target(d->main_sock, d, FDRI_IOCTL_NODE_SETATTR, &a, -1);
	shim_dev_put(d);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

static uint32_t chown_valid(uid_t uid, gid_t gid)
{
	return (uid != (uid_t)-1 ? FDRI_SETATTR_UID : 0) | (gid != (gid_t)-1 ? FDRI_SETATTR_GID : 0);
}

/* The device and type of a virtual node's fd: 1, or 0 if @fd is not one
 * (a CUSE node's fd is a real file). */
static int fd_node(int fd, int *device, int *type)
{
	struct shim_dev *d;
	int ours = 0;

	if (!shim_cfg.enabled || shim_fd_kind(fd) != SHIM_FD_DEVICE)
		return 0;
	d = shim_fd_dev(fd);
	if (d && !shim_dev_is_cuse(d) && d->type != (int)FDRI_NODE_NONE) {
		*device = d->device;
		*type = d->type;
		ours = 1;
	}
	if (d)
		shim_dev_put(d);
	return ours;
}

/* A node path (or /proc/self/fd/N of a node's fd): 1 with its device and
 * type, else 0. */
static int path_node(const char *path, int *device, int *type)
{
	const struct shim_node *n;
	int pfd;

	if (!shim_cfg.enabled || !path)
		return 0;
	n = shim_path_node(path);
	if (n) {
		*device = n->device;
		*type = n->type;
		return 1;
	}
	pfd = shim_path_procfd(path);
	return pfd >= 0 && fd_node(pfd, device, type);
}

/* Appends the relative @path to the absolute directory in @buf (of
 * length @l), resolving "." and ".." by name as the shim's paths are
 * compared: false if it does not fit. */
static bool join_rel(char *buf, size_t l, size_t len, const char *path)
{
	for (const char *c = path; *c;) {
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);

		if (n == 2 && c[0] == '.' && c[1] == '.') {
			while (l > 1 && buf[l - 1] != '/')
				l--;
			if (l > 1)
				l--;
		} else if (n && !(n == 1 && c[0] == '.')) {
			if (l + (l > 1) + n + 1 > len)
				return false;
			if (l > 1)
				buf[l++] = '/';
			memcpy(buf + l, c, n);
			l += n;
		}
		buf[l] = '\0';
		c = *e ? e + 1 : e;
	}
	return true;
}

/*
 * An *at call's name as an absolute path: @path if it is one; a relative
 * one on a directory fd the shim tracks joined with the directory it
 * stands for (shim_udev_at()); on a directory of the sysroot (an open of
 * /dev/dri is one) joined with the path that directory is mapped from,
 * read from /proc/self/fd (a chmod is rare: one readlink). Into @buf;
 * NULL when none of these. @mapped: whether the real call is to be made
 * on the path returned (through shim_path_map()) rather than as it was
 * (dirfd and @path, already in the sysroot when that is where the fd is).
 */
static const char *at_path(int dirfd, const char *path, char *buf, size_t len, bool *mapped)
{
	char lnk[32];
	const char *r;
	ssize_t n;

	*mapped = true;
	if (shim_path_is_abs(path))
		return path;
	if (!shim_cfg.enabled || !path || !*path || dirfd == AT_FDCWD || dirfd < 0)
		return NULL;
	r = shim_udev_at(dirfd, path, buf, len);
	if (r)
		return r;
	*mapped = false;
	snprintf(lnk, sizeof(lnk), "/proc/self/fd/%d", dirfd);
	n = shim_real_readlink(lnk, buf, len - 1);
	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	shim_path_unmap(buf);
	if ((size_t)n == strlen(buf)) /* not in the sysroot */
		return NULL;
	return join_rel(buf, strlen(buf), len, path) ? buf : NULL;
}

/* One of udev's symbolic links to a node (/dev/dri/by-path/...):
 * lchown() and AT_SYMLINK_NOFOLLOW act on the link, not on the node. */
static bool is_devlink(const char *path)
{
	return !strncmp(path, "/dev/dri/by-path/", 17);
}

SHIM_REAL(chmod, int, (const char *, mode_t))
SHIM_REAL(fchmod, int, (int, mode_t))
SHIM_REAL(fchmodat, int, (int, const char *, mode_t, int))
SHIM_REAL(chown, int, (const char *, uid_t, gid_t))
SHIM_REAL(lchown, int, (const char *, uid_t, gid_t))
SHIM_REAL(fchown, int, (int, uid_t, gid_t))
SHIM_REAL(fchownat, int, (int, const char *, uid_t, gid_t, int))

PUBLIC int chmod(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	int device, type;

	if (path_node(path, &device, &type))
		return node_setattr(device, type, FDRI_SETATTR_MODE, mode, 0, 0);
	return get_chmod()(shim_path_map(path, buf, sizeof(buf)), mode);
}

PUBLIC int fchmod(int fd, mode_t mode)
{
	int device, type;

	if (fd_node(fd, &device, &type))
		return node_setattr(device, type, FDRI_SETATTR_MODE, mode, 0, 0);
	return get_fchmod()(fd, mode);
}

PUBLIC int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	char buf[PATH_MAX], abuf[PATH_MAX];
	bool mapped;
	const char *p = at_path(dirfd, path, abuf, sizeof(abuf), &mapped);
	int device, type;

	if (shim_path_is_empty(path) && (flags & AT_EMPTY_PATH) && fd_node(dirfd, &device, &type))
		return node_setattr(device, type, FDRI_SETATTR_MODE, mode, 0, 0);
	if (p && path_node(p, &device, &type) &&
	    !((flags & AT_SYMLINK_NOFOLLOW) && is_devlink(p)))
		return node_setattr(device, type, FDRI_SETATTR_MODE, mode, 0, 0);
	if (p && mapped)
		return get_fchmodat()(AT_FDCWD, shim_path_map(p, buf, sizeof(buf)), mode, flags);
	return get_fchmodat()(dirfd, path, mode, flags);
}

PUBLIC int chown(const char *path, uid_t uid, gid_t gid)
{
	char buf[PATH_MAX];
	int device, type;

	if (path_node(path, &device, &type))
		return node_setattr(device, type, chown_valid(uid, gid), 0, uid, gid);
	return get_chown()(shim_path_map(path, buf, sizeof(buf)), uid, gid);
}

PUBLIC int lchown(const char *path, uid_t uid, gid_t gid)
{
	const struct shim_node *n = shim_cfg.enabled ? shim_path_node(path) : NULL;
	char buf[PATH_MAX];

	/* a node is no symbolic link: as chown (a /proc/self/fd link is one,
	 * and so is a devlink, whose own owner changes, as on devtmpfs) */
	if (n && !is_devlink(path))
		return node_setattr(n->device, n->type, chown_valid(uid, gid), 0, uid, gid);
	return get_lchown()(shim_path_map(path, buf, sizeof(buf)), uid, gid);
}

PUBLIC int fchown(int fd, uid_t uid, gid_t gid)
{
	int device, type;

	if (fd_node(fd, &device, &type))
		return node_setattr(device, type, chown_valid(uid, gid), 0, uid, gid);
	return get_fchown()(fd, uid, gid);
}

PUBLIC int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	char buf[PATH_MAX], abuf[PATH_MAX];
	bool mapped;
	const char *p = at_path(dirfd, path, abuf, sizeof(abuf), &mapped);
	int device, type;

	if (shim_path_is_empty(path) && (flags & AT_EMPTY_PATH) && fd_node(dirfd, &device, &type))
		return node_setattr(device, type, chown_valid(uid, gid), 0, uid, gid);
	if (p && path_node(p, &device, &type) &&
	    !((flags & AT_SYMLINK_NOFOLLOW) && (shim_path_procfd(p) >= 0 || is_devlink(p))))
		return node_setattr(device, type, chown_valid(uid, gid), 0, uid, gid);
	if (p && mapped)
		return get_fchownat()(AT_FDCWD, shim_path_map(p, buf, sizeof(buf)), uid, gid, flags);
	return get_fchownat()(dirfd, path, uid, gid, flags);
}
