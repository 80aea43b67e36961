/*
 * test_xattr.c - extended attributes of the nodes and of redirected sysfs
 * paths, as ls -l asks for them (libselinux's security.selinux, libacl's
 * ACLs): what a devtmpfs node and a sysfs directory give on a kernel
 * without an LSM that labels them, ENODATA, and no ls error; a node's fd
 * answers as its path.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

static void node_has_no_attributes_as_on_devtmpfs(void)
{
	const char *nodes[] = { ITEST_CARD, ITEST_RENDER };
	char v[64];

	for (int i = 0; i < 2; i++) {
		CHECK_ERR(lgetxattr(nodes[i], "security.selinux", v, sizeof(v)), ENODATA);
		CHECK_ERR(getxattr(nodes[i], "system.posix_acl_access", v, sizeof(v)), ENODATA);
		CHECK_EQ(llistxattr(nodes[i], NULL, 0), 0);
		CHECK_EQ(listxattr(nodes[i], v, sizeof(v)), 0);
	}
}

static void user_attributes_of_a_node_are_refused(void)
{
	char v[8];

	/* fs/xattr.c xattr_permission(): user.* only on files and directories */
	CHECK_ERR(setxattr(ITEST_CARD, "user.x", "1", 1, 0), EPERM);
	CHECK_ERR(removexattr(ITEST_CARD, "user.x"), EPERM);
	CHECK_ERR(getxattr(ITEST_CARD, "user.x", v, sizeof(v)), ENODATA);
	CHECK_EQ(listxattr(ITEST_CARD, NULL, 0), 0);
}

static void fd_of_a_node_answers_as_its_path(void)
{
	int fd = open(ITEST_CARD, O_RDWR | O_CLOEXEC);
	char v[64];

	CHECK(fd >= 0);
	CHECK_ERR(fgetxattr(fd, "security.selinux", v, sizeof(v)), ENODATA);
	CHECK_EQ(flistxattr(fd, v, sizeof(v)), 0);
	CHECK_ERR(fsetxattr(fd, "user.x", "1", 1, 0), EPERM);
	CHECK_ERR(fremovexattr(fd, "user.x"), EPERM);
	close(fd);
}

static void sysfs_node_directory_has_no_attributes(void)
{
	char v[64];

	CHECK_ERR(lgetxattr("/sys/class/drm/card0", "security.selinux", v, sizeof(v)), ENODATA);
	CHECK_ERR(getxattr("/sys/class/drm/card0", "security.selinux", v, sizeof(v)), ENODATA);
}

static void ls_l_of_dev_dri_writes_no_error(void)
{
	char out[4096];
	size_t n;
	FILE *p = popen("ls -l /dev/dri /dev/dri/ 2>&1 >/dev/null", "r");

	CHECK(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	CHECK_EQ(pclose(p), 0);
	CHECK_STR(out, "");
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "node_has_no_attributes_as_on_devtmpfs", node_has_no_attributes_as_on_devtmpfs },
		{ "user_attributes_of_a_node_are_refused", user_attributes_of_a_node_are_refused },
		{ "fd_of_a_node_answers_as_its_path", fd_of_a_node_answers_as_its_path },
		{ "sysfs_node_directory_has_no_attributes", sysfs_node_directory_has_no_attributes },
		{ "ls_l_of_dev_dri_writes_no_error", ls_l_of_dev_dri_writes_no_error },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
