/*
 * test_sysroot_devices.c - a sysroot of several devices, as the daemon
 * writes it, as the shim parses it, and as libdrm sees it through the shim.
 *
 * The daemon side: fdri_sysroot_write() of two devices (vgem, fakedri) must
 * give each its platform device, card0/renderD128 to device 0 and
 * card1/renderD129 to device 1, /sys/class/drm and /sys/dev/char/226:N links
 * resolving into the right platform device, and the nodes file; devices of
 * one name get distinct platform devices (fakedri, fakedri.1); explicit
 * minors push the defaults on; conflicts are refused. The shim's parser:
 * client/shim_path.c is linked in here, and shim_config_load() must give
 * every node its device index, shim_node_of() each device's nodes, and
 * redirect each platform device (nothing else in /sys/devices/platform).
 * libdrm: the test re-executes itself under the shim (argv[1]) with
 * FAKEDRI_SOCKET next to such a sysroot; drmGetDevices2() must list both
 * devices, each with its primary and render node, with distinct bus info.
 * No daemon runs: nothing is opened, only stat()ed and read.
 *
 * Owns a temporary directory, removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "fdri_sysroot.h"
#include "shim.h"

static int fails;

#define CHECK(c, ...) do { \
	if (!(c)) { \
		fails++; \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #c); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

/* shim_path.c's one libc hook, outside the preloaded shim: the real stat */
int shim_real_stat(const char *path, struct stat *st)
{
	return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
}

/* shim_perm.c's, which stat patching calls: a node's mode, not read here */
void shim_perm_stat(int device, int type, struct stat *st)
{
	(void)device;
	(void)type;
	st->st_mode = S_IFCHR | 0660;
}

/* shim_udev.c's, which redirection asks: no udev paths in this test */
bool shim_udev_redirected(const char *path)
{
	(void)path;
	return false;
}

const struct shim_node *shim_udev_devlink_node(const char *path)
{
	(void)path;
	return NULL;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *link_of(const char *path)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return "";
	buf[n] = '\0';
	return buf;
}

/* realpath of root + rel, with root stripped again */
static const char *resolve(const char *root, const char *rel)
{
	static char out[PATH_MAX];
	char path[PATH_MAX];
	size_t l = strlen(root);

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (!realpath(path, out) || strncmp(out, root, l))
		return "";
	return out + l;
}

static const char *file_in(const char *root, const char *rel)
{
	char path[PATH_MAX];
	const char *s;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	s = slurp(path);
	return s ? s : "(none)";
}

static void two_devices(const char *root)
{
	struct fdri_sysroot_cfg cfg = { .root = root };
	static const struct { const char *dev, *node, *platform, *name; } nodes[] = {
		{ "226:0", "/dev/dri/card0", "vgem", "card0" },
		{ "226:128", "/dev/dri/renderD128", "vgem", "renderD128" },
		{ "226:1", "/dev/dri/card1", "fakedri", "card1" },
		{ "226:129", "/dev/dri/renderD129", "fakedri", "renderD129" },
	};
	char rel[PATH_MAX], want[PATH_MAX];
	struct stat st;
	const char *s;

	CHECK(fdri_sysroot_add_dev(&cfg, "vgem"), "add vgem");
	CHECK(fdri_sysroot_add_dev(&cfg, "fakedri"), "add fakedri");
	CHECK(cfg.devs[0].nnodes == 3 && cfg.devs[1].nnodes == 2, "alias only for device 0");
	CHECK(fdri_sysroot_write(&cfg) == 0, "write");
	CHECK(!strcmp(cfg.devs[0].platform, "vgem") && !strcmp(cfg.devs[1].platform, "fakedri"),
	      "platforms %s %s", cfg.devs[0].platform, cfg.devs[1].platform);
	CHECK(cfg.devs[1].nodes[0].minor == 1 && !strcmp(cfg.devs[1].nodes[1].name, "renderD129"),
	      "device 1: %d %s", cfg.devs[1].nodes[0].minor, cfg.devs[1].nodes[1].name);
	s = file_in(root, "/nodes");
	CHECK(!strcmp(s, "device 0 vgem\ndevice 1 fakedri\n"
			 "/dev/dri/card0 primary 0 0\n/dev/dri/renderD128 render 128 0\n"
			 "/dev/fakedri primary 0 0\n"
			 "/dev/dri/card1 primary 1 1\n/dev/dri/renderD129 render 129 1\n"),
	      "nodes: '%s'", s);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(rel, sizeof(rel), "%s%s", root, nodes[i].node);
		CHECK(stat(rel, &st) == 0, "%s exists", nodes[i].node);
		snprintf(rel, sizeof(rel), "/sys/dev/char/%s", nodes[i].dev);
		snprintf(want, sizeof(want), "/sys/devices/platform/%s/drm/%s", nodes[i].platform,
			 nodes[i].name);
		s = resolve(root, rel);
		CHECK(!strcmp(s, want), "%s -> %s", rel, s);
		snprintf(rel, sizeof(rel), "/sys/class/drm/%s", nodes[i].name);
		s = resolve(root, rel);
		CHECK(!strcmp(s, want), "%s -> %s", rel, s);
		snprintf(rel, sizeof(rel), "/sys/dev/char/%s/device", nodes[i].dev);
		snprintf(want, sizeof(want), "/sys/devices/platform/%s", nodes[i].platform);
		s = resolve(root, rel);
		CHECK(!strcmp(s, want), "%s -> %s", rel, s);
		snprintf(rel, sizeof(rel), "/sys/dev/char/%s/device/subsystem", nodes[i].dev);
		s = resolve(root, rel);
		CHECK(!strcmp(s, "/sys/bus/platform"), "%s -> %s", rel, s);
		snprintf(rel, sizeof(rel), "/sys/dev/char/%s/uevent", nodes[i].dev);
		snprintf(want, sizeof(want), "MAJOR=226\nMINOR=%s\nDEVNAME=dri/%s\n",
			 nodes[i].dev + 4, nodes[i].name);
		s = file_in(root, rel);
		CHECK(!strncmp(s, want, strlen(want)), "%s: %s", rel, s);
		snprintf(rel, sizeof(rel), "/sys/dev/char/%s/device/uevent", nodes[i].dev);
		snprintf(want, sizeof(want), "MODALIAS=platform:%s\n", nodes[i].platform);
		s = file_in(root, rel);
		CHECK(!strcmp(s, want), "%s: %s", rel, s);
	}
	CHECK(!strcmp(link_of(strcat(strcpy(rel, root), "/sys/devices/platform/fakedri/drm/card1/device")),
		      "../../../fakedri"), "card1/device: %s", link_of(rel));
	snprintf(rel, sizeof(rel), "%s/sys/devices/platform/vgem/drm/card1", root);
	CHECK(access(rel, F_OK) < 0, "card1 is not vgem's");
}

/* shim_path.c's parse of the sysroot of socket sock */
static void shim_parses(const char *sock)
{
	const struct shim_node *n;
	char buf[PATH_MAX];
	const char *m;

	memset(&shim_cfg, 0, sizeof(shim_cfg));
	setenv("FAKEDRI_SOCKET", sock, 1);
	shim_config_load();
	CHECK(shim_cfg.enabled && shim_cfg.nnodes == 5 && shim_cfg.ndevices == 2,
	      "%d nodes, %d devices", shim_cfg.nnodes, shim_cfg.ndevices);
	CHECK(!strcmp(shim_cfg.devices[0].platform, "vgem") &&
	      !strcmp(shim_cfg.devices[1].platform, "fakedri"), "platforms");
	n = shim_node_of(0, SHIM_NODE_PRIMARY);
	CHECK(n && !strcmp(n->path, "/dev/dri/card0") && n->minor == 0, "device 0 primary");
	n = shim_node_of(0, SHIM_NODE_RENDER);
	CHECK(n && !strcmp(n->path, "/dev/dri/renderD128") && n->minor == 128, "device 0 render");
	n = shim_node_of(1, SHIM_NODE_PRIMARY);
	CHECK(n && !strcmp(n->path, "/dev/dri/card1") && n->minor == 1 && n->device == 1,
	      "device 1 primary");
	n = shim_node_of(1, SHIM_NODE_RENDER);
	CHECK(n && !strcmp(n->path, "/dev/dri/renderD129") && n->minor == 129, "device 1 render");
	CHECK(!shim_node_of(2, SHIM_NODE_PRIMARY), "no device 2");
	n = shim_path_node("/dev/fakedri");
	CHECK(n && n->device == 0 && n->type == SHIM_NODE_PRIMARY, "the alias is device 0's");
	n = shim_path_node("/dev/dri/renderD129");
	CHECK(n && n->device == 1, "renderD129 is device 1's");
	m = shim_path_map("/sys/devices/platform/fakedri/uevent", buf, sizeof(buf));
	CHECK(m == buf, "fakedri's platform device redirected");
	m = shim_path_map("/sys/devices/platform/vgem", buf, sizeof(buf));
	CHECK(m == buf, "vgem's platform device redirected");
	m = shim_path_map("/sys/devices/platform/fakedri.1", buf, sizeof(buf));
	CHECK(m != buf, "not another one");
	m = shim_path_map("/sys/devices/platform/serial8250", buf, sizeof(buf));
	CHECK(m != buf, "not the host's");

	/* CUSE lines with device indexes; a file without them is device 0's */
	memset(&shim_cfg, 0, sizeof(shim_cfg));
	setenv("FAKEDRI_TEST_ANY_CUSE_DEV", "1", 1);
	snprintf(buf, sizeof(buf), "%s.root", sock);
	{
		struct fdri_cuse_sysfs c = { "/dev/dri/card2", FDRI_NODE_PRIMARY, 1, 3 };
		struct fdri_cuse_sysfs r = { "/dev/dri/renderD130", FDRI_NODE_RENDER, 1, 5 };

		CHECK(fdri_sysroot_add_cuse(buf, 2, "fakedri.1", &c) == 0, "add card2");
		CHECK(fdri_sysroot_add_cuse(buf, 2, "fakedri.1", &r) == 0, "add renderD130");
	}
	shim_config_load();
	unsetenv("FAKEDRI_TEST_ANY_CUSE_DEV");
	CHECK(shim_cfg.ncuse == 2 && shim_cfg.ndevices == 3 &&
	      !strcmp(shim_cfg.devices[2].platform, "fakedri.1"),
	      "%d cuse, %d devices", shim_cfg.ncuse, shim_cfg.ndevices);
	CHECK(shim_cuse_node(makedev(1, 5)) && shim_cuse_node(makedev(1, 5))->device == 2 &&
	      shim_cuse_node(makedev(1, 5))->type == SHIM_NODE_RENDER, "renderD130 is device 2's");
	m = shim_path_map("/sys/devices/platform/fakedri.1/drm/card2/dev", buf, sizeof(buf));
	CHECK(m == buf, "fakedri.1 redirected");
	{
		FILE *f;

		snprintf(buf, sizeof(buf), "%s.root/nodes", sock);
		f = fopen(buf, "we");
		fputs("devname fakedri\n/dev/dri/card0 primary 0\ncuse /dev/x render 1 7\n", f);
		fclose(f);
		memset(&shim_cfg, 0, sizeof(shim_cfg));
		setenv("FAKEDRI_TEST_ANY_CUSE_DEV", "1", 1);
		shim_config_load();
		unsetenv("FAKEDRI_TEST_ANY_CUSE_DEV");
		CHECK(shim_cfg.nnodes == 1 && shim_cfg.nodes[0].device == 0 && shim_cfg.ncuse == 1 &&
		      shim_cfg.cuse[0].device == 0 && !strcmp(shim_cfg.devices[0].platform, "fakedri"),
		      "one-device format");
	}
	unsetenv("FAKEDRI_SOCKET");
	memset(&shim_cfg, 0, sizeof(shim_cfg));
}

static void same_names_and_minors(const char *root)
{
	struct fdri_sysroot_cfg cfg = { .root = root };
	const char *s;

	/* a third "fakedri" skips fakedri.1, which a later device is named */
	fdri_sysroot_add_dev(&cfg, "fakedri");
	fdri_sysroot_add_dev(&cfg, "fakedri");
	fdri_sysroot_add_dev(&cfg, "fakedri");
	fdri_sysroot_add_dev(&cfg, "fakedri.1");
	/* device 0 on card2 / renderD128: device 1 gets card1, device 2 card3 */
	cfg.devs[0].nodes[0].path = "/dev/dri/card2";
	CHECK(fdri_sysroot_write(&cfg) == 0, "write");
	CHECK(!strcmp(cfg.devs[0].platform, "fakedri") && !strcmp(cfg.devs[1].platform, "fakedri.2") &&
	      !strcmp(cfg.devs[2].platform, "fakedri.3") && !strcmp(cfg.devs[3].platform, "fakedri.1"),
	      "platforms %s %s %s %s", cfg.devs[0].platform, cfg.devs[1].platform,
	      cfg.devs[2].platform, cfg.devs[3].platform);
	CHECK(cfg.devs[0].nodes[0].minor == 2 && cfg.devs[0].nodes[2].minor == 2 &&
	      cfg.devs[1].nodes[0].minor == 1 && cfg.devs[2].nodes[0].minor == 3 &&
	      cfg.devs[3].nodes[0].minor == 4 && cfg.devs[3].nodes[1].minor == 131,
	      "minors %d %d %d %d %d", cfg.devs[0].nodes[0].minor, cfg.devs[0].nodes[2].minor,
	      cfg.devs[1].nodes[0].minor, cfg.devs[2].nodes[0].minor, cfg.devs[3].nodes[0].minor);
	s = file_in(root, "/nodes");
	CHECK(strstr(s, "device 3 fakedri.1\n") && strstr(s, "/dev/dri/card2 primary 2 0\n") &&
	      strstr(s, "/dev/dri/card4 primary 4 3\n"), "nodes: %s", s);
	s = file_in(root, "/sys/dev/char/226:130/device/uevent");
	CHECK(!strcmp(s, "MODALIAS=platform:fakedri.3\n"), "uevent: %s", s);
	fdri_sysroot_remove(root);

	/* conflicts */
	memset(&cfg, 0, sizeof(cfg));
	cfg.root = root;
	fdri_sysroot_add_dev(&cfg, "a");
	fdri_sysroot_add_dev(&cfg, "b");
	cfg.devs[1].nodes[0].path = "/dev/fakedri";
	CHECK(fdri_sysroot_write(&cfg) == -EINVAL, "one path for two nodes");
	cfg.devs[1].nodes[0].path = "/dev/dri/card0"; /* device 0 moves on */
	CHECK(fdri_sysroot_write(&cfg) == 0 && cfg.devs[0].nodes[0].minor == 1, "pushed");
	CHECK(!strcmp(cfg.devs[0].nodes[0].name, "card1"), "%s", cfg.devs[0].nodes[0].name);
	fdri_sysroot_remove(root);
	cfg.devs[0].nodes[0].path = "/dev/dri/card3";
	cfg.devs[1].nodes[0].path = "/dev/card3";
	CHECK(fdri_sysroot_write(&cfg) == -EINVAL, "one minor for two devices");
	cfg.devs[0].nodes[0].path = cfg.devs[1].nodes[0].path = NULL;
	cfg.devs[1].devname = "x/y";
	CHECK(fdri_sysroot_write(&cfg) == -EINVAL, "a bad name");
	cfg.ndevs = 0;
	CHECK(fdri_sysroot_write(&cfg) == -EINVAL, "no devices");
	fdri_sysroot_remove(root);
}

/* Under the shim: libdrm's enumeration of a two-device sysroot, whose
 * devices' platform devices are p0 and p1. */
static int check_shim_side(const char *p0, const char *p1)
{
	drmDevicePtr devs[16];
	int n = drmGetDevices2(0, devs, 16), seen = 0;
	struct stat st;
	char resolved[PATH_MAX], want[PATH_MAX], *r;

	CHECK(n == 2, "drmGetDevices2: %d", n);
	for (int i = 0; i < n; i++) {
		drmDevicePtr d = devs[i];
		const char *card = d->nodes[DRM_NODE_PRIMARY], *render = d->nodes[DRM_NODE_RENDER];

		CHECK(d->bustype == DRM_BUS_PLATFORM, "bus %d", d->bustype);
		CHECK((d->available_nodes & (1 << DRM_NODE_PRIMARY)) &&
		      (d->available_nodes & (1 << DRM_NODE_RENDER)), "nodes 0x%x", d->available_nodes);
		if (d->bustype != DRM_BUS_PLATFORM || !card || !render)
			continue;
		printf("device %s: %s %s\n", d->businfo.platform->fullname, card, render);
		if (!strcmp(d->businfo.platform->fullname, p0)) {
			CHECK(!strcmp(card, "/dev/dri/card0") && !strcmp(render, "/dev/dri/renderD128"),
			      "%s: %s %s", p0, card, render);
			seen |= 1;
		} else if (!strcmp(d->businfo.platform->fullname, p1)) {
			CHECK(!strcmp(card, "/dev/dri/card1") && !strcmp(render, "/dev/dri/renderD129"),
			      "%s: %s %s", p1, card, render);
			seen |= 2;
		}
	}
	CHECK(seen == 3, "both devices (%d)", seen);
	if (n > 0)
		drmFreeDevices(devs, n);
	CHECK(stat("/dev/dri/renderD129", &st) == 0 && S_ISCHR(st.st_mode) &&
	      st.st_rdev == makedev(226, 129), "stat renderD129");
	r = realpath("/sys/dev/char/226:129/device", resolved);
	snprintf(want, sizeof(want), "/sys/devices/platform/%s", p1);
	CHECK(r && !strcmp(r, want), "realpath: %s", r ? r : strerror(errno));
	r = realpath("/sys/class/drm/card0/device", resolved);
	snprintf(want, sizeof(want), "/sys/devices/platform/%s", p0);
	CHECK(r && !strcmp(r, want), "realpath: %s", r ? r : strerror(errno));
	return fails ? 1 : 0;
}

static void run_shim_side(const char *shim, const char *self, const char *sock,
			  const char *p0, const char *p1)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		setenv("LD_PRELOAD", shim, 1);
		setenv("FAKEDRI_SOCKET", sock, 1);
		execl("/proc/self/exe", self, "--shim-side", p0, p1, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "shim side %s %s: status 0x%x", p0, p1,
	      status);
}

/* two devices of one name: libdrm must tell fakedri from fakedri.1 */
static void same_name_seen_by_libdrm(const char *shim, const char *self, const char *sock,
				     const char *root)
{
	struct fdri_sysroot_cfg cfg = { .root = root };

	fdri_sysroot_add_dev(&cfg, "fakedri");
	fdri_sysroot_add_dev(&cfg, "fakedri");
	CHECK(fdri_sysroot_write(&cfg) == 0, "write");
	run_shim_side(shim, self, sock, "fakedri", "fakedri.1");
	fdri_sysroot_remove(root);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/fdri-sysroot-devices.XXXXXX", root[256], sock[128];

	if (argc == 4 && !strcmp(argv[1], "--shim-side"))
		return check_shim_side(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: %s SHIM.so\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/fakedri.sock", dir);
	snprintf(root, sizeof(root), "%s.root", sock);
	same_names_and_minors(root);
	same_name_seen_by_libdrm(argv[1], argv[0], sock, root);
	two_devices(root);
	run_shim_side(argv[1], argv[0], sock, "vgem", "fakedri");
	shim_parses(sock); /* last: it adds CUSE nodes */
	fdri_sysroot_remove(root);
	rmdir(dir);
	if (!fails)
		printf("test_sysroot_devices: ok\n");
	return fails ? 1 : 0;
}
