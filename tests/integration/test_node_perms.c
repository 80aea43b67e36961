/*
 * test_node_perms.c - the virtual nodes' owner, group and mode under
 * `fakedri run` (docs/security.md): the defaults and --node-perm as stat
 * shows them, chmod and chown with the kernel's checks, and opens decided
 * by the mode for the opener's credentials (uid, gid, supplementary
 * groups), a file opened before setuid staying usable. Cases that change
 * user need root and exit 77 without it. Each case owns its fds and
 * children; every case runs against a private daemon, so what it changes
 * dies with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "fdri_perm.h"
#include "itest.h"
#include "itest_wire.h"

static gid_t group_id(const char *name)
{
	struct group *g = getgrnam(name);

	return g ? g->gr_gid : 0;
}

static void need_root(void)
{
	if (geteuid() != 0) {
		printf("SKIP: changing user needs root\n");
		exit(77);
	}
}

/* Becomes @uid/@gid with the @n supplementary @groups, as igt_drop_root(). */
static void become(uid_t uid, gid_t gid, size_t n, const gid_t *groups)
{
	CHECK_EQ(setgroups(n, groups), 0);
	CHECK_EQ(setgid(gid), 0);
	CHECK_EQ(setuid(uid), 0);
	CHECK_EQ(geteuid(), uid);
}

/* The node's mode bits (and owner, group) as stat shows them; checks it
 * is a character device. */
static void check_stat(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	CHECK_EQ(stat(path, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, mode);
	CHECK_EQ(st.st_uid, uid);
	CHECK_EQ(st.st_gid, gid);
}

/* open() + drmGetVersion(): the node answers. */
static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	drmVersionPtr v;

	if (fd < 0)
		itest_fail(__FILE__, __LINE__, "open %s: %s", path, strerror(errno));
	v = drmGetVersion(fd);
	CHECK(v != NULL);
	drmFreeVersion(v);
	return fd;
}

/* Runs fn in a child as @uid/@gid/@groups and checks it passed. */
struct as_user {
	uid_t uid;
	gid_t gid;
	size_t ngroups;
	gid_t groups[2];
	void (*fn)(void);
};

static void as_user_child(void *arg)
{
	struct as_user *u = arg;

	become(u->uid, u->gid, u->ngroups, u->groups);
	u->fn();
}

static void run_as(uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups, void (*fn)(void))
{
	struct as_user u = { .uid = uid, .gid = gid, .ngroups = ngroups, .fn = fn };

	for (size_t i = 0; i < ngroups; i++)
		u.groups[i] = groups[i];
	itest_wait_ok(itest_fork(as_user_child, &u));
}

/* --- cases --- */

static void defaults_are_debian_12_udev_rules(void)
{
	check_stat(ITEST_CARD, 0660, 0, group_id("video"));
	check_stat(ITEST_RENDER, 0660, 0, group_id("render"));
	/* the alias is card0's inode */
	check_stat(ITEST_ALIAS, 0660, 0, group_id("video"));
}

/* run with --node-perm /dev/dri/renderD128:0604:2:3 */
static void node_perm_option_sets_mode_owner_group(void)
{
	check_stat(ITEST_RENDER, 0604, 2, 3);
	check_stat(ITEST_CARD, 0660, 0, group_id("video"));
}

static void chmod_and_chown_change_what_stat_shows(void)
{
	int fd;
	struct statx sx;
	struct stat st;

	need_root(); /* the nodes are root's */
	fd = open_node(ITEST_CARD);
	CHECK_EQ(chmod(ITEST_CARD, 0640), 0);
	check_stat(ITEST_CARD, 0640, 0, group_id("video"));
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(fchmod(fd, 0604), 0);
	check_stat(ITEST_CARD, 0604, 0, group_id("video"));
	CHECK_EQ(fchmodat(AT_FDCWD, ITEST_CARD, 0666, 0), 0);
	CHECK_EQ(chown(ITEST_CARD, 2, 3), 0);
	check_stat(ITEST_CARD, 0666, 2, 3);
	CHECK_EQ(statx(AT_FDCWD, ITEST_CARD, 0, STATX_BASIC_STATS, &sx), 0);
	CHECK_EQ(sx.stx_mode & 07777, 0666);
	CHECK_EQ(sx.stx_uid, 2);
	CHECK_EQ(sx.stx_gid, 3);
	/* -1 leaves a field as it is */
	CHECK_EQ(fchown(fd, (uid_t)-1, 4), 0);
	check_stat(ITEST_CARD, 0666, 2, 4);
	CHECK_EQ(lchown(ITEST_CARD, 5, (gid_t)-1), 0);
	CHECK_EQ(fchownat(AT_FDCWD, ITEST_CARD, (uid_t)-1, 6, 0), 0);
	check_stat(ITEST_CARD, 0666, 5, 6);
	/* render is another inode; the alias is card0's */
	check_stat(ITEST_RENDER, 0660, 0, group_id("render"));
	check_stat(ITEST_ALIAS, 0666, 5, 6);
	close(fd);
}

static void non_owner_chmod_chown(void)
{
	/* card0 is root's: uid 2 may change nothing */
	CHECK_ERR(chmod(ITEST_CARD, 0666), EPERM);
	CHECK_ERR(chown(ITEST_CARD, 2, 2), EPERM);
	CHECK_ERR(chown(ITEST_CARD, (uid_t)-1, 2), EPERM);
	/* renderD128 is uid 2's: it may chmod, and chgrp to its own groups
	 * only; a non-member's setgid bit is dropped; giving it away is not
	 * allowed */
	CHECK_EQ(chmod(ITEST_RENDER, 0600), 0);
	check_stat(ITEST_RENDER, 0600, 2, group_id("render"));
	CHECK_EQ(chmod(ITEST_RENDER, 02660), 0);
	check_stat(ITEST_RENDER, 0660, 2, group_id("render"));
	CHECK_ERR(chown(ITEST_RENDER, (uid_t)-1, group_id("video")), EPERM);
	CHECK_EQ(chown(ITEST_RENDER, (uid_t)-1, 2), 0);
	check_stat(ITEST_RENDER, 0660, 2, 2);
	CHECK_EQ(chmod(ITEST_RENDER, 02660), 0);
	check_stat(ITEST_RENDER, 02660, 2, 2);
	CHECK_ERR(chown(ITEST_RENDER, 3, (gid_t)-1), EPERM);
	check_stat(ITEST_CARD, 0660, 0, group_id("video"));
}

static void non_owner_gets_eperm_owner_may_chmod(void)
{
	need_root();
	CHECK_EQ(chown(ITEST_RENDER, 2, (gid_t)-1), 0);
	run_as(2, 2, 0, NULL, non_owner_chmod_chown);
	check_stat(ITEST_RENDER, 02660, 2, 2);
}

static void open_allowed_and_refused(void)
{
	int fd = open_node(ITEST_CARD); /* 0666 */

	/* access() agrees with open() */
	CHECK_EQ(access(ITEST_CARD, R_OK | W_OK), 0);
	CHECK_ERR(access(ITEST_CARD, X_OK), EACCES);
	CHECK_ERR(access(ITEST_RENDER, R_OK), EACCES);
	CHECK_EQ(access(ITEST_RENDER, F_OK), 0);

	CHECK_ERR(open(ITEST_RENDER, O_RDWR | O_CLOEXEC), EACCES); /* 0660 root:render */
	CHECK_ERR(open(ITEST_RENDER, O_RDONLY | O_CLOEXEC), EACCES);
	close(fd);
}

/* igt_drop_root(): setgroups(0), setgid(2), setuid(2) */
static void dropped_root_child_opens_allowed_node_only(void)
{
	need_root();
	CHECK_EQ(chmod(ITEST_CARD, 0666), 0);
	run_as(2, 2, 0, NULL, open_allowed_and_refused);
}

static void card_refused(void)
{
	CHECK_ERR(open(ITEST_CARD, O_RDWR | O_CLOEXEC), EACCES);
	CHECK_ERR(open(ITEST_ALIAS, O_RDWR | O_CLOEXEC), EACCES);
}

static void card_allowed(void)
{
	close(open_node(ITEST_CARD));
}

static void card_read_only(void)
{
	int fd = open(ITEST_CARD, O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_ERR(open(ITEST_CARD, O_RDWR | O_CLOEXEC), EACCES);
	CHECK_ERR(open(ITEST_CARD, O_WRONLY | O_CLOEXEC), EACCES);
	close(fd);
}

/* A second user (65534): the mode decides, with the supplementary
 * groups the daemon reads with SO_PEERGROUPS. */
static void another_user_refused_where_the_mode_refuses(void)
{
	gid_t video = group_id("video");

	need_root();
	/* 0660 root:video: not for others, for a member of video */
	run_as(65534, 65534, 0, NULL, card_refused);
	run_as(65534, 65534, 1, &video, card_allowed);
	/* 0606: others may, the group may not (the group class decides) */
	CHECK_EQ(chmod(ITEST_CARD, 0606), 0);
	run_as(65534, 65534, 0, NULL, card_allowed);
	run_as(65534, 65534, 1, &video, card_refused);
	/* 0604: read only */
	CHECK_EQ(chmod(ITEST_CARD, 0604), 0);
	run_as(65534, 65534, 0, NULL, card_read_only);
	/* root passes whatever the mode (CAP_DAC_OVERRIDE) */
	CHECK_EQ(chmod(ITEST_CARD, 0), 0);
	close(open_node(ITEST_CARD));
}

static void keeps_fd_across_setuid(void *arg)
{
	int fd = open_node(ITEST_CARD);
	uint32_t handle;

	(void)arg;
	become(2, 2, 0, NULL);
	/* the file opened as root stays usable: the check is at open */
	close(open_node(ITEST_RENDER)); /* 0666 */
	handle = itest_gem_create(fd, 4096);
	CHECK(handle != 0);
	itest_gem_close(fd, handle);
	CHECK(drmGetVersion(fd) != NULL);
	/* a new open of card0 (0660 root:video) is refused */
	CHECK_ERR(open(ITEST_CARD, O_RDWR | O_CLOEXEC), EACCES);
	close(fd);
}

static void fd_opened_before_setuid_stays_usable(void)
{
	need_root();
	CHECK_EQ(chmod(ITEST_RENDER, 0666), 0);
	itest_wait_ok(itest_fork(keeps_fd_across_setuid, NULL));
}

static void debugfs_refused(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/name", 0);
	CHECK_ERR(open(path, O_RDONLY | O_CLOEXEC), EACCES);
}

/* debugfs is root's (0700 /sys/kernel/debug): another user's shim is
 * refused by the daemon */
static void debugfs_is_not_for_other_users(void)
{
	char path[64];
	int fd;

	need_root();
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/name", 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	close(fd);
	run_as(2, 2, 0, NULL, debugfs_refused);
}

/* Under a daemon of uid 65534, run with --node-perm
 * /dev/dri/renderD128:0600: the daemon's user is the seat user of
 * Debian's uaccess ACL, its rw masked by the group bits. */
static void seat_user_checks(void)
{
	CHECK(geteuid() != 0);
	close(open_node(ITEST_CARD));         /* 0660 root:video: the entry gives rw */
	CHECK_ERR(open(ITEST_RENDER, O_RDWR | O_CLOEXEC), EACCES); /* 0600: masked */
	CHECK_ERR(chmod(ITEST_CARD, 0666), EPERM); /* not the owner */
}

static void run_daemon_as_nobody(void *arg)
{
	const char *fakedri = arg;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	CHECK(n > 0);
	self[n] = '\0';
	become(65534, 65534, 0, NULL);
	setenv("TMPDIR", "/tmp", 1);
	execl(fakedri, fakedri, "run", "--node-perm", "/dev/dri/renderD128:0600", "--",
	      self, "seat_user_checks", (char *)NULL);
	itest_fail(__FILE__, __LINE__, "exec %s: %s", fakedri, strerror(errno));
}

/* Run outside fakedri (ARG: the fakedri launcher): starts one as uid
 * 65534, whose client is then the seat user. */
static void daemon_user_has_the_seat_users_access(void)
{
	need_root();
	CHECK(itest_argc >= 3);
	itest_wait_ok(itest_fork(run_daemon_as_nobody, itest_argv[2]));
}

/* Root without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER and
 * CAP_CHOWN in its effective set (capset). */
static void root_without_caps(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	(void)arg;
	CHECK_EQ(syscall(SYS_capget, &h, d), 0);
	d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) |
			    (1u << CAP_FOWNER) | (1u << CAP_CHOWN));
	CHECK_EQ(syscall(SYS_capset, &h, d), 0);
	CHECK_EQ(geteuid(), 0);
	/* card0: 0000 root:video, root is its owner with no bits */
	CHECK_ERR(open(ITEST_CARD, O_RDWR | O_CLOEXEC), EACCES);
	CHECK_ERR(open(ITEST_CARD, O_RDONLY | O_CLOEXEC), EACCES);
	CHECK_EQ(chmod(ITEST_CARD, 0600), 0); /* the owner may */
	close(open_node(ITEST_CARD));
	/* renderD128: uid 2's */
	CHECK_ERR(chmod(ITEST_RENDER, 0666), EPERM);
	CHECK_ERR(chown(ITEST_RENDER, 0, (gid_t)-1), EPERM);
}

/* Root's powers are capabilities, as the kernel's capable(): a root
 * process that dropped them is refused like anyone else. */
static void root_is_its_capabilities(void)
{
	need_root();
	CHECK_EQ(chmod(ITEST_CARD, 0), 0);
	close(open_node(ITEST_CARD)); /* CAP_DAC_OVERRIDE */
	CHECK_EQ(chown(ITEST_RENDER, 2, (gid_t)-1), 0);
	itest_wait_ok(itest_fork(root_without_caps, NULL));
	check_stat(ITEST_CARD, 0600, 0, group_id("video"));
}

/* Writes @s to the /proc file @path: 0 or errno. */
static int write_proc(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		e = errno ? errno : EIO;
	close(fd);
	return e;
}

/* uid 65534 becomes uid 0 of a user namespace of its own, with every
 * capability there, as `unshare -Ur` makes it (setgroups deny, uid and gid
 * map "0 65534 1"); exits 77 where user namespaces are not available. */
static void userns_root(void *arg)
{
	char map[32];
	int e;

	(void)arg;
	become(65534, 65534, 0, NULL);
	/* setuid() made it undumpable: /proc/self would stay root's */
	CHECK_EQ(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	if (unshare(CLONE_NEWUSER) < 0) {
		printf("SKIP: unshare(CLONE_NEWUSER) as uid 65534: %s\n", strerror(errno));
		exit(77);
	}
	snprintf(map, sizeof(map), "0 %d 1\n", 65534);
	CHECK_EQ(write_proc("/proc/self/setgroups", "deny"), 0);
	e = write_proc("/proc/self/uid_map", map);
	CHECK_EQ(e, 0);
	CHECK_EQ(write_proc("/proc/self/gid_map", map), 0);
	CHECK_EQ(geteuid(), 0);
	/* the kernel: capabilities over the namespace's own inodes only; the
	 * nodes are root:render 0660 and root:video 0660 of the init one */
	CHECK_ERR(open(ITEST_RENDER, O_RDWR | O_CLOEXEC), EACCES);
	CHECK_ERR(open(ITEST_RENDER, O_RDONLY | O_CLOEXEC), EACCES);
	CHECK_ERR(access(ITEST_RENDER, R_OK), EACCES); /* as uid 65534 */
	CHECK_EQ(access(ITEST_RENDER, F_OK), 0);
	CHECK_ERR(chmod(ITEST_CARD, 0666), EPERM);
	CHECK_ERR(chown(ITEST_RENDER, 0, 0), EPERM);
	CHECK_ERR(chown(ITEST_RENDER, 65534, (gid_t)-1), EPERM);
}

/* Root of a user namespace (any user can make one) is not root of the
 * daemon's: SO_PEERCRED gives its real uid, and the CapEff /proc shows
 * counts in its own namespace. */
static void user_namespace_root_has_no_capabilities(void)
{
	int status;

	need_root(); /* to become uid 65534 */
	status = itest_wait(itest_fork(userns_root, NULL));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		exit(77);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_stat(ITEST_CARD, 0660, 0, group_id("video"));
	check_stat(ITEST_RENDER, 0660, 0, group_id("render"));
}

/* A relative name on a directory fd of /dev/dri names the node, as the
 * kernel resolves it: not the sysroot's placeholder file. */
static void at_calls_on_a_dev_dri_fd_reach_the_node(void)
{
	int d;

	need_root(); /* the nodes are root's */
	d = open("/dev/dri", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(d >= 0);
	CHECK_EQ(fchmodat(d, "renderD128", 0604, 0), 0);
	check_stat(ITEST_RENDER, 0604, 0, group_id("render"));
	CHECK_EQ(fchownat(d, "renderD128", 2, 3, 0), 0);
	check_stat(ITEST_RENDER, 0604, 2, 3);
	CHECK_EQ(fchownat(d, "./card0", (uid_t)-1, 4, AT_SYMLINK_NOFOLLOW), 0);
	check_stat(ITEST_CARD, 0660, 0, 4);
	close(d);
}

static void at_calls_on_a_dev_dri_fd_checked(void)
{
	int d = open("/dev/dri", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(d >= 0);
	CHECK_ERR(fchmodat(d, "card0", 0666, 0), EPERM);
	CHECK_ERR(fchownat(d, "card0", 2, 2, 0), EPERM);
	/* renderD128 is its own: the daemon's check, not the sysroot file's */
	CHECK_EQ(fchmodat(d, "../dri/renderD128", 0604, 0), 0);
	CHECK_EQ(fchownat(d, "renderD128", (uid_t)-1, 2, 0), 0);
	close(d);
}

/* ... and checked there as by its path, for its owner uid 2 too */
static void at_calls_on_a_dev_dri_fd_are_checked(void)
{
	need_root();
	CHECK_EQ(chown(ITEST_RENDER, 2, (gid_t)-1), 0);
	run_as(2, 2, 0, NULL, at_calls_on_a_dev_dri_fd_checked);
	check_stat(ITEST_CARD, 0660, 0, group_id("video"));
	check_stat(ITEST_RENDER, 0604, 2, 2);
}

/* lchown() and AT_SYMLINK_NOFOLLOW change udev's by-path link itself, as
 * on devtmpfs; chown() follows it to the node. */
static void lchown_of_a_devlink_leaves_the_node(void)
{
	static const char link[] = "/dev/dri/by-path/platform-fakedri-render";
	struct stat st;

	need_root();
	CHECK_EQ(lstat(link, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	lchown(link, 2, 3); /* the link's owner: whatever the sysroot allows */
	fchownat(AT_FDCWD, link, 2, 3, AT_SYMLINK_NOFOLLOW);
	check_stat(ITEST_RENDER, 0660, 0, group_id("render"));
	CHECK_EQ(chown(link, 2, 3), 0);
	check_stat(ITEST_RENDER, 0660, 2, 3);
}

/* access() counts every supplementary group, not the first 256 */
static void render_access_as_member_300(void)
{
	CHECK_EQ(access(ITEST_RENDER, R_OK | W_OK), 0);
	close(open_node(ITEST_RENDER));
}

static void many_groups(void *arg)
{
	static gid_t groups[300];

	for (int i = 0; i < 299; i++)
		groups[i] = (gid_t)(100000 + i);
	groups[299] = *(gid_t *)arg;
	become(65534, 65534, 300, groups);
	render_access_as_member_300();
}

static void access_counts_more_than_256_groups(void)
{
	/* the node's group: render, or one of our own where there is no
	 * render group (a fresh root without udev, where it is root's) */
	gid_t render = group_id("render");

	need_root();
	if (render == 0) {
		render = 4242;
		CHECK_EQ(chown(ITEST_RENDER, (uid_t)-1, render), 0);
	}
	check_stat(ITEST_RENDER, 0660, 0, render);
	itest_wait_ok(itest_fork(many_groups, &render));
}

static void chown_of_a_setuid_node_refused(void)
{
	CHECK_ERR(chown(ITEST_CARD, (uid_t)-1, (gid_t)-1), EPERM);
	/* renderD128, its own, is setgid without group-execute, of a group it
	 * is not in: 6.1 keeps the bit (6.2+ would drop it) */
	CHECK_EQ(chown(ITEST_RENDER, (uid_t)-1, (gid_t)-1), 0);
	CHECK_EQ(chown(ITEST_RENDER, 2, group_id("render")), 0);
}

/* Linux 6.1's chown_common() and notify_change(): any chown of a
 * non-directory, -1/-1 too, clears setuid, and setgid with group-execute;
 * clearing them is a mode change, the owner's or CAP_FOWNER's only. */
static void chown_clears_setuid_and_setgid_as_linux_6_1(void)
{
	gid_t video = group_id("video"), render = group_id("render");

	need_root();
	CHECK_EQ(chmod(ITEST_CARD, 06770), 0);
	CHECK_EQ(chown(ITEST_CARD, (uid_t)-1, (gid_t)-1), 0);
	check_stat(ITEST_CARD, 0770, 0, video);
	CHECK_EQ(chmod(ITEST_CARD, 02660), 0);
	CHECK_EQ(chown(ITEST_CARD, (uid_t)-1, (gid_t)-1), 0);
	check_stat(ITEST_CARD, 02660, 0, video); /* no group-execute: kept */
	CHECK_EQ(chmod(ITEST_CARD, 04666), 0);
	CHECK_EQ(chown(ITEST_RENDER, 2, (gid_t)-1), 0);
	CHECK_EQ(chmod(ITEST_RENDER, 02660), 0);
	run_as(2, 2, 0, NULL, chown_of_a_setuid_node_refused);
	check_stat(ITEST_CARD, 04666, 0, video);
	check_stat(ITEST_RENDER, 02660, 2, render);
}

#define UNBIND "/sys/bus/platform/drivers/fakedri/unbind"
#define BIND "/sys/bus/platform/drivers/fakedri/bind"

/* Writes @name to the sysfs file @path: write()'s result, or -1 with
 * errno from open() or write(). */
static ssize_t sysfs_write(const char *path, const char *name)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, name, strlen(name));
	e = errno;
	close(fd);
	errno = e;
	return n;
}

static void unbind_refused(void)
{
	CHECK_ERR(sysfs_write(UNBIND, "fakedri.1"), EACCES);
}

static void userns_root_unbind_refused(void *arg)
{
	(void)arg;
	become(65534, 65534, 0, NULL);
	CHECK_EQ(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	if (unshare(CLONE_NEWUSER) < 0)
		exit(0); /* no user namespaces: nothing more to check here */
	CHECK_EQ(write_proc("/proc/self/setgroups", "deny"), 0);
	CHECK_EQ(write_proc("/proc/self/uid_map", "0 65534 1\n"), 0);
	CHECK_EQ(write_proc("/proc/self/gid_map", "0 65534 1\n"), 0);
	unbind_refused();
}

/* Root, without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: the owner. */
static void root_without_dac_unbinds(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	(void)arg;
	CHECK_EQ(syscall(SYS_capget, &h, d), 0);
	d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
	CHECK_EQ(syscall(SYS_capset, &h, d), 0);
	CHECK_EQ(sysfs_write(UNBIND, "fakedri.1"), (ssize_t)strlen("fakedri.1"));
	CHECK_EQ(sysfs_write(BIND, "fakedri.1"), (ssize_t)strlen("fakedri.1"));
}

/*
 * Run with two fakedri devices. The driver's bind and unbind files are
 * 0200 root (sysfs): generic_permission() gives root the owner's write
 * bit with no capability, and refuses everyone else without
 * CAP_DAC_OVERRIDE, which only root of the daemon's namespace has. (The
 * daemon's own user may too: docs/hotplug.md.)
 */
static void unbind_is_for_the_owner_root(void)
{
	need_root();
	run_as(65534, 65534, 0, NULL, unbind_refused);
	itest_wait_ok(itest_fork(userns_root_unbind_refused, NULL));
	itest_wait_ok(itest_fork(root_without_dac_unbinds, NULL));
	check_stat("/dev/dri/card1", 0660, 0, group_id("video"));
}

static void render_refused(void)
{
	CHECK_ERR(open(ITEST_RENDER, O_RDWR | O_CLOEXEC), EACCES);
}

/* <root>/perms, the daemon's user's file the shims read, is only what
 * they show: writing it (as that user may) changes no check, which the
 * daemon makes on its own copy. */
static void writing_the_perms_file_changes_no_check(void)
{
	const char *sock = getenv("FAKEDRI_SOCKET");
	struct fdri_perm_table *t;
	struct fdri_perm_rec *r;
	char path[4200];
	int fd;

	need_root(); /* the daemon's user, and to become 65534 */
	CHECK(sock != NULL);
	snprintf(path, sizeof(path), "%s.root/" FDRI_PERM_FILE, sock);
	fd = open(path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(t != MAP_FAILED);
	close(fd);
	CHECK_EQ(t->magic, FDRI_PERM_MAGIC);
	r = &t->rec[0][fdri_perm_slot(2)]; /* renderD128 */
	CHECK_EQ(r->mode, 0660);
	r->seq++;
	r->mode = 0666;
	r->seq++;
	check_stat(ITEST_RENDER, 0666, 0, group_id("render")); /* shown */
	run_as(65534, 65534, 0, NULL, render_refused);         /* not obeyed */
	/* the daemon's next change of the record writes its own values */
	CHECK_EQ(chmod(ITEST_RENDER, 0640), 0);
	check_stat(ITEST_RENDER, 0640, 0, group_id("render"));
	munmap(t, sizeof(*t));
}

/* --- a raw client that exec's a setuid program after connecting --- */

struct exec_after_connect {
	int pw_in[2], pw_out[2], go[2], res[2];
};

/* The socket's keeper (uid 65534, pid not the connecting one): sends
 * HELLO for renderD128 when told to and reports its result. */
static void hello_when_told(struct exec_after_connect *x, int s)
{
	struct fdri_wire_hello h = {
		.hdr = { FDRI_MSG_HELLO, sizeof(h) }, .version = FDRI_WIRE_VERSION,
		.node = FDRI_NODE_RENDER, .open_flags = O_RDWR, .tid = (int32_t)getpid(),
	};
	unsigned char buf[512];
	struct pollfd p;
	int32_t ret;
	char c;
	int ch, rfd = -1;

	if (read(x->go[0], &c, 1) != 1)
		_exit(0); /* the test gave up */
	ch = itest_wire_channel(s, &h, sizeof(h));
	p = (struct pollfd){ .fd = ch, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 10000), 1);
	CHECK(fdri_msg_recv(ch, buf, sizeof(buf), &rfd, NULL) >= 12);
	memcpy(&ret, buf + 8, sizeof(ret));
	itest_write(x->res[1], &ret, sizeof(ret));
	_exit(0);
}

/* Connects as uid 65534, leaves the socket to a child, and exec's
 * /usr/bin/passwd (setuid root), which waits for a password on a pipe. */
static void connect_then_exec_setuid(void *arg)
{
	struct exec_after_connect *x = arg;
	const char *sock = getenv("FAKEDRI_SOCKET");
	int s;
	pid_t pid;

	CHECK(sock != NULL);
	become(65534, 65534, 0, NULL);
	s = itest_wire_connect(sock);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		hello_when_told(x, s);
	close(s);
	CHECK(dup2(x->pw_in[0], 0) == 0 && dup2(x->pw_out[1], 1) == 1 && dup2(x->pw_out[1], 2) == 2);
	unsetenv("LD_PRELOAD");
	execl("/usr/bin/passwd", "passwd", (char *)NULL);
	_exit(127);
}

/* CapEff of /proc/<pid>/status, 0 if unreadable */
static unsigned long long cap_eff(pid_t pid)
{
	char path[64], line[256];
	unsigned long long eff = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff;
}

/*
 * SO_PEERCRED's pid is connect()'s; the daemon reads /proc later. uid
 * 65534 connects, exec's a setuid-root program (every capability in
 * CapEff) and has another process send HELLO for renderD128 (0660
 * root:render) on that socket: refused, as the connect-time uid decides.
 */
static void exec_of_setuid_after_connect_gains_nothing(void)
{
	struct exec_after_connect x;
	struct stat st;
	struct pollfd p;
	unsigned long long eff;
	int32_t ret;
	char c;
	pid_t pid;

	need_root();
	if (stat("/usr/bin/passwd", &st) < 0 || !(st.st_mode & S_ISUID) || st.st_uid != 0) {
		printf("SKIP: no setuid-root /usr/bin/passwd\n");
		exit(77);
	}
	CHECK(pipe2(x.pw_in, O_CLOEXEC) == 0 && pipe2(x.pw_out, O_CLOEXEC) == 0);
	CHECK(pipe2(x.go, O_CLOEXEC) == 0 && pipe2(x.res, O_CLOEXEC) == 0);
	pid = itest_fork(connect_then_exec_setuid, &x);
	close(x.pw_in[0]);
	close(x.pw_out[1]);
	close(x.go[0]);
	close(x.res[1]);
	/* passwd's first output: it runs, with the setuid credentials */
	p = (struct pollfd){ .fd = x.pw_out[0], .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 10000), 1);
	CHECK_EQ(read(x.pw_out[0], &c, 1), 1);
	eff = cap_eff(pid);
	if (!(eff & (1ull << CAP_DAC_OVERRIDE))) {
		printf("SKIP: setuid gives passwd no CAP_DAC_OVERRIDE here (%llx)\n", eff);
		exit(77);
	}
	CHECK_EQ(write(x.go[1], "g", 1), 1);
	itest_read(x.res[0], &ret, sizeof(ret));
	CHECK_EQ(ret, -EACCES);
	close(x.pw_in[1]); /* passwd gives up */
	itest_wait(pid);
	close(x.pw_out[0]);
	close(x.go[1]);
	close(x.res[0]);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "defaults_are_debian_12_udev_rules", defaults_are_debian_12_udev_rules },
		{ "node_perm_option_sets_mode_owner_group", node_perm_option_sets_mode_owner_group },
		{ "chmod_and_chown_change_what_stat_shows", chmod_and_chown_change_what_stat_shows },
		{ "non_owner_gets_eperm_owner_may_chmod", non_owner_gets_eperm_owner_may_chmod },
		{ "dropped_root_child_opens_allowed_node_only",
		  dropped_root_child_opens_allowed_node_only },
		{ "another_user_refused_where_the_mode_refuses",
		  another_user_refused_where_the_mode_refuses },
		{ "fd_opened_before_setuid_stays_usable", fd_opened_before_setuid_stays_usable },
		{ "debugfs_is_not_for_other_users", debugfs_is_not_for_other_users },
		{ "root_is_its_capabilities", root_is_its_capabilities },
		{ "user_namespace_root_has_no_capabilities",
		  user_namespace_root_has_no_capabilities },
		{ "at_calls_on_a_dev_dri_fd_reach_the_node", at_calls_on_a_dev_dri_fd_reach_the_node },
		{ "at_calls_on_a_dev_dri_fd_are_checked", at_calls_on_a_dev_dri_fd_are_checked },
		{ "lchown_of_a_devlink_leaves_the_node", lchown_of_a_devlink_leaves_the_node },
		{ "access_counts_more_than_256_groups", access_counts_more_than_256_groups },
		{ "chown_clears_setuid_and_setgid_as_linux_6_1",
		  chown_clears_setuid_and_setgid_as_linux_6_1 },
		{ "unbind_is_for_the_owner_root", unbind_is_for_the_owner_root },
		{ "writing_the_perms_file_changes_no_check",
		  writing_the_perms_file_changes_no_check },
		{ "exec_of_setuid_after_connect_gains_nothing",
		  exec_of_setuid_after_connect_gains_nothing },
		{ "seat_user_checks", seat_user_checks },
		{ "daemon_user_has_the_seat_users_access", daemon_user_has_the_seat_users_access },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
