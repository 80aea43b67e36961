/*
 * shim_fdtab.c - the process's table of fds the shim manages.
 *
 * Owns: an array indexed by fd number. Each entry holds a kind and, for
 * device and dma-buf fds, one reference on the shared object. The kind is
 * read without locking on every intercepted call (the fast path for fds
 * that are not ours); objects are only taken under the lock. The array is a
 * struct shim_fdarr (shim.h), whose grow function lives here: grown by
 * copying, old arrays never freed, so lock-free readers never touch freed
 * memory, and read length first, so never past an array's end.
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
static struct shim_fdarr tab = SHIM_FDARR_INIT(struct entry);

/**
 * shim_fdarr_grow() - make @a reach @fd.
 * @a: the array; the caller holds the lock that serialises its writers
 * @fd: a non-negative fd number
 *
 * Doubles the length from 64 until it exceeds @fd, copies the entries into
 * the new, zeroed array and keeps the old one (lock-free readers may still
 * hold it).
 *
 * Return: 0, or -1 if the memory could not be allocated (the array is
 * unchanged).
 */
int shim_fdarr_grow(struct shim_fdarr *a, int fd)
{
	int len = atomic_load(&a->len), nlen = len ? len : 64;
	void *old = atomic_load(&a->arr), *n;

	if (fd < len)
		return 0;
	while (nlen <= fd)
		nlen *= 2;
	n = calloc((size_t)nlen, a->esize);
	if (!n)
		return -1;
	if (len) {
		memcpy(n, old, (size_t)len * a->esize);
		if (a->nretired < (int)(sizeof(a->retired) / sizeof(a->retired[0])))
			a->retired[a->nretired++] = old;
	}
	atomic_store_explicit(&a->arr, n, memory_order_release);
	atomic_store_explicit(&a->len, nlen, memory_order_release);
	return 0;
}

int shim_fd_kind(int fd)
{
	struct entry *e = shim_fdarr_at(&tab, fd);

	return e ? atomic_load_explicit(&e->kind, memory_order_relaxed) : SHIM_FD_UNKNOWN;
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
	struct entry *e;

	pthread_mutex_lock(&tab_lock);
	e = shim_fdarr_at(&tab, fd);
	if (e && e->kind == kind)
		obj = obj_get(kind, e->obj);
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
	struct entry *e;

	pthread_mutex_lock(&tab_lock);
	e = shim_fdarr_at(&tab, fd);
	if (e && e->kind == SHIM_FD_FENCE)
		v = e->obj;
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
	if (shim_fdarr_grow(&tab, fd) == 0) {
		struct entry *e = shim_fdarr_at(&tab, fd);

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

/* this table's entry only */
static void entry_clear(int fd)
{
	if (shim_fd_kind(fd) != SHIM_FD_UNKNOWN)
		shim_fd_set(fd, SHIM_FD_UNKNOWN, NULL);
}

void shim_fd_clear(int fd)
{
	shim_udev_fd_clear(fd);
	shim_uevent_close(fd);
	entry_clear(fd);
}

void shim_fd_clear_range(unsigned int first, unsigned int last)
{
	int len = shim_fdarr_len(&tab);

	shim_udev_fd_clear_range(first, last);
	shim_uevent_close_range(first, last);
	for (unsigned int fd = first; fd <= last && fd < (unsigned int)len; fd++)
		entry_clear((int)fd);
}

void shim_fd_dup(int oldfd, int newfd)
{
	int kind = shim_fd_kind(oldfd);
	void *obj = NULL;

	if (kind == SHIM_FD_DEVICE || kind == SHIM_FD_DMABUF)
		obj = fd_take(oldfd, kind);
	if (kind == SHIM_FD_FENCE)
		/* no object to share: the pointer (NULL too) is the fence fd's kind */
		shim_fd_set(newfd, kind, shim_fd_fence_kind(oldfd));
	else if (obj)
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
