/*
 * test_debugfs.c - /sys/kernel/debug/dri/<minor>/ under the shim, read by
 * a real process as IGT reads it: by path, relative to the directory's fd,
 * and by the path /proc/self/fd shows for that fd.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

/* The whole text of a file, NUL-terminated (static buffer). */
static const char *slurp_at(int dirfd, const char *path)
{
	static char buf[16384];
	size_t len = 0;
	ssize_t n;
	int fd = openat(dirfd, path, O_RDONLY);

	CHECK(fd >= 0);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	CHECK(n == 0);
	buf[len] = '\0';
	close(fd);
	return buf;
}

static const char *slurp(const char *path)
{
	return slurp_at(AT_FDCWD, path);
}

static void name_names_the_driver(void)
{
	CHECK_STR(slurp("/sys/kernel/debug/dri/0/name"), "fakedri dev=fakedri unique=fakedri\n");
	CHECK_STR(slurp("/sys/kernel/debug/dri/128/name"), "fakedri dev=fakedri unique=fakedri\n");
}

static void clients_shows_this_process_on_each_node(void)
{
	int card = itest_open(ITEST_CARD), render = itest_open(ITEST_RENDER);
	char comm[32], want[256];
	const char *text;
	FILE *f = fopen("/proc/self/comm", "re");

	CHECK(f && fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	text = slurp("/sys/kernel/debug/dri/0/clients");
	CHECK(!strncmp(text, "             command   pid dev master a   uid      magic\n", 56));
	/* the opener is the master, authenticated, uid as id(1) says */
	snprintf(want, sizeof(want), "%20s %5d %3d   y    y %5u %10u\n", comm, (int)gettid(), 0,
		 (unsigned)getuid(), 0u);
	CHECK(strstr(text, want));
	snprintf(want, sizeof(want), "%20s %5d %3d   n    %c %5u %10u\n", comm, (int)gettid(), 128,
		 getuid() == 0 ? 'y' : 'n', (unsigned)getuid(), 0u);
	CHECK(strstr(text, want));
	close(card);
	close(render);
}

static void gem_names_lists_a_flinked_buffer(void)
{
	int fd = itest_open(ITEST_CARD);
	uint64_t size;
	uint32_t h = itest_dumb_create(fd, 64, 64, &size);
	struct drm_gem_flink fl = { .handle = h };
	char want[64];

	CHECK(drmIoctl(fd, DRM_IOCTL_GEM_FLINK, &fl) == 0);
	snprintf(want, sizeof(want), "%6u %8llu %7d %8d\n", fl.name, (unsigned long long)size, 1, 1);
	CHECK(strstr(slurp("/sys/kernel/debug/dri/0/gem_names"), want));
	close(fd);
}

static void files_open_relative_to_the_directory_fd(void)
{
	int dir = open("/sys/kernel/debug/dri/0", O_RDONLY | O_DIRECTORY);
	char link[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n;

	CHECK(dir >= 0);
	CHECK(!strncmp(slurp_at(dir, "name"), "fakedri ", 8));
	/* what /proc shows for the fd is the path it was opened by, and
	 * files open by that path too (IGT's igt_dir does this) */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dir);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = '\0';
	CHECK_STR(link, "/sys/kernel/debug/dri/0");
	snprintf(path, sizeof(path), "%s/gem_names", link);
	CHECK(!strncmp(slurp(path), "  name     size handles refcount\n", 33));
	close(dir);
}

static void directory_lists_the_files_read_only(void)
{
	static const char *const want[] = { "name", "clients", "gem_names", "fakedri_objects",
					     "fakedri_fences" };
	unsigned found = 0;
	struct dirent *e;
	DIR *d = opendir("/sys/kernel/debug/dri/0");

	CHECK(d);
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		CHECK(fstatat(dirfd(d), e->d_name, &st, 0) == 0);
		CHECK_EQ(st.st_mode, S_IFREG | 0444);
		for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (!strcmp(e->d_name, want[i]))
				found |= 1u << i;
	}
	closedir(d);
	CHECK_EQ(found, 0x1f);
}

static void a_file_is_a_snapshot_taken_at_open(void)
{
	int fd = itest_open(ITEST_RENDER);
	int before = open("/sys/kernel/debug/dri/0/fakedri_objects", O_RDONLY);
	uint32_t h = itest_gem_create(fd, 4096);
	char buf[4096];
	ssize_t n;

	CHECK(before >= 0);
	n = read(before, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n] = '\0';
	CHECK(strstr(buf, "Total 0 objects, 0 bytes\n"));
	CHECK(strstr(slurp("/sys/kernel/debug/dri/0/fakedri_objects"), "Total 1 objects, 4096 bytes\n"));
	/* read-only */
	CHECK_ERR(write(before, "x", 1), EBADF);
	close(before);
	itest_gem_close(fd, h);
	close(fd);
}

static void unknown_minor_does_not_exist(void)
{
	CHECK_ERR(open("/sys/kernel/debug/dri/7/name", O_RDONLY), ENOENT);
	CHECK_ERR(open("/sys/kernel/debug/dri/0/nope", O_RDONLY), ENOENT);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "name_names_the_driver", name_names_the_driver },
		{ "clients_shows_this_process_on_each_node", clients_shows_this_process_on_each_node },
		{ "gem_names_lists_a_flinked_buffer", gem_names_lists_a_flinked_buffer },
		{ "files_open_relative_to_the_directory_fd", files_open_relative_to_the_directory_fd },
		{ "directory_lists_the_files_read_only", directory_lists_the_files_read_only },
		{ "a_file_is_a_snapshot_taken_at_open", a_file_is_a_snapshot_taken_at_open },
		{ "unknown_minor_does_not_exist", unknown_minor_does_not_exist },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
