/*
 * tests/conformance/conf.h - helpers of the differential conformance suite.
 *
 * Every step of a case prints one transcript line
 *     <case> | <step> | <result> [| <fields>]
 * with opaque values normalised per case: fds -> F1.., mmap offsets ->
 * O1.., dma-buf inodes -> I1.., magics -> M1.. (numbers by first
 * appearance).  Handles and flink names are printed as they are: the
 * kernel allocates both deterministically (lowest free id >= 1).
 */
#ifndef CONF_H
#define CONF_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

extern const char *conf_card;   /* primary node path */
extern const char *conf_render; /* render node path */
extern FILE *conf_out;
extern const char *conf_case;

/* normalisers: return a string valid for a while (ring of buffers) */
const char *nfd(long fd);
const char *noff(uint64_t off);
const char *nino_fd(int fd);
const char *nmagic(uint32_t magic);
const char *npid(long pid);
const char *errname(int e);
const char *rs(long r, int e);   /* "0" / "-1 EINVAL" */
const char *rfd(long r, int e);  /* "F1" / "-1 EBADF" */
const char *sfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *hexbuf(const void *buf, size_t len);

void logline(const char *step, const char *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void conf_reset(void);

/* ioctl + one line: fields (printf format) are evaluated after the call */
#define IOC(step, fd, cmd, arg, ...)                                         \
	do {                                                                 \
		errno = 0;                                                   \
		long r_ = ioctl((fd), (cmd), (arg));                         \
		int e_ = r_ < 0 ? errno : 0;                                 \
		logline((step), rs(r_, e_), __VA_ARGS__);                    \
	} while (0)

/* common sequences; each logs its step(s) */
int open_node(const char *step, const char *path, int flags);
int card(void);            /* open primary O_RDWR|O_CLOEXEC */
int render(void);          /* open render O_RDWR|O_CLOEXEC */
void cls(const char *step, int fd);
uint32_t dumb(int fd, uint32_t w, uint32_t h, uint32_t bpp);
uint32_t dumb4k(int fd);   /* 1024x1x32: one page */
uint64_t mapdumb(int fd, uint32_t handle);
int gclose(int fd, uint32_t handle);
uint32_t flink(int fd, uint32_t handle);
uint32_t gopen(int fd, uint32_t name);
int exp_fd(int fd, uint32_t handle, uint32_t flags);
uint32_t imp(int fd, int dmafd);
void *mm(const char *step, int fd, size_t len, int prot, int flags, uint64_t off);
void unmap(void *p, size_t len);
uint32_t get_magic(int fd);
int auth_magic(int fd, uint32_t magic);
int set_master(int fd);
int drop_master(int fd);
void run_child(void (*fn)(void *), void *arg); /* fork, run, wait, log status */

#endif
