/* tests/conformance/conf_util.c - transcript, normalisation and step helpers */
#include "conf.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

const char *conf_card = "/dev/dri/card0";
const char *conf_render = "/dev/dri/renderD128";
FILE *conf_out;
const char *conf_case = "?";

#define NSLOT 256
static long fds[NSLOT];
static int nfds;
static uint64_t offs[NSLOT];
static int noffs;
static ino_t inos[NSLOT];
static int ninos;
static uint32_t magics[NSLOT];
static int nmagics;

void conf_reset(void)
{
	nfds = noffs = ninos = nmagics = 0;
}

static char ring[32][512];
static int ringpos;

static char *rbuf(void)
{
	ringpos = (ringpos + 1) % 32;
	return ring[ringpos];
}

const char *sfmt(const char *fmt, ...)
{
	char *b = rbuf();
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, 512, fmt, ap);
	va_end(ap);
	return b;
}

const char *nfd(long fd)
{
	if (fd < 0)
		return sfmt("%ld", fd);
	for (int i = 0; i < nfds; i++)
		if (fds[i] == fd)
			return sfmt("F%d", i + 1);
	if (nfds == NSLOT)
		return "F?";
	fds[nfds++] = fd;
	return sfmt("F%d", nfds);
}

/* an fd number was closed: a later fd with that number is a new F */
static void forget_fd(long fd)
{
	for (int i = 0; i < nfds; i++)
		if (fds[i] == fd)
			fds[i] = -1000 - i;
}

const char *noff(uint64_t off)
{
	if (off == 0)
		return "0";
	for (int i = 0; i < noffs; i++)
		if (offs[i] == off)
			return sfmt("O%d", i + 1);
	if (noffs == NSLOT)
		return "O?";
	offs[noffs++] = off;
	return sfmt("O%d", noffs);
}

const char *nino_fd(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return sfmt("fstat:%s", errname(errno));
	for (int i = 0; i < ninos; i++)
		if (inos[i] == st.st_ino)
			return sfmt("I%d", i + 1);
	if (ninos == NSLOT)
		return "I?";
	inos[ninos++] = st.st_ino;
	return sfmt("I%d", ninos);
}

const char *nmagic(uint32_t m)
{
	if (m == 0)
		return "0";
	for (int i = 0; i < nmagics; i++)
		if (magics[i] == m)
			return sfmt("M%d", i + 1);
	if (nmagics == NSLOT)
		return "M?";
	magics[nmagics++] = m;
	return sfmt("M%d", nmagics);
}

const char *npid(long pid)
{
	if (pid == gettid())
		return "tid";
	if (pid == getpid())
		return "pid";
	return pid > 0 ? "other" : sfmt("%ld", pid);
}

const char *errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EOVERFLOW: return "EOVERFLOW";
	default: return sfmt("E%d", e);
	}
}

const char *rs(long r, int e)
{
	if (r < 0)
		return sfmt("%ld %s", r, errname(e));
	return sfmt("%ld", r);
}

const char *rfd(long r, int e)
{
	if (r < 0)
		return sfmt("%ld %s", r, errname(e));
	return nfd(r);
}

const char *hexbuf(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	char *b = rbuf();
	size_t n = len;
	while (n > 0 && p[n - 1] == 0)
		n--;
	if (n == 0)
		return "zero";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < 512; i++)
		o += snprintf(b + o, 512 - o, "%02x", p[i]);
	if (n < len && o + 8 < 512)
		snprintf(b + o, 512 - o, "+%zu*00", len - n);
	return b;
}

void logline(const char *step, const char *res, const char *fmt, ...)
{
	char fields[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fields, sizeof(fields), fmt, ap);
	va_end(ap);
	fprintf(conf_out, "%s | %s | %s", conf_case, step, res);
	if (fields[0])
		fprintf(conf_out, " | %s", fields);
	fputc('\n', conf_out);
}

int open_node(const char *step, const char *path, int flags)
{
	errno = 0;
	int fd = open(path, flags);
	logline(step, rfd(fd, errno), "%s", "");
	return fd;
}

int card(void)
{
	return open_node("open card", conf_card, O_RDWR | O_CLOEXEC);
}

int render(void)
{
	return open_node("open render", conf_render, O_RDWR | O_CLOEXEC);
}

void cls(const char *step, int fd)
{
	errno = 0;
	int r = close(fd);
	logline(step, rs(r, errno), "%s", "");
	forget_fd(fd);
}

uint32_t dumb(int fd, uint32_t w, uint32_t h, uint32_t bpp)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = bpp };
	IOC(sfmt("CREATE_DUMB %ux%ux%u", w, h, bpp), fd,
	    DRM_IOCTL_MODE_CREATE_DUMB, &c, "handle=%u pitch=%u size=%llu",
	    c.handle, c.pitch, (unsigned long long)c.size);
	return c.handle;
}

uint32_t dumb4k(int fd)
{
	return dumb(fd, 1024, 1, 32);
}

uint64_t mapdumb(int fd, uint32_t handle)
{
	struct drm_mode_map_dumb m = { .handle = handle };
	IOC(sfmt("MAP_DUMB %u", handle), fd, DRM_IOCTL_MODE_MAP_DUMB, &m,
	    "offset=%s", noff(m.offset));
	return m.offset;
}

int gclose(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };
	errno = 0;
	int r = ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
	logline(sfmt("GEM_CLOSE %u", handle), rs(r, errno), "%s", "");
	return r;
}

uint32_t flink(int fd, uint32_t handle)
{
	struct drm_gem_flink f = { .handle = handle };
	IOC(sfmt("GEM_FLINK %u", handle), fd, DRM_IOCTL_GEM_FLINK, &f,
	    "name=%u", f.name);
	return f.name;
}

uint32_t gopen(int fd, uint32_t name)
{
	struct drm_gem_open o = { .name = name };
	IOC(sfmt("GEM_OPEN %u", name), fd, DRM_IOCTL_GEM_OPEN, &o,
	    "handle=%u size=%llu", o.handle, (unsigned long long)o.size);
	return o.handle;
}

int exp_fd(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_prime_handle p = { .handle = handle, .flags = flags, .fd = -1 };
	errno = 0;
	int r = ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	int e = r < 0 ? errno : 0;
	if (r == 0)
		logline(sfmt("HANDLE_TO_FD %u flags=0x%x", handle, flags), rs(r, e),
			"fd=%s ino=%s", nfd(p.fd), nino_fd(p.fd));
	else
		logline(sfmt("HANDLE_TO_FD %u flags=0x%x", handle, flags), rs(r, e),
			"fd=%d", p.fd);
	return r == 0 ? p.fd : -1;
}

uint32_t imp(int fd, int dmafd)
{
	struct drm_prime_handle p = { .fd = dmafd };
	IOC(sfmt("FD_TO_HANDLE %s", dmafd >= 0 ? nfd(dmafd) : sfmt("%d", dmafd)),
	    fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p, "handle=%u", p.handle);
	return p.handle;
}

void *mm(const char *step, int fd, size_t len, int prot, int flags, uint64_t off)
{
	errno = 0;
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	logline(step, p == MAP_FAILED ? sfmt("MAP_FAILED %s", errname(errno)) : "mapped",
		"%s", "");
	return p == MAP_FAILED ? NULL : p;
}

void unmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

uint32_t get_magic(int fd)
{
	struct drm_auth a = { .magic = 0xdeadbeef };
	IOC("GET_MAGIC", fd, DRM_IOCTL_GET_MAGIC, &a, "magic=%s",
	    a.magic == 0xdeadbeef ? "unchanged" : nmagic(a.magic));
	return a.magic;
}

int auth_magic(int fd, uint32_t magic)
{
	struct drm_auth a = { .magic = magic };
	errno = 0;
	int r = ioctl(fd, DRM_IOCTL_AUTH_MAGIC, &a);
	logline(sfmt("AUTH_MAGIC %s", nmagic(magic)), rs(r, errno), "%s", "");
	return r;
}

int set_master(int fd)
{
	errno = 0;
	int r = ioctl(fd, DRM_IOCTL_SET_MASTER, 0);
	logline("SET_MASTER", rs(r, errno), "%s", "");
	return r;
}

int drop_master(int fd)
{
	errno = 0;
	int r = ioctl(fd, DRM_IOCTL_DROP_MASTER, 0);
	logline("DROP_MASTER", rs(r, errno), "%s", "");
	return r;
}

void run_child(void (*fn)(void *), void *arg)
{
	fflush(conf_out);
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		fflush(conf_out);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	logline("child", WIFEXITED(st) ? sfmt("exit %d", WEXITSTATUS(st))
				       : sfmt("signal %d", WTERMSIG(st)), "%s", "");
}
