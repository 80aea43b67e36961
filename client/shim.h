/*
 * shim.h - internals of the LD_PRELOAD shim (libfakedri-shim.so).
 *
 * Layers, after Mesa's drm-shim but without its mistakes:
 *   shim_libc.c    the libc interposers; thin, they only route calls
 *   shim_path.c    node configuration, /dev and /sys redirection, stat patching
 *   shim_fdtab.c   which fds are device fds or dma-bufs in this process
 *   shim_dev.c     a device fd: channels to the daemon, ioctl, mmap
 *   shim_dmabuf.c  dma-buf semantics on the memfds handed out by PRIME
 *
 * DOC: object lifetimes in the shim
 * - struct shim_dev is one DRM file as seen by this process. Every fd-table
 *   entry pointing at it holds a reference, and so does every in-flight
 *   call. Dups share it. At the last reference its channels are closed;
 *   the DRM file itself lives on in the daemon until every process has
 *   closed the main socket.
 * - A CUSE node's fd (a real character device of a `fakedrid --cuse`) is
 *   recognised by its dev_t and bound: the shim asks the open file for a
 *   token (FDRI_CUSE_IOCTL_BIND, through the real ioctl), connects to the
 *   daemon and sends HELLO with it. That connection is the shim_dev's
 *   main_sock, owned by it and closed at its last reference; ioctls and
 *   mmap then go over channels as for a socket-mode device. The CUSE fd
 *   stays the DRM file's identity: the daemon releases the file on the
 *   CUSE release, not on the connection's EOF. A forked child keeps
 *   main_sock (it only ever sends ATTACH on it); after exec, or for an fd
 *   received over SCM_RIGHTS, the fd is bound again on first use.
 * - struct shim_dmabuf likewise, per dma-buf fd (and its dups).
 * - After fork the child closes its copies of all channels (they belong to
 *   the parent) and opens new ones on demand.
 * Configuration: FAKEDRI_SOCKET, or when it is unset SHIM_DEFAULT_SOCKET if
 * a daemon's sysroot is there; with neither (or FAKEDRI_SOCKET set empty)
 * the shim passes everything through.
 */
#ifndef SHIM_H
#define SHIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fdri_wire.h"

#define SHIM_NODE_PRIMARY FDRI_NODE_PRIMARY
#define SHIM_NODE_RENDER FDRI_NODE_RENDER
#define SHIM_MAX_DEVICES 8     /* FDRI_MAX_DEVICES */
#define SHIM_MAX_NODES 32      /* of all devices, of each mode */
/* the default socket of `fakedrid --cuse` */
#define SHIM_DEFAULT_SOCKET FDRI_DEFAULT_SOCKET

/* A virtual node of the socket mode: a path the shim opens itself. */
struct shim_node {
	char path[256];
	int type;
	int minor;
	int device;                /* the daemon's index of its device */
};

/* A real CUSE node of the daemon, known by its dev_t. */
struct shim_cuse_node {
	char path[256];
	int type;
	dev_t rdev;
	int device;
};

/* A device of the daemon: its platform device in the sysroot. */
struct shim_device {
	char platform[64];         /* "" if the nodes file names none */
	char prefix[96];           /* /sys/devices/platform/<platform> */
};

struct shim_config {
	bool enabled;              /* nnodes || ncuse */
	char sock[108];
	char root[4096];
	size_t rootlen;
	char root_abs[4096];       /* root with symlinks resolved ("" if none) */
	struct shim_device devices[SHIM_MAX_DEVICES]; /* by index */
	int ndevices;              /* highest index named + 1 */
	struct shim_node nodes[SHIM_MAX_NODES]; /* in the file's order */
	int nnodes;
	struct shim_cuse_node cuse[SHIM_MAX_NODES];
	int ncuse;
};

extern struct shim_config shim_cfg;

/* --- real libc functions (shim_libc.c) --- */
/*
 * SHIM_REAL(name, ret, args) defines real_<name>, a pointer to the next
 * definition of libc's name (the one the shim's interposer hides), and
 * get_<name>(), which looks it up with dlsym(RTLD_NEXT) on first use and
 * returns it. The file using it includes <dlfcn.h> under _GNU_SOURCE.
 */
#define SHIM_REAL(name, ret, args) \
	static ret (*real_##name) args; \
	static ret (*get_##name(void)) args \
	{ \
		if (!real_##name) \
			real_##name = (ret (*) args)dlsym(RTLD_NEXT, #name); \
		return real_##name; \
	}

/* libc declares these paths nonnull; callers may still pass NULL */
static inline bool shim_path_is_empty(const char *p)
{
	return p && !*p;
}

static inline bool shim_path_is_abs(const char *p)
{
	return p && p[0] == '/';
}

int shim_real_close(int fd);
int shim_real_fstat(int fd, struct stat *st);
int shim_real_stat(const char *path, struct stat *st);
int shim_real_fcntl(int fd, int cmd, long arg);
int shim_real_open(const char *path, int flags);
ssize_t shim_real_readlink(const char *path, char *out, size_t len);
void *shim_real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int shim_real_ioctl(int fd, unsigned long req, void *arg);
struct msghdr;
ssize_t shim_real_recvmsg(int fd, struct msghdr *m, int flags);

/* --- fd-indexed arrays (shim_fdtab.c) --- */
/*
 * An array indexed by fd number whose entries are read without a lock (the
 * fd table below, shim_udev.c's directory-fd table). Writers serialise
 * shim_fdarr_grow() and their stores with a lock of their own. An array is
 * grown by copying and an outgrown one is kept, never freed, so a lock-free
 * reader never touches freed memory; a grown length is stored after its
 * array, so shim_fdarr_at(), which loads the length first, never indexes an
 * array shorter than the length it checked.
 */
struct shim_fdarr {
	void *_Atomic arr;
	atomic_int len;
	size_t esize;
	/* outgrown arrays, reachable on purpose (LeakSanitizer): sizes double
	 * from 64, so an int fd needs at most 26 growths */
	void *retired[32];
	int nretired;
};

#define SHIM_FDARR_INIT(type) { .esize = sizeof(type) }

int shim_fdarr_grow(struct shim_fdarr *a, int fd);

/* The entry of @fd, or NULL if the array does not reach it. Lock-free. */
static inline void *shim_fdarr_at(struct shim_fdarr *a, int fd)
{
	int len = atomic_load_explicit(&a->len, memory_order_acquire);
	char *t = atomic_load_explicit(&a->arr, memory_order_acquire);

	if (fd < 0 || fd >= len || !t)
		return NULL;
	return t + (size_t)fd * a->esize;
}

static inline int shim_fdarr_len(struct shim_fdarr *a)
{
	return atomic_load_explicit(&a->len, memory_order_acquire);
}

/* --- fd table (shim_fdtab.c) --- */
/*
 * There is no "not ours" kind to cache a negative answer: an fd number can
 * be closed behind the shim's back (glibc's fclose() and other internal
 * closes do not go through the interposed close()) and then reused for a
 * dma-buf received over SCM_RIGHTS, which a stale "not ours" would hide.
 * So an unknown fd costs one fstat() when it is mmapped or ioctl'd.
 */
enum shim_fd_kind {
	SHIM_FD_UNKNOWN = 0,
	SHIM_FD_DEVICE = 2,
	SHIM_FD_DMABUF,
	SHIM_FD_FENCE,      /* a sync_file, syncobj file or sw_sync timeline: no object */
};

struct shim_dev;
struct shim_dmabuf;

int shim_fd_kind(int fd);                  /* lock-free */
/* Returns the object with a reference, or NULL. */
struct shim_dev *shim_fd_dev(int fd);
struct shim_dmabuf *shim_fd_dmabuf(int fd);
/* A fence fd's kind (enum fdri_wire_fd_kind, as a pointer; NULL: not known). */
void *shim_fd_fence_kind(int fd);
/* Sets fd's entry; takes over one reference of obj (may be NULL). */
void shim_fd_set(int fd, int kind, void *obj);
void shim_fd_clear(int fd);
void shim_fd_clear_range(unsigned int first, unsigned int last);
/* newfd becomes a copy of oldfd's entry (after a successful dup). */
void shim_fd_dup(int oldfd, int newfd);
void shim_fdtab_atfork_prepare(void);
void shim_fdtab_atfork_parent(void);
void shim_fdtab_atfork_child(void);

/* --- devices (shim_dev.c) --- */
struct shim_dev {
	atomic_int refs;
	int type;                /* SHIM_NODE_* */
	int device;              /* the daemon's device index */
	int open_flags;
	int main_sock;           /* -1: the device fd is the main socket; else
				  * the connection bound to a CUSE open file */
	pthread_mutex_t lock;
	int *idle, nidle, cap;   /* idle channels */
	int *all, nall, capall;  /* every channel this process holds */
	struct shim_dev *next;   /* the process-wide list, for fork */
};

void shim_dev_put(struct shim_dev *d);
/* open() of a node path: a new DRM file. Returns fd or -1/errno. */
int shim_dev_open(int device, int type, int flags);
/* Adopts fd if it is a device socket of our daemon or one of its CUSE
 * nodes (bound then). Returns the device with a reference, or NULL. */
struct shim_dev *shim_dev_adopt(int fd);
/* After a real open() returned fd: binds it if it is one of our CUSE nodes. */
/* After a real open(): binds fd if it is a CUSE node of ours; EBUSY for
 * O_EXCL. Returns fd, or -1 with errno. */
int shim_dev_cuse_opened(int fd, int flags);
/* A bound CUSE fd: a real file, whose stat and /proc link are the real ones. */
static inline bool shim_dev_is_cuse(const struct shim_dev *d)
{
	return d->main_sock >= 0;
}
int shim_dev_ioctl(int fd, struct shim_dev *d, unsigned long req, void *arg);
/* The same for an ioctl made on fd @target (a fence fd or dma-buf), sent
 * along; @fd is then the connection's own (main_sock). */
int shim_dev_ioctl_target(int fd, struct shim_dev *d, unsigned long req, void *arg, int target);
/* A connection without a DRM file to device @device, for fence fds: its
 * main socket is d->main_sock, closed at the last reference. NULL/errno. */
struct shim_dev *shim_dev_open_fileless(int device);
void *shim_dev_mmap(int fd, struct shim_dev *d, void *addr, size_t len, int prot,
		    int flags, off_t off);
/* fstat of device fd fd: the node's (patched), or the real one for CUSE. */
int shim_dev_fstat(int fd, struct shim_dev *d, struct stat *st);
const char *shim_dev_path(const struct shim_dev *d);
void shim_dev_atfork_child(void);

/* --- dma-bufs (shim_dmabuf.c) --- */
struct shim_dmabuf {
	atomic_int refs;
	uint64_t size;
	pthread_mutex_t lock;
	char name[32];
	int proxy;                 /* the daemon's poll proxy, -1 until asked */
	bool no_proxy;             /* the daemon has none: poll the memfd */
};

struct shim_dmabuf *shim_dmabuf_new(uint64_t size);
void shim_dmabuf_put(struct shim_dmabuf *b);
struct shim_dmabuf *shim_dmabuf_adopt(int fd);
int shim_dmabuf_ioctl(int fd, struct shim_dmabuf *b, unsigned long req, void *arg);
off_t shim_dmabuf_lseek(int fd, struct shim_dmabuf *b, off_t off, int whence);
/* The fd to poll for dma-buf fd @fd (its implicit fences), or -1. */
int shim_dmabuf_poll_fd(int fd);
void *shim_dmabuf_mmap(int fd, struct shim_dmabuf *b, void *addr, size_t len, int prot,
		       int flags, off_t off);

/* --- fence fds (shim_fence.c) --- */
/* An ioctl on a fence fd: forwarded to the daemon. 0 or -errno. */
int shim_fence_ioctl(int fd, unsigned long req, void *arg);
/* Whether fd is a fence fd of our daemon (one that came by SCM_RIGHTS or
 * exec); if so it is entered in the fd table. */
bool shim_fence_adopt(int fd);
/* A sw_sync timeline's fd (the table says what kind of fence fd)? */
bool shim_fence_is_timeline(int fd);
/* close() of a fence fd whose last close the daemon must see before
 * close() returns: 0 or -1/errno, the fd is closed in any case. */
int shim_fence_close(int fd);
/* After close() of a device fd: if this process uses fence fds (which it
 * can poll without asking the daemon), waits until the daemon has seen
 * the close, so a released file's fences are signalled as close() returns. */
void shim_fence_sync_close(void);
/* open() of the sw_sync file: a new timeline. fd or -1/errno. */
int shim_sw_sync_open(int flags);
/* Is @path the sw_sync file (/dev/sw_sync, debugfs' sync/sw_sync)? */
bool shim_sw_sync_path(const char *path);

/* --- debugfs (shim_debugfs.c) --- */
/* Opens a debugfs file of ours at @path (relative to @dirfd): the fd, or
 * -1 with errno; -2 if the path is not one. */
int shim_debugfs_open(int dirfd, const char *path, int flags);

/* --- paths (shim_path.c) --- */
void shim_config_load(void);
/* The path to use for a real call: @path itself, or its copy under the
 * fake root written to buf. */
const char *shim_path_map(const char *path, char *buf, size_t len);
/* The node a path names, or NULL. */
const struct shim_node *shim_path_node(const char *path);
/* The first virtual node of device (an index of the daemon's) with that
 * type (SHIM_NODE_*), i.e. its card or render node, or NULL. */
const struct shim_node *shim_node_of(int device, int type);
/* The CUSE node with this dev_t, or NULL. */
const struct shim_cuse_node *shim_cuse_node(dev_t rdev);
/* Patches a stat of a node's fake file into a character device. */
void shim_stat_patch(const struct shim_node *n, struct stat *st);

/* --- node permissions (shim_perm.c) --- */
/* Sets st's mode (a character device's), owner and group to those the
 * daemon publishes for the nodes of @device and @type. */
void shim_perm_stat(int device, int type, struct stat *st);
/* access()/faccessat() of a node: 0, or -1 with errno. */
int shim_perm_access(int device, int type, int mode, int flags);
/* "/proc/self/fd/N" (or /proc/<pid>/fd/N of this process): N, else -1. */
int shim_path_procfd(const char *path);
/* Strips the fake root prefix from a resolved path, in place. */
void shim_path_unmap(char *resolved);

/* --- libudev: directory fds, merged listings, sysfs (shim_udev.c) --- */
#include <dirent.h>
void shim_udev_init(void);
/* Is an absolute path one of the udev-only redirections (shim_path.c)? */
bool shim_udev_redirected(const char *path);
/* *at call on dirfd with relative path: the absolute path to use instead,
 * written to buf, or NULL to make the call as it is. */
const char *shim_udev_at(int dirfd, const char *path, char *buf, size_t len);
/* An open of absolute path returned fd (>= 0). */
void shim_udev_opened(int fd, const char *path);
DIR *shim_udev_opendir(const char *path, const char *mapped);
void shim_udev_fd_clear(int fd);
void shim_udev_fd_clear_range(unsigned int first, unsigned int last);
void shim_udev_fd_dup(int oldfd, int newfd);
/* The node a /dev/dri/by-path/ link of the sysroot points to, or NULL. */
const struct shim_node *shim_udev_devlink_node(const char *path);

/* --- user memory (shim_dev.c) --- */
int shim_copy_from_user(void *dst, const void *src, size_t n);
int shim_copy_to_user(void *dst, const void *src, size_t n);

#endif
