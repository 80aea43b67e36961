/*
 * test_udev_enum.c - what libudev (systemd's, the real library) finds of
 * fakedri's nodes under the shim: enumeration by subsystem and by tag,
 * properties and tags as Debian 12's udev rules give them, the platform
 * parent, sysattrs, lookups by devnum, syspath and sysname; and that the
 * host's own devices and directories stay as they were. See docs/udev.md.
 *
 * Cases run under `fakedri run` (one fakedri device, or --device vgem
 * --device fakedri for the two_devices_ cases).
 */
#define _GNU_SOURCE
#include "itest.h"

#include <dirent.h>
#include <fcntl.h>
#include <libudev.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define SYSFS_MAGIC_NUMBER 0x62656572
#define PLATFORM "/sys/devices/platform/fakedri"

/* The syspaths of an enumeration of subsystem (and tag, if not NULL),
 * sorted as libudev gives them, joined by spaces. */
static const char *enumerate(struct udev *u, const char *subsystem, const char *tag)
{
	static char out[4096];
	struct udev_enumerate *e = udev_enumerate_new(u);
	struct udev_list_entry *l;
	size_t n = 0;

	CHECK(e);
	CHECK_EQ(udev_enumerate_add_match_subsystem(e, subsystem), 0);
	if (tag)
		CHECK_EQ(udev_enumerate_add_match_tag(e, tag), 0);
	CHECK_EQ(udev_enumerate_scan_devices(e), 0);
	out[0] = '\0';
	udev_list_entry_foreach(l, udev_enumerate_get_list_entry(e))
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "",
				      udev_list_entry_get_name(l));
	udev_enumerate_unref(e);
	return out;
}

static struct udev_device *device(struct udev *u, const char *syspath)
{
	struct udev_device *d = udev_device_new_from_syspath(u, syspath);

	CHECK(d);
	return d;
}

static bool has_tag(struct udev_list_entry *l, const char *tag)
{
	return udev_list_entry_get_by_name(l, tag) != NULL;
}

static void drm_enumeration_finds_card_and_render(void)
{
	struct udev *u = udev_new();

	CHECK_STR(enumerate(u, "drm", NULL),
		  PLATFORM "/drm/card0 " PLATFORM "/drm/renderD128");
	udev_unref(u);
}

static void card_has_debian_properties(void)
{
	struct udev *u = udev_new();
	struct udev_device *d = device(u, PLATFORM "/drm/card0");
	static const char *const want[][2] = {
		{ "DEVNAME", "/dev/dri/card0" },
		{ "DEVTYPE", "drm_minor" },
		{ "MAJOR", "226" },
		{ "MINOR", "0" },
		{ "SUBSYSTEM", "drm" },
		{ "DEVPATH", "/devices/platform/fakedri/drm/card0" },
		{ "ID_PATH", "platform-fakedri" },
		{ "ID_PATH_TAG", "platform-fakedri" },
		{ "ID_FOR_SEAT", "drm-platform-fakedri" },
		{ "DEVLINKS", "/dev/dri/by-path/platform-fakedri-card" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_STR(udev_device_get_property_value(d, want[i][0]), want[i][1]);
	CHECK_STR(udev_device_get_devnode(d), "/dev/dri/card0");
	CHECK_STR(udev_device_get_subsystem(d), "drm");
	CHECK_STR(udev_device_get_devtype(d), "drm_minor");
	CHECK_STR(udev_device_get_sysname(d), "card0");
	CHECK_EQ(udev_device_get_devnum(d), makedev(226, 0));
	/* the database says udevd has seen it */
	CHECK_EQ(udev_device_get_is_initialized(d), 1);
	CHECK(udev_device_get_usec_since_initialized(d) > 0);
	udev_device_unref(d);
	udev_unref(u);
}

/* 60-drm.rules' link: a symlink to the node, and opening it opens the node */
static void by_path_devlink_opens_the_node(void)
{
	static const char *const link = "/dev/dri/by-path/platform-fakedri-render";
	char target[64];
	drmVersionPtr v;
	struct stat st;
	ssize_t n;
	int fd;

	CHECK_EQ(lstat(link, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	n = readlink(link, target, sizeof(target) - 1);
	CHECK(n > 0);
	target[n] = '\0';
	CHECK_STR(target, "../renderD128");
	CHECK_EQ(stat(link, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(226, 128));
	fd = open(link, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	v = drmGetVersion(fd); /* a DRM file, not the sysroot's placeholder */
	CHECK(v);
	CHECK_STR(v->name, "fakedri");
	drmFreeVersion(v);
	CHECK_EQ(drmGetNodeTypeFromFd(fd), DRM_NODE_RENDER);
	close(fd);
	CHECK_ERR(open("/dev/dri/by-path/platform-nothing-card", O_RDWR), ENOENT);
}

static void nodes_have_seat_and_uaccess_tags(void)
{
	struct udev *u = udev_new();
	struct udev_device *card = device(u, PLATFORM "/drm/card0");
	struct udev_device *render = device(u, PLATFORM "/drm/renderD128");

	/* 70-uaccess.rules and 71-seat.rules */
	CHECK(has_tag(udev_device_get_tags_list_entry(card), "seat"));
	CHECK(has_tag(udev_device_get_tags_list_entry(card), "uaccess"));
	CHECK(has_tag(udev_device_get_tags_list_entry(card), "master-of-seat"));
	CHECK(has_tag(udev_device_get_current_tags_list_entry(card), "master-of-seat"));
	CHECK_EQ(udev_device_has_tag(card, "seat"), 1);
	CHECK_EQ(udev_device_has_current_tag(card, "uaccess"), 1);
	CHECK(has_tag(udev_device_get_tags_list_entry(render), "seat"));
	CHECK(has_tag(udev_device_get_tags_list_entry(render), "uaccess"));
	CHECK(!has_tag(udev_device_get_tags_list_entry(render), "master-of-seat"));
	CHECK_STR(udev_device_get_property_value(render, "ID_FOR_SEAT"), "drm-platform-fakedri");
	udev_device_unref(card);
	udev_device_unref(render);
	udev_unref(u);
}

static void enumeration_by_tag_uses_the_tag_index(void)
{
	struct udev *u = udev_new();

	/* libudev reads /run/udev/tags/<tag>/ for these */
	CHECK_STR(enumerate(u, "drm", "master-of-seat"), PLATFORM "/drm/card0");
	CHECK_STR(enumerate(u, "drm", "uaccess"), PLATFORM "/drm/card0 " PLATFORM "/drm/renderD128");
	udev_unref(u);
}

static void parent_is_the_platform_device(void)
{
	struct udev *u = udev_new();
	struct udev_device *d = device(u, PLATFORM "/drm/renderD128");
	struct udev_device *p = udev_device_get_parent(d);

	CHECK(p);
	CHECK_STR(udev_device_get_syspath(p), PLATFORM);
	CHECK_STR(udev_device_get_subsystem(p), "platform");
	CHECK_STR(udev_device_get_sysname(p), "fakedri");
	CHECK_STR(udev_device_get_property_value(p, "MODALIAS"), "platform:fakedri");
	CHECK(udev_device_get_parent_with_subsystem_devtype(d, "platform", NULL) == p);
	udev_device_unref(d);
	udev_unref(u);
}

static void sysattrs_are_read_from_the_node_directory(void)
{
	struct udev *u = udev_new();
	struct udev_device *d = device(u, PLATFORM "/drm/card0");
	struct udev_list_entry *l = udev_device_get_sysattr_list_entry(d);

	CHECK_STR(udev_device_get_sysattr_value(d, "dev"), "226:0");
	CHECK(udev_list_entry_get_by_name(l, "dev"));
	CHECK(udev_list_entry_get_by_name(l, "uevent"));
	CHECK(!udev_device_get_sysattr_value(d, "no-such-attribute"));
	udev_device_unref(d);
	udev_unref(u);
}

static void devnum_sysname_and_class_path_find_the_nodes(void)
{
	struct udev *u = udev_new();
	struct udev_device *d;

	d = udev_device_new_from_devnum(u, 'c', makedev(226, 0));
	CHECK(d);
	CHECK_STR(udev_device_get_syspath(d), PLATFORM "/drm/card0");
	udev_device_unref(d);
	d = udev_device_new_from_devnum(u, 'c', makedev(226, 128));
	CHECK(d);
	CHECK_STR(udev_device_get_devnode(d), "/dev/dri/renderD128");
	udev_device_unref(d);
	/* no such minor: as on the kernel */
	errno = 0;
	CHECK(!udev_device_new_from_devnum(u, 'c', makedev(226, 7)));
	CHECK_EQ(errno, ENODEV);
	/* a block device of the same numbers is not ours */
	CHECK(!udev_device_new_from_devnum(u, 'b', makedev(226, 0)));
	d = udev_device_new_from_subsystem_sysname(u, "drm", "renderD128");
	CHECK(d);
	CHECK_STR(udev_device_get_syspath(d), PLATFORM "/drm/renderD128");
	udev_device_unref(d);
	/* the class link is followed to the device */
	d = udev_device_new_from_syspath(u, "/sys/class/drm/card0");
	CHECK(d);
	CHECK_STR(udev_device_get_syspath(d), PLATFORM "/drm/card0");
	udev_device_unref(d);
	udev_unref(u);
}

static void udev_counts_as_running(void)
{
	struct udev *u = udev_new();
	struct udev_queue *q = udev_queue_new(u);

	CHECK_EQ(udev_queue_get_udev_is_active(q), 1);
	udev_queue_unref(q);
	udev_unref(u);
}

/* chase_symlinks()' walk, by hand: each step a relative name on the
 * previous directory fd */
static void a_component_walk_reaches_the_node_directory(void)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd, next;
	static const char *const steps[] = { "sys", "class", "drm" };
	char link[256];
	struct statfs sfs;
	struct stat st;
	ssize_t n;

	CHECK(root >= 0);
	fd = root;
	for (size_t i = 0; i < 3; i++) {
		next = openat(fd, steps[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		CHECK(next >= 0);
		CHECK_EQ(fstat(next, &st), 0);
		CHECK(S_ISDIR(st.st_mode));
		close(fd);
		fd = next;
	}
	n = readlinkat(fd, "card0", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = '\0';
	CHECK_STR(link, "../../devices/platform/fakedri/drm/card0");
	next = openat(fd, "../../devices/platform/fakedri/drm/card0", O_PATH | O_DIRECTORY);
	CHECK(next >= 0);
	CHECK_EQ(faccessat(next, "uevent", F_OK, 0), 0);
	CHECK_EQ(fstatfs(next, &sfs), 0);
	CHECK_EQ(sfs.f_type, SYSFS_MAGIC_NUMBER);
	close(next);
	close(fd);
	/* a dup is tracked as its original */
	root = open("/sys/dev", O_PATH | O_DIRECTORY);
	CHECK(root >= 0);
	fd = dup(root);
	close(root);
	n = readlinkat(fd, "char/226:128", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = '\0';
	CHECK_STR(link, "../../devices/platform/fakedri/drm/renderD128");
	close(fd);
}

/* An fd closed behind the shim's back whose number comes back as another
 * directory is that other directory. */
static void a_reused_fd_number_is_not_the_old_directory(void)
{
	int fd = open("/sys/dev/char", O_PATH | O_DIRECTORY), again;
	struct stat st;

	CHECK(fd >= 0);
	CHECK_EQ(fstatat(fd, "226:0", &st, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ(syscall(SYS_close, fd), 0);
	/* reopened behind the shim's back too (as glibc's internal opens do) */
	again = (int)syscall(SYS_openat, AT_FDCWD, "/tmp", O_PATH | O_DIRECTORY);
	CHECK_EQ(again, fd);
	CHECK_ERR(fstatat(again, "226:0", &st, AT_SYMLINK_NOFOLLOW), ENOENT);
	CHECK_ERR(openat(again, "226:0", O_PATH | O_NOFOLLOW), ENOENT);
	close(again);
}

/* readdir() of /sys/class shows drm once, beside the host's classes */
static void sys_class_lists_drm_beside_the_host_classes(void)
{
	DIR *d = opendir("/sys/class");
	struct dirent *e;
	int drm = 0, others = 0, fd;

	CHECK(d);
	while ((errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, "drm")) {
			drm++;
			CHECK_EQ(e->d_type, DT_DIR);
		} else if (e->d_name[0] != '.') {
			others++;
		}
	}
	CHECK_EQ(errno, 0);
	CHECK_EQ(drm, 1);
	CHECK(others > 0);
	/* the listed name opens through the DIR's fd */
	fd = openat(dirfd(d), "drm", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	close(fd);
	rewinddir(d);
	drm = 0;
	while ((e = readdir(d)))
		drm += !strcmp(e->d_name, "drm");
	CHECK_EQ(drm, 1);
	closedir(d);
}

/* /dev lists the alias node /dev/fakedri as a character device and dri
 * as a directory, beside the host's own entries */
static void dev_lists_the_alias_node_as_a_character_device(void)
{
	DIR *d = opendir("/dev");
	struct dirent *e;
	int alias = 0, dri = 0, null = 0;

	CHECK(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, "fakedri")) {
			alias++;
			CHECK_EQ(e->d_type, DT_CHR);
		} else if (!strcmp(e->d_name, "dri")) {
			dri++;
			CHECK_EQ(e->d_type, DT_DIR);
		} else if (!strcmp(e->d_name, "null")) {
			null++;
		}
	}
	closedir(d);
	CHECK_EQ(alias, 1);
	CHECK_EQ(dri, 1);
	CHECK_EQ(null, 1);
}

/* The host's devices of other subsystems are enumerated as before: every
 * entry of the host's /sys/class/<subsystem>, no more, no less. */
static void host_subsystems_still_enumerate(void)
{
	static const char *const subsystems[] = { "mem", "tty", "misc" };
	struct udev *u = udev_new();
	int checked = 0;

	for (size_t i = 0; i < sizeof(subsystems) / sizeof(subsystems[0]); i++) {
		char path[64];
		struct udev_enumerate *e;
		struct udev_list_entry *l;
		struct dirent *de;
		int listed = 0, found = 0;
		DIR *d;

		snprintf(path, sizeof(path), "/sys/class/%s", subsystems[i]);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d)))
			listed += de->d_name[0] != '.';
		closedir(d);
		e = udev_enumerate_new(u);
		CHECK_EQ(udev_enumerate_add_match_subsystem(e, subsystems[i]), 0);
		CHECK_EQ(udev_enumerate_scan_devices(e), 0);
		udev_list_entry_foreach(l, udev_enumerate_get_list_entry(e)) {
			CHECK(strncmp(udev_list_entry_get_name(l), PLATFORM, strlen(PLATFORM)));
			found++;
		}
		udev_enumerate_unref(e);
		CHECK(listed > 0);
		CHECK_EQ(found, listed);
		checked++;
	}
	udev_unref(u);
	if (!checked) {
		printf("SKIP: the host has none of /sys/class/{mem,tty,misc}\n");
		exit(77);
	}
}

static void two_devices_have_two_platform_parents(void)
{
	struct udev *u = udev_new();
	static const char *const want[][3] = {
		{ "/sys/devices/platform/vgem/drm/card0", "/sys/devices/platform/vgem", "platform-vgem" },
		{ "/sys/devices/platform/fakedri/drm/card1", PLATFORM, "platform-fakedri" },
		{ "/sys/devices/platform/vgem/drm/renderD128", "/sys/devices/platform/vgem", "platform-vgem" },
		{ "/sys/devices/platform/fakedri/drm/renderD129", PLATFORM, "platform-fakedri" },
	};
	const char *all = enumerate(u, "drm", NULL);

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct udev_device *d = device(u, want[i][0]), *p = udev_device_get_parent(d);

		CHECK(strstr(all, want[i][0]));
		CHECK(p);
		CHECK_STR(udev_device_get_syspath(p), want[i][1]);
		CHECK_STR(udev_device_get_property_value(d, "ID_PATH"), want[i][2]);
		udev_device_unref(d);
	}
	CHECK_EQ(strlen(all), strlen(want[0][0]) + strlen(want[1][0]) + strlen(want[2][0]) +
				 strlen(want[3][0]) + 3);
	/* each device's by-path link names its own card */
	{
		char target[64];
		ssize_t n = readlink("/dev/dri/by-path/platform-fakedri-card", target,
				     sizeof(target) - 1);

		CHECK(n > 0);
		target[n] = '\0';
		CHECK_STR(target, "../card1");
	}
	/* each device is the master of its own seat */
	CHECK_STR(enumerate(u, "drm", "master-of-seat"),
		  PLATFORM "/drm/card1 /sys/devices/platform/vgem/drm/card0");
	udev_unref(u);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "drm_enumeration_finds_card_and_render", drm_enumeration_finds_card_and_render },
		{ "card_has_debian_properties", card_has_debian_properties },
		{ "by_path_devlink_opens_the_node", by_path_devlink_opens_the_node },
		{ "nodes_have_seat_and_uaccess_tags", nodes_have_seat_and_uaccess_tags },
		{ "enumeration_by_tag_uses_the_tag_index", enumeration_by_tag_uses_the_tag_index },
		{ "parent_is_the_platform_device", parent_is_the_platform_device },
		{ "sysattrs_are_read_from_the_node_directory", sysattrs_are_read_from_the_node_directory },
		{ "devnum_sysname_and_class_path_find_the_nodes",
		  devnum_sysname_and_class_path_find_the_nodes },
		{ "udev_counts_as_running", udev_counts_as_running },
		{ "a_component_walk_reaches_the_node_directory",
		  a_component_walk_reaches_the_node_directory },
		{ "a_reused_fd_number_is_not_the_old_directory",
		  a_reused_fd_number_is_not_the_old_directory },
		{ "sys_class_lists_drm_beside_the_host_classes",
		  sys_class_lists_drm_beside_the_host_classes },
		{ "dev_lists_the_alias_node_as_a_character_device",
		  dev_lists_the_alias_node_as_a_character_device },
		{ "host_subsystems_still_enumerate", host_subsystems_still_enumerate },
		{ "two_devices_have_two_platform_parents", two_devices_have_two_platform_parents },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
