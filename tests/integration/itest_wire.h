/*
 * itest_wire.h - raw clients of the socket protocol (common/fdri_wire.h)
 * for the integration tests that speak it without the shim. Header-only;
 * the including test links fdri_wire. Owns nothing: every fd returned
 * belongs to the caller.
 */
#ifndef ITEST_WIRE_H
#define ITEST_WIRE_H

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest.h"
#include "fdri_msg.h"
#include "fdri_wire.h"

/* A main socket connected to the daemon at @path. */
static inline int itest_wire_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	CHECK(path && s >= 0 && strlen(path) < sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path) + 1);
	CHECK_EQ(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

/* Sends @msg (HELLO or ATTACH) with a new channel on main socket @s;
 * returns our end of the channel. */
static inline int itest_wire_channel(int s, const void *msg, size_t len)
{
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(fdri_msg_send(s, msg, len, sv[1]), (ssize_t)len);
	close(sv[1]);
	return sv[0];
}

#endif
