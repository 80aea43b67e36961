/*
 * shim_fdtab.c - the process's table of fds the shim manages.
 *
 * Owns: an array indexed by fd number. Each entry holds a kind and, for
 * device and dma-buf fds, one reference on the shared object. The kind is
 * read without locking on every intercepted call (the fast path for fds
 * that are not ours); objects are only taken under the lock. Arrays are
 * grown by copying and old ones are never freed, so lock-free readers never
 * touch freed memory.
 */
#include "shim.h"
#include "shim_uevent.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	_Atomic uint8_t kind;
	void *obj;
};

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *_Atomic tab;
static atomic_int tab_len;
/* Outgrown arrays, kept reachable on purpose (LeakSanitizer): sizes double
 * from 64, so an int fd needs at most 26 growths. */
static struct entry *retired[32];
static int nretired;

int shim_fd_kind(int fd)
{
	struct entry *t = atomic_load_explicit(&tab, memory_order_acquire);

	if (fd < 0 || fd >= atomic_load_explicit(&tab_len, memory_order_acquire) || !t)
		return SHIM_FD_UNKNOWN;
	return atomic_load_explicit(&t[fd].kind, memory_order_relaxed);
}

static int tab_grow(int fd)
{
	int len = atomic_load(&tab_len), nlen = len ? len : 64;
	struct entry *n;

	if (fd < len)
		return 0;
	while (nlen <= fd)
		nlen *= 2;
	n = calloc((size_t)nlen, sizeof(*n));
	if (!n)
		return -1;
	if (len) {
		memcpy(n, atomic_load(&tab), (size_t)len * sizeof(*n));
		if (nretired < (int)(sizeof(retired) / sizeof(retired[0])))
			retired[nretired++] = atomic_load(&tab);
	}
	atomic_store_explicit(&tab, n, memory_order_release);
	atomic_store_explicit(&tab_len, nlen, memory_order_release);
	return 0;
}

static void obj_put(int kind, void *obj)
{
	if (kind == SHIM_FD_DEVICE)
		shim_dev_put(obj);
	else if (kind == SHIM_FD_DMABUF)
		shim_dmabuf_put(obj);
}

static void *obj_get(int kind, void *obj)
{
	if (kind == SHIM_FD_DEVICE)
		atomic_fetch_add(&((struct shim_dev *)obj)->refs, 1);
	else if (kind == SHIM_FD_DMABUF)
		atomic_fetch_add(&((struct shim_dmabuf *)obj)->refs, 1);
	return obj;
}

static void *fd_take(int fd, int kind)
{
	void *obj = NULL;

	pthread_mutex_lock(&tab_lock);
	if (fd >= 0 && fd < atomic_load(&tab_len) && atomic_load(&tab)[fd].kind == kind)
		obj = obj_get(kind, atomic_load(&tab)[fd].obj);
	pthread_mutex_unlock(&tab_lock);
	return obj;
}

struct shim_dev *shim_fd_dev(int fd)
{
	return fd_take(fd, SHIM_FD_DEVICE);
}

struct shim_dmabuf *shim_fd_dmabuf(int fd)
{
	return fd_take(fd, SHIM_FD_DMABUF);
}

void *shim_fd_fence_kind(int fd)
{
	void *v = NULL;

	pthread_mutex_lock(&tab_lock);
	if (fd >= 0 && fd < atomic_load(&tab_len) && atomic_load(&tab)[fd].kind == SHIM_FD_FENCE)
		v = atomic_load(&tab)[fd].obj;
	pthread_mutex_unlock(&tab_lock);
	return v;
}

void shim_fd_set(int fd, int kind, void *obj)
{
	int oldkind = SHIM_FD_UNKNOWN;
	void *old = NULL;

	if (fd < 0)
		return;
	pthread_mutex_lock(&tab_lock);
	if (tab_grow(fd) == 0) {
		struct entry *e = &atomic_load(&tab)[fd];

		oldkind = e->kind;
		old = e->obj;
		e->obj = obj;
		atomic_store(&e->kind, (uint8_t)kind);
		obj = NULL;
	}
	pthread_mutex_unlock(&tab_lock);
	obj_put(oldkind, old);
	obj_put(kind, obj); /* only if the table could not grow */
}

void shim_fd_clear(int fd)
{
	shim_udev_fd_clear(fd);
	if (shim_fd_kind(fd) != SHIM_FD_UNKNOWN)
		shim_fd_set(fd, SHIM_FD_UNKNOWN, NULL);
}

void shim_fd_clear_range(unsigned int first, unsigned int last)
{
	int len = atomic_load(&tab_len);

	shim_udev_fd_clear_range(first, last);
	for (unsigned int fd = first; fd <= last && fd < (unsigned int)len; fd++)
		shim_fd_clear((int)fd);
}

void shim_fd_dup(int oldfd, int newfd)
{
	int kind = shim_fd_kind(oldfd);
	void *obj = NULL;

	if (kind == SHIM_FD_FENCE) {
		/* no object to share: the pointer is the fence fd's kind */
		shim_fd_set(newfd, kind, shim_fd_fence_kind(oldfd));
		shim_udev_fd_dup(oldfd, newfd);
		shim_uevent_fd_dup(oldfd, newfd);
		return;
	}
	if (kind == SHIM_FD_DEVICE || kind == SHIM_FD_DMABUF)
		obj = fd_take(oldfd, kind);
	if (obj)
		shim_fd_set(newfd, kind, obj);
	else
		shim_fd_clear(newfd);
	shim_udev_fd_dup(oldfd, newfd); /* after the clear, which drops it */
	shim_uevent_fd_dup(oldfd, newfd);
}

void shim_fdtab_atfork_prepare(void)
{
	pthread_mutex_lock(&tab_lock);
}

void shim_fdtab_atfork_parent(void)
{
	pthread_mutex_unlock(&tab_lock);
}

void shim_fdtab_atfork_child(void)
{
	pthread_mutex_init(&tab_lock, NULL);
}
