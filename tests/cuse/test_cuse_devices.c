/*
 * test_cuse_devices.c - a statically linked client (no shim: libc, <drm.h>
 * and uapi/fakedri_drm.h only) of ONE fakedrid serving TWO devices over
 * CUSE, as started by scripts/vm/test-cuse-guest.sh:
 *
 *   fakedrid --device vgem --device fakedri --cuse
 *            --cuse-node 0:dri/card2:primary --cuse-node 1:dri/renderD130:render
 *            --cuse-node 1:dri/card3:primary
 *
 * It checks that each node serves the device it names and that the two
 * devices share nothing:
 *   - the nodes' minors come from their names (2, 130, 3);
 *   - card2 is vgem: VERSION says "vgem", and the driver range (fakedri's
 *     DEVICE_STATS 0x43, GEM_CREATE 0x40) answers EINVAL as drm_ioctl()
 *     does past a driver's ioctl table;
 *   - renderD130 is fakedri: VERSION says "fakedri", FAKEDRI_GEM_CREATE works;
 *   - a dumb buffer created on card2 does not show in device 1's
 *     DEVICE_STATS; its handle means nothing on renderD130 (GEM_CLOSE:
 *     EINVAL, drm_gem_handle_delete()'s answer for an unknown handle);
 *   - its flink name opens on a second card2 file (same device) but is
 *     unknown on card3 (device 1's primary node: GEM_OPEN ENOENT, the
 *     names are per device) and refused on renderD130 (GEM_OPEN is
 *     DRM_AUTH without DRM_RENDER_ALLOW: EACCES).
 * With --kernel-vgem CARD [RENDER] (the kernel's own vgem nodes) the same
 * error cases are asked of the real driver too, so the errnos asserted
 * above are the kernel's.
 *
 * usage: test_cuse_devices [CARD2 RENDERD130 CARD3] [--kernel-vgem CARD [RENDER]]
 * Prints one line per check and "N passed, M failed"; exits 1 on failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cuse_test.h"
#include "../../uapi/fakedri_drm.h"

#define PROG "test_cuse_devices"

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL watchdog: " PROG " hung (SIGALRM)\n";

	(void)sig;
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(3);
}

static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (!ct_check(fd >= 0, "open", "%s: %s", path, fd >= 0 ? "ok" : strerror(errno)))
		exit(ct_summary(PROG) | 1);
	return fd;
}

static void check_minor(const char *path, unsigned int minor)
{
	struct stat st;
	int r = stat(path, &st);

	ct_check(r == 0 && S_ISCHR(st.st_mode) && minor(st.st_rdev) == minor,
		 "node is a character device with the minor of its name",
		 "%s: ret %d/%s, mode %o, %u:%u (want minor %u)", path, CT_ERR(r),
		 r ? 0 : (unsigned int)st.st_mode, r ? 0 : major(st.st_rdev),
		 r ? 0 : minor(st.st_rdev), minor);
}

/* VERSION in two rounds (lengths, then strings); checks the name */
static void check_version(int fd, const char *path, const char *want)
{
	struct drm_version v = { 0 };
	char name[64] = "", desc[128] = "", date[64] = "";
	int r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);

	if (!ct_check(r == 0 && v.name_len < sizeof(name) && v.desc_len < sizeof(desc) &&
		      v.date_len < sizeof(date), "VERSION round 1 (lengths)",
		      "%s: ret %d/%s, name_len %zu", path, CT_ERR(r), v.name_len))
		return;
	v.name = name;
	v.desc = desc;
	v.date = date;
	r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);
	ct_check(r == 0 && !strcmp(name, want), "VERSION names the node's device",
		 "%s: ret %d/%s, name \"%s\" (want \"%s\"), desc \"%s\", date %s, %d.%d.%d",
		 path, CT_ERR(r), name, want, desc, date, v.version_major, v.version_minor,
		 v.version_patchlevel);
}

/* an ioctl expected to fail with errno @want */
static void check_errno(int fd, unsigned long req, void *arg, int want, const char *what,
			const char *path)
{
	int r = ct_ioctl(fd, req, arg);

	ct_check(r == -1 && errno == want, what, "%s: ret %d/%s (want %s)", path, CT_ERR(r),
		 strerror(want));
}

static int stats(int fd, struct drm_fakedri_device_stats *s)
{
	memset(s, 0, sizeof(*s));
	return ct_ioctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, s);
}

static void check_stats(int fd, const char *path, uint64_t objects, uint64_t files,
			const char *what)
{
	struct drm_fakedri_device_stats s;
	int r = stats(fd, &s);

	ct_check(r == 0 && s.objects == objects && s.files == files, what,
		 "%s: ret %d/%s, objects %llu (want %llu), files %llu (want %llu)", path,
		 CT_ERR(r), (unsigned long long)s.objects, (unsigned long long)objects,
		 (unsigned long long)s.files, (unsigned long long)files);
}

/* the error cases asked of the kernel's own vgem */
static void kernel_vgem(const char *card, const char *render)
{
	struct drm_version v = { 0 };
	struct drm_fakedri_device_stats s;
	struct drm_fakedri_gem_create gc = { .size = 4096 };
	struct drm_gem_close cl = { .handle = 0x4242 };
	struct drm_gem_open op = { .name = 0x4242 };
	char name[64] = "";
	int fd = open(card, O_RDWR | O_CLOEXEC), r;

	if (fd < 0) {
		ct_skip("kernel vgem", "%s: %s", card, strerror(errno));
		return;
	}
	r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);
	if (r == 0 && v.name_len < sizeof(name)) {
		v.name = name;
		v.date_len = v.desc_len = 0;
		r = ct_ioctl(fd, DRM_IOCTL_VERSION, &v);
	}
	if (r != 0 || strcmp(name, "vgem")) {
		ct_skip("kernel vgem", "%s is \"%s\" (ret %d/%s), not vgem", card, name, CT_ERR(r));
		close(fd);
		return;
	}
	check_errno(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, &s, EINVAL,
		    "kernel vgem: 0x43 in the driver range is EINVAL", card);
	check_errno(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &gc, EINVAL,
		    "kernel vgem: 0x40 (vgem's table has no such entry) is EINVAL", card);
	check_errno(fd, DRM_IOCTL_GEM_CLOSE, &cl, EINVAL,
		    "kernel vgem: GEM_CLOSE of an unknown handle is EINVAL", card);
	check_errno(fd, DRM_IOCTL_GEM_OPEN, &op, ENOENT,
		    "kernel vgem: GEM_OPEN of an unknown name is ENOENT", card);
	close(fd);
	if (!render)
		return;
	fd = open(render, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ct_skip("kernel vgem render node", "%s: %s", render, strerror(errno));
		return;
	}
	op.name = 1;
	check_errno(fd, DRM_IOCTL_GEM_OPEN, &op, EACCES,
		    "kernel vgem: GEM_OPEN on a render node is EACCES", render);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *card2 = "/dev/dri/card2", *render = "/dev/dri/renderD130",
		   *card3 = "/dev/dri/card3", *kcard = NULL, *krender = NULL;
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_fakedri_device_stats s;
	struct drm_fakedri_gem_create gc = { .size = 4096 };
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_open op = { 0 };
	struct drm_gem_close cl = { 0 };
	int fc, fr, f3, fc2, r, npos = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel-vgem") && i + 1 < argc) {
			kcard = argv[++i];
			if (i + 1 < argc && argv[i + 1][0] != '-')
				krender = argv[++i];
		} else if (argv[i][0] != '-' && npos < 3) {
			const char **pos[] = { &card2, &render, &card3 };

			*pos[npos++] = argv[i];
		} else {
			fprintf(stderr, "usage: %s [CARD2 RENDERD130 CARD3] [--kernel-vgem CARD [RENDER]]\n",
				PROG);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(60);

	check_minor(card2, 2);
	check_minor(render, 130);
	check_minor(card3, 3);

	/* device 0: vgem */
	fc = open_node(card2);
	check_version(fc, card2, "vgem");
	check_errno(fc, DRM_IOCTL_FAKEDRI_DEVICE_STATS, &s, EINVAL,
		    "vgem: FAKEDRI_DEVICE_STATS (0x43, driver range) is EINVAL", card2);
	check_errno(fc, DRM_IOCTL_FAKEDRI_GEM_CREATE, &gc, EINVAL,
		    "vgem: FAKEDRI_GEM_CREATE (0x40, driver range) is EINVAL", card2);

	/* device 1: fakedri */
	fr = open_node(render);
	check_version(fr, render, "fakedri");
	check_stats(fr, render, 0, 1, "fakedri: DEVICE_STATS before anything: 0 objects, 1 file");

	/* an object of device 0 */
	r = ct_ioctl(fc, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	ct_check(r == 0 && dumb.handle && dumb.size >= 64 * 64 * 4, "vgem: MODE_CREATE_DUMB 64x64x32",
		 "%s: ret %d/%s, handle %u, pitch %u, size %llu", card2, CT_ERR(r), dumb.handle,
		 dumb.pitch, (unsigned long long)dumb.size);
	fl.handle = dumb.handle;
	r = ct_ioctl(fc, DRM_IOCTL_GEM_FLINK, &fl);
	ct_check(r == 0 && fl.name, "vgem: GEM_FLINK of the dumb buffer",
		 "%s: ret %d/%s, name %u", card2, CT_ERR(r), fl.name);
	check_stats(fr, render, 0, 1,
		    "fakedri: DEVICE_STATS after the vgem dumb create: still 0 objects, 1 file");

	/* its handle and name mean nothing to device 1 */
	cl.handle = dumb.handle;
	check_errno(fr, DRM_IOCTL_GEM_CLOSE, &cl, EINVAL,
		    "fakedri: GEM_CLOSE of card2's handle on renderD130 is EINVAL", render);
	op.name = fl.name;
	check_errno(fr, DRM_IOCTL_GEM_OPEN, &op, EACCES,
		    "fakedri: GEM_OPEN on a render node is EACCES", render);
	f3 = open_node(card3);
	check_version(f3, card3, "fakedri");
	memset(&op, 0, sizeof(op));
	op.name = fl.name;
	check_errno(f3, DRM_IOCTL_GEM_OPEN, &op, ENOENT,
		    "fakedri: card2's flink name is unknown on card3 (device 1) - ENOENT", card3);
	check_stats(fr, render, 0, 2, "fakedri: DEVICE_STATS: 0 objects, 2 files (renderD130, card3)");

	/* ...but opens on device 0 itself */
	fc2 = open_node(card2);
	memset(&op, 0, sizeof(op));
	op.name = fl.name;
	r = ct_ioctl(fc2, DRM_IOCTL_GEM_OPEN, &op);
	ct_check(r == 0 && op.handle && op.size == dumb.size,
		 "vgem: the flink name opens on a second card2 file",
		 "%s: ret %d/%s, handle %u, size %llu (want %llu)", card2, CT_ERR(r), op.handle,
		 (unsigned long long)op.size, (unsigned long long)dumb.size);
	cl.handle = op.handle;
	r = ct_ioctl(fc2, DRM_IOCTL_GEM_CLOSE, &cl);
	ct_check(r == 0, "vgem: GEM_CLOSE of the opened handle", "ret %d/%s", CT_ERR(r));
	close(fc2);

	/* device 1's own objects */
	r = ct_ioctl(fr, DRM_IOCTL_FAKEDRI_GEM_CREATE, &gc);
	ct_check(r == 0 && gc.handle && gc.size == 4096, "fakedri: FAKEDRI_GEM_CREATE on renderD130",
		 "%s: ret %d/%s, handle %u, size %llu", render, CT_ERR(r), gc.handle,
		 (unsigned long long)gc.size);
	check_stats(f3, card3, r == 0 ? 1 : 0, 2,
		    "fakedri: DEVICE_STATS on card3 sees renderD130's object (same device)");
	cl.handle = gc.handle;
	r = ct_ioctl(fr, DRM_IOCTL_GEM_CLOSE, &cl);
	ct_check(r == 0, "fakedri: GEM_CLOSE of its object", "ret %d/%s", CT_ERR(r));
	check_stats(fr, render, 0, 2, "fakedri: DEVICE_STATS after the close: 0 objects");

	/* device 0's handle is still there, once */
	cl.handle = dumb.handle;
	r = ct_ioctl(fc, DRM_IOCTL_GEM_CLOSE, &cl);
	ct_check(r == 0, "vgem: GEM_CLOSE of the dumb buffer on card2", "ret %d/%s", CT_ERR(r));
	check_errno(fc, DRM_IOCTL_GEM_CLOSE, &cl, EINVAL, "vgem: a second GEM_CLOSE is EINVAL",
		    card2);
	close(f3);
	close(fr);
	close(fc);

	if (kcard)
		kernel_vgem(kcard, krender);
	return ct_summary(PROG);
}
