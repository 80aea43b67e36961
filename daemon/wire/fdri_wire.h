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
 * any ioctl's layout.
 */
#ifndef FDRI_WIRE_H
#define FDRI_WIRE_H

#include <stdint.h>
#include <sys/ioctl.h>

#define FDRI_WIRE_VERSION 1
#define FDRI_WIRE_MAX_BUFS 3
#define FDRI_WIRE_MAX_MSG (256 * 1024)
/* Largest nested buffer carried in one message. */
#define FDRI_WIRE_MAX_BUF (64 * 1024)

/* memfd name prefix of every fakedri buffer: "fakedri-bo:<instance hex>".
 * Together with the SHRINK|GROW seals it marks a fakedri dma-buf. */
#define FDRI_MEMFD_PREFIX "fakedri-bo:"

enum fdri_wire_type {
	FDRI_MSG_HELLO = 1,  /* main: open a DRM file; fd: channel */
	FDRI_MSG_ATTACH,     /* main: attach a channel; fd: channel */
	FDRI_MSG_IOCTL,      /* channel: an ioctl */
	FDRI_MSG_DATA,       /* channel: nested input for a NEED; fd: the caller's fd */
	FDRI_MSG_MMAP,       /* channel: map an offset; reply fd: memfd */
	FDRI_MSG_INFO,       /* channel: node type and open flags */
	FDRI_MSG_STATS,      /* channel: device counters */
	FDRI_MSG_REPLY,      /* daemon: final answer */
	FDRI_MSG_NEED,       /* daemon: send nested input */
};

struct fdri_wire_hdr {
	uint32_t type;
	uint32_t len;        /* bytes, header included */
};

struct fdri_wire_hello {
	struct fdri_wire_hdr hdr;
	uint32_t version;
	uint32_t node;       /* enum fdri_node_type */
	int32_t open_flags;
	int32_t tid;
	/* nonzero: do not open a new file, bind to the CUSE open file that
	 * FDRI_CUSE_IOCTL_BIND returned this token for */
	uint64_t token[2];
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
	uint32_t pad;
	char sock[108];
};
#define FDRI_CUSE_IOCTL_BIND _IOR('F', 0x01, struct fdri_cuse_bind)

#define FDRI_IOCTL_ARG_FAULT 1u  /* the client could not read the argument */

struct fdri_wire_ioctl {
	struct fdri_wire_hdr hdr;
	uint32_t cmd;
	int32_t tid;
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
	int32_t ret;         /* 0 or -errno */
	uint32_t out_len;    /* bytes of struct to copy back */
	uint32_t nbufs;
	int32_t fd_off;      /* where in the struct the sent fd's number goes, -1 */
	int32_t fd_flags;    /* O_CLOEXEC | O_RDWR of the new fd */
	uint32_t pad;
	uint64_t fd_size;    /* dma-buf size, for the shim's bounds checks */
	struct fdri_wire_span bufs[FDRI_WIRE_MAX_BUFS];
	/* followed by out_len bytes of struct, then each buffer's bytes */
};

struct fdri_wire_mmap {
	struct fdri_wire_hdr hdr;
	uint64_t offset;
	uint64_t len;
};

struct fdri_wire_info {
	struct fdri_wire_hdr hdr;
	int32_t ret;
	uint32_t node;
	int32_t open_flags;
	uint32_t pad;
	uint64_t file_id;
};

struct fdri_wire_stats {
	struct fdri_wire_hdr hdr;
	uint64_t ioctls;
	uint64_t files_open;
	uint64_t objects;
	uint64_t dmabufs;
	uint64_t backed_bytes;
};

#endif
