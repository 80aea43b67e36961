/*
 * fdri_wire.h - the socket transport's message format, shared by the daemon
 * (fdri_server.c) and the client shim (client/).
 *
 * Two kinds of sockets, both AF_UNIX SOCK_SEQPACKET:
 *
 * - The *main* socket is the client's device fd itself. It is the DRM file's
 *   identity: dup, fork, exec and SCM_RIGHTS share it as they share a kernel
 *   file, and the daemon sees the file's release as EOF. Clients only ever
 *   *send* on it: HELLO (open a new DRM file) or ATTACH (add a channel to
 *   this file), each carrying one end of a fresh socketpair (a *channel*) in
 *   SCM_RIGHTS. Nobody but the daemon reads it, so processes sharing it can
 *   never steal each other's replies.
 * - A *channel* carries request/reply pairs for one DRM file, one request at
 *   a time. A client process keeps a pool of channels per file, so a thread
 *   blocked in one ioctl never stalls another thread. Channels are private
 *   to the process that created them (dropped in the child after fork).
 *
 * An ioctl is IOCTL -> [NEED -> DATA] -> [NEED -> DATA] -> REPLY: the
 * daemon asks for nested input buffers and fds by address, as CUSE's retry
 * exchange does, and before writing nested output back it asks the client
 * to check those spans are writable; so the client needs no knowledge of
 * any ioctl's layout. Every message of the exchange carries the request's
 * id, chosen by the client; the daemon's messages echo it.
 *
 * DOC: version 2 - waiting, cancelling, devices
 *
 * - A call may wait in the daemon (a parked request, fdri_req.h): the
 *   channel then simply has no answer yet. If a signal interrupts the
 *   waiting client, it sends CANCEL with the request's id. The daemon
 *   answers every CANCEL: ret 1 if it cancelled the request, which it does
 *   only while the request waits (as the kernel interrupts only its
 *   interruptible waits), else ret 0, and the exchange goes on (NEEDs,
 *   then the REPLY) as if no signal had come. The client reads every
 *   answer it is owed before the channel's next call, so a late
 *   completion can never reach that call.
 * - HELLO names a device (its index in the daemon) and a node type, or
 *   FDRI_NODE_NONE for a connection without a DRM file (for operations on
 *   fence and dma-buf fds).
 * - A reply's fd says what it is (enum fdri_wire_fd_kind) with that kind's
 *   metadata.
 * - An IOCTL may carry the fd it is made on (FDRI_IOCTL_TARGET_FD): a
 *   sync_file, syncobj file, sw_sync timeline or dma-buf. Such fds are
 *   the client ends of the daemon's socket pairs (their peer is the
 *   daemon) or its memfds; the shim forwards their ioctls this way.
 * - HELLO's version sits at the same offset in every version, so a daemon
 *   answers a client of any version: EPROTO, with its own version in the
 *   reply, and each side prints one line naming both.
 */
#ifndef FDRI_WIRE_H
#define FDRI_WIRE_H

#include <stdint.h>
#include <sys/ioctl.h>

#include "fdri_defs.h"

#define FDRI_WIRE_VERSION 2
#define FDRI_WIRE_MAX_BUFS 3
#define FDRI_WIRE_MAX_MSG (256 * 1024)
/* Largest nested buffer carried in one message (FDRI_IOCTL_MAX_BUF). */
#define FDRI_WIRE_MAX_BUF (64 * 1024)


enum fdri_wire_type {
	FDRI_MSG_HELLO = 1,  /* main: open a DRM file; fd: channel */
	FDRI_MSG_ATTACH,     /* main: attach a channel; fd: channel */
	FDRI_MSG_IOCTL,      /* channel: an ioctl */
	FDRI_MSG_DATA,       /* channel: nested input for a NEED; fd: the caller's fd */
	FDRI_MSG_MMAP,       /* channel: map an offset; reply fd: memfd */
	FDRI_MSG_INFO,       /* channel: node type and open flags */
	FDRI_MSG_UNUSED_7,   /* version 1's STATS, never sent: answered EINVAL */
	FDRI_MSG_REPLY,      /* daemon: final answer */
	FDRI_MSG_NEED,       /* daemon: send nested input */
	FDRI_MSG_CANCEL,     /* channel: cancel request id; daemon: its answer */
};

/* What a reply's fd is. */
enum fdri_wire_fd_kind {
	FDRI_WIRE_FD_NONE = 0,
	FDRI_WIRE_FD_DMABUF,     /* meta[0]: size in bytes */
	FDRI_WIRE_FD_SYNC_FILE,
	FDRI_WIRE_FD_SYNCOBJ,
	FDRI_WIRE_FD_OTHER,      /* e.g. MMAP's answer: the backing memfd to map */
	FDRI_WIRE_FD_TIMELINE,   /* a sw_sync timeline */
	FDRI_WIRE_FD_POLL_PROXY, /* what to poll instead of a dma-buf */
};

struct fdri_wire_hdr {
	uint32_t type;
	uint32_t len;        /* bytes, header included */
};

struct fdri_wire_hello {
	struct fdri_wire_hdr hdr;
	uint32_t version;    /* at offset 8 in every version */
	uint32_t node;       /* enum fdri_node_type, or FDRI_NODE_NONE */
	int32_t open_flags;
	int32_t tid;
	/* nonzero: do not open a new file, bind to the CUSE open file that
	 * FDRI_CUSE_IOCTL_BIND returned this token for */
	uint64_t token[2];
	uint32_t device;     /* which device of the daemon (0: the first) */
	uint32_t pad;
};

/*
 * CUSE binding. A process that opened a fakedri CUSE node asks, with this
 * private ioctl on that open file, for a token and the daemon's socket; it
 * then sends HELLO with the token, and the connection serves the same DRM
 * file (fd-returning ioctls and mmap, which CUSE cannot carry). The token is
 * secret: only holders of the CUSE open file can learn it. Type 'F' keeps it
 * out of the DRM ioctl space.
 */
struct fdri_cuse_bind {
	uint64_t token[2];
	uint32_t node;       /* enum fdri_node_type */
	uint32_t device;     /* the device's index */
	char sock[108];
};
#define FDRI_CUSE_IOCTL_BIND _IOR('F', 0x01, struct fdri_cuse_bind)

/* Opens a sw_sync timeline (the shim's /dev/sw_sync): an ioctl of a
 * connection without a DRM file; the timeline's fd comes back in @fd. */
struct fdri_sw_sync_open {
	int32_t fd;
	uint32_t flags;      /* the open's O_CLOEXEC */
};
#define FDRI_IOCTL_SW_SYNC_OPEN _IOWR('F', 0x02, struct fdri_sw_sync_open)

/* Sent with a fence fd the client is closing: the daemon holds that copy
 * until the connection's next FDRI_IOCTL_SYNC, which the client sends once
 * its own copy is closed; then, if the held copy was the last anywhere,
 * the object's release (a timeline failing its points) has run when SYNC
 * is answered, as within the kernel's close(). */
#define FDRI_IOCTL_FENCE_CLOSE _IO('F', 0x03)

/* On a dma-buf: the fd to poll in its place (FDRI_WIRE_FD_POLL_PROXY),
 * readable and writable as dma_buf_poll() would answer. */
struct fdri_poll_proxy_arg {
	int32_t fd;
	uint32_t pad;
};
#define FDRI_IOCTL_POLL_PROXY _IOR('F', 0x04, struct fdri_poll_proxy_arg)

/* A fileless connection's barrier, answered 0: the daemon has served every
 * DRM file's last close that happened before it was sent (main sockets
 * are served first), and dropped the fds FENCE_CLOSE left with it, so the
 * effects of those closes are visible once it returns. */
#define FDRI_IOCTL_SYNC _IO('F', 0x05)

/* Opens debugfs file @name of the connection's device
 * (/sys/kernel/debug/dri/<minor>/<name>): a read-only fd holding its text,
 * made when opened, in @fd (FDRI_WIRE_FD_OTHER). @flags: O_CLOEXEC. An
 * ioctl of a connection without a DRM file; unknown names: ENOENT. */
struct fdri_debugfs_open {
	int32_t fd;
	uint32_t flags;
	char name[56];
};
#define FDRI_IOCTL_DEBUGFS_OPEN _IOWR('F', 0x06, struct fdri_debugfs_open)

/* Fault injection control (docs/faults.md; `fakedri fault`, the client
 * API client/fakedri_fault.h). An ioctl of a connection without a DRM
 * file; it acts on the daemon's fault registry, shared by all devices.
 * - ADD: arms @spec; @value = the fault's id. Bad spec: EINVAL with the
 *   reason in @spec.
 * - CLEAR: disarms fault @id (0: all); @value = how many.
 * - GET: the fault at index @id (0-based, arming order): @spec (canonical),
 *   @value = times it fired, @id = its id; ENOENT past the end.
 * - STATS: @value = faults injected so far, @calls = sites numbered.
 * - UNPLUG: unplugs the device whose primary minor is @id now (ENODEV if
 *   there is none). */
#define FDRI_FAULT_OP_ADD	1
#define FDRI_FAULT_OP_CLEAR	2
#define FDRI_FAULT_OP_GET	3
#define FDRI_FAULT_OP_STATS	4
#define FDRI_FAULT_OP_UNPLUG	5
struct fdri_fault_ctl {
	uint32_t op;
	uint32_t id;
	uint64_t value;
	uint64_t calls;
	char spec[512];
};
#define FDRI_IOCTL_FAULT_CTL _IOWR('F', 0x07, struct fdri_fault_ctl)

#define FDRI_IOCTL_ARG_FAULT 1u  /* the client could not read the argument */
/* The ioctl is on a fence fd or dma-buf, sent with the message: any
 * channel, fileless ones included, serves it (unknown fds: ENOTTY). */
#define FDRI_IOCTL_TARGET_FD 2u

struct fdri_wire_ioctl {
	struct fdri_wire_hdr hdr;
	uint32_t cmd;
	int32_t tid;
	uint64_t id;
	uint64_t arg;        /* the struct's address in the caller */
	uint32_t flags;
	uint32_t arg_len;
	/* followed by arg_len bytes of the caller's struct */
};

struct fdri_wire_span {
	uint64_t uaddr;
	uint64_t len;
};

struct fdri_wire_need {
	struct fdri_wire_hdr hdr;
	uint64_t id;
	uint32_t nbufs;
	uint32_t want_fd;    /* 1: send the caller's fd numbered fd_value */
	int32_t fd_value;
	/* bit i: bufs[i] is output the daemon is about to write back; the
	 * client only checks it can be written (DATA says fault or not), so
	 * a bad pointer gives EFAULT where the kernel's copy_to_user would */
	uint32_t probe;
	struct fdri_wire_span bufs[FDRI_WIRE_MAX_BUFS];
};

struct fdri_wire_data {
	struct fdri_wire_hdr hdr;
	uint64_t id;
	uint32_t nbufs;
	uint32_t fd_sent;    /* 1 if an fd rides along, 0 if fd_value was not an fd */
	struct {
		uint64_t len;
		int32_t fault;
		uint32_t pad;
	} bufs[FDRI_WIRE_MAX_BUFS];
	/* followed by the buffers' bytes */
};

struct fdri_wire_reply {
	struct fdri_wire_hdr hdr;
	int32_t ret;         /* 0 or -errno; at offset 8 in every version */
	uint32_t version;    /* HELLO's answer: the daemon's wire version */
	uint64_t id;
	uint32_t out_len;    /* bytes of struct to copy back */
	uint32_t nbufs;
	int32_t fd_off;      /* where in the struct the sent fd's number goes, -1 */
	int32_t fd_flags;    /* O_CLOEXEC | O_RDWR of the new fd */
	uint32_t fd_kind;    /* enum fdri_wire_fd_kind */
	uint32_t pad;
	uint64_t fd_meta[2]; /* per kind, see enum fdri_wire_fd_kind */
	struct fdri_wire_span bufs[FDRI_WIRE_MAX_BUFS];
	/* followed by out_len bytes of struct, then each buffer's bytes */
};

/* Both directions: the client's request to cancel @id, and the daemon's
 * answer (ret 1: cancelled, 0: no such request was active). */
struct fdri_wire_cancel {
	struct fdri_wire_hdr hdr;
	uint64_t id;
	int32_t ret;
	uint32_t pad;
};

struct fdri_wire_mmap {
	struct fdri_wire_hdr hdr;
	uint64_t id;
	uint64_t offset;
	uint64_t len;
};

struct fdri_wire_info {
	struct fdri_wire_hdr hdr;
	int32_t ret;
	uint32_t node;
	int32_t open_flags;
	uint32_t device;
	uint64_t file_id;
};

/* chmod/chown of a virtual node (socket mode): every node of device
 * @device and type @node (they share one inode's attributes, fdri_perm.h).
 * An ioctl of a connection without a DRM file, made just for the call: the
 * daemon checks it as the kernel's setattr_prepare() would, against the
 * connection's credentials (SO_PEERCRED, SO_PEERGROUPS): EPERM when not
 * allowed. @valid: FDRI_SETATTR_* bits saying which fields to apply. */
#define FDRI_SETATTR_MODE 1u
#define FDRI_SETATTR_UID  2u
#define FDRI_SETATTR_GID  4u
struct fdri_node_setattr {
	uint32_t device;
	uint32_t node;       /* FDRI_NODE_PRIMARY or FDRI_NODE_RENDER */
	uint32_t valid;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
};
#define FDRI_IOCTL_NODE_SETATTR _IOW('F', 0x20, struct fdri_node_setattr)


/*
 * The hotplug socket, <socket>.hotplug (SOCK_SEQPACKET, docs/hotplug.md):
 * uevent subscriptions and sysfs writes. A request is one
 * struct fdri_hotplug_req, answered by one struct fdri_hotplug_reply.
 * SUBSCRIBE carries, in SCM_RIGHTS, the daemon's end of a socket pair
 * whose other end the shim gave the program as its NETLINK_KOBJECT_UEVENT
 * socket: the daemon sends each uevent of @groups on it, as netlink
 * payloads (fdri_uevent.h), dropping (and counting) what does not fit.
 */
#define FDRI_HOTPLUG_SUFFIX ".hotplug"
#define FDRI_HOTPLUG_SUBSCRIBE 1u
#define FDRI_HOTPLUG_SYSFS_WRITE 2u
#define FDRI_HOTPLUG_GROUP_KERNEL 1u /* netlink group 1: the kernel's uevents */
#define FDRI_HOTPLUG_GROUP_UDEV 2u   /* netlink group 2: udevd's */
struct fdri_hotplug_req {
	uint32_t op;
	uint32_t groups;     /* SUBSCRIBE: 1 the kernel's, 2 udev's, 3 both */
	char path[224];      /* SYSFS_WRITE: the sysfs file, e.g. .../drivers/fakedri/unbind */
	char value[64];      /* SYSFS_WRITE: what was written */
	uint32_t len;        /* SYSFS_WRITE: its length */
	uint32_t pad;
};
struct fdri_hotplug_reply {
	int32_t ret;         /* 0, or -errno as the kernel's store() returns */
	uint32_t pad;        /* SUBSCRIBE: the daemon's pid (udevd's stand-in) */
};

#endif
