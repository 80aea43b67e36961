/*
 * shim_uevent.c - NETLINK_KOBJECT_UEVENT sockets and sysfs control files
 * under the shim (docs/hotplug.md).
 *
 * A uevent socket: socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT)
 * returns one end of an AF_UNIX SOCK_SEQPACKET socket pair; the shim keeps
 * the other end until bind(), which hands it to the daemon (the hotplug
 * socket, FDRI_HOTPLUG_SUBSCRIBE) with the groups asked for. The daemon
 * then sends each uevent on it as the netlink payload, so poll(), read()
 * and the socket filter libudev attaches (SO_ATTACH_FILTER runs on AF_UNIX
 * datagrams too, at the same offsets) work on the real socket; recvmsg()
 * adds what the payload lacks: the sender's sockaddr_nl (nl_groups 1 for
 * the kernel's messages, 2 for udevd's) and SCM_CREDENTIALS with uid 0.
 * getsockname() gives the sockaddr_nl the kernel would.
 *
 * A sysfs control file: an open for writing of a `bind` or `unbind` file
 * of the sysroot (by path or through directory fds, as IGT's
 * core_hotunplug opens them) is a real file; each write() to it is sent
 * to the daemon (FDRI_HOTPLUG_SYSFS_WRITE), which binds or unbinds, and
 * returns what the kernel's store() would.
 *
 * Objects and lifetimes: a table indexed by fd (a struct shim_fdarr,
 * shim.h, grown to any fd number) holds the kind, the dev/ino the fd had when entered (checked with
 * one fstat() on use, so an fd closed behind the shim's back is not
 * mistaken for ours), the daemon's end of the pair until bind, the groups
 * and the port id. Entries are made, changed and cleared under a mutex,
 * looked up again under it (a growth moves them); the kind is read
 * lock-free. close() clears the entry and closes the kept end. A forked
 * child starts with the lock free and its own pid unused as a port id
 * (pthread_atfork), as netlink_autobind() sees a new process.
 */
#define _GNU_SOURCE
#include "shim.h"
#include "shim_uevent.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdri_msg.h"
#include "fdri_wire.h"

#define PUBLIC __attribute__((visibility("default")))

enum { UEV_NONE, UEV_SOCKET, UEV_SYSFS };

struct uev_entry {
	_Atomic int kind;
	dev_t dev;
	ino_t ino;
	int peer;                  /* the daemon's end until bind, else -1 */
	uint32_t groups;
	uint32_t portid;
	uint32_t daemon_pid;       /* udevd's stand-in: the sender of group 2 */
	bool bound;
	char path[224];            /* UEV_SYSFS: the file's path below the root */
};

static struct shim_fdarr tab = SHIM_FDARR_INIT(struct uev_entry);
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t next_portid = (uint32_t)-4096; /* netlink_autobind()'s rover */
static bool pid_portid_used;

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

/* The child has one thread and a new pid: the lock is free, and its first
 * netlink socket's port id is that pid (netlink_autobind()). */
static void atfork_child(void)
{
	pthread_mutex_init(&lock, NULL);
	pid_portid_used = false;
	next_portid = (uint32_t)-4096;
}

__attribute__((constructor)) static void uevent_init(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* The entry of @fd, NULL if the table does not reach it. Under the lock
 * to change it: a growth copies the table. */
static struct uev_entry *slot(int fd)
{
	return shim_fdarr_at(&tab, fd);
}

static int slot_kind(int fd)
{
	struct uev_entry *e = slot(fd);

	return e ? atomic_load_explicit(&e->kind, memory_order_acquire) : UEV_NONE;
}

SHIM_REAL(socket, int, (int, int, int))
SHIM_REAL(bind, int, (int, const struct sockaddr *, socklen_t))
SHIM_REAL(getsockname, int, (int, struct sockaddr *, socklen_t *))
SHIM_REAL(setsockopt, int, (int, int, int, const void *, socklen_t))
SHIM_REAL(getsockopt, int, (int, int, int, void *, socklen_t *))

static int fail(int err)
{
	errno = err;
	return -1;
}

/* The entry of @fd if it is of @kind and still the same file, else NULL. */
static struct uev_entry *entry(int fd, int kind)
{
	struct uev_entry *e = slot(fd);
	struct stat st;

	if (!e || atomic_load_explicit(&e->kind, memory_order_acquire) != kind)
		return NULL;
	if (shim_real_fstat(fd, &st) < 0 || st.st_dev != e->dev || st.st_ino != e->ino)
		return NULL;
	return e;
}

bool shim_uevent_is_socket(int fd)
{
	return slot_kind(fd) == UEV_SOCKET && entry(fd, UEV_SOCKET);
}

bool shim_uevent_is_sysfs(int fd)
{
	return slot_kind(fd) == UEV_SYSFS && entry(fd, UEV_SYSFS);
}

static void clear_locked(int fd)
{
	struct uev_entry *e = slot(fd);

	if (!e)
		return;
	if (atomic_load(&e->kind) == UEV_SOCKET && e->peer >= 0)
		shim_real_close(e->peer);
	e->peer = -1;
	atomic_store_explicit(&e->kind, UEV_NONE, memory_order_release);
}

void shim_uevent_close(int fd)
{
	if (slot_kind(fd) == UEV_NONE)
		return;
	pthread_mutex_lock(&lock);
	clear_locked(fd);
	pthread_mutex_unlock(&lock);
}

void shim_uevent_close_range(unsigned int first, unsigned int last)
{
	int len = shim_fdarr_len(&tab);

	for (unsigned int fd = first; fd <= last && fd < (unsigned int)len; fd++)
		shim_uevent_close((int)fd);
}

void shim_uevent_fd_dup(int oldfd, int newfd)
{
	if (newfd < 0 || (slot_kind(oldfd) == UEV_NONE && slot_kind(newfd) == UEV_NONE))
		return; /* neither is ours: the fast path */
	pthread_mutex_lock(&lock);
	clear_locked(newfd);
	if (slot_kind(oldfd) != UEV_NONE && shim_fdarr_grow(&tab, newfd) == 0) {
		struct uev_entry *e = slot(newfd), *o = slot(oldfd);

		e->dev = o->dev;
		e->ino = o->ino;
		e->peer = -1;
		e->groups = o->groups;
		e->portid = o->portid;
		e->daemon_pid = o->daemon_pid;
		e->bound = o->bound;
		memcpy(e->path, o->path, sizeof(e->path));
		atomic_store_explicit(&e->kind, atomic_load(&o->kind), memory_order_release);
	}
	pthread_mutex_unlock(&lock);
}

/* Enters @fd (whose stat is @st) as @kind; the caller fills the rest
 * under the lock. NULL if the table cannot grow to @fd. */
static struct uev_entry *enter_locked(int fd, int kind, const struct stat *st)
{
	struct uev_entry *e;

	if (shim_fdarr_grow(&tab, fd) < 0)
		return NULL;
	e = slot(fd);
	clear_locked(fd);
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->peer = -1;
	e->groups = 0;
	e->bound = false;
	e->path[0] = '\0';
	atomic_store_explicit(&e->kind, kind, memory_order_release);
	return e;
}

/* One request to the daemon's hotplug socket, sending @sendfd with it. */
static int hotplug_call(const struct fdri_hotplug_req *req, int sendfd,
			struct fdri_hotplug_reply *rep)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s, ret, rfd = -1;
	ssize_t n;

	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s%s", shim_cfg.sock,
			     FDRI_HOTPLUG_SUFFIX) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	s = get_socket()(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		ret = -errno;
		shim_real_close(s);
		return ret;
	}
	n = fdri_msg_send(s, req, sizeof(*req), sendfd);
	if (n == (ssize_t)sizeof(*req))
		n = fdri_msg_recv(s, rep, sizeof(*rep), &rfd, NULL);
	if (rfd >= 0)
		shim_real_close(rfd);
	shim_real_close(s);
	if (n < 0)
		return (int)n;
	return n == (ssize_t)sizeof(*rep) ? 0 : -EPROTO;
}

/* --- uevent sockets --- */

PUBLIC int socket(int domain, int type, int protocol)
{
	int sv[2], flags = type & (SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct uev_entry *e;
	struct stat st;

	if (domain != AF_NETLINK || protocol != NETLINK_KOBJECT_UEVENT || !shim_cfg.enabled ||
	    !shim_cfg.nnodes)
		return get_socket()(domain, type, protocol);
	type &= ~(SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return fail(ESOCKTNOSUPPORT); /* netlink_create() */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | flags, 0, sv) < 0)
		return -1;
	if (shim_real_fstat(sv[0], &st) < 0) {
		shim_real_close(sv[0]);
		shim_real_close(sv[1]);
		return -1;
	}
	shim_real_fcntl(sv[1], F_SETFD, FD_CLOEXEC);
	pthread_mutex_lock(&lock);
	e = enter_locked(sv[0], UEV_SOCKET, &st);
	if (e)
		e->peer = sv[1];
	pthread_mutex_unlock(&lock);
	if (!e) {
		/* __sock_create()'s allocation failing */
		shim_real_close(sv[0]);
		shim_real_close(sv[1]);
		return fail(ENOMEM);
	}
	return sv[0];
}

/* netlink_autobind(): the first socket of a process gets its pid, later
 * ones negative numbers from -4096 down. */
static uint32_t autobind_locked(void)
{
	if (!pid_portid_used) {
		pid_portid_used = true;
		return (uint32_t)getpid();
	}
	return next_portid--;
}

PUBLIC int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_nl nl;
	struct uev_entry *e = entry(fd, UEV_SOCKET);
	struct fdri_hotplug_req req = { .op = FDRI_HOTPLUG_SUBSCRIBE };
	struct fdri_hotplug_reply rep = { 0 };
	int peer;

	if (!e)
		return get_bind()(fd, addr, len);
	if (len < sizeof(nl))
		return fail(EINVAL);
	memcpy(&nl, addr, sizeof(nl));
	if (nl.nl_family != AF_NETLINK)
		return fail(EINVAL);
	pthread_mutex_lock(&lock);
	e = slot(fd);
	if (!e->bound) {
		e->portid = nl.nl_pid ? nl.nl_pid : autobind_locked();
		e->bound = true;
	}
	e->groups |= nl.nl_groups;
	req.groups = e->groups & (FDRI_HOTPLUG_GROUP_KERNEL | FDRI_HOTPLUG_GROUP_UDEV);
	peer = req.groups ? e->peer : -1;
	e->peer = peer >= 0 ? -1 : e->peer;
	pthread_mutex_unlock(&lock);
	/* the groups are the daemon's from now on; later changes are not */
	if (peer >= 0) {
		if (hotplug_call(&req, peer, &rep) == 0 && rep.ret == 0) {
			pthread_mutex_lock(&lock);
			e = slot(fd);
			e->daemon_pid = rep.pad;
			pthread_mutex_unlock(&lock);
		}
		/* no daemon to subscribe with: a socket that never receives */
		shim_real_close(peer);
	}
	return 0;
}

PUBLIC int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct uev_entry *e = entry(fd, UEV_SOCKET);
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (!e)
		return get_getsockname()(fd, addr, len);
	if (!len || (int)*len < 0)
		return fail(EINVAL);
	pthread_mutex_lock(&lock);
	e = slot(fd);
	if (!e->bound) {
		/* an unbound netlink socket says port 0 */
		nl.nl_pid = 0;
	} else {
		nl.nl_pid = e->portid;
		nl.nl_groups = e->groups;
	}
	pthread_mutex_unlock(&lock);
	memcpy(addr, &nl, *len < sizeof(nl) ? *len : sizeof(nl));
	*len = sizeof(nl);
	return 0;
}

PUBLIC int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct uev_entry *e;

	if (level != SOL_NETLINK || !(e = entry(fd, UEV_SOCKET)))
		return get_setsockopt()(fd, level, name, val, len);
	/* NETLINK_ADD_MEMBERSHIP before bind() adds groups bind() sends;
	 * the rest (PKTINFO, BROADCAST_ERROR, NO_ENOBUFS...) change nothing
	 * that is emulated */
	if (len < sizeof(int))
		return fail(EINVAL);
	if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
		unsigned int group;

		memcpy(&group, val, sizeof(group));
		if (group == 0 || group > 32)
			return fail(EINVAL);
		pthread_mutex_lock(&lock);
		e = slot(fd);
		if (name == NETLINK_ADD_MEMBERSHIP)
			e->groups |= 1u << (group - 1);
		else
			e->groups &= ~(1u << (group - 1));
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

PUBLIC int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int v;

	if (level != SOL_SOCKET || (name != SO_DOMAIN && name != SO_PROTOCOL && name != SO_TYPE) ||
	    !entry(fd, UEV_SOCKET))
		return get_getsockopt()(fd, level, name, val, len);
	v = name == SO_DOMAIN ? AF_NETLINK : name == SO_PROTOCOL ? NETLINK_KOBJECT_UEVENT : SOCK_RAW;
	if (!len || (int)*len < 0)
		return fail(EINVAL);
	memcpy(val, &v, *len < sizeof(v) ? *len : sizeof(v));
	*len = *len < sizeof(v) ? *len : sizeof(v);
	return 0;
}

ssize_t shim_uevent_recvmsg(int fd, struct msghdr *m, int flags)
{
	struct msghdr r = *m;
	struct uev_entry *e = entry(fd, UEV_SOCKET);
	char head[8] = "";
	size_t got = 0;
	bool udev;
	ssize_t n;

	if (!e)
		return shim_real_recvmsg(fd, m, flags);
	r.msg_name = NULL;
	r.msg_namelen = 0;
	r.msg_control = NULL;
	r.msg_controllen = 0;
	n = shim_real_recvmsg(fd, &r, flags);
	if (n < 0)
		return -1;
	m->msg_flags = r.msg_flags;
	for (size_t i = 0; i < (size_t)m->msg_iovlen && got < sizeof(head) && got < (size_t)n; i++) {
		size_t l = m->msg_iov[i].iov_len;

		if (l > sizeof(head) - got)
			l = sizeof(head) - got;
		if (l > (size_t)n - got)
			l = (size_t)n - got;
		memcpy(head + got, m->msg_iov[i].iov_base, l);
		got += l;
	}
	udev = got == sizeof(head) && !memcmp(head, "libudev", 8);
	if (m->msg_name) {
		struct sockaddr_nl nl = {
			.nl_family = AF_NETLINK,
			/* the kernel sends from port 0; udevd from its own */
			.nl_pid = udev ? e->daemon_pid : 0,
			.nl_groups = udev ? FDRI_HOTPLUG_GROUP_UDEV : FDRI_HOTPLUG_GROUP_KERNEL,
		};

		memcpy(m->msg_name, &nl, m->msg_namelen < sizeof(nl) ? m->msg_namelen : sizeof(nl));
		m->msg_namelen = sizeof(nl);
	}
	if (m->msg_control) {
		int passcred = 0;
		socklen_t pl = sizeof(passcred);

		get_getsockopt()(fd, SOL_SOCKET, SO_PASSCRED, &passcred, &pl);
		if (!passcred) {
			m->msg_controllen = 0;
		} else if (m->msg_controllen < CMSG_SPACE(sizeof(struct ucred))) {
			m->msg_flags |= MSG_CTRUNC;
			m->msg_controllen = 0;
		} else {
			struct ucred cred = { .pid = udev ? (pid_t)e->daemon_pid : 0 };
			struct cmsghdr *c = (struct cmsghdr *)m->msg_control;

			memset(c, 0, CMSG_SPACE(sizeof(cred)));
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_CREDENTIALS;
			c->cmsg_len = CMSG_LEN(sizeof(cred));
			memcpy(CMSG_DATA(c), &cred, sizeof(cred));
			m->msg_controllen = CMSG_SPACE(sizeof(cred));
		}
	}
	return n;
}

/* --- sysfs control files --- */

static bool control_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strcmp(base, "bind") || !strcmp(base, "unbind");
}

void shim_uevent_opened(int fd, const char *path, int flags)
{
	char proc[64], link[PATH_MAX];
	const char *root = shim_cfg.root_abs;
	size_t rl = strlen(root);
	struct uev_entry *e;
	struct stat st;
	ssize_t n;

	if (!shim_cfg.enabled || fd < 0 || !path || !rl ||
	    (flags & O_ACCMODE) == O_RDONLY || (flags & O_PATH) || !control_name(path))
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = shim_real_readlink(proc, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	if (strncmp(link, root, rl) || strncmp(link + rl, "/sys/", 5) ||
	    strlen(link + rl) >= sizeof(e->path) || shim_real_fstat(fd, &st) < 0)
		return;
	pthread_mutex_lock(&lock);
	e = enter_locked(fd, UEV_SYSFS, &st);
	if (e)
		snprintf(e->path, sizeof(e->path), "%s", link + rl);
	pthread_mutex_unlock(&lock);
}

ssize_t shim_uevent_sysfs_write(int fd, const void *buf, size_t len)
{
	struct fdri_hotplug_req req = { .op = FDRI_HOTPLUG_SYSFS_WRITE };
	struct fdri_hotplug_reply rep = { 0 };
	struct uev_entry *e = entry(fd, UEV_SYSFS);
	int ret;

	if (!e)
		return fail(EBADF);
	if (len == 0)
		return 0;
	/* a store() sees at most a page; a device name is far shorter */
	if (len >= sizeof(req.value))
		return fail(ENODEV);
	if (shim_copy_from_user(req.value, buf, len))
		return fail(EFAULT);
	req.len = (uint32_t)len;
	pthread_mutex_lock(&lock);
	e = slot(fd);
	snprintf(req.path, sizeof(req.path), "%s", e->path);
	pthread_mutex_unlock(&lock);
	ret = hotplug_call(&req, -1, &rep);
	if (ret < 0)
		return fail(ret == -ENOENT || ret == -ECONNREFUSED ? ENODEV : -ret);
	if (rep.ret < 0)
		return fail(-rep.ret);
	return (ssize_t)len;
}

bool shim_uevent_node_gone(const char *path)
{
	char buf[PATH_MAX], *slash;
	struct stat st;

	if ((size_t)snprintf(buf, sizeof(buf), "%s%s", shim_cfg.root, path) >= sizeof(buf) ||
	    shim_real_stat(buf, &st) == 0 || errno != ENOENT)
		return false;
	/* the node's directory is there (a daemon always makes it) and the
	 * node is not: unbound */
	slash = strrchr(buf, '/');
	*slash = '\0';
	return shim_real_stat(buf, &st) == 0;
}

