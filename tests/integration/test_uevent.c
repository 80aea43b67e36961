/*
 * test_uevent.c - uevents and sysfs bind/unbind as a real client sees them
 * through the real libudev (systemd's) under the shim (docs/hotplug.md):
 * a udev_monitor receives `remove` of a card's nodes when the device is
 * unplugged, with the properties udevd would send; the kernel group gets
 * the same events; libudev's socket filter drops other subsystems before
 * they reach the socket; writes to the driver's unbind and bind files
 * remove and re-add the nodes (with events), old fds failing with ENODEV.
 *
 * Cases run under `fakedri run --device fakedri --device fakedri`: device 1
 * (platform device fakedri.1, card1, renderD129) is the one unplugged.
 * Waits are poll() on the monitor's fd with a bound; nothing sleeps.
 */
#define _GNU_SOURCE
#include "itest.h"
#include "fdri_wire.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <libudev.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <xf86drm.h>

#define PLATFORM1 "/sys/devices/platform/fakedri.1"
#define DRIVER "/sys/bus/platform/drivers/fakedri"

static struct udev_monitor *monitor(struct udev *u, const char *group, const char *subsystem)
{
	struct udev_monitor *m = udev_monitor_new_from_netlink(u, group);

	CHECK(m);
	if (subsystem)
		CHECK_EQ(udev_monitor_filter_add_match_subsystem_devtype(m, subsystem, NULL), 0);
	CHECK_EQ(udev_monitor_enable_receiving(m), 0);
	return m;
}

/* The next event of @m, waiting at most 5 s for it. */
static struct udev_device *next_event(struct udev_monitor *m)
{
	struct pollfd p = { .fd = udev_monitor_get_fd(m), .events = POLLIN };
	struct udev_device *d;

	for (int i = 0; i < 50; i++) {
		CHECK(poll(&p, 1, 5000) == 1);
		d = udev_monitor_receive_device(m);
		if (d)
			return d;
	}
	CHECK(!"no event");
	return NULL;
}

static void unplug_device_1(void)
{
	int (*add)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "fakedri_fault_add");

	CHECK(add);
	CHECK(add("unplug,device=1") >= 1);
}

/* @d is `@action` of node @name of device 1 with udevd's properties. */
static void check_node_event(struct udev_device *d, const char *action, const char *name,
			     int minor, bool udev)
{
	char syspath[128], devnode[64];

	snprintf(syspath, sizeof(syspath), PLATFORM1 "/drm/%s", name);
	snprintf(devnode, sizeof(devnode), "/dev/dri/%s", name);
	CHECK_STR(udev_device_get_action(d), action);
	CHECK_STR(udev_device_get_syspath(d), syspath);
	CHECK_STR(udev_device_get_subsystem(d), "drm");
	CHECK_STR(udev_device_get_devtype(d), "drm_minor");
	CHECK_STR(udev_device_get_devnode(d), devnode);
	CHECK_EQ(major(udev_device_get_devnum(d)), 226u);
	CHECK_EQ(minor(udev_device_get_devnum(d)), (unsigned)minor);
	CHECK(udev_device_get_seqnum(d) > 0);
	if (udev) {
		CHECK_STR(udev_device_get_property_value(d, "ID_PATH"), "platform-fakedri.1");
		CHECK_STR(udev_device_get_property_value(d, "ID_PATH_TAG"), "platform-fakedri_1");
		/* the database's S: link, as udevd sends it */
		CHECK(udev_device_get_devlinks_list_entry(d));
		CHECK_STR(udev_list_entry_get_name(udev_device_get_devlinks_list_entry(d)),
			  strncmp(name, "card", 4) ? "/dev/dri/by-path/platform-fakedri.1-render" :
						     "/dev/dri/by-path/platform-fakedri.1-card");
		CHECK(!udev_list_entry_get_next(udev_device_get_devlinks_list_entry(d)));
		CHECK(udev_device_has_tag(d, "uaccess"));
		CHECK(udev_device_get_is_initialized(d));
	} else {
		CHECK(!udev_device_get_property_value(d, "ID_PATH"));
	}
}

/* udev's group: remove of card1, then renderD129, as drm_dev_unregister() */
static void udev_monitor_sees_remove_of_card_and_render_on_unplug(void)
{
	struct udev *u = udev_new();
	struct udev_monitor *m = monitor(u, "udev", "drm");
	struct udev_device *a, *b;

	unplug_device_1();
	a = next_event(m);
	check_node_event(a, "remove", "card1", 1, true);
	b = next_event(m);
	check_node_event(b, "remove", "renderD129", 129, true);
	CHECK(udev_device_get_seqnum(b) > udev_device_get_seqnum(a));
	CHECK(udev_device_has_tag(a, "master-of-seat"));
	CHECK(!udev_device_has_tag(b, "master-of-seat"));
	udev_device_unref(a);
	udev_device_unref(b);
	udev_monitor_unref(m);
	udev_unref(u);
}

/* the kernel's group, unfiltered: the same events without udevd's
 * properties */
static void kernel_monitor_sees_remove_on_unplug(void)
{
	struct udev *u = udev_new();
	struct udev_monitor *m = monitor(u, "kernel", NULL);
	struct udev_device *a, *b;

	unplug_device_1();
	a = next_event(m);
	check_node_event(a, "remove", "card1", 1, false);
	CHECK(!udev_device_get_is_initialized(a));
	b = next_event(m);
	check_node_event(b, "remove", "renderD129", 129, false);
	udev_device_unref(a);
	udev_device_unref(b);
	udev_monitor_unref(m);
	udev_unref(u);
}

/* libudev's BPF filter runs on the socket: a monitor of another subsystem
 * has nothing to read once an unfiltered one has seen both events (the
 * daemon sends each event to every subscriber at once) */
static void filtered_monitor_does_not_see_other_subsystems(void)
{
	struct udev *u = udev_new();
	struct udev_monitor *other = monitor(u, "udev", "block");
	struct udev_monitor *minor = udev_monitor_new_from_netlink(u, "udev");
	struct udev_monitor *seat = udev_monitor_new_from_netlink(u, "udev");
	struct udev_monitor *all = monitor(u, "udev", NULL);
	struct pollfd p = { .fd = udev_monitor_get_fd(other), .events = POLLIN };
	struct udev_device *d;

	/* the header's devtype hash and tag bloom bits, as libudev's filter
	 * reads them: a drm_minor filter passes both, master-of-seat only the
	 * card */
	CHECK_EQ(udev_monitor_filter_add_match_subsystem_devtype(minor, "drm", "drm_minor"), 0);
	CHECK_EQ(udev_monitor_enable_receiving(minor), 0);
	CHECK_EQ(udev_monitor_filter_add_match_tag(seat, "master-of-seat"), 0);
	CHECK_EQ(udev_monitor_enable_receiving(seat), 0);
	unplug_device_1();
	udev_device_unref(next_event(all));
	udev_device_unref(next_event(all));
	CHECK_EQ(poll(&p, 1, 0), 0);
	d = next_event(minor);
	CHECK_STR(udev_device_get_sysname(d), "card1");
	udev_device_unref(d);
	d = next_event(minor);
	CHECK_STR(udev_device_get_sysname(d), "renderD129");
	udev_device_unref(d);
	d = next_event(seat);
	CHECK_STR(udev_device_get_sysname(d), "card1");
	udev_device_unref(d);
	p.fd = udev_monitor_get_fd(seat);
	CHECK_EQ(poll(&p, 1, 0), 0);
	udev_monitor_unref(other);
	udev_monitor_unref(minor);
	udev_monitor_unref(seat);
	udev_monitor_unref(all);
	udev_unref(u);
}

/* What the netlink socket itself says: its address after bind, the
 * sender's address and credentials of a message. */
static void socket_looks_like_netlink(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_groups = 1 }, got;
	socklen_t len = sizeof(got);
	char buf[2048], ctl[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { &got, sizeof(got), &iov, 1, ctl, sizeof(ctl), 0 };
	struct pollfd p = { .fd = s, .events = POLLIN };
	struct cmsghdr *c;
	struct ucred cred;
	int one = 1;
	ssize_t n;

	CHECK(s >= 0);
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	CHECK_EQ(bind(s, (struct sockaddr *)&nl, sizeof(nl)), 0);
	CHECK_EQ(getsockname(s, (struct sockaddr *)&got, &len), 0);
	CHECK_EQ(len, sizeof(got));
	CHECK_EQ(got.nl_family, AF_NETLINK);
	CHECK_EQ(got.nl_groups, 1u);
	CHECK_EQ(got.nl_pid, (unsigned)getpid()); /* the process's first */
	unplug_device_1();
	CHECK_EQ(poll(&p, 1, 5000), 1);
	n = recvmsg(s, &msg, 0);
	CHECK(n > 0);
	CHECK_STR(buf, "remove@/devices/platform/fakedri.1/drm/card1");
	CHECK_STR(buf + strlen(buf) + 1, "ACTION=remove");
	CHECK_EQ(msg.msg_namelen, sizeof(struct sockaddr_nl));
	CHECK_EQ(got.nl_groups, 1u);
	CHECK_EQ(got.nl_pid, 0u);
	c = CMSG_FIRSTHDR(&msg);
	CHECK(c && c->cmsg_type == SCM_CREDENTIALS);
	memcpy(&cred, CMSG_DATA(c), sizeof(cred));
	CHECK_EQ(cred.uid, 0u);
	close(s);
}

/* Writes @name to a sysfs control file as IGT's igt_sysfs_set() does:
 * open, write, close. Returns write()'s result, errno kept. */
static ssize_t sysfs_set(const char *path, const char *name)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e;
	ssize_t n;

	CHECK(fd >= 0);
	n = write(fd, name, strlen(name));
	e = errno;
	close(fd);
	errno = e;
	return n;
}

static void unbind1(void)
{
	CHECK_EQ(sysfs_set(DRIVER "/unbind", "fakedri.1"), (ssize_t)strlen("fakedri.1"));
}

static void bind1(void)
{
	CHECK_EQ(sysfs_set(DRIVER "/bind", "fakedri.1\n"), (ssize_t)strlen("fakedri.1\n"));
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int gem_create_errno(int fd)
{
	struct drm_fakedri_gem_create c = { .size = 4096 };

	return ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c) ? errno : 0;
}

/* unbind = unplug: the nodes go (remove events, then the platform
 * device's unbind), open files fail with ENODEV */
static void unbind_removes_the_nodes_and_old_fds_fail_enodev(void)
{
	struct udev *u = udev_new();
	struct udev_monitor *m = monitor(u, "udev", NULL);
	struct udev_device *d;
	int fd = itest_open("/dev/dri/card1");

	itest_gem_create(fd, 4096);
	CHECK(exists(PLATFORM1 "/driver"));
	CHECK(exists(DRIVER "/fakedri.1"));
	unbind1();
	d = next_event(m);
	check_node_event(d, "remove", "card1", 1, true);
	udev_device_unref(d);
	d = next_event(m);
	check_node_event(d, "remove", "renderD129", 129, true);
	udev_device_unref(d);
	d = next_event(m);
	CHECK_STR(udev_device_get_action(d), "unbind");
	CHECK_STR(udev_device_get_syspath(d), PLATFORM1);
	CHECK_STR(udev_device_get_subsystem(d), "platform");
	CHECK(!udev_device_get_driver(d));
	udev_device_unref(d);
	/* gone from /dev/dri and /sys/class/drm, as device_del() does */
	CHECK(!exists("/dev/dri/card1") && errno == ENOENT);
	CHECK(!exists("/dev/dri/renderD129") && errno == ENOENT);
	CHECK(!exists("/sys/class/drm/card1") && errno == ENOENT);
	CHECK(!exists(PLATFORM1 "/driver"));
	CHECK(!exists(DRIVER "/fakedri.1"));
	CHECK_ERR(open("/dev/dri/card1", O_RDWR | O_CLOEXEC), ENOENT);
	/* the bystander is untouched */
	CHECK(exists("/dev/dri/card0") && exists("/dev/dri/renderD128"));
	/* drm_dev_enter() fails: ENODEV; the file itself closes fine */
	CHECK_EQ(gem_create_errno(fd), ENODEV);
	CHECK_EQ(close(fd), 0);
	udev_monitor_unref(m);
	udev_unref(u);
}

/* bind: a new device of the same configuration with the lowest free
 * minors (drm_minor_alloc()); an old file still open keeps its minor */
static void bind_adds_a_device_with_the_lowest_free_minors(void)
{
	struct udev *u = udev_new();
	struct udev_monitor *m = monitor(u, "udev", "drm");
	struct udev_device *d;
	int old = itest_open("/dev/dri/card1"), fd;
	drmVersionPtr v;

	unbind1();
	udev_device_unref(next_event(m));
	udev_device_unref(next_event(m));
	bind1();
	/* drm_dev_register(): render first; card1 and renderD129 are held */
	d = next_event(m);
	check_node_event(d, "add", "renderD130", 130, true);
	udev_device_unref(d);
	d = next_event(m);
	check_node_event(d, "add", "card2", 2, true);
	udev_device_unref(d);
	CHECK(exists("/dev/dri/card2") && exists("/sys/class/drm/renderD130"));
	CHECK(exists(PLATFORM1 "/driver"));
	fd = itest_open("/dev/dri/card2");
	v = drmGetVersion(fd);
	CHECK(v);
	CHECK_STR(v->name, "fakedri");
	drmFreeVersion(v);
	CHECK_EQ(gem_create_errno(fd), 0);
	CHECK_EQ(gem_create_errno(old), ENODEV);
	/* once the old file is closed its minors are free again */
	CHECK_EQ(close(old), 0);
	CHECK_EQ(close(fd), 0);
	unbind1();
	udev_device_unref(next_event(m));
	udev_device_unref(next_event(m));
	bind1();
	d = next_event(m);
	check_node_event(d, "add", "renderD129", 129, true);
	udev_device_unref(d);
	d = next_event(m);
	check_node_event(d, "add", "card1", 1, true);
	udev_device_unref(d);
	CHECK(!exists("/dev/dri/card2"));
	fd = itest_open("/dev/dri/card1");
	CHECK_EQ(gem_create_errno(fd), 0);
	close(fd);
	udev_monitor_unref(m);
	udev_unref(u);
}

/* What unbind_store() and bind_store() answer, and the device's driver
 * link leading to the same files (as IGT's core_hotunplug goes) */
static void sysfs_errors_are_the_kernels(void)
{
	CHECK_EQ(sysfs_set(DRIVER "/unbind", "nosuch"), -1);
	CHECK_EQ(errno, ENODEV);
	CHECK_EQ(sysfs_set(DRIVER "/bind", "fakedri.1"), -1);
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(sysfs_set(PLATFORM1 "/driver/unbind", "fakedri.1"), (ssize_t)9);
	CHECK_EQ(sysfs_set(DRIVER "/unbind", "fakedri.1"), -1);
	CHECK_EQ(errno, ENODEV);
	CHECK_EQ(sysfs_set(DRIVER "/bind", "fakedri.1"), (ssize_t)9);
	CHECK(exists("/dev/dri/card1"));
	/* a platform device has no remove attribute (that is PCI's) */
	CHECK_ERR(open(PLATFORM1 "/remove", O_WRONLY | O_CLOEXEC), ENOENT);
}

/* A subscriber that never reads misses events (as netlink drops them
 * with ENOBUFS) instead of stalling the daemon: every bind and unbind
 * still completes, and a reading monitor sees the last event. */
static void full_subscriber_does_not_stall_the_daemon(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_groups = 2 };
	struct udev *u = udev_new();
	struct udev_monitor *m;
	struct udev_device *d = NULL;
	char buf[2048];
	/* 600 events: more than the 512 datagrams a unix socket queues
	 * (net.unix.max_dgram_qlen) whatever the buffer sizes */
	int cycles = 100, queued = 0;

	CHECK(s >= 0);
	CHECK_EQ(bind(s, (struct sockaddr *)&nl, sizeof(nl)), 0);
	for (int i = 0; i < cycles; i++) {
		unbind1();
		bind1();
	}
	/* a monitor made now sees what comes next */
	m = monitor(u, "udev", "drm");
	unbind1();
	d = next_event(m);
	check_node_event(d, "remove", "card1", 1, true);
	udev_device_unref(d);
	bind1();
	while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		queued++;
	CHECK(queued > 0);
	CHECK(queued < cycles * 6); /* each cycle sent 6 events to it */
	close(s);
	udev_monitor_unref(m);
	udev_unref(u);
}

/* --- the hotplug socket's fds (docs/hotplug.md, docs/quotas.md) --- */

/*
 * A child process that makes @n connections to the daemon's hotplug
 * socket, waits (if @wait_last, 5 s at most) until the daemon has closed
 * the last one, writes how many of them the daemon closed to @report (-1:
 * the last one was never closed), and holds the others until @hold's write end is
 * closed.
 */
static pid_t hotplug_hog(int n, bool wait_last, int report, const int hold[2])
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int fds[64], closed = 0;
		struct pollfd p;
		char c;

		close(hold[1]);
		if (n > 64)
			_exit(2);
		snprintf(a.sun_path, sizeof(a.sun_path), "%s.hotplug", getenv("FAKEDRI_SOCKET"));
		for (int i = 0; i < n; i++) {
			fds[i] = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
			if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0)
				_exit(3);
		}
		/* accepted in order: once the last is closed, all were seen */
		p = (struct pollfd){ .fd = fds[n - 1], .events = POLLIN };
		if (poll(&p, 1, wait_last ? 5000 : 0) != 1 && wait_last) {
			closed = -1;
		} else {
			for (int i = 0; i < n; i++) {
				p = (struct pollfd){ .fd = fds[i], .events = POLLIN };
				closed += poll(&p, 1, 0) == 1;
			}
		}
		if (write(report, &closed, sizeof(closed)) != sizeof(closed))
			_exit(4);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	return pid;
}

static int hog_report(int report)
{
	int closed = -2;

	CHECK_EQ(read(report, &closed, sizeof(closed)), (ssize_t)sizeof(closed));
	return closed;
}

static void hogs_end(int hold, const pid_t *pids, int n)
{
	int st;

	close(hold);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(waitpid(pids[i], &st, 0), pids[i]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

/* another process opens a node and asks its version */
static void another_process_is_served(void)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
		drmVersionPtr v = fd >= 0 ? drmGetVersion(fd) : NULL;

		_exit(v && !strcmp(v->name, "fakedri") ? 0 : 1);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
}

/*
 * Run with --limit channels=16 by a daemon limited to 64 fds: each process
 * holds at most 16 hotplug connections (the rest are closed at once), so
 * two processes holding 40 each (more than the daemon's fds) leave the
 * daemon fds to serve a third.
 */
static void hotplug_connections_are_charged_to_the_quota(void)
{
	int report[2], hold[2];
	pid_t pids[2];

	CHECK_EQ(pipe2(report, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(hold, O_CLOEXEC), 0);
	for (int i = 0; i < 2; i++) {
		pids[i] = hotplug_hog(40, true, report[1], hold);
		CHECK_EQ(hog_report(report[0]), 40 - 16);
	}
	close(hold[0]);
	another_process_is_served();
	/* a uevent monitor still subscribes */
	{
		struct udev *u = udev_new();
		struct udev_monitor *m = monitor(u, "udev", "drm");
		struct udev_device *d;

		unbind1();
		d = next_event(m);
		check_node_event(d, "remove", "card1", 1, true);
		udev_device_unref(d);
		bind1();
		udev_monitor_unref(m);
		udev_unref(u);
	}
	hogs_end(hold[1], pids, 2);
	close(report[0]);
	close(report[1]);
}

/*
 * Run without a quota by a daemon limited to 64 fds: two processes hold
 * 40 hotplug connections each, more than the daemon has fds. The
 * connections it cannot take are closed (accepted with its spare fd and
 * dropped) instead of staying pending, which would keep its listener
 * firing (a spin); once the holders go, others are served again.
 */
static void hotplug_listener_out_of_fds_drops_connections(void)
{
	int report[2], hold[2], b;
	pid_t pids[2];

	CHECK_EQ(pipe2(report, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(hold, O_CLOEXEC), 0);
	pids[0] = hotplug_hog(40, false, report[1], hold);
	hog_report(report[0]);
	/* accepted after the first's: once its last is closed, the daemon
	 * has seen all 80; without the drop it stays pending (-1) */
	pids[1] = hotplug_hog(40, true, report[1], hold);
	b = hog_report(report[0]);
	close(hold[0]);
	CHECK(b > 0);
	hogs_end(hold[1], pids, 2);
	another_process_is_served();
	close(report[0]);
	close(report[1]);
}

/* --- a device a bind replaced is freed with its last hold --- */

#define FREED "is freed: nothing holds it"
#define MARK_OPEN "itest-mark: the old fd is open\n"
#define MARK_CLOSING "itest-mark: closing the old fd\n"

/* Under `fakedri run --log-level info` (its log and ours on one pipe):
 * 5 unbind/bind cycles with no file open, then one with an old fd open. */
static void replaced_devices_phase(void)
{
	int old;

	for (int i = 0; i < 5; i++) {
		unbind1();
		bind1();
	}
	old = itest_open("/dev/dri/card1");
	itest_gem_create(old, 4096);
	unbind1();
	bind1();
	CHECK(exists("/dev/dri/card2"));
	CHECK_EQ(write(2, MARK_OPEN, strlen(MARK_OPEN)), (ssize_t)strlen(MARK_OPEN));
	/* the old device still answers its file (unplugged: ENODEV) */
	CHECK_EQ(gem_create_errno(old), ENODEV);
	CHECK_EQ(write(2, MARK_CLOSING, strlen(MARK_CLOSING)), (ssize_t)strlen(MARK_CLOSING));
	CHECK_EQ(close(old), 0);
	unbind1();
	bind1();
	CHECK(exists("/dev/dri/card1"));
}

static int count(const char *from, const char *to, const char *what)
{
	int n = 0;

	for (const char *p = strstr(from, what); p && p < to; p = strstr(p + 1, what))
		n++;
	return n;
}

/*
 * Run outside fakedri with its path: the daemon's log says when it frees
 * a device bind replaced. Each of 5 cycles with nothing open frees the
 * replaced one at once (no zombie piles up until the daemon stops); with
 * an old fd (and its object) open the old device lives, and goes once
 * the fd is closed.
 */
static void replaced_devices_are_freed(void)
{
	static char log[1 << 18];
	char self[PATH_MAX];
	const char *open_at, *closing_at, *end;
	size_t got = 0;
	ssize_t n, sl;
	int p[2], st;
	pid_t pid;

	CHECK(itest_argc >= 3);
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(sl > 0);
	self[sl] = '\0';
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 2);
		execl(itest_argv[2], itest_argv[2], "run", "--log-level", "info", "--device",
		      "fakedri", "--device", "fakedri", "--", self, "replaced_devices_phase",
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got < sizeof(log) - 1 && (n = read(p[0], log + got, sizeof(log) - 1 - got)) > 0)
		got += (size_t)n;
	log[got] = '\0';
	close(p[0]);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fputs(log, stderr);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	open_at = strstr(log, MARK_OPEN);
	closing_at = strstr(log, MARK_CLOSING);
	end = log + got;
	CHECK(open_at && closing_at);
	CHECK_EQ(count(log, open_at, FREED), 5);
	CHECK_EQ(count(log, open_at, "(card1, renderD129) " FREED), 5);
	CHECK_EQ(count(open_at, closing_at, FREED), 0);
	/* the old card1 once its fd closed, and the card2 the last bind replaced */
	CHECK_EQ(count(closing_at, end, FREED), 2);
	CHECK_EQ(count(closing_at, end, "(card1, renderD129) " FREED), 1);
	CHECK_EQ(count(closing_at, end, "(card2, renderD130) " FREED), 1);
}

/* udev's rules run for a rebound device's new nodes: an earlier chmod of
 * the old node is not kept (60-drm.rules' and the defaults' 0660) */
static void bind_gives_the_nodes_their_default_mode(void)
{
	struct stat st;

	CHECK_EQ(stat("/dev/dri/card1", &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0660u);
	if (chmod("/dev/dri/card1", 0604) < 0 && errno == EPERM) {
		fprintf(stderr, "SKIP: not the node's owner (root)\n");
		exit(77);
	}
	CHECK_EQ(stat("/dev/dri/card1", &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0604u);
	unbind1();
	bind1();
	CHECK_EQ(stat("/dev/dri/card1", &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0660u);
}

/* --- fds past 1024, fork --- */

/* sysfs control files and uevent sockets at fd 1500 and up are emulated
 * as at low numbers (the tables grow) */
static void control_files_and_sockets_work_at_high_fds(void)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_groups = 2 };
	struct rlimit rl;
	struct pollfd pf = { .fd = 1502, .events = POLLIN };
	char buf[4096];
	struct sockaddr_nl from = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	int fd, s;

	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 1600) {
		fprintf(stderr, "SKIP: RLIMIT_NOFILE's hard limit %llu is below 1600\n",
			(unsigned long long)rl.rlim_max);
		exit(77);
	}
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 4096 ? 4096 : rl.rlim_max;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
	/* a uevent socket moved to 1502 */
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	CHECK(s >= 0);
	CHECK_EQ(bind(s, (struct sockaddr *)&nl, sizeof(nl)), 0);
	CHECK_EQ(dup2(s, 1502), 1502);
	CHECK_EQ(close(s), 0);
	/* the unbind file at 1500 */
	fd = open(DRIVER "/unbind", O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(dup2(fd, 1500), 1500);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(write(1500, "fakedri.1", 9), (ssize_t)9);
	CHECK_EQ(close(1500), 0);
	CHECK(!exists("/dev/dri/card1") && errno == ENOENT);
	CHECK_EQ(poll(&pf, 1, 5000), 1);
	/* the sender's address is the emulation's: udevd's group */
	CHECK(recvmsg(1502, &mh, 0) > 0);
	CHECK(!memcmp(buf, "libudev", 8));
	CHECK_EQ(mh.msg_namelen, (socklen_t)sizeof(from));
	CHECK_EQ(from.nl_family, AF_NETLINK);
	CHECK_EQ(from.nl_groups, 2u);
	/* an unknown device still gets the kernel's error there */
	fd = open(DRIVER "/bind", O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(dup2(fd, 1501), 1501);
	CHECK_EQ(close(fd), 0);
	CHECK_ERR(write(1501, "nosuch", 6), ENODEV);
	CHECK_EQ(write(1501, "fakedri.1", 9), (ssize_t)9);
	CHECK_EQ(close(1501), 0);
	CHECK(exists("/dev/dri/card1"));
	CHECK_EQ(close(1502), 0);
}

static uint32_t bound_portid(void)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_groups = 2 };
	socklen_t l = sizeof(nl);
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	CHECK(s >= 0);
	CHECK_EQ(bind(s, (struct sockaddr *)&nl, sizeof(nl)), 0);
	CHECK_EQ(getsockname(s, (struct sockaddr *)&nl, &l), 0);
	close(s);
	return nl.nl_pid;
}

/* netlink_autobind(): a forked child's first socket gets the child's pid,
 * though its parent's already took the parent's */
static void forked_child_first_socket_gets_its_pid(void)
{
	pid_t pid;
	int st;

	CHECK_EQ(bound_portid(), (uint32_t)getpid());
	CHECK(bound_portid() != (uint32_t)getpid());
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(bound_portid() == (uint32_t)getpid() ? 0 : 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
}

/* --- who may subscribe --- */

/* SUBSCRIBE @fd on a new connection to the hotplug socket: the answer's ret */
static int subscribe_raw(int fd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct fdri_hotplug_req req = { .op = FDRI_HOTPLUG_SUBSCRIBE, .groups = 2 };
	struct fdri_hotplug_reply rep = { .ret = 1 };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	CHECK(s >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s" FDRI_HOTPLUG_SUFFIX, getenv("FAKEDRI_SOCKET"));
	CHECK_EQ(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	{
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };

	ctl.c.cmsg_level = SOL_SOCKET;
	ctl.c.cmsg_type = SCM_RIGHTS;
	ctl.c.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&ctl.c), &fd, sizeof(int));
	CHECK_EQ(sendmsg(s, &m, 0), (ssize_t)sizeof(req));
	}
	CHECK_EQ(recv(s, &rep, sizeof(rep), 0), (ssize_t)sizeof(rep));
	/* one request, one answer: then the daemon closes the connection */
	CHECK_EQ(recv(s, &req, sizeof(req), 0), (ssize_t)0);
	close(s);
	return rep.ret;
}

/* The daemon sends uevents, as itself, only to a socket whose peer is
 * the process that subscribed it: not to one connected to someone else
 * (here the daemon's own main socket), nor to a non-socket */
static void subscribe_takes_only_the_senders_own_socket(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int sv[2], s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	CHECK(s >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", getenv("FAKEDRI_SOCKET"));
	CHECK_EQ(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_EQ(subscribe_raw(s), -EINVAL);
	close(s);
	CHECK_EQ(subscribe_raw(STDIN_FILENO), -EINVAL);
	/* the shim's kind: a pair of our own */
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(subscribe_raw(sv[1]), 0);
	close(sv[1]);
	close(sv[0]);
}

static const struct itest_case cases[] = {
	{ "udev_monitor_sees_remove_of_card_and_render_on_unplug",
	  udev_monitor_sees_remove_of_card_and_render_on_unplug },
	{ "kernel_monitor_sees_remove_on_unplug", kernel_monitor_sees_remove_on_unplug },
	{ "filtered_monitor_does_not_see_other_subsystems",
	  filtered_monitor_does_not_see_other_subsystems },
	{ "socket_looks_like_netlink", socket_looks_like_netlink },
	{ "unbind_removes_the_nodes_and_old_fds_fail_enodev",
	  unbind_removes_the_nodes_and_old_fds_fail_enodev },
	{ "bind_adds_a_device_with_the_lowest_free_minors",
	  bind_adds_a_device_with_the_lowest_free_minors },
	{ "sysfs_errors_are_the_kernels", sysfs_errors_are_the_kernels },
	{ "full_subscriber_does_not_stall_the_daemon", full_subscriber_does_not_stall_the_daemon },
	{ "hotplug_connections_are_charged_to_the_quota",
	  hotplug_connections_are_charged_to_the_quota },
	{ "hotplug_listener_out_of_fds_drops_connections",
	  hotplug_listener_out_of_fds_drops_connections },
	{ "bind_gives_the_nodes_their_default_mode", bind_gives_the_nodes_their_default_mode },
	{ "control_files_and_sockets_work_at_high_fds",
	  control_files_and_sockets_work_at_high_fds },
	{ "forked_child_first_socket_gets_its_pid", forked_child_first_socket_gets_its_pid },
	{ "replaced_devices_phase", replaced_devices_phase },
	{ "replaced_devices_are_freed", replaced_devices_are_freed },
	{ "subscribe_takes_only_the_senders_own_socket",
	  subscribe_takes_only_the_senders_own_socket },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return itest_main(argc, argv, cases);
}
