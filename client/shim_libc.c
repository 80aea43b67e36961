/*
 * shim_libc.c - the libc interposers of libfakedri-shim.so.
 *
 * Each interposer decides in O(1) whether a call concerns fakedri (a
 * managed fd, a node path, a redirected /dev or /sys path) and otherwise
 * calls the real function. Errors are reported the libc way: -1 and errno,
 * never a negative errno as a return value. Owns only the real function
 * pointers.
 */
#define _GNU_SOURCE
#include "shim.h"
#include "shim_uevent.h"

#include <dirent.h>
#include <sys/uio.h>
#include <sys/select.h>
#include <sys/epoll.h>
#include <poll.h>
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PUBLIC __attribute__((visibility("default")))

SHIM_REAL(open, int, (const char *, int, ...))
SHIM_REAL(open64, int, (const char *, int, ...))
SHIM_REAL(openat, int, (int, const char *, int, ...))
SHIM_REAL(openat64, int, (int, const char *, int, ...))
SHIM_REAL(__open_2, int, (const char *, int))
SHIM_REAL(__open64_2, int, (const char *, int))
SHIM_REAL(__openat_2, int, (int, const char *, int))
SHIM_REAL(__openat64_2, int, (int, const char *, int))
SHIM_REAL(close, int, (int))
SHIM_REAL(close_range, int, (unsigned int, unsigned int, int))
SHIM_REAL(closefrom, void, (int))
SHIM_REAL(dup, int, (int))
SHIM_REAL(dup2, int, (int, int))
SHIM_REAL(dup3, int, (int, int, int))
SHIM_REAL(fcntl, int, (int, int, ...))
SHIM_REAL(fcntl64, int, (int, int, ...))
SHIM_REAL(ioctl, int, (int, unsigned long, ...))
SHIM_REAL(mmap, void *, (void *, size_t, int, int, int, off_t))
SHIM_REAL(lseek, off_t, (int, off_t, int))
SHIM_REAL(lseek64, off64_t, (int, off64_t, int))
SHIM_REAL(recvmsg, ssize_t, (int, struct msghdr *, int))
SHIM_REAL(recvmmsg, int, (int, struct mmsghdr *, unsigned int, int, struct timespec *))
SHIM_REAL(read, ssize_t, (int, void *, size_t))
SHIM_REAL(readv, ssize_t, (int, const struct iovec *, int))
SHIM_REAL(pread, ssize_t, (int, void *, size_t, off_t))
SHIM_REAL(pread64, ssize_t, (int, void *, size_t, off64_t))
SHIM_REAL(write, ssize_t, (int, const void *, size_t))
SHIM_REAL(writev, ssize_t, (int, const struct iovec *, int))
SHIM_REAL(pwrite, ssize_t, (int, const void *, size_t, off_t))
SHIM_REAL(pwrite64, ssize_t, (int, const void *, size_t, off64_t))
SHIM_REAL(poll, int, (struct pollfd *, nfds_t, int))
SHIM_REAL(ppoll, int, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *))
SHIM_REAL(select, int, (int, fd_set *, fd_set *, fd_set *, struct timeval *))
SHIM_REAL(pselect, int, (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *))
SHIM_REAL(epoll_ctl, int, (int, int, int, struct epoll_event *))
SHIM_REAL(stat, int, (const char *, struct stat *))
SHIM_REAL(fstat, int, (int, struct stat *))
SHIM_REAL(fstatat, int, (int, const char *, struct stat *, int))
SHIM_REAL(statx, int, (int, const char *, int, unsigned int, struct statx *))
SHIM_REAL(getxattr, ssize_t, (const char *, const char *, void *, size_t))
SHIM_REAL(lgetxattr, ssize_t, (const char *, const char *, void *, size_t))
SHIM_REAL(listxattr, ssize_t, (const char *, char *, size_t))
SHIM_REAL(llistxattr, ssize_t, (const char *, char *, size_t))
SHIM_REAL(setxattr, int, (const char *, const char *, const void *, size_t, int))
SHIM_REAL(lsetxattr, int, (const char *, const char *, const void *, size_t, int))
SHIM_REAL(removexattr, int, (const char *, const char *))
SHIM_REAL(lremovexattr, int, (const char *, const char *))
SHIM_REAL(fgetxattr, ssize_t, (int, const char *, void *, size_t))
SHIM_REAL(flistxattr, ssize_t, (int, char *, size_t))
SHIM_REAL(fsetxattr, int, (int, const char *, const void *, size_t, int))
SHIM_REAL(fremovexattr, int, (int, const char *))
SHIM_REAL(access, int, (const char *, int))
SHIM_REAL(faccessat, int, (int, const char *, int, int))
SHIM_REAL(readlinkat, ssize_t, (int, const char *, char *, size_t))
SHIM_REAL(realpath, char *, (const char *, char *))
SHIM_REAL(__realpath_chk, char *, (const char *, char *, size_t))
SHIM_REAL(scandir, int, (const char *, struct dirent ***, int (*)(const struct dirent *),
		  int (*)(const struct dirent **, const struct dirent **)))
SHIM_REAL(fopen, FILE *, (const char *, const char *))
SHIM_REAL(fopen64, FILE *, (const char *, const char *))

int shim_real_close(int fd) { return get_close()(fd); }
int shim_real_fstat(int fd, struct stat *st) { return get_fstat()(fd, st); }
int shim_real_stat(const char *p, struct stat *st) { return get_stat()(p, st); }
int shim_real_fcntl(int fd, int cmd, long arg) { return get_fcntl()(fd, cmd, arg); }
int shim_real_open(const char *p, int flags) { return get_open()(p, flags); }
ssize_t shim_real_readlink(const char *p, char *out, size_t len)
{
	return get_readlinkat()(AT_FDCWD, p, out, len);
}
int shim_real_ioctl(int fd, unsigned long req, void *arg) { return get_ioctl()(fd, req, arg); }
void *shim_real_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	return get_mmap()(a, l, p, f, fd, o);
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static void atfork_child(void)
{
	shim_fdtab_atfork_child();
	shim_dev_atfork_child();
}

ssize_t shim_real_recvmsg(int fd, struct msghdr *m, int flags)
{
	return get_recvmsg()(fd, m, flags);
}

/* An fd this process did not get from the shim: a dma-buf of ours is
 * entered in the fd table at once, so poll() sees its fences even if
 * nothing else is ever done with it (fence fds need nothing: they are
 * pollable as they are). */
static void adopt_fd(int fd)
{
	struct shim_dmabuf *b;

	if (shim_fd_kind(fd) != SHIM_FD_UNKNOWN)
		return;
	b = shim_dmabuf_adopt(fd);
	shim_dmabuf_put(b);
}

/* The fds of SCM_RIGHTS messages received. */
static void adopt_received(const struct msghdr *m)
{
	if (!shim_cfg.enabled || !m->msg_control)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			adopt_fd(fd);
		}
	}
}

PUBLIC ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	ssize_t n;

	if (m && shim_uevent_is_socket(fd))
		return shim_uevent_recvmsg(fd, m, flags);
	n = get_recvmsg()(fd, m, flags);

	if (n >= 0 && m)
		adopt_received(m);
	return n;
}

PUBLIC int recvmmsg(int fd, struct mmsghdr *v, unsigned int len, int flags, struct timespec *t)
{
	int n = get_recvmmsg()(fd, v, len, flags, t);

	for (int i = 0; i < n && v; i++)
		adopt_received(&v[i].msg_hdr);
	return n;
}

/* The fds inherited across exec. */
static void adopt_inherited(void)
{
	DIR *d;
	struct dirent *e;

	if (!shim_cfg.enabled || !(d = opendir("/proc/self/fd")))
		return;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		adopt_fd((int)fd);
	}
	closedir(d);
}

__attribute__((constructor)) static void shim_init(void)
{
	shim_config_load();
	shim_udev_init();
	pthread_atfork(shim_fdtab_atfork_prepare, shim_fdtab_atfork_parent, atfork_child);
	adopt_inherited();
}

/* --- open --- */

/* Opens of fakedri paths; returns -2 if the path is not ours. */
static int open_ours(int dirfd, const char *path, int flags, char *buf, size_t len,
		     const char **mapped)
{
	const struct shim_node *n;
	int pfd;

	*mapped = path;
	if (!shim_cfg.enabled || !path)
		return -2;
	if (path[0] != '/' && dirfd != AT_FDCWD)
		return shim_debugfs_open(dirfd, path, flags);
	n = shim_path_node(path);
	if (n && shim_uevent_node_gone(n->path))
		return fail(ENOENT); /* unbound: its node is gone */
	if (n)
		return shim_dev_open(n->device, n->type, flags);
	if (shim_sw_sync_path(path))
		return shim_sw_sync_open(flags);
	pfd = shim_debugfs_open(dirfd, path, flags);
	if (pfd != -2)
		return pfd;
	pfd = shim_path_procfd(path);
	if (pfd >= 0 && shim_fd_kind(pfd) == SHIM_FD_DEVICE) {
		/* reopening a DRM fd through /proc opens a new DRM file; a CUSE
		 * node's is a real open, bound like any other */
		struct shim_dev *d = shim_fd_dev(pfd);
		int fd = -2;

		if (!d)
			fd = fail(EBADF);
		else if (!shim_dev_is_cuse(d))
			fd = shim_dev_open(d->device, d->type, flags);
		shim_dev_put(d);
		if (fd != -2)
			return fd;
	}
	*mapped = shim_path_map(path, buf, len);
	return -2;
}

/* Any real open may have opened one of our CUSE nodes (by any path). */
#define OPEN_BODY(dirfd, call) \
	char buf[PATH_MAX]; \
	const char *p; \
	int r = open_ours(dirfd, path, flags, buf, sizeof(buf), &p); \
	if (r != -2) \
		return r; \
	r = call; \
	if (r >= 0 && shim_cfg.ncuse && !(flags & O_PATH)) \
		r = shim_dev_cuse_opened(r, flags); \
	if (r >= 0) \
		shim_udev_opened(r, path); \
	if (r >= 0 && (flags & O_ACCMODE) != O_RDONLY) \
		shim_uevent_opened(r, path, flags); \
	return r

/* A relative name on a directory fd the shim tracks (shim_udev.c) becomes
 * the absolute path it stands for. */
#define UDEV_AT(dirfd, path) \
	char ubuf_[PATH_MAX]; \
	const char *uj_ = shim_udev_at(dirfd, path, ubuf_, sizeof(ubuf_)); \
	if (uj_) { \
		dirfd = AT_FDCWD; \
		path = uj_; \
	}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

PUBLIC int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(AT_FDCWD, get_open()(p, flags, mode));
}

PUBLIC int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(AT_FDCWD, get_open64()(p, flags, mode));
}

PUBLIC int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	UDEV_AT(dirfd, path);
	OPEN_BODY(dirfd, get_openat()(dirfd, p, flags, mode));
}

PUBLIC int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	UDEV_AT(dirfd, path);
	OPEN_BODY(dirfd, get_openat64()(dirfd, p, flags, mode));
}

PUBLIC int __open_2(const char *path, int flags)
{
	OPEN_BODY(AT_FDCWD, get___open_2()(p, flags));
}

PUBLIC int __open64_2(const char *path, int flags)
{
	OPEN_BODY(AT_FDCWD, get___open64_2()(p, flags));
}

PUBLIC int __openat_2(int dirfd, const char *path, int flags)
{
	UDEV_AT(dirfd, path);
	OPEN_BODY(dirfd, get___openat_2()(dirfd, p, flags));
}

PUBLIC int __openat64_2(int dirfd, const char *path, int flags)
{
	UDEV_AT(dirfd, path);
	OPEN_BODY(dirfd, get___openat64_2()(dirfd, p, flags));
}

PUBLIC FILE *fopen(const char *path, const char *mode)
{
	char buf[PATH_MAX];

	return get_fopen()(shim_path_map(path, buf, sizeof(buf)), mode);
}

PUBLIC FILE *fopen64(const char *path, const char *mode)
{
	char buf[PATH_MAX];

	return get_fopen64()(shim_path_map(path, buf, sizeof(buf)), mode);
}

/* --- fd lifetime --- */

PUBLIC int close(int fd)
{
	if (shim_fd_kind(fd) == SHIM_FD_FENCE && shim_fence_is_timeline(fd)) {
		/* closing a timeline signals its points: at once, as in the kernel */
		shim_fd_clear(fd);
		return shim_fence_close(fd);
	}
	if (shim_fd_kind(fd) == SHIM_FD_DEVICE) {
		int r;

		shim_fd_clear(fd);
		r = get_close()(fd);
		if (r == 0)
			shim_fence_sync_close();
		return r;
	}
	shim_fd_clear(fd);
	return get_close()(fd);
}

PUBLIC int close_range(unsigned int first, unsigned int last, int flags)
{
	int r = get_close_range()(first, last, flags);

	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		shim_fd_clear_range(first, last);
	return r;
}

PUBLIC void closefrom(int lowfd)
{
	if (lowfd >= 0)
		shim_fd_clear_range((unsigned int)lowfd, ~0u);
	get_closefrom()(lowfd);
}

PUBLIC int dup(int fd)
{
	int r = get_dup()(fd);

	if (r >= 0)
		shim_fd_dup(fd, r);
	return r;
}

PUBLIC int dup2(int oldfd, int newfd)
{
	int r = get_dup2()(oldfd, newfd);

	if (r >= 0 && oldfd != newfd)
		shim_fd_dup(oldfd, newfd);
	return r;
}

PUBLIC int dup3(int oldfd, int newfd, int flags)
{
	int r = get_dup3()(oldfd, newfd, flags);

	if (r >= 0)
		shim_fd_dup(oldfd, newfd);
	return r;
}

static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd, va_list ap)
{
	void *arg = va_arg(ap, void *);
	int r = real(fd, cmd, arg);

	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		shim_fd_dup(fd, r);
	return r;
}

PUBLIC int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int r;

	va_start(ap, cmd);
	r = do_fcntl(get_fcntl(), fd, cmd, ap);
	va_end(ap);
	return r;
}

PUBLIC int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	int r;

	va_start(ap, cmd);
	r = do_fcntl(get_fcntl64(), fd, cmd, ap);
	va_end(ap);
	return r;
}

/* --- ioctl, mmap, lseek --- */

PUBLIC int ioctl(int fd, unsigned long req, ...)
{
	int kind = shim_fd_kind(fd);
	unsigned type = _IOC_TYPE((unsigned)req);
	void *arg;
	va_list ap;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (kind == SHIM_FD_DEVICE || (kind == SHIM_FD_UNKNOWN && type == 'd' && shim_cfg.enabled)) {
		struct shim_dev *d = kind == SHIM_FD_DEVICE ? shim_fd_dev(fd) : shim_dev_adopt(fd);

		if (d) {
			r = shim_dev_ioctl(fd, d, req, arg);
			shim_dev_put(d);
			return r < 0 ? fail(-r) : r;
		}
	}
	if (kind == SHIM_FD_FENCE ||
	    (kind == SHIM_FD_UNKNOWN && (type == '>' || type == 'W') && shim_fence_adopt(fd))) {
		r = shim_fence_ioctl(fd, req, arg);
		return r < 0 ? fail(-r) : r;
	}
	if (kind == SHIM_FD_DMABUF || (kind == SHIM_FD_UNKNOWN && type == 'b' && shim_cfg.enabled)) {
		struct shim_dmabuf *b = kind == SHIM_FD_DMABUF ? shim_fd_dmabuf(fd) : shim_dmabuf_adopt(fd);

		if (b) {
			r = shim_dmabuf_ioctl(fd, b, req, arg);
			shim_dmabuf_put(b);
			return r < 0 ? fail(-r) : r;
		}
	}
	return get_ioctl()(fd, req, arg);
}

static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int kind = shim_fd_kind(fd);
	struct stat st;
	void *p;

	if (kind == SHIM_FD_UNKNOWN && fd >= 0 && shim_cfg.enabled && !(flags & MAP_ANONYMOUS) &&
	    get_fstat()(fd, &st) == 0) {
		if (S_ISSOCK(st.st_mode) || (S_ISCHR(st.st_mode) && shim_cuse_node(st.st_rdev))) {
			struct shim_dev *d = shim_dev_adopt(fd);

			shim_dev_put(d);
		} else if (S_ISREG(st.st_mode) && st.st_nlink == 0) {
			shim_dmabuf_put(shim_dmabuf_adopt(fd));
		}
		kind = shim_fd_kind(fd);
	}
	if (kind == SHIM_FD_DEVICE) {
		struct shim_dev *d = shim_fd_dev(fd);

		p = d ? shim_dev_mmap(fd, d, addr, len, prot, flags, off) : get_mmap()(addr, len, prot, flags, fd, off);
		shim_dev_put(d);
		return p;
	}
	if (kind == SHIM_FD_DMABUF) {
		struct shim_dmabuf *b = shim_fd_dmabuf(fd);

		p = b ? shim_dmabuf_mmap(fd, b, addr, len, prot, flags, off) : get_mmap()(addr, len, prot, flags, fd, off);
		shim_dmabuf_put(b);
		return p;
	}
	return get_mmap()(addr, len, prot, flags, fd, off);
}

PUBLIC void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

PUBLIC void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	return do_mmap(addr, len, prot, flags, fd, (off_t)off);
}

/* --- the DRM fd's other file operations (drm_driver fops) --- */

/* The DRM file has no write at all; a socket-mode device fd is a socket,
 * a CUSE one would reach the daemon. */
static bool is_device(int fd)
{
	return shim_fd_kind(fd) == SHIM_FD_DEVICE;
}

/* Neither a DRM file nor a fence fd (sync_file, syncobj, sw_sync) has a
 * write operation: vfs_write() answers EINVAL. */
static bool no_write(int fd)
{
	int kind = shim_fd_kind(fd);

	return kind == SHIM_FD_DEVICE || kind == SHIM_FD_FENCE;
}

/* A fence fd (sync_file, syncobj, sw_sync) has no read operation either:
 * EINVAL, where its socket would give EOF or block. (A DRM fd's read
 * returns events, none of which exist without KMS: it is the socket's.) */
static bool no_read(int fd)
{
	return shim_fd_kind(fd) == SHIM_FD_FENCE;
}

PUBLIC ssize_t read(int fd, void *buf, size_t len)
{
	return no_read(fd) ? fail(EINVAL) : get_read()(fd, buf, len);
}

PUBLIC ssize_t readv(int fd, const struct iovec *iov, int n)
{
	return no_read(fd) ? fail(EINVAL) : get_readv()(fd, iov, n);
}

PUBLIC ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return no_read(fd) ? fail(EINVAL) : get_pread()(fd, buf, len, off);
}

PUBLIC ssize_t pread64(int fd, void *buf, size_t len, off64_t off)
{
	return no_read(fd) ? fail(EINVAL) : get_pread64()(fd, buf, len, off);
}

PUBLIC ssize_t write(int fd, const void *buf, size_t len)
{
	if (shim_uevent_is_sysfs(fd))
		return shim_uevent_sysfs_write(fd, buf, len);
	return no_write(fd) ? fail(EINVAL) : get_write()(fd, buf, len);
}

PUBLIC ssize_t writev(int fd, const struct iovec *iov, int n)
{
	return no_write(fd) ? fail(EINVAL) : get_writev()(fd, iov, n);
}

PUBLIC ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return no_write(fd) ? fail(EINVAL) : get_pwrite()(fd, buf, len, off);
}

PUBLIC ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	return no_write(fd) ? fail(EINVAL) : get_pwrite64()(fd, buf, len, off);
}

/*
 * poll() on our fds: drm_poll() reports only POLLIN (events), and a socket
 * is always writable, so writability is never asked of a device fd; a
 * dma-buf (a memfd, always ready) is polled through its proxy, whose
 * POLLIN and POLLOUT are dma_buf_poll()'s (shim_dmabuf_poll_fd()).
 */
struct poll_saved {
	short events;
	int fd;
};

/* Returns whether any entry was changed, so the caller restores them. */
static bool poll_prepare(struct pollfd *fds, nfds_t n, struct poll_saved *saved)
{
	bool any = false;

	for (nfds_t i = 0; i < n; i++) {
		int kind = shim_fd_kind(fds[i].fd), p;

		saved[i].events = fds[i].events;
		saved[i].fd = fds[i].fd;
		if (kind == SHIM_FD_DEVICE) {
			fds[i].events &= (short)~(POLLOUT | POLLWRNORM | POLLWRBAND);
			any = true;
		} else if (kind == SHIM_FD_DMABUF && (p = shim_dmabuf_poll_fd(fds[i].fd)) >= 0) {
			fds[i].fd = p;
			any = true;
		}
	}
	return any;
}

static void poll_finish(struct pollfd *fds, nfds_t n, const struct poll_saved *saved)
{
	for (nfds_t i = 0; i < n; i++) {
		/* a proxy that hung up: the daemon forgot the dma-buf, and
		 * with it its fences: idle */
		if (fds[i].fd != saved[i].fd && (fds[i].revents & (POLLHUP | POLLERR)))
			fds[i].revents = saved[i].events & (POLLIN | POLLOUT);
		fds[i].fd = saved[i].fd;
		fds[i].events = saved[i].events;
	}
}

PUBLIC int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct poll_saved stack[64], *saved = n <= 64 ? stack : malloc(n * sizeof(*saved));
	int r;

	if (!shim_cfg.enabled || !saved || !poll_prepare(fds, n, saved)) {
		if (saved && saved != stack)
			free(saved);
		return get_poll()(fds, n, timeout);
	}
	r = get_poll()(fds, n, timeout);
	poll_finish(fds, n, saved);
	if (saved != stack)
		free(saved);
	return r;
}

PUBLIC int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	struct poll_saved stack[64], *saved = n <= 64 ? stack : malloc(n * sizeof(*saved));
	int r;

	if (!shim_cfg.enabled || !saved || !poll_prepare(fds, n, saved)) {
		if (saved && saved != stack)
			free(saved);
		return get_ppoll()(fds, n, ts, mask);
	}
	r = get_ppoll()(fds, n, ts, mask);
	poll_finish(fds, n, saved);
	if (saved != stack)
		free(saved);
	return r;
}

/*
 * select: a device fd is never writable; a dma-buf is watched through its
 * poll proxy, as in poll(): its bits move to the proxy's before the call
 * and back after it (several dups of one dma-buf share a proxy).
 */
struct select_map {
	int fd, proxy;
	bool r, w;
};

#define SELECT_MAX_MAPPED 64

static int select_prepare(int n, fd_set *r, fd_set *w, struct select_map *map, int *nmap)
{
	*nmap = 0;
	if (!shim_cfg.enabled)
		return n;
	for (int fd = 0; fd < n && fd < FD_SETSIZE; fd++) {
		bool in_r = r && FD_ISSET(fd, r), in_w = w && FD_ISSET(fd, w);
		int kind, p;

		if (!in_r && !in_w)
			continue;
		kind = shim_fd_kind(fd);
		if (kind == SHIM_FD_DEVICE && in_w) {
			FD_CLR(fd, w);
		} else if (kind == SHIM_FD_DMABUF && *nmap < SELECT_MAX_MAPPED &&
			   (p = shim_dmabuf_poll_fd(fd)) >= 0 && p < FD_SETSIZE) {
			map[(*nmap)++] = (struct select_map){ fd, p, in_r, in_w };
		}
	}
	for (int i = 0; i < *nmap; i++) {
		if (map[i].r) {
			FD_CLR(map[i].fd, r);
			FD_SET(map[i].proxy, r);
		}
		if (map[i].w) {
			FD_CLR(map[i].fd, w);
			FD_SET(map[i].proxy, w);
		}
		if (map[i].proxy >= n)
			n = map[i].proxy + 1;
	}
	return n;
}

/* Moves the proxies' results back; returns the count select() would give. */
static int select_finish(int ret, fd_set *r, fd_set *w, const struct select_map *map, int nmap)
{
	bool pr[SELECT_MAX_MAPPED], pw[SELECT_MAX_MAPPED];

	if (ret < 0 || !nmap)
		return ret;
	for (int i = 0; i < nmap; i++) {
		pr[i] = map[i].r && FD_ISSET(map[i].proxy, r);
		pw[i] = map[i].w && FD_ISSET(map[i].proxy, w);
	}
	for (int i = 0; i < nmap; i++) {
		/* a proxy shared by dups counted once: count each dup's bits */
		if (map[i].r && FD_ISSET(map[i].proxy, r)) {
			FD_CLR(map[i].proxy, r);
			ret--;
		}
		if (map[i].w && FD_ISSET(map[i].proxy, w)) {
			FD_CLR(map[i].proxy, w);
			ret--;
		}
	}
	for (int i = 0; i < nmap; i++) {
		if (pr[i]) {
			FD_SET(map[i].fd, r);
			ret++;
		}
		if (pw[i]) {
			FD_SET(map[i].fd, w);
			ret++;
		}
	}
	return ret;
}

PUBLIC int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	struct select_map map[SELECT_MAX_MAPPED];
	int nmap;

	n = select_prepare(n, r, w, map, &nmap);
	return select_finish(get_select()(n, r, w, e, tv), r, w, map, nmap);
}

PUBLIC int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
		   const sigset_t *mask)
{
	struct select_map map[SELECT_MAX_MAPPED];
	int nmap;

	n = select_prepare(n, r, w, map, &nmap);
	return select_finish(get_pselect()(n, r, w, e, ts, mask), r, w, map, nmap);
}

PUBLIC int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct epoll_event copy;

	/* a dma-buf is watched through its proxy (see poll()) */
	if (shim_cfg.enabled && shim_fd_kind(fd) == SHIM_FD_DMABUF) {
		int p = shim_dmabuf_poll_fd(fd);

		if (p >= 0)
			return get_epoll_ctl()(epfd, op, p, ev);
	}
	if (ev && (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && is_device(fd)) {
		copy = *ev;
		copy.events &= ~(uint32_t)(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
		return get_epoll_ctl()(epfd, op, fd, &copy);
	}
	return get_epoll_ctl()(epfd, op, fd, ev);
}

static off_t do_lseek(int fd, off_t off, int whence, bool is64)
{
	/* drm fops use noop_llseek: the position stays 0 */
	if (is_device(fd))
		return 0;
	struct stat st;

	/* a dma-buf received over a socket or kept across exec is not in the
	 * table yet: adopt it, as do_mmap() does */
	if (shim_fd_kind(fd) == SHIM_FD_UNKNOWN && fd >= 0 && shim_cfg.enabled &&
	    get_fstat()(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0)
		shim_dmabuf_put(shim_dmabuf_adopt(fd));
	if (shim_fd_kind(fd) == SHIM_FD_DMABUF) {
		struct shim_dmabuf *b = shim_fd_dmabuf(fd);

		if (b) {
			off_t r = shim_dmabuf_lseek(fd, b, off, whence);

			shim_dmabuf_put(b);
			return r;
		}
	}
	return is64 ? get_lseek64()(fd, off, whence) : get_lseek()(fd, off, whence);
}

PUBLIC off_t lseek(int fd, off_t off, int whence)
{
	return do_lseek(fd, off, whence, false);
}

PUBLIC off64_t lseek64(int fd, off64_t off, int whence)
{
	return do_lseek(fd, off, whence, true);
}

/* --- stat family --- */

static int dev_fstat_fd(int fd, struct stat *st, bool *handled)
{
	struct shim_dev *d = NULL;
	int kind = shim_fd_kind(fd), r;

	*handled = false;
	if (kind == SHIM_FD_DEVICE) {
		d = shim_fd_dev(fd);
	} else if (kind == SHIM_FD_UNKNOWN && shim_cfg.enabled) {
		if (get_fstat()(fd, st) < 0 || !S_ISSOCK(st->st_mode))
			return 0;
		d = shim_dev_adopt(fd);
	}
	if (!d)
		return 0;
	*handled = true;
	r = shim_dev_fstat(fd, d, st);
	shim_dev_put(d);
	return r;
}

PUBLIC int fstat(int fd, struct stat *st)
{
	bool handled;
	int r = dev_fstat_fd(fd, st, &handled);

	return handled ? r : get_fstat()(fd, st);
}

PUBLIC int fstat64(int fd, struct stat64 *st)
{
	return fstat(fd, (struct stat *)st);
}

/* stat or lstat of a path, with node patching and /proc/self/fd/N */
static int path_stat(int dirfd, const char *path, struct stat *st, int flags)
{
	char buf[PATH_MAX];
	const struct shim_node *n;
	const char *p;
	int pfd, r;

	if (!shim_cfg.enabled || !path || (path[0] != '/' && dirfd != AT_FDCWD))
		return get_fstatat()(dirfd, path, st, flags);
	pfd = shim_path_procfd(path);
	if (pfd >= 0 && !(flags & AT_SYMLINK_NOFOLLOW) && shim_fd_kind(pfd) == SHIM_FD_DEVICE)
		return fstat(pfd, st);
	n = shim_path_node(path);
	p = shim_path_map(path, buf, sizeof(buf));
	r = get_fstatat()(dirfd, p, st, flags);
	if (r == 0 && n && !S_ISLNK(st->st_mode)) /* lstat of a udev devlink: the link */
		shim_stat_patch(n, st);
	return r;
}

PUBLIC int stat(const char *path, struct stat *st)
{
	return path_stat(AT_FDCWD, path, st, 0);
}

PUBLIC int stat64(const char *path, struct stat64 *st)
{
	return path_stat(AT_FDCWD, path, (struct stat *)st, 0);
}

PUBLIC int lstat(const char *path, struct stat *st)
{
	return path_stat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

PUBLIC int lstat64(const char *path, struct stat64 *st)
{
	return path_stat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

PUBLIC int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if ((flags & AT_EMPTY_PATH) && shim_path_is_empty(path))
		return fstat(dirfd, st);
	UDEV_AT(dirfd, path);
	return path_stat(dirfd, path, st, flags);
}

PUBLIC int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat(dirfd, path, (struct stat *)st, flags);
}

/* glibc < 2.33 binaries call these */
PUBLIC int __xstat(int ver, const char *path, struct stat *st) { (void)ver; return stat(path, st); }
PUBLIC int __xstat64(int ver, const char *path, struct stat64 *st) { (void)ver; return stat64(path, st); }
PUBLIC int __lxstat(int ver, const char *path, struct stat *st) { (void)ver; return lstat(path, st); }
PUBLIC int __lxstat64(int ver, const char *path, struct stat64 *st) { (void)ver; return lstat64(path, st); }
PUBLIC int __fxstat(int ver, int fd, struct stat *st) { (void)ver; return fstat(fd, st); }
PUBLIC int __fxstat64(int ver, int fd, struct stat64 *st) { (void)ver; return fstat64(fd, st); }
PUBLIC int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	(void)ver;
	return fstatat(dirfd, path, st, flags);
}
PUBLIC int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	(void)ver;
	return fstatat64(dirfd, path, st, flags);
}

static void statx_from_stat(struct statx *sx, const struct stat *st)
{
	sx->stx_mode = (uint16_t)st->st_mode;
	sx->stx_uid = st->st_uid;
	sx->stx_gid = st->st_gid;
	sx->stx_rdev_major = major(st->st_rdev);
	sx->stx_rdev_minor = minor(st->st_rdev);
	sx->stx_size = 0;
	sx->stx_blocks = 0;
}

PUBLIC int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *sx)
{
	struct stat st;
	int r;

	UDEV_AT(dirfd, path);
	if (shim_cfg.enabled && shim_path_is_empty(path) && (flags & AT_EMPTY_PATH) &&
	    shim_fd_kind(dirfd) == SHIM_FD_DEVICE) {
		struct shim_dev *d = shim_fd_dev(dirfd);
		char buf[PATH_MAX];

		if (d && shim_dev_is_cuse(d)) {
			shim_dev_put(d); /* a real file */
			return get_statx()(dirfd, path, flags, mask, sx);
		}
		r = d ? get_statx()(AT_FDCWD, shim_path_map(shim_dev_path(d), buf, sizeof(buf)),
				    0, mask, sx) : fail(EBADF);
		if (r == 0 && shim_dev_fstat(dirfd, d, &st) == 0)
			statx_from_stat(sx, &st);
		shim_dev_put(d);
		return r;
	}
	if (shim_cfg.enabled && shim_path_is_abs(path)) {
		char buf[PATH_MAX];
		const struct shim_node *n = shim_path_node(path);

		r = get_statx()(dirfd, shim_path_map(path, buf, sizeof(buf)), flags, mask, sx);
		if (r == 0 && n && !S_ISLNK(sx->stx_mode)) {
			memset(&st, 0, sizeof(st));
			shim_stat_patch(n, &st);
			statx_from_stat(sx, &st);
		}
		return r;
	}
	return get_statx()(dirfd, path, flags, mask, sx);
}

/* The sw_sync file is there (root-only rw, as debugfs makes it). */
static int sw_sync_access(int mode)
{
	return (mode & X_OK) ? fail(EACCES) : 0;
}

PUBLIC int access(const char *path, int mode)
{
	const struct shim_node *n = shim_path_node(path);
	char buf[PATH_MAX];

	if (shim_cfg.enabled && shim_sw_sync_path(path))
		return sw_sync_access(mode);
	if (n)
		return shim_perm_access(n->device, n->type, mode, 0);
	return get_access()(shim_path_map(path, buf, sizeof(buf)), mode);
}

PUBLIC int faccessat(int dirfd, const char *path, int mode, int flags)
{
	char buf[PATH_MAX];
	const struct shim_node *n;

	UDEV_AT(dirfd, path);
	n = shim_path_node(path);
	if (shim_cfg.enabled && shim_sw_sync_path(path))
		return sw_sync_access(mode);
	if (n)
		return shim_perm_access(n->device, n->type, mode, flags);
	return get_faccessat()(dirfd, shim_path_map(path, buf, sizeof(buf)), mode, flags);
}

/* --- extended attributes ---
 *
 * ls -l asks for security.selinux (libselinux's lgetfilecon) and the ACLs
 * (libacl) of every name it lists, so a redirected path's attributes are
 * those of its sysroot file, which has none: ENODATA, as devtmpfs and
 * sysfs answer. A node's or devlink's user.* attributes are refused as
 * xattr_permission() refuses them on a character device or symlink:
 * reading one is ENODATA, setting or removing one EPERM. A socket-mode
 * node's fd (a socket to the daemon) answers as its node's path does.
 */
static const char *xattr_path(const char *path, const char *name, bool write,
			      char *buf, size_t len)
{
	if (!shim_cfg.enabled || !path)
		return path;
	if (name && !strncmp(name, "user.", 5) && shim_path_node(path)) {
		errno = write ? EPERM : ENODATA;
		return NULL;
	}
	return shim_path_map(path, buf, len);
}

PUBLIC ssize_t getxattr(const char *path, const char *name, void *value, size_t size)
{
	char buf[PATH_MAX];
	const char *p = xattr_path(path, name, false, buf, sizeof(buf));

	return p ? get_getxattr()(p, name, value, size) : -1;
}

PUBLIC ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	char buf[PATH_MAX];
	const char *p = xattr_path(path, name, false, buf, sizeof(buf));

	return p ? get_lgetxattr()(p, name, value, size) : -1;
}

PUBLIC ssize_t listxattr(const char *path, char *list, size_t size)
{
	char buf[PATH_MAX];

	return get_listxattr()(xattr_path(path, NULL, false, buf, sizeof(buf)), list, size);
}

PUBLIC ssize_t llistxattr(const char *path, char *list, size_t size)
{
	char buf[PATH_MAX];

	return get_llistxattr()(xattr_path(path, NULL, false, buf, sizeof(buf)), list, size);
}

PUBLIC int setxattr(const char *path, const char *name, const void *value, size_t size,
		    int flags)
{
	char buf[PATH_MAX];
	const char *p = xattr_path(path, name, true, buf, sizeof(buf));

	return p ? get_setxattr()(p, name, value, size, flags) : -1;
}

PUBLIC int lsetxattr(const char *path, const char *name, const void *value, size_t size,
		     int flags)
{
	char buf[PATH_MAX];
	const char *p = xattr_path(path, name, true, buf, sizeof(buf));

	return p ? get_lsetxattr()(p, name, value, size, flags) : -1;
}

PUBLIC int removexattr(const char *path, const char *name)
{
	char buf[PATH_MAX];
	const char *p = xattr_path(path, name, true, buf, sizeof(buf));

	return p ? get_removexattr()(p, name) : -1;
}

PUBLIC int lremovexattr(const char *path, const char *name)
{
	char buf[PATH_MAX];
	const char *p = xattr_path(path, name, true, buf, sizeof(buf));

	return p ? get_lremovexattr()(p, name) : -1;
}

/* A socket-mode device fd's node path, mapped into buf; NULL for any
 * other fd (a CUSE node's fd is the real file). */
static const char *xattr_fd_path(int fd, char *buf, size_t len)
{
	struct shim_dev *d;
	const char *p = NULL;

	if (!shim_cfg.enabled || shim_fd_kind(fd) != SHIM_FD_DEVICE)
		return NULL;
	d = shim_fd_dev(fd);
	if (d && !shim_dev_is_cuse(d))
		p = shim_dev_path(d);
	if (p) {
		snprintf(buf, len, "%s", p);
		p = buf;
	}
	shim_dev_put(d);
	return p;
}

PUBLIC ssize_t fgetxattr(int fd, const char *name, void *value, size_t size)
{
	char node[PATH_MAX];
	const char *p = xattr_fd_path(fd, node, sizeof(node));

	return p ? getxattr(p, name, value, size) : get_fgetxattr()(fd, name, value, size);
}

PUBLIC ssize_t flistxattr(int fd, char *list, size_t size)
{
	char node[PATH_MAX];
	const char *p = xattr_fd_path(fd, node, sizeof(node));

	return p ? listxattr(p, list, size) : get_flistxattr()(fd, list, size);
}

PUBLIC int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
	char node[PATH_MAX];
	const char *p = xattr_fd_path(fd, node, sizeof(node));

	return p ? setxattr(p, name, value, size, flags) :
		   get_fsetxattr()(fd, name, value, size, flags);
}

PUBLIC int fremovexattr(int fd, const char *name)
{
	char node[PATH_MAX];
	const char *p = xattr_fd_path(fd, node, sizeof(node));

	return p ? removexattr(p, name) : get_fremovexattr()(fd, name);
}

/* --- links and directories --- */

static ssize_t do_readlink(int dirfd, const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];
	int pfd = shim_path_procfd(path);

	if (pfd >= 0 && shim_fd_kind(pfd) == SHIM_FD_DEVICE) {
		/* a DRM fd links to its node, as /proc shows for the kernel (a
		 * CUSE fd's link is the real one) */
		struct shim_dev *d = shim_fd_dev(pfd);
		bool cuse = d && shim_dev_is_cuse(d);
		const char *target = d ? shim_dev_path(d) : "";
		size_t n = strlen(target);

		shim_dev_put(d);
		if (!cuse) {
			if (n > len)
				n = len;
			memcpy(out, target, n);
			return (ssize_t)n;
		}
	}
	if (path && path[0] == '/')
		path = shim_path_map(path, buf, sizeof(buf));
	if (pfd < 0)
		return get_readlinkat()(dirfd, path, out, len);
	/* an fd opened in the sysroot shows the path it stands for, as the
	 * kernel's /proc shows the path it was opened by */
	char link[PATH_MAX];
	ssize_t n = get_readlinkat()(dirfd, path, link, sizeof(link) - 1);

	if (n < 0)
		return n;
	link[n] = '\0';
	shim_path_unmap(link);
	n = (ssize_t)strlen(link);
	if ((size_t)n > len)
		n = (ssize_t)len;
	memcpy(out, link, (size_t)n);
	return n;
}

PUBLIC ssize_t readlink(const char *path, char *out, size_t len)
{
	return do_readlink(AT_FDCWD, path, out, len);
}

PUBLIC ssize_t readlinkat(int dirfd, const char *path, char *out, size_t len)
{
	UDEV_AT(dirfd, path);
	return do_readlink(dirfd, path, out, len);
}

PUBLIC ssize_t __readlink_chk(const char *path, char *out, size_t len, size_t outlen)
{
	(void)outlen;
	return do_readlink(AT_FDCWD, path, out, len);
}

/* _FORTIFY_SOURCE's readlinkat (a dirfd walk as chase_symlinks() makes) */
PUBLIC ssize_t __readlinkat_chk(int dirfd, const char *path, char *out, size_t len, size_t outlen)
{
	(void)outlen;
	UDEV_AT(dirfd, path);
	return do_readlink(dirfd, path, out, len);
}

PUBLIC char *realpath(const char *path, char *resolved)
{
	char buf[PATH_MAX];
	char *r = get_realpath()(shim_path_map(path, buf, sizeof(buf)), resolved);

	shim_path_unmap(r);
	return r;
}

PUBLIC char *__realpath_chk(const char *path, char *resolved, size_t len)
{
	char buf[PATH_MAX];
	char *r = get___realpath_chk()(shim_path_map(path, buf, sizeof(buf)), resolved, len);

	shim_path_unmap(r);
	return r;
}

PUBLIC DIR *opendir(const char *path)
{
	char buf[PATH_MAX];

	return shim_udev_opendir(path, shim_path_map(path, buf, sizeof(buf)));
}

PUBLIC int scandir(const char *path, struct dirent ***list, int (*sel)(const struct dirent *),
		   int (*cmp)(const struct dirent **, const struct dirent **))
{
	char buf[PATH_MAX];

	return get_scandir()(shim_path_map(path, buf, sizeof(buf)), list, sel, cmp);
}
