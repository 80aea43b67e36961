/*
 * test_flink.c - GEM_FLINK in one process, GEM_OPEN of the name in another
 * (after the usual GET_MAGIC / AUTH_MAGIC handshake): both files see one
 * object and one set of pages.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEED 0x5eed
#define CHILD_SEED 0xf1f1

struct msg {
	uint32_t name;
	uint32_t pad;
	uint64_t size;
	uint64_t id;
};

struct pipes {
	int to_child[2], to_parent[2];
};

static void opener(void *arg)
{
	struct pipes *p = arg;
	struct drm_fakedri_gem_info info;
	struct drm_gem_open op = { 0 };
	struct msg m;
	drm_magic_t magic;
	int fd;
	void *map;

	fd = itest_open(ITEST_CARD);
	/* a second primary client is not authenticated until the master says so */
	CHECK_EQ(drmGetMagic(fd, &magic), 0);
	itest_write(p->to_parent[1], &magic, sizeof(magic));
	itest_read(p->to_child[0], &m, sizeof(m));

	op.name = m.name;
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GEM_OPEN, &op), 0);
	CHECK(op.handle != 0);
	CHECK_EQ(op.size, m.size);
	itest_gem_info(fd, op.handle, &info);
	CHECK_EQ(info.id, m.id);          /* the very same object */
	CHECK_EQ(info.name, m.name);
	CHECK_EQ(info.handle_count, 2);   /* the creator's handle and ours */

	map = itest_dumb_map(fd, op.handle, op.size);
	CHECK(itest_verify(map, op.size, SEED));
	itest_fill(map, op.size, CHILD_SEED);
	CHECK_EQ(munmap(map, op.size), 0);
	itest_gem_close(fd, op.handle);
	CHECK_EQ(close(fd), 0);
}

static void flink_name_opens_same_object_in_other_process(void)
{
	struct pipes p;
	struct drm_fakedri_gem_info info;
	struct drm_gem_flink fl = { 0 };
	struct msg m = { 0 };
	drm_magic_t magic;
	uint32_t handle;
	uint64_t size;
	int fd;
	pid_t pid;
	void *map;

	CHECK_EQ(pipe2(p.to_child, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(p.to_parent, O_CLOEXEC), 0);
	fd = itest_open(ITEST_CARD); /* first opener: master, authenticated */
	pid = itest_fork(opener, &p);

	handle = itest_dumb_create(fd, 32, 32, &size);
	map = itest_dumb_map(fd, handle, size);
	itest_fill(map, size, SEED);
	fl.handle = handle;
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GEM_FLINK, &fl), 0);
	CHECK(fl.name != 0);
	itest_gem_info(fd, handle, &info);
	CHECK_EQ(info.name, fl.name);

	itest_read(p.to_parent[0], &magic, sizeof(magic));
	CHECK_EQ(drmAuthMagic(fd, magic), 0);
	m.name = fl.name;
	m.size = size;
	m.id = info.id;
	itest_write(p.to_child[1], &m, sizeof(m));
	itest_wait_ok(pid);

	CHECK(itest_verify(map, size, CHILD_SEED));
	itest_gem_info(fd, handle, &info);
	CHECK_EQ(info.handle_count, 1);
	CHECK_EQ(munmap(map, size), 0);
	itest_gem_close(fd, handle);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "flink_name_opens_same_object_in_other_process",
		  flink_name_opens_same_object_in_other_process },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
