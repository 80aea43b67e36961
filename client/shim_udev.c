/*
 * shim_udev.c - what libudev needs of the shim: directory fds on the way to
 * the fake trees, merged directory listings, sysfs' filesystem type, and
 * the udev database paths.
 *
 * systemd's sd-device (libudev) does not open /sys/class/drm/card0 by path:
 * chase_symlinks() opens "/", then "sys", "class", ... one component at a
 * time with openat(dirfd, name, O_PATH|O_NOFOLLOW), reads links with
 * readlinkat(dirfd, name) and climbs with openat(dirfd, ".."). A path
 * prefix test in open() never sees those names. So this file keeps, per fd,
 * which *ancestor* directory it is: a directory whose path is a proper
 * prefix of a redirected path ("/", "/sys", "/sys/class", "/sys/dev/char",
 * "/sys/devices/platform", "/dev", "/run/udev/data", ...). An *at call on
 * such an fd with a relative name is turned into a call on the joined
 * absolute path (shim_udev_at()), which the usual absolute-path redirection
 * then maps; an fd opened into the sysroot needs nothing, as the sysroot is
 * a real tree in which relative names and ".." resolve natively.
 *
 * Listings: opendir("/sys/class") must show "drm" though the host has none.
 * A DIR of an ancestor that the sysroot also has is *merged*: once the
 * host's entries are read, readdir() returns the sysroot's entries of the
 * same directory that the host lacks.
 *
 * sd-device refuses a syspath whose fd is not on sysfs (fstatfs), so
 * fstatfs()/statfs() of the sysroot's /sys report SYSFS_MAGIC.
 *
 * Objects and lifetimes:
 * - The ancestor table (anc[], index 1..nanc) is built at shim start-up
 *   from the configuration, plus /run/udev/tags/<tag> directories interned
 *   on first use; entries are never removed or changed (their host and
 *   sysroot states are computed once, racing threads computing the same
 *   answer), so a lock-free reader may keep a pointer to one.
 * - The fd table maps an fd to an ancestor index (0: none) and the dev/ino
 *   the fd had when it was entered; a use checks them with one fstat(), so
 *   an fd closed behind the shim's back (a raw syscall) and reused is not
 *   mistaken for the directory. It is a struct shim_fdarr, as
 *   shim_fdtab.c's (grown under udev_lock, retired arrays kept).
 *   close/dup/close_range reach it through shim_fdtab.c;
 *   closedir() through the interposer here.
 * - A merged DIR has a slot in merged[] from opendir()/fdopendir() to
 *   closedir(); the slot owns the sysroot DIR it reads the extra entries
 *   from. With no merged DIR open, readdir() costs one atomic load.
 * The untracked fast path of every *at call is one array lookup.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#define SYSFS_MAGIC_NUMBER 0x62656572
#define MAX_ANCESTORS 64
#define MAX_MERGED 32

enum tri { TRI_UNKNOWN = 0, TRI_YES, TRI_NO };

struct ancestor {
	char path[128];
	size_t len;
	_Atomic int on_host;       /* enum tri: the host has this directory */
	_Atomic int in_root;       /* enum tri: the sysroot has it */
};

static struct ancestor anc[MAX_ANCESTORS + 1]; /* anc[0] unused */
static atomic_int nanc;
static pthread_mutex_t udev_lock = PTHREAD_MUTEX_INITIALIZER;
static bool tracking;             /* socket mode: nodes exist */

struct dfd {
	_Atomic uint16_t idx;
	dev_t dev;
	ino_t ino;
};

static struct shim_fdarr dtab = SHIM_FDARR_INIT(struct dfd);

struct merged {
	DIR *d;                    /* the caller's (host) DIR; NULL: free slot */
	DIR *extra;                /* the sysroot's, opened at the host's end */
	int idx;
	bool done;
};

static struct merged merged[MAX_MERGED];
static atomic_int nmerged;

SHIM_REAL(opendir, DIR *, (const char *))
SHIM_REAL(fdopendir, DIR *, (int))
SHIM_REAL(closedir, int, (DIR *))
SHIM_REAL(rewinddir, void, (DIR *))
SHIM_REAL(readdir, struct dirent *, (DIR *))
SHIM_REAL(readdir64, struct dirent64 *, (DIR *))
SHIM_REAL(fstatfs, int, (int, struct statfs *))
SHIM_REAL(fstatfs64, int, (int, struct statfs64 *))
SHIM_REAL(statfs, int, (const char *, struct statfs *))
SHIM_REAL(statfs64, int, (const char *, struct statfs64 *))
SHIM_REAL(fstatat, int, (int, const char *, struct stat *, int))

#define PUBLIC __attribute__((visibility("default")))

/* --- ancestors --- */

static int find_ancestor(const char *path, size_t len)
{
	int n = atomic_load_explicit(&nanc, memory_order_acquire);

	for (int i = 1; i <= n; i++)
		if (anc[i].len == len && !memcmp(anc[i].path, path, len))
			return i;
	return 0;
}

/* Adds path[0..len) unless it is there; its index, or 0 when full. */
static int intern(const char *path, size_t len)
{
	int i, n;

	if (len >= sizeof(anc[0].path))
		return 0;
	pthread_mutex_lock(&udev_lock);
	i = find_ancestor(path, len);
	n = atomic_load(&nanc);
	if (!i && n < MAX_ANCESTORS) {
		i = n + 1;
		memcpy(anc[i].path, path, len);
		anc[i].path[len] = '\0';
		anc[i].len = len;
		atomic_store_explicit(&nanc, i, memory_order_release);
	}
	pthread_mutex_unlock(&udev_lock);
	return i;
}

/* Every proper prefix of a redirected path is an ancestor ("/" included),
 * except those redirected themselves (a node in /dev/dri: not /dev/dri). */
static void add_prefixes(const char *path)
{
	char tmp[PATH_MAX], buf[PATH_MAX];
	const char *s;

	intern("/", 1);
	for (s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		size_t l = (size_t)(s - path);

		if (l >= sizeof(tmp))
			break;
		memcpy(tmp, path, l);
		tmp[l] = '\0';
		if (shim_path_map(tmp, buf, sizeof(buf)) == tmp)
			intern(path, l);
	}
}

/* A udev database path of ours: data/c226:*, tags/<tag>/c226:*, control. */
static bool udev_db_path(const char *path)
{
	const char *tag;

	if (strncmp(path, "/run/udev/", 10))
		return false;
	path += 10;
	if (!strcmp(path, "control"))
		return true;
	if (!strncmp(path, "data/c" FDRI_STR(FDRI_DRM_MAJOR) ":", 6 + strlen(FDRI_STR(FDRI_DRM_MAJOR)) + 1))
		return !strchr(path + 5, '/');
	if (strncmp(path, "tags/", 5))
		return false;
	tag = strchr(path + 5, '/');
	return tag && tag > path + 5 &&
	       !strncmp(tag + 1, "c" FDRI_STR(FDRI_DRM_MAJOR) ":", strlen(FDRI_STR(FDRI_DRM_MAJOR)) + 2) &&
	       !strchr(tag + 1, '/');
}

/* /sys/bus/platform/devices/<one of our platform devices>[/...] */
static bool bus_platform_path(const char *path)
{
	static const char pfx[] = "/sys/bus/platform/devices/";
	const size_t l = sizeof(pfx) - 1;

	if (strncmp(path, pfx, l))
		return false;
	for (int i = 0; i < shim_cfg.ndevices; i++) {
		const char *p = shim_cfg.devices[i].platform;
		size_t pl = strlen(p);

		if (pl && !strncmp(path + l, p, pl) && (path[l + pl] == '\0' || path[l + pl] == '/'))
			return true;
	}
	return false;
}

/* The ancestor index of an absolute, normalised path, or 0. */
static int ancestor_of(const char *path)
{
	size_t len;

	if (!tracking || path[0] != '/')
		return 0;
	/* every ancestor is "/" or lies under /sys, /dev or /run */
	if (path[1] != '\0' && path[1] != 's' && path[1] != 'd' && path[1] != 'r')
		return 0;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	int i = find_ancestor(path, len);

	if (i)
		return i;
	/* /run/udev/tags/<tag>: one per tag, whichever the daemon wrote */
	if (len > 15 && !strncmp(path, "/run/udev/tags/", 15) && !memchr(path + 15, '/', len - 15))
		return intern(path, len);
	return 0;
}

static bool root_has_dir(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(buf, sizeof(buf), "%s%s", shim_cfg.root, path) >= sizeof(buf))
		return false;
	return get_fstatat()(AT_FDCWD, buf, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static bool anc_in_root(struct ancestor *a)
{
	int s = atomic_load(&a->in_root);

	if (s == TRI_UNKNOWN) {
		s = root_has_dir(a->path) ? TRI_YES : TRI_NO;
		atomic_store(&a->in_root, s);
	}
	return s == TRI_YES;
}

static bool anc_on_host(struct ancestor *a)
{
	int s = atomic_load(&a->on_host);

	if (s == TRI_UNKNOWN) {
		struct stat st;

		s = get_fstatat()(AT_FDCWD, a->path, &st, 0) == 0 && S_ISDIR(st.st_mode) ? TRI_YES : TRI_NO;
		atomic_store(&a->on_host, s);
	}
	return s == TRI_YES;
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&udev_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&udev_lock);
}

static void atfork_child(void)
{
	pthread_mutex_init(&udev_lock, NULL);
}

/**
 * shim_udev_init() - builds the ancestor table from the configuration.
 *
 * Called once from the shim's constructor after shim_config_load(). Only
 * socket mode (virtual nodes) tracks directories; in CUSE mode libudev
 * reads the real /sys of the real nodes.
 */
void shim_udev_init(void)
{
	char buf[PATH_MAX];

	if (!shim_cfg.enabled || !shim_cfg.nnodes)
		return;
	/* the directories that hold redirected paths; the table is built
	 * before tracking is on, so shim_path_map() knows only the base
	 * redirections (and not ancestors it would map) */
	add_prefixes("/dev/dri");
	add_prefixes("/sys/class/drm");
	add_prefixes("/sys/kernel/debug/dri");
	add_prefixes("/sys/dev/char/" FDRI_STR(FDRI_DRM_MAJOR) ":0");
	add_prefixes("/run/udev/data/c" FDRI_STR(FDRI_DRM_MAJOR) ":0");
	add_prefixes("/run/udev/tags/x");
	add_prefixes("/run/udev/control");
	for (int i = 0; i < shim_cfg.nnodes; i++)
		add_prefixes(shim_cfg.nodes[i].path);
	for (int i = 0; i < shim_cfg.ndevices; i++) {
		if (!shim_cfg.devices[i].platform[0])
			continue;
		add_prefixes(shim_cfg.devices[i].prefix);
		snprintf(buf, sizeof(buf), "/sys/bus/platform/devices/%s", shim_cfg.devices[i].platform);
		add_prefixes(buf);
	}
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	tracking = true;
}

/**
 * shim_udev_redirected() - whether @path (absolute) belongs to the sysroot
 * for libudev's sake.
 *
 * The udev database entries of our nodes, /run/udev/control (libudev's
 * "udev is running"), our platform devices' /sys/bus/platform/devices
 * links, and an ancestor directory the host lacks but the sysroot has
 * (e.g. /run/udev on a host without udev). The rest of the host's
 * /run/udev stays visible.
 */
bool shim_udev_redirected(const char *path)
{
	int i;

	if (!tracking)
		return false;
	if (udev_db_path(path) || bus_platform_path(path))
		return true;
	i = ancestor_of(path);
	return i && !anc_on_host(&anc[i]) && anc_in_root(&anc[i]);
}

/**
 * shim_udev_devlink_node() - the node a udev devlink names.
 * @path: an absolute path under /dev/dri/by-path/
 *
 * The sysroot has the links udevd would make (dri/by-path/platform-<dev>-card
 * -> ../card0); an open or stat through one is one of the node itself.
 *
 * Return: the node the link points to, or NULL (no such link, or one to
 * no node).
 */
const struct shim_node *shim_udev_devlink_node(const char *path)
{
	char buf[PATH_MAX], target[64], node[80];
	ssize_t n;

	if ((size_t)snprintf(buf, sizeof(buf), "%s%s", shim_cfg.root, path) >= sizeof(buf))
		return NULL;
	n = shim_real_readlink(buf, target, sizeof(target) - 1);
	if (n <= 3)
		return NULL;
	target[n] = '\0';
	if (strncmp(target, "../", 3) || strchr(target + 3, '/'))
		return NULL;
	snprintf(node, sizeof(node), "/dev/dri/%s", target + 3);
	return shim_path_node(node);
}

/* --- the fd table --- */

static void dfd_set(int fd, int idx, dev_t dev, ino_t ino)
{
	if (fd < 0)
		return;
	pthread_mutex_lock(&udev_lock);
	if (idx == 0 && fd >= shim_fdarr_len(&dtab)) {
		pthread_mutex_unlock(&udev_lock);
		return;
	}
	if (shim_fdarr_grow(&dtab, fd) == 0) {
		struct dfd *e = shim_fdarr_at(&dtab, fd);

		e->dev = dev;
		e->ino = ino;
		atomic_store(&e->idx, (uint16_t)idx);
	}
	pthread_mutex_unlock(&udev_lock);
}

/* The fast path: one array lookup. */
static inline int dfd_idx(int fd)
{
	struct dfd *e = shim_fdarr_at(&dtab, fd); /* the length first */

	return e ? atomic_load_explicit(&e->idx, memory_order_relaxed) : 0;
}

/* The ancestor fd stands for, checked against its dev/ino; 0 if none. */
static int dfd_check(int fd)
{
	int idx = dfd_idx(fd);
	struct stat st;
	struct dfd *e;
	dev_t dev;
	ino_t ino;

	if (!idx)
		return 0;
	pthread_mutex_lock(&udev_lock);
	e = shim_fdarr_at(&dtab, fd);
	idx = atomic_load(&e->idx);
	dev = e->dev;
	ino = e->ino;
	pthread_mutex_unlock(&udev_lock);
	if (!idx)
		return 0;
	if (shim_real_fstat(fd, &st) < 0 || st.st_dev != dev || st.st_ino != ino) {
		dfd_set(fd, 0, 0, 0); /* closed behind our back and reused */
		return 0;
	}
	return idx;
}

/* Enters fd as ancestor idx. */
static void dfd_track(int fd, int idx)
{
	struct stat st;

	if (idx && shim_real_fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		dfd_set(fd, idx, st.st_dev, st.st_ino);
	else
		dfd_set(fd, 0, 0, 0);
}

/**
 * shim_udev_opened() - an open of @path (absolute) returned @fd.
 *
 * Enters fd in the table if path is an ancestor directory, and clears a
 * stale entry of the fd number otherwise (the fd may have been closed
 * behind the shim's back). Costs nothing for paths outside /sys, /dev and
 * /run.
 */
void shim_udev_opened(int fd, const char *path)
{
	int idx;

	if (!tracking || fd < 0 || !path || path[0] != '/')
		return;
	idx = ancestor_of(path);
	if (idx)
		dfd_track(fd, idx);
	else if (dfd_idx(fd))
		dfd_set(fd, 0, 0, 0);
}

void shim_udev_fd_clear(int fd)
{
	if (dfd_idx(fd))
		dfd_set(fd, 0, 0, 0);
}

void shim_udev_fd_clear_range(unsigned int first, unsigned int last)
{
	int len = shim_fdarr_len(&dtab);

	for (unsigned int fd = first; fd <= last && fd < (unsigned int)len; fd++)
		shim_udev_fd_clear((int)fd);
}

void shim_udev_fd_dup(int oldfd, int newfd)
{
	dev_t dev = 0;
	ino_t ino = 0;
	int idx = dfd_idx(oldfd);
	struct dfd *e;

	if (!idx) {
		shim_udev_fd_clear(newfd);
		return;
	}
	pthread_mutex_lock(&udev_lock);
	e = shim_fdarr_at(&dtab, oldfd);
	idx = atomic_load(&e->idx);
	dev = e->dev;
	ino = e->ino;
	pthread_mutex_unlock(&udev_lock);
	dfd_set(newfd, idx, dev, ino);
}

/* Appends name to out (an absolute path of length *len), resolving "." and
 * ".." lexically. false if it does not fit. */
static bool join_component(char *out, size_t *len, size_t cap, const char *name, size_t nl)
{
	if (nl == 0 || (nl == 1 && name[0] == '.'))
		return true;
	if (nl == 2 && name[0] == '.' && name[1] == '.') {
		while (*len > 1 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--;
		out[*len] = '\0';
		return true;
	}
	if (*len + 1 + nl + 1 > cap)
		return false;
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, name, nl);
	*len += nl;
	out[*len] = '\0';
	return true;
}

/**
 * shim_udev_at() - the absolute path an *at call on @dirfd means.
 * @dirfd: the call's directory fd
 * @path: the call's path, relative (absolute paths and AT_FDCWD are the
 *        caller's business)
 * @buf: where to write the joined path
 * @len: its size
 *
 * Return: @buf holding the normalised join of the ancestor @dirfd stands
 * for and @path, if @dirfd is a tracked ancestor and the join is a path
 * the shim handles (redirected, a node, or another ancestor); NULL to make
 * the call as it is (the fast path: one array lookup for an untracked fd).
 */
const char *shim_udev_at(int dirfd, const char *path, char *buf, size_t len)
{
	const struct ancestor *a;
	size_t l;
	int idx;

	if (!path || path[0] == '/' || path[0] == '\0' || !dfd_idx(dirfd))
		return NULL;
	idx = dfd_check(dirfd);
	if (!idx)
		return NULL;
	a = &anc[idx];
	if (a->len + 1 > len)
		return NULL;
	memcpy(buf, a->path, a->len + 1);
	l = a->len;
	for (const char *s = path; *s;) {
		const char *e = strchrnul(s, '/');

		if (!join_component(buf, &l, len, s, (size_t)(e - s)))
			return NULL;
		s = *e ? e + 1 : e;
	}
	if (ancestor_of(buf) || shim_path_node(buf) || shim_sw_sync_path(buf))
		return buf;
	char tmp[PATH_MAX];

	return shim_path_map(buf, tmp, sizeof(tmp)) != buf ? buf : NULL;
}

/* --- merged listings --- */

/* Registers d (a host directory, ancestor idx) for merging if the sysroot
 * has the same directory. */
static void merge_register(DIR *d, int idx)
{
	/* not "/": the sysroot's top holds its own files (nodes) */
	if (!d || !idx || anc[idx].len == 1 || !anc_on_host(&anc[idx]) || !anc_in_root(&anc[idx]))
		return;
	pthread_mutex_lock(&udev_lock);
	for (int i = 0; i < MAX_MERGED; i++) {
		if (!merged[i].d) {
			merged[i] = (struct merged){ .d = d, .idx = idx };
			atomic_fetch_add(&nmerged, 1);
			break;
		}
	}
	pthread_mutex_unlock(&udev_lock);
}

static struct merged *merged_find(DIR *d)
{
	for (int i = 0; i < MAX_MERGED; i++)
		if (merged[i].d == d)
			return &merged[i];
	return NULL;
}

/* The next sysroot entry the host directory lacks, or NULL; under the lock. */
static void *merged_next(struct merged *m)
{
	char path[PATH_MAX];
	struct dirent64 *e;
	struct stat st;

	if (m->done)
		return NULL;
	if (!m->extra) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", shim_cfg.root,
				     anc[m->idx].path) < sizeof(path))
			m->extra = get_opendir()(path);
		if (!m->extra) {
			m->done = true;
			return NULL;
		}
	}
	while ((e = get_readdir64()(m->extra))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (get_fstatat()(dirfd(m->d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue; /* the host's own */
		/* a node (/dev/fakedri) is a character device, not the
		 * sysroot's placeholder file */
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", anc[m->idx].path, e->d_name) <
		    sizeof(path) && shim_path_node(path))
			e->d_type = DT_CHR;
		return e;
	}
	m->done = true;
	return NULL;
}

static void *do_readdir(DIR *d, bool is64)
{
	struct merged *m;
	int saved = errno;
	void *e;

	if (!atomic_load_explicit(&nmerged, memory_order_relaxed))
		return is64 ? (void *)get_readdir64()(d) : (void *)get_readdir()(d);
	errno = 0;
	e = is64 ? (void *)get_readdir64()(d) : (void *)get_readdir()(d);
	if (e || errno) {
		if (!errno)
			errno = saved;
		return e; /* an entry, or an error of the host's directory */
	}
	pthread_mutex_lock(&udev_lock);
	m = merged_find(d);
	e = m ? merged_next(m) : NULL;
	pthread_mutex_unlock(&udev_lock);
	errno = saved;
	return e;
}

/* struct dirent and struct dirent64 are the same on LP64 */
_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64), "LP64 dirent");

PUBLIC struct dirent *readdir(DIR *d)
{
	return do_readdir(d, false);
}

PUBLIC struct dirent64 *readdir64(DIR *d)
{
	return do_readdir(d, true);
}

static void merged_drop(DIR *d, bool rewind)
{
	struct merged *m;
	DIR *extra = NULL;

	if (!atomic_load(&nmerged))
		return;
	pthread_mutex_lock(&udev_lock);
	m = merged_find(d);
	if (m) {
		extra = m->extra;
		m->extra = NULL;
		m->done = false;
		if (!rewind) {
			m->d = NULL;
			atomic_fetch_sub(&nmerged, 1);
		}
	}
	pthread_mutex_unlock(&udev_lock);
	if (extra)
		get_closedir()(extra);
}

PUBLIC void rewinddir(DIR *d)
{
	merged_drop(d, true);
	get_rewinddir()(d);
}

PUBLIC int closedir(DIR *d)
{
	merged_drop(d, false);
	shim_udev_fd_clear(dirfd(d)); /* glibc closes it without close() */
	return get_closedir()(d);
}

/**
 * shim_udev_opendir() - opendir() of @path, @mapped being its sysroot
 * copy if it is redirected (else @path itself).
 *
 * An ancestor's DIR is merged with the sysroot's and its fd tracked, so
 * openat(dirfd(d), name) finds the merged names.
 */
DIR *shim_udev_opendir(const char *path, const char *mapped)
{
	DIR *d = get_opendir()(mapped);
	int idx;

	if (!d || !tracking || mapped != path || !path || path[0] != '/')
		return d;
	idx = ancestor_of(path);
	if (idx) {
		dfd_track(dirfd(d), idx);
		merge_register(d, idx);
	} else if (dfd_idx(dirfd(d))) {
		dfd_set(dirfd(d), 0, 0, 0);
	}
	return d;
}

PUBLIC DIR *fdopendir(int fd)
{
	DIR *d = get_fdopendir()(fd);
	int idx;

	if (d && dfd_idx(fd) && (idx = dfd_check(fd)))
		merge_register(d, idx);
	return d;
}

/* --- sysfs' filesystem type --- */

static long root_fstype(void)
{
	static _Atomic long type = -1;
	long t = atomic_load(&type);

	if (t == -1) {
		struct statfs s;

		t = get_statfs()(shim_cfg.root, &s) == 0 ? (long)s.f_type : 0;
		atomic_store(&type, t);
	}
	return t;
}

/* Is fd a file of the sysroot's /sys? Only asked of fds on the sysroot's
 * filesystem type; /proc shows the real path. */
static bool fd_in_root_sys(int fd)
{
	char proc[64], link[PATH_MAX];
	size_t rl = strlen(shim_cfg.root_abs);
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = shim_real_readlink(proc, link, sizeof(link) - 1);
	if (n < 0 || !rl)
		return false;
	link[n] = '\0';
	return !strncmp(link, shim_cfg.root_abs, rl) && !strncmp(link + rl, "/sys", 4) &&
	       (link[rl + 4] == '\0' || link[rl + 4] == '/');
}

static bool sys_path(const char *path)
{
	return !strncmp(path, "/sys", 4) && (path[4] == '\0' || path[4] == '/');
}

PUBLIC int fstatfs(int fd, struct statfs *s)
{
	int r = get_fstatfs()(fd, s);

	if (r == 0 && tracking && (long)s->f_type == root_fstype() && fd_in_root_sys(fd))
		s->f_type = SYSFS_MAGIC_NUMBER;
	return r;
}

PUBLIC int fstatfs64(int fd, struct statfs64 *s)
{
	int r = get_fstatfs64()(fd, s);

	if (r == 0 && tracking && (long)s->f_type == root_fstype() && fd_in_root_sys(fd))
		s->f_type = SYSFS_MAGIC_NUMBER;
	return r;
}

PUBLIC int statfs(const char *path, struct statfs *s)
{
	char buf[PATH_MAX];
	const char *p = shim_path_map(path, buf, sizeof(buf));
	int r = get_statfs()(p, s);

	if (r == 0 && p != path && sys_path(path))
		s->f_type = SYSFS_MAGIC_NUMBER;
	return r;
}

PUBLIC int statfs64(const char *path, struct statfs64 *s)
{
	char buf[PATH_MAX];
	const char *p = shim_path_map(path, buf, sizeof(buf));
	int r = get_statfs64()(p, s);

	if (r == 0 && p != path && sys_path(path))
		s->f_type = SYSFS_MAGIC_NUMBER;
	return r;
}
