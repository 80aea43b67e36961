/*
 * fdri_hotplug.c - see fdri_hotplug.h: the hotplug socket, its subscribers
 * and the uevents of DRM minors.
 *
 * Owns the listening socket, one struct hp_conn per control connection
 * (freed after its one answer, or at its EOF) and one struct hp_sub per
 * subscriber (freed when its peer closes, or at fdri_hotplug_stop()).
 * Each holds a reference to the connecting process's struct fdri_client
 * and one of its channels (docs/quotas.md), as the main server's sockets
 * do, so one process cannot take the daemon's fds; out of fds, the
 * listener drops the pending connection (fdri_server_accept()).
 * Sends never block the loop: subscriber sockets are non-blocking and a
 * full one misses the event, as a netlink socket does (ENOBUFS there).
 */
#define _GNU_SOURCE
#include "fdri_hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdri_client.h"
#include "fdri_list.h"
#include "fdri_log.h"
#include "fdri_msg.h"
#include "fdri_server.h"
#include "fdri_sysroot.h"
#include "fdri_wire.h"

struct hp_sub {
	struct fdri_list link;
	struct fdri_hotplug *hp;
	int fd;
	unsigned int groups;
	struct event *ev;          /* EOF of the peer */
	uint64_t dropped;          /* events it missed, full */
	pid_t pid;                 /* who made it, for the log */
	struct fdri_client *client; /* charged one channel (holds a ref) */
};

struct hp_conn {
	struct fdri_list link;
	struct fdri_hotplug *hp;
	int fd;
	struct event *ev;
	struct ucred cr;           /* the connecting process, at accept */
	struct fdri_client *client; /* charged one channel (holds a ref) */
};

struct hp_watch {
	struct fdri_hotplug *hp;
	struct fdri_device *dev;
	const char *platform;
};

struct fdri_hotplug {
	struct event_base *base;
	struct fdri_server *srv;   /* its spare fd, out of fds */
	struct fdri_clients *clients; /* the quotas (holds a ref) */
	int listen_fd;
	struct event *listen_ev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	fdri_sysfs_write_fn sysfs_write;
	void *ctx;
	struct fdri_list subs, conns;
	unsigned int nsubs;
	uint64_t seqnum;
	uint64_t dropped;
	struct hp_watch watch[FDRI_HOTPLUG_MAX_DEVS];
	char buf[FDRI_UEVENT_MAX];
};

static void sub_free(struct hp_sub *s)
{
	fdri_list_del(&s->link);
	s->hp->nsubs--;
	event_free(s->ev);
	close(s->fd);
	fdri_client_uncharge(s->client, FDRI_Q_CHANNELS, 1);
	fdri_client_put(s->client);
	free(s);
}

/* The peer wrote (discarded) or closed: at EOF the subscription ends. */
static void sub_cb(evutil_socket_t fd, short what, void *data)
{
	struct hp_sub *s = data;
	char junk[64];
	ssize_t n;

	(void)what;
	n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		sub_free(s);
}

static void conn_free(struct hp_conn *c)
{
	fdri_list_del(&c->link);
	event_free(c->ev);
	close(c->fd);
	fdri_client_uncharge(c->client, FDRI_Q_CHANNELS, 1);
	fdri_client_put(c->client);
	free(c);
}

static int subscribe(struct hp_conn *c, int fd, unsigned int groups)
{
	struct fdri_hotplug *hp = c->hp;
	struct hp_sub *s;

	if (fd < 0 || !groups || groups & ~(FDRI_HOTPLUG_GROUP_KERNEL | FDRI_HOTPLUG_GROUP_UDEV))
		return -EINVAL;
	/* the other end of the shim's pair, as a channel must be: the daemon
	 * would otherwise send uevents, as itself, to whatever the sender
	 * connected the socket to */
	if (!fdri_server_sock_is_senders(fd, &c->cr)) {
		fdri_log(FDRI_LOG_WARN, "pid %d sent a uevent socket that is not its own: refused",
			 (int)c->cr.pid);
		return -EINVAL;
	}
	if (!fdri_client_charge(c->client, FDRI_Q_CHANNELS, 1)) {
		fdri_log(FDRI_LOG_WARN, "pid %d has its quota of channels: refused a uevent socket",
			 (int)c->cr.pid);
		return -EMFILE;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		fdri_client_uncharge(c->client, FDRI_Q_CHANNELS, 1);
		return -ENOMEM;
	}
	s->hp = hp;
	s->fd = fd;
	s->groups = groups;
	s->pid = c->cr.pid;
	s->client = c->client;
	if (s->client)
		fdri_client_ref(s->client);
	s->ev = event_new(hp->base, fd, EV_READ | EV_PERSIST, sub_cb, s);
	if (!s->ev || event_add(s->ev, NULL)) {
		if (s->ev)
			event_free(s->ev);
		fdri_client_uncharge(s->client, FDRI_Q_CHANNELS, 1);
		fdri_client_put(s->client);
		free(s);
		return -ENOMEM;
	}
	fdri_list_add_tail(&hp->subs, &s->link);
	hp->nsubs++;
	return 0;
}

static void conn_cb(evutil_socket_t fd, short what, void *data)
{
	struct hp_conn *c = data;
	struct fdri_hotplug *hp = c->hp;
	struct fdri_hotplug_req req;
	struct fdri_hotplug_reply rep = { 0 };
	struct ucred cr = c->cr;
	int rfd = -1;
	ssize_t n;

	(void)what;
	n = fdri_msg_recv(fd, &req, sizeof(req), &rfd, NULL);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n != (ssize_t)sizeof(req)) {
		if (rfd >= 0)
			close(rfd);
		conn_free(c);
		return;
	}
	switch (req.op) {
	case FDRI_HOTPLUG_SUBSCRIBE:
		rep.ret = subscribe(c, rfd, req.groups);
		rep.pad = (uint32_t)getpid();
		if (!rep.ret)
			rfd = -1; /* the subscriber's now */
		break;
	case FDRI_HOTPLUG_SYSFS_WRITE:
		req.path[sizeof(req.path) - 1] = '\0';
		req.value[sizeof(req.value) - 1] = '\0';
		if (req.len < sizeof(req.value))
			req.value[req.len] = '\0';
		/* sysfs control files are root's, mode 0200 */
		if (cr.uid != 0 && cr.uid != geteuid())
			rep.ret = -EACCES;
		else
			rep.ret = hp->sysfs_write ? hp->sysfs_write(hp->ctx, req.path, req.value) :
						    -EACCES;
		break;
	default:
		rep.ret = -EINVAL;
	}
	if (rfd >= 0)
		close(rfd);
	fdri_msg_send(fd, &rep, sizeof(rep), -1);
	/* one request, one answer: the shim's connection ends there */
	conn_free(c);
}

static void listen_cb(evutil_socket_t fd, short what, void *data)
{
	struct fdri_hotplug *hp = data;
	struct fdri_client *client = NULL;
	struct ucred cr = { .uid = (uid_t)-1 };
	socklen_t cl = sizeof(cr);
	struct hp_conn *c;
	int s;

	(void)what;
	s = fdri_server_accept(hp->srv, fd);
	if (s < 0)
		return;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0) {
		close(s);
		return;
	}
	/* the connecting process's quota of channels, shared with its
	 * connections to the main socket */
	if (hp->clients) {
		client = fdri_server_charge_peer(hp->clients, cr.pid, "hotplug connection");
		if (!client) {
			close(s);
			return;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		fdri_client_uncharge(client, FDRI_Q_CHANNELS, 1);
		fdri_client_put(client);
		close(s);
		return;
	}
	c->hp = hp;
	c->fd = s;
	c->cr = cr;
	c->client = client;
	c->ev = event_new(hp->base, s, EV_READ | EV_PERSIST, conn_cb, c);
	if (!c->ev || event_add(c->ev, NULL)) {
		if (c->ev)
			event_free(c->ev);
		fdri_client_uncharge(client, FDRI_Q_CHANNELS, 1);
		fdri_client_put(client);
		free(c);
		close(s);
		return;
	}
	fdri_list_add_tail(&hp->conns, &c->link);
}

struct fdri_hotplug *fdri_hotplug_start(struct event_base *base, const char *sock,
					struct fdri_server *srv, struct fdri_clients *clients,
					fdri_sysfs_write_fn sysfs_write, void *ctx)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct fdri_hotplug *hp;

	if (strlen(sock) + strlen(FDRI_HOTPLUG_SUFFIX) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	hp = calloc(1, sizeof(*hp));
	if (!hp)
		return NULL;
	hp->base = base;
	hp->srv = srv;
	hp->clients = clients;
	if (clients)
		fdri_clients_get(clients);
	hp->listen_fd = -1;
	hp->sysfs_write = sysfs_write;
	hp->ctx = ctx;
	hp->seqnum = 1000;
	fdri_list_init(&hp->subs);
	fdri_list_init(&hp->conns);
	snprintf(hp->path, sizeof(hp->path), "%s%s", sock, FDRI_HOTPLUG_SUFFIX);
	strcpy(a.sun_path, hp->path);
	unlink(hp->path); /* ours: the main socket is already ours */
	hp->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (hp->listen_fd < 0)
		goto fail;
	if (bind(hp->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(hp->listen_fd, 64) < 0)
		goto fail;
	/* anyone who reaches the directory may subscribe, as to netlink */
	chmod(hp->path, 0666);
	hp->listen_ev = event_new(base, hp->listen_fd, EV_READ | EV_PERSIST, listen_cb, hp);
	if (!hp->listen_ev || event_add(hp->listen_ev, NULL))
		goto fail;
	return hp;
fail:
	fdri_hotplug_stop(hp);
	return NULL;
}

void fdri_hotplug_stop(struct fdri_hotplug *hp)
{
	int e = errno;

	if (!hp)
		return;
	for (unsigned int i = 0; i < FDRI_HOTPLUG_MAX_DEVS; i++)
		fdri_hotplug_unwatch(hp, i);
	while (!fdri_list_empty(&hp->subs))
		sub_free(fdri_container_of(hp->subs.next, struct hp_sub, link));
	while (!fdri_list_empty(&hp->conns))
		conn_free(fdri_container_of(hp->conns.next, struct hp_conn, link));
	if (hp->listen_ev)
		event_free(hp->listen_ev);
	if (hp->listen_fd >= 0) {
		close(hp->listen_fd);
		unlink(hp->path);
	}
	fdri_clients_put(hp->clients);
	free(hp);
	errno = e;
}

static uint64_t usec_now(void);

void fdri_hotplug_emit(struct fdri_hotplug *hp, const struct fdri_uevent *event)
{
	struct fdri_uevent e;
	const struct fdri_uevent *ev = event;

	if (!hp)
		return;
	if (!event->seqnum) {
		e = *event;
		e.seqnum = ++hp->seqnum;
		e.usec_initialized = usec_now();
		ev = &e;
	}
	for (unsigned int g = FDRI_UEVENT_GROUP_KERNEL; g <= FDRI_UEVENT_GROUP_UDEV; g++) {
		ssize_t len = -1;

		for (struct fdri_list *pos = hp->subs.next, *tmp; pos != &hp->subs; pos = tmp) {
			struct hp_sub *s = fdri_container_of(pos, struct hp_sub, link);

			tmp = pos->next;

			if (!(s->groups & g))
				continue;
			if (len < 0)
				len = fdri_uevent_format(ev, g, hp->buf, sizeof(hp->buf));
			if (len < 0)
				break;
			if (send(s->fd, hp->buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				if (errno == EAGAIN || errno == ENOBUFS) {
					if (!s->dropped++)
						fdri_log(FDRI_LOG_WARN, "uevent socket of pid %d is full (not "
							 "read): its events are dropped", (int)s->pid);
					hp->dropped++;
				}
				else if (errno == EPIPE || errno == ECONNREFUSED ||
					 errno == ECONNRESET)
					sub_free(s);
			}
		}
	}
}

static uint64_t usec_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void fdri_hotplug_minors_event(struct fdri_hotplug *hp, const char *action,
			       const char *platform, const int minors[2])
{
	if (!hp)
		return;
	/* drm_dev_register() adds the render minor first,
	 * drm_dev_unregister() removes the primary first */
	bool add = !strcmp(action, "add");

	for (int i = 0; i < 2; i++) {
		int t = add ? 1 - i : i;
		char name[16], devpath[160], major[16], minor[16], devname[32], udevname[40];
		char id_path[96], tag[FDRI_PLATFORM_NAME_MAX + 16], id_tag[96], seat[112];
		char devlinks[128];
		const char *const *tags = fdri_udev_tags(t ? FDRI_NODE_RENDER : FDRI_NODE_PRIMARY);
		struct fdri_uevent ev = { 0 };

		if (minors[t] < 0)
			continue;
		snprintf(name, sizeof(name), t ? "renderD%d" : "card%d", minors[t]);
		snprintf(devpath, sizeof(devpath), "/devices/platform/%s/drm/%s", platform, name);
		snprintf(major, sizeof(major), "MAJOR=%d", FDRI_DRM_MAJOR);
		snprintf(minor, sizeof(minor), "MINOR=%d", minors[t]);
		snprintf(devname, sizeof(devname), "DEVNAME=dri/%s", name);
		snprintf(udevname, sizeof(udevname), "/dev/dri/%s", name);
		snprintf(id_path, sizeof(id_path), "ID_PATH=platform-%s", platform);
		fdri_udev_path_tag(tag, sizeof(tag), platform);
		snprintf(id_tag, sizeof(id_tag), "ID_PATH_TAG=%s", tag);
		snprintf(seat, sizeof(seat), "ID_FOR_SEAT=drm-%s", tag);
		ev.action = action;
		ev.devpath = devpath;
		ev.subsystem = "drm";
		ev.devtype = "drm_minor";
		ev.props[ev.nprops++] = major;
		ev.props[ev.nprops++] = minor;
		ev.props[ev.nprops++] = devname;
		ev.props[ev.nprops++] = "DEVTYPE=drm_minor";
		ev.udev_devname = udevname;
		ev.udev_props[ev.nudev_props++] = id_path;
		ev.udev_props[ev.nudev_props++] = id_tag;
		ev.udev_props[ev.nudev_props++] = seat;
		/* 60-drm.rules' by-path link, S: in the database (fdri_sysroot.c
		 * makes it for a node at /dev/dri/<name>, as these are named) */
		snprintf(devlinks, sizeof(devlinks), "DEVLINKS=/dev/dri/by-path/platform-%s-%s",
			 platform, t ? "render" : "card");
		ev.udev_props[ev.nudev_props++] = devlinks;
		/* 70-uaccess.rules and 71-seat.rules, as /run/udev/data has them */
		for (; tags[ev.ntags]; ev.ntags++)
			ev.tags[ev.ntags] = tags[ev.ntags];
		fdri_hotplug_emit(hp, &ev); /* numbers it */
	}
}

static void unplugged(struct fdri_device *dev, void *priv)
{
	struct hp_watch *w = priv;
	int minors[2] = { fdri_device_minor(dev, FDRI_NODE_TYPE_PRIMARY),
			  fdri_device_minor(dev, FDRI_NODE_TYPE_RENDER) };

	fdri_hotplug_minors_event(w->hp, "remove", w->platform, minors);
}

void fdri_hotplug_watch(struct fdri_hotplug *hp, unsigned int index, struct fdri_device *dev,
			const char *platform)
{
	struct hp_watch *w;

	if (!hp || index >= FDRI_HOTPLUG_MAX_DEVS)
		return;
	fdri_hotplug_unwatch(hp, index);
	w = &hp->watch[index];
	w->hp = hp;
	w->dev = dev;
	w->platform = platform;
	dev->unplug_hook = unplugged;
	dev->unplug_hook_priv = w;
}

void fdri_hotplug_unwatch(struct fdri_hotplug *hp, unsigned int index)
{
	struct hp_watch *w;

	if (!hp || index >= FDRI_HOTPLUG_MAX_DEVS)
		return;
	w = &hp->watch[index];
	if (w->dev && w->dev->unplug_hook_priv == w) {
		w->dev->unplug_hook = NULL;
		w->dev->unplug_hook_priv = NULL;
	}
	w->dev = NULL;
}

uint64_t fdri_hotplug_dropped(const struct fdri_hotplug *hp)
{
	return hp ? hp->dropped : 0;
}

unsigned int fdri_hotplug_subscribers(const struct fdri_hotplug *hp)
{
	return hp ? hp->nsubs : 0;
}
