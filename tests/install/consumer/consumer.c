/*
 * consumer.c - a program built against an installed fakedri, as another
 * project builds one: its headers found with `pkg-config --cflags fakedri`
 * or CMake's find_package(fakedri) (targets fakedri::uapi, fakedri::fault),
 * no fakedri library linked. Run under the installed `fakedri run`, it
 * finds the fault API in the preloaded shim with dlsym, arms a fault on
 * DRM_IOCTL_FAKEDRI_DEVICE_STATS (the uapi header's ioctl), sees the first
 * call fail with ENOMEM and the second succeed, and prints
 * "consumer: PASS". Exit 77 when not under fakedri (no shim).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fakedri/fakedri_drm.h>
#include <fakedri/fakedri_fault.h>

int main(void)
{
	int (*fault_add)(const char *) =
		(int (*)(const char *))dlsym(RTLD_DEFAULT, "fakedri_fault_add");
	long long (*fault_injected)(void) =
		(long long (*)(void))dlsym(RTLD_DEFAULT, "fakedri_fault_injected");
	struct drm_fakedri_device_stats st;
	int fd, id, r;

	if (!fault_add || !fault_injected) {
		printf("consumer: not under fakedri (no fakedri_fault_add)\n");
		return 77;
	}
	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("consumer: open /dev/dri/card0: %s\n", strerror(errno));
		return 1;
	}
	id = fault_add("ioctl=FAKEDRI_DEVICE_STATS,nth=1,errno=ENOMEM");
	if (id < 1) {
		printf("consumer: fakedri_fault_add: %d %s\n", id, strerror(errno));
		return 1;
	}
	memset(&st, 0, sizeof(st));
	r = ioctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, &st);
	if (r != -1 || errno != ENOMEM) {
		printf("consumer: first DEVICE_STATS: %d %s, not ENOMEM\n", r, strerror(errno));
		return 1;
	}
	r = ioctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, &st);
	if (r != 0 || st.files != 1) {
		printf("consumer: second DEVICE_STATS: %d %s, files %llu\n", r, strerror(errno),
		       (unsigned long long)st.files);
		return 1;
	}
	if (fault_injected() != 1) {
		printf("consumer: fakedri_fault_injected() = %lld, not 1\n", fault_injected());
		return 1;
	}
	close(fd);
	printf("consumer: PASS\n");
	return 0;
}
