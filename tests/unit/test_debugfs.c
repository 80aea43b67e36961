/*
 * test_debugfs.c - the text of a device's debugfs files (fdri_debugfs.h):
 * the kernel's name, clients and gem_names in Linux 6.1's formats, and
 * fakedri's objects and fences views.
 */
#include "fixture.h"
#include "fdri_debugfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The file's text, NUL-terminated; free() it. */
static char *show(struct fdri_device *dev, const char *name)
{
	struct fdri_seq m;
	char *text;

	fdri_seq_init(&m);
	assert_int_equal(fdri_debugfs_show(dev, name, &m), 0);
	text = calloc(1, m.len + 1);
	assert_non_null(text);
	if (m.len)
		memcpy(text, m.buf, m.len);
	fdri_seq_fini(&m);
	return text;
}

static void assert_text(struct fdri_device *dev, const char *name, const char *want)
{
	char *text = show(dev, name);

	assert_string_equal(text, want);
	free(text);
}

static void name_gives_driver_parent_and_unique(void **state)
{
	struct fx *fx = *state;

	assert_text(fx->dev, "name", "fakedri dev=fakedri unique=fakedri\n");
	assert_text(fx_vgem_device(fx), "name", "vgem dev=vgem unique=vgem\n");
}

static void name_gives_the_platform_device_the_daemon_named(void **state)
{
	struct fx *fx = *state;

	fdri_device_set_identity(fx->dev, "fakedri.1", 1, 129);
	assert_text(fx->dev, "name", "fakedri dev=fakedri.1 unique=fakedri\n");
}

static void name_gives_the_master_unique_after_set_version(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_PRIMARY, &fx->root);
	struct drm_set_version sv = { 1, 4, -1, -1 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SET_VERSION, &sv), 0);
	assert_text(fx->dev, "name", "fakedri dev=fakedri master=fakedri unique=fakedri\n");
}

static void clients_lists_files_oldest_first_in_the_kernel_format(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f;
	struct drm_auth auth = { 0 };

	fdri_device_set_identity(fx->dev, NULL, 0, 128);
	fx_open(fx, FDRI_NODE_TYPE_PRIMARY, &fx->user);   /* master: authenticated */
	f = fx_open(fx, FDRI_NODE_TYPE_PRIMARY, &fx->user2);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_GET_MAGIC, &auth), 0);
	fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->root);
	/* the fake host knows no command names: "<unknown>", as for a
	 * task that is gone */
	assert_text(fx->dev, "clients",
		    "             command   pid dev master a   uid      magic\n"
		    "           <unknown>  1000   0   y    y  1000          0\n"
		    "           <unknown>  2001   0   n    n  1000          1\n"
		    "           <unknown>  3000 128   n    y     0          0\n");
}

static void clients_drops_a_closed_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f;

	fdri_device_set_identity(fx->dev, NULL, 0, 128);
	f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user2);
	fx_close(fx, f);
	assert_text(fx->dev, "clients",
		    "             command   pid dev master a   uid      magic\n"
		    "           <unknown>  2001 128   n    n  1000          0\n");
}

static void gem_names_lists_flinked_objects_only(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_PRIMARY, &fx->user);
	uint32_t name;

	fx_gem_create(fx, f, 4096);
	assert_int_equal(fx_flink(fx, f, fx_gem_create(fx, f, 16384), &name), 0);
	assert_int_equal(name, 1);
	assert_text(fx->dev, "gem_names",
		    "  name     size handles refcount\n"
		    "     1    16384       1        1\n");
}

static void objects_lists_each_object_with_its_handles(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_PRIMARY, &fx->user);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_TYPE_PRIMARY, &fx->root);
	uint32_t h = fx_gem_create(fx, f, 8192), name, h2;
	uint64_t size;
	char want[256], *text;

	assert_int_equal(fx_flink(fx, f, h, &name), 0);
	assert_int_equal(fx_gem_open(fx, g, name, &h2, &size), 0);
	text = show(fx->dev, "fakedri_objects");
	/* as in the kernel, the handles together hold one reference */
	snprintf(want, sizeof(want), "%8d %12d %4d %7d %6u %7s %8s  %llu:%u %llu:%u\n", 1, 8192,
		 1, 2, name, "no", "-", (unsigned long long)f->id, h, (unsigned long long)g->id,
		 h2);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "Total 1 objects, 8192 bytes\n"));
	free(text);
}

static void fences_counts_syncobjs(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	struct drm_syncobj_create c = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	char want[64], *text;

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	text = show(fx->dev, "fakedri_fences");
	snprintf(want, sizeof(want), "syncobj %llu:%u: ", (unsigned long long)f->id, c.handle);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, " signalled (context"));
	assert_non_null(strstr(text, "Total 1 syncobjs, 0 fence fds"));
	free(text);
}

static void jobs_lists_the_queues_pending_jobs_in_order(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_TYPE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	struct fx_job j;
	char *text, *first, *second;

	for (int i = 0; i < 2; i++) {
		fx_job_init(&j, ctx, 1, 1000000);
		fx_job_bo(&j, bo, FAKEDRI_SUBMIT_BO_WRITE);
		assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	}
	text = show(fx->dev, "fakedri_jobs");
	assert_non_null(strstr(text, "2 queues, poison off, hazards log, jitter off; 2 jobs pending"));
	first = strstr(text, ":1 running file");
	second = strstr(text, ":2 waiting file");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	assert_non_null(strstr(text, "\nqueue1 "));
	free(text);
	fx_advance(&fx->host, 2000000);
	text = show(fx->dev, "fakedri_jobs");
	assert_null(strstr(text, "queue1 "));
	free(text);
}

static void unknown_file_gives_enoent(void **state)
{
	struct fx *fx = *state;
	struct fdri_seq m;

	fdri_seq_init(&m);
	assert_int_equal(fdri_debugfs_show(fx->dev, "nope", &m), -ENOENT);
	fdri_seq_fini(&m);
}

static void every_listed_file_shows_on_every_personality(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *devs[] = { fx->dev, fx_vgem_device(fx) };

	for (unsigned d = 0; d < 2; d++) {
		for (const char *const *n = fdri_debugfs_files; *n; n++) {
			char *text = show(devs[d], *n);

			assert_true(strlen(text) > 0);
			free(text);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(name_gives_driver_parent_and_unique),
		FX_TEST(name_gives_the_platform_device_the_daemon_named),
		FX_TEST(name_gives_the_master_unique_after_set_version),
		FX_TEST(clients_lists_files_oldest_first_in_the_kernel_format),
		FX_TEST(clients_drops_a_closed_file),
		FX_TEST(gem_names_lists_flinked_objects_only),
		FX_TEST(objects_lists_each_object_with_its_handles),
		FX_TEST(fences_counts_syncobjs),
		FX_TEST(jobs_lists_the_queues_pending_jobs_in_order),
		FX_TEST(unknown_file_gives_enoent),
		FX_TEST(every_listed_file_shows_on_every_personality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
