/*
 * test_gbm_render.c - Mesa as a real client: GBM and EGL on fakedri's card0
 * pick kms_swrast, which renders with llvmpipe/softpipe into dumb buffers
 * and shares them through PRIME. Clears a GBM surface to a known colour,
 * then reads the front buffer back three ways: gbm_bo_map, the dma-buf
 * from gbm_bo_get_fd, and a second process that imports that dma-buf on
 * renderD128. Exits 77 (skip) if Mesa cannot create a GL context at all.
 * Owns nothing beyond the process's own GBM/EGL objects.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <gbm.h>
#include <xf86drm.h>

#include "fakedri_drm.h"

#define W 64
#define H 32
#define EXPECTED 0xff3366ccu /* ARGB of glClearColor(0.2, 0.4, 0.8, 1) */

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
	__FILE__, __LINE__, #c); exit(1); } } while (0)

static int send_fd(int sock, int fd)
{
	char c = 0, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	int fd = -1;

	if (recvmsg(sock, &m, 0) != 1 || !CMSG_FIRSTHDR(&m))
		return -1;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	return fd;
}

static int count_pixels(const uint32_t *p, uint32_t stride, uint32_t value)
{
	int n = 0;

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			n += (p[y * stride / 4 + x] | 0xff000000u) == value;
	return n;
}

/* A second process: import the dma-buf on the render node and read it
 * through its own GEM mapping. */
static int consumer(int sock, uint32_t stride)
{
	struct drm_fakedri_gem_mmap_offset mo = { 0 };
	int fd = recv_fd(sock), rfd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	uint32_t handle = 0;
	void *p;

	CHECK(fd >= 0 && rfd >= 0);
	CHECK(drmPrimeFDToHandle(rfd, fd, &handle) == 0);
	mo.handle = handle;
	CHECK(drmIoctl(rfd, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, &mo) == 0);
	p = mmap(NULL, (size_t)stride * H, PROT_READ, MAP_SHARED, rfd, (off_t)mo.offset);
	CHECK(p != MAP_FAILED);
	CHECK(count_pixels(p, stride, EXPECTED) == W * H);
	return 0;
}

int main(void)
{
	int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC), sv[2], status, dmabuf;
	EGLint ctx_attr[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	EGLint cfg_attr[] = { EGL_SURFACE_TYPE, EGL_WINDOW_BIT, EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8,
			      EGL_BLUE_SIZE, 8, EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT, EGL_NONE };
	struct gbm_device *gbm;
	struct gbm_surface *surf;
	struct gbm_bo *bo;
	EGLDisplay dpy;
	EGLConfig cfgs[64], cfg = NULL;
	EGLint ncfg = 0;
	EGLContext ctx;
	EGLSurface esurf;
	uint32_t stride, mstride = 0;
	void *map_data = NULL, *p;
	pid_t pid;

	CHECK(fd >= 0);
	gbm = gbm_create_device(fd);
	CHECK(gbm);
	dpy = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, NULL, NULL)) {
		fprintf(stderr, "skip: Mesa has no EGL display on this device\n");
		return 77;
	}
	CHECK(eglBindAPI(EGL_OPENGL_ES_API));
	CHECK(eglChooseConfig(dpy, cfg_attr, cfgs, 64, &ncfg) && ncfg > 0);
	for (int i = 0; i < ncfg; i++) {
		EGLint id;

		eglGetConfigAttrib(dpy, cfgs[i], EGL_NATIVE_VISUAL_ID, &id);
		if (id == GBM_FORMAT_XRGB8888)
			cfg = cfgs[i];
	}
	CHECK(cfg);
	surf = gbm_surface_create(gbm, W, H, GBM_FORMAT_XRGB8888, GBM_BO_USE_RENDERING);
	CHECK(surf);
	esurf = eglCreatePlatformWindowSurface(dpy, cfg, surf, NULL);
	CHECK(esurf != EGL_NO_SURFACE);
	ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attr);
	CHECK(ctx != EGL_NO_CONTEXT);
	CHECK(eglMakeCurrent(dpy, esurf, esurf, ctx));

	glClearColor(0.2f, 0.4f, 0.8f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	CHECK(eglSwapBuffers(dpy, esurf));
	bo = gbm_surface_lock_front_buffer(surf);
	CHECK(bo);
	stride = gbm_bo_get_stride(bo);
	CHECK(stride >= W * 4);

	/* 1. the CPU mapping GBM gives (kms_swrast maps the dumb buffer) */
	p = gbm_bo_map(bo, 0, 0, W, H, GBM_BO_TRANSFER_READ, &mstride, &map_data);
	CHECK(p);
	CHECK(count_pixels(p, mstride, EXPECTED) == W * H);
	gbm_bo_unmap(bo, map_data);

	/* 2. the dma-buf GBM exports through PRIME */
	dmabuf = gbm_bo_get_fd(bo);
	CHECK(dmabuf >= 0);
	p = mmap(NULL, (size_t)stride * H, PROT_READ, MAP_SHARED, dmabuf, 0);
	CHECK(p != MAP_FAILED);
	CHECK(count_pixels(p, stride, EXPECTED) == W * H);

	/* 3. another process importing it */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(consumer(sv[1], stride));
	CHECK(send_fd(sv[0], dmabuf) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	gbm_surface_release_buffer(surf, bo);
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroySurface(dpy, esurf);
	eglDestroyContext(dpy, ctx);
	eglTerminate(dpy);
	gbm_surface_destroy(surf);
	gbm_device_destroy(gbm);
	printf("mesa: kms_swrast rendered %dx%d into a fakedri dumb buffer, shared via PRIME\n", W, H);
	return 0;
}
