/*
 * fuzz_wire.c - fuzzes the daemon's socket server (daemon/fdri_server.c,
 * wire version 2 of common/fdri_wire.h) and the request path behind it
 * (daemon/core/fdri_req.c) from the client side of real sockets.
 *
 * Once per process: an event_base, two devices ("fakedri" and "vgem") on
 * the real memfd host (daemon/fdri_host.c) and a server listening in a
 * private temp dir. Per input, the bytes become a sequence of client
 * actions on up to three connections with three channels each: connect,
 * HELLO/ATTACH with a good channel or a bad fd, IOCTLs from a list of real
 * commands with their nested pointers and fd fields filled in, DATA
 * answers to NEEDs (right, wrong id, short, faulting, with fds), CANCEL,
 * MMAP, INFO, junk messages, closing channels and main sockets mid-call,
 * and an "answer every NEED correctly" action. After every action the loop
 * runs until the daemon has consumed everything (the client sockets'
 * SIOCOUTQ is 0) and the client drains its replies, checking each is well
 * formed.
 *
 * After each input every client socket is closed, the loop runs until the
 * daemon has seen the EOFs, a well-behaved client does HELLO, GET_CAP,
 * CREATE_DUMB, VERSION (with the NEED/probe exchange) and DESTROY_DUMB and
 * checks every answer, and then the oracle checks that the daemon is back
 * to its baseline: as many open fds as after start-up (pipes aside,
 * which libFuzzer and the sanitizers make), no client socket held by the
 * server, a heap no bigger than after the first input (plus a small
 * slack), device stats (files, objects, dma-bufs, backed bytes, memory)
 * zero, no parked TEST_WAIT requests. Any violation aborts.
 *
 * Channels: the server accepts only a channel whose peer is the process
 * that sent it and not the daemon itself. The daemon runs in this process,
 * so a helper child creates each channel's socketpair and sends HELLO or
 * ATTACH on the (shared) main socket, then hands the other end back.
 *
 * Built two ways, like fuzz_core.c: with clang -fsanitize=fuzzer
 * (scripts/fuzz-wire.sh), and with a plain main() that replays files or
 * directories and runs seeded random inputs (the CI ctest).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include <drm.h>
#include <drm_mode.h>
#include <event2/event.h>

#include "fakedri_drm.h"
#include "fdri_core.h"
#include "fdri_host.h"
#include "fdri_ioctl.h"
#include "fdri_log.h"
#include "fdri_msg.h"
#include "fdri_server.h"
#include "fdri_wire.h"
#include "fuzz_input.h"

#define NDEVS 2
#define NCONN 3
#define NCHAN 3
#define NPOOL 6
#define MSGCAP (FDRI_WIRE_MAX_MSG + 64)

static void save_input(void);
#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		save_input(); \
		fprintf(stderr, "fuzz_wire: %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/* the input being run, saved by a failed check in the replay build */
static const uint8_t *cur_data;
static size_t cur_size;

static void save_input(void)
{
#ifndef FAKEDRI_LIBFUZZER
	FILE *f = fopen("fuzz-wire-failed-input", "wb");

	if (f) {
		fwrite(cur_data, 1, cur_size, f);
		fclose(f);
		fprintf(stderr, "fuzz_wire: input saved as fuzz-wire-failed-input\n");
	}
#endif
}

/* --- the daemon, once per process --- */
static struct event_base *base;
static struct fdri_device *devs[NDEVS];
static struct fdri_server *srv;
static char tmpdir[64], sock_path[128];
static int baseline_fds;
static int helper_ctl = -1;
static pid_t helper_pid;
static unsigned char rbuf[MSGCAP];
/* FUZZ_WIRE_AVOID=empty-fd: never send a zero-length message with an fd
 * (a known daemon bug, see docs/fuzzing.md), so fuzzing gets past it */
static bool avoid_empty_fd;
/* FUZZ_WIRE_AVOID=failed-bind: no HELLO with a token (a known bug) */
static bool avoid_failed_bind;

/* Open fds but pipes: the daemon never makes pipes, while libFuzzer and
 * the sanitizers' runtime may open some at any time. Pipes are only
 * looked for when the plain count differs (readlink costs). */
static int count_fds_pipes(bool skip_pipes)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	CHECK(d, "opendir /proc/self/fd");
	while ((e = readdir(d))) {
		char p[300], l[64];
		ssize_t k;

		if (e->d_name[0] == '.')
			continue;
		if (skip_pipes) {
			snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
			k = readlink(p, l, sizeof(l) - 1);
			if (k > 5 && !strncmp(l, "pipe:", 5))
				continue;
		}
		n++;
	}
	closedir(d);
	return n;
}

static int baseline_all_fds;

/* The fds but pipes, cheaply when nothing changed since the start. */
static int count_fds(void)
{
	int n = count_fds_pipes(false);

	if (!baseline_all_fds)
		baseline_all_fds = n;
	return n == baseline_all_fds ? baseline_fds : count_fds_pipes(true);
}

/*
 * The helper: for each request on its control socket (a main socket in
 * SCM_RIGHTS, a kind byte, then the message), it makes a socketpair,
 * sends the message with one end on the main socket and returns the other
 * end. Kind 0: SEQPACKET, 1: STREAM (not a channel), 2: no fd at all.
 */
static void helper_main(int ctl)
{
	unsigned char buf[512];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		int mainfd, sv[2] = { -1, -1 }, ret = 0;
		ssize_t n = fdri_msg_recv(ctl, buf, sizeof(buf), &mainfd, NULL);

		if (n <= 0)
			_exit(0);
		if (mainfd < 0 || n < 1) {
			if (mainfd >= 0)
				close(mainfd);
			fdri_msg_send(ctl, &ret, sizeof(ret), -1);
			fdri_msg_send(ctl, &ret, sizeof(ret), -1);
			continue;
		}
		if (buf[0] != 2 && socketpair(AF_UNIX, (buf[0] == 1 ? SOCK_STREAM : SOCK_SEQPACKET) |
					      SOCK_CLOEXEC, 0, sv) < 0)
			sv[0] = sv[1] = -1;
		ret = (int)fdri_msg_send(mainfd, buf + 1, (size_t)n - 1, sv[0]);
		if (sv[0] >= 0)
			close(sv[0]);
		close(mainfd);
		fdri_msg_send(ctl, &ret, sizeof(ret), sv[1]);
		if (sv[1] >= 0)
			close(sv[1]);
		/* only now does the harness go on: with our copies of its
		 * sockets open, the daemon could not see them close */
		fdri_msg_send(ctl, &ret, sizeof(ret), -1);
	}
}

/* Has the helper send @msg on @mainfd with a new channel of @kind; returns
 * our end of the channel (non-blocking), or -1. */
static int helper_send(int mainfd, int kind, const void *msg, size_t len)
{
	unsigned char buf[512];
	int ret, fd;

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = (unsigned char)kind;
	memcpy(buf + 1, msg, len);
	CHECK(fdri_msg_send(helper_ctl, buf, len + 1, mainfd) > 0, "helper send");
	CHECK(fdri_msg_recv(helper_ctl, &ret, sizeof(ret), &fd, NULL) == sizeof(ret), "helper recv");
	{
		int none;

		CHECK(fdri_msg_recv(helper_ctl, &ret, sizeof(ret), &none, NULL) == sizeof(ret),
		      "helper done");
	}
	if (fd >= 0)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void cleanup(void)
{
	if (srv) {
		fdri_server_destroy(srv);
		srv = NULL;
		for (int i = 0; i < NDEVS; i++)
			fdri_device_destroy(devs[i]);
		event_base_free(base);
		rmdir(tmpdir);
	}
	if (helper_ctl >= 0) {
		close(helper_ctl);
		helper_ctl = -1;
		waitpid(helper_pid, NULL, 0);
	}
}

static void setup(void)
{
	int sv[2];

	if (srv)
		return;
	signal(SIGPIPE, SIG_IGN);
	avoid_empty_fd = getenv("FUZZ_WIRE_AVOID") && strstr(getenv("FUZZ_WIRE_AVOID"), "empty-fd");
	avoid_failed_bind = getenv("FUZZ_WIRE_AVOID") &&
			    strstr(getenv("FUZZ_WIRE_AVOID"), "failed-bind");
	fdri_log_level = FDRI_LOG_ERROR;
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	helper_pid = fork();
	CHECK(helper_pid >= 0, "fork");
	if (helper_pid == 0) {
		close(sv[0]);
		helper_main(sv[1]);
	}
	close(sv[1]);
	helper_ctl = sv[0];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fuzz-wire.XXXXXX");
	CHECK(mkdtemp(tmpdir), "mkdtemp");
	snprintf(sock_path, sizeof(sock_path), "%s/sock", tmpdir);
	base = event_base_new();
	CHECK(base, "event_base_new");
	devs[0] = fdri_device_create(fdri_personality_find("fakedri"), &fdri_host_ops, base, 1);
	devs[1] = fdri_device_create(fdri_personality_find("vgem"), &fdri_host_ops, base, 2);
	for (int i = 0; i < NDEVS; i++) {
		CHECK(devs[i], "device");
		devs[i]->mem_limit = 256ull << 20;
	}
	srv = fdri_server_create(base, devs, NDEVS, sock_path);
	CHECK(srv, "fdri_server_create: %s", strerror(errno));
	atexit(cleanup);
	baseline_fds = count_fds_pipes(true);
	baseline_all_fds = count_fds_pipes(false);
}

/* --- the client side --- */
struct chan {
	int fd;
	uint64_t last_id;
	bool have_need;
	struct fdri_wire_need need;
};

struct conn {
	int main;
	struct chan ch[NCHAN];
};

static struct conn conns[NCONN];
static int pool[NPOOL];
static int npool;

static void pool_add(int fd)
{
	if (fd < 0)
		return;
	if (npool < NPOOL)
		pool[npool++] = fd;
	else
		close(fd);
}

/* One message from the daemon: check it is well formed. */
static void check_msg(struct chan *c, const unsigned char *m, size_t n, int fd)
{
	const struct fdri_wire_hdr *h = (const void *)m;

	CHECK(n >= sizeof(*h) && h->len == n, "message length %zu, header says %u", n,
	      n >= sizeof(*h) ? h->len : 0);
	switch (h->type) {
	case FDRI_MSG_REPLY: {
		const struct fdri_wire_reply *r = (const void *)m;
		size_t want = sizeof(*r);

		CHECK(n >= sizeof(*r), "short reply %zu", n);
		CHECK(r->ret <= 0 && r->ret > -4096, "reply ret %d", r->ret);
		CHECK(r->version == FDRI_WIRE_VERSION, "reply version %u", r->version);
		CHECK(r->nbufs <= FDRI_WIRE_MAX_BUFS, "reply nbufs %u", r->nbufs);
		want += r->out_len;
		for (unsigned i = 0; i < r->nbufs; i++)
			want += r->bufs[i].len;
		CHECK(want == n, "reply of %zu bytes announces %zu", n, want);
		CHECK((fd >= 0) == (r->fd_kind != FDRI_WIRE_FD_NONE), "reply fd %d, fd_kind %u", fd,
		      r->fd_kind);
		CHECK(r->fd_off < 0 || fd >= 0, "reply fd_off %d without an fd", r->fd_off);
		CHECK(fd < 0 || r->ret == 0, "fd with an error reply");
		c->have_need = false;
		break;
	}
	case FDRI_MSG_NEED:
		CHECK(n == sizeof(c->need), "need of %zu bytes", n);
		CHECK(fd < 0, "fd with a need");
		memcpy(&c->need, m, sizeof(c->need));
		CHECK(c->need.nbufs <= FDRI_WIRE_MAX_BUFS, "need nbufs %u", c->need.nbufs);
		c->have_need = true;
		break;
	case FDRI_MSG_CANCEL: {
		const struct fdri_wire_cancel *r = (const void *)m;

		CHECK(n == sizeof(*r) && (r->ret == 0 || r->ret == 1), "cancel answer");
		CHECK(fd < 0, "fd with a cancel answer");
		if (r->ret)
			c->have_need = false;
		break;
	}
	case FDRI_MSG_INFO:
		CHECK(n == sizeof(struct fdri_wire_info), "info of %zu bytes", n);
		CHECK(fd < 0, "fd with info");
		break;
	default:
		CHECK(0, "daemon sent message type %u", h->type);
	}
	pool_add(fd);
}

static void drain_chan(struct chan *c)
{
	for (;;) {
		int fd;
		ssize_t n;

		if (c->fd < 0)
			return;
		n = fdri_msg_recv(c->fd, rbuf, sizeof(rbuf), &fd, NULL);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			/* EOF: the daemon refused the channel */
			CHECK(n == 0, "recv: %s", strerror((int)-n));
			close(c->fd);
			c->fd = -1;
			c->have_need = false;
			return;
		}
		check_msg(c, rbuf, (size_t)n, fd);
	}
}

static void drain_all(void)
{
	for (int i = 0; i < NCONN; i++)
		for (int j = 0; j < NCHAN; j++)
			drain_chan(&conns[i].ch[j]);
}

static bool unconsumed(int fd)
{
	int q = 0;

	return fd >= 0 && ioctl(fd, SIOCOUTQ, &q) == 0 && q > 0;
}

/* Runs the daemon until it has consumed every message the client sent. */
static void run_loop(void)
{
	for (int i = 0; i < 10000; i++) {
		bool busy = false;

		event_base_loop(base, EVLOOP_NONBLOCK);
		drain_all();
		for (int c = 0; c < NCONN && !busy; c++) {
			busy = unconsumed(conns[c].main);
			for (int j = 0; j < NCHAN && !busy; j++)
				busy = unconsumed(conns[c].ch[j].fd);
		}
		if (!busy && i >= 2)
			return;
	}
	for (int c = 0; c < NCONN; c++) {
		int q = -1, q2 = -1;

		ioctl(conns[c].main, SIOCOUTQ, &q);
		fprintf(stderr, "conn %d main %d outq %d\n", c, conns[c].main, q);
		for (int j = 0; j < NCHAN; j++) {
			q = q2 = -1;
			ioctl(conns[c].ch[j].fd, SIOCOUTQ, &q);
			ioctl(conns[c].ch[j].fd, SIOCINQ, &q2);
			fprintf(stderr, "  chan %d fd %d outq %d inq %d\n", j, conns[c].ch[j].fd, q, q2);
		}
	}
	CHECK(0, "the daemon leaves messages unread");
}

static const unsigned int cmds[] = {
	DRM_IOCTL_VERSION, DRM_IOCTL_VERSION, DRM_IOCTL_GET_UNIQUE, DRM_IOCTL_GET_MAGIC,
	DRM_IOCTL_AUTH_MAGIC, DRM_IOCTL_GET_CLIENT, DRM_IOCTL_GET_STATS, DRM_IOCTL_GET_CAP,
	DRM_IOCTL_SET_CLIENT_CAP, DRM_IOCTL_SET_VERSION, DRM_IOCTL_SET_MASTER,
	DRM_IOCTL_DROP_MASTER, DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_GEM_FLINK, DRM_IOCTL_GEM_OPEN,
	DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_IOCTL_PRIME_HANDLE_TO_FD,
	DRM_IOCTL_PRIME_FD_TO_HANDLE, DRM_IOCTL_PRIME_FD_TO_HANDLE,
	DRM_IOCTL_MODE_CREATE_DUMB, DRM_IOCTL_MODE_CREATE_DUMB, DRM_IOCTL_MODE_MAP_DUMB,
	DRM_IOCTL_MODE_DESTROY_DUMB, DRM_IOCTL_MODE_GETRESOURCES, DRM_IOCTL_SYNCOBJ_CREATE,
	DRM_IOCTL_FAKEDRI_GEM_CREATE, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET,
	DRM_IOCTL_FAKEDRI_GEM_INFO, DRM_IOCTL_FAKEDRI_DEVICE_STATS,
	DRM_IOCTL_FAKEDRI_TEST_WAIT, DRM_IOCTL_FAKEDRI_TEST_WAIT, DRM_IOCTL_FAKEDRI_TEST_WAIT,
	DRM_IOCTL_FAKEDRI_TEST_WAKE, DRM_IOCTL_FAKEDRI_TEST_WAKE,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct chan *pick_chan(struct input *in)
{
	uint8_t b = take8(in);

	return &conns[(b >> 4) % NCONN].ch[b % NCHAN];
}

static void close_chan(struct chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->have_need = false;
}

/* An fd that is not a channel, for HELLO/ATTACH and for DATA. */
static int bad_fd(int kind, int mainfd)
{
	int sv[2];

	switch (kind % 5) {
	case 0:
		return memfd_create("fuzz", MFD_CLOEXEC);
	case 1:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	case 2:
		return mainfd >= 0 ? dup(mainfd) : -1;
	case 3: /* a socketpair of the daemon's own process */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			return -1;
		close(sv[1]);
		return sv[0];
	default: /* a dma-buf the daemon handed out, if any */
		return npool ? dup(pool[kind % npool]) : -1;
	}
}

static void act_hello(struct input *in, bool attach)
{
	struct conn *c = &conns[take8(in) % NCONN];
	struct chan *ch = &c->ch[take8(in) % NCHAN];
	uint8_t f = take8(in), g = take8(in);
	struct fdri_wire_hello h = { .hdr = { attach ? FDRI_MSG_ATTACH : FDRI_MSG_HELLO, sizeof(h) },
				     .version = FDRI_WIRE_VERSION };
	size_t len = sizeof(h);
	static const uint32_t nodes[] = { FDRI_NODE_PRIMARY, FDRI_NODE_RENDER, FDRI_NODE_NONE,
					  FDRI_NODE_PRIMARY, FDRI_NODE_RENDER, 1, 7 };

	if (c->main < 0)
		return;
	h.node = nodes[f % 7];
	h.device = (f >> 3) % 3;       /* 2: no such device */
	h.open_flags = O_RDWR;
	if (f & 0x40)
		h.version = g;         /* mostly some other version */
	if (f & 0x80)
		len = g % sizeof(h);   /* truncated */
	if (!len && avoid_empty_fd)
		len = 1;
	if ((g & 0x0f) == 1 && !avoid_failed_bind)
		h.token[g >> 7] = take32(in) | 1; /* no CUSE bind lookup: EACCES */
	close_chan(ch);
	ch->fd = helper_send(c->main, (g & 0x30) == 0x30 ? 1 + (g >> 6 & 1) : 0, &h, len);
}

/* HELLO or ATTACH carrying something that is not our channel, sent by the
 * daemon's own process. */
static void act_bad_hello(struct input *in)
{
	struct conn *c = &conns[take8(in) % NCONN];
	uint8_t f = take8(in);
	struct fdri_wire_hello h = { .hdr = { FDRI_MSG_HELLO, sizeof(h) },
				     .version = FDRI_WIRE_VERSION };
	size_t len = sizeof(h);
	int fd;

	if (c->main < 0)
		return;
	if (f & 0x08)
		h.hdr.type = FDRI_MSG_ATTACH;
	if (f & 0x10)
		h.hdr.type = take8(in);
	if (f & 0x20)
		len = take8(in) % sizeof(h);
	fd = (f & 0x80) ? -1 : bad_fd(f, c->main);
	if (fd >= 0 && !len && avoid_empty_fd)
		len = 1;
	fdri_msg_send(c->main, &h, len, fd);
	if (fd >= 0)
		close(fd);
}

static void act_ioctl(struct input *in)
{
	struct chan *ch = pick_chan(in);
	uint8_t pick = take8(in), mode = take8(in);
	struct {
		struct fdri_wire_ioctl m;
		unsigned char arg[512];
	} msg;
	struct fdri_ioctl_args a;
	unsigned int cmd, size;

	if (ch->fd < 0)
		return;
	cmd = pick < 240 ? cmds[pick % NCMDS] : take32(in);
	size = _IOC_SIZE(cmd);
	if (size > sizeof(msg.arg))
		size = sizeof(msg.arg);
	memset(&msg, 0, sizeof(msg));
	for (unsigned i = 0; i < size && i < 24; i++)
		msg.arg[i] = (i & 3) == 0 || (mode & 0x08) ? take8(in) : 0;
	/* fill the nested pointers and fd fields the way real callers do */
	memset(&a, 0, sizeof(a));
	if (fdri_ioctl_decode(devs[0], cmd, &a) == 0 && a.desc) {
		for (unsigned i = 0; i < a.desc->nptrs; i++) {
			const struct fdri_ioctl_ptr *p = &a.desc->ptrs[i];
			uint64_t ua = 0x10000 + i * 0x1000, l = take8(in) % 48;

			if (p->ptr_off + 8u > size || p->len_off + (unsigned)p->len_size > size)
				continue;
			if (!(mode & 0x10)) {
				memcpy(msg.arg + p->ptr_off, &ua, 8);
				if (p->len_size == 4) {
					uint32_t l32 = (uint32_t)l;

					memcpy(msg.arg + p->len_off, &l32, 4);
				} else {
					memcpy(msg.arg + p->len_off, &l, 8);
				}
			}
		}
		if (a.desc->fd_in_off >= 0 && !(mode & 0x10)) {
			int32_t v = take8(in) % 8;

			memcpy(msg.arg + a.desc->fd_in_off, &v, 4);
		}
	}
	if (cmd == DRM_IOCTL_FAKEDRI_TEST_WAIT && !(mode & 0x08)) {
		struct drm_fakedri_test_wait w = { .key = take8(in) % 3 };
		uint8_t d = take8(in);

		switch (d % 4) {
		case 0: w.deadline_ns = 0; break;
		case 1: w.deadline_ns = 1; break;
		case 2: /* expires at once: fires in this action's loop run, so
			 * inputs replay the same way (a timer that fires at
			 * a random later moment would not) */
			w.deadline_ns = (uint64_t)now_ns() + 1 + (d >> 2); break;
		default: w.deadline_ns = (uint64_t)now_ns() + 3600ull * 1000000000; break;
		}
		memcpy(msg.arg, &w, sizeof(w));
	} else if (cmd == DRM_IOCTL_FAKEDRI_TEST_WAKE && !(mode & 0x08)) {
		struct drm_fakedri_test_wake w = { .key = take8(in) % 3 };

		memcpy(msg.arg, &w, sizeof(w));
	}
	msg.m.hdr.type = FDRI_MSG_IOCTL;
	msg.m.cmd = cmd;
	msg.m.id = (mode & 3) + 1;
	msg.m.arg = 0x8000;
	msg.m.arg_len = size;
	if (mode & 0x20)
		msg.m.arg_len = take8(in) % (size + 1);   /* short: the core wants it */
	if (mode & 0x40)
		msg.m.flags = FDRI_IOCTL_ARG_FAULT;
	if ((mode & 0xc0) == 0xc0)
		msg.m.tid = take8(in);                   /* some other thread */
	msg.m.hdr.len = (uint32_t)(sizeof(msg.m) + msg.m.arg_len);
	if ((mode & 0xa4) == 0xa4)                       /* lies about arg_len */
		msg.m.arg_len += take8(in);
	ch->last_id = msg.m.id;
	fdri_msg_send(ch->fd, &msg, msg.m.hdr.len, -1);
}

/* A DATA message for @ch's last NEED: @mode picks right or wrong. */
static void send_data(struct chan *ch, uint8_t mode, uint8_t faults)
{
	struct {
		struct fdri_wire_data d;
		unsigned char bytes[3 * 256];
	} msg;
	const struct fdri_wire_need *n = &ch->need;
	size_t len = sizeof(msg.d);
	int fd = -1;

	memset(&msg, 0, sizeof(msg));
	msg.d.hdr.type = FDRI_MSG_DATA;
	msg.d.id = ch->have_need ? n->id : ch->last_id;
	if (mode & 0x80)
		msg.d.id ^= 1 + (mode & 0x3);            /* wrong id */
	msg.d.nbufs = ch->have_need ? n->nbufs : 0;
	if (mode & 0x40)
		msg.d.nbufs = mode & 7;
	for (unsigned i = 0; i < FDRI_WIRE_MAX_BUFS; i++) {
		uint64_t l = ch->have_need ? n->bufs[i].len : 0;

		if (faults & (1u << i)) {
			msg.d.bufs[i].fault = 1;
			continue;
		}
		if (ch->have_need && n->probe)
			continue;
		if (l > 256)
			l = 256;
		if (mode & 0x20)
			l = l ? l - 1 : 1;                /* not the size asked for */
		msg.d.bufs[i].len = l;
		len += l;
	}
	if (ch->have_need && n->want_fd && !(mode & 0x10)) {
		fd = bad_fd(mode >> 1, -1);               /* dma-buf, memfd, /dev/null... */
		msg.d.fd_sent = fd >= 0;
	} else if ((mode & 0x18) == 0x18) {
		fd = bad_fd(mode, -1);                   /* an fd nobody asked for */
	}
	if ((mode & 0xe0) == 0xe0)
		len = mode & 0x1f;                        /* truncated */
	if (fd >= 0 && !len && avoid_empty_fd)
		len = 1;
	msg.d.hdr.len = (uint32_t)len;
	fdri_msg_send(ch->fd, &msg, len, fd);
	if (fd >= 0)
		close(fd);
}

static void act_data(struct input *in)
{
	struct chan *ch = pick_chan(in);
	uint8_t mode = take8(in);

	if (ch->fd >= 0)
		send_data(ch, mode, (mode & 0x08) ? take8(in) : 0);
}

/* The well-behaved answer to every pending NEED. */
static void act_answer_all(struct input *in)
{
	uint8_t fdkind = take8(in);

	for (int i = 0; i < NCONN; i++)
		for (int j = 0; j < NCHAN; j++) {
			struct chan *ch = &conns[i].ch[j];

			if (ch->fd >= 0 && ch->have_need)
				send_data(ch, (uint8_t)((fdkind % 5) << 1), 0);
		}
}

static void act_cancel(struct input *in)
{
	struct chan *ch = pick_chan(in);
	uint8_t mode = take8(in);
	struct fdri_wire_cancel m = { .hdr = { FDRI_MSG_CANCEL, sizeof(m) } };

	if (ch->fd < 0)
		return;
	m.id = (mode & 1) ? (uint64_t)(mode >> 1) % 5 : ch->last_id;
	fdri_msg_send(ch->fd, &m, (mode & 0xf0) == 0xf0 ? mode & 0xf : sizeof(m), -1);
}

static void act_mmap(struct input *in)
{
	struct chan *ch = pick_chan(in);
	uint8_t o = take8(in), l = take8(in);
	struct fdri_wire_mmap m = { .hdr = { FDRI_MSG_MMAP, sizeof(m) }, .id = 9 };

	if (ch->fd < 0)
		return;
	m.offset = FDRI_MMAP_OFFSET_START + (uint64_t)(o & 0x3f) * FDRI_PAGE_SIZE;
	if (o & 0x40)
		m.offset = (uint64_t)take32(in) << (o >> 7 ? 12 : 0);
	m.len = (uint64_t)(l % 5) * FDRI_PAGE_SIZE + ((l & 0x80) ? 1 : 0);
	fdri_msg_send(ch->fd, &m, (l & 0x70) == 0x70 ? sizeof(m) - 8 : sizeof(m), -1);
}

static void act_misc(struct input *in)
{
	struct chan *ch = pick_chan(in);
	uint8_t t = take8(in), l = take8(in);
	unsigned char junk[64];

	if (ch->fd < 0)
		return;
	memset(junk, l, sizeof(junk));
	((struct fdri_wire_hdr *)junk)->len = l;
	switch (t % 4) {
	case 0: ((struct fdri_wire_hdr *)junk)->type = FDRI_MSG_INFO; break;
	case 1: ((struct fdri_wire_hdr *)junk)->type = FDRI_MSG_UNUSED_7; break;
	case 2: ((struct fdri_wire_hdr *)junk)->type = t >> 2; break;
	default: ((struct fdri_wire_hdr *)junk)->type = FDRI_MSG_HELLO; break;
	}
	fdri_msg_send(ch->fd, junk, (t & 0x80) ? l % sizeof(junk) : 8, -1);
}

static void act_connect(struct input *in)
{
	struct conn *c = &conns[take8(in) % NCONN];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (c->main >= 0)
		return;
	c->main = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	CHECK(c->main >= 0, "socket");
	strcpy(addr.sun_path, sock_path);
	CHECK(connect(c->main, (struct sockaddr *)&addr, sizeof(addr)) == 0, "connect: %s",
	      strerror(errno));
}

static void close_everything(void)
{
	for (int i = 0; i < NCONN; i++) {
		for (int j = 0; j < NCHAN; j++)
			close_chan(&conns[i].ch[j]);
		if (conns[i].main >= 0)
			close(conns[i].main);
		conns[i].main = -1;
	}
	while (npool)
		close(pool[--npool]);
}

/* --- the well-behaved client --- */
static void wb_send(int fd, const void *m, size_t len)
{
	CHECK(fdri_msg_send(fd, m, len, -1) == (ssize_t)len, "well-behaved send");
}

static size_t wb_recv(struct chan *c, int *rfd)
{
	for (int i = 0; i < 1000; i++) {
		ssize_t n;

		event_base_loop(base, EVLOOP_NONBLOCK);
		n = fdri_msg_recv(c->fd, rbuf, sizeof(rbuf), rfd, NULL);
		if (n == -EAGAIN)
			continue;
		CHECK(n > 0, "well-behaved client: recv %zd", n);
		check_msg(c, rbuf, (size_t)n, -1);
		return (size_t)n;
	}
	CHECK(0, "well-behaved client: no answer");
	return 0;
}

static const struct fdri_wire_reply *wb_ioctl(struct chan *c, unsigned int cmd, void *arg,
					      uint64_t id)
{
	struct {
		struct fdri_wire_ioctl m;
		unsigned char arg[128];
	} msg = { .m = { .hdr = { FDRI_MSG_IOCTL, sizeof(msg.m) + _IOC_SIZE(cmd) }, .cmd = cmd,
			 .id = id, .arg = 0x8000, .arg_len = _IOC_SIZE(cmd) } };
	const struct fdri_wire_reply *r = (const void *)rbuf;
	int fd;

	memcpy(msg.arg, arg, _IOC_SIZE(cmd));
	wb_send(c->fd, &msg, msg.m.hdr.len);
	for (;;) {
		wb_recv(c, &fd);
		CHECK(fd < 0, "well-behaved client: unexpected fd");
		if (r->hdr.type == FDRI_MSG_REPLY)
			break;
		/* a NEED: the outputs are writable */
		CHECK(r->hdr.type == FDRI_MSG_NEED && c->need.id == id && c->need.probe,
		      "well-behaved client: got type %u", r->hdr.type);
		{
			struct fdri_wire_data d = { .hdr = { FDRI_MSG_DATA, sizeof(d) }, .id = id,
						    .nbufs = c->need.nbufs };

			wb_send(c->fd, &d, sizeof(d));
		}
	}
	CHECK(r->id == id, "well-behaved client: reply id %llu, want %llu",
	      (unsigned long long)r->id, (unsigned long long)id);
	if (r->ret == 0)
		memcpy(arg, r + 1, r->out_len < _IOC_SIZE(cmd) ? r->out_len : _IOC_SIZE(cmd));
	return r;
}

static void well_behaved(unsigned int d)
{
	struct conn wb = { .main = -1 };
	struct chan *c = &wb.ch[0];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct fdri_wire_hello h = { .hdr = { FDRI_MSG_HELLO, sizeof(h) },
				     .version = FDRI_WIRE_VERSION, .node = FDRI_NODE_PRIMARY,
				     .open_flags = O_RDWR, .device = d };
	const struct fdri_wire_reply *r = (const void *)rbuf;
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };
	struct drm_mode_create_dumb cd = { .height = 4, .width = 4, .bpp = 32 };
	struct drm_mode_destroy_dumb dd;
	struct drm_version v = { .name_len = 64, .name = (char *)0x20000 };
	const char *name = devs[d]->pers->name;
	int fd;

	wb.main = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	strcpy(addr.sun_path, sock_path);
	CHECK(connect(wb.main, (struct sockaddr *)&addr, sizeof(addr)) == 0, "connect");
	c->fd = helper_send(wb.main, 0, &h, sizeof(h));
	CHECK(c->fd >= 0, "no channel");
	wb_recv(c, &fd);
	CHECK(r->hdr.type == FDRI_MSG_REPLY && r->ret == 0 && fd < 0,
	      "well-behaved HELLO: type %u ret %d", r->hdr.type, r->ret);

	r = wb_ioctl(c, DRM_IOCTL_GET_CAP, &cap, 1);
	CHECK(r->ret == 0 && r->out_len == sizeof(cap) &&
	      cap.value == (DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT), "GET_CAP: %d %llu",
	      r->ret, (unsigned long long)cap.value);

	r = wb_ioctl(c, DRM_IOCTL_MODE_CREATE_DUMB, &cd, 2);
	CHECK(r->ret == 0 && cd.handle && cd.pitch == 16 && cd.size >= 64, "CREATE_DUMB: %d",
	      r->ret);

	r = wb_ioctl(c, DRM_IOCTL_VERSION, &v, 3);
	CHECK(r->ret == 0 && r->nbufs == 1 && r->bufs[0].uaddr == 0x20000 &&
	      r->bufs[0].len == strlen(name) &&
	      !memcmp((const char *)(r + 1) + r->out_len, name, strlen(name)),
	      "VERSION: ret %d nbufs %u", r->ret, r->nbufs);
	CHECK(v.name_len == strlen(name) && v.version_major == devs[d]->pers->major, "VERSION");

	dd.handle = cd.handle;
	r = wb_ioctl(c, DRM_IOCTL_MODE_DESTROY_DUMB, &dd, 4);
	CHECK(r->ret == 0, "DESTROY_DUMB: %d", r->ret);
	r = wb_ioctl(c, DRM_IOCTL_MODE_DESTROY_DUMB, &dd, 5);
	CHECK(r->ret == -EINVAL, "second DESTROY_DUMB: %d", r->ret);
	close(c->fd);
	close(wb.main);
}

/* --- the oracle --- */
static void settle(void)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/* Heap bytes in use: the sanitizer allocator's count under ASan, else
 * malloc's. */
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_WIRE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_WIRE_ASAN 1
#endif
#endif
#ifdef FUZZ_WIRE_ASAN
/* the sanitizer runtime's, in gcc's libasan and clang's alike */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}
#endif

/* The heap after the first input (libevent and the daemon have grown
 * their tables to the fds of this harness by then), and how far above it
 * an input may leave it: a client that goes must not leave the daemon
 * bigger, input after input. */
static size_t baseline_heap;
#define HEAP_SLACK (4u << 20)

static void oracle(void)
{
	int n = count_fds();

	for (int i = 0; (n != baseline_fds || fdri_server_sockets(srv)) && i < 100; i++) {
		settle();
		n = count_fds();
	}
	if (fdri_server_sockets(srv)) {
		fdri_server_dump(srv, stderr);
		CHECK(0, "the daemon still holds %u client sockets", fdri_server_sockets(srv));
	}
	if (n != baseline_fds) {
		DIR *dir = opendir("/proc/self/fd");
		struct dirent *e;

		while (dir && (e = readdir(dir))) {
			char p[300], l[256];
			ssize_t k;

			snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
			k = readlink(p, l, sizeof(l) - 1);
			if (k > 0) {
				l[k] = 0;
				fprintf(stderr, "fd %s -> %s\n", e->d_name, l);
			}
		}
		if (dir)
			closedir(dir);
	}
	if (n != baseline_fds) {
		fdri_server_dump(srv, stderr);
		event_base_dump_events(base, stderr);
	}
	CHECK(n == baseline_fds, "%d fds open, %d at start", n, baseline_fds);
	{
		size_t heap = heap_in_use();

		if (!baseline_heap)
			baseline_heap = heap;
		CHECK(heap <= baseline_heap + HEAP_SLACK, "heap %zu bytes, %zu after the first input",
		      heap, baseline_heap);
	}
	for (int d = 0; d < NDEVS; d++) {
		const struct fdri_stats *s = &devs[d]->stats;

		CHECK(!s->files_open && !s->objects && !s->dmabufs && !s->backed_bytes &&
		      !devs[d]->mem_used, "device %d: files %llu objects %llu dmabufs %llu "
		      "backed %llu used %llu", d, (unsigned long long)s->files_open,
		      (unsigned long long)s->objects, (unsigned long long)s->dmabufs,
		      (unsigned long long)s->backed_bytes, (unsigned long long)devs[d]->mem_used);
		CHECK(fdri_list_empty(&devs[d]->test_waiters), "device %d: parked requests left", d);
		CHECK(!devs[d]->master, "device %d: a master is left", d);
	}
}

static void run(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	cur_data = data;
	cur_size = size;
	setup();
	for (int i = 0; i < NCONN; i++) {
		conns[i].main = -1;
		for (int j = 0; j < NCHAN; j++)
			conns[i].ch[j] = (struct chan){ .fd = -1 };
	}
	/* most inputs want a working connection: the first byte's low bit
	 * says whether to start with one */
	if (size && (data[0] & 1)) {
		struct fdri_wire_hello h = { .hdr = { FDRI_MSG_HELLO, sizeof(h) },
					     .version = FDRI_WIRE_VERSION, .open_flags = O_RDWR,
					     .node = (data[0] & 2) ? FDRI_NODE_RENDER : 0,
					     .device = (data[0] >> 2) & 1 };
		struct input dummy = { (const uint8_t *)"\0", 1 };

		act_connect(&dummy);
		conns[0].ch[0].fd = helper_send(conns[0].main, 0, &h, sizeof(h));
		run_loop();
		in.p++;
		in.n--;
	}
	while (in.n) {
		if (getenv("FUZZ_WIRE_DEBUG"))
			fprintf(stderr, "action %u at %zu\n", in.p[0] % 16, size - in.n);
		switch (take8(&in) % 16) {
		case 0: act_connect(&in); break;
		case 1: case 2: act_hello(&in, false); break;
		case 3: act_hello(&in, true); break;
		case 4: act_bad_hello(&in); break;
		case 5: case 6: case 7: act_ioctl(&in); break;
		case 8: act_data(&in); break;
		case 9: act_answer_all(&in); break;
		case 10: act_cancel(&in); break;
		case 11: act_mmap(&in); break;
		case 12: act_misc(&in); break;
		case 13: close_chan(pick_chan(&in)); break;
		case 14: {
			struct conn *c = &conns[take8(&in) % NCONN];

			if (c->main >= 0)
				close(c->main);
			c->main = -1;
			break;
		}
		default: act_answer_all(&in); break;
		}
		run_loop();
	}
	close_everything();
	settle();
	well_behaved(size & 1);
	settle();
	oracle();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	return 0;
}

#ifndef FAKEDRI_LIBFUZZER
static long replayed;

static void replay_file(const char *path)
{
	static uint8_t buf[1 << 20];
	struct stat st;
	FILE *f;
	size_t len;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct dirent **names;
		int n = scandir(path, &names, NULL, alphasort);

		CHECK(n >= 0, "scandir %s", path);
		for (int i = 0; i < n; i++) {
			char sub[4096];

			if (names[i]->d_name[0] != '.') {
				snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
				replay_file(sub);
			}
			free(names[i]);
		}
		free(names);
		return;
	}
	f = fopen(path, "rb");
	CHECK(f, "cannot open %s", path);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	run(buf, len);
	replayed++;
}

/* fuzz_wire [--random N SEED] [FILE|DIR...]: seeded random inputs, then
 * every file given (directories: every file in them). */
int main(int argc, char **argv)
{
	long n = 0;
	int i = 1;

	if (argc >= 4 && !strcmp(argv[1], "--random")) {
		uint8_t buf[512];

		n = atol(argv[2]);
		srandom((unsigned)atol(argv[3]));
		for (long k = 0; k < n; k++) {
			size_t len = (size_t)(random() % sizeof(buf));

			for (size_t b = 0; b < len; b++)
				buf[b] = (uint8_t)random();
			if (getenv("FUZZ_WIRE_SAVE_DIR")) {
				char path[4096];
				FILE *f;

				snprintf(path, sizeof(path), "%s/%06ld", getenv("FUZZ_WIRE_SAVE_DIR"), k);
				if ((f = fopen(path, "wb"))) {
					fwrite(buf, 1, len, f);
					fclose(f);
				}
			}
			run(buf, len);
		}
		i = 4;
	}
	for (; i < argc; i++)
		replay_file(argv[i]);
	cleanup();
	printf("%ld random inputs, %ld files, no crash, no leak\n", n, replayed);
	return 0;
}
#endif
