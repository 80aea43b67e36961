/*
 * fdri_server.h - the socket transport: a libevent loop serving one device
 * to clients of the LD_PRELOAD shim over AF_UNIX SEQPACKET sockets
 * (protocol in wire/fdri_wire.h).
 *
 * The server owns its listening socket, one record per client connection
 * (a DRM file) and per channel. A DRM file lives from HELLO until EOF on its
 * main socket, i.e. the client's last close of the open file; its channels
 * then answer EBADF until their own EOF.
 */
#ifndef FDRI_SERVER_H
#define FDRI_SERVER_H

#include <event2/event.h>

#include "fdri_core.h"

struct fdri_server;

/* Listens on @path (created; its directory must already be private). */
struct fdri_server *fdri_server_create(struct event_base *base, struct fdri_device *dev,
				       const char *path, int log_level);
void fdri_server_destroy(struct fdri_server *srv);

#endif
