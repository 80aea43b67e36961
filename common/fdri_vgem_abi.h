/*
 * fdri_vgem_abi.h - the ABI of vgem's fence ioctls, as the kernel's
 * include/uapi/drm/vgem_drm.h defines it. Neither libdrm nor Debian's
 * linux-libc-dev installs that header, so the vgem personality, its tests
 * and the conformance suite take it from here, the one place it is
 * written. Include <drm.h> first.
 */
#ifndef FDRI_VGEM_ABI_H
#define FDRI_VGEM_ABI_H

#define DRM_VGEM_FENCE_ATTACH	0x1
#define DRM_VGEM_FENCE_SIGNAL	0x2

struct drm_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
#define VGEM_FENCE_WRITE	0x1
	__u32 out_fence;
	__u32 pad;
};

struct drm_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VGEM_FENCE_ATTACH, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VGEM_FENCE_SIGNAL, struct drm_vgem_fence_signal)

#endif
