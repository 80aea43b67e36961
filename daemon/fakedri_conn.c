/*
 * fakedri_conn.c - a control connection to a running daemon: one main
 * socket and one channel, without a DRM file, bound to one of the daemon's
 * devices. It is just another client: every call is one request and one
 * reply, and the daemon serves it between others without waiting for us.
 *
 * Owns the two sockets from fakedri_conn_open() to fakedri_conn_close().
 * An fd a reply carries (fakedri_conn_ioctl()'s @fd) belongs to the caller.
 */
#define _GNU_SOURCE
#include "fakedri_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdri_msg.h"
#include "fdri_wire.h"

/**
 * fakedri_conn_open() - connect to the daemon at @path as a connection
 * without a DRM file, to its device @device.
 * @path: the daemon's socket
 * @device: which of its devices (0: the first)
 * @c: the connection, valid if 0 is returned
 *
 * Return: 0 or -errno (ENODEV: the daemon has no such device).
 */
int fakedri_conn_open(const char *path, uint32_t device, struct fakedri_conn *c)
{
	struct fdri_wire_hello h = {
		.hdr = { FDRI_MSG_HELLO, sizeof(h) }, .version = FDRI_WIRE_VERSION,
		.node = FDRI_NODE_NONE, .open_flags = O_CLOEXEC, .tid = (int32_t)getpid(),
		.device = device,
	};
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct fdri_wire_reply r;
	int sv[2], rfd = -1, err;
	ssize_t n;

	c->main_sock = c->chan = -1;
	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	c->main_sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->main_sock < 0 || connect(c->main_sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail_errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail_errno;
	n = fdri_msg_send(c->main_sock, &h, sizeof(h), sv[1]);
	close(sv[1]);
	c->chan = sv[0];
	if (n >= 0)
		n = fdri_msg_recv(c->chan, &r, sizeof(r), &rfd, NULL);
	if (rfd >= 0)
		close(rfd);
	err = n < 0 ? (int)-n : n < 12 ? EPROTO : -r.ret;
	if (!err)
		return 0;
	close(c->chan);
	close(c->main_sock);
	c->main_sock = c->chan = -1;
	return -err;
fail_errno:
	err = errno;
	if (c->main_sock >= 0)
		close(c->main_sock);
	c->main_sock = -1;
	return -err;
}

/**
 * fakedri_conn_ioctl() - one ioctl of a connection without a DRM file.
 * @c: the connection
 * @cmd: the ioctl (FDRI_IOCTL_FAULT_CTL, FDRI_IOCTL_DEBUGFS_OPEN...)
 * @arg: its argument, in and out; at most 1024 bytes
 * @len: its size
 * @fd: the fd the reply carries, or -1; NULL: close it
 *
 * Return: the ioctl's result, 0 or -errno (ENODEV once the daemon is gone).
 */
int fakedri_conn_ioctl(struct fakedri_conn *c, uint32_t cmd, void *arg, size_t len, int *fd)
{
	struct {
		struct fdri_wire_ioctl m;
		unsigned char arg[1024];
	} req = {
		.m = { .hdr = { FDRI_MSG_IOCTL, (uint32_t)(sizeof(req.m) + len) }, .cmd = cmd,
		       .tid = (int32_t)getpid(), .id = 1, .arg = (uintptr_t)arg,
		       .arg_len = (uint32_t)len },
	};
	unsigned char buf[sizeof(struct fdri_wire_reply) + sizeof(req.arg)];
	const struct fdri_wire_reply *r = (const void *)buf;
	int rfd = -1;
	ssize_t n;

	if (fd)
		*fd = -1;
	if (len > sizeof(req.arg))
		return -EINVAL;
	memcpy(req.arg, arg, len);
	n = fdri_msg_send(c->chan, &req, sizeof(req.m) + len, -1);
	if (n >= 0)
		n = fdri_msg_recv(c->chan, buf, sizeof(buf), &rfd, NULL);
	if (n < 0 || (size_t)n < sizeof(*r) || r->hdr.type != FDRI_MSG_REPLY ||
	    (size_t)n < sizeof(*r) + r->out_len) {
		if (rfd >= 0)
			close(rfd);
		return n == -EPIPE || n == 0 ? -ENODEV : n < 0 ? (int)n : -EPROTO;
	}
	if (r->out_len)
		memcpy(arg, r + 1, r->out_len < len ? r->out_len : len);
	if (fd)
		*fd = rfd;
	else if (rfd >= 0)
		close(rfd);
	return r->ret;
}

/**
 * fakedri_conn_close() - drop the connection.
 * @c: the connection (may be one that failed to open)
 */
void fakedri_conn_close(struct fakedri_conn *c)
{
	if (c->chan >= 0)
		close(c->chan);
	if (c->main_sock >= 0)
		close(c->main_sock);
	c->chan = c->main_sock = -1;
}
