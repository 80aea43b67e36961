/*
 * test_cuse_sysroot.c - the CUSE mode's sysroot and the shim's view of it,
 * on a host without /dev/cuse.
 *
 * The daemon side: fdri_sysroot_write() with no virtual nodes and
 * fdri_sysroot_add_cuse() write the `cuse` lines of the nodes file and the
 * fake `device` of each CUSE dev_t. The shim side: the test re-executes
 * itself under the shim (argv[1]) with FAKEDRI_SOCKET pointing next to that
 * sysroot, in which /dev/null's dev_t stands for a CUSE node. The shim must
 * then redirect /sys/dev/char/1:3/device and nothing else (not /dev/dri,
 * not /sys/class/drm, not the rest of /sys/dev/char/1:3), libdrm must see a
 * platform DRM device behind /dev/null, and since /dev/null does not answer
 * FDRI_CUSE_IOCTL_BIND, an open of it must stay a plain fd.
 *
 * Owns a temporary directory, removed at the end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "fdri_sysroot.h"

static int fails;

#define CHECK(c, ...) do { \
	if (!(c)) { \
		fails++; \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #c); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

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

/* what the kernel says, past the shim */
static int raw_stat(const char *path)
{
	struct stat st;

	return syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0 ? 0 : -errno;
}

static int shim_stat(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? 0 : -errno;
}

static void check_daemon_side(const char *root, dev_t null_rdev)
{
	char path[PATH_MAX], expect[512];
	struct fdri_sysroot_cfg cfg = { .root = root };
	struct fdri_cuse_sysfs card = { "/dev/dri/card1", FDRI_NODE_PRIMARY, major(null_rdev),
					minor(null_rdev) };
	struct fdri_cuse_sysfs render = { "/dev/dri/renderD129", FDRI_NODE_RENDER, 1, 200 };
	struct fdri_cuse_sysfs alias = { "/dev/fakedri", FDRI_NODE_PRIMARY, 1, 201 };
	const char *s;

	fdri_sysroot_add_dev(&cfg, FDRI_CUSE_PLATFORM)->nnodes = 0;
	CHECK(fdri_sysroot_write(&cfg) == 0, "sysroot");
	CHECK(!strcmp(cfg.devs[0].platform, "fakedri"), "platform %s", cfg.devs[0].platform);
	snprintf(path, sizeof(path), "%s/nodes", root);
	s = slurp(path);
	CHECK(s && !strcmp(s, "device 0 fakedri\n"), "nodes before any CUSE node: '%s'", s);
	snprintf(path, sizeof(path), "%s/dev/dri", root);
	CHECK(access(path, F_OK) < 0, "no virtual /dev/dri in CUSE mode");

	CHECK(fdri_sysroot_add_cuse(root, 0, cfg.devs[0].platform, &card) == 0, "add card1");
	CHECK(fdri_sysroot_add_cuse(root, 0, cfg.devs[0].platform, &render) == 0, "add renderD129");
	CHECK(fdri_sysroot_add_cuse(root, 0, cfg.devs[0].platform, &alias) == 0, "add /dev/fakedri");
	snprintf(path, sizeof(path), "%s/nodes", root);
	s = slurp(path);
	snprintf(expect, sizeof(expect),
		 "device 0 fakedri\ncuse /dev/dri/card1 primary %u %u 0\n"
		 "cuse /dev/dri/renderD129 render 1 200 0\ncuse /dev/fakedri primary 1 201 0\n",
		 major(null_rdev), minor(null_rdev));
	CHECK(s && !strcmp(s, expect), "nodes: '%s'", s);
	snprintf(path, sizeof(path), "%s/nodes.tmp", root);
	CHECK(access(path, F_OK) < 0, "no temporary left");

	snprintf(path, sizeof(path), "%s/sys/dev/char/1:200/device", root);
	CHECK(!strcmp(link_of(path), "../../../devices/platform/fakedri"), "device link: %s", link_of(path));
	snprintf(path, sizeof(path), "%s/sys/dev/char/1:200/device/drm/renderD129/dev", root);
	s = slurp(path);
	CHECK(s && !strcmp(s, "1:200\n"), "renderD129/dev: %s", s);
	snprintf(path, sizeof(path), "%s/sys/dev/char/1:200/device/drm/renderD129/uevent", root);
	s = slurp(path);
	CHECK(s && strstr(s, "MAJOR=1\nMINOR=200\nDEVNAME=dri/renderD129\n"), "renderD129/uevent: %s", s);
	snprintf(path, sizeof(path), "%s/sys/dev/char/1:200/device/uevent", root);
	s = slurp(path);
	CHECK(s && !strcmp(s, "MODALIAS=platform:fakedri\n"), "device uevent: %s", s);
	snprintf(path, sizeof(path), "%s/sys/dev/char/1:200/device/subsystem", root);
	CHECK(!strcmp(link_of(path), "../../../bus/platform"), "subsystem: %s", link_of(path));
	/* a node outside /dev/dri has its device link but no drm/ entry:
	 * libdrm would name it /dev/dri/<entry> */
	snprintf(path, sizeof(path), "%s/sys/dev/char/1:201/device", root);
	CHECK(!strcmp(link_of(path), "../../../devices/platform/fakedri"), "alias device link");
	snprintf(path, sizeof(path), "%s/sys/devices/platform/fakedri/drm", root);
	{
		DIR *d = opendir(path);
		struct dirent *e;
		int n = 0;

		CHECK(d, "opendir drm");
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				n += !strcmp(e->d_name, "card1") || !strcmp(e->d_name, "renderD129") ? 1 : 100;
		if (d)
			closedir(d);
		CHECK(n == 2, "drm/ holds card1 and renderD129 only (%d)", n);
	}
}

/* Under the shim: /dev/null's dev_t is a CUSE node of the sysroot. */
static int check_shim_side(void)
{
	char resolved[PATH_MAX], *r;
	const char *s;
	char *name;
	struct stat st;
	int fd, t;

	CHECK(shim_stat("/sys/dev/char/1:3/device/drm") == 0, "device/drm redirected");
	CHECK(raw_stat("/sys/dev/char/1:3/device/drm") < 0, "(the host has no such thing)");
	s = link_of("/sys/dev/char/1:3/device/subsystem");
	CHECK(strstr(s, "/platform") != NULL, "subsystem link: %s", s);
	r = realpath("/sys/dev/char/1:3/device", resolved);
	CHECK(r && !strcmp(r, "/sys/devices/platform/fakedri"), "realpath: %s", r ? r : strerror(errno));
	r = realpath("/sys/dev/char/1:3/device/subsystem", resolved);
	CHECK(r && !strcmp(r, "/sys/bus/platform"), "realpath subsystem: %s", r ? r : strerror(errno));
	CHECK(shim_stat("/sys/devices/platform/fakedri/drm/card1/dev") == 0, "platform device redirected");
	s = slurp("/sys/dev/char/1:3/device/uevent");
	CHECK(s && strstr(s, "MODALIAS=platform:fakedri"), "uevent via fopen: %s", s ? s : "(none)");
	/* the rest stays real */
	CHECK(shim_stat("/sys/dev/char/1:3") == raw_stat("/sys/dev/char/1:3"), "/sys/dev/char/1:3 real");
	CHECK(shim_stat("/sys/dev/char/1:3/uevent") == raw_stat("/sys/dev/char/1:3/uevent"), "its uevent real");
	CHECK(shim_stat("/sys/dev/char/1:5/device") == raw_stat("/sys/dev/char/1:5/device"), "other dev_t real");
	CHECK(shim_stat("/sys/dev/char/1:30/device") == raw_stat("/sys/dev/char/1:30/device"), "1:30 is not 1:3");
	CHECK(shim_stat("/sys/dev/char/1:3/devices") == raw_stat("/sys/dev/char/1:3/devices"), "devices is not device");
	CHECK(shim_stat("/dev/dri") == raw_stat("/dev/dri"), "/dev/dri real");
	CHECK(shim_stat("/dev/dri/card0") == raw_stat("/dev/dri/card0"), "/dev/dri/card0 real");
	CHECK(shim_stat("/dev/fakedri") == raw_stat("/dev/fakedri"), "/dev/fakedri real");
	CHECK(shim_stat("/sys/class/drm") == raw_stat("/sys/class/drm"), "/sys/class/drm real");
	CHECK(shim_stat("/sys/dev/char/226:0") == raw_stat("/sys/dev/char/226:0"), "226:0 real");

	/* /dev/null opened: not bound (no FDRI_CUSE_IOCTL_BIND), a plain fd,
	 * which libdrm takes for our primary node */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open /dev/null");
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
	      "fstat is the real one");
	CHECK(write(fd, "x", 1) == 1, "still /dev/null");
	CHECK(ioctl(fd, DRM_IOCTL_VERSION, NULL) < 0 && errno == ENOTTY, "a DRM ioctl reaches /dev/null: %s",
	      strerror(errno));
	t = drmGetNodeTypeFromFd(fd);
	CHECK(t == DRM_NODE_PRIMARY, "drmGetNodeTypeFromFd: %d", t);
	name = drmGetRenderDeviceNameFromFd(fd);
	CHECK(name && !strcmp(name, "/dev/dri/renderD129"), "render name: %s", name ? name : "(null)");
	free(name);
	name = drmGetPrimaryDeviceNameFromFd(fd);
	CHECK(name && !strcmp(name, "/dev/dri/card1"), "primary name: %s", name ? name : "(null)");
	free(name);
	close(fd);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/fdri-cuse-sysroot.XXXXXX", root[256], sock[128];
	struct stat st;
	pid_t pid;
	int status;

	if (argc == 2 && !strcmp(argv[1], "--shim-side"))
		return check_shim_side();
	if (argc != 2) {
		fprintf(stderr, "usage: %s SHIM.so\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(dir) || stat("/dev/null", &st) < 0) {
		perror("setup");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/fakedri.sock", dir);
	snprintf(root, sizeof(root), "%s.root", sock);
	check_daemon_side(root, st.st_rdev);

	pid = fork();
	if (pid == 0) {
		setenv("LD_PRELOAD", argv[1], 1);
		setenv("FAKEDRI_SOCKET", sock, 1);
		/* /dev/null stands in for a CUSE node: skip the shim's check
		 * that the kernel lists the device under virtual/cuse */
		setenv("FAKEDRI_TEST_ANY_CUSE_DEV", "1", 1);
		execl("/proc/self/exe", argv[0], "--shim-side", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "shim side: status 0x%x", status);
	fdri_sysroot_remove(root);
	rmdir(dir);
	if (!fails)
		printf("test_cuse_sysroot: ok\n");
	return fails ? 1 : 0;
}
