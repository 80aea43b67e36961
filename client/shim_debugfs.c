/*
 * shim_debugfs.c - /sys/kernel/debug/dri/<minor>/ of the daemon's devices.
 *
 * The daemon's sysroot holds each directory with empty read-only files of
 * the right names (fdri_sysroot.c), so directory listings and stat work on
 * the real tree; opening one of those files asks the daemon, over a
 * connection without a DRM file made for that open, for the file's text,
 * which it makes then (a snapshot, as a seq_file's first read is), and
 * returns it as a read-only fd. A file is recognised by its virtual path,
 * by its path in the sysroot (what /proc/self/fd shows of a directory fd
 * opened there) and relative to a directory fd of such a directory.
 *
 * Owns nothing past the call: the connection is dropped before it returns.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdri_wire.h"

#define DEBUGFS_DRI "/sys/kernel/debug/dri/"

/* "<minor>/<name>" after the dri/ prefix: the minor and the name, which
 * must be a single component. */
static bool parse_rest(const char *rest, int *minor, const char **name)
{
	char *end;
	long m = strtol(rest, &end, 10);

	if (end == rest || *end != '/' || m < 0 || m > 255)
		return false;
	*minor = (int)m;
	*name = end + 1;
	return **name && !strchr(*name, '/') && strcmp(*name, ".") && strcmp(*name, "..");
}

/*
 * The names of the files in a debugfs directory (fdri_debugfs_files, the
 * same for every minor), read once from the sysroot, so that an openat()
 * of any other name relative to a directory fd is told apart without the
 * readlink of /proc/self/fd/N below: that readlink was most of the cost of
 * every relative openat() under the shim (docs/udev.md, "Cost").
 */
#define MAX_FILES 16
static char file_names[MAX_FILES][32];
static int nfile_names;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void load_names(void)
{
	char dir[sizeof(shim_cfg.root_abs) + sizeof(DEBUGFS_DRI) + 256];
	DIR *top, *d = NULL;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s" DEBUGFS_DRI, shim_cfg.root_abs);
	top = opendir(dir);
	if (!top)
		return;
	while (!d && (e = readdir(top)))
		if (e->d_name[0] != '.') {
			snprintf(dir, sizeof(dir), "%s" DEBUGFS_DRI "%s", shim_cfg.root_abs, e->d_name);
			d = opendir(dir);
		}
	closedir(top);
	if (!d)
		return;
	while ((e = readdir(d)) && nfile_names < MAX_FILES)
		if (e->d_name[0] != '.' && strlen(e->d_name) < sizeof(file_names[0]))
			strcpy(file_names[nfile_names++], e->d_name);
	closedir(d);
}

static bool known_name(const char *name)
{
	pthread_once(&names_once, load_names);
	for (int i = 0; i < nfile_names; i++)
		if (!strcmp(file_names[i], name))
			return true;
	return false;
}

/* The minor and file name of a debugfs file of ours at @path (relative to
 * @dirfd), else false. */
static bool debugfs_file(int dirfd, const char *path, int *minor, const char **name)
{
	const char *root = shim_cfg.root_abs;
	size_t rl = strlen(root);

	if (path[0] == '/') {
		if (!strncmp(path, DEBUGFS_DRI, strlen(DEBUGFS_DRI)))
			return parse_rest(path + strlen(DEBUGFS_DRI), minor, name);
		if (rl && !strncmp(path, root, rl) &&
		    !strncmp(path + rl, DEBUGFS_DRI, strlen(DEBUGFS_DRI)))
			return parse_rest(path + rl + strlen(DEBUGFS_DRI), minor, name);
		return false;
	}
	if (dirfd == AT_FDCWD || !rl || strchr(path, '/') || !known_name(path))
		return false;
	/* a directory fd: is it one of the sysroot's debugfs directories? */
	char link[PATH_MAX], proc[64];
	ssize_t n;
	char *end;
	long m;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	n = shim_real_readlink(proc, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	if (strncmp(link, root, rl) || strncmp(link + rl, DEBUGFS_DRI, strlen(DEBUGFS_DRI)))
		return false;
	m = strtol(link + rl + strlen(DEBUGFS_DRI), &end, 10);
	if (*end || m < 0 || m > 255)
		return false;
	*minor = (int)m;
	*name = path;
	return *path && strcmp(path, ".") && strcmp(path, "..");
}

static int device_of_minor(int minor)
{
	for (int i = 0; i < shim_cfg.nnodes; i++)
		if (shim_cfg.nodes[i].minor == minor)
			return shim_cfg.nodes[i].device;
	return -1;
}

int shim_debugfs_open(int dirfd, const char *path, int flags)
{
	struct fdri_debugfs_open o = { .fd = -1, .flags = O_CLOEXEC };
	char placeholder[sizeof(shim_cfg.root_abs) + 128], proc[64];
	const char *name;
	struct shim_dev *d;
	struct stat st;
	int minor, device, ret, fd;

	if (!shim_cfg.nnodes || !path || !debugfs_file(dirfd, path, &minor, &name))
		return -2;
	device = device_of_minor(minor);
	if (snprintf(placeholder, sizeof(placeholder), "%s" DEBUGFS_DRI "%d/%.*s",
		     shim_cfg.root_abs, minor, (int)sizeof(o.name), name) >= (int)sizeof(placeholder))
		return -2;
	if (device < 0 || strlen(name) >= sizeof(o.name) || shim_real_stat(placeholder, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return -2; /* the real open answers, from the sysroot */
	if ((flags & O_ACCMODE) != O_RDONLY && geteuid() != 0) {
		errno = EACCES; /* mode 0444 */
		return -1;
	}
	memcpy(o.name, name, strlen(name));
	d = shim_dev_open_fileless(device);
	if (!d)
		return -1;
	ret = shim_dev_ioctl_target(d->main_sock, d, FDRI_IOCTL_DEBUGFS_OPEN, &o, -1);
	shim_dev_put(d);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	/* a file of its own, read-only, with the caller's flags */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o.fd);
	fd = shim_real_open(proc, O_RDONLY | (flags & (O_CLOEXEC | O_NONBLOCK)));
	ret = errno;
	shim_real_close(o.fd);
	errno = ret;
	return fd;
}
