/*
 * test_uevent.c - the two netlink formats of a uevent (fdri_uevent.c): the
 * kernel's "ACTION@DEVPATH" message and udevd's, whose monitor_netlink_header
 * carries the hashes libudev's socket filter compares. The hash values are
 * the ones libudev's own filters accept (tests/integration/test_uevent.c
 * checks that through the real library). Owns nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fdri_uevent.h"

static const struct fdri_uevent card0 = {
	.action = "remove",
	.devpath = "/devices/platform/vgem/drm/card0",
	.subsystem = "drm",
	.devtype = "drm_minor",
	.props = { "MAJOR=226", "MINOR=0", "DEVNAME=dri/card0", "DEVTYPE=drm_minor" },
	.nprops = 4,
	.udev_devname = "/dev/dri/card0",
	.udev_props = { "ID_PATH=platform-vgem" },
	.nudev_props = 1,
	.tags = { "seat", "uaccess" },
	.ntags = 2,
	.seqnum = 1234,
	.usec_initialized = 42,
};

static uint32_t be32_at(const char *buf, size_t off)
{
	uint32_t v;

	memcpy(&v, buf + off, 4);
	return ntohl(v);
}

static uint32_t u32_at(const char *buf, size_t off)
{
	uint32_t v;

	memcpy(&v, buf + off, 4);
	return v;
}

static void hashes_are_systemds(void **state)
{
	(void)state;
	assert_int_equal(fdri_uevent_hash32(""), 0);
	assert_int_equal(fdri_uevent_hash32("drm"), 0x16664179);
	assert_int_equal(fdri_uevent_hash32("drm_minor"), 0x1ca6541e);
	/* four bits of the hash: 6-bit fields at 0, 6, 12 and 18 */
	assert_int_equal(fdri_uevent_bloom64("uaccess"), 0x0000200800001008ull);
}

static void kernel_format_is_action_at_devpath_then_properties(void **state)
{
	static const char want[] =
		"remove@/devices/platform/vgem/drm/card0\0ACTION=remove\0"
		"DEVPATH=/devices/platform/vgem/drm/card0\0SUBSYSTEM=drm\0MAJOR=226\0MINOR=0\0"
		"DEVNAME=dri/card0\0DEVTYPE=drm_minor\0SEQNUM=1234";
	char buf[FDRI_UEVENT_MAX];
	ssize_t n;

	(void)state;
	n = fdri_uevent_format(&card0, FDRI_UEVENT_GROUP_KERNEL, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void udev_format_has_the_libudev_header(void **state)
{
	static const char props[] =
		"ACTION=remove\0DEVPATH=/devices/platform/vgem/drm/card0\0SUBSYSTEM=drm\0"
		"MAJOR=226\0MINOR=0\0DEVNAME=/dev/dri/card0\0DEVTYPE=drm_minor\0SEQNUM=1234\0"
		"USEC_INITIALIZED=42\0ID_PATH=platform-vgem\0TAGS=:seat:uaccess:\0"
		"CURRENT_TAGS=:seat:uaccess:";
	uint64_t bloom = fdri_uevent_bloom64("seat") | fdri_uevent_bloom64("uaccess");
	char buf[FDRI_UEVENT_MAX];
	ssize_t n;

	(void)state;
	n = fdri_uevent_format(&card0, FDRI_UEVENT_GROUP_UDEV, buf, sizeof(buf));
	assert_int_equal(n, FDRI_UEVENT_UDEV_HEADER + sizeof(props));
	assert_memory_equal(buf, "libudev", 8);
	assert_int_equal(be32_at(buf, 8), FDRI_UEVENT_UDEV_MAGIC);
	assert_int_equal(u32_at(buf, 12), FDRI_UEVENT_UDEV_HEADER);   /* header_size */
	assert_int_equal(u32_at(buf, 16), FDRI_UEVENT_UDEV_HEADER);   /* properties_off */
	assert_int_equal(u32_at(buf, 20), sizeof(props));             /* properties_len */
	assert_int_equal(be32_at(buf, 24), 0x16664179);               /* "drm" */
	assert_int_equal(be32_at(buf, 28), 0x1ca6541e);               /* "drm_minor" */
	assert_int_equal(be32_at(buf, 32), (uint32_t)(bloom >> 32));
	assert_int_equal(be32_at(buf, 36), (uint32_t)bloom);
	assert_memory_equal(buf + FDRI_UEVENT_UDEV_HEADER, props, sizeof(props));
}

static void no_devtype_or_tags_leave_their_fields_zero(void **state)
{
	struct fdri_uevent ev = {
		.action = "unbind", .devpath = "/devices/platform/fakedri", .subsystem = "platform",
		.props = { "MODALIAS=platform:fakedri" }, .nprops = 1, .seqnum = 7,
	};
	char buf[FDRI_UEVENT_MAX];

	(void)state;
	assert_true(fdri_uevent_format(&ev, FDRI_UEVENT_GROUP_UDEV, buf, sizeof(buf)) > 0);
	assert_int_equal(be32_at(buf, 24), fdri_uevent_hash32("platform"));
	assert_int_equal(u32_at(buf, 28), 0);
	assert_int_equal(u32_at(buf, 32), 0);
	assert_int_equal(u32_at(buf, 36), 0);
}

static void bad_input_is_refused(void **state)
{
	struct fdri_uevent ev = card0;
	char buf[FDRI_UEVENT_MAX];

	(void)state;
	assert_int_equal(fdri_uevent_format(&card0, 3, buf, sizeof(buf)), -EINVAL);
	ev.subsystem = NULL;
	assert_int_equal(fdri_uevent_format(&ev, FDRI_UEVENT_GROUP_KERNEL, buf, sizeof(buf)),
			 -EINVAL);
	/* what does not fit is not cut */
	assert_int_equal(fdri_uevent_format(&card0, FDRI_UEVENT_GROUP_KERNEL, buf, 40), -ENOSPC);
	assert_int_equal(fdri_uevent_format(&card0, FDRI_UEVENT_GROUP_UDEV, buf, 20), -ENOSPC);
	assert_int_equal(fdri_uevent_format(&card0, FDRI_UEVENT_GROUP_UDEV, buf, 100), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashes_are_systemds),
		cmocka_unit_test(kernel_format_is_action_at_devpath_then_properties),
		cmocka_unit_test(udev_format_has_the_libudev_header),
		cmocka_unit_test(no_devtype_or_tags_leave_their_fields_zero),
		cmocka_unit_test(bad_input_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
