/*
 * fdri_sysroot.c - see fdri_sysroot.h: writes the fake /dev and /sys tree
 * of a daemon's devices and the shim's nodes file. Keeps no state: the tree
 * on disk is the only result, owned by the caller until
 * fdri_sysroot_remove(); the names it fills into the cfg live as long as it.
 */
#define _GNU_SOURCE
#include "fdri_sysroot.h"
#include "fdri_debugfs.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* N from a path whose basename is cardN (primary) or renderDN (render), else -1 */
static int minor_from_path(const char *path, enum fdri_node_type type)
{
	const char *base;
	char end;
	int m;

	if (!path)
		return -1;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (type == FDRI_NODE_RENDER && sscanf(base, "renderD%d%c", &m, &end) == 1 &&
	    m >= 128 && m < 192)
		return m;
	if (type == FDRI_NODE_PRIMARY && sscanf(base, "card%d%c", &m, &end) == 1 &&
	    m >= 0 && m < 64)
		return m;
	return -1;
}

static const char *type_name(enum fdri_node_type type)
{
	return type == FDRI_NODE_RENDER ? "render" : "primary";
}

/* The node's directory in the platform device, as drm_sysfs makes it:
 * drm/<name>/{dev,uevent,device,subsystem}. */
static int write_drm_dir(const char *root, const char *platform, const char *name,
			 unsigned int major, unsigned int minor)
{
	char rel[PATH_MAX], content[256];
	int ret;

	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/dev", platform, name);
	snprintf(content, sizeof(content), "%u:%u\n", major, minor);
	if ((ret = write_file(root, rel, content)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/uevent", platform, name);
	snprintf(content, sizeof(content), "MAJOR=%u\nMINOR=%u\nDEVNAME=dri/%s\nDEVTYPE=drm_minor\n",
		 major, minor, name);
	if ((ret = write_file(root, rel, content)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/device", platform, name);
	snprintf(content, sizeof(content), "../../../%s", platform);
	if ((ret = make_link(root, rel, content)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s/subsystem", platform, name);
	return make_link(root, rel, "../../../../../class/drm");
}

/* /sys/devices/platform/<platform>/{uevent,subsystem}; the MODALIAS is
 * libdrm's bus info of the device, so it names the platform device, not
 * its driver (which the kernel would write, folding same-named devices). */
static int write_platform_dir(const char *root, const char *platform)
{
	char rel[PATH_MAX], buf[PATH_MAX];
	int ret;

	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/uevent", platform);
	snprintf(buf, sizeof(buf), "MODALIAS=platform:%s\n", platform);
	if ((ret = write_file(root, rel, buf)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/subsystem", platform);
	if ((ret = make_link(root, rel, "../../../bus/platform")))
		return ret;
	snprintf(buf, sizeof(buf), "%s/sys/bus/platform", root);
	return mkdir_p(buf);
}

/* Replaces root/nodes by head + tail (either may be NULL) through a
 * temporary and rename(), so a reader sees the old file or the new one. */
static int replace_nodes(const char *root, const char *head, const char *tail)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/nodes", root);
	snprintf(tmp, sizeof(tmp), "%s/nodes.tmp", root);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (head)
		fputs(head, f);
	if (tail)
		fputs(tail, f);
	if (fclose(f)) {
		unlink(tmp);
		return -errno;
	}
	return rename(tmp, path) < 0 ? -errno : 0;
}

struct fdri_sysroot_dev *fdri_sysroot_add_dev(struct fdri_sysroot_cfg *cfg, const char *devname)
{
	struct fdri_sysroot_dev *d;

	if (cfg->ndevs >= FDRI_MAX_DEVICES)
		return NULL;
	d = &cfg->devs[cfg->ndevs];
	memset(d, 0, sizeof(*d));
	d->devname = devname;
	d->nodes[d->nnodes++].type = FDRI_NODE_PRIMARY;
	d->nodes[d->nnodes++].type = FDRI_NODE_RENDER;
	if (cfg->ndevs == 0) {
		d->nodes[d->nnodes].path = FDRI_DEFAULT_ALIAS;
		d->nodes[d->nnodes++].type = FDRI_NODE_PRIMARY;
	}
	cfg->ndevs++;
	return d;
}

/* The platform device names: devname, then devname.1, devname.2, ... for
 * later devices of the same name (skipping any another device has). */
static int name_platforms(struct fdri_sysroot_cfg *cfg)
{
	for (int i = 0; i < cfg->ndevs; i++) {
		struct fdri_sysroot_dev *d = &cfg->devs[i];
		int taken;

		if (!d->devname || !*d->devname || strchr(d->devname, '/') ||
		    strchr(d->devname, ' ') || strlen(d->devname) + 4 >= sizeof(d->platform))
			return -EINVAL;
		for (int k = 0;; k++) {
			if (k)
				snprintf(d->platform, sizeof(d->platform), "%s.%d", d->devname, k);
			else
				snprintf(d->platform, sizeof(d->platform), "%s", d->devname);
			taken = 0;
			for (int j = 0; j < i; j++)
				taken |= !strcmp(cfg->devs[j].platform, d->platform);
			for (int j = i + 1; j < cfg->ndevs; j++)
				taken |= k && !strcmp(cfg->devs[j].devname, d->platform);
			if (!taken)
				break;
			if (k >= FDRI_MAX_DEVICES)
				return -EINVAL;
		}
	}
	return 0;
}

/* Is minor m of type free: no device has it, no explicit path is its
 * default path? dev_minor[i][type] are the devices' minors so far (-1). */
static bool minor_free(const struct fdri_sysroot_cfg *cfg, int dev_minor[][2], int t, int m)
{
	char path[32];

	snprintf(path, sizeof(path), t ? "/dev/dri/renderD%d" : "/dev/dri/card%d", m);
	for (int i = 0; i < cfg->ndevs; i++) {
		if (dev_minor[i][t] == m)
			return false;
		for (int k = 0; k < cfg->devs[i].nnodes; k++)
			if (cfg->devs[i].nodes[k].path && !strcmp(cfg->devs[i].nodes[k].path, path))
				return false;
	}
	return true;
}

/* Every primary node of a device shares one minor, and so does every render
 * node: the first cardN / renderDN path's, else the lowest free one from
 * the device's index (+128). Fills in the nodes' minors and names. */
static int assign_minors(struct fdri_sysroot_cfg *cfg)
{
	int dev_minor[FDRI_MAX_DEVICES][2];

	for (int i = 0; i < cfg->ndevs; i++) {
		dev_minor[i][0] = dev_minor[i][1] = -1;
		for (int k = 0; k < cfg->devs[i].nnodes; k++) {
			const struct fdri_node_cfg *n = &cfg->devs[i].nodes[k];
			int t = n->type == FDRI_NODE_RENDER, m = minor_from_path(n->path, n->type);

			if (n->type != FDRI_NODE_PRIMARY && n->type != FDRI_NODE_RENDER)
				return -EINVAL;
			if (m >= 0 && dev_minor[i][t] < 0)
				dev_minor[i][t] = m;
		}
		for (int j = 0; j < i; j++)
			for (int t = 0; t < 2; t++)
				if (dev_minor[i][t] >= 0 && dev_minor[i][t] == dev_minor[j][t])
					return -EINVAL;
	}
	for (int i = 0; i < cfg->ndevs; i++) {
		for (int t = 0; t < 2; t++) {
			int m = (t ? 128 : 0) + i;

			if (dev_minor[i][t] >= 0)
				continue;
			while (m < (t ? 192 : 64) && !minor_free(cfg, dev_minor, t, m))
				m++;
			if (m >= (t ? 192 : 64))
				return -ENOSPC;
			dev_minor[i][t] = m;
		}
		for (int k = 0; k < cfg->devs[i].nnodes; k++) {
			struct fdri_node_cfg *n = &cfg->devs[i].nodes[k];
			int t = n->type == FDRI_NODE_RENDER;

			n->minor = dev_minor[i][t];
			snprintf(n->name, sizeof(n->name), t ? "renderD%d" : "card%d", n->minor);
		}
	}
	return 0;
}

static const char *node_path(const struct fdri_node_cfg *n, char *buf, size_t len)
{
	if (n->path)
		return n->path;
	snprintf(buf, len, "/dev/dri/%s", n->name);
	return buf;
}

/* no two nodes with one path */
static int check_paths(const struct fdri_sysroot_cfg *cfg)
{
	char a[32], b[32];

	for (int i = 0; i < cfg->ndevs; i++)
		for (int k = 0; k < cfg->devs[i].nnodes; k++)
			for (int j = i; j < cfg->ndevs; j++)
				for (int l = j == i ? k + 1 : 0; l < cfg->devs[j].nnodes; l++)
					if (!strcmp(node_path(&cfg->devs[i].nodes[k], a, sizeof(a)),
						    node_path(&cfg->devs[j].nodes[l], b, sizeof(b))))
						return -EINVAL;
	return 0;
}

/*
 * What udevd would have written for a node, as Debian 12's rules make it
 * (see docs/udev.md): /run/udev/data/c226:N with 60-drm.rules' ID_PATH
 * (path_id of a platform device: "platform-<name>") and ID_PATH_TAG,
 * 71-seat.rules' ID_FOR_SEAT, and the tags of 70-uaccess.rules (uaccess)
 * and 71-seat.rules (seat; master-of-seat for cardN), also as
 * /run/udev/tags/<tag>/c226:N for enumeration by tag, and 60-drm.rules'
 * devlink dri/by-path/<ID_PATH>-card (or -render), made when the device
 * has the node /dev/dri/<name> for it to point at. The file is written
 * whole each time, so a second node of the same minor (/dev/fakedri)
 * writes the same text.
 */
void fdri_udev_path_tag(char *out, size_t len, const char *platform)
{
	size_t t = (size_t)snprintf(out, len, "platform-");

	for (const char *p = platform; *p && t < len - 1; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || *p == '-')
			out[t++] = *p;
		else if (out[t - 1] != '_')
			out[t++] = '_';
	}
	while (out[t - 1] == '_')
		t--;
	out[t] = '\0';
}

const char *const *fdri_udev_tags(enum fdri_node_type type)
{
	static const char *const card_tags[] = { "seat", "uaccess", "master-of-seat", NULL };
	static const char *const render_tags[] = { "seat", "uaccess", NULL };

	return type == FDRI_NODE_RENDER ? render_tags : card_tags;
}

static int write_udev_db(const char *root, const struct fdri_sysroot_dev *d,
			 const struct fdri_node_cfg *n)
{
	const char *platform = d->platform;
	char link[FDRI_PLATFORM_NAME_MAX + 32], devnode[32], buf[32];
	bool has_link = false;
	const char *const *tags = fdri_udev_tags(n->type);
	char rel[PATH_MAX], tag[FDRI_PLATFORM_NAME_MAX + 16], *text = NULL;
	struct timespec ts;
	size_t len = 0;
	FILE *f;
	int ret;

	fdri_udev_path_tag(tag, sizeof(tag), platform);
	snprintf(devnode, sizeof(devnode), "/dev/dri/%s", n->name);
	for (int k = 0; k < d->nnodes; k++)
		has_link |= d->nodes[k].type == n->type &&
			    !strcmp(node_path(&d->nodes[k], buf, sizeof(buf)), devnode);
	snprintf(link, sizeof(link), "dri/by-path/platform-%s-%s", platform,
		 n->type == FDRI_NODE_RENDER ? "render" : "card");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	if (has_link)
		fprintf(f, "S:%s\n", link);
	fprintf(f, "I:%llu\n", (unsigned long long)ts.tv_sec * 1000000ULL +
		(unsigned long long)ts.tv_nsec / 1000);
	fprintf(f, "E:ID_PATH=platform-%s\nE:ID_PATH_TAG=%s\nE:ID_FOR_SEAT=drm-%s\n",
		platform, tag, tag);
	for (int i = 0; tags[i]; i++)
		fprintf(f, "G:%s\n", tags[i]);
	for (int i = 0; tags[i]; i++)
		fprintf(f, "Q:%s\n", tags[i]);
	fputs("V:1\n", f);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	snprintf(rel, sizeof(rel), "/run/udev/data/c%u:%d", FDRI_DRM_MAJOR, n->minor);
	ret = write_file(root, rel, text);
	free(text);
	if (has_link && !ret) {
		/* as udevd makes it: relative, to the node */
		snprintf(rel, sizeof(rel), "/dev/%s", link);
		snprintf(buf, sizeof(buf), "../%s", n->name);
		ret = make_link(root, rel, buf);
	}
	for (int i = 0; tags[i] && !ret; i++) {
		snprintf(rel, sizeof(rel), "/run/udev/tags/%s/c%u:%d", tags[i], FDRI_DRM_MAJOR,
			 n->minor);
		ret = write_file(root, rel, "");
	}
	return ret;
}

/* The platform device's link in /sys/bus/platform/devices, and the
 * /run/udev/control whose presence tells libudev that udevd runs. */
static int write_udev_platform(const char *root, const char *platform)
{
	char rel[PATH_MAX], target[PATH_MAX];
	int ret;

	snprintf(rel, sizeof(rel), "/sys/bus/platform/devices/%s", platform);
	snprintf(target, sizeof(target), "../../../devices/platform/%s", platform);
	if ((ret = make_link(root, rel, target)))
		return ret;
	return write_file(root, "/run/udev/control", "");
}

/* /sys/kernel/debug/dri/<minor>/: the files' names, read-only and empty
 * as debugfs shows them; the shim asks the daemon for their text when one
 * is opened. */
static int write_debugfs_dir(const char *root, int minor)
{
	char rel[PATH_MAX], path[PATH_MAX];
	int ret;

	for (const char *const *f = fdri_debugfs_files; *f; f++) {
		struct stat st;

		snprintf(rel, sizeof(rel), "/sys/kernel/debug/dri/%d/%s", minor, *f);
		snprintf(path, sizeof(path), "%s%s", root, rel);
		if (stat(path, &st) == 0)
			continue; /* another node of the minor made it */
		if ((ret = write_file(root, rel, "")))
			return ret;
		if (chmod(path, 0444) < 0)
			return -errno;
	}
	return 0;
}

static int write_node(const char *root, const struct fdri_sysroot_dev *d, int index,
		      const struct fdri_node_cfg *n, FILE *nodes)
{
	char rel[PATH_MAX], content[PATH_MAX], buf[32];
	const char *path = node_path(n, buf, sizeof(buf));
	int ret;

	if (path[0] != '/' || strchr(path, ' ') || strlen(path) >= 256)
		return -EINVAL;
	if ((ret = write_file(root, path, "")))
		return ret;
	fprintf(nodes, "%s %s %d %d\n", path, type_name(n->type), n->minor, index);
	if ((ret = write_drm_dir(root, d->platform, n->name, FDRI_DRM_MAJOR, (unsigned int)n->minor)))
		return ret;
	if ((ret = write_debugfs_dir(root, n->minor)))
		return ret;
	if ((ret = write_udev_db(root, d, n)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/class/drm/%s", n->name);
	snprintf(content, sizeof(content), "../../devices/platform/%s/drm/%s", d->platform, n->name);
	if ((ret = make_link(root, rel, content)))
		return ret;
	snprintf(rel, sizeof(rel), "/sys/dev/char/%d:%d", FDRI_DRM_MAJOR, n->minor);
	return make_link(root, rel, content);
}

int fdri_sysroot_write(struct fdri_sysroot_cfg *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *nodes;
	int ret;

	if (cfg->ndevs <= 0 || cfg->ndevs > FDRI_MAX_DEVICES)
		return -EINVAL;
	for (int i = 0; i < cfg->ndevs; i++)
		if (cfg->devs[i].nnodes < 0 || cfg->devs[i].nnodes > FDRI_MAX_NODES)
			return -EINVAL;
	if ((ret = name_platforms(cfg)) || (ret = assign_minors(cfg)) || (ret = check_paths(cfg)))
		return ret;
	if ((ret = mkdir_p(cfg->root)))
		return ret;
	nodes = open_memstream(&text, &len);
	if (!nodes)
		return -errno;
	for (int i = 0; i < cfg->ndevs && !ret; i++)
		fprintf(nodes, "device %d %s\n", i, cfg->devs[i].platform);
	for (int i = 0; i < cfg->ndevs && !ret; i++) {
		const struct fdri_sysroot_dev *d = &cfg->devs[i];

		ret = write_platform_dir(cfg->root, d->platform);
		if (!ret && d->nnodes)
			ret = write_udev_platform(cfg->root, d->platform);
		for (int k = 0; k < d->nnodes && !ret; k++)
			ret = write_node(cfg->root, d, i, &d->nodes[k], nodes);
	}
	if (fclose(nodes) && !ret)
		ret = -ENOMEM;
	if (!ret)
		ret = replace_nodes(cfg->root, text, NULL);
	free(text);
	return ret;
}

/* The whole nodes file, malloc'ed ("" if there is none), or NULL. */
static char *read_nodes(const char *root)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *f, *out;
	int c;

	snprintf(path, sizeof(path), "%s/nodes", root);
	out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	f = fopen(path, "re");
	if (f) {
		while ((c = getc(f)) != EOF)
			putc(c, out);
		fclose(f);
	}
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Does text have a `device N ...` line? */
static bool has_device_line(const char *text, int device)
{
	char head[32];
	size_t l = (size_t)snprintf(head, sizeof(head), "device %d ", device);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, head, l))
			return true;
	return false;
}

/* Inserts line into the malloc'ed *text at offset at. */
static int insert_line(char **text, size_t at, const char *line)
{
	size_t len = strlen(*text), l = strlen(line);
	char *t = realloc(*text, len + l + 1);

	if (!t)
		return -ENOMEM;
	memmove(t + at + l, t + at, len - at + 1);
	memcpy(t + at, line, l);
	*text = t;
	return 0;
}

int fdri_sysroot_add_cuse(const char *root, int device, const char *platform,
			  const struct fdri_cuse_sysfs *n)
{
	char rel[PATH_MAX], content[PATH_MAX], line[PATH_MAX];
	const char *base = strrchr(n->path, '/');
	char *nodes;
	int m, ret;

	if (device < 0 || device >= FDRI_MAX_DEVICES || !platform || !*platform ||
	    strchr(platform, '/') || strchr(platform, ' ') || strchr(n->path, ' '))
		return -EINVAL;
	if ((ret = write_platform_dir(root, platform)))
		return ret;
	/* drm/<name>, for libdrm's drmGetMinorNameForFD(), which names the node
	 * /dev/dri/<name>: only for nodes that are /dev/dri/cardN|renderDN */
	base = base ? base + 1 : n->path;
	if (!strncmp(n->path, "/dev/dri/", 9) && !strchr(n->path + 9, '/') &&
	    ((n->type == FDRI_NODE_RENDER && sscanf(base, "renderD%d", &m) == 1) ||
	     (n->type == FDRI_NODE_PRIMARY && sscanf(base, "card%d", &m) == 1)) &&
	    (ret = write_drm_dir(root, platform, base, n->major, n->minor)))
		return ret;
	/* the device link CUSE devices lack; the rest of /sys/dev/char/M:m is
	 * the real one */
	snprintf(rel, sizeof(rel), "/sys/dev/char/%u:%u/device", n->major, n->minor);
	snprintf(content, sizeof(content), "../../../devices/platform/%s", platform);
	if ((ret = make_link(root, rel, content)))
		return ret;
	/* the nodes file, replaced by rename */
	nodes = read_nodes(root);
	if (!nodes)
		return -ENOMEM;
	if (!has_device_line(nodes, device)) {
		/* before the node lines, which come after all device lines */
		char *first_node = nodes;

		while (!strncmp(first_node, "device ", 7) && strchr(first_node, '\n'))
			first_node = strchr(first_node, '\n') + 1;
		snprintf(line, sizeof(line), "device %d %s\n", device, platform);
		ret = insert_line(&nodes, (size_t)(first_node - nodes), line);
	}
	snprintf(line, sizeof(line), "cuse %s %s %u %u %d\n", n->path, type_name(n->type),
		 n->major, n->minor, device);
	if (!ret)
		ret = replace_nodes(root, nodes, line);
	free(nodes);
	return ret;
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

/* --- bind and unbind (docs/hotplug.md) --- */

static int rm_tree(const char *root, const char *rel)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void rm_rel(const char *root, const char *rel)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, rel) < sizeof(path))
		unlink(path);
}

int fdri_sysroot_add_driver(const char *root, const char *driver)
{
	static const char *const files[] = { "bind", "unbind", "uevent" };
	char rel[PATH_MAX], path[PATH_MAX], line[96], *text;
	int ret;

	if (!driver || !*driver || strchr(driver, '/'))
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		snprintf(rel, sizeof(rel), "/sys/bus/platform/drivers/%s/%s", driver, files[i]);
		if ((ret = write_file(root, rel, "")))
			return ret;
		snprintf(path, sizeof(path), "%s%s", root, rel);
		if (chmod(path, 0200) < 0)
			return -errno;
	}
	/* the shim redirects the drivers the nodes file names */
	text = read_nodes(root);
	if (!text)
		return -ENOMEM;
	snprintf(line, sizeof(line), "driver %s\n", driver);
	ret = strstr(text, line) ? 0 : replace_nodes(root, text, line);
	free(text);
	return ret;
}

int fdri_sysroot_bind_driver(const char *root, const char *platform, const char *driver,
			     bool bound)
{
	char rel[PATH_MAX], target[PATH_MAX], uevent[2 * FDRI_PLATFORM_NAME_MAX + 64];
	int ret;

	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/driver", platform);
	if (!bound) {
		rm_rel(root, rel);
		snprintf(rel, sizeof(rel), "/sys/bus/platform/drivers/%s/%s", driver, platform);
		rm_rel(root, rel);
		snprintf(uevent, sizeof(uevent), "MODALIAS=platform:%s\n", platform);
	} else {
		snprintf(target, sizeof(target), "../../../bus/platform/drivers/%s", driver);
		if ((ret = make_link(root, rel, target)))
			return ret;
		snprintf(rel, sizeof(rel), "/sys/bus/platform/drivers/%s/%s", driver, platform);
		snprintf(target, sizeof(target), "../../../../devices/platform/%s", platform);
		if ((ret = make_link(root, rel, target)))
			return ret;
		/* dev_uevent(): DRIVER= first while bound */
		snprintf(uevent, sizeof(uevent), "DRIVER=%s\nMODALIAS=platform:%s\n", driver, platform);
	}
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/uevent", platform);
	return write_file(root, rel, uevent);
}

/* A socket-mode node line "PATH TYPE MINOR INDEX" of device @index?
 * Fills its type and minor. */
static bool node_line_of(const char *line, int index, enum fdri_node_type *type, int *minor)
{
	char path[256], t[16];
	int m, i;

	if (!strncmp(line, "device ", 7) || !strncmp(line, "cuse ", 5) ||
	    sscanf(line, "%255s %15s %d %d", path, t, &m, &i) != 4 || i != index)
		return false;
	*type = strcmp(t, "render") ? FDRI_NODE_PRIMARY : FDRI_NODE_RENDER;
	*minor = m;
	return true;
}

/* The nodes file without device @index's node lines, with @add (lines,
 * may be NULL) after the last line of a device <= @index. */
static int rewrite_nodes(const char *root, int index, const char *add)
{
	char *old = read_nodes(root), *text = NULL;
	size_t len = 0;
	bool added = !add;
	FILE *out;
	int ret;

	if (!old)
		return -ENOMEM;
	out = open_memstream(&text, &len);
	if (!out) {
		free(old);
		return -ENOMEM;
	}
	for (char *line = old, *next; line && *line; line = next) {
		enum fdri_node_type type;
		char path[256], t[16];
		int m, i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (node_line_of(line, index, &type, &m))
			continue;
		if (!added && strncmp(line, "device ", 7) && strncmp(line, "cuse ", 5) &&
		    sscanf(line, "%255s %15s %d %d", path, t, &m, &i) == 4 && i > index) {
			fputs(add, out);
			added = true;
		}
		fprintf(out, "%s\n", line);
	}
	if (!added)
		fputs(add, out);
	free(old);
	if (fclose(out)) {
		free(text);
		return -ENOMEM;
	}
	ret = replace_nodes(root, text, NULL);
	free(text);
	return ret;
}

int fdri_sysroot_remove_nodes(const char *root, int index, const char *platform)
{
	char *text = read_nodes(root), rel[PATH_MAX];

	if (!text)
		return -ENOMEM;
	for (char *line = text, *next; line && *line; line = next) {
		enum fdri_node_type type;
		char path[256], name[16];
		int minor;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!node_line_of(line, index, &type, &minor) || sscanf(line, "%255s", path) != 1)
			continue;
		snprintf(name, sizeof(name), type == FDRI_NODE_RENDER ? "renderD%d" : "card%d", minor);
		rm_rel(root, path);
		snprintf(rel, sizeof(rel), "/sys/class/drm/%s", name);
		rm_rel(root, rel);
		snprintf(rel, sizeof(rel), "/sys/dev/char/%d:%d", FDRI_DRM_MAJOR, minor);
		rm_rel(root, rel);
		snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm/%s", platform, name);
		rm_tree(root, rel);
		snprintf(rel, sizeof(rel), "/sys/kernel/debug/dri/%d", minor);
		rm_tree(root, rel);
		snprintf(rel, sizeof(rel), "/run/udev/data/c%d:%d", FDRI_DRM_MAJOR, minor);
		rm_rel(root, rel);
		/* udevd removes the node's devlink with it */
		snprintf(rel, sizeof(rel), "/dev/dri/by-path/platform-%s-%s", platform,
			 type == FDRI_NODE_RENDER ? "render" : "card");
		rm_rel(root, rel);
		for (const char *const *tag = fdri_udev_tags(type); *tag; tag++) {
			snprintf(rel, sizeof(rel), "/run/udev/tags/%s/c%d:%d", *tag, FDRI_DRM_MAJOR,
				 minor);
			rm_rel(root, rel);
		}
	}
	free(text);
	snprintf(rel, sizeof(rel), "/sys/devices/platform/%s/drm", platform);
	return rm_tree(root, rel);
}

int fdri_sysroot_add_nodes(const char *root, int index, const char *platform,
			   struct fdri_node_cfg *nodes, int nnodes)
{
	struct fdri_sysroot_dev d = { .devname = platform, .nnodes = nnodes };
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int ret = 0;

	if (nnodes < 0 || nnodes > FDRI_MAX_NODES)
		return -EINVAL;
	snprintf(d.platform, sizeof(d.platform), "%s", platform);
	out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	for (int k = 0; k < nnodes && !ret; k++) {
		struct fdri_node_cfg *n = &nodes[k];

		snprintf(n->name, sizeof(n->name), n->type == FDRI_NODE_RENDER ? "renderD%d" : "card%d",
			 n->minor);
		d.nodes[k] = *n;
		ret = write_node(root, &d, index, n, out);
	}
	if (fclose(out) && !ret)
		ret = -ENOMEM;
	if (!ret)
		ret = rewrite_nodes(root, index, text);
	free(text);
	return ret;
}
