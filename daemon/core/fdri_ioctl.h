/*
 * fdri_ioctl.h - the one ioctl table, and the kernel's dispatch rules.
 *
 * Owns: the description of every ioctl the device answers (number, struct
 * size and direction, permission flags, nested user pointers, fd fields) and
 * the drm_ioctl() algorithm that applies it. Every transport (socket, CUSE)
 * drives an ioctl through the same four steps, so they cannot disagree:
 *
 *   1. fdri_ioctl_decode()   cmd -> descriptor and the kernel's in/out/ksize
 *                            sizes (EINVAL for an unknown nr). Unplug is
 *                            not modelled yet. The transport then copies in_size
 *                            bytes of the caller's struct into a zeroed
 *                            buffer of ksize bytes (EFAULT if it cannot).
 *   2. fdri_ioctl_permit()   the drm_ioctl_permit() checks (EACCES).
 *   3. fdri_ioctl_bufs()     where the nested user buffers are; the transport
 *                            fetches IN buffers and provides OUT space, and
 *                            passes in the caller's fd for fd_in fields.
 *   4. fdri_ioctl_run()      the handler. Afterwards the transport copies
 *                            out_size bytes back, and the OUT buffers' out_len
 *                            bytes, whatever the result (as drm_ioctl does).
 *
 * A transport may learn only after a run that a nested OUT buffer cannot
 * be written; it then runs the handler again on the same input with that
 * buffer's fault set. So a handler with OUT buffers must not change state
 * before its last nested copy (they are all getters: VERSION, GET_UNIQUE).
 *
 * The table stores no pointers into objects; descriptors are static.
 */
#ifndef FDRI_IOCTL_H
#define FDRI_IOCTL_H

#include <stdint.h>

#include "fdri_core.h"

/* Permission flags: the values of the kernel's enum drm_ioctl_flags. */
#define FDRI_AUTH		0x01
#define FDRI_MASTER		0x02
#define FDRI_ROOT_ONLY		0x04
#define FDRI_RENDER_ALLOW	0x20

#define FDRI_IOCTL_MAX_PTRS	3

enum fdri_ptr_dir {
	FDRI_PTR_IN = 1,
	FDRI_PTR_OUT = 2,
};

/* A user pointer inside the ioctl struct, and the field holding its length. */
struct fdri_ioctl_ptr {
	uint16_t ptr_off;    /* offset of the pointer (8 bytes) */
	uint16_t len_off;    /* offset of the element count */
	uint8_t len_size;    /* 4 or 8 bytes */
	uint8_t dir;         /* enum fdri_ptr_dir */
	uint16_t elem_size;  /* bytes per element */
};

struct fdri_ioctl_desc {
	unsigned int cmd;        /* full command from the uapi header; 0 = empty slot */
	const char *name;
	uint32_t flags;          /* FDRI_AUTH | ... */
	fdri_ioctl_fn func;      /* NULL: the kernel's "no function" -> EINVAL */
	int16_t fd_in_off;       /* offset of an fd the caller passes, or -1 */
	int16_t fd_out_off;      /* offset of an fd handed back to the caller, or -1 */
	uint8_t nptrs;
	struct fdri_ioctl_ptr ptrs[FDRI_IOCTL_MAX_PTRS];
};

/* A nested user buffer as the transport presents it to a handler. */
struct fdri_ubuf {
	uint64_t uaddr;    /* the caller's pointer (0 = NULL) */
	uint64_t len;      /* capacity in bytes, from the struct's length field */
	void *data;        /* transport's copy: IN data, or OUT space of len bytes */
	uint64_t out_len;  /* OUT: bytes the handler wrote, copied back to uaddr */
	int fault;         /* IN: could not be read; OUT: cannot be written (-> EFAULT) */
};

/* What kind of fd an ioctl hands back (the transport tells the client). */
enum fdri_fd_kind {
	FDRI_FD_NONE = 0,
	FDRI_FD_DMABUF,
	FDRI_FD_SYNC_FILE,
	FDRI_FD_SYNCOBJ,
	FDRI_FD_OTHER,
	FDRI_FD_TIMELINE,       /* a sw_sync timeline */
	FDRI_FD_POLL_PROXY,     /* a dma-buf's poll proxy */
};

struct fdri_req;

struct fdri_ioctl_args {
	struct fdri_req *req;    /* the request this is part of (fdri_req.h) */
	const struct fdri_ioctl_desc *desc;
	unsigned int cmd;
	uint32_t in_size, out_size, ksize;
	struct fdri_ubuf bufs[FDRI_IOCTL_MAX_PTRS];
	/* fd_in: the transport's local copy of the caller's fd, or -1 if the
	 * caller's fd number was not a valid fd. Owned by the transport. */
	int in_fd;
	/* fd_out: a dma-buf fd owned by the core (borrowed), and the O_CLOEXEC /
	 * O_RDWR flags the caller's new fd gets. -1 if none. */
	int out_fd;
	int out_fd_flags;
	enum fdri_fd_kind out_fd_kind;
	uint64_t out_fd_size;    /* the dma-buf's size, for the shim's checks */
	bool owns_out_fd;        /* out_fd is the request's: closed once sent */
	/* An ioctl on an fd that is not a DRM file (a dma-buf, sync_file,
	 * syncobj file or timeline): the object, with a reference the request
	 * holds (struct fdri_dmabuf * or struct fdri_fdobj *), else NULL. */
	enum fdri_target_kind { FDRI_TARGET_NONE, FDRI_TARGET_DMABUF,
				FDRI_TARGET_FDOBJ } target_kind;
	void *target;
	struct fdri_device *dev;  /* the device the request runs on */
};

/* Largest struct any ioctl may declare (_IOC_SIZE is 14 bits). */
#define FDRI_IOCTL_MAX_SIZE 16384
/* Largest nested buffer a request carries; longer ones are cut to it. */
#define FDRI_IOCTL_MAX_BUF (64 * 1024)

int fdri_ioctl_decode(const struct fdri_device *dev, unsigned int cmd,
		      struct fdri_ioctl_args *args);
/* Decoding for an fd object's ioctls: @cmd matched whole in @table
 * (-ENOTTY if absent, as an unknown ioctl on any file), sizes from @cmd. */
int fdri_ioctl_decode_table(const struct fdri_ioctl_desc *table, unsigned int n,
			    unsigned int cmd, struct fdri_ioctl_args *args);
int fdri_ioctl_permit(const struct fdri_file *file, const struct fdri_caller *who,
		      const struct fdri_ioctl_args *args);
void fdri_ioctl_bufs(struct fdri_ioctl_args *args, const void *data);
int fdri_ioctl_run(struct fdri_file *file, const struct fdri_caller *who,
		   void *data, struct fdri_ioctl_args *args);

/* Convenience for in-process callers (unit tests, fuzzers): all four steps
 * on a struct in the caller's memory, nested pointers dereferenced directly.
 * Returns 0 or a negative errno, like the kernel's drm_ioctl(). */
int fdri_ioctl_direct(struct fdri_file *file, const struct fdri_caller *who,
		      unsigned int cmd, void *arg, int in_fd, int *out_fd);
/* The same for an ioctl on an fd object or dma-buf (fdri_req_submit_target();
 * the call takes over the caller's reference on @target). An fd the reply
 * owned is the caller's afterwards. */
int fdri_ioctl_direct_target(struct fdri_device *dev, enum fdri_target_kind kind, void *target,
			     const struct fdri_caller *who, unsigned int cmd, void *arg,
			     int in_fd, int *out_fd);

/* A dma-buf fd's ioctls that reach the daemon (fdri_dmabuf_sync.c). */
extern const struct fdri_ioctl_desc fdri_dmabuf_ioctls[];
extern const unsigned int fdri_dmabuf_num_ioctls;

/* Name of an ioctl for logs and traces ("?" if unknown). */
const char *fdri_ioctl_name(const struct fdri_device *dev, unsigned int cmd);

/* Handlers (fdri_ioctl_core.c, fdri_gem.c, fdri_prime.c, fdri_auth.c, fdri_dumb.c) */
int fdri_ioctl_version(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_getunique(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_setversion(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_getmagic(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_authmagic(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_getclient(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_getstats(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_getcap(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_setclientcap(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_setmaster(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_dropmaster(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_gem_close(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_gem_flink(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_gem_open(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_prime_handle_to_fd(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_prime_fd_to_handle(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_mode_getresources(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_mode_getplaneresources(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_mode_getfb2(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_mode_lookup(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_create_dumb(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_map_dumb(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_ioctl_destroy_dumb(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);

#endif
