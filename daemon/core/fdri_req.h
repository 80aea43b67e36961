/*
 * fdri_req.h - an ioctl request: the one request path of every transport.
 *
 * A struct fdri_req carries one ioctl from the moment a transport submits
 * it to the moment it completes: its own copy of the ioctl struct, its
 * nested buffers, the caller, the file, the fd the caller passed in, and
 * its state. The four steps of fdri_ioctl.h (decode, permit, nested
 * buffers, run) are taken here and nowhere else; a transport is an adapter
 * that supplies three callbacks (struct fdri_req_ops): fetch input, probe
 * output, complete.
 *
 * DOC: states
 *
 *   IDLE --submit--> [ARG/INPUT --input_done-->] run --> [PARKED --wake--> run]
 *        --> [PROBE --probe_done-->] complete --> IDLE
 *
 * - INPUT: the core wants the caller's struct (@want_arg), nested input
 *   (@want_in) or fd (@want_fd); ops->fetch() asks for it, possibly
 *   asynchronously, and the transport calls fdri_req_input_done().
 * - PARKED: the handler waits (fdri_req_park()): on an object's waiter list
 *   or a deadline. fdri_req_wake() runs its resume function, which answers
 *   or parks again. A waiting request blocks nothing else.
 * - PROBE: nested output is about to be written back; ops->probe() asks the
 *   caller whether it can be, and fdri_req_probe_done() finishes. A handler
 *   is run again, on its saved input, when output turns out unwritable, so
 *   handlers with nested output must not change state nor park (they are
 *   getters: VERSION, GET_UNIQUE).
 * - ops->complete() is called exactly once per submit, unless the request
 *   is cancelled first; the request is IDLE when it is called, so the
 *   transport may reuse it from then on.
 * - An fd the reply carries (args.out_fd) is borrowed from the core unless
 *   args.owns_out_fd is set: then it passes to the transport with
 *   ops->complete(), which closes it (through the host) once sent.
 *
 * DOC: cancellation and lifetime
 *
 * fdri_req_cancel() ends an active request in any state without a reply:
 * it leaves every waiter list, disarms its timer, closes the fd it owns,
 * and ops->complete() is never called for it. A late event for a cancelled
 * request finds it unlinked and does nothing. The file's release
 * (fdri_file_close()) cancels every request still active on it and tells
 * their transports through ops->cancelled(). The request struct belongs to
 * its transport, which frees it with fdri_req_fini() (which cancels it if
 * active, and frees its buffers and timer) and then free().
 *
 * The request references its file only while active; the file's release
 * cancels it, so the pointer never dangles.
 */
#ifndef FDRI_REQ_H
#define FDRI_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdri_ioctl.h"
#include "fdri_list.h"

/* A handler's return value when it parked the request (never an errno). */
#define FDRI_PARKED 1

enum fdri_req_state {
	FDRI_REQ_IDLE = 0,
	FDRI_REQ_INPUT,     /* waiting for the caller's struct, nested input or fd */
	FDRI_REQ_RUNNING,   /* inside a handler */
	FDRI_REQ_PARKED,    /* waiting for an event or a deadline */
	FDRI_REQ_PROBE,     /* waiting to learn whether output can be written */
};

struct fdri_req;

struct fdri_req_ops {
	/*
	 * Get what the request wants: the struct (req->want_arg: in_size
	 * bytes at req->arg_uaddr) into req->kdata, or req->args.bufs[i].data
	 * for each bit i of req->want_in (up to bufs[i].len bytes; set
	 * bufs[i].fault if it cannot be read), and the caller's fd numbered
	 * req->fd_value if req->want_fd (into req->args.in_fd: -1 if it is not
	 * an fd). Then call fdri_req_input_done(), now or later. Required.
	 */
	void (*fetch)(struct fdri_req *req);
	/*
	 * Can the caller write each output buffer of @mask (bufs[i].uaddr,
	 * bufs[i].out_len)? Answer with fdri_req_probe_done(), now or later.
	 * NULL: output is always written.
	 */
	void (*probe)(struct fdri_req *req, uint32_t mask);
	/*
	 * The answer: req->ret (0 or -errno), req->args.out_size bytes of
	 * req->kdata, each OUT buffer's out_len bytes, and req->args.out_fd
	 * (borrowed from the core) for ioctls that return an fd. Required.
	 */
	void (*complete)(struct fdri_req *req);
	/* The core cancelled the request (its file was released). Optional. */
	void (*cancelled)(struct fdri_req *req);
	/* The transport must also fetch room for output before the run: the
	 * struct when it is only written, and OUT buffers (in @want_in too),
	 * so bytes the handler leaves alone are written back unchanged (CUSE,
	 * whose reply must fit what the kernel fetched). */
	bool fetch_out;
};

/* A request's resume function: @why is 0 for a wake-up by the awaited
 * object, or -ETIME when the deadline passed. Returns the ioctl's result,
 * or FDRI_PARKED after parking again. */
typedef int (*fdri_req_resume_fn)(struct fdri_req *req, int why);

struct fdri_req {
	/* the transport's: set by fdri_req_init() */
	const struct fdri_req_ops *ops;
	void *priv;
	uint64_t id;                 /* the transport's request id, untouched here */

	/* the call, valid while active */
	enum fdri_req_state state;
	struct fdri_file *file;
	struct fdri_caller who;
	struct fdri_ioctl_args args;
	int ret;
	uint64_t arg_uaddr;          /* where the caller's struct is */
	bool want_arg, want_fd;
	uint32_t want_in;            /* bit i: fetch args.bufs[i] */
	int fd_value;                /* the caller's fd number, for want_fd */
	bool owns_in_fd;             /* set by the transport: close args.in_fd when done */
	struct fdri_list file_link;  /* in file->reqs while active */

	/* parking: the awaited object links @wait_link and reads @wait_key */
	fdri_req_resume_fn resume;
	void (*unpark)(struct fdri_req *req);
	struct fdri_list wait_link;
	uint64_t wait_key;
	struct fdri_timer timer;
	const struct fdri_host_ops *timer_host; /* whose state timer.host is */
	void *timer_ctx;
	bool timer_armed;
	bool park_charged;           /* counted in its client's parked quota */
	int64_t parked_ns;           /* when the call first parked (host clock), 0: never */

	/* storage, kept across requests: no allocation on the hot path */
	void *bufmem[FDRI_IOCTL_MAX_PTRS];
	size_t bufcap[FDRI_IOCTL_MAX_PTRS];
	_Alignas(16) unsigned char kdata[FDRI_IOCTL_MAX_SIZE];
	_Alignas(16) unsigned char kdata_in[FDRI_IOCTL_MAX_SIZE]; /* saved for a rerun */
};

/* Prepares @req for use by a transport; it is IDLE afterwards. */
void fdri_req_init(struct fdri_req *req, const struct fdri_req_ops *ops, void *priv);
/* Cancels @req if active and frees its storage. */
void fdri_req_fini(struct fdri_req *req);

/*
 * Starts ioctl @cmd of @who on @file (NULL: the connection has no file,
 * -EBADF). @arg, @arg_len: the caller's struct if the transport already has
 * it (a shorter @arg_len makes the core fetch it); @arg_fault: it could not
 * be read (EFAULT). @arg_uaddr: its address in the caller, for fetching.
 * Completes at once or continues through the ops. @req must be IDLE.
 */
void fdri_req_submit(struct fdri_req *req, struct fdri_file *file, const struct fdri_caller *who,
		     unsigned int cmd, uint64_t arg_uaddr, const void *arg, size_t arg_len,
		     bool arg_fault);
/*
 * Starts ioctl @cmd on an fd that is not a DRM file: @target (a struct
 * fdri_dmabuf * or struct fdri_fdobj *, by @kind) on device @dev, whose
 * host and loop serve the request. The caller passes its reference on
 * @target to the request. The ioctl is looked up in the target's table
 * (ENOTTY if absent); there are no DRM permissions. Otherwise as
 * fdri_req_submit().
 */
void fdri_req_submit_target(struct fdri_req *req, struct fdri_device *dev,
			    enum fdri_target_kind kind, void *target,
			    const struct fdri_caller *who, unsigned int cmd, uint64_t arg_uaddr,
			    const void *arg, size_t arg_len, bool arg_fault);
/* The ioctls of a connection without a DRM file (FDRI_TARGET_NONE):
 * FDRI_IOCTL_SW_SYNC_OPEN and FDRI_IOCTL_DEBUGFS_OPEN (fdri_fileless.c). */
extern const struct fdri_ioctl_desc fdri_fileless_ioctls[];
extern const unsigned int fdri_fileless_num_ioctls;
/* The transport delivered what ops->fetch() asked for. */
void fdri_req_input_done(struct fdri_req *req);
/* The transport checked the probed output; bit i of @faults: bufs[i] cannot be written. */
void fdri_req_probe_done(struct fdri_req *req, uint32_t faults);
/* Ends @req without a reply. Returns true if it was active. */
bool fdri_req_cancel(struct fdri_req *req);

static inline bool fdri_req_active(const struct fdri_req *req)
{
	return req->state != FDRI_REQ_IDLE;
}

/*
 * For handlers: park the running request until fdri_req_wake() or, if
 * @deadline_ns is nonzero, until that CLOCK_MONOTONIC time (then @resume is
 * called with -ETIME). @unpark, if not NULL, is called when the request
 * leaves the parked state for any reason (wake, deadline, cancel) to
 * unlink it from the awaited object (fdri_list_del(&req->wait_link) is
 * done by the core in any case). Returns FDRI_PARKED, which the handler
 * returns, or a negative errno if the deadline cannot be armed, or -ENOMEM
 * if the file's client has its quota of parked requests (fdri_client.h):
 * not EAGAIN, which drmIoctl() would retry at once, forever.
 */
int fdri_req_park(struct fdri_req *req, fdri_req_resume_fn resume,
		  void (*unpark)(struct fdri_req *req), int64_t deadline_ns);
/* The awaited event happened: resumes a PARKED request (@why 0 or -errno).
 * Does nothing for a request that is not parked. */
void fdri_req_wake(struct fdri_req *req, int why);

/*
 * In-process requests (unit tests, fuzzers): fdri_ioctl_direct() in
 * fdri_ioctl.h. A request that parks there is cancelled, and the call
 * returns -EINTR, since an in-process caller cannot wait.
 */

#endif
