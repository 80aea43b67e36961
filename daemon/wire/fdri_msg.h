/*
 * fdri_msg.h - send and receive one SEQPACKET message with at most one fd
 * (SCM_RIGHTS) and the sender's credentials (SCM_CREDENTIALS). Shared by the
 * daemon and the shim. Received fds are owned by the caller and arrive
 * O_CLOEXEC.
 */
#ifndef FDRI_MSG_H
#define FDRI_MSG_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>

struct ucred;

/* Returns bytes sent or -errno. sendfd < 0: no fd. Retries EINTR. */
ssize_t fdri_msg_send(int sock, const void *buf, size_t len, int sendfd);
/* Returns bytes received (0 = EOF) or -errno. *recvfd = -1 if none.
 * cred may be NULL. Retries EINTR. */
ssize_t fdri_msg_recv(int sock, void *buf, size_t cap, int *recvfd, struct ucred *cred);

#endif
