/*
 * cuse_exporter.c - the shim-side helper of the CUSE tests: a dynamically
 * linked program meant to run with LD_PRELOAD=libfakedri-shim.so and
 * FAKEDRI_SOCKET=<the daemon's socket>. It exports a dma-buf the way a
 * normal libdrm client does (dumb buffer, GEM mmap, PRIME_HANDLE_TO_FD)
 * and hands it to a process that does not use the shim (test_cuse_static,
 * test_daemon_kill) over SCM_RIGHTS.
 *
 *   cuse_exporter SOCKFD NODE [NODE...]
 *       tries each NODE in turn: opens it, creates a 64x64x32 dumb buffer
 *       (on a render node a 16 KiB FAKEDRI_GEM_CREATE object),
 *       maps it, fills it with ct_fill(CT_EXPORT_SEED), exports it and sends
 *       the dma-buf fd with its size on the inherited socket SOCKFD; then
 *       keeps its DRM fd open until the peer closes the socket. If no NODE
 *       can export, it sends a payload with no fd and a reason (errno) and
 *       exits 77.
 *   cuse_exporter --probe NODE
 *       exits 0 if NODE, opened under the shim, is the real (CUSE)
 *       character device AND dumb mmap and PRIME export work on it, i.e.
 *       the shim binds CUSE nodes; 77 if not (yet); 1 on another error.
 *
 * Whether an fd is the real character device or the shim's socket is told
 * by a raw fstat system call, which the shim does not see.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cuse_test.h"
#include "fakedri_drm.h"

#define W 64
#define H 64

static const char *kind_of(int fd)
{
	struct stat st;

	if (syscall(SYS_fstat, fd, &st) < 0)
		return "?";
	if (S_ISCHR(st.st_mode))
		return "character device";
	if (S_ISSOCK(st.st_mode))
		return "shim socket node";
	return "other";
}

/* a fakedri dma-buf is a memfd named fakedri-bo:<instance>; the raw
 * readlink system call sees what the kernel says, not the shim */
static int is_fakedri_memfd(int fd)
{
	char path[64], link[128];
	long n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = syscall(SYS_readlink, path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = 0;
	return !strncmp(link, "/memfd:fakedri-bo", strlen("/memfd:fakedri-bo"));
}

/* Exports one filled dumb buffer from node. Returns the dma-buf fd (and
 * *drm, *size) or -errno; *why names the step that failed. */
static int export_from(const char *node, int *drm, uint64_t *size, const char **why, int want_chr)
{
	struct drm_mode_create_dumb c = { .width = W, .height = H, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	struct drm_prime_handle p = { 0 };
	struct stat st;
	void *ptr;
	int fd, err;

	*why = "open";
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (want_chr && (syscall(SYS_fstat, fd, &st) < 0 || !S_ISCHR(st.st_mode))) {
		*why = "the shim redirected the node to a socket device, it does not bind CUSE";
		close(fd);
		return -EXDEV;
	}
	*why = "MODE_CREATE_DUMB";
	if (ct_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c) == 0) {
		*why = "MODE_MAP_DUMB";
		m.handle = c.handle;
		if (ct_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
			goto fail;
	} else if (errno == EACCES) {
		/* a render node: no dumb buffers, fakedri's own GEM_CREATE */
		struct drm_fakedri_gem_create g = { .size = W * H * 4 };
		struct drm_fakedri_gem_mmap_offset o = { 0 };

		*why = "FAKEDRI_GEM_CREATE";
		if (ct_ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &g))
			goto fail;
		*why = "FAKEDRI_GEM_MMAP_OFFSET";
		o.handle = g.handle;
		if (ct_ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, &o))
			goto fail;
		c.handle = g.handle;
		c.size = g.size;
		m.offset = o.offset;
	} else {
		goto fail;
	}
	*why = "mmap of the DRM fd";
	ptr = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	if (ptr == MAP_FAILED)
		goto fail;
	ct_fill(ptr, c.size, CT_EXPORT_SEED);
	munmap(ptr, c.size);
	*why = "PRIME_HANDLE_TO_FD";
	p.handle = c.handle;
	p.flags = DRM_CLOEXEC | DRM_RDWR;
	if (ct_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		goto fail;
	/* a node that is not fakedri's (say the real vgem card0 when the
	 * daemon has no virtual nodes) exports a real dma-buf: not ours */
	*why = "the dma-buf is not a fakedri memfd (not a fakedri node?)";
	if (!is_fakedri_memfd(p.fd)) {
		close(p.fd);
		close(fd);
		return -EXDEV;
	}
	*why = "mmap of the dma-buf";
	ptr = mmap(NULL, c.size, PROT_READ, MAP_SHARED, p.fd, 0);
	if (ptr == MAP_FAILED)
		goto fail;
	if (!ct_verify(ptr, c.size, CT_EXPORT_SEED)) {
		munmap(ptr, c.size);
		*why = "dma-buf contents";
		close(fd);
		return -EIO;
	}
	munmap(ptr, c.size);
	*drm = fd;
	*size = c.size;
	return p.fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

static int probe(const char *node)
{
	const char *why;
	uint64_t size;
	int drm, buf;

	buf = export_from(node, &drm, &size, &why, 1);
	if (buf >= 0) {
		printf("cuse_exporter: %s: the shim binds CUSE nodes (export and mmap work)\n", node);
		close(buf);
		close(drm);
		return 0;
	}
	if (buf == -EXDEV) {
		printf("cuse_exporter: %s: %s\n", node, why);
		return 77;
	}
	printf("cuse_exporter: %s: %s failed: %s\n", node, why, strerror(-buf));
	/* ENOENT: the shim hides the node; ENODEV: mmap not served;
	 * EOPNOTSUPP: export not served -- all mean "not bound" */
	return buf == -ENOENT || buf == -ENODEV || buf == -EOPNOTSUPP ? 77 : 1;
}

int main(int argc, char **argv)
{
	int sock, drm = -1, buf = -1, reason = ENOENT;
	uint64_t size = 0;
	char c;

	if (argc == 3 && !strcmp(argv[1], "--probe"))
		return probe(argv[2]);
	if (argc < 3) {
		fprintf(stderr, "usage: cuse_exporter SOCKFD NODE... | --probe NODE\n");
		return 2;
	}
	sock = atoi(argv[1]);
	for (int i = 2; i < argc && buf < 0; i++) {
		const char *why;

		buf = export_from(argv[i], &drm, &size, &why, 0);
		if (buf >= 0) {
			fprintf(stderr, "cuse_exporter: exported %llu bytes from %s (%s)\n",
				(unsigned long long)size, argv[i], kind_of(drm));
		} else {
			reason = -buf;
			fprintf(stderr, "cuse_exporter: %s: %s: %s\n", argv[i], why, strerror(-buf));
		}
	}
	if (buf < 0) {
		ct_send_fd(sock, -1, CT_EXPORT_PAYLOAD(0, reason));
		return 77;
	}
	if (ct_send_fd(sock, buf, CT_EXPORT_PAYLOAD(size, 0))) {
		perror("cuse_exporter: sendmsg");
		return 1;
	}
	close(buf);
	/* keep the exporting file open until the peer is done */
	while (read(sock, &c, 1) > 0)
		;
	close(drm);
	return 0;
}
