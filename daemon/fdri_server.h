/*
 * fdri_server.h - the socket transport: a libevent loop serving a daemon's
 * devices to clients of the LD_PRELOAD shim over AF_UNIX SEQPACKET sockets
 * (protocol in common/fdri_wire.h).
 *
 * The server owns its listening socket, one record per client connection
 * (a DRM file) and per channel. A DRM file lives from HELLO until EOF on its
 * main socket, i.e. the client's last close of the open file; its channels
 * then answer EBADF until their own EOF.
 */
#ifndef FDRI_SERVER_H
#define FDRI_SERVER_H

#include <stdbool.h>
#include <stdio.h>

#include <event2/event.h>

#include "fdri_core.h"

struct fdri_server;
struct ucred;

/* Listens on @path (created; its directory must already be private) and
 * serves @devs, which HELLO selects by index. The devices outlive the
 * server. A stale socket at @path is replaced; a live daemon's gives
 * EADDRINUSE, anything else there EEXIST. Returns NULL with errno set. */
struct fdri_server *fdri_server_create(struct event_base *base, struct fdri_device *const *devs,
				       unsigned int ndevs, const char *path);
void fdri_server_destroy(struct fdri_server *srv);

/* Binding of shim connections to files owned by another transport (CUSE):
 * HELLO with a nonzero token serves the file @lookup returns for it. Such a
 * connection does not own its file; the owner calls
 * fdri_server_detach_file() before closing it. */
typedef struct fdri_file *(*fdri_bind_lookup_fn)(const uint64_t token[2]);
void fdri_server_set_bind_lookup(struct fdri_server *srv, fdri_bind_lookup_fn lookup);

/* Device @index is @dev from now on (a rebind, docs/hotplug.md): HELLOs
 * naming it open files of @dev; connections made before keep theirs. */
void fdri_server_set_device(struct fdri_server *srv, unsigned int index, struct fdri_device *dev);
struct fdri_node_perms;
/* The virtual nodes' owner, group and mode (fdri_node_perm.h), which the
 * server takes over and checks opens and chmod/chown against; without them
 * (CUSE mode) new files are only for the daemon's own user and root. */
void fdri_server_set_perms(struct fdri_server *srv, struct fdri_node_perms *perms);
void fdri_server_detach_file(struct fdri_server *srv, struct fdri_file *file);
/* @hook(@ctx) is called after the record of a connection (a file's, with
 * or without a DRM file) is freed, from the loop; it must not free @srv.
 * For the daemon to free a device a rebind replaced (docs/hotplug.md). */
void fdri_server_set_release_hook(struct fdri_server *srv, void (*hook)(void *ctx), void *ctx);
/* Does a connection still refer to @dev (with or without a DRM file)?
 * O(connections). */
bool fdri_server_device_used(const struct fdri_server *srv, const struct fdri_device *dev);

/*
 * Runs the loop until event_base_loopbreak(). After serving a message the
 * loop keeps polling, without sleeping, for up to @spin_ns: a client's next
 * request in a burst is then served without the cost of waking the daemon
 * (on a 2-CPU VM a cross-CPU wake-up costs ~40 us, a polled round trip
 * ~3 us). 0 disables it.
 */
int fdri_server_run(struct event_base *base, long spin_ns);

/**
 * fdri_server_accept() - accept4() of a connection on @listen_fd (any of
 * the daemon's listening sockets), non-blocking and close-on-exec.
 * @srv: the server whose spare fd is used, or NULL.
 * @listen_fd: the listening socket.
 *
 * Out of file descriptors (EMFILE, ENFILE) the pending connection is taken
 * with the server's spare fd and closed, so a level-triggered listener
 * does not fire again for it: the client sees its connection closed.
 *
 * Return: the connection, or -1 with errno (EMFILE after such a drop).
 */
int fdri_server_accept(struct fdri_server *srv, int listen_fd);

/**
 * fdri_server_sock_is_senders() - is @fd, received from @sender, an
 * AF_UNIX SOCK_SEQPACKET socket whose peer is @sender's process (a
 * socketpair end of its own, not a connection to us or to anyone else)?
 * A channel, or a uevent socket, must be: the daemon answers on it with its
 * own credentials.
 */
bool fdri_server_sock_is_senders(int fd, const struct ucred *sender);

/**
 * fdri_server_charge_peer() - the process (tgid @pid) that made a new
 * connection, charged one channel of its quota in @clients: its main-socket
 * connections, channels and hotplug connections count together.
 * @what: the connection's name in the warning logged when the quota is full.
 *
 * Return: a reference to the client, to be uncharged and released with
 * fdri_client_put() when the connection goes; NULL when refused (quota
 * full, logged; or out of memory): the caller closes the connection.
 */
struct fdri_client *fdri_server_charge_peer(struct fdri_clients *clients, pid_t pid,
					    const char *what);

/* Writes the connections and channels, with their requests' states, to
 * @out: for debugging leaks (the wire fuzzer prints it on a failure). */
void fdri_server_dump(struct fdri_server *srv, FILE *out);
/* How many client sockets (connections and channels) the server holds. */
unsigned int fdri_server_sockets(const struct fdri_server *srv);

#endif
