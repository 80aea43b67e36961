/*
 * fixture.h - shared fixture of the core's unit tests.
 *
 * Owns: a fake host (struct fx_host) that hands out fake fd numbers from a
 * counter and keeps an fd -> inode table, so dmabuf_identify/reopen/dup work
 * without any real I/O and every fd the core was given can be checked for
 * being closed; and a device + files fixture (struct fx) with helpers that
 * issue ioctls the way a transport does, through fdri_ioctl_direct().
 *
 * fx_setup()/fx_teardown() are cmocka group-less per-test setup/teardown:
 * teardown closes the files a test left open, then asserts that the device
 * holds no objects, dma-bufs or files and that the host saw every core fd
 * closed exactly once.
 */
#ifndef FDRI_UNIT_FIXTURE_H
#define FDRI_UNIT_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <fcntl.h>
#include <cmocka.h>

#include <drm.h>
#include <drm_mode.h>

#include "fdri_core.h"
#include "fdri_ioctl.h"
#include "fdri_req.h"
#include "fakedri_drm.h"

#define FX_MAX_FDS 1024
#define FX_MAX_INODES 512
#define FX_MAX_FILES 16
#define FX_DATA_SIZE 64

struct fx_inode {
	uint64_t ino;
	uint64_t size;
	uint64_t instance;
	bool fakedri;                    /* a fakedri memfd (identifies as dma-buf) */
	unsigned char data[FX_DATA_SIZE];/* stand-in for the first bytes of content */
	struct fdri_pollable *pollable;  /* a pollable's client end, until fini */
	bool closed;                     /* every copy of that end was closed */
	uint64_t eventfd_count;          /* what eventfd_signal() added */
	bool eventfd;                    /* an eventfd (fx_client_eventfd()) */
	unsigned char *mem;              /* the whole content (@size bytes), made on
					  * first map or fx_bo_*; NULL reads as zeros */
};

struct fx_fd {
	int fd;
	struct fx_inode *inode;
	int flags;                       /* O_RDONLY / O_RDWR */
	bool open;
	bool core;                       /* handed to the core through host ops */
};

#define FX_MAX_TIMERS 32

/* A fake timer: the host state of a struct fdri_timer. */
struct fx_timer {
	struct fdri_timer *t;
	int64_t deadline;
	bool armed;
};

struct fx_host {
	int64_t now;                     /* the fake CLOCK_MONOTONIC, ns */
	struct fx_timer timers[FX_MAX_TIMERS];
	unsigned timers_live;            /* timer states not yet freed */
	int next_fd;
	uint64_t next_ino;
	struct fx_fd fds[FX_MAX_FDS];
	unsigned nfds;
	struct fx_inode inodes[FX_MAX_INODES];
	unsigned ninodes;
	unsigned core_opened, core_closed;
	unsigned bad_closes;             /* close of an unknown, closed or client fd */
	struct fx_inode *hangups[FX_MAX_INODES]; /* pollables closed, not yet told */
	unsigned nhangups;
	unsigned pollables_live;
	unsigned maps_live;              /* backing_map()s not unmapped yet */
};

extern const struct fdri_host_ops fx_host_ops;

/* Client-side fds (owned by the test, as a client process's would be). */
int fx_client_dup(struct fx_host *h, int fd);      /* what a transport sends */
int fx_client_foreign_file(struct fx_host *h);     /* e.g. a regular file */
void fx_client_close(struct fx_host *h, int fd);
/* Inode lookups for assertions. */
struct fx_inode *fx_inode_of(struct fx_host *h, int fd);
int fx_fd_flags(struct fx_host *h, int fd);
unsigned fx_core_fds_open(const struct fx_host *h);
/* An fd a reply owned (fdri_ioctl_direct*) becomes the test's, as the
 * fd a client receives; returns @fd. */
int fx_take(struct fx_host *h, int fd);
/* A pollable's readiness (FDRI_POLLIN | FDRI_POLLOUT) seen through @fd. */
unsigned fx_poll(struct fx_host *h, int fd);
/* Tells the core of pollables whose last client end was closed, as the
 * real host's loop does on the hangup (fx_client_close() calls it). */
void fx_flush(struct fx_host *h);
/* An eventfd of the test's: eventfd_signal() counts in its inode. */
int fx_client_eventfd(struct fx_host *h);
/* Moves the fake clock forward by @ns and fires the timers due, in order. */
void fx_advance(struct fx_host *h, int64_t ns);
unsigned fx_timers_armed(const struct fx_host *h);

struct fx_file {
	struct fdri_file *file;
	struct fdri_device *dev;
	struct fdri_caller who;          /* the caller that opened it */
};

struct fx {
	struct fx_host host;
	struct fdri_device *dev;         /* instance 1 */
	struct fdri_device *dev2;        /* instance 2, created on demand */
	struct fdri_device *vgem;        /* the non-KMS "vgem" personality, instance 3, on demand */
	struct fx_file files[FX_MAX_FILES];
	struct fdri_caller user, user2, root;
};

int fx_setup(void **state);
int fx_teardown(void **state);

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

struct fdri_device *fx_second_device(struct fx *fx);
struct fdri_device *fx_vgem_device(struct fx *fx);
/* Open a file on fx->dev (or @dev) as @who; asserts success. */
struct fdri_file *fx_open(struct fx *fx, enum fdri_node_type node, const struct fdri_caller *who);
struct fdri_file *fx_open_on(struct fx *fx, struct fdri_device *dev, enum fdri_node_type node,
			     const struct fdri_caller *who);
void fx_close(struct fx *fx, struct fdri_file *f);

/* An ioctl from the caller that opened @f; returns 0 or -errno. */
int fx_ioctl(struct fx *fx, struct fdri_file *f, unsigned int cmd, void *arg);
int fx_ioctl_as(struct fdri_file *f, const struct fdri_caller *who, unsigned int cmd, void *arg);

/* Shortcuts; the ones returning a value assert success. */
uint32_t fx_gem_create(struct fx *fx, struct fdri_file *f, uint64_t size);
int fx_gem_close(struct fx *fx, struct fdri_file *f, uint32_t handle);
struct drm_fakedri_gem_info fx_gem_info(struct fx *fx, struct fdri_file *f, uint32_t handle);
int fx_flink(struct fx *fx, struct fdri_file *f, uint32_t handle, uint32_t *name);
int fx_gem_open(struct fx *fx, struct fdri_file *f, uint32_t name, uint32_t *handle, uint64_t *size);
int fx_export(struct fx *fx, struct fdri_file *f, uint32_t handle, uint32_t flags, int *out_fd);
int fx_import(struct fx *fx, struct fdri_file *f, int fd, uint32_t *handle);
uint32_t fx_dumb_create(struct fx *fx, struct fdri_file *f, uint32_t w, uint32_t h, uint32_t bpp);
uint64_t fx_map_dumb(struct fx *fx, struct fdri_file *f, uint32_t handle);

/* An object's bytes as a CPU mapping sees them (the fake host's inode
 * memory): reading an object without backing gives zeros; writing makes
 * its backing. */
void fx_bo_read(struct fdri_file *f, uint32_t handle, uint64_t off, void *buf, size_t len);
void fx_bo_write(struct fdri_file *f, uint32_t handle, uint64_t off, const void *buf, size_t len);
uint32_t fx_bo_read32(struct fdri_file *f, uint32_t handle, uint64_t off);
uint64_t fx_bo_read64(struct fdri_file *f, uint32_t handle, uint64_t off);

/* The fence of syncobj @handle of @f (asserts the syncobj exists): a
 * reference (fdri_fence_put()), or NULL when it has none. */
struct fdri_fence *fx_syncobj_fence(struct fdri_file *f, uint32_t handle);

/* The GPU (fdri_gpu.h): a context (asserts success), and a SUBMIT built
 * up in place. */
uint32_t fx_ctx_create(struct fx *fx, struct fdri_file *f, int32_t priority);

#define FX_JOB_MAX 16
struct fx_job {
	struct drm_fakedri_submit args;
	struct drm_fakedri_submit_bo bos[FX_JOB_MAX];
	struct drm_fakedri_submit_syncobj syncobjs[FX_JOB_MAX];
	struct drm_fakedri_submit_cmd cmds[FX_JOB_MAX];
	int out_fd;                      /* FENCE_FD_OUT's sync_file (the test's), or -1 */
};

/* An empty job of @ctx on @queue lasting @duration_ns; fence_fd -1. */
void fx_job_init(struct fx_job *j, uint32_t ctx, uint32_t queue, uint64_t duration_ns);
/* Adds an object; returns its index for commands. */
uint32_t fx_job_bo(struct fx_job *j, uint32_t handle, uint32_t flags);
void fx_job_syncobj(struct fx_job *j, uint32_t handle, uint32_t flags, uint64_t point);
void fx_job_cmd(struct fx_job *j, uint32_t op, uint32_t dst_bo, uint64_t dst_offset,
		uint64_t length, uint64_t value);
void fx_job_copy(struct fx_job *j, uint32_t dst_bo, uint64_t dst_offset, uint32_t src_bo,
		 uint64_t src_offset, uint64_t length);
/* DRM_IOCTL_FAKEDRI_SUBMIT with the arrays of @j (NULL if empty) and
 * @in_fd as the caller's fd for FENCE_FD_IN; 0 or -errno. */
int fx_submit(struct fx *fx, struct fdri_file *f, struct fx_job *j, int in_fd);
/* The device's counters as DEVICE_STATS reports them. */
struct drm_fakedri_device_stats fx_stats(struct fx *fx, struct fdri_file *f);

/* A request submitted through the core's request path by hand, as a
 * transport would, so it may park: @completed counts its answers and @ret
 * holds the last one (1 until answered); answers' struct goes to @arg. */
struct fx_tx {
	struct fdri_req req;
	void *arg;
	int completed;
	int ret;
};
void fx_tx_submit(struct fx_tx *t, struct fx *fx, struct fdri_file *f, unsigned int cmd,
		  void *arg);

#endif
