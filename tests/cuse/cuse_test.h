/*
 * cuse_test.h - the tiny harness shared by the CUSE test programs in this
 * directory (tests/cuse/). Header-only, libc + <drm.h> only, so the test
 * programs can be linked with `gcc -static` and run on a machine (the VM)
 * that has nothing but the kernel, busybox and the fakedri binaries.
 *
 * Owns: PASS/FAIL/SKIP lines (one per check, "N passed, M failed" at the
 * end), an ioctl wrapper that restarts on EINTR as libdrm's drmIoctl() does,
 * fd passing over SCM_RIGHTS, and the byte pattern the exporter writes.
 */
#ifndef CUSE_TEST_H
#define CUSE_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <drm.h>

#define CT_UNUSED __attribute__((unused))
static int ct_passed CT_UNUSED, ct_failed CT_UNUSED, ct_skipped CT_UNUSED;

CT_UNUSED static void ct_vresult(const char *tag, const char *name, const char *fmt, va_list ap)
{
	printf("%s %s", tag, name);
	if (fmt && *fmt) {
		printf(": ");
		vprintf(fmt, ap);
	}
	printf("\n");
	fflush(stdout);
}

__attribute__((format(printf, 3, 4)))
CT_UNUSED static int ct_check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_vresult(ok ? "PASS" : "FAIL", name, fmt, ap);
	va_end(ap);
	if (ok)
		ct_passed++;
	else
		ct_failed++;
	return ok;
}

__attribute__((format(printf, 2, 3)))
CT_UNUSED static void ct_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_vresult("SKIP", name, fmt, ap);
	va_end(ap);
	ct_skipped++;
}

/* prints the summary line; the exit status for main() */
CT_UNUSED static int ct_summary(const char *prog)
{
	printf("%s: %d passed, %d failed", prog, ct_passed, ct_failed);
	if (ct_skipped)
		printf(" (%d skipped)", ct_skipped);
	printf("\n");
	fflush(stdout);
	return ct_failed ? 1 : 0;
}

/* ioctl, restarted on EINTR/EAGAIN as drmIoctl() does; -1 and errno */
CT_UNUSED static int ct_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r;
}

/* "ret/errno" of the last call, for messages */
#define CT_ERR(r) (r), (r) < 0 ? strerror(errno) : "ok"

/* one fd plus a 64-bit payload; fd < 0 sends the payload alone */
CT_UNUSED static int ct_send_fd(int sock, int fd, uint64_t payload)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { &payload, sizeof(payload) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&u, 0, sizeof(u));
	if (fd >= 0) {
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		u.h.cmsg_level = SOL_SOCKET;
		u.h.cmsg_type = SCM_RIGHTS;
		u.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&u.h), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)sizeof(payload) ? 0 : -1;
}

/* returns the fd (-1 if none came) and the payload; -2 on EOF/error */
CT_UNUSED static int ct_recv_fd(int sock, uint64_t *payload)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { payload, sizeof(*payload) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*payload))
		return -2;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* the pattern cuse_exporter writes into the buffer it exports */
static inline uint32_t ct_pattern(size_t word, uint32_t seed)
{
	uint32_t x = (uint32_t)word * 2654435761u ^ seed;

	return x ^ (x >> 13);
}

static inline void ct_fill(void *p, size_t len, uint32_t seed)
{
	uint32_t *w = p;

	for (size_t i = 0; i < len / 4; i++)
		w[i] = ct_pattern(i, seed);
}

static inline int ct_verify(const void *p, size_t len, uint32_t seed)
{
	const uint32_t *w = p;

	for (size_t i = 0; i < len / 4; i++)
		if (w[i] != ct_pattern(i, seed))
			return 0;
	return 1;
}

/* the exporter's protocol: payload = size | (uint64_t)status << 48 where
 * status 0 = an fd follows; otherwise no fd and an errno-like reason */
#define CT_EXPORT_SEED 0x5eed0c05u
#define CT_EXPORT_PAYLOAD(size, status) ((uint64_t)(size) | ((uint64_t)(status) << 48))
#define CT_EXPORT_SIZE(p) ((p) & ((1ull << 48) - 1))
#define CT_EXPORT_STATUS(p) ((int)((p) >> 48))

#endif
