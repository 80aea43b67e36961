/*
 * fdri_ioctl.c - the core ioctl table (Linux 6.1's drm_ioctls[] for a
 * DRIVER_GEM | DRIVER_RENDER driver without legacy; KMS and syncobj as the
 * personality says) and the drm_ioctl() dispatch algorithm. See
 * fdri_ioctl.h for the transport steps.
 */
#include "fdri_ioctl.h"
#include "fdri_syncobj.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include <drm.h>
#include <drm_mode.h>

static int ioctl_noop(struct fdri_file *f, const struct fdri_caller *w, void *d, struct fdri_ioctl_args *a)
{
	(void)f; (void)w; (void)d; (void)a;
	return 0;
}

/* drm_invalid_op, and every legacy ioctl on a !CONFIG_DRM_LEGACY kernel */
static int ioctl_invalid(struct fdri_file *f, const struct fdri_caller *w, void *d, struct fdri_ioctl_args *a)
{
	(void)f; (void)w; (void)d; (void)a;
	return -EINVAL;
}

/* KMS, vblank and syncobj ioctls on a driver without those features */
static int ioctl_notsupp(struct fdri_file *f, const struct fdri_caller *w, void *d, struct fdri_ioctl_args *a)
{
	(void)f; (void)w; (void)d; (void)a;
	return -EOPNOTSUPP;
}

#define DEF(ioctl, fn, fl) \
	[_IOC_NR(DRM_IOCTL_##ioctl)] = { .cmd = DRM_IOCTL_##ioctl, .name = #ioctl, \
		.flags = (fl), .func = (fn), .fd_in_off = -1, .fd_out_off = -1 }

/* a syncobj ioctl's array of u32 handles, counted by count_handles */
#define HANDLES_PTR(type) \
	{ offsetof(type, handles), offsetof(type, count_handles), \
	  sizeof(((type *)0)->count_handles), FDRI_PTR_IN, 4 }

/* its array of u64 points, also counted by count_handles */
#define POINTS_PTR(type, dir) \
	{ offsetof(type, points), offsetof(type, count_handles), \
	  sizeof(((type *)0)->count_handles), (dir), 8 }

#define STR_PTR(type, field, lenfield) \
	{ offsetof(type, field), offsetof(type, lenfield), \
	  sizeof(((type *)0)->lenfield), FDRI_PTR_OUT, 1 }

static const struct fdri_ioctl_desc core_ioctls[] = {
	[_IOC_NR(DRM_IOCTL_VERSION)] = {
		.cmd = DRM_IOCTL_VERSION, .name = "VERSION", .flags = FDRI_RENDER_ALLOW,
		.func = fdri_ioctl_version, .fd_in_off = -1, .fd_out_off = -1, .nptrs = 3,
		.ptrs = { STR_PTR(struct drm_version, name, name_len),
			  STR_PTR(struct drm_version, date, date_len),
			  STR_PTR(struct drm_version, desc, desc_len) },
	},
	[_IOC_NR(DRM_IOCTL_GET_UNIQUE)] = {
		.cmd = DRM_IOCTL_GET_UNIQUE, .name = "GET_UNIQUE", .flags = 0,
		.func = fdri_ioctl_getunique, .fd_in_off = -1, .fd_out_off = -1, .nptrs = 1,
		.ptrs = { STR_PTR(struct drm_unique, unique, unique_len) },
	},
	DEF(GET_MAGIC, fdri_ioctl_getmagic, 0),
	DEF(IRQ_BUSID, ioctl_invalid, FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(GET_MAP, ioctl_invalid, 0),
	DEF(GET_CLIENT, fdri_ioctl_getclient, 0),
	DEF(GET_STATS, fdri_ioctl_getstats, 0),
	DEF(GET_CAP, fdri_ioctl_getcap, FDRI_RENDER_ALLOW),
	DEF(SET_CLIENT_CAP, fdri_ioctl_setclientcap, 0),
	DEF(SET_VERSION, fdri_ioctl_setversion, FDRI_MASTER),

	DEF(SET_UNIQUE, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(BLOCK, ioctl_noop, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(UNBLOCK, ioctl_noop, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(AUTH_MAGIC, fdri_ioctl_authmagic, FDRI_MASTER),

	DEF(ADD_MAP, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(RM_MAP, ioctl_invalid, FDRI_AUTH),
	DEF(SET_SAREA_CTX, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(GET_SAREA_CTX, ioctl_invalid, FDRI_AUTH),

	DEF(SET_MASTER, fdri_ioctl_setmaster, 0),
	DEF(DROP_MASTER, fdri_ioctl_dropmaster, 0),

	DEF(ADD_CTX, ioctl_invalid, FDRI_AUTH | FDRI_ROOT_ONLY),
	DEF(RM_CTX, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(MOD_CTX, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(GET_CTX, ioctl_invalid, FDRI_AUTH),
	DEF(SWITCH_CTX, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(NEW_CTX, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(RES_CTX, ioctl_invalid, FDRI_AUTH),

	DEF(ADD_DRAW, ioctl_noop, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(RM_DRAW, ioctl_noop, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),

	DEF(LOCK, ioctl_invalid, FDRI_AUTH),
	DEF(UNLOCK, ioctl_invalid, FDRI_AUTH),
	DEF(FINISH, ioctl_noop, FDRI_AUTH),

	DEF(ADD_BUFS, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(MARK_BUFS, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(INFO_BUFS, ioctl_invalid, FDRI_AUTH),
	DEF(MAP_BUFS, ioctl_invalid, FDRI_AUTH),
	DEF(FREE_BUFS, ioctl_invalid, FDRI_AUTH),
	DEF(DMA, ioctl_invalid, FDRI_AUTH),
	DEF(CONTROL, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),

	/* CONFIG_AGP=y: legacy AGP ioctls exist, as drm_invalid_op */
	DEF(AGP_ACQUIRE, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(AGP_RELEASE, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(AGP_ENABLE, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(AGP_INFO, ioctl_invalid, FDRI_AUTH),
	DEF(AGP_ALLOC, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(AGP_FREE, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(AGP_BIND, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(AGP_UNBIND, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),

	DEF(SG_ALLOC, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),
	DEF(SG_FREE, ioctl_invalid, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),

	DEF(WAIT_VBLANK, ioctl_notsupp, 0),
	DEF(CRTC_GET_SEQUENCE, ioctl_notsupp, 0),
	DEF(CRTC_QUEUE_SEQUENCE, ioctl_notsupp, 0),
	DEF(MODESET_CTL, ioctl_noop, 0),
	DEF(UPDATE_DRAW, ioctl_noop, FDRI_AUTH | FDRI_MASTER | FDRI_ROOT_ONLY),

	DEF(GEM_CLOSE, fdri_ioctl_gem_close, FDRI_RENDER_ALLOW),
	DEF(GEM_FLINK, fdri_ioctl_gem_flink, FDRI_AUTH),
	DEF(GEM_OPEN, fdri_ioctl_gem_open, FDRI_AUTH),

	DEF(MODE_GETRESOURCES, fdri_ioctl_mode_getresources, 0),

	[_IOC_NR(DRM_IOCTL_PRIME_HANDLE_TO_FD)] = {
		.cmd = DRM_IOCTL_PRIME_HANDLE_TO_FD, .name = "PRIME_HANDLE_TO_FD",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_prime_handle_to_fd,
		.fd_in_off = -1, .fd_out_off = offsetof(struct drm_prime_handle, fd),
	},
	[_IOC_NR(DRM_IOCTL_PRIME_FD_TO_HANDLE)] = {
		.cmd = DRM_IOCTL_PRIME_FD_TO_HANDLE, .name = "PRIME_FD_TO_HANDLE",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_prime_fd_to_handle,
		.fd_in_off = offsetof(struct drm_prime_handle, fd), .fd_out_off = -1,
	},

	DEF(MODE_GETPLANERESOURCES, fdri_ioctl_mode_getplaneresources, 0),
	DEF(MODE_GETCRTC, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_SETCRTC, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_GETPLANE, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_SETPLANE, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_CURSOR, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_GETGAMMA, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_SETGAMMA, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_GETENCODER, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_GETCONNECTOR, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_ATTACHMODE, ioctl_noop, FDRI_MASTER),
	DEF(MODE_DETACHMODE, ioctl_noop, FDRI_MASTER),
	DEF(MODE_GETPROPERTY, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_SETPROPERTY, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_GETPROPBLOB, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_GETFB, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_GETFB2, fdri_ioctl_mode_getfb2, 0),
	DEF(MODE_ADDFB, ioctl_notsupp, 0),
	DEF(MODE_ADDFB2, ioctl_notsupp, 0),
	DEF(MODE_RMFB, ioctl_notsupp, 0),
	DEF(MODE_PAGE_FLIP, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_DIRTYFB, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_CREATE_DUMB, fdri_ioctl_create_dumb, 0),
	DEF(MODE_MAP_DUMB, fdri_ioctl_map_dumb, 0),
	DEF(MODE_DESTROY_DUMB, fdri_ioctl_destroy_dumb, 0),
	DEF(MODE_OBJ_GETPROPERTIES, fdri_ioctl_mode_lookup, 0),
	DEF(MODE_OBJ_SETPROPERTY, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_CURSOR2, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_ATOMIC, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_CREATEPROPBLOB, ioctl_notsupp, 0),
	DEF(MODE_DESTROYPROPBLOB, ioctl_notsupp, 0),

	DEF(SYNCOBJ_CREATE, fdri_ioctl_syncobj_create, FDRI_RENDER_ALLOW),
	DEF(SYNCOBJ_DESTROY, fdri_ioctl_syncobj_destroy, FDRI_RENDER_ALLOW),
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, .name = "SYNCOBJ_HANDLE_TO_FD",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_handle_to_fd,
		.fd_in_off = -1, .fd_out_off = offsetof(struct drm_syncobj_handle, fd),
	},
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, .name = "SYNCOBJ_FD_TO_HANDLE",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_fd_to_handle,
		.fd_in_off = offsetof(struct drm_syncobj_handle, fd), .fd_out_off = -1,
	},
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_WAIT)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_WAIT, .name = "SYNCOBJ_WAIT",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_wait,
		.fd_in_off = -1, .fd_out_off = -1, .nptrs = 1,
		.ptrs = { HANDLES_PTR(struct drm_syncobj_wait) },
	},
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, .name = "SYNCOBJ_TIMELINE_WAIT",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_timeline_wait,
		.fd_in_off = -1, .fd_out_off = -1, .nptrs = 2,
		.ptrs = { HANDLES_PTR(struct drm_syncobj_timeline_wait),
			  POINTS_PTR(struct drm_syncobj_timeline_wait, FDRI_PTR_IN) },
	},
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_RESET)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_RESET, .name = "SYNCOBJ_RESET",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_reset,
		.fd_in_off = -1, .fd_out_off = -1, .nptrs = 1,
		.ptrs = { HANDLES_PTR(struct drm_syncobj_array) },
	},
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_SIGNAL)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_SIGNAL, .name = "SYNCOBJ_SIGNAL",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_signal,
		.fd_in_off = -1, .fd_out_off = -1, .nptrs = 1,
		.ptrs = { HANDLES_PTR(struct drm_syncobj_array) },
	},
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, .name = "SYNCOBJ_TIMELINE_SIGNAL",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_timeline_signal,
		.fd_in_off = -1, .fd_out_off = -1, .nptrs = 2,
		.ptrs = { HANDLES_PTR(struct drm_syncobj_timeline_array),
			  POINTS_PTR(struct drm_syncobj_timeline_array, FDRI_PTR_IN) },
	},
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_QUERY)] = {
		.cmd = DRM_IOCTL_SYNCOBJ_QUERY, .name = "SYNCOBJ_QUERY",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_query,
		.fd_in_off = -1, .fd_out_off = -1, .nptrs = 2,
		.ptrs = { HANDLES_PTR(struct drm_syncobj_timeline_array),
			  POINTS_PTR(struct drm_syncobj_timeline_array, FDRI_PTR_OUT) },
	},
	DEF(SYNCOBJ_TRANSFER, fdri_ioctl_syncobj_transfer, FDRI_RENDER_ALLOW),
	[_IOC_NR(FDRI_DRM_IOCTL_SYNCOBJ_EVENTFD)] = {
		.cmd = FDRI_DRM_IOCTL_SYNCOBJ_EVENTFD, .name = "SYNCOBJ_EVENTFD",
		.flags = FDRI_RENDER_ALLOW, .func = fdri_ioctl_syncobj_eventfd,
		.fd_in_off = offsetof(struct fdri_drm_syncobj_eventfd, fd), .fd_out_off = -1,
	},

	DEF(MODE_CREATE_LEASE, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_LIST_LESSEES, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_GET_LEASE, ioctl_notsupp, FDRI_MASTER),
	DEF(MODE_REVOKE_LEASE, ioctl_notsupp, FDRI_MASTER),
};

#define CORE_IOCTL_COUNT (sizeof(core_ioctls) / sizeof(core_ioctls[0]))

static const struct fdri_ioctl_desc *ioctl_lookup(const struct fdri_device *dev, unsigned int nr)
{
	if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END) {
		if (nr - DRM_COMMAND_BASE >= dev->pers->num_ioctls)
			return NULL;
		return &dev->pers->ioctls[nr - DRM_COMMAND_BASE];
	}
	if (nr >= CORE_IOCTL_COUNT)
		return NULL;
	return &core_ioctls[nr];
}

int fdri_ioctl_decode(const struct fdri_device *dev, unsigned int cmd,
		      struct fdri_ioctl_args *a)
{
	const struct fdri_ioctl_desc *d;
	uint32_t drv_size;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->in_fd = -1;
	a->out_fd = -1;
	if (_IOC_TYPE(cmd) != DRM_IOCTL_BASE)
		return -ENOTTY;
	d = ioctl_lookup(dev, _IOC_NR(cmd));
	if (!d)
		return -EINVAL;
	a->desc = d;
	drv_size = _IOC_SIZE(d->cmd);
	a->in_size = a->out_size = _IOC_SIZE(cmd);
	if ((cmd & d->cmd & IOC_IN) == 0)
		a->in_size = 0;
	if ((cmd & d->cmd & IOC_OUT) == 0)
		a->out_size = 0;
	a->ksize = a->in_size > a->out_size ? a->in_size : a->out_size;
	if (drv_size > a->ksize)
		a->ksize = drv_size;
	if (!d->func) {
		/* drm_ioctl: "no function" -> EINVAL, nothing copied */
		a->in_size = a->out_size = 0;
		return -EINVAL;
	}
	return 0;
}

int fdri_ioctl_decode_table(const struct fdri_ioctl_desc *table, unsigned int n,
			    unsigned int cmd, struct fdri_ioctl_args *a)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->in_fd = -1;
	a->out_fd = -1;
	for (unsigned int i = 0; i < n; i++) {
		if (table[i].cmd != cmd)
			continue;
		a->desc = &table[i];
		a->in_size = (cmd & IOC_IN) ? _IOC_SIZE(cmd) : 0;
		a->out_size = (cmd & IOC_OUT) ? _IOC_SIZE(cmd) : 0;
		a->ksize = _IOC_SIZE(cmd);
		return 0;
	}
	return -ENOTTY;
}

static bool is_render_client(const struct fdri_file *f)
{
	return f->node == FDRI_NODE_RENDER;
}

/* drm_ioctl_permit() */
int fdri_ioctl_permit(const struct fdri_file *f, const struct fdri_caller *who,
		      const struct fdri_ioctl_args *a)
{
	uint32_t flags = a->desc->flags;

	if ((flags & FDRI_ROOT_ONLY) && !fdri_capable(who))
		return -EACCES;
	if ((flags & FDRI_AUTH) && !is_render_client(f) && !f->authenticated)
		return -EACCES;
	if ((flags & FDRI_MASTER) && !fdri_is_current_master(f))
		return -EACCES;
	if (!(flags & FDRI_RENDER_ALLOW) && is_render_client(f))
		return -EACCES;
	return 0;
}

static uint64_t read_len(const void *data, const struct fdri_ioctl_ptr *p)
{
	if (p->len_size == 4) {
		uint32_t v;

		memcpy(&v, (const char *)data + p->len_off, 4);
		return v;
	}
	uint64_t v;

	memcpy(&v, (const char *)data + p->len_off, 8);
	return v;
}

void fdri_ioctl_bufs(struct fdri_ioctl_args *a, const void *data)
{
	for (unsigned i = 0; i < a->desc->nptrs; i++) {
		const struct fdri_ioctl_ptr *p = &a->desc->ptrs[i];
		struct fdri_ubuf *b = &a->bufs[i];

		memcpy(&b->uaddr, (const char *)data + p->ptr_off, 8);
		b->len = read_len(data, p) * p->elem_size;
		b->data = NULL;
		b->out_len = 0;
		b->fault = 0;
	}
}

int fdri_ioctl_run(struct fdri_file *f, const struct fdri_caller *who,
		   void *data, struct fdri_ioctl_args *a)
{
	f->dev->stats.ioctls++;
	return a->desc->func(f, who, data, a);
}

const char *fdri_ioctl_name(const struct fdri_device *dev, unsigned int cmd)
{
	const struct fdri_ioctl_desc *d = ioctl_lookup(dev, _IOC_NR(cmd));

	return d && d->name ? d->name : "?";
}
