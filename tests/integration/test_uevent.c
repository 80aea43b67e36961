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

#include <dlfcn.h>
#include <fcntl.h>
#include <libudev.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

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
	struct udev_monitor *all = monitor(u, "udev", NULL);
	struct pollfd p = { .fd = udev_monitor_get_fd(other), .events = POLLIN };

	unplug_device_1();
	udev_device_unref(next_event(all));
	udev_device_unref(next_event(all));
	CHECK_EQ(poll(&p, 1, 0), 0);
	udev_monitor_unref(other);
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

static const struct itest_case cases[] = {
	{ "udev_monitor_sees_remove_of_card_and_render_on_unplug",
	  udev_monitor_sees_remove_of_card_and_render_on_unplug },
	{ "kernel_monitor_sees_remove_on_unplug", kernel_monitor_sees_remove_on_unplug },
	{ "filtered_monitor_does_not_see_other_subsystems",
	  filtered_monitor_does_not_see_other_subsystems },
	{ "socket_looks_like_netlink", socket_looks_like_netlink },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return itest_main(argc, argv, cases);
}
