/*
 * test_cuse_other_user.c - a user other than the daemon's, with the shim:
 * it may use a CUSE node the permissions let it open (render, given 0666
 * by scripts/vm/test-cuse-guest.sh), and
 * the shim's binding over the daemon socket works for it too (the token
 * proves its access), so PRIME export gives a real dma-buf; it may not open
 * a node the permissions deny (primary, 0660 root), nor get a file of its
 * own from the daemon socket without a token. Run as root in the VM; it
 * drops to uid/gid 65534 first. Owns only its own fds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xf86drm.h>

#include "cuse_test.h"
#include "fakedri_drm.h"
#include "fdri_wire.h"

/* A HELLO without a token, by hand: a new DRM file over the socket. */
static int hello_without_token(const char *sock)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct fdri_wire_hello hello = { .hdr = { FDRI_MSG_HELLO, sizeof(hello) },
					 .version = FDRI_WIRE_VERSION, .node = 2,
					 .open_flags = O_RDWR };
	int32_t reply[8] = { 0 };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), sv[2];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &hello, sizeof(hello) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &sv[1], sizeof(int));
	if (sendmsg(s, &m, 0) < 0)
		return -errno;
	close(sv[1]);
	if (recv(sv[0], reply, sizeof(reply), 0) < 12)
		return -EPROTO;
	close(sv[0]);
	close(s);
	return reply[2]; /* fdri_wire_reply.ret */
}

int main(int argc, char **argv)
{
	const char *render = argc > 1 ? argv[1] : "/dev/dri/renderD129";
	const char *card = argc > 2 ? argv[2] : "/dev/dri/card1";
	const char *sock = getenv("FAKEDRI_SOCKET");
	struct drm_fakedri_gem_create c = { .size = 4096 };
	int fd, buf = -1, r;
	void *p;

	ct_check(setgid(65534) == 0 && setuid(65534) == 0, "drop to uid 65534", "%s", strerror(errno));
	fd = open(card, O_RDWR | O_CLOEXEC);
	ct_check(fd < 0 && errno == EACCES, "the 0660 primary node is denied", "fd %d errno %d", fd, errno);
	fd = open(render, O_RDWR | O_CLOEXEC);
	ct_check(fd >= 0, "the 0666 render node opens", "errno %d", errno);
	ct_check(ct_ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c) == 0, "GEM_CREATE on it", "errno %d", errno);
	r = drmPrimeHandleToFD(fd, c.handle, DRM_CLOEXEC | DRM_RDWR, &buf);
	ct_check(r == 0 && buf >= 0, "PRIME export through the shim's binding", "r %d errno %d", r, errno);
	p = buf >= 0 ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0) : MAP_FAILED;
	ct_check(p != MAP_FAILED, "the dma-buf maps", "errno %d", errno);
	r = sock ? hello_without_token(sock) : -ENOENT;
	ct_check(r == -EACCES, "no file of its own without a token", "ret %d", r);
	return ct_summary("test_cuse_other_user");
}
