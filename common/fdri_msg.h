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
/* Returns bytes received (0 = EOF) or -errno (-EMSGSIZE: the message was
 * longer than cap and is dropped; -ENOMSG: it had no bytes, and any fd it
 * carried was closed). *recvfd = -1 if none, FDRI_MSG_FD_LOST
 * if one was sent but could not be received (the receiver is out of fds).
 * cred may be NULL. Retries EINTR. */
#define FDRI_MSG_FD_LOST (-2)
/* The same with recvmsg() @flags (e.g. MSG_DONTWAIT: -EAGAIN if none). */
ssize_t fdri_msg_recv_flags(int sock, void *buf, size_t cap, int *recvfd, struct ucred *cred,
			    int flags);
ssize_t fdri_msg_recv(int sock, void *buf, size_t cap, int *recvfd, struct ucred *cred);

#endif
