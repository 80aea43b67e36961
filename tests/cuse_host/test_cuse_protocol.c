/*
 * test_cuse_protocol.c - the CUSE frontend without /dev/cuse: the test plays
 * the kernel's side of the FUSE protocol over a SEQPACKET socketpair
 * (CUSE_INIT, FUSE_OPEN, FUSE_IOCTL with the unrestricted retry exchange,
 * FUSE_RELEASE), gathering and scattering iovecs in its own memory the way
 * fs/fuse/ioctl.c does with a process's. So CI checks the retry state
 * machine, errno mapping and fd rules on every run, with no VM.
 * Owns one device, one CUSE session and the fake kernel's socket per test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <drm.h>
#include <drm_mode.h>
#include <event2/event.h>

#include "fakedri_drm.h"
#include "fdri_cuse.h"
#include "fdri_host.h"
#include "fdri_wire.h"

struct fk {
	int sock;
	struct event_base *base;
	struct fdri_device *dev;
	struct fdri_cuse *cuse;
	uint64_t unique;
	uint64_t fh;
	int rounds;          /* FUSE_IOCTL messages of the last ioctl */
};

static unsigned char msg[256 * 1024];

static void fk_send(struct fk *k, uint32_t opcode, const void *body, size_t len)
{
	struct fuse_in_header h = {
		.len = (uint32_t)(sizeof(h) + len), .opcode = opcode, .unique = ++k->unique,
		.nodeid = 1, .uid = 0, .gid = 0, .pid = (uint32_t)getpid(),
	};

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), body, len);
	assert_int_equal(send(k->sock, msg, h.len, 0), (ssize_t)h.len);
}

/* Runs the daemon's loop until it answers; returns the reply's length. */
static ssize_t fk_recv(struct fk *k, void *buf, size_t cap)
{
	for (int i = 0; i < 1000; i++) {
		ssize_t n = recv(k->sock, buf, cap, MSG_DONTWAIT);

		if (n >= 0)
			return n;
		assert_int_equal(errno, EAGAIN);
		event_base_loop(k->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	fail_msg("the daemon did not answer");
	return -1;
}

static void fk_init(struct fk *k)
{
	struct cuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION };
	struct fuse_out_header *oh = (void *)msg;
	struct cuse_init_out *out = (void *)(oh + 1);
	ssize_t n;

	fk_send(k, CUSE_INIT, &in, sizeof(in));
	n = fk_recv(k, msg, sizeof(msg));
	assert_true(n >= (ssize_t)(sizeof(*oh) + sizeof(*out)));
	assert_int_equal(oh->error, 0);
	assert_int_equal(out->major, FUSE_KERNEL_VERSION);
	assert_int_equal(out->flags & 1 /* CUSE_UNRESTRICTED_IOCTL */, 1);
	assert_non_null(memmem(out + 1, (size_t)n - sizeof(*oh) - sizeof(*out), "DEVNAME=fakedri", 15));
}

static uint64_t fk_open(struct fk *k, int flags)
{
	struct fuse_open_in in = { .flags = (uint32_t)flags };
	struct fuse_out_header *oh = (void *)msg;
	struct fuse_open_out *out = (void *)(oh + 1);

	fk_send(k, FUSE_OPEN, &in, sizeof(in));
	assert_int_equal(fk_recv(k, msg, sizeof(msg)), sizeof(*oh) + sizeof(*out));
	assert_int_equal(oh->error, 0);
	return out->fh;
}

static void fk_release(struct fk *k, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };
	struct fuse_out_header *oh = (void *)msg;

	fk_send(k, FUSE_RELEASE, &in, sizeof(in));
	fk_recv(k, msg, sizeof(msg));
	assert_int_equal(oh->error, 0);
}

/* fuse_do_ioctl(): ask, follow RETRY by gathering the requested input from
 * "user memory" (ours), scatter the final reply over the output iovecs.
 * Returns the ioctl's result or a negative errno, like the syscall. */
static int fk_ioctl(struct fk *k, uint64_t fh, unsigned int cmd, void *arg, uint32_t flags)
{
	struct fuse_ioctl_iovec in_iov[8], out_iov[8];
	uint32_t nin = 0, nout = 0;
	static unsigned char req[256 * 1024];

	k->rounds = 0;
	for (;;) {
		struct fuse_ioctl_in *in = (void *)req;
		struct fuse_out_header *oh = (void *)msg;
		struct fuse_ioctl_out *out = (void *)(oh + 1);
		size_t len = sizeof(*in), out_size = 0;
		ssize_t n;

		*in = (struct fuse_ioctl_in){ .fh = fh, .flags = FUSE_IOCTL_UNRESTRICTED | flags,
					      .cmd = cmd, .arg = (uintptr_t)arg };
		for (uint32_t i = 0; i < nin; i++) {
			memcpy(req + len, (void *)(uintptr_t)in_iov[i].base, in_iov[i].len);
			len += in_iov[i].len;
		}
		for (uint32_t i = 0; i < nout; i++)
			out_size += out_iov[i].len;
		in->in_size = (uint32_t)(len - sizeof(*in));
		in->out_size = (uint32_t)out_size;
		fk_send(k, FUSE_IOCTL, req, len);
		k->rounds++;
		n = fk_recv(k, msg, sizeof(msg));
		if (oh->error)
			return oh->error;
		assert_true(n >= (ssize_t)(sizeof(*oh) + sizeof(*out)));
		if (out->flags & FUSE_IOCTL_RETRY) {
			struct fuse_ioctl_iovec *iov = (void *)(out + 1);

			assert_true(out->in_iovs <= 8 && out->out_iovs <= 8);
			nin = out->in_iovs;
			nout = out->out_iovs;
			memcpy(in_iov, iov, nin * sizeof(*iov));
			memcpy(out_iov, iov + nin, nout * sizeof(*iov));
			assert_true(k->rounds < 4);
			continue;
		}
		{
			const unsigned char *data = (const unsigned char *)(out + 1);
			size_t left = (size_t)n - sizeof(*oh) - sizeof(*out);

			assert_true(left <= out_size); /* the kernel answers EIO otherwise */
			for (uint32_t i = 0; i < nout && left; i++) {
				size_t c = left < out_iov[i].len ? left : out_iov[i].len;

				memcpy((void *)(uintptr_t)out_iov[i].base, data, c);
				data += c;
				left -= c;
			}
		}
		return out->result;
	}
}

static int setup_node(void **state, enum fdri_node_type type)
{
	struct fdri_cuse_node_cfg cfg = { .devname = "fakedri", .type = type, .minor = -1,
					  .mode = 0660, .gid = (gid_t)-1 };
	struct fk *k = calloc(1, sizeof(*k));
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	k->sock = sv[0];
	k->base = event_base_new();
	k->dev = fdri_device_create(fdri_personality_find(NULL), &fdri_host_ops, NULL, 42);
	k->cuse = fdri_cuse_start(k->base, k->dev, NULL, NULL, &cfg, sv[1]);
	assert_non_null(k->cuse);
	fk_init(k);
	k->fh = fk_open(k, O_RDWR);
	*state = k;
	return 0;
}

static int setup_primary(void **state)
{
	return setup_node(state, FDRI_NODE_PRIMARY);
}

static int setup_render(void **state)
{
	return setup_node(state, FDRI_NODE_RENDER);
}

static int teardown(void **state)
{
	struct fk *k = *state;

	fk_release(k, k->fh);
	assert_int_equal(k->dev->stats.files_open, 0);
	assert_int_equal(k->dev->stats.objects, 0);
	fdri_cuse_stop(k->cuse);
	fdri_device_destroy(k->dev);
	event_base_free(k->base);
	close(k->sock);
	free(k);
	return 0;
}

static void version_with_buffers_takes_three_rounds(void **state)
{
	struct fk *k = *state;
	char name[8] = "xxxxxxxx", date[32] = { 0 }, desc[64] = { 0 };
	struct drm_version v = { .name = name, .name_len = 4, .date = date, .date_len = sizeof(date),
				 .desc = desc, .desc_len = sizeof(desc) };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_VERSION, &v, 0), 0);
	assert_int_equal(k->rounds, 3);
	assert_int_equal(v.name_len, 7);
	assert_memory_equal(name, "fakexxxx", 8); /* truncated, the rest untouched */
	assert_string_equal(date, "20261121");
	assert_string_equal(desc, "fakedri userspace GEM device");
	assert_int_equal(v.version_major, 1);
}

static void version_without_buffers_takes_two_rounds(void **state)
{
	struct fk *k = *state;
	struct drm_version v = { 0 };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_VERSION, &v, 0), 0);
	assert_int_equal(k->rounds, 2);
	assert_int_equal(v.name_len, 7);
	assert_int_equal(v.desc_len, 28);
}

static void get_cap_takes_two_rounds(void **state)
{
	struct fk *k = *state;
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_GET_CAP, &c, 0), 0);
	assert_int_equal(k->rounds, 2);
	assert_int_equal(c.value, 3);
}

static void io_command_is_answered_directly(void **state)
{
	struct fk *k = *state;

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_SET_MASTER, NULL, 0), 0);
	assert_int_equal(k->rounds, 1);
}

static void non_drm_type_is_enotty_in_one_round(void **state)
{
	struct fk *k = *state;
	int v = 0;

	assert_int_equal(fk_ioctl(k, k->fh, _IOWR('x', 0, int), &v, 0), -ENOTTY);
	assert_int_equal(k->rounds, 1);
}

static void unknown_nr_is_einval(void **state)
{
	struct fk *k = *state;
	int v = 0;

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOWR(0x2f, int), &v, 0), -EINVAL);
}

static void failed_ioctl_still_copies_the_struct_back(void **state)
{
	struct fk *k = *state;
	struct drm_get_cap c = { .capability = 0x99, .value = 77 };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_GET_CAP, &c, 0), -EINVAL);
	assert_int_equal(c.value, 0);
}

static void dumb_create_flink_and_close_work(void **state)
{
	struct fk *k = *state;
	struct drm_mode_create_dumb d = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_close cl = { 0 };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_MODE_CREATE_DUMB, &d, 0), 0);
	assert_int_equal(d.pitch, 256);
	assert_int_equal(d.size, 16384);
	fl.handle = d.handle;
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_GEM_FLINK, &fl, 0), 0);
	assert_int_equal(fl.name, 1);
	cl.handle = d.handle;
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_GEM_CLOSE, &cl, 0), 0);
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_GEM_CLOSE, &cl, 0), -EINVAL);
}

static void gem_open_from_a_second_open_file(void **state)
{
	struct fk *k = *state;
	struct drm_mode_create_dumb d = { .width = 32, .height = 32, .bpp = 32 };
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_open op = { 0 };
	uint64_t fh2 = fk_open(k, O_RDWR);

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_MODE_CREATE_DUMB, &d, 0), 0);
	fl.handle = d.handle;
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_GEM_FLINK, &fl, 0), 0);
	op.name = fl.name;
	/* the second opener is not master and our fake caller is root */
	assert_int_equal(fk_ioctl(k, fh2, DRM_IOCTL_GEM_OPEN, &op, 0), 0);
	assert_int_equal(op.handle, 1);
	assert_int_equal(op.size, 4096);
	fk_release(k, fh2);
}

static void prime_export_needs_the_shim(void **state)
{
	struct fk *k = *state;
	struct drm_mode_create_dumb d = { .width = 16, .height = 16, .bpp = 32 };
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_MODE_CREATE_DUMB, &d, 0), 0);
	ph.handle = d.handle;
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph, 0), -EOPNOTSUPP);
	ph.handle = 99;
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph, 0), -ENOENT);
	ph.flags = 0x1234;
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph, 0), -EINVAL);
}

static void prime_import_fetches_the_callers_fd(void **state)
{
	struct fk *k = *state;
	struct drm_prime_handle ph = { .fd = -1 };
	int mfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph, 0), -EBADF);
	ph.fd = mfd; /* a real fd of "the caller" (us), fetched with pidfd_getfd */
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph, 0), -EINVAL);
	ph.fd = 1000; /* not an open fd */
	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph, 0), -EBADF);
	close(mfd);
}

static void render_node_refuses_dumb_with_eacces(void **state)
{
	struct fk *k = *state;
	struct drm_mode_create_dumb d = { .width = 16, .height = 16, .bpp = 32 };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_MODE_CREATE_DUMB, &d, 0), -EACCES);
	assert_int_equal(d.width, 16); /* copied back unchanged */
}

static void compat_callers_are_refused(void **state)
{
	struct fk *k = *state;
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	assert_int_equal(fk_ioctl(k, k->fh, DRM_IOCTL_GET_CAP, &c, FUSE_IOCTL_COMPAT), -ENOTTY);
}

static void bind_ioctl_gives_a_token(void **state)
{
	struct fk *k = *state;
	struct fdri_cuse_bind b;

	memset(&b, 0xff, sizeof(b));
	/* no socket server in this test: binding is not offered */
	assert_int_equal(fk_ioctl(k, k->fh, FDRI_CUSE_IOCTL_BIND, &b, 0), -ENOTTY);
	assert_int_equal(k->rounds, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(version_with_buffers_takes_three_rounds, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(version_without_buffers_takes_two_rounds, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(get_cap_takes_two_rounds, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(io_command_is_answered_directly, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(non_drm_type_is_enotty_in_one_round, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(unknown_nr_is_einval, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(failed_ioctl_still_copies_the_struct_back, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(dumb_create_flink_and_close_work, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(gem_open_from_a_second_open_file, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(prime_export_needs_the_shim, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(prime_import_fetches_the_callers_fd, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(render_node_refuses_dumb_with_eacces, setup_render, teardown),
		cmocka_unit_test_setup_teardown(compat_callers_are_refused, setup_primary, teardown),
		cmocka_unit_test_setup_teardown(bind_ioctl_gives_a_token, setup_primary, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
