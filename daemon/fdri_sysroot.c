/* fdri_sysroot.c - see fdri_sysroot.h. */
#define _GNU_SOURCE
#include "fdri_sysroot.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* root + rel into path, with rel's parent directories created */
static int prepare(char *path, size_t len, const char *root, const char *rel)
{
	char dir[PATH_MAX];

	snprintf(path, len, "%s%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	return mkdir_p(dir);
}

static int write_file(const char *root, const char *rel, const char *content)
{
	char path[PATH_MAX];
	int ret = prepare(path, sizeof(path), root, rel);
	FILE *f;

	if (ret)
		return ret;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(content, f);
	return fclose(f) ? -errno : 0;
}

static int make_link(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];
	int ret = prepare(path, sizeof(path), root, rel);

	if (ret)
		return ret;
	unlink(path);
	return symlink(target, path) < 0 ? -errno : 0;
}

/* The sysfs name of a node: the basename if it is cardN/renderDN. */
static void node_name(const struct fdri_node_cfg *n, char *out, size_t len)
{
	const char *base = strrchr(n->path, '/');

	base = base ? base + 1 : n->path;
	if (n->type == FDRI_NODE_RENDER)
		snprintf(out, len, "renderD%d", n->minor);
	else
		snprintf(out, len, "card%d", n->minor);
	(void)base;
}

static int minor_from_path(const char *path, enum fdri_node_type type)
{
	const char *base = strrchr(path, '/');
	int m;

	base = base ? base + 1 : path;
	if (type == FDRI_NODE_RENDER && sscanf(base, "renderD%d", &m) == 1 && m >= 128 && m < 192)
		return m;
	if (type == FDRI_NODE_PRIMARY && sscanf(base, "card%d", &m) == 1 && m >= 0 && m < 64)
		return m;
	return -1;
}

/* The node's directory in the platform device, as drm_sysfs makes it:
 * drm/<name>/{dev,uevent,device,subsystem}. */
static int write_drm_dir(const char *root, const char *devname, const char *name,
			 unsigned int major, unsigned int minor)
{
	char rel[PATH_MAX], content[256];
	int ret;

	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/dev", devname, name);
	snprintf(content, sizeof(content), "%u:%u\n", major, minor);
	if ((ret = write_file(root, rel, content)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/uevent", devname, name);
	snprintf(content, sizeof(content), "MAJOR=%u\nMINOR=%u\nDEVNAME=dri/%s\nDEVTYPE=drm_minor\n",
		 major, minor, name);
	if ((ret = write_file(root, rel, content)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/device", devname, name);
	snprintf(content, sizeof(content), "../../../%s", devname);
	if ((ret = make_link(root, rel, content)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/subsystem", devname, name);
	return make_link(root, rel, "../../../../../class/drm");
}

int fdri_sysroot_write(struct fdri_sysroot_cfg *cfg)
{
	char rel[PATH_MAX], buf[1024], name[32], nodes[4096];
	int primary_minor = -1, render_minor = -1, ret;

	/* every primary path shares one minor, and so does every render path */
	for (int i = 0; i < cfg->nnodes; i++) {
		int m = minor_from_path(cfg->nodes[i].path, cfg->nodes[i].type);
		int *slot = cfg->nodes[i].type == FDRI_NODE_RENDER ? &render_minor : &primary_minor;

		if (m >= 0 && *slot < 0)
			*slot = m;
	}
	if (primary_minor < 0)
		primary_minor = 0;
	if (render_minor < 0)
		render_minor = 128;
	ret = mkdir_p(cfg->root);
	if (ret)
		return ret;
	snprintf(nodes, sizeof(nodes), "devname %s\n", cfg->devname);
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/uevent", cfg->devname);
	snprintf(buf, sizeof(buf), "MODALIAS=platform:%s\n", cfg->devname);
	if ((ret = write_file(cfg->root, rel, buf)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/subsystem", cfg->devname);
	if ((ret = make_link(cfg->root, rel, "../../../bus/platform")))
		return ret;
	if ((ret = mkdir_p(strcat(strcpy(buf, cfg->root), "/sys/bus/platform"))))
		return ret;
	if (cfg->nnodes && (ret = mkdir_p(strcat(strcpy(buf, cfg->root), "/dev/dri"))))
		return ret;
	for (int i = 0; i < cfg->nnodes; i++) {
		struct fdri_node_cfg *n = &cfg->nodes[i];
		char content[256];

		n->minor = n->type == FDRI_NODE_RENDER ? render_minor : primary_minor;
		node_name(n, name, sizeof(name));
		if ((ret = write_file(cfg->root, n->path, "")))
			return ret;
		snprintf(content, sizeof(content), "%s %s %d\n", n->path,
			 n->type == FDRI_NODE_RENDER ? "render" : "primary", n->minor);
		strncat(nodes, content, sizeof(nodes) - strlen(nodes) - 1);
		if ((ret = write_drm_dir(cfg->root, cfg->devname, name, FDRI_DRM_MAJOR,
					 (unsigned int)n->minor)))
			return ret;
		snprintf(rel, sizeof(rel), "/sys/class/drm/%s", name);
		snprintf(content, sizeof(content), "../../devices/platform/%s/drm/%s", cfg->devname, name);
		if ((ret = make_link(cfg->root, rel, content)))
			return ret;
		snprintf(rel, sizeof(rel), "/sys/dev/char/%d:%d", FDRI_DRM_MAJOR, n->minor);
		snprintf(content, sizeof(content), "../../devices/platform/%s/drm/%s", cfg->devname, name);
		if ((ret = make_link(cfg->root, rel, content)))
			return ret;
	}
	return write_file(cfg->root, "/nodes", nodes);
}

int fdri_sysroot_add_cuse(const char *root, const char *devname, const struct fdri_cuse_sysfs *n)
{
	char rel[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], content[256], nodes[4096] = "";
	const char *base = strrchr(n->path, '/');
	int m, ret;
	size_t len = 0;
	FILE *f;

	/* drm/<name>, for libdrm's drmGetMinorNameForFD(), which names the node
	 * /dev/dri/<name>: only for nodes that are /dev/dri/cardN|renderDN */
	base = base ? base + 1 : n->path;
	if (!strncmp(n->path, "/dev/dri/", 9) && !strchr(n->path + 9, '/') &&
	    ((n->type == FDRI_NODE_RENDER && sscanf(base, "renderD%d", &m) == 1) ||
	     (n->type == FDRI_NODE_PRIMARY && sscanf(base, "card%d", &m) == 1)) &&
	    (ret = write_drm_dir(root, devname, base, n->major, n->minor)))
		return ret;
	/* the device link CUSE devices lack; the rest of /sys/dev/char/M:m is
	 * the real one */
	snprintf(rel, sizeof(rel), "/sys/dev/char/%u:%u/device", n->major, n->minor);
	snprintf(content, sizeof(content), "../../../devices/platform/%s", devname);
	if ((ret = make_link(root, rel, content)))
		return ret;
	/* the nodes file, replaced by rename */
	snprintf(path, sizeof(path), "%s/nodes", root);
	snprintf(tmp, sizeof(tmp), "%s/nodes.tmp", root);
	f = fopen(path, "re");
	if (f) {
		len = fread(nodes, 1, sizeof(nodes) - 1, f);
		nodes[len] = '\0';
		fclose(f);
	}
	snprintf(content, sizeof(content), "cuse %s %s %u %u\n", n->path,
		 n->type == FDRI_NODE_RENDER ? "render" : "primary", n->major, n->minor);
	strncat(nodes, content, sizeof(nodes) - strlen(nodes) - 1);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fputs(nodes, f);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) < 0 ? -errno : 0;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

void fdri_sysroot_remove(const char *root)
{
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}
