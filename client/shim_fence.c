/*
 * shim_fence.c - fence fds in a client process: sync_files, syncobj files
 * and sw_sync timelines. Each is the client end of a socket pair the
 * daemon made (daemon/core/fdri_fdobj.h): poll, select and epoll work on
 * it as they are, and its ioctls are forwarded to the daemon with the fd
 * itself attached, over one connection without a DRM file per process.
 *
 * Owns: that connection (a struct shim_dev, made on first use, kept for
 * the process's life; a forked child shares it, as it shares the fds) and
 * the daemon's pid, which tells a fence fd that arrived by SCM_RIGHTS or
 * exec: a socket whose peer is the daemon and that is no device of ours.
 * Fence fds carry no object in the fd table.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdri_wire.h"

static pthread_mutex_t fence_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_dev *fence_dev;
static pid_t daemon_pid;

/* The process's fileless connection, with a reference; NULL/-errno. */
static struct shim_dev *fence_conn(int *err)
{
	struct shim_dev *d;

	pthread_mutex_lock(&fence_lock);
	if (!fence_dev) {
		fence_dev = shim_dev_open_fileless(0);
		if (fence_dev) {
			struct ucred cr;
			socklen_t len = sizeof(cr);

			if (getsockopt(fence_dev->main_sock, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
				daemon_pid = cr.pid;
		}
	}
	d = fence_dev;
	if (d)
		atomic_fetch_add(&d->refs, 1);
	else
		*err = -errno;
	pthread_mutex_unlock(&fence_lock);
	return d;
}

int shim_fence_ioctl(int fd, unsigned long req, void *arg)
{
	struct shim_dev *d;
	int err = 0, ret;

	d = fence_conn(&err);
	if (!d)
		return err;
	ret = shim_dev_ioctl_target(d->main_sock, d, req, arg, fd);
	shim_dev_put(d);
	return ret;
}

bool shim_fence_adopt(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct shim_dev *d;
	struct stat st;
	int err = 0;

	if (!shim_cfg.enabled || shim_real_fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	d = fence_conn(&err);
	if (!d)
		return false;
	shim_dev_put(d);
	/* a device socket's peer is the daemon's accepting socket: its pid
	 * too; but those are ioctl'd with 'd' commands, never these */
	if (cr.pid != daemon_pid)
		return false;
	shim_fd_set(fd, SHIM_FD_FENCE, NULL);
	return true;
}

bool shim_fence_is_timeline(int fd)
{
	return shim_fd_fence_kind(fd) == (void *)(uintptr_t)FDRI_WIRE_FD_TIMELINE;
}

int shim_fence_close(int fd)
{
	struct shim_dev *d;
	int err = 0;

	d = fence_conn(&err);
	if (!d)
		return shim_real_close(fd);
	/* the daemon holds a copy of @fd; ours goes; then SYNC makes it drop
	 * its copy, and if that was the last anywhere, the timeline's
	 * release has run when it answers */
	shim_dev_ioctl_target(d->main_sock, d, FDRI_IOCTL_FENCE_CLOSE, NULL, fd);
	err = shim_real_close(fd);
	shim_dev_ioctl_target(d->main_sock, d, FDRI_IOCTL_SYNC, NULL, -1);
	shim_dev_put(d);
	return err;
}

void shim_fence_sync_close(void)
{
	struct shim_dev *d;

	pthread_mutex_lock(&fence_lock);
	d = fence_dev;
	if (d)
		atomic_fetch_add(&d->refs, 1);
	pthread_mutex_unlock(&fence_lock);
	if (!d)
		return; /* no fence fd here: nothing could tell the difference */
	shim_dev_ioctl_target(d->main_sock, d, FDRI_IOCTL_SYNC, NULL, -1);
	shim_dev_put(d);
}

bool shim_sw_sync_path(const char *path)
{
	return path && (!strcmp(path, "/dev/sw_sync") ||
			!strcmp(path, "/sys/kernel/debug/sync/sw_sync"));
}

int shim_sw_sync_open(int flags)
{
	struct fdri_sw_sync_open o = { .fd = -1, .flags = (uint32_t)(flags & O_CLOEXEC) };
	struct shim_dev *d;
	int err = 0, ret;

	d = fence_conn(&err);
	if (!d) {
		errno = -err;
		return -1;
	}
	ret = shim_dev_ioctl_target(d->main_sock, d, FDRI_IOCTL_SW_SYNC_OPEN, &o, -1);
	shim_dev_put(d);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return o.fd;
}
