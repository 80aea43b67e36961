/*
 * tests/conformance/conformance.c - differential conformance suite.
 *
 * One program, a table of named cases; each case is an ioctl sequence on
 * the primary and/or render node, run in its own forked process so that all
 * its DRM files are closed before the next case starts (so the next case's
 * first primary opener is master again, names and handles restart at 1).
 * It writes a normalised transcript (see conf.h) that compare.py checks
 * against the transcript of the Linux 6.1 vgem driver
 * (reference-vgem-6.1.txt).
 *
 * Usage: conformance [--card PATH] [--render PATH] [-o FILE]
 *                    [--only SUBSTRING] [--list]
 * Build: plain libc + <drm.h>/<drm_mode.h> (libdrm's cflags only, no
 * libdrm library) + <linux/dma-buf.h>, so it can be linked statically.
 */
#include "conf.h"

#include <fcntl.h>
#include <poll.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#define PAGE 4096

/* vgem's ABI, from the kernel's include/uapi/drm/vgem_drm.h (not installed) */
struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};
struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};
#define VGEM_FENCE_WRITE 0x1
#define VGEM_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

/* ------------------------------------------------------------------ */
/* the case table */

struct tcase {
	const char *name;
	void (*fn)(const void *arg);
	const void *arg;
};
static struct tcase *cases;
static int ncases, capcases;

static void add(const char *name, void (*fn)(const void *), const void *arg)
{
	if (ncases == capcases) {
		capcases = capcases ? 2 * capcases : 256;
		cases = realloc(cases, capcases * sizeof(*cases));
	}
	cases[ncases++] = (struct tcase){ strdup(name), fn, arg };
}
#define CASE(name) static void c_##name(const void *arg_unused __attribute__((unused)))
#define ADD(group, name) add(group "." #name, c_##name, NULL)

static int node(int is_render)
{
	return is_render ? render() : card();
}

/* ------------------------------------------------------------------ */
/* parametric: one ioctl with a zeroed struct of the command's size */

struct raw {
	unsigned long cmd;
	int is_render;
	const char *what;
};

static void c_raw(const void *a)
{
	const struct raw *r = a;
	int fd = node(r->is_render);
	unsigned char buf[1024];
	memset(buf, 0, sizeof(buf));
	IOC(sfmt("%s nr=0x%02x size=%u", r->what, (unsigned)_IOC_NR(r->cmd),
		 (unsigned)_IOC_SIZE(r->cmd)),
	    fd, r->cmd, buf, "out=%s", hexbuf(buf, _IOC_SIZE(r->cmd) ? _IOC_SIZE(r->cmd) : 16));
}

static struct raw raws[512];
static int nraws;

static void add_raw(const char *group, const char *what, unsigned long cmd, int both)
{
	for (int rn = 0; rn <= both; rn++) {
		struct raw *r = &raws[nraws++];
		r->cmd = cmd;
		r->is_render = rn;
		r->what = what;
		add(sfmt("%s.%s.%s", group, what, rn ? "render" : "card"), c_raw, r);
	}
}

/* ------------------------------------------------------------------ */
/* GET_CAP / SET_CLIENT_CAP */

struct capcase { uint64_t cap; int is_render; };
static struct capcase capcs[64];
static int ncapcs;

static void c_getcap(const void *a)
{
	const struct capcase *c = a;
	int fd = node(c->is_render);
	struct drm_get_cap g = { .capability = c->cap, .value = 0xaaaaaaaaaaaaaaaaull };
	IOC(sfmt("GET_CAP 0x%llx", (unsigned long long)c->cap), fd, DRM_IOCTL_GET_CAP, &g,
	    "capability=0x%llx value=0x%llx", (unsigned long long)g.capability,
	    (unsigned long long)g.value);
}

static void c_clientcap(const void *a)
{
	const struct capcase *c = a;
	int fd = node(c->is_render);
	for (uint64_t v = 0; v <= 2; v++) {
		struct drm_set_client_cap s = { .capability = c->cap, .value = v };
		IOC(sfmt("SET_CLIENT_CAP %llu=%llu", (unsigned long long)c->cap,
			 (unsigned long long)v), fd, DRM_IOCTL_SET_CLIENT_CAP, &s,
		    "capability=%llu value=%llu", (unsigned long long)s.capability,
		    (unsigned long long)s.value);
	}
}

/* ------------------------------------------------------------------ */
/* VERSION */

static void version_full(int fd, size_t blen)
{
	char name[64], date[64], desc[64];
	memset(name, '#', sizeof(name));
	memset(date, '#', sizeof(date));
	memset(desc, '#', sizeof(desc));
	struct drm_version v = { .name = name, .name_len = blen, .date = date,
				 .date_len = blen, .desc = desc, .desc_len = blen };
	IOC(sfmt("VERSION buflen=%zu", blen), fd, DRM_IOCTL_VERSION, &v,
	    "%d.%d.%d name_len=%zu date_len=%zu desc_len=%zu name=%.24s date=%.24s desc=%.24s",
	    v.version_major, v.version_minor, v.version_patchlevel, v.name_len,
	    v.date_len, v.desc_len, name, date, desc);
}

CASE(lengths_card)
{
	int fd = card();
	struct drm_version v;
	memset(&v, 0, sizeof(v));
	IOC("VERSION lengths", fd, DRM_IOCTL_VERSION, &v, "%d.%d.%d name_len=%zu date_len=%zu desc_len=%zu",
	    v.version_major, v.version_minor, v.version_patchlevel, v.name_len, v.date_len, v.desc_len);
}
CASE(lengths_render)
{
	int fd = render();
	struct drm_version v;
	memset(&v, 0, sizeof(v));
	IOC("VERSION lengths", fd, DRM_IOCTL_VERSION, &v, "%d.%d.%d name_len=%zu date_len=%zu desc_len=%zu",
	    v.version_major, v.version_minor, v.version_patchlevel, v.name_len, v.date_len, v.desc_len);
}
CASE(full_card) { version_full(card(), 40); }
CASE(full_render) { version_full(render(), 40); }
CASE(exact_len_no_nul) { version_full(card(), 4); }
CASE(short_buffers) { version_full(card(), 2); }
CASE(null_pointers_with_len)
{
	int fd = card();
	struct drm_version v = { .name_len = 10, .date_len = 10, .desc_len = 10 };
	IOC("VERSION NULL bufs len=10", fd, DRM_IOCTL_VERSION, &v,
	    "name_len=%zu date_len=%zu desc_len=%zu", v.name_len, v.date_len, v.desc_len);
}
CASE(bad_date_pointer_efault)
{
	int fd = card();
	char name[16];
	memset(name, '#', sizeof(name));
	struct drm_version v = { .version_major = 77, .name = name, .name_len = 16,
				 .date = (char *)16, .date_len = 16, .desc_len = 99 };
	IOC("VERSION bad date ptr", fd, DRM_IOCTL_VERSION, &v,
	    "%d.%d.%d name_len=%zu date_len=%zu desc_len=%zu name=%.16s",
	    v.version_major, v.version_minor, v.version_patchlevel, v.name_len,
	    v.date_len, v.desc_len, name);
}
CASE(bad_name_pointer_render)
{
	int fd = render();
	struct drm_version v = { .name = (char *)16, .name_len = 16, .date_len = 33 };
	IOC("VERSION bad name ptr", fd, DRM_IOCTL_VERSION, &v,
	    "%d.%d.%d name_len=%zu date_len=%zu", v.version_major, v.version_minor,
	    v.version_patchlevel, v.name_len, v.date_len);
}
CASE(null_arg) { int fd = card(); IOC("VERSION NULL", fd, DRM_IOCTL_VERSION, NULL, "%s", ""); }
CASE(short_struct_16)
{
	int fd = card();
	unsigned char b[64];
	memset(b, 0xee, sizeof(b));
	IOC("VERSION size=16", fd, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x00, 16), b,
	    "out=%s", hexbuf(b, 64));
}
CASE(oversized_struct_80)
{
	int fd = card();
	unsigned char b[80];
	memset(b, 0, sizeof(b));
	memset(b + 64, 0xee, 16);
	IOC("VERSION size=80", fd, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x00, 80), b,
	    "out=%s", hexbuf(b, 80));
}

/* ------------------------------------------------------------------ */
/* GET_UNIQUE / SET_VERSION */

static void get_unique(int fd, size_t len)
{
	char buf[32];
	memset(buf, '#', sizeof(buf));
	buf[31] = 0;
	struct drm_unique u = { .unique_len = len, .unique = buf };
	IOC(sfmt("GET_UNIQUE len=%zu", len), fd, DRM_IOCTL_GET_UNIQUE, &u,
	    "unique_len=%zu unique=%.12s", u.unique_len, buf);
}

static void set_version(int fd, int a, int b, int c, int d)
{
	struct drm_set_version s = { a, b, c, d };
	IOC(sfmt("SET_VERSION %d.%d %d.%d", a, b, c, d), fd, DRM_IOCTL_SET_VERSION, &s,
	    "-> %d.%d %d.%d", s.drm_di_major, s.drm_di_minor, s.drm_dd_major, s.drm_dd_minor);
}

CASE(empty_before_set_version)
{
	int fd = card();
	get_unique(fd, 0);
	get_unique(fd, 16);
}
CASE(after_set_version_1_1)
{
	int fd = card();
	set_version(fd, 1, 1, -1, -1);
	get_unique(fd, 0);
	get_unique(fd, 16);
	get_unique(fd, 2);
	int fd2 = card();
	get_unique(fd2, 16);
}
CASE(after_set_version_1_0_stays_empty)
{
	int fd = card();
	set_version(fd, 1, 0, -1, -1);
	get_unique(fd, 16);
}
CASE(bad_pointer)
{
	int fd = card();
	set_version(fd, 1, 4, -1, -1);
	struct drm_unique u = { .unique_len = 16, .unique = (char *)16 };
	IOC("GET_UNIQUE bad ptr", fd, DRM_IOCTL_GET_UNIQUE, &u, "unique_len=%zu", u.unique_len);
}
CASE(unique_render_eacces)
{
	int fd = render();
	get_unique(fd, 16);
}
CASE(new_master_has_own_unique)
{
	int a = card();
	set_version(a, 1, 1, -1, -1);
	int b = card();
	drop_master(a);
	set_master(b);
	get_unique(b, 16);
	get_unique(a, 16);
}

CASE(sv_query_only) { set_version(card(), -1, -1, -1, -1); }
CASE(sv_di_1_0) { set_version(card(), 1, 0, -1, -1); }
CASE(sv_di_1_4) { set_version(card(), 1, 4, -1, -1); }
CASE(sv_di_1_5) { set_version(card(), 1, 5, -1, -1); }
CASE(sv_di_2_0) { set_version(card(), 2, 0, -1, -1); }
CASE(sv_di_1_neg) { set_version(card(), 1, -2, -1, -1); }
CASE(sv_dd_1_0) { set_version(card(), -1, -1, 1, 0); }
CASE(sv_dd_1_1) { set_version(card(), -1, -1, 1, 1); }
CASE(sv_dd_0_0) { set_version(card(), -1, -1, 0, 0); }
CASE(sv_both_bad_di_first) { set_version(card(), 3, 0, 9, 9); }
CASE(sv_non_master)
{
	int a = card();
	int b = card();
	set_version(b, 1, 1, -1, -1);
	drop_master(a);
	set_version(a, 1, 1, -1, -1);
}
CASE(sv_render) { set_version(render(), 1, 1, -1, -1); }

/* ------------------------------------------------------------------ */
/* GET_MAGIC / AUTH_MAGIC */

CASE(magic_repeat_same)
{
	int a = card();
	get_magic(a);
	get_magic(a);
	int b = card();
	get_magic(b);
	get_magic(a);
}
CASE(magic_raw_values)
{
	/* the kernel allocates the lowest free id >= 1 per master */
	int a = card();
	struct drm_auth m1 = { 0 }, m2 = { 0 };
	int b = card();
	IOC("GET_MAGIC b", b, DRM_IOCTL_GET_MAGIC, &m1, "magic=%u", m1.magic);
	IOC("GET_MAGIC a", a, DRM_IOCTL_GET_MAGIC, &m2, "magic=%u", m2.magic);
}
CASE(magic_reused_after_close)
{
	int a = card();
	int b = card();
	struct drm_auth m = { 0 };
	IOC("GET_MAGIC b", b, DRM_IOCTL_GET_MAGIC, &m, "magic=%u", m.magic);
	cls("close b", b);
	int c = card();
	IOC("GET_MAGIC c", c, DRM_IOCTL_GET_MAGIC, &m, "magic=%u", m.magic);
	(void)a;
}
CASE(magic_not_reused_after_auth)
{
	int a = card();
	int b = card();
	struct drm_auth m = { 0 };
	IOC("GET_MAGIC b", b, DRM_IOCTL_GET_MAGIC, &m, "magic=%u", m.magic);
	auth_magic(a, m.magic);
	int c = card();
	IOC("GET_MAGIC c", c, DRM_IOCTL_GET_MAGIC, &m, "magic=%u", m.magic);
}
CASE(magic_render_eacces)
{
	int r = render();
	get_magic(r);
}
CASE(auth_ok_then_einval)
{
	int a = card();
	int b = card();
	uint32_t m = get_magic(b);
	auth_magic(a, m);
	auth_magic(a, m);
}
CASE(auth_zero_and_unknown)
{
	int a = card();
	auth_magic(a, 0);
	auth_magic(a, 12345);
	auth_magic(a, 0x80000000u);
}
CASE(auth_self)
{
	int a = card();
	uint32_t m = get_magic(a);
	auth_magic(a, m);
}
CASE(auth_non_master_eacces)
{
	int a = card();
	int b = card();
	uint32_t m = get_magic(a);
	auth_magic(b, m);
}
CASE(auth_after_drop_master_eacces)
{
	int a = card();
	int b = card();
	uint32_t m = get_magic(b);
	drop_master(a);
	auth_magic(a, m);
}
CASE(auth_render_eacces)
{
	int a = card();
	int r = render();
	uint32_t m = get_magic(a);
	auth_magic(r, m);
}
CASE(new_master_fresh_magic_map)
{
	int a = card();
	int b = card();
	uint32_t mb = get_magic(b);
	drop_master(a);
	set_master(b);
	int c = card();
	uint32_t mc = get_magic(c);
	auth_magic(b, mb);
	auth_magic(b, mc);
	struct drm_auth raw = { 0 };
	IOC("GET_MAGIC c raw", c, DRM_IOCTL_GET_MAGIC, &raw, "magic=%u", raw.magic);
}
CASE(magic_of_closed_file_einval)
{
	int a = card();
	int b = card();
	uint32_t m = get_magic(b);
	cls("close b", b);
	auth_magic(a, m);
}

/* ------------------------------------------------------------------ */
/* GET_CLIENT / GET_STATS */

static void get_client(int fd, int idx)
{
	struct drm_client c = { .idx = idx, .auth = 7, .pid = 7, .uid = 7, .magic = 7, .iocs = 7 };
	IOC(sfmt("GET_CLIENT idx=%d", idx), fd, DRM_IOCTL_GET_CLIENT, &c,
	    "idx=%d auth=%d pid=%s uid=%lu magic=%lu iocs=%lu", c.idx, c.auth,
	    c.pid == 7 ? "7" : npid(c.pid), c.uid, c.magic, c.iocs);
}
CASE(client_master) { get_client(card(), 0); }
CASE(client_second_open)
{
	int a = card();
	int b = card();
	get_magic(b);
	get_client(b, 0);
	(void)a;
}
CASE(client_idx_1) { get_client(card(), 1); }
CASE(client_idx_neg) { get_client(card(), -1); }
CASE(client_render) { get_client(render(), 0); }
static void *client_thread(void *p)
{
	get_client(*(int *)p, 0);
	return NULL;
}
CASE(client_from_thread_reports_tid)
{
	int fd = card();
	pthread_t t;
	pthread_create(&t, NULL, client_thread, &fd);
	pthread_join(t, NULL);
}
static void child_client(void *p) { get_client(*(int *)p, 0); }
CASE(client_from_forked_child)
{
	int fd = card();
	run_child(child_client, &fd);
}
CASE(stats_card)
{
	int fd = card();
	struct drm_stats s;
	memset(&s, 0xee, sizeof(s));
	IOC("GET_STATS", fd, DRM_IOCTL_GET_STATS, &s, "size=%zu out=%s", sizeof(s), hexbuf(&s, sizeof(s)));
}
CASE(stats_render)
{
	int fd = render();
	struct drm_stats s;
	memset(&s, 0xee, sizeof(s));
	IOC("GET_STATS", fd, DRM_IOCTL_GET_STATS, &s, "out=%s", hexbuf(&s, 16));
}
CASE(stats_short_8)
{
	int fd = card();
	unsigned char b[32];
	memset(b, 0xee, sizeof(b));
	IOC("GET_STATS size=8", fd, _IOC(_IOC_READ, 'd', 0x06, 8), b, "out=%s", hexbuf(b, 32));
}

/* ------------------------------------------------------------------ */
/* SET_MASTER / DROP_MASTER */

CASE(first_opener_is_master)
{
	int a = card();
	set_master(a);
	drop_master(a);
	drop_master(a);
	set_master(a);
	set_master(a);
}
CASE(second_open_not_master)
{
	int a = card();
	int b = card();
	drop_master(b);
	set_master(b);
	(void)a;
}
CASE(handover_between_files)
{
	int a = card();
	int b = card();
	drop_master(a);
	set_master(b);
	set_master(a);
	drop_master(a);
	drop_master(b);
	set_master(a);
	drop_master(b);
}
CASE(close_master_no_auto_promotion)
{
	int a = card();
	int b = card();
	cls("close a", a);
	drop_master(b);
	int c = card();
	drop_master(c);
	set_master(b);
}
CASE(after_drop_next_open_is_master)
{
	int a = card();
	drop_master(a);
	int b = card();
	drop_master(b);
	set_master(a);
}
CASE(master_render_eacces)
{
	int r = render();
	set_master(r);
	drop_master(r);
}
CASE(dup_fd_same_file)
{
	int a = card();
	errno = 0;
	int d = dup(a);
	logline("dup", rfd(d, errno), "%s", "");
	drop_master(d);
	drop_master(a);
	set_master(d);
}
static void child_drop(void *p) { drop_master(*(int *)p); set_master(*(int *)p); }
CASE(forked_child_root_may_drop)
{
	int a = card();
	run_child(child_drop, &a);
	drop_master(a);
}
static void child_nobody(void *p)
{
	int fd = *(int *)p;
	errno = 0;
	int r = setresuid(65534, 65534, 65534);
	logline("setresuid 65534", rs(r, errno), "%s", "");
	drop_master(fd);
	set_master(fd);
	get_client(fd, 0);
	struct drm_version v;
	memset(&v, 0, sizeof(v));
	IOC("VERSION lengths", fd, DRM_IOCTL_VERSION, &v, "name_len=%zu", v.name_len);
}
CASE(forked_child_nonroot_eacces)
{
	int a = card();
	int b = card();
	drop_master(a);
	run_child(child_nobody, &a);
	run_child(child_nobody, &b);
	set_master(a);
}
CASE(sv_after_regaining_master)
{
	int a = card();
	drop_master(a);
	set_version(a, 1, 1, -1, -1);
	set_master(a);
	set_version(a, 1, 1, -1, -1);
	get_unique(a, 16);
}
CASE(master_survives_other_closes)
{
	int a = card();
	int b = card();
	cls("close b", b);
	drop_master(a);
}

/* ------------------------------------------------------------------ */
/* capability-less (no CAP_SYS_ADMIN, uid 0): the real auth flow */

static int cap_sys_admin(int on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	if (on)
		d[0].effective |= 1u << CAP_SYS_ADMIN;
	else
		d[0].effective &= ~(1u << CAP_SYS_ADMIN);
	return syscall(SYS_capset, &h, d);
}
static int nocap_card(void)
{
	cap_sys_admin(0);
	int fd = open_node("open card (no CAP_SYS_ADMIN)", conf_card, O_RDWR | O_CLOEXEC);
	return fd;
}
CASE(unauth_flow)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	int b = nocap_card();
	get_client(b, 0);
	flink(b, 1);
	gopen(b, n);
	uint32_t m = get_magic(b);
	auth_magic(a, m);
	get_client(b, 0);
	gopen(b, n);
}
CASE(unauth_may_use_prime_and_dumb)
{
	int b = nocap_card();
	int c = open_node("open card 2 (no CAP_SYS_ADMIN)", conf_card, O_RDWR | O_CLOEXEC);
	uint32_t h = dumb4k(c);
	int d = exp_fd(c, h, DRM_CLOEXEC);
	imp(c, d);
	mapdumb(c, h);
	gclose(c, h);
	(void)b;
}
CASE(first_opener_without_cap_is_master_and_auth)
{
	int a = nocap_card();
	get_client(a, 0);
	drop_master(a);
	set_master(a);
	int b = open_node("open card 2", conf_card, O_RDWR | O_CLOEXEC);
	set_master(b);
}
CASE(set_master_other_thread_eacces)
{
	int a = nocap_card();
	drop_master(a);
	run_child(child_drop, &a);
	set_master(a);
}
CASE(legacy_root_only_eacces)
{
	int a = nocap_card();
	unsigned char b[64] = { 0 };
	IOC("IRQ_BUSID", a, DRM_IOCTL_IRQ_BUSID, b, "%s", "");
	IOC("BLOCK", a, DRM_IOCTL_BLOCK, b, "%s", "");
	IOC("GET_MAP", a, DRM_IOCTL_GET_MAP, b, "%s", "");
}

/* ------------------------------------------------------------------ */
/* GEM_CLOSE / FLINK / GEM_OPEN */

CASE(close_zero_unknown)
{
	int a = card();
	gclose(a, 0);
	gclose(a, 1);
	gclose(a, 0xffffffffu);
}
CASE(close_twice)
{
	int a = card();
	uint32_t h = dumb4k(a);
	gclose(a, h);
	gclose(a, h);
}
CASE(close_pad_ignored)
{
	int a = card();
	uint32_t h = dumb4k(a);
	struct drm_gem_close c = { .handle = h, .pad = 0x1234 };
	IOC("GEM_CLOSE pad=0x1234", a, DRM_IOCTL_GEM_CLOSE, &c, "%s", "");
}
CASE(close_on_render)
{
	int a = card();
	int r = render();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t rh = imp(r, d);
	gclose(r, rh);
	gclose(r, rh);
}
CASE(handles_lowest_free)
{
	int a = card();
	dumb4k(a);
	dumb4k(a);
	dumb4k(a);
	gclose(a, 2);
	dumb4k(a);
	dumb4k(a);
	gclose(a, 1);
	gclose(a, 3);
	dumb4k(a);
}
CASE(handles_per_file)
{
	int a = card();
	int b = card();
	dumb4k(a);
	dumb4k(b);
	dumb4k(a);
}
CASE(flink_bad_handle)
{
	int a = card();
	flink(a, 0);
	flink(a, 5);
}
CASE(flink_same_name_any_file)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	flink(a, h);
	uint32_t hb = gopen(b, n);
	flink(b, hb);
}
CASE(flink_render_eacces)
{
	int a = card();
	int r = render();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t rh = imp(r, d);
	flink(r, rh);
	gopen(r, 1);
}
CASE(flink_names_lowest_free)
{
	int a = card();
	uint32_t h1 = dumb4k(a), h2 = dumb4k(a), h3 = dumb4k(a);
	flink(a, h1);
	flink(a, h2);
	flink(a, h3);
	gclose(a, h2);
	uint32_t h4 = dumb4k(a);
	flink(a, h4);
	uint32_t h5 = dumb4k(a);
	flink(a, h5);
}
CASE(flink_name_gone_after_last_handle)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	uint32_t hb = gopen(b, n);
	gclose(a, h);
	gopen(a, n);
	gclose(b, hb);
	gopen(a, n);
	uint32_t h2 = dumb4k(a);
	flink(a, h2);
}
CASE(flink_name_gone_despite_dmabuf)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	int d = exp_fd(a, h, DRM_CLOEXEC);
	gclose(a, h);
	gopen(b, n);
	uint32_t hb = imp(b, d);
	flink(b, hb);
}
CASE(flink_name_gone_despite_mmap)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	uint64_t o = mapdumb(a, h);
	void *p = mm("mmap", a, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	gclose(a, h);
	gopen(b, n);
	unmap(p, PAGE);
}
CASE(open_bad_names)
{
	int a = card();
	gopen(a, 0);
	gopen(a, 1);
	gopen(a, 0x7fffffffu);
	gopen(a, 0x80000001u);
	gopen(a, 0xffffffffu);
}
CASE(open_name_plus_2_32)
{
	int a = card();
	uint32_t h = dumb4k(a);
	flink(a, h);
	/* name is a u32 in the uapi struct: nothing wider exists */
	struct drm_gem_open o = { .name = 1, .handle = 99, .size = 99 };
	IOC("GEM_OPEN name=1 (handle/size preset)", a, DRM_IOCTL_GEM_OPEN, &o,
	    "handle=%u size=%llu", o.handle, (unsigned long long)o.size);
}
CASE(open_twice_two_handles)
{
	int a = card();
	uint32_t h = dumb(a, 64, 64, 32);
	uint32_t n = flink(a, h);
	gopen(a, n);
	gopen(a, n);
	gclose(a, h);
	gopen(a, n);
}
CASE(open_size_reported)
{
	int a = card();
	int b = card();
	uint32_t h = dumb(a, 100, 33, 24);
	uint32_t n = flink(a, h);
	gopen(b, n);
}
CASE(flink_imported_object)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t hb = imp(b, d);
	uint32_t n = flink(b, hb);
	flink(a, h);
	gopen(a, n);
}

/* ------------------------------------------------------------------ */
/* PRIME */

CASE(export_bad_flags)
{
	int a = card();
	uint32_t h = dumb4k(a);
	exp_fd(a, h, 0x1);
	exp_fd(a, h, O_NONBLOCK);
	exp_fd(a, h, 0x80000000u);
	exp_fd(a, h, DRM_CLOEXEC | DRM_RDWR | 0x4);
}
CASE(export_bad_handle)
{
	int a = card();
	exp_fd(a, 0, 0);
	exp_fd(a, 7, DRM_CLOEXEC);
}
CASE(export_bad_flags_before_handle)
{
	int a = card();
	exp_fd(a, 7, 0x4);
}
CASE(export_twice_same_dmabuf)
{
	int a = card();
	uint32_t h = dumb4k(a);
	int d1 = exp_fd(a, h, 0);
	int d2 = exp_fd(a, h, DRM_CLOEXEC | DRM_RDWR);
	uint32_t h2 = dumb4k(a);
	exp_fd(a, h2, 0);
	(void)d1;
	(void)d2;
}
CASE(export_cloexec_flag)
{
	int a = card();
	uint32_t h = dumb4k(a);
	int d1 = exp_fd(a, h, 0);
	int d2 = exp_fd(a, h, DRM_CLOEXEC);
	logline("fcntl F_GETFD", "0", "d1=%d d2=%d", fcntl(d1, F_GETFD) & FD_CLOEXEC,
		fcntl(d2, F_GETFD) & FD_CLOEXEC);
}
CASE(export_fd_field_preset)
{
	int a = card();
	uint32_t h = dumb4k(a);
	struct drm_prime_handle p = { .handle = h, .flags = 0x4, .fd = 1234 };
	IOC("HANDLE_TO_FD bad flags fd preset", a, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p, "fd=%d", p.fd);
	struct drm_prime_handle q = { .handle = 9, .flags = 0, .fd = 1234 };
	IOC("HANDLE_TO_FD bad handle fd preset", a, DRM_IOCTL_PRIME_HANDLE_TO_FD, &q, "fd=%d", q.fd);
}
CASE(export_on_render)
{
	int a = card();
	int r = render();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t rh = imp(r, d);
	exp_fd(r, rh, 0);
}
CASE(self_import_same_handle)
{
	int a = card();
	uint32_t h = dumb4k(a);
	dumb4k(a);
	uint32_t h3 = dumb4k(a);
	int d = exp_fd(a, h3, 0);
	imp(a, d);
	imp(a, d);
	(void)h;
}
CASE(import_other_file_new_handle)
{
	int a = card();
	int b = card();
	dumb4k(b);
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	imp(b, d);
	imp(b, d);
	exp_fd(b, 2, 0);
}
CASE(import_after_close_in_exporter)
{
	int a = card();
	uint32_t h = dumb4k(a);
	dumb4k(a);
	int d = exp_fd(a, h, 0);
	gclose(a, h);
	imp(a, d);
	exp_fd(a, 1, 0);
}
CASE(import_close_reimport)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t hb = imp(b, d);
	gclose(b, hb);
	dumb4k(b);
	imp(b, d);
}
CASE(import_bad_fds)
{
	int a = card();
	imp(a, -1);
	imp(a, 999);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	imp(a, fd);
	int pp[2];
	if (pipe(pp) == 0)
		imp(a, pp[0]);
	int mf = memfd_create("notadmabuf", MFD_CLOEXEC);
	if (mf >= 0 && ftruncate(mf, PAGE) == 0)
		imp(a, mf);
	imp(a, a);
}
CASE(import_on_render_bad_fd)
{
	int r = render();
	imp(r, -1);
	imp(r, r);
}
CASE(import_flags_ignored)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	struct drm_prime_handle p = { .fd = d, .flags = 0xffffffffu, .handle = 77 };
	IOC("FD_TO_HANDLE flags=~0", b, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p, "handle=%u", p.handle);
}
CASE(reexport_of_import_same_dmabuf)
{
	int a = card();
	int b = card();
	int r = render();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t hb = imp(b, d);
	exp_fd(b, hb, 0);
	uint32_t hr = imp(r, d);
	exp_fd(r, hr, DRM_RDWR);
}
CASE(import_then_gem_open_two_handles)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	uint32_t hb = gopen(b, n);
	int d = exp_fd(a, h, 0);
	imp(b, d);
	exp_fd(b, hb, 0);
	imp(b, d);
}
CASE(two_handles_export_import)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	uint32_t h2 = gopen(a, n);
	int d2 = exp_fd(a, h2, 0);
	int d1 = exp_fd(a, h, 0);
	imp(a, d1);
	gclose(a, h2);
	imp(a, d2);
}
CASE(dmabuf_outlives_all_handles)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint64_t o = mapdumb(a, h);
	unsigned char *p = mm("mmap drm", a, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (p)
		memset(p, 0x5a, PAGE);
	unmap(p, PAGE);
	int d = exp_fd(a, h, DRM_RDWR);
	cls("close card", a);
	int b = card();
	uint32_t hb = imp(b, d);
	uint64_t ob = mapdumb(b, hb);
	unsigned char *q = mm("mmap drm b", b, PAGE, PROT_READ, MAP_SHARED, ob);
	logline("read", "0", "byte=0x%02x", q ? q[100] : 0);
	unmap(q, PAGE);
}
CASE(exported_dmabuf_size)
{
	int a = card();
	uint32_t h = dumb(a, 100, 100, 32);
	int d = exp_fd(a, h, 0);
	struct stat st;
	int r = fstat(d, &st);
	logline("fstat", rs(r, errno), "size=%lld", (long long)st.st_size);
	errno = 0;
	off_t e = lseek(d, 0, SEEK_END);
	logline("lseek END", rs(e, errno), "%s", "");
}
CASE(render_export_card_import)
{
	int a = card();
	int r = render();
	uint32_t h = dumb4k(a);
	int d0 = exp_fd(a, h, 0);
	uint32_t hr = imp(r, d0);
	gclose(a, h);
	cls("close dmabuf", d0);
	int d = exp_fd(r, hr, DRM_CLOEXEC);
	int b = card();
	uint32_t hb = imp(b, d);
	flink(b, hb);
	mapdumb(b, hb);
}

/* ------------------------------------------------------------------ */
/* dumb buffers */

static void dumb_case(const void *a)
{
	const uint32_t *v = a;
	int fd = card();
	struct drm_mode_create_dumb c = { .width = v[0], .height = v[1], .bpp = v[2],
					  .flags = v[3], .handle = 0x77, .pitch = 0x77, .size = 0x77 };
	IOC(sfmt("CREATE_DUMB w=%u h=%u bpp=%u flags=%u", v[0], v[1], v[2], v[3]), fd,
	    DRM_IOCTL_MODE_CREATE_DUMB, &c, "handle=%u pitch=%u size=%llu", c.handle, c.pitch,
	    (unsigned long long)c.size);
}
static const uint32_t dumbs[][4] = {
	{ 64, 64, 32, 0 },        { 1, 1, 32, 0 },           { 1, 1, 8, 0 },
	{ 3, 5, 24, 0 },          { 3, 5, 12, 0 },           { 9, 1, 1, 0 },
	{ 100, 33, 16, 0 },       { 4096, 4096, 32, 0 },     { 0, 1, 32, 0 },
	{ 1, 0, 32, 0 },          { 1, 1, 0, 0 },            { 64, 64, 32, 0xffffffffu },
	{ 1, 1, 0xfffffff8u, 0 }, { 1, 1, 0xfffffff7u, 0 },  { 0x40000000u, 1, 32, 0 },
	{ 0x3ffffc00u, 1, 32, 0 }, { 0x3ffffc01u, 1, 32, 0 }, { 65536, 65536, 8, 0 },
	{ 0x10000, 0x10001, 32, 0 }, { 0x20000001u, 1, 8, 0 }, { 0x20000000u, 1, 8, 0 },
	{ 1, 0xfffff000u, 8, 0 }, { 1, 0xfffff001u, 8, 0 },  { 0xffffffffu, 1, 1, 0 },
	{ 7, 3, 33, 0 },
};

CASE(create_render_eacces)
{
	int r = render();
	dumb(r, 64, 64, 32);
}
CASE(create_outputs_zeroed_on_error)
{
	int a = card();
	struct drm_mode_create_dumb c = { .width = 0, .height = 1, .bpp = 32, .handle = 5, .pitch = 6, .size = 7 };
	IOC("CREATE_DUMB w=0 preset outputs", a, DRM_IOCTL_MODE_CREATE_DUMB, &c,
	    "handle=%u pitch=%u size=%llu", c.handle, c.pitch, (unsigned long long)c.size);
}
CASE(create_preset_pitch_ignored)
{
	int a = card();
	struct drm_mode_create_dumb c = { .width = 16, .height = 16, .bpp = 32, .pitch = 4096, .size = 1 << 20 };
	IOC("CREATE_DUMB preset pitch/size", a, DRM_IOCTL_MODE_CREATE_DUMB, &c,
	    "handle=%u pitch=%u size=%llu", c.handle, c.pitch, (unsigned long long)c.size);
}
CASE(map_bad_handle)
{
	int a = card();
	mapdumb(a, 0);
	mapdumb(a, 3);
}
CASE(map_idempotent_distinct)
{
	int a = card();
	uint32_t h1 = dumb4k(a);
	uint32_t h2 = dumb(a, 64, 64, 32);
	mapdumb(a, h1);
	mapdumb(a, h2);
	mapdumb(a, h1);
}
CASE(map_flags_pad_ignored)
{
	int a = card();
	uint32_t h = dumb4k(a);
	struct drm_mode_map_dumb m = { .handle = h, .pad = 0xffff, .offset = 0x1234 };
	IOC("MAP_DUMB pad=0xffff", a, DRM_IOCTL_MODE_MAP_DUMB, &m, "offset=%s pad=0x%x",
	    noff(m.offset), m.pad);
}
CASE(map_render_eacces)
{
	int a = card();
	int r = render();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t rh = imp(r, d);
	mapdumb(r, rh);
}
CASE(map_same_offset_other_file)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	mapdumb(a, h);
	uint32_t hb = gopen(b, n);
	mapdumb(b, hb);
	uint32_t h2 = dumb4k(b);
	mapdumb(b, h2);
}
CASE(map_of_imported_same_offset)
{
	int a = card();
	int b = card();
	uint32_t h = dumb4k(a);
	mapdumb(a, h);
	int d = exp_fd(a, h, 0);
	uint32_t hb = imp(b, d);
	mapdumb(b, hb);
}
CASE(map_offsets_follow_creation_order)
{
	int a = card();
	uint32_t h1 = dumb4k(a);
	uint32_t h2 = dumb(a, 1024, 4, 32);
	uint32_t h3 = dumb4k(a);
	uint64_t o3 = mapdumb(a, h3);
	uint64_t o1 = mapdumb(a, h1);
	uint64_t o2 = mapdumb(a, h2);
	logline("offset deltas (pages)", "0", "o2-o1=%lld o3-o1=%lld first_at_4G=%d",
		(long long)(o2 - o1) / PAGE, (long long)(o3 - o1) / PAGE, o1 == 0x100000000ull);
}
CASE(destroy_bad_handle)
{
	int a = card();
	struct drm_mode_destroy_dumb d = { .handle = 0 };
	IOC("DESTROY_DUMB 0", a, DRM_IOCTL_MODE_DESTROY_DUMB, &d, "%s", "");
	d.handle = 4;
	IOC("DESTROY_DUMB 4", a, DRM_IOCTL_MODE_DESTROY_DUMB, &d, "%s", "");
}
CASE(destroy_then_close)
{
	int a = card();
	uint32_t h = dumb4k(a);
	struct drm_mode_destroy_dumb d = { .handle = h };
	IOC("DESTROY_DUMB", a, DRM_IOCTL_MODE_DESTROY_DUMB, &d, "%s", "");
	IOC("DESTROY_DUMB again", a, DRM_IOCTL_MODE_DESTROY_DUMB, &d, "%s", "");
	gclose(a, h);
}
CASE(destroy_gem_open_handle)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	uint32_t h2 = gopen(a, n);
	struct drm_mode_destroy_dumb d = { .handle = h2 };
	IOC("DESTROY_DUMB", a, DRM_IOCTL_MODE_DESTROY_DUMB, &d, "%s", "");
	gclose(a, h);
	gopen(a, n);
}
CASE(destroy_render_eacces)
{
	int r = render();
	struct drm_mode_destroy_dumb d = { .handle = 1 };
	IOC("DESTROY_DUMB", r, DRM_IOCTL_MODE_DESTROY_DUMB, &d, "%s", "");
}

/* ------------------------------------------------------------------ */
/* mmap of the DRM fd */

static int bo2(int *fd, uint64_t *off)
{
	*fd = card();
	uint32_t h = dumb(*fd, 1024, 2, 32); /* two pages */
	*off = mapdumb(*fd, h);
	return h;
}
CASE(full_and_shorter)
{
	int a; uint64_t o;
	bo2(&a, &o);
	unmap(mm("mmap 2 pages", a, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o), 2 * PAGE);
	unmap(mm("mmap 1 page", a, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o), PAGE);
	unmap(mm("mmap 100 bytes", a, 100, PROT_READ, MAP_SHARED, o), 100);
}
CASE(too_long)
{
	int a; uint64_t o;
	bo2(&a, &o);
	mm("mmap 3 pages", a, 3 * PAGE, PROT_READ, MAP_SHARED, o);
}
CASE(inside_object)
{
	int a; uint64_t o;
	bo2(&a, &o);
	mm("mmap offset+1 page", a, PAGE, PROT_READ, MAP_SHARED, o + PAGE);
}
CASE(unknown_offsets)
{
	int a; uint64_t o;
	bo2(&a, &o);
	mm("mmap offset 0", a, PAGE, PROT_READ, MAP_SHARED, 0);
	mm("mmap offset+16 pages", a, PAGE, PROT_READ, MAP_SHARED, o + 16 * PAGE);
	mm("mmap offset-1 page", a, PAGE, PROT_READ, MAP_SHARED, o - PAGE);
}
CASE(unaligned_and_zero_len)
{
	int a; uint64_t o;
	bo2(&a, &o);
	mm("mmap offset+1", a, PAGE, PROT_READ, MAP_SHARED, o + 1);
	mm("mmap len 0", a, 0, PROT_READ, MAP_SHARED, o);
}
CASE(map_private_einval)
{
	int a; uint64_t o;
	bo2(&a, &o);
	mm("mmap PRIVATE rw", a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, o);
	mm("mmap PRIVATE r", a, PAGE, PROT_READ, MAP_PRIVATE, o);
}
CASE(no_handle_file_eacces)
{
	int a; uint64_t o;
	bo2(&a, &o);
	int b = card();
	mm("mmap from other card file", b, PAGE, PROT_READ, MAP_SHARED, o);
	int r = render();
	mm("mmap from render file", r, PAGE, PROT_READ, MAP_SHARED, o);
}
CASE(render_with_handle_may_map)
{
	int a; uint64_t o;
	uint32_t h = bo2(&a, &o);
	unsigned char *p = mm("mmap card", a, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (p)
		p[7] = 0x42;
	int d = exp_fd(a, h, 0);
	int r = render();
	imp(r, d);
	unsigned char *q = mm("mmap render", r, PAGE, PROT_READ, MAP_SHARED, o);
	logline("read", "0", "byte=0x%02x", q ? q[7] : 0);
}
CASE(mapping_survives_gem_close)
{
	int a; uint64_t o;
	uint32_t h = bo2(&a, &o);
	unsigned char *p = mm("mmap", a, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (p)
		memset(p, 0xa5, 2 * PAGE);
	gclose(a, h);
	logline("read after close", "0", "byte=0x%02x,0x%02x", p ? p[0] : 0, p ? p[PAGE + 5] : 0);
	if (p)
		p[PAGE] = 0x5a;
	logline("write after close", "0", "byte=0x%02x", p ? p[PAGE] : 0);
	unmap(p, 2 * PAGE);
	mm("mmap again after munmap (obj gone)", a, PAGE, PROT_READ, MAP_SHARED, o);
}
CASE(remap_after_gem_close_while_mapped)
{
	int a; uint64_t o;
	uint32_t h = bo2(&a, &o);
	unsigned char *p = mm("mmap", a, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	gclose(a, h);
	mm("mmap again after close (obj alive)", a, PAGE, PROT_READ, MAP_SHARED, o);
	unmap(p, 2 * PAGE);
}
CASE(offset_reused_after_free)
{
	int a; uint64_t o;
	uint32_t h = bo2(&a, &o);
	gclose(a, h);
	mm("mmap after close", a, PAGE, PROT_READ, MAP_SHARED, o);
	uint32_t h2 = dumb(a, 1024, 2, 32);
	uint64_t o2 = mapdumb(a, h2);
	logline("offset reused", "0", "%s", o2 == o ? "same" : "different");
}
CASE(mapping_survives_file_close)
{
	int a; uint64_t o;
	bo2(&a, &o);
	unsigned char *p = mm("mmap", a, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (p)
		memset(p, 0x3c, PAGE);
	cls("close card", a);
	logline("read after close", "0", "byte=0x%02x", p ? p[99] : 0);
	if (p)
		p[1] = 1;
	logline("write after close", "0", "%s", "");
}
CASE(rdonly_fd)
{
	int a; uint64_t o;
	uint32_t h = bo2(&a, &o);
	uint32_t n = flink(a, h);
	int b = open_node("open card O_RDONLY", conf_card, O_RDONLY | O_CLOEXEC);
	uint32_t hb = gopen(b, n);
	mapdumb(b, hb);
	mm("mmap SHARED rw on O_RDONLY", b, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	unmap(mm("mmap SHARED r on O_RDONLY", b, PAGE, PROT_READ, MAP_SHARED, o), PAGE);
	mm("mmap PRIVATE r on O_RDONLY", b, PAGE, PROT_READ, MAP_PRIVATE, o);
}
CASE(data_shared_between_files)
{
	int a; uint64_t o;
	uint32_t h = bo2(&a, &o);
	uint32_t n = flink(a, h);
	unsigned char *p = mm("mmap a", a, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (p)
		p[PAGE + 1] = 0x99;
	int b = card();
	uint32_t hb = gopen(b, n);
	uint64_t ob = mapdumb(b, hb);
	unsigned char *q = mm("mmap b", b, 2 * PAGE, PROT_READ, MAP_SHARED, ob);
	logline("read b", "0", "byte=0x%02x", q ? q[PAGE + 1] : 0);
}
CASE(fresh_bo_reads_zero)
{
	int a; uint64_t o;
	bo2(&a, &o);
	unsigned char *p = mm("mmap", a, 2 * PAGE, PROT_READ, MAP_SHARED, o);
	int nz = 0;
	for (int i = 0; p && i < 2 * PAGE; i++)
		nz += p[i] != 0;
	logline("nonzero bytes", "0", "%d", nz);
}
CASE(access_revoked_after_close_other_handle_kept)
{
	int a; uint64_t o;
	uint32_t h = bo2(&a, &o);
	uint32_t n = flink(a, h);
	uint32_t h2 = gopen(a, n);
	gclose(a, h);
	unmap(mm("mmap with 2nd handle", a, PAGE, PROT_READ, MAP_SHARED, o), PAGE);
	gclose(a, h2);
	int b = card();
	uint32_t hb = gopen(b, n);
	(void)hb;
}

/* ------------------------------------------------------------------ */
/* dma-buf fds */

static int dmabuf2(uint32_t flags, int *afd)
{
	int a = card();
	uint32_t h = dumb(a, 1024, 2, 32);
	uint64_t o = mapdumb(a, h);
	unsigned char *p = mm("mmap drm", a, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (p) {
		memset(p, 0x11, PAGE);
		memset(p + PAGE, 0x22, PAGE);
		munmap(p, 2 * PAGE);
	}
	if (afd)
		*afd = a;
	return exp_fd(a, h, flags);
}
static void lseek_step(int d, off_t off, int whence, const char *w)
{
	errno = 0;
	off_t r = lseek(d, off, whence);
	logline(sfmt("lseek %lld %s", (long long)off, w), rs(r, errno), "%s", "");
}
CASE(lseek_end_set)
{
	int d = dmabuf2(0, NULL);
	lseek_step(d, 0, SEEK_END, "END");
	lseek_step(d, 0, SEEK_SET, "SET");
	lseek_step(d, 0, SEEK_END, "END");
}
CASE(lseek_cur_einval)
{
	int d = dmabuf2(0, NULL);
	lseek_step(d, 0, SEEK_CUR, "CUR");
	lseek_step(d, 5, SEEK_CUR, "CUR");
}
CASE(lseek_nonzero_offset_einval)
{
	int d = dmabuf2(0, NULL);
	lseek_step(d, 1, SEEK_END, "END");
	lseek_step(d, -PAGE, SEEK_END, "END");
	lseek_step(d, PAGE, SEEK_SET, "SET");
}
CASE(lseek_other_whence)
{
	int d = dmabuf2(0, NULL);
	lseek_step(d, 0, SEEK_DATA, "DATA");
	lseek_step(d, 0, SEEK_HOLE, "HOLE");
	lseek_step(d, 0, 5, "whence=5");
}
CASE(lseek_does_not_move_pos)
{
	int d = dmabuf2(0, NULL);
	lseek_step(d, 0, SEEK_END, "END");
	errno = 0;
	off_t r = lseek(d, 0, SEEK_END);
	logline("lseek END again", rs(r, errno), "%s", "");
}
CASE(mmap_full_reads_data)
{
	int d = dmabuf2(0, NULL);
	unsigned char *p = mm("mmap 2 pages r", d, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
	logline("read", "0", "p0=0x%02x p1=0x%02x", p ? p[0] : 0, p ? p[PAGE] : 0);
}
CASE(mmap_past_end)
{
	int d = dmabuf2(0, NULL);
	mm("mmap 3 pages", d, 3 * PAGE, PROT_READ, MAP_SHARED, 0);
	mm("mmap 2 pages at +1", d, 2 * PAGE, PROT_READ, MAP_SHARED, PAGE);
	mm("mmap 1 page at +2", d, PAGE, PROT_READ, MAP_SHARED, 2 * PAGE);
}
CASE(mmap_offset_page_1)
{
	int d = dmabuf2(0, NULL);
	unsigned char *p = mm("mmap 1 page at +1", d, PAGE, PROT_READ, MAP_SHARED, PAGE);
	logline("read", "0", "byte=0x%02x", p ? p[0] : 0);
}
CASE(mmap_private_einval)
{
	int d = dmabuf2(DRM_RDWR, NULL);
	mm("mmap PRIVATE r", d, PAGE, PROT_READ, MAP_PRIVATE, 0);
	mm("mmap PRIVATE rw", d, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
}
CASE(mmap_write_needs_rdwr)
{
	int d = dmabuf2(0, NULL);
	mm("mmap SHARED rw (no RDWR)", d, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	unmap(mm("mmap SHARED r", d, PAGE, PROT_READ, MAP_SHARED, 0), PAGE);
}
CASE(mmap_write_with_rdwr)
{
	int a;
	int d = dmabuf2(DRM_RDWR, &a);
	unsigned char *p = mm("mmap SHARED rw", d, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (p)
		p[3] = 0x77;
	uint32_t h = imp(a, d);
	uint64_t o = mapdumb(a, h);
	unsigned char *q = mm("mmap drm", a, PAGE, PROT_READ, MAP_SHARED, o);
	logline("read via drm", "0", "byte=0x%02x", q ? q[3] : 0);
}
CASE(access_mode_fixed_at_first_export)
{
	int a = card();
	uint32_t h = dumb4k(a);
	int d1 = exp_fd(a, h, 0);
	int d2 = exp_fd(a, h, DRM_RDWR);
	mm("mmap rw via 2nd export", d2, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	uint32_t h2 = dumb4k(a);
	int d3 = exp_fd(a, h2, DRM_RDWR);
	int d4 = exp_fd(a, h2, 0);
	unmap(mm("mmap rw via 2nd export (first RDWR)", d4, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0), PAGE);
	(void)d1; (void)d3;
}
CASE(fcntl_access_mode)
{
	int a = card();
	uint32_t h1 = dumb4k(a), h2 = dumb4k(a);
	int d1 = exp_fd(a, h1, 0);
	int d2 = exp_fd(a, h2, DRM_RDWR);
	logline("F_GETFL & O_ACCMODE", "0", "noflags=%d rdwr=%d", fcntl(d1, F_GETFL) & O_ACCMODE,
		fcntl(d2, F_GETFL) & O_ACCMODE);
}
CASE(mmap_survives_all_closes)
{
	int a;
	int d = dmabuf2(0, &a);
	unsigned char *p = mm("mmap dmabuf", d, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
	cls("close dmabuf", d);
	cls("close card", a);
	logline("read", "0", "p0=0x%02x p1=0x%02x", p ? p[0] : 0, p ? p[PAGE] : 0);
}
static void sync_step(int d, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };
	IOC(sfmt("SYNC 0x%llx", (unsigned long long)flags), d, DMA_BUF_IOCTL_SYNC, &s, "%s", "");
}
CASE(sync_valid_flags)
{
	int d = dmabuf2(0, NULL);
	sync_step(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	sync_step(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	sync_step(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	sync_step(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	sync_step(d, DMA_BUF_SYNC_WRITE);
}
CASE(sync_invalid_flags)
{
	int d = dmabuf2(0, NULL);
	sync_step(d, 0);
	sync_step(d, DMA_BUF_SYNC_END);
	sync_step(d, 0x8 | DMA_BUF_SYNC_READ);
	sync_step(d, 1ull << 32 | DMA_BUF_SYNC_READ);
}
CASE(sync_null_and_size)
{
	int d = dmabuf2(0, NULL);
	IOC("SYNC NULL", d, DMA_BUF_IOCTL_SYNC, NULL, "%s", "");
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_READ };
	IOC("SYNC size=4", d, _IOC(_IOC_WRITE, 'b', 0, 4), &s, "%s", "");
	IOC("SYNC as IOWR", d, _IOC(_IOC_READ | _IOC_WRITE, 'b', 0, 8), &s, "%s", "");
}
static void set_name(int d, const char *name, unsigned long cmd, const char *w)
{
	IOC(sfmt("%s len=%zu", w, name ? strlen(name) : 0), d, cmd, name, "%s", "");
}
CASE(set_name_lengths)
{
	int d = dmabuf2(0, NULL);
	set_name(d, "abc", DMA_BUF_SET_NAME_B, "SET_NAME_B");
	set_name(d, "", DMA_BUF_SET_NAME_B, "SET_NAME_B");
	set_name(d, "0123456789012345678901234567890", DMA_BUF_SET_NAME_B, "SET_NAME_B");
	set_name(d, "01234567890123456789012345678901", DMA_BUF_SET_NAME_B, "SET_NAME_B");
	set_name(d, "0123456789012345678901234567890123456789", DMA_BUF_SET_NAME_B, "SET_NAME_B");
}
CASE(set_name_a_and_bad_ptr)
{
	int d = dmabuf2(0, NULL);
	set_name(d, "name-a", DMA_BUF_SET_NAME_A, "SET_NAME_A");
	IOC("SET_NAME NULL", d, DMA_BUF_SET_NAME_B, NULL, "%s", "");
	IOC("SET_NAME bad ptr", d, DMA_BUF_SET_NAME_B, (void *)16, "%s", "");
	set_name(d, "again", DMA_BUF_SET_NAME_B, "SET_NAME_B");
}
CASE(unknown_dmabuf_ioctls_enotty)
{
	int d = dmabuf2(0, NULL);
	unsigned char b[64] = { 0 };
	IOC("_IOWR('b',9,8)", d, _IOWR('b', 9, uint64_t), b, "%s", "");
	IOC("DRM VERSION on dma-buf", d, DRM_IOCTL_VERSION, b, "%s", "");
	IOC("DRM GET_CAP on dma-buf", d, DRM_IOCTL_GET_CAP, b, "%s", "");
	IOC("TCGETS", d, TCGETS, b, "%s", "");
}
CASE(export_sync_file_flags)
{
	int d = dmabuf2(0, NULL);
	struct dma_buf_export_sync_file e = { .flags = 0, .fd = -1 };
	IOC("EXPORT_SYNC_FILE flags=0", d, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e, "fd=%d", e.fd);
	e.flags = 0x4;
	IOC("EXPORT_SYNC_FILE flags=4", d, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e, "fd=%d", e.fd);
}
CASE(import_dup_of_dmabuf_fd)
{
	int a = card();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	errno = 0;
	int d2 = fcntl(d, F_DUPFD_CLOEXEC, 100);
	logline("dup", rfd(d2, errno), "ino=%s", nino_fd(d2));
	cls("close original", d);
	int b = card();
	imp(b, d2);
	imp(a, d2);
}

/* ------------------------------------------------------------------ */
/* dispatch: ioctl encodings, sizes, VFS ioctls */

CASE(type_not_d_enotty)
{
	int a = card();
	int r = render();
	unsigned char b[64] = { 0 };
	IOC("card _IOWR('e',0,64)", a, _IOWR('e', 0, unsigned char[64]), b, "%s", "");
	IOC("card _IO('b',0)", a, _IO('b', 0), b, "%s", "");
	IOC("card DMA_BUF_IOCTL_SYNC", a, DMA_BUF_IOCTL_SYNC, b, "%s", "");
	IOC("render _IOWR('D',0,64)", r, _IOWR('D', 0, unsigned char[64]), b, "%s", "");
	IOC("card type 'd'+1 nr 0", a, _IOWR('d' + 1, 0, unsigned char[64]), b, "%s", "");
}
CASE(tcgets_isatty)
{
	int a = card();
	int r = render();
	struct termios t;
	IOC("card TCGETS", a, TCGETS, &t, "%s", "");
	IOC("render TCGETS", r, TCGETS, &t, "%s", "");
	errno = 0;
	int i = isatty(a);
	logline("isatty card", sfmt("%d", i), "errno=%s", errname(errno));
}
CASE(vfs_fioclex_fionbio)
{
	int a = card();
	int on = 1, off = 0;
	IOC("FIONCLEX", a, FIONCLEX, NULL, "cloexec=%d", fcntl(a, F_GETFD) & FD_CLOEXEC);
	IOC("FIOCLEX", a, FIOCLEX, NULL, "cloexec=%d", fcntl(a, F_GETFD) & FD_CLOEXEC);
	IOC("FIONBIO 1", a, FIONBIO, &on, "nonblock=%d", !!(fcntl(a, F_GETFL) & O_NONBLOCK));
	IOC("FIONBIO 0", a, FIONBIO, &off, "nonblock=%d", !!(fcntl(a, F_GETFL) & O_NONBLOCK));
	struct drm_version v;
	memset(&v, 0, sizeof(v));
	IOC("VERSION still works", a, DRM_IOCTL_VERSION, &v, "name_len=%zu", v.name_len);
}
CASE(vfs_fionread_fioasync_fioqsize)
{
	int a = card();
	int n = 0x55, on = 1;
	long long q = 0;
	IOC("FIONREAD", a, FIONREAD, &n, "n=0x%x", n);
	IOC("FIOASYNC 1", a, FIOASYNC, &on, "%s", "");
	IOC("FIOQSIZE", a, FIOQSIZE, &q, "%s", "");
}
/* the DRM fd's file operations other than ioctl and mmap */
CASE(fileops_read_write_poll_lseek)
{
	int a = open_node("open card O_NONBLOCK", conf_card, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	char buf[64] = { 0 };
	struct pollfd p = { .fd = a, .events = POLLIN | POLLOUT | POLLPRI };
	long r;
	int e;

	errno = 0;
	r = write(a, buf, 8);
	e = r < 0 ? errno : 0;
	logline("write 8 bytes", rs(r, e), "%s", "");
	errno = 0;
	r = read(a, buf, sizeof(buf));
	e = r < 0 ? errno : 0;
	logline("read, no events, O_NONBLOCK", rs(r, e), "%s", "");
	errno = 0;
	r = poll(&p, 1, 0);
	e = r < 0 ? errno : 0;
	logline("poll IN|OUT|PRI, timeout 0", rs(r, e), "revents=0x%x", p.revents);
	errno = 0;
	r = lseek(a, 100, SEEK_SET);
	e = r < 0 ? errno : 0;
	logline("lseek 100 SEEK_SET", rs(r, e), "%s", "");
	errno = 0;
	r = lseek(a, 0, SEEK_END);
	e = r < 0 ? errno : 0;
	logline("lseek 0 SEEK_END", rs(r, e), "%s", "");
}
CASE(vfs_on_dmabuf)
{
	int d = dmabuf2(0, NULL);
	int n = 0x55, on = 1;
	IOC("FIOCLEX", d, FIOCLEX, NULL, "cloexec=%d", fcntl(d, F_GETFD) & FD_CLOEXEC);
	IOC("FIONBIO 1", d, FIONBIO, &on, "%s", "");
	IOC("FIONREAD", d, FIONREAD, &n, "n=0x%x", n);
}
CASE(null_args)
{
	int a = card();
	IOC("GET_CAP NULL", a, DRM_IOCTL_GET_CAP, NULL, "%s", "");
	IOC("GEM_CLOSE NULL", a, DRM_IOCTL_GEM_CLOSE, NULL, "%s", "");
	IOC("GET_MAGIC NULL", a, DRM_IOCTL_GET_MAGIC, NULL, "%s", "");
	IOC("SET_MASTER NULL", a, DRM_IOCTL_SET_MASTER, NULL, "%s", "");
	IOC("hole 0x0E NULL", a, _IOWR('d', 0x0e, unsigned char[16]), NULL, "%s", "");
	IOC("legacy IRQ_BUSID NULL", a, DRM_IOCTL_IRQ_BUSID, NULL, "%s", "");
	IOC("driver 0x43 NULL", a, _IOWR('d', 0x43, unsigned char[16]), NULL, "%s", "");
}
CASE(null_args_render_efault_beats_eacces)
{
	int r = render();
	IOC("GET_MAGIC NULL", r, DRM_IOCTL_GET_MAGIC, NULL, "%s", "");
	IOC("GET_UNIQUE NULL", r, DRM_IOCTL_GET_UNIQUE, NULL, "%s", "");
	IOC("GET_STATS NULL", r, DRM_IOCTL_GET_STATS, NULL, "%s", "");
	IOC("CREATE_DUMB NULL", r, DRM_IOCTL_MODE_CREATE_DUMB, NULL, "%s", "");
	IOC("SET_MASTER NULL", r, DRM_IOCTL_SET_MASTER, NULL, "%s", "");
}
CASE(eacces_writes_back_input)
{
	int r = render();
	struct drm_client c = { .idx = 0, .auth = 5, .pid = 6, .uid = 7, .magic = 8, .iocs = 9 };
	IOC("GET_CLIENT render", r, DRM_IOCTL_GET_CLIENT, &c, "out=%s", hexbuf(&c, sizeof(c)));
	struct drm_auth m = { .magic = 0x1234 };
	IOC("GET_MAGIC render (IOR: zeros back)", r, DRM_IOCTL_GET_MAGIC, &m, "magic=0x%x", m.magic);
}
static void capbuf(int fd, unsigned long cmd, const char *what, uint64_t cap)
{
	uint64_t b[8];
	memset(b, 0xee, sizeof(b));
	b[0] = cap;
	IOC(what, fd, cmd, b, "out=%s", hexbuf(b, sizeof(b)));
}
CASE(getcap_sizes_and_directions)
{
	int a = card();
	capbuf(a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c, 8), "GET_CAP size=8", DRM_CAP_PRIME);
	capbuf(a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c, 32), "GET_CAP size=32", DRM_CAP_PRIME);
	capbuf(a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c, 4), "GET_CAP size=4", DRM_CAP_PRIME);
	capbuf(a, _IOC(_IOC_NONE, 'd', 0x0c, 16), "GET_CAP no dir", DRM_CAP_PRIME);
	capbuf(a, _IOC(_IOC_READ, 'd', 0x0c, 16), "GET_CAP IOR", DRM_CAP_PRIME);
	capbuf(a, _IOC(_IOC_WRITE, 'd', 0x0c, 16), "GET_CAP IOW", DRM_CAP_PRIME);
	capbuf(a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c, 0), "GET_CAP size=0", DRM_CAP_PRIME);
}
CASE(getcap_size_4096)
{
	int a = card();
	static uint64_t b[512];
	memset(b, 0xee, sizeof(b));
	b[0] = DRM_CAP_TIMESTAMP_MONOTONIC;
	IOC("GET_CAP size=4096", a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c, 4096), b,
	    "value=0x%llx tail=%s", (unsigned long long)b[1], hexbuf(&b[510], 16));
}
CASE(getmagic_oversized_ior)
{
	int a = card();
	unsigned char b[16];
	memset(b, 0xee, sizeof(b));
	IOC("GET_MAGIC IOR size=16", a, _IOC(_IOC_READ, 'd', 0x02, 16), b, "magic=%s tail=%s",
	    nmagic(*(uint32_t *)b), hexbuf(b + 4, 12));
}
CASE(gem_close_short_and_nodir)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t b[4] = { h, 0, 0, 0 };
	IOC("GEM_CLOSE no dir", a, _IOC(_IOC_NONE, 'd', 0x09, 8), b, "%s", "");
	IOC("GEM_CLOSE size=4", a, _IOC(_IOC_WRITE, 'd', 0x09, 4), b, "%s", "");
	IOC("GEM_CLOSE size=4 again", a, _IOC(_IOC_WRITE, 'd', 0x09, 4), b, "%s", "");
}
CASE(flink_as_ior)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t b[2] = { h, 0 };
	IOC("GEM_FLINK IOR", a, _IOC(_IOC_READ, 'd', 0x0a, 8), b, "handle=%u name=%u", b[0], b[1]);
	IOC("GEM_FLINK IOW", a, _IOC(_IOC_WRITE, 'd', 0x0a, 8), b, "handle=%u name=%u", b[0], b[1]);
	IOC("GEM_FLINK IOWR", a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0a, 8), b, "handle=%u name=%u", b[0], b[1]);
}
CASE(create_dumb_short_struct)
{
	int a = card();
	uint32_t b[8] = { 16, 16, 32, 0, 0x77, 0x77, 0x77, 0x77 };
	/* height, width, bpp, flags, handle, pitch; size (u64) cut off */
	IOC("CREATE_DUMB size=24", a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0xb2, 24), b,
	    "handle=%u pitch=%u rest=%s", b[4], b[5], hexbuf(&b[6], 8));
}
CASE(prime_oversized)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t b[6] = { h, DRM_CLOEXEC, 0, 0xeeeeeeee, 0xeeeeeeee, 0xeeeeeeee };
	IOC("HANDLE_TO_FD size=24", a, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x2d, 24), b,
	    "fd=%s tail=%s", nfd((int)b[2]), hexbuf(&b[3], 12));
}
CASE(o_excl_ebusy)
{
	open_node("open card O_EXCL", conf_card, O_RDWR | O_EXCL | O_CLOEXEC);
	open_node("open render O_EXCL", conf_render, O_RDWR | O_EXCL | O_CLOEXEC);
	card();
}
/* ------------------------------------------------------------------ */
/* two processes */

struct xp { int fd; uint32_t v; int sock; };
static void child_close(void *p)
{
	struct xp *x = p;
	gclose(x->fd, x->v);
}
CASE(fork_shares_drm_file)
{
	int a = card();
	uint32_t h = dumb4k(a);
	struct xp x = { a, h, -1 };
	run_child(child_close, &x);
	gclose(a, h);
	dumb4k(a);
}
static void child_open_name(void *p)
{
	struct xp *x = p;
	int b = card();
	uint32_t h = gopen(b, x->v);
	uint64_t o = mapdumb(b, h);
	unsigned char *m = mm("child mmap", b, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	logline("child read", "0", "byte=0x%02x", m ? m[10] : 0);
	if (m)
		m[11] = 0xcd;
	get_client(b, 0);
	drop_master(b);
}
CASE(flink_across_processes)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	uint64_t o = mapdumb(a, h);
	unsigned char *m = mm("mmap", a, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (m)
		m[10] = 0xab;
	struct xp x = { a, n, -1 };
	run_child(child_open_name, &x);
	logline("parent read", "0", "byte=0x%02x", m ? m[11] : 0);
	gclose(a, h);
	gopen(a, n);
}
static void child_import_scm(void *p)
{
	struct xp *x = p;
	char c;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &c, 1 };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(x->sock, &mh, 0);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int d = -1;
	if (n == 1 && cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&d, CMSG_DATA(cm), sizeof(int));
	logline("child recvmsg", d >= 0 ? "fd" : "none", "%s", "");
	int r = render();
	uint32_t h = imp(r, d);
	exp_fd(r, h, 0);
	unsigned char *m = mm("child mmap dmabuf", d, PAGE, PROT_READ, MAP_SHARED, 0);
	logline("child read", "0", "byte=0x%02x", m ? m[0] : 0);
	int b = card();
	imp(b, d);
}
CASE(prime_across_processes_scm_rights)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint64_t o = mapdumb(a, h);
	unsigned char *m = mm("mmap", a, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o);
	if (m)
		m[0] = 0xef;
	int d = exp_fd(a, h, DRM_CLOEXEC);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	char c = 'x';
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec io = { &c, 1 };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &d, sizeof(int));
	sendmsg(sv[0], &mh, 0);
	cls("close dmabuf in parent", d);
	gclose(a, h);
	struct xp x = { a, 0, sv[1] };
	run_child(child_import_scm, &x);
}
static void child_exit_holding(void *p)
{
	struct xp *x = p;
	int b = card();
	uint32_t h = gopen(b, x->v);
	(void)h;
	/* exits without closing */
}
CASE(child_exit_releases_handles)
{
	int a = card();
	uint32_t h = dumb4k(a);
	uint32_t n = flink(a, h);
	struct xp x = { a, n, -1 };
	run_child(child_exit_holding, &x);
	gclose(a, h);
	gopen(a, n);
	int b = card();
	drop_master(b);
}
static void child_master(void *p)
{
	(void)p;
	int b = card();
	drop_master(b);
	set_master(b);
}
CASE(master_released_by_child_exit)
{
	run_child(child_master, NULL);
	int a = card();
	drop_master(a);
}

/* ------------------------------------------------------------------ */
/* vgem fences, dma-buf poll/SYNC and sync_files with fences */

CASE(fence_attach_bad_handle)
{
	int r = render();
	struct vgem_fence_attach f = { .handle = 9 };
	IOC("VGEM_FENCE_ATTACH 9", r, VGEM_FENCE_ATTACH, &f, "out_fence=%u", f.out_fence);
}
CASE(fence_attach_and_signal)
{
	int r = render();
	int a = card();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t rh = imp(r, d);
	struct vgem_fence_attach f = { .handle = rh, .flags = 1 /* WRITE */ };
	IOC("VGEM_FENCE_ATTACH", r, VGEM_FENCE_ATTACH, &f, "out_fence=%u", f.out_fence);
	struct vgem_fence_signal s = { .fence = f.out_fence };
	IOC("VGEM_FENCE_SIGNAL", r, VGEM_FENCE_SIGNAL, &s, "%s", "");
	IOC("VGEM_FENCE_SIGNAL again", r, VGEM_FENCE_SIGNAL, &s, "%s", "");
}
CASE(fence_signal_unknown)
{
	int r = render();
	struct vgem_fence_signal s = { .fence = 5 };
	IOC("VGEM_FENCE_SIGNAL 5", r, VGEM_FENCE_SIGNAL, &s, "%s", "");
	s.flags = 1;
	IOC("VGEM_FENCE_SIGNAL flags=1", r, VGEM_FENCE_SIGNAL, &s, "%s", "");
}

/*
 * Fence helpers.  A "fenced buffer" is a 1-page dumb BO on the primary node
 * exported as a dma-buf; vgem fences are attached to it through the same
 * primary fd (vgem's fence ioctls are DRM_RENDER_ALLOW without DRM_AUTH, so
 * the primary node takes them too).  Nothing here blocks unless a child
 * process is about to signal: the signaller forks, sleeps 500 ms, writes
 * the VGEM_FENCE_SIGNAL errno to a pipe and then signals through the shared
 * DRM file; the parent logs whether the pipe was readable when its blocking
 * call returned (waited=1: the call waited for the signal).
 */
static uint32_t attach(int fd, uint32_t handle, uint32_t flags, uint32_t pad)
{
	struct vgem_fence_attach f = { .handle = handle, .flags = flags, .pad = pad,
				       .out_fence = 0x77 };
	IOC(sfmt("FENCE_ATTACH handle=%u flags=0x%x pad=%u", handle, flags, pad), fd,
	    VGEM_FENCE_ATTACH, &f, "out_fence=%u", f.out_fence);
	return f.out_fence;
}
static int fsignal(int fd, uint32_t fence, uint32_t flags)
{
	struct vgem_fence_signal s = { .fence = fence, .flags = flags };
	errno = 0;
	int r = ioctl(fd, VGEM_FENCE_SIGNAL, &s);
	logline(sfmt("FENCE_SIGNAL %u flags=0x%x", fence, flags), rs(r, errno), "%s", "");
	return r;
}
static int fenced_buf(int *afd, uint32_t *handle)
{
	int a = card();
	uint32_t h = dumb4k(a);
	*afd = a;
	*handle = h;
	return exp_fd(a, h, DRM_CLOEXEC | DRM_RDWR);
}
static void pollstep(const char *what, int fd, short events, int timeout)
{
	struct pollfd p = { .fd = fd, .events = events };
	errno = 0;
	int r = poll(&p, 1, timeout);
	logline(sfmt("poll %s events=0x%x timeout=%d", what, events, timeout), rs(r, errno),
		"revents=0x%x", p.revents);
}
/* start a child that signals fence through fd after 500 ms; returns the pipe */
struct signaller { pid_t pid; int rd; };
static struct signaller signal_later(int fd, uint32_t fence)
{
	int p[2];
	struct signaller s = { -1, -1 };
	if (pipe(p))
		return s;
	fflush(conf_out);
	s.pid = fork();
	if (s.pid == 0) {
		struct vgem_fence_signal sg = { .fence = fence };
		usleep(500 * 1000);
		int e = 0;
		if (write(p[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		e = ioctl(fd, VGEM_FENCE_SIGNAL, &sg) ? errno : 0;
		if (write(p[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	s.rd = p[0];
	return s;
}
/* after the blocking call: did it wait for the child? then reap the child */
static void signaller_done(struct signaller s)
{
	struct pollfd p = { .fd = s.rd, .events = POLLIN };
	int waited = poll(&p, 1, 0) == 1;
	int e0 = -1, e = -1;
	if (read(s.rd, &e0, sizeof(e0)) != sizeof(e0) || read(s.rd, &e, sizeof(e)) != sizeof(e))
		e = -1;
	int st = 0;
	waitpid(s.pid, &st, 0);
	close(s.rd);
	logline("signaller", sfmt("exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)),
		"waited=%d child FENCE_SIGNAL=%s", waited, e < 0 ? "?" : errname(e));
}
static void sync_waiting(int d, uint64_t flags, int fd, uint32_t fence)
{
	struct signaller s = signal_later(fd, fence);
	sync_step(d, flags);
	signaller_done(s);
}
/* sync_file name "<driver>-<timeline><context>-<seqno>": digits -> '#' */
static const char *nodigits(const char *in)
{
	char *b = (char *)sfmt("%s", in);
	char *o = b;
	for (const char *p = b; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (o == b || o[-1] != '#')
				*o++ = '#';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return b;
}
/* SYNC_IOC_FILE_INFO: first the count query, then with room for 4 fences */
static void sf_info(int sf)
{
	struct sync_file_info i;
	memset(&i, 0, sizeof(i));
	IOC("FILE_INFO num_fences=0", sf, SYNC_IOC_FILE_INFO, &i, "status=%d num_fences=%u name=%s",
	    i.status, i.num_fences, nodigits(i.name));
	struct sync_fence_info fi[4];
	memset(fi, 0, sizeof(fi));
	memset(&i, 0, sizeof(i));
	i.num_fences = 4;
	i.sync_fence_info = (uintptr_t)fi;
	IOC("FILE_INFO num_fences=4", sf, SYNC_IOC_FILE_INFO, &i, "status=%d num_fences=%u",
	    i.status, i.num_fences);
	for (unsigned k = 0; k < i.num_fences && k < 4; k++)
		logline(sfmt("fence[%u]", k), "0", "driver=%s obj=%s status=%d flags=0x%x ts=%s",
			fi[k].driver_name, fi[k].obj_name, fi[k].status, fi[k].flags,
			fi[k].timestamp_ns ? "set" : "0");
}
static int export_sf(int d, uint32_t flags)
{
	struct dma_buf_export_sync_file e = { .flags = flags, .fd = -1 };
	errno = 0;
	int r = ioctl(d, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e);
	int er = r < 0 ? errno : 0;
	logline(sfmt("EXPORT_SYNC_FILE flags=0x%x", flags), rs(r, er), "fd=%s cloexec=%d",
		r == 0 ? nfd(e.fd) : sfmt("%d", e.fd),
		r == 0 ? fcntl(e.fd, F_GETFD) & FD_CLOEXEC : -1);
	return r == 0 ? e.fd : -1;
}
static void import_sf(int d, int sf, uint32_t flags, const char *what)
{
	struct dma_buf_import_sync_file im = { .flags = flags, .fd = sf };
	IOC(sfmt("IMPORT_SYNC_FILE %s flags=0x%x", what, flags), d,
	    DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im, "%s", "");
}

/* vgem fences: errnos, EBUSY conflicts, ids, lifetime */

CASE(attach_bad_flags_and_pad)
{
	int a;
	uint32_t h;
	fenced_buf(&a, &h);
	attach(a, h, 2, 0);
	attach(a, h, 0x80000000u, 0);
	attach(a, h, VGEM_FENCE_WRITE | 2, 0);
	attach(a, h, 0, 1);
	attach(a, h, VGEM_FENCE_WRITE, 0xffffffffu);
	attach(a, 99, 2, 0);  /* flags checked before the handle */
	attach(a, 99, 0, 1);  /* pad too */
	attach(a, 0, 0, 0);
	attach(a, h, VGEM_FENCE_WRITE, 0); /* nothing was attached: no EBUSY */
}
CASE(signal_flags_and_ids)
{
	int a;
	uint32_t h;
	fenced_buf(&a, &h);
	fsignal(a, 0, 0);
	fsignal(a, 1, 0);
	uint32_t f = attach(a, h, 0, 0);
	fsignal(a, f, 1);            /* EINVAL, fence stays pending */
	fsignal(a, f, 0x80000000u);
	fsignal(a, f + 1, 0);
	fsignal(a, f, 0);
	fsignal(a, f, 0);            /* twice: ENOENT */
	attach(a, h, 0, 0);          /* ids are not reused */
	fsignal(a, 0xffffffffu, 0);
}
CASE(conflicts_read_write)
{
	int a;
	uint32_t h;
	fenced_buf(&a, &h);
	uint32_t r1 = attach(a, h, 0, 0);
	uint32_t r2 = attach(a, h, 0, 0);           /* read + read: fine */
	attach(a, h, VGEM_FENCE_WRITE, 0);          /* write after read: EBUSY */
	fsignal(a, r1, 0);
	attach(a, h, VGEM_FENCE_WRITE, 0);          /* r2 still pending */
	fsignal(a, r2, 0);
	uint32_t w = attach(a, h, VGEM_FENCE_WRITE, 0);
	attach(a, h, 0, 0);                         /* read after write: EBUSY */
	attach(a, h, VGEM_FENCE_WRITE, 0);          /* write after write: EBUSY */
	fsignal(a, w, 0);
	attach(a, h, 0, 0);
	attach(a, h, 0, 0);
}
CASE(conflict_through_other_handle)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	int r = render();
	uint32_t rh = imp(r, d);
	uint32_t w = attach(a, h, VGEM_FENCE_WRITE, 0);
	attach(r, rh, 0, 0);        /* same object, other file: EBUSY */
	fsignal(r, w, 0);           /* fence ids are per file: ENOENT */
	fsignal(a, w, 0);
	attach(r, rh, 0, 0);
}
CASE(file_close_signals_its_fences)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	int r = render();
	uint32_t rh = imp(r, d);
	attach(r, rh, VGEM_FENCE_WRITE, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	attach(a, h, 0, 0);
	cls("close render", r);
	pollstep("dmabuf", d, POLLIN, 5000);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	attach(a, h, VGEM_FENCE_WRITE, 0);
}
/* the kernel signals them in postclose, before close() returns */
CASE(file_close_signals_at_once)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	int r = render();
	uint32_t rh = imp(r, d);
	attach(r, rh, VGEM_FENCE_WRITE, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	cls("close render", r);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
}
CASE(attach_on_render_import)
{
	int r = render();
	int a = card();
	uint32_t h = dumb4k(a);
	int d = exp_fd(a, h, 0);
	uint32_t rh = imp(r, d);
	uint32_t f = attach(r, rh, VGEM_FENCE_WRITE, 0);
	gclose(r, rh);
	attach(r, rh, 0, 0);        /* handle gone: ENOENT */
	fsignal(r, f, 0);           /* the fence outlives the handle */
}

/* poll() of a dma-buf: POLLIN = no pending write fence, POLLOUT = none at all */

CASE(no_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	pollstep("dmabuf", d, POLLIN, 0);
	pollstep("dmabuf", d, POLLOUT, 0);
	pollstep("dmabuf", d, POLLPRI, 0);
	pollstep("dmabuf", d, 0, 0);
}
CASE(pending_write_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	pollstep("dmabuf", d, POLLIN, 0);
	pollstep("dmabuf", d, POLLOUT, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	fsignal(a, f, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	pollstep("dmabuf", d, POLLOUT, 0);
}
CASE(pending_read_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, 0, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	pollstep("dmabuf", d, POLLOUT, 0);
	pollstep("dmabuf", d, POLLIN, 0);
	fsignal(a, f, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
}
CASE(two_read_fences)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f1 = attach(a, h, 0, 0);
	uint32_t f2 = attach(a, h, 0, 0);
	fsignal(a, f2, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	fsignal(a, f1, 0);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
}
CASE(poll_wakes_on_signal)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	struct signaller s = signal_later(a, f);
	/* POLLIN only: the wake-up for IN|OUT may see one bit (see the docs) */
	pollstep("dmabuf", d, POLLIN, 10000);
	signaller_done(s);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
}

/* DMA_BUF_IOCTL_SYNC with fences: START waits, END does not */

CASE(bad_flags_with_pending_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	sync_step(d, 0);
	sync_step(d, DMA_BUF_SYNC_START);
	sync_step(d, 0x8 | DMA_BUF_SYNC_RW);
	sync_step(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	fsignal(a, f, 0);
	sync_step(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	sync_step(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
}
CASE(start_read_waits_for_write_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	sync_waiting(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ, a, f);
	sync_step(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
}
CASE(start_write_waits_for_read_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, 0, 0);
	sync_waiting(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE, a, f);
	f = attach(a, h, 0, 0);
	sync_waiting(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW, a, f);
}
CASE(start_read_ignores_read_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, 0, 0);
	sync_waiting(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ, a, f);
}
CASE(end_does_not_wait)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	sync_waiting(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW, a, f);
}
static void on_alarm(int sig) { (void)sig; }
CASE(start_interrupted_eintr)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 200 * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	sync_step(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	fsignal(a, f, 0);
	sync_step(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
}

/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE / IMPORT_SYNC_FILE, SYNC_IOC_FILE_INFO */

CASE(export_sync_file_bad_flags)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	export_sf(d, 0);
	export_sf(d, 0x4);
	export_sf(d, 0x4 | DMA_BUF_SYNC_READ);
	export_sf(d, 0x80000000u | DMA_BUF_SYNC_RW);
}
CASE(export_no_fence_is_signalled_stub)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	for (uint32_t fl = 1; fl <= 3; fl++) {
		int sf = export_sf(d, fl);
		pollstep("sync_file", sf, POLLIN | POLLOUT, 0);
		sf_info(sf);
		cls("close sync_file", sf);
	}
}
CASE(export_pending_write_fence)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	int sr = export_sf(d, DMA_BUF_SYNC_READ);
	int sw = export_sf(d, DMA_BUF_SYNC_WRITE);
	pollstep("sync_file R", sr, POLLIN, 0);
	pollstep("sync_file W", sw, POLLIN | POLLOUT, 0);
	sf_info(sr);
	fsignal(a, f, 0);
	pollstep("sync_file R", sr, POLLIN, 0);
	pollstep("sync_file W", sw, POLLIN | POLLOUT, 0);
	sf_info(sw);
	int s2 = export_sf(d, DMA_BUF_SYNC_RW);  /* signalled fences are still in the resv */
	sf_info(s2);
}
CASE(export_pending_read_fences)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f1 = attach(a, h, 0, 0);
	int sr = export_sf(d, DMA_BUF_SYNC_READ);   /* write fences only: none */
	pollstep("sync_file R", sr, POLLIN, 0);
	sf_info(sr);
	int s1 = export_sf(d, DMA_BUF_SYNC_WRITE);  /* one read fence */
	sf_info(s1);
	uint32_t f2 = attach(a, h, 0, 0);
	int s2 = export_sf(d, DMA_BUF_SYNC_WRITE);  /* two: a fence array */
	sf_info(s2);
	fsignal(a, f1, 0);
	pollstep("sync_file 1", s1, POLLIN, 0);
	pollstep("sync_file 2", s2, POLLIN, 0);
	sf_info(s2);
	fsignal(a, f2, 0);
	pollstep("sync_file 2", s2, POLLIN, 0);
	sf_info(s2);
}
CASE(sync_file_poll_wakes_on_signal)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	int sf = export_sf(d, DMA_BUF_SYNC_READ);
	struct signaller s = signal_later(a, f);
	pollstep("sync_file", sf, POLLIN, 10000);
	signaller_done(s);
}
CASE(file_info_errnos)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	attach(a, h, 0, 0);
	attach(a, h, 0, 0);
	int sf = export_sf(d, DMA_BUF_SYNC_WRITE);
	struct sync_file_info i;
	struct sync_fence_info fi[2];
	memset(&i, 0, sizeof(i));
	i.flags = 1;
	IOC("FILE_INFO flags=1", sf, SYNC_IOC_FILE_INFO, &i, "num_fences=%u", i.num_fences);
	memset(&i, 0, sizeof(i));
	i.pad = 1;
	IOC("FILE_INFO pad=1", sf, SYNC_IOC_FILE_INFO, &i, "num_fences=%u", i.num_fences);
	memset(&i, 0, sizeof(i));
	i.num_fences = 1;
	i.sync_fence_info = (uintptr_t)fi;
	IOC("FILE_INFO num_fences=1 of 2", sf, SYNC_IOC_FILE_INFO, &i, "num_fences=%u", i.num_fences);
	memset(&i, 0, sizeof(i));
	i.num_fences = 2;
	i.sync_fence_info = 16;
	IOC("FILE_INFO bad pointer", sf, SYNC_IOC_FILE_INFO, &i, "num_fences=%u", i.num_fences);
	IOC("FILE_INFO NULL", sf, SYNC_IOC_FILE_INFO, NULL, "%s", "");
	IOC("FILE_INFO on dmabuf", d, SYNC_IOC_FILE_INFO, &i, "%s", "");
}
CASE(import_errnos)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	int sf = export_sf(d, DMA_BUF_SYNC_RW);
	import_sf(d, sf, 0, "sync_file");
	import_sf(d, sf, 0x4 | DMA_BUF_SYNC_READ, "sync_file");
	import_sf(d, sf, 0x80000000u | DMA_BUF_SYNC_WRITE, "sync_file");
	import_sf(d, -1, DMA_BUF_SYNC_WRITE, "fd=-1");
	import_sf(d, 999, DMA_BUF_SYNC_WRITE, "fd=999");
	import_sf(d, d, DMA_BUF_SYNC_WRITE, "dmabuf");
	import_sf(d, a, DMA_BUF_SYNC_WRITE, "drm fd");
	import_sf(d, 0, 0, "bad flags and fd");
	IOC("IMPORT_SYNC_FILE NULL", d, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, NULL, "%s", "");
	import_sf(d, sf, DMA_BUF_SYNC_READ, "sync_file");
	import_sf(d, sf, DMA_BUF_SYNC_RW, "sync_file");
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	attach(a, h, VGEM_FENCE_WRITE, 0);
}
CASE(import_pending_as_write)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t h2 = dumb4k(a);
	int d2 = exp_fd(a, h2, DRM_CLOEXEC | DRM_RDWR);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	int sf = export_sf(d, DMA_BUF_SYNC_READ);
	import_sf(d2, sf, DMA_BUF_SYNC_WRITE, "sync_file");
	pollstep("dmabuf 2", d2, POLLIN | POLLOUT, 0);
	attach(a, h2, 0, 0);          /* EBUSY: the imported write fence */
	int s2 = export_sf(d2, DMA_BUF_SYNC_READ);
	sf_info(s2);
	fsignal(a, f, 0);
	pollstep("dmabuf 2", d2, POLLIN | POLLOUT, 0);
	pollstep("sync_file 2", s2, POLLIN, 0);
	attach(a, h2, 0, 0);
}
CASE(import_pending_as_read)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	uint32_t h2 = dumb4k(a);
	int d2 = exp_fd(a, h2, DRM_CLOEXEC | DRM_RDWR);
	uint32_t f = attach(a, h, VGEM_FENCE_WRITE, 0);
	int sf = export_sf(d, DMA_BUF_SYNC_WRITE);
	import_sf(d2, sf, DMA_BUF_SYNC_READ, "sync_file");
	pollstep("dmabuf 2", d2, POLLIN | POLLOUT, 0);
	attach(a, h2, 0, 0);                       /* read after read: fine */
	attach(a, h2, VGEM_FENCE_WRITE, 0);        /* EBUSY */
	int s2 = export_sf(d2, DMA_BUF_SYNC_READ);  /* no write fence */
	sf_info(s2);
	sync_waiting(d2, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE, a, f);
	pollstep("dmabuf 2", d2, POLLIN | POLLOUT, 0);
}
CASE(import_signalled_stub)
{
	int a;
	uint32_t h;
	int d = fenced_buf(&a, &h);
	int sf = export_sf(d, DMA_BUF_SYNC_RW);
	import_sf(d, sf, DMA_BUF_SYNC_WRITE, "stub");
	pollstep("dmabuf", d, POLLIN | POLLOUT, 0);
	attach(a, h, VGEM_FENCE_WRITE, 0);
	int s2 = export_sf(d, DMA_BUF_SYNC_WRITE);
	sf_info(s2);
}

/* ------------------------------------------------------------------ */
/* registration */

struct rawdef { const char *what; unsigned long cmd; };

static void register_cases(void)
{
	/* dispatch: unknown / empty numbers, both nodes */
	static const unsigned nrs[] = { 0x0e, 0x0f, 0x2f, 0x3d, 0x3e, 0xcf, 0xd0, 0xff,
					0x40, 0x43, 0x60, 0x9f };
	static char whats[32][16];
	for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		snprintf(whats[i], sizeof(whats[i]), "nr_0x%02x", nrs[i]);
		add_raw("dispatch", whats[i], _IOWR('d', nrs[i], unsigned char[16]), 1);
	}
	/* legacy (CONFIG_DRM_LEGACY off) and other old core ioctls */
	static const struct rawdef legacy[] = {
		{ "IRQ_BUSID", DRM_IOCTL_IRQ_BUSID },     { "GET_MAP", DRM_IOCTL_GET_MAP },
		{ "MODESET_CTL", DRM_IOCTL_MODESET_CTL }, { "SET_UNIQUE", DRM_IOCTL_SET_UNIQUE },
		{ "BLOCK", DRM_IOCTL_BLOCK },             { "UNBLOCK", DRM_IOCTL_UNBLOCK },
		{ "CONTROL", DRM_IOCTL_CONTROL },         { "ADD_MAP", DRM_IOCTL_ADD_MAP },
		{ "ADD_BUFS", DRM_IOCTL_ADD_BUFS },       { "ADD_CTX", DRM_IOCTL_ADD_CTX },
		{ "RES_CTX", DRM_IOCTL_RES_CTX },         { "ADD_DRAW", DRM_IOCTL_ADD_DRAW },
		{ "LOCK", DRM_IOCTL_LOCK },               { "AGP_ACQUIRE", DRM_IOCTL_AGP_ACQUIRE },
		{ "AGP_INFO", DRM_IOCTL_AGP_INFO },       { "SG_ALLOC", DRM_IOCTL_SG_ALLOC },
		{ "WAIT_VBLANK", DRM_IOCTL_WAIT_VBLANK }, { "CRTC_GET_SEQUENCE", DRM_IOCTL_CRTC_GET_SEQUENCE },
		{ "CRTC_QUEUE_SEQUENCE", DRM_IOCTL_CRTC_QUEUE_SEQUENCE },
		{ "UPDATE_DRAW", DRM_IOCTL_UPDATE_DRAW }, { "GET_SAREA_CTX", DRM_IOCTL_GET_SAREA_CTX },
	};
	for (unsigned i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		add_raw("legacy", legacy[i].what, legacy[i].cmd, 1);
	/* KMS: EOPNOTSUPP on a non-modeset driver; render -> EACCES */
	static const struct rawdef kms[] = {
		{ "GETRESOURCES", DRM_IOCTL_MODE_GETRESOURCES }, { "GETCRTC", DRM_IOCTL_MODE_GETCRTC },
		{ "SETCRTC", DRM_IOCTL_MODE_SETCRTC },           { "CURSOR", DRM_IOCTL_MODE_CURSOR },
		{ "GETGAMMA", DRM_IOCTL_MODE_GETGAMMA },         { "SETGAMMA", DRM_IOCTL_MODE_SETGAMMA },
		{ "GETENCODER", DRM_IOCTL_MODE_GETENCODER },     { "GETCONNECTOR", DRM_IOCTL_MODE_GETCONNECTOR },
		{ "ATTACHMODE", DRM_IOCTL_MODE_ATTACHMODE },     { "DETACHMODE", DRM_IOCTL_MODE_DETACHMODE },
		{ "GETPROPERTY", DRM_IOCTL_MODE_GETPROPERTY },   { "SETPROPERTY", DRM_IOCTL_MODE_SETPROPERTY },
		{ "GETPROPBLOB", DRM_IOCTL_MODE_GETPROPBLOB },   { "GETFB", DRM_IOCTL_MODE_GETFB },
		{ "ADDFB", DRM_IOCTL_MODE_ADDFB },               { "RMFB", DRM_IOCTL_MODE_RMFB },
		{ "PAGE_FLIP", DRM_IOCTL_MODE_PAGE_FLIP },       { "DIRTYFB", DRM_IOCTL_MODE_DIRTYFB },
		{ "GETPLANERESOURCES", DRM_IOCTL_MODE_GETPLANERESOURCES },
		{ "GETPLANE", DRM_IOCTL_MODE_GETPLANE },         { "SETPLANE", DRM_IOCTL_MODE_SETPLANE },
		{ "ADDFB2", DRM_IOCTL_MODE_ADDFB2 },             { "OBJ_GETPROPERTIES", DRM_IOCTL_MODE_OBJ_GETPROPERTIES },
		{ "OBJ_SETPROPERTY", DRM_IOCTL_MODE_OBJ_SETPROPERTY },
		{ "CURSOR2", DRM_IOCTL_MODE_CURSOR2 },           { "ATOMIC", DRM_IOCTL_MODE_ATOMIC },
		{ "CREATEPROPBLOB", DRM_IOCTL_MODE_CREATEPROPBLOB },
		{ "DESTROYPROPBLOB", DRM_IOCTL_MODE_DESTROYPROPBLOB },
		{ "CREATE_LEASE", DRM_IOCTL_MODE_CREATE_LEASE }, { "LIST_LESSEES", DRM_IOCTL_MODE_LIST_LESSEES },
		{ "GET_LEASE", DRM_IOCTL_MODE_GET_LEASE },       { "REVOKE_LEASE", DRM_IOCTL_MODE_REVOKE_LEASE },
		{ "GETFB2", DRM_IOCTL_MODE_GETFB2 },
	};
	for (unsigned i = 0; i < sizeof(kms) / sizeof(kms[0]); i++)
		add_raw("kms", kms[i].what, kms[i].cmd, i < 4 || kms[i].cmd == DRM_IOCTL_MODE_ATTACHMODE);
	static const struct rawdef sync[] = {
		{ "CREATE", DRM_IOCTL_SYNCOBJ_CREATE },     { "DESTROY", DRM_IOCTL_SYNCOBJ_DESTROY },
		{ "HANDLE_TO_FD", DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD },
		{ "FD_TO_HANDLE", DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE },
		{ "WAIT", DRM_IOCTL_SYNCOBJ_WAIT },         { "RESET", DRM_IOCTL_SYNCOBJ_RESET },
		{ "SIGNAL", DRM_IOCTL_SYNCOBJ_SIGNAL },     { "TIMELINE_WAIT", DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT },
		{ "QUERY", DRM_IOCTL_SYNCOBJ_QUERY },       { "TRANSFER", DRM_IOCTL_SYNCOBJ_TRANSFER },
		{ "TIMELINE_SIGNAL", DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL },
	};
	for (unsigned i = 0; i < sizeof(sync) / sizeof(sync[0]); i++)
		add_raw("syncobj", sync[i].what, sync[i].cmd, i < 2);

	/* GET_CAP 0..0x16 on card, a few on render, odd u64 values */
	for (uint64_t c = 0; c <= 0x16; c++) {
		capcs[ncapcs] = (struct capcase){ c, 0 };
		add(sfmt("getcap.card.0x%02llx", (unsigned long long)c), c_getcap, &capcs[ncapcs++]);
	}
	static const uint64_t rcaps[] = { 0x1, 0x5, 0x6, 0x13, 0x14, 0x16 };
	for (unsigned i = 0; i < sizeof(rcaps) / sizeof(rcaps[0]); i++) {
		capcs[ncapcs] = (struct capcase){ rcaps[i], 1 };
		add(sfmt("getcap.render.0x%02llx", (unsigned long long)rcaps[i]), c_getcap, &capcs[ncapcs++]);
	}
	static const uint64_t wcaps[] = { 0x100000005ull, 0xffffffffffffffffull, 0x80000006ull };
	for (unsigned i = 0; i < sizeof(wcaps) / sizeof(wcaps[0]); i++) {
		capcs[ncapcs] = (struct capcase){ wcaps[i], 0 };
		add(sfmt("getcap.card.0x%llx", (unsigned long long)wcaps[i]), c_getcap, &capcs[ncapcs++]);
	}
	/* SET_CLIENT_CAP 0..7 on card (values 0..2), render */
	for (uint64_t c = 0; c <= 7; c++) {
		capcs[ncapcs] = (struct capcase){ c, 0 };
		add(sfmt("clientcap.card.%llu", (unsigned long long)c), c_clientcap, &capcs[ncapcs++]);
	}
	capcs[ncapcs] = (struct capcase){ 2, 1 };
	add("clientcap.render.2", c_clientcap, &capcs[ncapcs++]);
	capcs[ncapcs] = (struct capcase){ 3, 1 };
	add("clientcap.render.3", c_clientcap, &capcs[ncapcs++]);

	ADD("version", lengths_card); ADD("version", lengths_render);
	ADD("version", full_card); ADD("version", full_render);
	ADD("version", exact_len_no_nul); ADD("version", short_buffers);
	ADD("version", null_pointers_with_len); ADD("version", bad_date_pointer_efault);
	ADD("version", bad_name_pointer_render); ADD("version", null_arg);
	ADD("version", short_struct_16); ADD("version", oversized_struct_80);

	ADD("unique", empty_before_set_version); ADD("unique", after_set_version_1_1);
	ADD("unique", after_set_version_1_0_stays_empty); ADD("unique", bad_pointer);
	ADD("unique", unique_render_eacces); ADD("unique", new_master_has_own_unique);

	ADD("setversion", sv_query_only); ADD("setversion", sv_di_1_0);
	ADD("setversion", sv_di_1_4); ADD("setversion", sv_di_1_5);
	ADD("setversion", sv_di_2_0); ADD("setversion", sv_di_1_neg);
	ADD("setversion", sv_dd_1_0); ADD("setversion", sv_dd_1_1);
	ADD("setversion", sv_dd_0_0); ADD("setversion", sv_both_bad_di_first);
	ADD("setversion", sv_non_master); ADD("setversion", sv_render);
	ADD("setversion", sv_after_regaining_master);

	ADD("auth", magic_repeat_same); ADD("auth", magic_raw_values);
	ADD("auth", magic_reused_after_close); ADD("auth", magic_not_reused_after_auth);
	ADD("auth", magic_render_eacces); ADD("auth", auth_ok_then_einval);
	ADD("auth", auth_zero_and_unknown); ADD("auth", auth_self);
	ADD("auth", auth_non_master_eacces); ADD("auth", auth_after_drop_master_eacces);
	ADD("auth", auth_render_eacces); ADD("auth", new_master_fresh_magic_map);
	ADD("auth", magic_of_closed_file_einval);

	ADD("client", client_master); ADD("client", client_second_open);
	ADD("client", client_idx_1); ADD("client", client_idx_neg);
	ADD("client", client_render); ADD("client", client_from_thread_reports_tid);
	ADD("client", client_from_forked_child);
	ADD("stats", stats_card); ADD("stats", stats_render); ADD("stats", stats_short_8);

	ADD("master", first_opener_is_master); ADD("master", second_open_not_master);
	ADD("master", handover_between_files); ADD("master", close_master_no_auto_promotion);
	ADD("master", after_drop_next_open_is_master); ADD("master", master_render_eacces);
	ADD("master", dup_fd_same_file); ADD("master", forked_child_root_may_drop);
	ADD("master", forked_child_nonroot_eacces); ADD("master", master_survives_other_closes);

	ADD("nocap", unauth_flow); ADD("nocap", unauth_may_use_prime_and_dumb);
	ADD("nocap", first_opener_without_cap_is_master_and_auth);
	ADD("nocap", set_master_other_thread_eacces); ADD("nocap", legacy_root_only_eacces);

	ADD("gem", close_zero_unknown); ADD("gem", close_twice); ADD("gem", close_pad_ignored);
	ADD("gem", close_on_render); ADD("gem", handles_lowest_free); ADD("gem", handles_per_file);
	ADD("flink", flink_bad_handle); ADD("flink", flink_same_name_any_file);
	ADD("flink", flink_render_eacces); ADD("flink", flink_names_lowest_free);
	ADD("flink", flink_name_gone_after_last_handle); ADD("flink", flink_name_gone_despite_dmabuf);
	ADD("flink", flink_name_gone_despite_mmap); ADD("flink", flink_imported_object);
	ADD("gemopen", open_bad_names); ADD("gemopen", open_name_plus_2_32);
	ADD("gemopen", open_twice_two_handles); ADD("gemopen", open_size_reported);

	ADD("prime", export_bad_flags); ADD("prime", export_bad_handle);
	ADD("prime", export_bad_flags_before_handle); ADD("prime", export_twice_same_dmabuf);
	ADD("prime", export_cloexec_flag); ADD("prime", export_fd_field_preset);
	ADD("prime", export_on_render); ADD("prime", self_import_same_handle);
	ADD("prime", import_other_file_new_handle); ADD("prime", import_after_close_in_exporter);
	ADD("prime", import_close_reimport); ADD("prime", import_bad_fds);
	ADD("prime", import_on_render_bad_fd); ADD("prime", import_flags_ignored);
	ADD("prime", reexport_of_import_same_dmabuf); ADD("prime", import_then_gem_open_two_handles);
	ADD("prime", two_handles_export_import); ADD("prime", dmabuf_outlives_all_handles);
	ADD("prime", exported_dmabuf_size); ADD("prime", render_export_card_import);

	for (unsigned i = 0; i < sizeof(dumbs) / sizeof(dumbs[0]); i++)
		add(sfmt("dumb.create.%ux%ux%u%s", dumbs[i][0], dumbs[i][1], dumbs[i][2],
			 dumbs[i][3] ? ".flags" : ""), dumb_case, dumbs[i]);
	ADD("dumb", create_render_eacces); ADD("dumb", create_outputs_zeroed_on_error);
	ADD("dumb", create_preset_pitch_ignored);
	ADD("dumb", map_bad_handle); ADD("dumb", map_idempotent_distinct);
	ADD("dumb", map_flags_pad_ignored); ADD("dumb", map_render_eacces);
	ADD("dumb", map_same_offset_other_file); ADD("dumb", map_of_imported_same_offset);
	ADD("dumb", map_offsets_follow_creation_order);
	ADD("dumb", destroy_bad_handle); ADD("dumb", destroy_then_close);
	ADD("dumb", destroy_gem_open_handle); ADD("dumb", destroy_render_eacces);

	ADD("mmap", full_and_shorter); ADD("mmap", too_long); ADD("mmap", inside_object);
	ADD("mmap", unknown_offsets); ADD("mmap", unaligned_and_zero_len);
	ADD("mmap", map_private_einval); ADD("mmap", no_handle_file_eacces);
	ADD("mmap", render_with_handle_may_map); ADD("mmap", mapping_survives_gem_close);
	ADD("mmap", remap_after_gem_close_while_mapped); ADD("mmap", offset_reused_after_free);
	ADD("mmap", mapping_survives_file_close); ADD("mmap", rdonly_fd);
	ADD("mmap", data_shared_between_files); ADD("mmap", fresh_bo_reads_zero);
	ADD("mmap", access_revoked_after_close_other_handle_kept);

	ADD("dmabuf", lseek_end_set); ADD("dmabuf", lseek_cur_einval);
	ADD("dmabuf", lseek_nonzero_offset_einval); ADD("dmabuf", lseek_other_whence);
	ADD("dmabuf", lseek_does_not_move_pos); ADD("dmabuf", mmap_full_reads_data);
	ADD("dmabuf", mmap_past_end); ADD("dmabuf", mmap_offset_page_1);
	ADD("dmabuf", mmap_private_einval); ADD("dmabuf", mmap_write_needs_rdwr);
	ADD("dmabuf", mmap_write_with_rdwr); ADD("dmabuf", access_mode_fixed_at_first_export);
	ADD("dmabuf", fcntl_access_mode); ADD("dmabuf", mmap_survives_all_closes);
	ADD("dmabuf", sync_valid_flags); ADD("dmabuf", sync_invalid_flags);
	ADD("dmabuf", sync_null_and_size); ADD("dmabuf", set_name_lengths);
	ADD("dmabuf", set_name_a_and_bad_ptr); ADD("dmabuf", unknown_dmabuf_ioctls_enotty);
	ADD("dmabuf", export_sync_file_flags); ADD("dmabuf", import_dup_of_dmabuf_fd);

	ADD("ioctl", type_not_d_enotty); ADD("ioctl", tcgets_isatty);
	ADD("ioctl", vfs_fioclex_fionbio); ADD("ioctl", vfs_fionread_fioasync_fioqsize);
	ADD("ioctl", vfs_on_dmabuf); ADD("ioctl", null_args);
	ADD("ioctl", fileops_read_write_poll_lseek);
	ADD("ioctl", null_args_render_efault_beats_eacces); ADD("ioctl", eacces_writes_back_input);
	ADD("ioctl", getcap_sizes_and_directions); ADD("ioctl", getcap_size_4096);
	ADD("ioctl", getmagic_oversized_ior); ADD("ioctl", gem_close_short_and_nodir);
	ADD("ioctl", flink_as_ior); ADD("ioctl", create_dumb_short_struct);
	ADD("ioctl", prime_oversized); ADD("open", o_excl_ebusy);

	ADD("proc2", fork_shares_drm_file); ADD("proc2", flink_across_processes);
	ADD("proc2", prime_across_processes_scm_rights); ADD("proc2", child_exit_releases_handles);
	ADD("proc2", master_released_by_child_exit);

	ADD("vgemfence", fence_attach_bad_handle); ADD("vgemfence", fence_attach_and_signal);
	ADD("vgemfence", fence_signal_unknown);
	ADD("vgemfence", attach_bad_flags_and_pad); ADD("vgemfence", signal_flags_and_ids);
	ADD("vgemfence", conflicts_read_write); ADD("vgemfence", conflict_through_other_handle);
	ADD("vgemfence", file_close_signals_its_fences);
	ADD("vgemfence", file_close_signals_at_once); ADD("vgemfence", attach_on_render_import);
	ADD("fencepoll", no_fence); ADD("fencepoll", pending_write_fence);
	ADD("fencepoll", pending_read_fence); ADD("fencepoll", two_read_fences);
	ADD("fencepoll", poll_wakes_on_signal);
	ADD("fencesync", bad_flags_with_pending_fence);
	ADD("fencesync", start_read_waits_for_write_fence);
	ADD("fencesync", start_write_waits_for_read_fence);
	ADD("fencesync", start_read_ignores_read_fence); ADD("fencesync", end_does_not_wait);
	ADD("fencesync", start_interrupted_eintr);
	ADD("syncfile", export_sync_file_bad_flags); ADD("syncfile", export_no_fence_is_signalled_stub);
	ADD("syncfile", export_pending_write_fence); ADD("syncfile", export_pending_read_fences);
	ADD("syncfile", sync_file_poll_wakes_on_signal); ADD("syncfile", file_info_errnos);
	ADD("syncfile", import_errnos); ADD("syncfile", import_pending_as_write);
	ADD("syncfile", import_pending_as_read); ADD("syncfile", import_signalled_stub);
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: conformance [--card PATH] [--render PATH] [-o FILE] "
			"[--only SUBSTRING] [--list]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *outpath = NULL, *only = NULL;
	int list = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc)
			conf_card = argv[++i];
		else if (!strcmp(argv[i], "--render") && i + 1 < argc)
			conf_render = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			outpath = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--list"))
			list = 1;
		else
			usage();
	}
	register_cases();
	if (list) {
		for (int i = 0; i < ncases; i++)
			printf("%s\n", cases[i].name);
		fprintf(stderr, "%d cases\n", ncases);
		return 0;
	}
	conf_out = outpath ? fopen(outpath, "w") : stdout;
	if (!conf_out) {
		perror(outpath);
		return 2;
	}
	setvbuf(conf_out, NULL, _IOFBF, 1 << 16);
	signal(SIGPIPE, SIG_IGN);
	int ran = 0, bad = 0;
	for (int i = 0; i < ncases; i++) {
		if (only && !strstr(cases[i].name, only))
			continue;
		ran++;
		fflush(conf_out);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			conf_case = cases[i].name;
			conf_reset();
			alarm(20);
			cases[i].fn(cases[i].arg);
			fflush(conf_out);
			_exit(0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		conf_case = cases[i].name;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			logline("end", WIFSIGNALED(st) ? sfmt("killed by signal %d", WTERMSIG(st))
						       : sfmt("exit %d", WEXITSTATUS(st)), "%s", "");
			bad++;
		}
	}
	fflush(conf_out);
	fprintf(stderr, "conformance: %d cases run, %d ended abnormally\n", ran, bad);
	return 0;
}
