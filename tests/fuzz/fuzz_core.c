/*
 * fuzz_core.c - fuzzes the I/O-free core: a byte string becomes a sequence
 * of opens (primary/render, root or not), closes, ioctls with arbitrary
 * commands and struct bytes, PRIME fd passing and mmap requests on up to
 * eight files of two devices. After the sequence every file is closed, and
 * the oracle checks that nothing leaked: no objects, dma-bufs or files left,
 * and every fd the fake host gave the core closed exactly once.
 *
 * Built two ways: with clang -fsanitize=fuzzer (LLVMFuzzerTestOneInput is
 * the entry point, scripts/fuzz.sh), and with a plain main() that replays
 * files or runs a seeded random sequence, so CI exercises it with gcc.
 * Owns its fake host and devices for one input at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <drm.h>
#include <drm_mode.h>

#include "fakedri_drm.h"
#include "fdri_core.h"
#include "fdri_ioctl.h"
#include "fuzz_input.h"

#define MAX_FDS 1024
#define MAX_FILES 8

/* --- a fake host: fd numbers with an inode each, no real I/O --- */
struct fake_fd {
	uint64_t ino, size, instance;
	int open;
	int core; /* handed to the core, which must close it */
};

static struct fake_fd fds[MAX_FDS];
static int nfds;
static uint64_t next_ino;

static int fd_new(uint64_t ino, uint64_t size, uint64_t instance, int core)
{
	if (nfds == MAX_FDS)
		return -EMFILE;
	fds[nfds] = (struct fake_fd){ ino, size, instance, 1, core };
	return nfds++;
}

static int h_backing(void *ctx, uint64_t instance, uint64_t size)
{
	(void)ctx;
	return fd_new(++next_ino, size, instance, 1);
}

static int h_identify(void *ctx, int fd, struct fdri_fd_ident *id)
{
	(void)ctx;
	if (fd < 0 || fd >= nfds || !fds[fd].open)
		return -EBADF;
	if (!fds[fd].instance)
		return -EINVAL; /* not a fakedri buffer */
	id->ino = fds[fd].ino;
	id->size = fds[fd].size;
	id->instance = fds[fd].instance;
	return 0;
}

static int h_reopen(void *ctx, int fd, int flags)
{
	(void)ctx; (void)flags;
	if (fd < 0 || fd >= nfds || !fds[fd].open)
		return -EBADF;
	return fd_new(fds[fd].ino, fds[fd].size, fds[fd].instance, 1);
}

static int h_dup(void *ctx, int fd)
{
	return h_reopen(ctx, fd, 0);
}

static void h_close(void *ctx, int fd)
{
	(void)ctx;
	if (fd < 0 || fd >= nfds || !fds[fd].open || !fds[fd].core)
		abort(); /* the core closed something it did not own */
	fds[fd].open = 0;
}

/* No loop: the clock stands still and deadlines cannot be armed, so a
 * request that would wait is cancelled by fdri_ioctl_direct(). */
static int64_t h_now(void *ctx)
{
	(void)ctx;
	return 1;
}

static int h_timer_arm(void *ctx, struct fdri_timer *t, int64_t deadline)
{
	(void)ctx; (void)t; (void)deadline;
	return -ENOTSUP;
}

static void h_timer_none(void *ctx, struct fdri_timer *t)
{
	(void)ctx; (void)t;
}

static const struct fdri_host_ops host = {
	.backing_create = h_backing,
	.dmabuf_identify = h_identify,
	.reopen = h_reopen,
	.dup = h_dup,
	.close = h_close,
	.now = h_now,
	.timer_arm = h_timer_arm,
	.timer_disarm = h_timer_none,
	.timer_fini = h_timer_none,
};

/* Commands worth hitting often, plus whatever the input makes up. */
static const unsigned int cmds[] = {
	DRM_IOCTL_VERSION, DRM_IOCTL_GET_UNIQUE, DRM_IOCTL_GET_MAGIC, DRM_IOCTL_GET_CLIENT,
	DRM_IOCTL_GET_STATS, DRM_IOCTL_SET_VERSION, DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_GEM_FLINK,
	DRM_IOCTL_GEM_OPEN, DRM_IOCTL_GET_CAP, DRM_IOCTL_SET_CLIENT_CAP, DRM_IOCTL_AUTH_MAGIC,
	DRM_IOCTL_SET_MASTER, DRM_IOCTL_DROP_MASTER, DRM_IOCTL_PRIME_HANDLE_TO_FD,
	DRM_IOCTL_PRIME_FD_TO_HANDLE, DRM_IOCTL_MODE_CREATE_DUMB, DRM_IOCTL_MODE_MAP_DUMB,
	DRM_IOCTL_MODE_DESTROY_DUMB, DRM_IOCTL_MODE_GETRESOURCES, DRM_IOCTL_FAKEDRI_GEM_CREATE,
	DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, DRM_IOCTL_FAKEDRI_GEM_INFO,
	DRM_IOCTL_FAKEDRI_DEVICE_STATS,
};

static void run(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct fdri_device *devs[2];
	struct fdri_file *files[MAX_FILES] = { 0 };
	struct fdri_caller root = { .pid = 1, .tid = 1, .cap_sys_admin = true };
	struct fdri_caller user = { .pid = 2, .tid = 2, .uid = 1000, .gid = 1000 };
	int client_fds[16], nclient = 0;

	nfds = 0;
	devs[0] = fdri_device_create(fdri_personality_find(NULL), &host, NULL, 1);
	devs[1] = fdri_device_create(fdri_personality_find("vgem"), &host, NULL, 2);
	devs[0]->mem_limit = 1ull << 32;
	devs[1]->mem_limit = 1ull << 32;
	while (in.n) {
		uint8_t op = take8(&in), idx = take8(&in) % MAX_FILES;
		struct fdri_caller *who = (op & 0x80) ? &user : &root;

		switch (op & 7) {
		case 0: /* open */
			if (!files[idx]) {
				int err;

				files[idx] = fdri_file_open(devs[idx & 1], (op & 8) ? FDRI_NODE_RENDER :
							    FDRI_NODE_PRIMARY, who, O_RDWR, &err);
			}
			break;
		case 1: /* close */
			fdri_file_close(files[idx]);
			files[idx] = NULL;
			break;
		case 2: case 3: case 4: { /* ioctl */
			unsigned char arg[256];
			unsigned int cmd;
			int out_fd = -1, in_fd;
			uint8_t pick = take8(&in);

			if (!files[idx])
				break;
			if (pick < 200)
				cmd = cmds[pick % (sizeof(cmds) / sizeof(cmds[0]))];
			else
				cmd = take32(&in);
			for (size_t i = 0; i < sizeof(arg); i++)
				arg[i] = i < 32 ? take8(&in) : 0;
			/* nested pointers must not point anywhere in this harness */
			if (_IOC_NR(cmd) == 0 || _IOC_NR(cmd) == 1)
				memset(arg, 0, sizeof(arg));
			in_fd = nclient ? client_fds[take8(&in) % nclient] : -1;
			if (_IOC_SIZE(cmd) > sizeof(arg))
				break;
			fdri_ioctl_direct(files[idx], who, cmd, arg, in_fd, &out_fd);
			if (out_fd >= 0 && nclient < 16) {
				/* what a transport hands the client: a dup of the dma-buf */
				int c = fd_new(fds[out_fd].ino, fds[out_fd].size, fds[out_fd].instance, 0);

				if (c >= 0)
					client_fds[nclient++] = c;
			}
			break;
		}
		case 5: { /* mmap */
			uint64_t off = FDRI_MMAP_OFFSET_START + (uint64_t)take8(&in) * 4096;
			int memfd;

			if (files[idx])
				fdri_file_mmap(files[idx], off, (uint64_t)take8(&in) * 4096, &memfd);
			break;
		}
		case 6: /* a foreign fd, not a fakedri buffer */
			if (nclient < 16) {
				int c = fd_new(++next_ino, 4096, 0, 0);

				if (c >= 0)
					client_fds[nclient++] = c;
			}
			break;
		default:
			break;
		}
	}
	for (int i = 0; i < MAX_FILES; i++)
		fdri_file_close(files[i]);
	for (int d = 0; d < 2; d++) {
		const struct fdri_stats *s = &devs[d]->stats;

		if (s->objects || s->dmabufs || s->files_open || s->backed_bytes || devs[d]->mem_used) {
			fprintf(stderr, "leak: objects %llu dmabufs %llu files %llu\n",
				(unsigned long long)s->objects, (unsigned long long)s->dmabufs,
				(unsigned long long)s->files_open);
			abort();
		}
		fdri_device_destroy(devs[d]);
	}
	for (int i = 0; i < nfds; i++)
		if (fds[i].core && fds[i].open)
			abort(); /* the core leaked an fd */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	return 0;
}

#ifndef FAKEDRI_LIBFUZZER
/* Replays files given as arguments, or runs seeded random inputs:
 * fuzz_core [--random N SEED] [FILE...] */
int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--random")) {
		long n = atol(argv[2]);
		uint8_t buf[4096];

		srandom((unsigned)atol(argv[3]));
		for (long i = 0; i < n; i++) {
			size_t len = (size_t)(random() % sizeof(buf));

			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)random();
			run(buf, len);
		}
		printf("%ld random inputs, no crash, no leak\n", n);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		static uint8_t buf[1 << 20];
		FILE *f = fopen(argv[i], "rb");
		size_t len;

		if (!f)
			return 1;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		run(buf, len);
	}
	return 0;
}
#endif
