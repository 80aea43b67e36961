/*
 * itest.h - the integration tests' tiny harness, shared by every test
 * program in this directory.
 *
 * Owns: the CHECK macros (print file:line and exit non-zero), the case
 * table and main() (argv[1] names the case to run, so each ctest entry is
 * one behaviour), child processes (fork/exec, waitpid), fd passing over
 * SCM_RIGHTS, and small libdrm/fakedri helpers (dumb BOs, GEM mmap,
 * DEVICE_STATS). Test programs run under `fakedri run`, so every open of a
 * node path goes to that run's private daemon through the shim.
 */
#ifndef ITEST_H
#define ITEST_H

#include <errno.h>
#include <fcntl.h> /* DRM_CLOEXEC, DRM_RDWR */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <xf86drm.h>
#include <drm.h>
#include <drm_mode.h>

#include "fakedri_drm.h"
#include "fdri_sw_sync_abi.h"

/* sw_sync's ABI, by the short names the tests use */
#define sw_create_fence sw_sync_create_fence_data
#define SW_CREATE_FENCE SW_SYNC_IOC_CREATE_FENCE
#define SW_INC SW_SYNC_IOC_INC

/* The node paths; the environment can point them elsewhere, e.g. at CUSE
 * nodes (FAKEDRI_TEST_CARD=/dev/dri/card1 FAKEDRI_TEST_RENDER=/dev/dri/renderD129,
 * see scripts/vm/test-cuse.sh). */
static inline const char *itest_path_env(const char *var, const char *def)
{
	const char *v = getenv(var);

	return v && *v ? v : def;
}

#define ITEST_CARD itest_path_env("FAKEDRI_TEST_CARD", "/dev/dri/card0")
#define ITEST_RENDER itest_path_env("FAKEDRI_TEST_RENDER", "/dev/dri/renderD128")
#define ITEST_ALIAS itest_path_env("FAKEDRI_TEST_ALIAS", "/dev/fakedri")

void itest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			itest_fail(__FILE__, __LINE__, "CHECK(%s) (errno %d: %s)", #cond, \
				   errno, strerror(errno)); \
	} while (0)

#define CHECK_EQ(a, b) \
	do { \
		long long _a = (long long)(a), _b = (long long)(b); \
		if (_a != _b) \
			itest_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %lld != %lld", #a, #b, \
				   _a, _b); \
	} while (0)

#define CHECK_STR(a, b) \
	do { \
		const char *_a = (a), *_b = (b); \
		if (!_a || !_b || strcmp(_a, _b)) \
			itest_fail(__FILE__, __LINE__, "CHECK_STR(%s, %s): \"%s\" != \"%s\"", #a, \
				   #b, _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)

/* expr must return -1 (or MAP_FAILED for CHECK_MMAP_ERR) with errno == err */
#define CHECK_ERR(expr, err) \
	do { \
		long long _r; \
		errno = 0; \
		_r = (long long)(expr); \
		if (_r != -1 || errno != (err)) \
			itest_fail(__FILE__, __LINE__, "%s: want -1/%s, got %lld/errno %d (%s)", \
				   #expr, #err, _r, errno, strerror(errno)); \
	} while (0)

#define CHECK_MMAP_ERR(expr, err) \
	do { \
		void *_p; \
		errno = 0; \
		_p = (expr); \
		if (_p != MAP_FAILED || errno != (err)) \
			itest_fail(__FILE__, __LINE__, "%s: want MAP_FAILED/%s, got %p/errno %d (%s)", \
				   #expr, #err, _p, errno, strerror(errno)); \
	} while (0)

/* --- cases: argv[1] picks one; itest_argv keeps the rest for exec'd images --- */
struct itest_case {
	const char *name;
	void (*run)(void);
};

extern int itest_argc;
extern char **itest_argv;
int itest_main(int argc, char **argv, const struct itest_case *cases);

/* --- processes --- */
/* Forks a child that runs fn(arg) and exits 0 (a failed CHECK exits 1). */
pid_t itest_fork(void (*fn)(void *), void *arg);
/* Waits for pid and CHECKs that it exited with status 0. */
void itest_wait_ok(pid_t pid);
/* Waits for pid and returns its raw wait status. */
int itest_wait(pid_t pid);
/* Re-executes this test program with argv[1] = @case_name and @arg. */
void itest_exec_self(const char *case_name, const char *arg) __attribute__((noreturn));

/* --- messages over pipes and sockets (full reads and writes) --- */
void itest_write(int fd, const void *buf, size_t len);
void itest_read(int fd, void *buf, size_t len);
/* One fd in SCM_RIGHTS plus a 64-bit payload. */
void itest_send_fd(int sock, int fd, uint64_t payload);
int itest_recv_fd(int sock, uint64_t *payload);

/* --- DRM helpers; all CHECK their results --- */
int itest_open(const char *path);
uint32_t itest_dumb_create(int fd, uint32_t width, uint32_t height, uint64_t *size);
void *itest_dumb_map(int fd, uint32_t handle, uint64_t size);
uint32_t itest_gem_create(int fd, uint64_t size);
/* maps any handle (render nodes and imports too) via FAKEDRI_GEM_MMAP_OFFSET */
void *itest_gem_map(int fd, uint32_t handle, uint64_t size);
uint64_t itest_gem_offset(int fd, uint32_t handle);
void itest_gem_close(int fd, uint32_t handle);
void itest_gem_info(int fd, uint32_t handle, struct drm_fakedri_gem_info *info);
void itest_stats(int fd, struct drm_fakedri_device_stats *st);
/* From a fresh card0 fd: this fd is the only file, no objects, no dma-bufs.
 * Counts that depend on a close (an EOF the daemon must see) are only
 * reliable from a fresh fd: the daemon learns of a release asynchronously,
 * and a request on an fd connected earlier can be served before an EOF
 * that happened first; a new connection's requests cannot. */
void itest_check_device_clean(void);
/* The same from a fresh fd of @path, a node of a fakedri device. */
void itest_check_node_clean(const char *path);

/* a position-dependent byte pattern */
void itest_fill(void *p, size_t len, uint32_t seed);
bool itest_verify(const void *p, size_t len, uint32_t seed);

#endif
