/* fdri_msg.c - see fdri_msg.h. */
#define _GNU_SOURCE
#include "fdri_msg.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The shim, which interposes recvmsg() to notice the fds a client
 * receives, receives its own messages with the real one. */
#ifdef FDRI_MSG_RECVMSG
ssize_t FDRI_MSG_RECVMSG(int fd, struct msghdr *m, int flags);
#else
#define FDRI_MSG_RECVMSG recvmsg
#endif

ssize_t fdri_msg_send(int sock, const void *buf, size_t len, int sendfd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (sendfd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.b;
		m.msg_controllen = sizeof(c.b);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &sendfd, sizeof(int));
	}
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t fdri_msg_recv(int sock, void *buf, size_t cap, int *recvfd, struct ucred *cred)
{
	return fdri_msg_recv_flags(sock, buf, cap, recvfd, cred, 0);
}

ssize_t fdri_msg_recv_flags(int sock, void *buf, size_t cap, int *recvfd, struct ucred *cred,
			    int flags)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4) + CMSG_SPACE(sizeof(struct ucred))];
	} c;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	ssize_t n;

	*recvfd = -1;
	do
		n = FDRI_MSG_RECVMSG(sock, &m, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET)
			continue;
		if (h->cmsg_type == SCM_RIGHTS) {
			size_t nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[4];

			memcpy(fds, CMSG_DATA(h), nfds * sizeof(int));
			for (size_t i = 0; i < nfds; i++) {
				if (*recvfd < 0)
					*recvfd = fds[i];
				else
					close(fds[i]); /* at most one fd is expected */
			}
		} else if (h->cmsg_type == SCM_CREDENTIALS && cred) {
			memcpy(cred, CMSG_DATA(h), sizeof(*cred));
		}
	}
	if (n == 0) {
		/* EOF, or a message of no bytes (SEQPACKET has those): only
		 * EOF leaves the socket hung up */
		struct pollfd p = { .fd = sock, .events = POLLRDHUP };
		int r;

		if (*recvfd >= 0)
			close(*recvfd);
		*recvfd = -1;
		r = poll(&p, 1, 0);
		if (r == 0 || (r == 1 && !(p.revents & (POLLHUP | POLLRDHUP))))
			return -ENOMSG;
		return 0;
	}
	if (m.msg_flags & MSG_TRUNC) {
		if (*recvfd >= 0)
			close(*recvfd);
		*recvfd = -1;
		return -EMSGSIZE;
	}
	/* an fd was sent, but we had no slot for it (EMFILE): the message
	 * stands, the fd is lost */
	if ((m.msg_flags & MSG_CTRUNC) && *recvfd < 0)
		*recvfd = FDRI_MSG_FD_LOST;
	return n;
}
