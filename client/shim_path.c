/*
 * shim_path.c - the node configuration and the fake /dev and /sys.
 *
 * Owns shim_cfg, loaded once at startup from the "nodes" file the daemon
 * writes into its sysroot (<socket>.root), the socket being FAKEDRI_SOCKET
 * or, when that is unset, SHIM_DEFAULT_SOCKET if its sysroot exists; it
 * lives, unchanged, as long as the process. The file's format is described
 * in daemon/fdri_sysroot.h: `device INDEX PLATFORM` lines name each of the
 * daemon's devices and its platform device, and every node line ends with
 * its device's index.
 *
 * Socket mode (virtual nodes, lines `PATH TYPE MINOR INDEX`): paths under
 * /dev/dri, the node paths, /sys/dev/char/226:*, /sys/class/drm and the
 * platform devices are redirected into that sysroot, so the real DRM nodes
 * of a host are hidden and libdrm reads consistent files, directories and
 * links. Node files are plain files there; stat results are patched into
 * character devices with major 226.
 *
 * CUSE mode (real nodes, lines `cuse PATH TYPE MAJOR MINOR INDEX`): /dev
 * and the rest of /sys stay real. Only /sys/dev/char/M:m/device (and below)
 * of those dev_ts, which CUSE devices lack, and the fake platform devices
 * they link to are redirected, so libdrm sees platform DRM devices.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct shim_config shim_cfg;

/* A "cuse" line of a daemon that was killed stays in its sysroot, and its
 * device numbers may since belong to another device: trust one only while
 * the kernel still lists it as a CUSE device. */
static bool is_live_cuse(unsigned int maj, unsigned int min)
{
	char path[64], link[256];
	ssize_t n;

	if (getenv("FAKEDRI_TEST_ANY_CUSE_DEV")) /* tests stand /dev/null in */
		return true;
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", maj, min);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strstr(link, "/virtual/cuse/") != NULL;
}

static int node_type(const char *name)
{
	return strcmp(name, "render") ? SHIM_NODE_PRIMARY : SHIM_NODE_RENDER;
}

static bool valid_device(int device)
{
	return device >= 0 && device < SHIM_MAX_DEVICES;
}

static void set_platform(int device, const char *platform)
{
	struct shim_device *d = &shim_cfg.devices[device];

	snprintf(d->platform, sizeof(d->platform), "%s", platform);
	snprintf(d->prefix, sizeof(d->prefix), "/sys/devices/platform/%s", platform);
	if (device >= shim_cfg.ndevices)
		shim_cfg.ndevices = device + 1;
}

/* One line of the nodes file (see fdri_sysroot.h); a missing device index
 * (a daemon of one device) means device 0. */
static void config_line(const char *line)
{
	struct shim_node *n = &shim_cfg.nodes[shim_cfg.nnodes];
	struct shim_cuse_node *c = &shim_cfg.cuse[shim_cfg.ncuse];
	unsigned int maj, min;
	char type[16], platform[64];
	int device = 0, k;

	if (sscanf(line, "device %d %63s", &device, platform) == 2) {
		if (valid_device(device))
			set_platform(device, platform);
		return;
	}
	if (sscanf(line, "devname %63s", platform) == 1) {
		set_platform(0, platform);
		return;
	}
	if (!strncmp(line, "cuse ", 5)) {
		if (shim_cfg.ncuse < SHIM_MAX_NODES &&
		    (k = sscanf(line, "cuse %255s %15s %u %u %d", c->path, type, &maj, &min,
				&device)) >= 4 && valid_device(device) && is_live_cuse(maj, min)) {
			c->type = node_type(type);
			c->rdev = makedev(maj, min);
			c->device = device;
			shim_cfg.ncuse++;
		}
		return;
	}
	if (shim_cfg.nnodes < SHIM_MAX_NODES &&
	    (k = sscanf(line, "%255s %15s %d %d", n->path, type, &n->minor, &device)) >= 3 &&
	    valid_device(device)) {
		n->type = node_type(type);
		n->device = device;
		shim_cfg.nnodes++;
	}
}

void shim_config_load(void)
{
	const char *sock = getenv("FAKEDRI_SOCKET");
	char path[4200], line[512];
	struct stat st;
	FILE *f;

	if (!sock && shim_real_stat(SHIM_DEFAULT_SOCKET ".root/nodes", &st) == 0)
		sock = SHIM_DEFAULT_SOCKET;
	if (!sock || !*sock || strlen(sock) >= sizeof(shim_cfg.sock))
		return;
	strcpy(shim_cfg.sock, sock);
	snprintf(shim_cfg.root, sizeof(shim_cfg.root), "%s.root", sock);
	shim_cfg.rootlen = strlen(shim_cfg.root);
	snprintf(path, sizeof(path), "%s/nodes", shim_cfg.root);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		config_line(line);
	fclose(f);
	if (!realpath(shim_cfg.root, shim_cfg.root_abs))
		shim_cfg.root_abs[0] = '\0';
	shim_cfg.enabled = shim_cfg.nnodes > 0 || shim_cfg.ncuse > 0;
}

static bool has_prefix(const char *path, const char *prefix)
{
	size_t l = strlen(prefix);

	return !strncmp(path, prefix, l) && (path[l] == '\0' || path[l] == '/');
}

const struct shim_node *shim_path_node(const char *path)
{
	if (!shim_cfg.enabled || !path)
		return NULL;
	for (int i = 0; i < shim_cfg.nnodes; i++)
		if (!strcmp(path, shim_cfg.nodes[i].path))
			return &shim_cfg.nodes[i];
	return NULL;
}

const struct shim_node *shim_node_of(int device, int type)
{
	for (int i = 0; i < shim_cfg.nnodes; i++)
		if (shim_cfg.nodes[i].device == device && shim_cfg.nodes[i].type == type)
			return &shim_cfg.nodes[i];
	return NULL;
}

const struct shim_cuse_node *shim_cuse_node(dev_t rdev)
{
	for (int i = 0; i < shim_cfg.ncuse; i++)
		if (shim_cfg.cuse[i].rdev == rdev)
			return &shim_cfg.cuse[i];
	return NULL;
}

/* /sys/dev/char/M:m/device[/...] of one of our CUSE nodes */
static bool cuse_sysfs(const char *path)
{
	unsigned int maj, min;
	int n = 0;

	if (strncmp(path, "/sys/dev/char/", 14) ||
	    sscanf(path + 14, "%u:%u%n", &maj, &min, &n) != 2 || !n)
		return false;
	path += 14 + n;
	return has_prefix(path, "/device") && shim_cuse_node(makedev(maj, min));
}

static bool redirected(const char *path)
{
	if (path[0] != '/')
		return false;
	for (int i = 0; i < shim_cfg.ndevices; i++)
		if (shim_cfg.devices[i].platform[0] && has_prefix(path, shim_cfg.devices[i].prefix))
			return true;
	if (shim_cfg.ncuse && cuse_sysfs(path))
		return true;
	if (!shim_cfg.nnodes)
		return false;
	if (shim_udev_redirected(path))
		return true;
	if (has_prefix(path, "/dev/dri") || has_prefix(path, "/sys/class/drm") ||
	    has_prefix(path, "/sys/kernel/debug/dri") ||
	    !strncmp(path, "/sys/dev/char/" FDRI_STR(FDRI_DRM_MAJOR) ":",
		     strlen("/sys/dev/char/" FDRI_STR(FDRI_DRM_MAJOR) ":")))
		return true;
	return shim_path_node(path) != NULL;
}

const char *shim_path_map(const char *path, char *buf, size_t len)
{
	if (!shim_cfg.enabled || !path || !redirected(path))
		return path;
	if ((size_t)snprintf(buf, len, "%s%s", shim_cfg.root, path) >= len)
		return path;
	return buf;
}

void shim_path_unmap(char *resolved)
{
	size_t l;

	if (!shim_cfg.enabled || !resolved)
		return;
	if (!strncmp(resolved, shim_cfg.root, shim_cfg.rootlen) && resolved[shim_cfg.rootlen] == '/')
		l = shim_cfg.rootlen;
	else if ((l = strlen(shim_cfg.root_abs)) && !strncmp(resolved, shim_cfg.root_abs, l) &&
		 resolved[l] == '/')
		;
	else
		return;
	memmove(resolved, resolved + l, strlen(resolved + l) + 1);
}

void shim_stat_patch(const struct shim_node *n, struct stat *st)
{
	shim_perm_stat(n->device, n->type, st);
	st->st_rdev = makedev(FDRI_DRM_MAJOR, (unsigned)n->minor);
	st->st_size = 0;
	st->st_blocks = 0;
}

int shim_path_procfd(const char *path)
{
	char self[32];
	const char *rest = NULL;
	int fd;
	char *end;

	if (!shim_cfg.enabled || !path || strncmp(path, "/proc/", 6))
		return -1;
	snprintf(self, sizeof(self), "/proc/%d/fd/", getpid());
	if (!strncmp(path, "/proc/self/fd/", 14))
		rest = path + 14;
	else if (!strncmp(path, "/proc/thread-self/fd/", 21))
		rest = path + 21;
	else if (!strncmp(path, self, strlen(self)))
		rest = path + strlen(self);
	if (!rest || !*rest)
		return -1;
	fd = (int)strtol(rest, &end, 10);
	return *end ? -1 : fd;
}
