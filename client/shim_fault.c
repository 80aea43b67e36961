/*
 * shim_fault.c - the client API of client/fakedri_fault.h, exported by the
 * shim: each call opens a connection without a DRM file to the daemon's
 * first device, sends FDRI_IOCTL_FAULT_CTL (fdri_wire.h) and drops the
 * connection before it returns. Owns nothing past the call.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fakedri_fault.h"
#include "fdri_wire.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

/* One FAULT_CTL: 0 or -errno, *@ctl the daemon's answer. */
static int fault_ctl(struct fdri_fault_ctl *ctl)
{
	struct shim_dev *d;
	int ret;

	if (!shim_cfg.sock[0])
		return -ENODEV;
	d = shim_dev_open_fileless(0);
	if (!d)
		return errno == ENOENT || errno == ECONNREFUSED ? -ENODEV : -errno;
	ret = shim_dev_ioctl_target(d->main_sock, d, FDRI_IOCTL_FAULT_CTL, ctl, -1);
	shim_dev_put(d);
	return ret;
}

SHIM_EXPORT int fakedri_fault_add(const char *spec)
{
	struct fdri_fault_ctl ctl = { .op = FDRI_FAULT_OP_ADD };
	int ret;

	if (!spec || strlen(spec) >= sizeof(ctl.spec)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(ctl.spec, spec, strlen(spec));
	ret = fault_ctl(&ctl);
	if (ret == -EINVAL) {
		/* the daemon's one-line reason came back in @spec */
		ctl.spec[sizeof(ctl.spec) - 1] = '\0';
		fprintf(stderr, "fakedri_fault_add: bad spec '%s': %s\n", spec, ctl.spec);
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return (int)ctl.value;
}

SHIM_EXPORT int fakedri_fault_clear(int id)
{
	struct fdri_fault_ctl ctl = { .op = FDRI_FAULT_OP_CLEAR, .id = (uint32_t)id };
	int ret;

	if (id < 0) {
		errno = EINVAL;
		return -1;
	}
	ret = fault_ctl(&ctl);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return (int)ctl.value;
}

SHIM_EXPORT long long fakedri_fault_injected(void)
{
	struct fdri_fault_ctl ctl = { .op = FDRI_FAULT_OP_STATS };
	int ret = fault_ctl(&ctl);

	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return (long long)ctl.value;
}
