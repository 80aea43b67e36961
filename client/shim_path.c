/*
 * shim_path.c - the node configuration and the fake /dev and /sys.
 *
 * Owns shim_cfg, loaded once from FAKEDRI_SOCKET and the "nodes" file the
 * daemon writes into its sysroot (<socket>.root). Paths under /dev/dri,
 * the node paths, /sys/dev/char/226:*, /sys/class/drm and the platform
 * device are redirected into that sysroot, so the real DRM nodes of a host
 * are hidden and libdrm reads consistent files, directories and links.
 * Node files are plain files there; stat results are patched into
 * character devices with major 226.
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

static char platform_prefix[128];

void shim_config_load(void)
{
	const char *sock = getenv("FAKEDRI_SOCKET");
	char path[4200], line[512], type[16];
	FILE *f;

	if (!sock || !*sock || strlen(sock) >= sizeof(shim_cfg.sock))
		return;
	strcpy(shim_cfg.sock, sock);
	snprintf(shim_cfg.root, sizeof(shim_cfg.root), "%s.root", sock);
	shim_cfg.rootlen = strlen(shim_cfg.root);
	snprintf(path, sizeof(path), "%s/nodes", shim_cfg.root);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct shim_node *n = &shim_cfg.nodes[shim_cfg.nnodes];

		if (sscanf(line, "devname %63s", shim_cfg.devname) == 1)
			continue;
		if (shim_cfg.nnodes < SHIM_MAX_NODES &&
		    sscanf(line, "%255s %15s %d", n->path, type, &n->minor) == 3) {
			n->type = strcmp(type, "render") ? SHIM_NODE_PRIMARY : SHIM_NODE_RENDER;
			shim_cfg.nnodes++;
		}
	}
	fclose(f);
	snprintf(platform_prefix, sizeof(platform_prefix), "/sys/devices/platform/%s",
		 shim_cfg.devname);
	shim_cfg.enabled = shim_cfg.nnodes > 0;
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

static bool redirected(const char *path)
{
	if (path[0] != '/')
		return false;
	if (has_prefix(path, "/dev/dri") || has_prefix(path, "/sys/class/drm") ||
	    !strncmp(path, "/sys/dev/char/226:", 18) || has_prefix(path, platform_prefix))
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
	if (shim_cfg.enabled && resolved && !strncmp(resolved, shim_cfg.root, shim_cfg.rootlen) &&
	    resolved[shim_cfg.rootlen] == '/')
		memmove(resolved, resolved + shim_cfg.rootlen, strlen(resolved + shim_cfg.rootlen) + 1);
}

void shim_stat_patch(const struct shim_node *n, struct stat *st)
{
	st->st_mode = S_IFCHR | 0666;
	st->st_rdev = makedev(226, (unsigned)n->minor);
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
