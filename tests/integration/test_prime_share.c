/*
 * test_prime_share.c - PRIME sharing of a dumb BO between two processes:
 * a producer on card0 and a consumer on renderD128, with the dma-buf fd
 * passed over SCM_RIGHTS.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define W 64
#define H 64
#define SEED 0xc0ffee
#define REPLY_SEED 0xbeef

/* The consumer starts before the producer opens anything, so all it has of
 * the device is the dma-buf fd it receives. */
static void consumer(void *arg)
{
	int sock = *(int *)arg, rfd, buf;
	uint64_t size;
	uint32_t handle;
	void *dp, *gp;

	buf = itest_recv_fd(sock, &size);
	rfd = itest_open(ITEST_RENDER);
	CHECK_EQ(drmGetNodeTypeFromFd(rfd), DRM_NODE_RENDER);
	CHECK_EQ(drmPrimeFDToHandle(rfd, buf, &handle), 0);
	CHECK(handle != 0);

	/* the dma-buf's own mapping */
	CHECK_EQ(lseek(buf, 0, SEEK_END), size);
	dp = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	CHECK(dp != MAP_FAILED);
	CHECK(itest_verify(dp, size, SEED));

	/* and the importer's GEM mapping of the same pages */
	gp = itest_gem_map(rfd, handle, size);
	CHECK(itest_verify(gp, size, SEED));

	/* writes through the importer's mapping reach the exporter */
	itest_fill(gp, size, REPLY_SEED);
	CHECK(itest_verify(dp, size, REPLY_SEED));
	CHECK_EQ(munmap(dp, size), 0);
	CHECK_EQ(munmap(gp, size), 0);
	itest_gem_close(rfd, handle);
	CHECK_EQ(close(buf), 0);
	CHECK_EQ(close(rfd), 0);
	itest_write(sock, "k", 1);
}

static void dumb_bo_exported_to_render_node_consumer(void)
{
	int sv[2], card, buf = -1;
	uint64_t size;
	uint32_t handle;
	pid_t pid;
	void *p;
	char ack;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = itest_fork(consumer, &sv[1]);
	CHECK_EQ(close(sv[1]), 0);

	card = itest_open(ITEST_CARD);
	CHECK_EQ(drmGetNodeTypeFromFd(card), DRM_NODE_PRIMARY);
	handle = itest_dumb_create(card, W, H, &size);
	CHECK_EQ(size, W * H * 4);
	p = itest_dumb_map(card, handle, size);
	itest_fill(p, size, SEED);
	CHECK_EQ(drmPrimeHandleToFD(card, handle, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	CHECK(buf >= 0);
	itest_send_fd(sv[0], buf, size);
	CHECK_EQ(close(buf), 0); /* the consumer's copy is enough */

	itest_read(sv[0], &ack, 1);
	itest_wait_ok(pid);
	CHECK(itest_verify(p, size, REPLY_SEED));
	CHECK_EQ(munmap(p, size), 0);
	itest_gem_close(card, handle);
	CHECK_EQ(close(card), 0);
	itest_check_device_clean();
}

/* A dma-buf that arrives over a socket behaves as one in the receiver too. */
static void receiver(void *arg)
{
	int sock = *(int *)arg, buf;
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	uint64_t size;

	buf = itest_recv_fd(sock, &size);
	CHECK_EQ(lseek(buf, 0, SEEK_END), size);
	CHECK_ERR(lseek(buf, 0, SEEK_CUR), EINVAL);
	CHECK_MMAP_ERR(mmap(NULL, size + 4096, PROT_READ, MAP_SHARED, buf, 0), EINVAL);
	CHECK_MMAP_ERR(mmap(NULL, size, PROT_READ, MAP_PRIVATE, buf, 0), EINVAL);
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), 0);
	CHECK_EQ(close(buf), 0);
}

static void received_dmabuf_keeps_dmabuf_semantics(void)
{
	int sv[2], card, buf = -1;
	uint64_t size;
	uint32_t handle;
	pid_t pid;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = itest_fork(receiver, &sv[1]);
	card = itest_open(ITEST_CARD);
	handle = itest_dumb_create(card, W, H, &size);
	CHECK_EQ(drmPrimeHandleToFD(card, handle, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	itest_send_fd(sv[0], buf, size);
	itest_wait_ok(pid);
	CHECK_EQ(close(buf), 0);
	CHECK_EQ(close(card), 0);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "dumb_bo_exported_to_render_node_consumer", dumb_bo_exported_to_render_node_consumer },
		{ "received_dmabuf_keeps_dmabuf_semantics", received_dmabuf_keeps_dmabuf_semantics },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
