/*
 * scripts/vm/vgem-smoke.c -- owned by the VM test harness (scripts/vm/).
 *
 * Smoke test run inside the VM by scripts/vm/smoke.sh: talks to the real
 * vgem driver to prove the VM harness works (DRM nodes, VERSION ioctl,
 * dumb buffers, PRIME export + dma-buf mmap) and that /dev/cuse exists.
 * Prints "SMOKE: PASS" and exits 0 on success, exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>
#include <linux/dma-buf.h>

static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			printf("ok:   ");                                    \
		} else {                                                     \
			printf("FAIL: ");                                    \
			failures++;                                          \
		}                                                            \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
	} while (0)

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;
	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r;
}

static int print_version(int fd, const char *node)
{
	struct drm_version v;
	memset(&v, 0, sizeof(v));
	if (xioctl(fd, DRM_IOCTL_VERSION, &v)) {
		CHECK(0, "%s: DRM_IOCTL_VERSION (sizes): %s", node, strerror(errno));
		return -1;
	}
	char *name = calloc(1, v.name_len + 1);
	char *date = calloc(1, v.date_len + 1);
	char *desc = calloc(1, v.desc_len + 1);
	v.name = name;
	v.date = date;
	v.desc = desc;
	int r = xioctl(fd, DRM_IOCTL_VERSION, &v);
	CHECK(r == 0, "%s: DRM_IOCTL_VERSION name='%s' date='%s' desc='%s' version=%d.%d.%d",
	      node, name, date, desc, v.version_major, v.version_minor,
	      v.version_patchlevel);
	if (r == 0)
		CHECK(strcmp(name, "vgem") == 0, "%s: driver name is vgem", node);
	free(name);
	free(date);
	free(desc);
	return r;
}

static void check_chr(const char *path)
{
	struct stat st;
	if (stat(path, &st)) {
		CHECK(0, "%s exists: %s", path, strerror(errno));
		return;
	}
	CHECK(S_ISCHR(st.st_mode), "%s is a char device %u:%u", path,
	      major(st.st_rdev), minor(st.st_rdev));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);

	check_chr("/dev/cuse");
	check_chr("/dev/fuse");
	check_chr("/dev/dri/card0");
	check_chr("/dev/dri/renderD128");

	int card = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	CHECK(card >= 0, "open /dev/dri/card0 (fd %d)%s%s", card,
	      card < 0 ? ": " : "", card < 0 ? strerror(errno) : "");
	int render = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	CHECK(render >= 0, "open /dev/dri/renderD128 (fd %d)%s%s", render,
	      render < 0 ? ": " : "", render < 0 ? strerror(errno) : "");
	if (card < 0 || render < 0)
		goto out;

	print_version(card, "card0");
	print_version(render, "renderD128");

	/* dumb buffer on card0 */
	struct drm_mode_create_dumb cd;
	memset(&cd, 0, sizeof(cd));
	cd.width = 64;
	cd.height = 64;
	cd.bpp = 32;
	if (xioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &cd)) {
		CHECK(0, "MODE_CREATE_DUMB 64x64x32: %s", strerror(errno));
		goto out;
	}
	CHECK(cd.handle != 0 && cd.pitch >= 64 * 4 && cd.size >= (uint64_t)cd.pitch * 64,
	      "MODE_CREATE_DUMB 64x64x32: handle=%u pitch=%u size=%llu", cd.handle,
	      cd.pitch, (unsigned long long)cd.size);

	struct drm_mode_map_dumb md;
	memset(&md, 0, sizeof(md));
	md.handle = cd.handle;
	if (xioctl(card, DRM_IOCTL_MODE_MAP_DUMB, &md)) {
		CHECK(0, "MODE_MAP_DUMB: %s", strerror(errno));
		goto out;
	}
	CHECK(1, "MODE_MAP_DUMB: offset=0x%llx", (unsigned long long)md.offset);

	uint32_t *map = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			     card, md.offset);
	if (map == MAP_FAILED) {
		CHECK(0, "mmap dumb buffer: %s", strerror(errno));
		goto out;
	}
	size_t words = cd.size / 4;
	for (size_t i = 0; i < words; i++)
		map[i] = 0xC0DE0000u ^ (uint32_t)(i * 2654435761u);
	CHECK(1, "wrote pattern to %zu words via card0 mmap", words);

	struct drm_prime_handle ph;
	memset(&ph, 0, sizeof(ph));
	ph.handle = cd.handle;
	ph.flags = DRM_CLOEXEC | DRM_RDWR;
	if (xioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph)) {
		CHECK(0, "PRIME_HANDLE_TO_FD: %s", strerror(errno));
		goto out;
	}
	CHECK(ph.fd >= 0, "PRIME_HANDLE_TO_FD: dma-buf fd=%d", ph.fd);

	uint32_t *dmap = mmap(NULL, cd.size, PROT_READ, MAP_SHARED, ph.fd, 0);
	if (dmap == MAP_FAILED) {
		CHECK(0, "mmap dma-buf: %s", strerror(errno));
		goto out;
	}
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	CHECK(xioctl(ph.fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC start");
	size_t bad = 0;
	for (size_t i = 0; i < words; i++)
		if (dmap[i] != (0xC0DE0000u ^ (uint32_t)(i * 2654435761u)))
			bad++;
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	CHECK(xioctl(ph.fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC end");
	CHECK(bad == 0, "dma-buf mmap reads back the pattern (%zu/%zu words differ)", bad,
	      words);

	/* import the dma-buf on the render node */
	struct drm_prime_handle imp;
	memset(&imp, 0, sizeof(imp));
	imp.fd = ph.fd;
	int r = xioctl(render, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
	CHECK(r == 0 && imp.handle != 0, "PRIME_FD_TO_HANDLE on renderD128: handle=%u%s%s",
	      imp.handle, r ? ": " : "", r ? strerror(errno) : "");
	if (r == 0) {
		struct drm_gem_close gc = { .handle = imp.handle };
		CHECK(xioctl(render, DRM_IOCTL_GEM_CLOSE, &gc) == 0, "GEM_CLOSE on renderD128");
	}

	munmap(dmap, cd.size);
	munmap(map, cd.size);
	close(ph.fd);
	struct drm_mode_destroy_dumb dd = { .handle = cd.handle };
	CHECK(xioctl(card, DRM_IOCTL_MODE_DESTROY_DUMB, &dd) == 0, "MODE_DESTROY_DUMB");

out:
	if (failures) {
		printf("SMOKE: FAIL (%d failures)\n", failures);
		return 1;
	}
	printf("SMOKE: PASS\n");
	return 0;
}
