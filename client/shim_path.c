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

/* The platform drivers the nodes file names (`driver NAME` lines, written
 * by the daemon for bind and unbind, docs/hotplug.md): their
 * /sys/bus/platform/drivers/NAME directories are redirected. Filled while
 * the configuration loads, then read only. */

#define MAX_DRIVERS 8
static char drivers[MAX_DRIVERS][64];
static int ndrivers;

static void add_driver(const char *name)
{
	for (int i = 0; i < ndrivers; i++)
		if (!strcmp(drivers[i], name))
			return;
	if (ndrivers < MAX_DRIVERS && strlen(name) < sizeof(drivers[0]))
		strcpy(drivers[ndrivers++], name);
}

static bool driver_path(const char *path)
{
	static const char dir[] = "/sys/bus/platform/drivers/";
	const char *name = path + sizeof(dir) - 1;

	if (!ndrivers || strncmp(path, dir, sizeof(dir) - 1))
		return false;
	for (int i = 0; i < ndrivers; i++) {
		size_t l = strlen(drivers[i]);

		if (!strncmp(name, drivers[i], l) && (name[l] == '\0' || name[l] == '/'))
			return true;
	}
	return false;
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
	if (sscanf(line, "driver %63s", platform) == 1) {
		add_driver(platform);
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

/* The nodes file as last read, to see it replaced (docs/hotplug.md). */
static struct stat nodes_st;
static pthread_mutex_t refresh_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * A bind gives a device new nodes (the lowest free minors, which may be
 * new paths): if the nodes file was replaced since it was read, its node
 * lines are read again; a known path's entry takes the line's type, minor
 * and device, a new path is appended (published by the store of nnodes).
 * Entries are never removed: one no longer listed gets device -1, and a
 * node that is gone has no file in the sysroot, which open() checks.
 * Returns whether anything changed.
 */
static bool config_refresh(void)
{
	char path[4200], line[512];
	bool changed = false, seen[SHIM_MAX_NODES] = { false };
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/nodes", shim_cfg.root);
	if (shim_real_stat(path, &st) < 0 ||
	    (st.st_ino == nodes_st.st_ino && st.st_mtim.tv_sec == nodes_st.st_mtim.tv_sec &&
	     st.st_mtim.tv_nsec == nodes_st.st_mtim.tv_nsec && st.st_size == nodes_st.st_size))
		return false;
	pthread_mutex_lock(&refresh_lock);
	f = fopen(path, "re");
	if (f && fstat(fileno(f), &st) == 0 && st.st_ino != nodes_st.st_ino) {
		nodes_st = st;
		while (fgets(line, sizeof(line), f)) {
			struct shim_node n = { 0 };
			char type[16];
			int i, nn = shim_cfg.nnodes;

			if (!strncmp(line, "device ", 7) || !strncmp(line, "cuse ", 5) ||
			    !strncmp(line, "driver ", 7) ||
			    sscanf(line, "%255s %15s %d %d", n.path, type, &n.minor, &n.device) != 4 ||
			    !valid_device(n.device))
				continue;
			n.type = node_type(type);
			for (i = 0; i < nn; i++)
				if (!strcmp(shim_cfg.nodes[i].path, n.path))
					break;
			if (i < SHIM_MAX_NODES)
				seen[i] = true;
			if (i < nn) {
				changed |= shim_cfg.nodes[i].minor != n.minor ||
					   shim_cfg.nodes[i].device != n.device;
				shim_cfg.nodes[i].type = n.type;
				shim_cfg.nodes[i].minor = n.minor;
				shim_cfg.nodes[i].device = n.device;
			} else if (nn < SHIM_MAX_NODES) {
				shim_cfg.nodes[nn] = n;
				__atomic_store_n(&shim_cfg.nnodes, nn + 1, __ATOMIC_RELEASE);
				changed = true;
			}
		}
		/* a node the file no longer lists belongs to no device: its
		 * device's fds are another node's now (shim_node_of()) */
		for (int i = 0; i < shim_cfg.nnodes; i++)
			if (!seen[i] && shim_cfg.nodes[i].device >= 0) {
				shim_cfg.nodes[i].device = -1;
				changed = true;
			}
	}
	if (f)
		fclose(f);
	pthread_mutex_unlock(&refresh_lock);
	return changed;
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
	if (fstat(fileno(f), &st) == 0)
		nodes_st = st;
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
	if (!strncmp(path, "/dev/dri/by-path/", 17))
		return shim_udev_devlink_node(path); /* udev's links to nodes */
	const struct shim_node *stale = NULL;

	for (int pass = 0; pass < 2; pass++) {
		int nn = __atomic_load_n(&shim_cfg.nnodes, __ATOMIC_ACQUIRE);

		stale = NULL;
		for (int i = 0; i < nn; i++) {
			if (strcmp(path, shim_cfg.nodes[i].path))
				continue;
			if (shim_cfg.nodes[i].device >= 0)
				return &shim_cfg.nodes[i];
			stale = &shim_cfg.nodes[i]; /* no longer listed */
		}
		/* a node a bind may have made (again) since (docs/hotplug.md) */
		if (pass || !shim_cfg.nnodes || strncmp(path, "/dev/dri/", 9) || !config_refresh())
			break;
	}
	return stale;
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
	if (driver_path(path))
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
