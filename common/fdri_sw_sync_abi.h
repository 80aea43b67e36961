/*
 * fdri_sw_sync_abi.h - the ABI of sw_sync's debugfs file (/dev/sw_sync
 * through the shim), as the kernel's drivers/dma-buf/sw_sync.c defines it
 * privately: the kernel installs no header for it, so the daemon's core
 * (fdri_sw_sync.c) and the tests that make timelines and fences take it
 * from here. Include <stdint.h> first; the ioctl
 * numbers need <sys/ioctl.h> where they are used.
 */
#ifndef FDRI_SW_SYNC_ABI_H
#define FDRI_SW_SYNC_ABI_H

struct sw_sync_create_fence_data {
	uint32_t value;
	char name[32];
	int32_t fence;
};

#define SW_SYNC_IOC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC _IOW('W', 1, uint32_t)

#endif
