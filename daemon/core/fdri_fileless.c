/*
 * fdri_fileless.c - the ioctls of a connection without a DRM file
 * (fdri_req_submit_target() with FDRI_TARGET_NONE, fdri_wire.h): opening a
 * sw_sync timeline and a debugfs file, and fault control. Owns only the
 * table; the objects are fdri_sw_sync.c's and fdri_debugfs.c's, and the
 * faults fdri_fault.c's (the handler is in fdri_fault_ioctl.c).
 */
#include "fdri_debugfs.h"
#include "fdri_fault.h"
#include "fdri_ioctl.h"
#include "fdri_req.h"
#include "fdri_sw_sync.h"
#include "fdri_wire.h"

#include <stddef.h>

const struct fdri_ioctl_desc fdri_fileless_ioctls[] = {
	{ .cmd = FDRI_IOCTL_SW_SYNC_OPEN, .name = "SW_SYNC_OPEN", .func = fdri_ioctl_sw_sync_open,
	  .fd_in_off = -1, .fd_out_off = offsetof(struct fdri_sw_sync_open, fd) },
	{ .cmd = FDRI_IOCTL_DEBUGFS_OPEN, .name = "DEBUGFS_OPEN", .func = fdri_ioctl_debugfs_open,
	  .fd_in_off = -1, .fd_out_off = offsetof(struct fdri_debugfs_open, fd) },
	{ .cmd = FDRI_IOCTL_FAULT_CTL, .name = "FAULT_CTL", .func = fdri_ioctl_fault_ctl,
	  .fd_in_off = -1, .fd_out_off = -1 },
};
const unsigned int fdri_fileless_num_ioctls =
	sizeof(fdri_fileless_ioctls) / sizeof(fdri_fileless_ioctls[0]);
