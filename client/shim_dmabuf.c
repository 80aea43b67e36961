/*
 * shim_dmabuf.c - dma-buf semantics for the memfds the daemon hands out
 * as PRIME fds (drivers/dma-buf/dma-buf.c of Linux 6.1): bounded mmap,
 * restricted lseek, and the 'b' ioctls. The data is the memfd's; this file
 * owns only per-dma-buf metadata (size, name), shared by dups.
 */
#define _GNU_SOURCE
#include "shim.h"
#include "fdri_memfd.h"
#include "fdri_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct shim_dmabuf *shim_dmabuf_new(uint64_t size)
{
	struct shim_dmabuf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->size = size;
	b->proxy = -1;
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

void shim_dmabuf_put(struct shim_dmabuf *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
		if (b->proxy >= 0)
			shim_real_close(b->proxy);
		pthread_mutex_destroy(&b->lock);
		free(b);
	}
}

/* A memfd named like fakedri's buffers, e.g. inherited over exec or
 * received over a socket, becomes a managed dma-buf if it is sealed as the
 * daemon seals its own (fdri_host.c): against shrinking, growing and new
 * seals, and not against writes. A name alone can be forged. */
struct shim_dmabuf *shim_dmabuf_adopt(int fd)
{
	char path[64], link[128];
	struct shim_dmabuf *b;
	struct stat st;
	ssize_t n;
	int seals;

	if (!shim_cfg.enabled || shim_real_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return NULL;
	link[n] = '\0';
	if (strncmp(link, "/memfd:" FDRI_MEMFD_PREFIX, strlen("/memfd:" FDRI_MEMFD_PREFIX)))
		return NULL;
	seals = shim_real_fcntl(fd, F_GET_SEALS, 0);
	if (!fdri_memfd_seals_ok(seals))
		return NULL;
	b = shim_dmabuf_new((uint64_t)st.st_size);
	if (!b)
		return NULL;
	atomic_fetch_add(&b->refs, 1); /* the table's and the caller's */
	shim_fd_set(fd, SHIM_FD_DMABUF, b);
	return b;
}

static int set_name(struct shim_dmabuf *b, const char *uname)
{
	char name[DMA_BUF_NAME_LEN];
	size_t i;

	/* strndup_user(arg, DMA_BUF_NAME_LEN) */
	for (i = 0; i < sizeof(name); i++) {
		if (shim_copy_from_user(&name[i], uname + i, 1))
			return -EFAULT;
		if (!name[i])
			break;
	}
	if (i == sizeof(name))
		return -EINVAL;
	pthread_mutex_lock(&b->lock);
	memcpy(b->name, name, i + 1);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int shim_dmabuf_ioctl(int fd, struct shim_dmabuf *b, unsigned long req, void *arg)
{
	unsigned int cmd = (unsigned int)req;
	struct dma_buf_sync sync;

	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
	case FIONBIO:
	case FIOASYNC:
		/* the VFS answers these for any file, before dma_buf_ioctl() */
		return shim_real_ioctl(fd, req, arg) < 0 ? -errno : 0;
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		/* the fences are the daemon's (daemon/core/fdri_dmabuf_sync.c) */
		return shim_fence_ioctl(fd, req, arg);
	case DMA_BUF_IOCTL_SYNC: {
		int r = shim_fence_ioctl(fd, req, arg);

		if (r != -ENOTTY)
			return r;
		/* a dma-buf the daemon forgot has no fences: check, don't wait */
		if (shim_copy_from_user(&sync, arg, sizeof(sync)))
			return -EFAULT;
		if (sync.flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK)
			return -EINVAL;
		if (!(sync.flags & DMA_BUF_SYNC_RW))
			return -EINVAL;
		return 0;
	}
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		return set_name(b, arg);
	default:
		return -ENOTTY;
	}
}

int shim_dmabuf_poll_fd(int fd)
{
	struct shim_dmabuf *b = shim_fd_dmabuf(fd);
	struct fdri_poll_proxy_arg a = { .fd = -1 };
	int p;

	if (!b)
		return -1;
	pthread_mutex_lock(&b->lock);
	if (b->proxy < 0 && !b->no_proxy) {
		if (shim_fence_ioctl(fd, FDRI_IOCTL_POLL_PROXY, &a) == 0)
			b->proxy = a.fd;
		else
			b->no_proxy = true;
	}
	p = b->proxy;
	pthread_mutex_unlock(&b->lock);
	shim_dmabuf_put(b);
	return p;
}

off_t shim_dmabuf_lseek(int fd, struct shim_dmabuf *b, off_t off, int whence)
{
	(void)fd;
	/* dma_buf_llseek(): only the size can be asked for */
	if (off != 0 || (whence != SEEK_SET && whence != SEEK_END)) {
		errno = EINVAL;
		return -1;
	}
	return whence == SEEK_END ? (off_t)b->size : 0;
}

void *shim_dmabuf_mmap(int fd, struct shim_dmabuf *b, void *addr, size_t len, int prot,
		       int flags, off_t off)
{
	int type = flags & MAP_TYPE, fl = shim_real_fcntl(fd, F_GETFL, 0);
	uint64_t pages = (len + 4095) / 4096;

	if (!len || (off & 4095)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* do_mmap(): writable shared mappings need a writable file */
	if ((prot & PROT_WRITE) && type != MAP_PRIVATE && fl >= 0 &&
	    (fl & O_ACCMODE) == O_RDONLY) {
		errno = EACCES;
		return MAP_FAILED;
	}
	/* dma_buf_mmap_internal(): the mapping must fit the buffer */
	if ((uint64_t)off / 4096 + pages > b->size / 4096) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* drm_gem_shmem_mmap(): no COW mappings */
	if (type == MAP_PRIVATE) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return shim_real_mmap(addr, len, prot, flags, fd, off);
}
