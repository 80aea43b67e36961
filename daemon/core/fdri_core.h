/*
 * fdri_core.h - the fake DRM device's state: device, files, GEM objects,
 * dma-bufs, masters. This is the I/O-free core; transports (socket, CUSE)
 * drive it through fdri_ioctl.h and the functions below.
 *
 * DOC: object lifetimes (the kernel's rules, from drm_gem.c and drm_prime.c)
 *
 * - A GEM object (struct fdri_gem) is refcounted by @refcount. All handles
 *   together hold one reference, taken when @handle_count goes 0 -> 1 and
 *   dropped when it returns to 0. A dma-buf exported from the object holds
 *   one reference. Nothing else holds long-term references.
 * - A flink name lives exactly as long as the object has handles: it is
 *   removed when @handle_count drops to 0 (drm_gem_object_handle_free), so a
 *   name can never resurrect a handle-less object.
 * - A dma-buf (struct fdri_dmabuf) is refcounted by the daemon-side holders
 *   only: obj->dma_buf (while the object has handles), every per-file PRIME
 *   cache entry, and an imported object's import link. Client fds to the
 *   dma-buf are invisible to the daemon; they keep the memfd (and so the
 *   data) alive by themselves. When a client later imports a dma-buf the
 *   daemon has forgotten, it is recognised by its memfd marker and wrapped
 *   again, so nothing observable is lost.
 * - References flow one way: importing object -> dma-buf -> exported object.
 *   The PRIME caches hold dma-buf references but never object references.
 * - The backing memfd of an object is created lazily (first mmap, export or
 *   CPU access) and closed when the object is freed; mappings and client
 *   dma-buf fds keep its pages alive after that, as with shmem in the kernel.
 * - A file (struct fdri_file) is owned by its transport, which calls
 *   fdri_file_close() on the last close of the client's open file.
 * - Quotas (fdri_client.h): a file, an object that allocated memory and a
 *   dma-buf the daemon holds an fd for each reference the client (process)
 *   charged for them, and give the charge back when they die; a handle is
 *   charged to its file's client while it exists.
 */
#ifndef FDRI_CORE_H
#define FDRI_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdri_client.h"
#include "fdri_defs.h"
#include "fdri_idr.h"
#include "fdri_list.h"
#include "fdri_map.h"
#include "fdri_range.h"
#include "fdri_resv.h"

#define FDRI_PAGE_SIZE 4096ull
#define FDRI_PAGE_ALIGN(x) (((x) + FDRI_PAGE_SIZE - 1) & ~(FDRI_PAGE_SIZE - 1))

/* The fake mmap offset space, as DRM_FILE_PAGE_OFFSET_START/SIZE on 64-bit. */
#define FDRI_MMAP_OFFSET_START (0x100000000ull)
#define FDRI_MMAP_OFFSET_SIZE (0xfffffull * 256 * FDRI_PAGE_SIZE)

/* A node type: FDRI_NODE_PRIMARY or FDRI_NODE_RENDER (common/fdri_defs.h,
 * shared with the shim). */
enum fdri_node_type {
	FDRI_NODE_TYPE_PRIMARY = FDRI_NODE_PRIMARY,
	FDRI_NODE_TYPE_RENDER = FDRI_NODE_RENDER,
};

struct fdri_device;
struct fdri_fdobjs;
struct fdri_req;
struct fdri_pollable;
struct fdri_file;
struct fdri_gpu;
struct fdri_ioctl_desc;
struct fdri_faults;

/* Who is calling: the transport fills this from peer credentials. */
struct fdri_caller {
	pid_t pid;  /* thread-group id */
	pid_t tid;  /* calling thread, reported by GET_CLIENT */
	uid_t uid;
	gid_t gid;
	bool cap_sys_admin;
	/* If set, asked instead of cap_sys_admin, and only where the kernel
	 * calls capable(CAP_SYS_ADMIN): the transport may look the thread's
	 * capabilities up, which costs too much for every ioctl. */
	bool (*capable)(const struct fdri_caller *who);
};

/* capable(CAP_SYS_ADMIN) for the caller */
static inline bool fdri_capable(const struct fdri_caller *who)
{
	return who->capable ? who->capable(who) : who->cap_sys_admin;
}

/* What the host says about an fd handed to PRIME_FD_TO_HANDLE. */
struct fdri_fd_ident {
	uint64_t ino;        /* inode of the memfd: identity of the dma-buf */
	uint64_t size;       /* bytes */
	uint64_t instance;   /* id of the device that created it */
};

/*
 * A one-shot timer of the core, served by the host's loop. @func runs on
 * the loop when the deadline passes; @host is the host's state for it,
 * NULL until first armed and freed by timer_fini.
 */
struct fdri_timer {
	void (*func)(struct fdri_timer *t);
	void *host;
	int64_t deadline;   /* set by timer_arm; @func never runs before it */
};

/*
 * The only way the core touches the outside world. Every call returns a
 * negative errno on failure.
 */
struct fdri_host_ops {
	/* Create zero-filled backing storage of @size bytes; returns an fd. */
	int (*backing_create)(void *ctx, uint64_t instance, uint64_t size);
	/* Identify a dma-buf fd: -EBADF for a bad fd, -EINVAL if it is not one
	 * of fakedri's dma-bufs. */
	int (*dmabuf_identify)(void *ctx, int fd, struct fdri_fd_ident *id);
	/* A new open file description of @fd's inode with O_RDWR or O_RDONLY. */
	int (*reopen)(void *ctx, int fd, int flags);
	/* Duplicate an fd the core will own. */
	int (*dup)(void *ctx, int fd);
	void (*close)(void *ctx, int fd);
	/* CLOCK_MONOTONIC in nanoseconds. */
	int64_t (*now)(void *ctx);
	/* (Re)arms @t to fire once at @deadline_ns (CLOCK_MONOTONIC), never
	 * before it by now()'s clock. */
	int (*timer_arm)(void *ctx, struct fdri_timer *t, int64_t deadline_ns);
	/* Disarms @t; it does not fire afterwards. Harmless if not armed. */
	void (*timer_disarm)(void *ctx, struct fdri_timer *t);
	/* Disarms @t and frees the host's state for it. */
	void (*timer_fini)(void *ctx, struct fdri_timer *t);
	/*
	 * Pollables (struct fdri_pollable, fdri_fdobj.h): creates the socket
	 * pair with readiness p->events; p->client_fd becomes the client end
	 * (the core's until it closes it with close()), p->ino its inode. For
	 * a tracked one (!p->keep) the host calls p->closed on its loop once
	 * no copy of the client end is left anywhere.
	 */
	int (*pollable_create)(void *ctx, struct fdri_pollable *p);
	/* Sets POLLIN/POLLOUT readiness (FDRI_POLLIN | FDRI_POLLOUT). */
	int (*pollable_set)(void *ctx, struct fdri_pollable *p, unsigned int events);
	/* Frees the host's state and the daemon's ends; no callback after. */
	void (*pollable_fini)(void *ctx, struct fdri_pollable *p);
	/* The inode of @fd if it is the client end of one of this host's
	 * pollables: -EBADF for a bad fd, -EINVAL for anything else. */
	int (*pollable_identify)(void *ctx, int fd, uint64_t *ino);
	/* Whether @p's client end still exists somewhere (not closed yet). */
	bool (*pollable_alive)(void *ctx, struct fdri_pollable *p);
	/* 0 if @fd is an eventfd, else -EINVAL (eventfd_ctx_fdget()). */
	int (*eventfd_check)(void *ctx, int fd);
	/* eventfd_signal(): adds 1 to the client's eventfd @fd (borrowed). */
	int (*eventfd_signal)(void *ctx, int fd);
	/* The command name of process or thread @pid (task->comm) into @buf,
	 * NUL-terminated; -ESRCH if it is gone. Optional (NULL: unknown). */
	int (*task_comm)(void *ctx, pid_t pid, char *buf, size_t len);
	/* A new read-only file holding @len bytes of @data (a debugfs file's
	 * contents); returns an fd the core owns, or -errno. */
	int (*blob_create)(void *ctx, const char *name, const void *data, size_t len);
	/* Maps @size bytes of the backing memfd @fd (borrowed) read-write and
	 * shared into *@addr, for the GPU's commands (fdri_gpu.c). Optional
	 * (NULL: SUBMIT with commands fails with -ENODEV). */
	int (*backing_map)(void *ctx, int fd, uint64_t size, void **addr);
	/* Unmaps what backing_map returned (when the object is freed). */
	void (*backing_unmap)(void *ctx, void *addr, uint64_t size);
};

/* One driver ioctl handler's signature; also used for core ioctls. */
struct fdri_ioctl_args;
typedef int (*fdri_ioctl_fn)(struct fdri_file *file, const struct fdri_caller *who,
			     void *data, struct fdri_ioctl_args *args);

/* Static description of a driver: what VERSION and GET_CAP report. */
struct fdri_personality {
	const char *name;
	const char *desc;
	const char *date;
	int major, minor, patchlevel;
	const char *unique;          /* dev->unique: GET_UNIQUE after SET_VERSION */
	const char *bus;             /* sysfs bus: "platform" */
	const struct fdri_ioctl_desc *ioctls; /* driver ioctls, index nr - DRM_COMMAND_BASE */
	unsigned int num_ioctls;
	bool modeset;                /* DRIVER_MODESET: an output-less KMS device */
	bool syncobj;                /* DRIVER_SYNCOBJ */
	bool syncobj_timeline;       /* DRIVER_SYNCOBJ_TIMELINE */
	/* drm_driver.open/postclose: the driver's per-file state in
	 * file->driver_priv. open runs last in fdri_file_open (0 or -errno,
	 * failing the open); postclose after its handles and master state are
	 * gone (drm_file_free). */
	int (*open)(struct fdri_file *file);
	void (*postclose)(struct fdri_file *file);
};

struct fdri_master {
	unsigned int refcount;
	struct fdri_idr magic_map;    /* magic -> file (NULL once authenticated) */
	char *unique;                 /* set by SET_VERSION di >= 1.1 */
	size_t unique_len;
};

struct fdri_stats {
	uint64_t ioctls;
	uint64_t files_open;
	uint64_t objects;
	uint64_t dmabufs;
	uint64_t backed_bytes;
	uint64_t parked;                 /* requests waiting (fdri_req_park()) */
	uint64_t jobs;                   /* GPU jobs submitted, not completed (fdri_gpu.c) */
	uint64_t hazards;                /* GPU hazards reported (fdri_gpu.h) */
};

struct fdri_device {
	const struct fdri_personality *pers;
	const struct fdri_host_ops *host;
	void *host_ctx;
	uint64_t instance;
	/* the parent device's name (dev_name(dev->dev), also dev->unique) and
	 * the node minors, as the daemon set them up; NULL/-1: the defaults */
	const char *bus_name;
	int minors[2];                   /* primary, render */

	struct fdri_idr names;           /* flink name -> object */
	struct fdri_map offsets;         /* mmap offset -> object */
	struct fdri_range offset_space;  /* free mmap offsets */
	struct fdri_map dmabufs;         /* memfd inode -> dma-buf */
	/* exported objects by their memfd's inode (no reference): a dma-buf
	 * the daemon forgot (its exporter's handles closed) finds its object
	 * again, fences and all, while something (a GPU job) keeps it */
	struct fdri_map objs_by_ino;
	uint64_t next_obj_id;
	uint64_t mem_limit;              /* bytes of object memory allowed, 0 = none */
	uint64_t mem_used;

	struct fdri_clients *clients;    /* per-process quotas (holds a reference) */
	struct fdri_fdobjs *fdobjs;      /* fence fds of the daemon (holds a reference) */
	struct fdri_list peer_link;      /* in fdobjs->devices */
	struct fdri_master *master;      /* current master, NULL if none */
	struct fdri_list test_waiters;   /* requests parked in FAKEDRI_TEST_WAIT */
	struct fdri_list files;          /* open files (fdri_file.dev_link), oldest first */
	/* Told when a call that waited (fdri_req_park()) ends, answered (@ret)
	 * or cancelled (-EINTR), at @end_ns: the daemon's trace. Optional. */
	struct {
		void (*done)(void *priv, const struct fdri_req *req, int ret, int64_t end_ns);
		void *priv;
	} wait_hook;
	struct fdri_stats stats;
	/* vgem: how long a fence lives before it signals by itself (ns;
	 * 0 = VGEM_FENCE_TIMEOUT, 10 s) */
	int64_t vgem_fence_timeout_ns;
	/* the simulated GPU (fdri_gpu.h): made on first use or by
	 * fdri_gpu_configure(), freed by fdri_device_destroy() */
	struct fdri_gpu *gpu;
	/* fault injection (fdri_fault.h): the daemon's registry, shared by
	 * its devices (holds a reference), or NULL: no faults */
	struct fdri_faults *faults;
	/* drm_dev_unplug() happened (fdri_device_unplug()): ioctls on open
	 * files fail with ENODEV, opens with ENXIO, DRM-fd mmaps with ENODEV;
	 * mappings and dma-bufs keep working */
	bool unplugged;
	/* `unplug,device=N,after=DURATION` (fdri_fault_ioctl.c): fires at the
	 * earliest such deadline; host state freed by fdri_device_destroy() */
	struct fdri_timer unplug_timer;
	bool unplug_timer_armed;
	/* told once, by fdri_device_unplug(), after the device is marked
	 * unplugged: the daemon's uevents (fdri_hotplug.c); NULL: nobody */
	void (*unplug_hook)(struct fdri_device *dev, void *priv);
	void *unplug_hook_priv;
};

/* Per-file view of one object: how many handles this file has to it. */
struct fdri_gem_file_ref {
	struct fdri_file *file;
	uint32_t count;
};

struct fdri_gem {
	struct fdri_device *dev;
	unsigned int refcount;
	unsigned int handle_count;
	uint64_t size;
	uint64_t id;
	uint32_t name;                   /* flink name, 0 if none */
	uint64_t mmap_offset;            /* fake mmap offset, assigned at creation */
	int memfd;                       /* backing, -1 until created */
	struct fdri_dmabuf *dma_buf;     /* exported dma-buf; holds a ref while handles exist */
	struct fdri_dmabuf *import;      /* foreign dma-buf this object wraps; holds a ref */
	struct fdri_client *client;      /* charged for @size (holds a ref), or NULL */
	/* files allowed to mmap the object (drm_vma_node_allow) */
	struct fdri_gem_file_ref *files;
	uint32_t nfiles, files_cap;
	/* obj->resv: fences of pending accesses (implicit sync). Holds fence
	 * references; finished when the object is freed. Use fdri_gem_resv(),
	 * which answers with the exporter's for an import. */
	struct fdri_resv resv;
	/* the CPU mapping of the backing the GPU's commands use (host
	 * backing_map), made on a job's first access; unmapped when the
	 * object is freed */
	void *map;
	uint64_t ino;                    /* its memfd's inode once exported (objs_by_ino), else 0 */
};

struct fdri_dmabuf {
	struct fdri_device *dev;
	unsigned int refcount;           /* daemon-side holders only */
	uint64_t ino;
	uint64_t size;
	int fd;                          /* the daemon's fd on the dma-buf's file */
	struct fdri_gem *obj;            /* exporting object of this device (holds a ref), or NULL */
	/* the exporting device's record of the same dma-buf when another device
	 * of the daemon exported it (holds a ref): its fences are this one's,
	 * as the kernel's importers share the exporter's dma_resv */
	struct fdri_dmabuf *peer;
	struct fdri_client *client;      /* charged for @fd (holds a ref), or NULL */
	/* the fences of a dma-buf without an exporting object here (a
	 * foreign one); else those of @obj (fdri_dmabuf_resv()) */
	struct fdri_resv resv;
	struct fdri_poll_proxy *proxy;   /* made on first poll, dies with the dma-buf */
};

struct fdri_file {
	struct fdri_device *dev;
	enum fdri_node_type node;
	uint64_t id;
	int open_flags;
	struct fdri_client *client;      /* the opening process (holds a ref) */

	struct fdri_idr handles;         /* handle -> object */
	struct fdri_idr syncobjs;        /* handle -> struct fdri_syncobj (holds a ref each) */
	/* The PRIME cache (drm_prime_file_private): one entry per handle that
	 * was exported or imported. Several handles may share a dma-buf; a
	 * lookup by dma-buf answers with the oldest of them. */
	struct fdri_map prime_by_buf;    /* dma-buf pointer -> oldest entry */
	struct fdri_map prime_by_handle; /* handle -> entry */

	/* drm_auth.c state */
	struct fdri_master *master;
	bool is_master, was_master, authenticated;
	uint32_t magic;
	bool stereo_allowed, universal_planes, aspect_ratio_allowed; /* client caps */
	pid_t pid;                       /* opener's thread id (drm_file->pid) */
	uid_t uid;                       /* opener's uid (debugfs "clients") */
	struct fdri_list dev_link;       /* in dev->files, oldest first */
	struct fdri_list reqs;           /* active requests (struct fdri_req) */
	void *driver_priv;               /* the personality's (pers->open/postclose) */
};

/* --- device --- */
struct fdri_device *fdri_device_create(const struct fdri_personality *pers,
				       const struct fdri_host_ops *host, void *host_ctx,
				       uint64_t instance);
void fdri_device_destroy(struct fdri_device *dev);
/* Makes the device charge quotas to @reg (taking a reference) instead of
 * the registry without limits it was created with; before any file opens. */
void fdri_device_set_clients(struct fdri_device *dev, struct fdri_clients *reg);
/* Makes the device share the fd-object registry @reg (fdri_fdobj.h,
 * taking a reference) instead of its own; before any file opens. */
void fdri_device_set_fdobjs(struct fdri_device *dev, struct fdri_fdobjs *reg);
const struct fdri_personality *fdri_personality_find(const char *name);
/* Names the device's parent (a platform device; the daemon's sysroot) and
 * its node minors; @bus_name is borrowed and must outlive the device. */
void fdri_device_set_identity(struct fdri_device *dev, const char *bus_name, int primary_minor,
			      int render_minor);
/* dev_name(dev->dev): the platform device's name, else the personality's
 * unique. */
const char *fdri_device_bus_name(const struct fdri_device *dev);
/* drm_minor.index of the device's node of @type (-1 if unknown). */
int fdri_device_minor(const struct fdri_device *dev, enum fdri_node_type type);
/* Makes the device consult the fault registry @reg (taking a reference;
 * NULL: none), replacing any it had. */
void fdri_device_set_faults(struct fdri_device *dev, struct fdri_faults *reg);
/*
 * drm_dev_unplug(), as Documentation/gpu/drm-uapi.rst "Device Hot-Unplug"
 * asks: from now on ioctls on the device's files fail with ENODEV, opens
 * with ENXIO and mmap of its DRM fds with ENODEV; every GPU job that can no
 * longer run, and every pending vgem fence, is force-signalled with
 * -ENODEV. Existing mappings, dma-bufs and fence fds keep working, and
 * files are released normally when closed. Idempotent. Other devices of
 * the daemon are unaffected.
 */
void fdri_device_unplug(struct fdri_device *dev);

/* --- files --- */
/* Returns NULL and sets *err (a negative errno) on failure: -EMFILE when
 * the calling process has its quota of open files. */
struct fdri_file *fdri_file_open(struct fdri_device *dev, enum fdri_node_type node,
				 const struct fdri_caller *who, int open_flags, int *err);
void fdri_file_close(struct fdri_file *file);

/*
 * mmap of the DRM fd at @offset for @len bytes. On success returns 0 and
 * borrows the backing memfd in *memfd (the transport passes it on, it does
 * not close it). Errors as drm_gem_mmap: -EINVAL, -EACCES.
 */
int fdri_file_mmap(struct fdri_file *file, uint64_t offset, uint64_t len, int *memfd);

/* --- GEM (fdri_gem.c) --- */
/* A new object; its memory is charged to @charge (NULL: to nobody). */
struct fdri_gem *fdri_gem_create(struct fdri_device *dev, struct fdri_client *charge,
				 uint64_t size, int *err);
void fdri_gem_get(struct fdri_gem *obj);
void fdri_gem_put(struct fdri_gem *obj);
struct fdri_gem *fdri_gem_lookup(struct fdri_file *file, uint32_t handle);
/* drm_gem_handle_create_tail: returns handle >= 1 or a negative errno. */
int fdri_gem_handle_create(struct fdri_file *file, struct fdri_gem *obj);
int fdri_gem_create_with_handle(struct fdri_file *file, uint64_t size, struct fdri_gem **objp);
/* drm_gem_handle_delete: 0 or -EINVAL. */
int fdri_gem_handle_delete(struct fdri_file *file, uint32_t handle);
void fdri_gem_release_all_handles(struct fdri_file *file);
int fdri_gem_backing(struct fdri_gem *obj); /* creates lazily; fd or -errno */
/* The reservation object guarding @obj's memory (obj->resv in the kernel,
 * which for an import is the dma-buf's, i.e. the exporter's): the
 * exporting object's if @obj wraps a dma-buf with an exporting object on
 * this device, else @obj's own. Borrowed: lives as long as @obj. */
struct fdri_resv *fdri_gem_resv(struct fdri_gem *obj);
/* A dma-buf's fences (dma_buf->resv): its exporting object's, or its own
 * for a dma-buf exported elsewhere; borrowed, valid while @buf lives. */
struct fdri_resv *fdri_dmabuf_resv(struct fdri_dmabuf *buf);

/* --- PRIME (fdri_prime.c) --- */
int fdri_prime_handle_to_fd(struct fdri_file *file, uint32_t handle, uint32_t flags,
			    struct fdri_dmabuf **out);
int fdri_prime_fd_to_handle(struct fdri_file *file, int fd, uint32_t *handle);
void fdri_prime_remove_handle(struct fdri_file *file, uint32_t handle);
void fdri_dmabuf_get(struct fdri_dmabuf *buf);
void fdri_dmabuf_put(struct fdri_dmabuf *buf);
/* fdri_dmabuf_sync.c: frees what polling @buf made (its poll proxy). */
void fdri_dmabuf_sync_release(struct fdri_dmabuf *buf);

/* --- auth (fdri_auth.c) --- */
int fdri_master_open(struct fdri_file *file);
void fdri_master_release(struct fdri_file *file);
bool fdri_is_current_master(const struct fdri_file *file);
void fdri_master_put(struct fdri_master **master);

#endif
