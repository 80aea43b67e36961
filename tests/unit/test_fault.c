/*
 * test_fault.c - the fault registry (fdri_fault.h): SPEC parsing and its
 * canonical form, every error message, each trigger in the kernel's
 * should_fail() order, the filters, the memory caps and the hooks; and the
 * ioctl and allocation sites of the core acting on what fires.
 */
#include "fixture.h"
#include "fdri_sw_sync_abi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fdri_fault.h"
#include "fdri_fdobj.h"
#include "fdri_wire.h"

static struct fdri_fault_spec parse_ok(const char *text)
{
	struct fdri_fault_spec s;
	char err[256];
	int ret = fdri_fault_parse(text, &s, err, sizeof(err));

	if (ret)
		fail_msg("'%s' did not parse: %s", text, err);
	return s;
}

static void assert_canonical(const char *text, const char *canonical)
{
	struct fdri_fault_spec s = parse_ok(text), again;
	char buf[FDRI_FAULT_SPEC_MAX];
	int n = fdri_fault_format(&s, buf, sizeof(buf));

	assert_string_equal(buf, canonical);
	assert_int_equal(n, strlen(canonical));
	again = parse_ok(buf);
	assert_memory_equal(&s, &again, sizeof(s));
}

static void specs_round_trip_through_their_canonical_form(void **state)
{
	(void)state;
	assert_canonical("ioctl=PRIME_FD_TO_HANDLE,nth=1,errno=ENOMEM",
			 "ioctl=PRIME_FD_TO_HANDLE,nth=1,errno=ENOMEM");
	assert_canonical("ioctl=*,probability=0.05,seed=7,errno=EINTR",
			 "ioctl=*,probability=0.05,seed=7,errno=EINTR");
	assert_canonical("ioctl=*,probability=0.1234567890123,errno=EINTR",
			 "ioctl=*,probability=0.1234567890123,errno=EINTR");
	assert_canonical("job,queue=1,nth=3,hang", "job,nth=3,queue=1,hang");
	assert_canonical("errno=ENOMEM,call=17", "call=17,errno=ENOMEM");
	assert_canonical("ioctl=drm_ioctl_gem_close,interval=3,times=2,errno=einval",
			 "ioctl=GEM_CLOSE,interval=3,times=2,errno=EINVAL");
	assert_canonical("ioctl=Prime,restart=EAGAIN", "ioctl=prime,restart=EAGAIN");
	assert_canonical("ioctl=SYNCOBJ_WAIT,delay=1.5s", "ioctl=SYNCOBJ_WAIT,delay=1500ms");
	assert_canonical("ioctl=GEM_OPEN,delay=250us,after=2s", "ioctl=GEM_OPEN,after=2s,delay=250us");
	assert_canonical("ioctl=GEM_OPEN,delay=10", "ioctl=GEM_OPEN,delay=10ms");
	assert_canonical("ioctl=GEM_OPEN,probability=5%,times=-1,errno=EIO",
			 "ioctl=GEM_OPEN,probability=0.05,errno=EIO");
	assert_canonical("fence,fence-error=EIO,pid=42", "fence,pid=42,fence-error=EIO");
	assert_canonical(" alloc-fail , space=4K ", "space=4096,alloc-fail");
	assert_canonical("limit=16M", "limit=16777216");
	assert_canonical("errno=ENOSPC,limit=1G,pid=9", "pid=9,limit=1073741824,errno=ENOSPC");
	assert_canonical("unplug,device=1", "device=1,unplug");
	assert_canonical("ioctl=GEM_CLOSE,unplug", "ioctl=GEM_CLOSE,unplug");
	assert_canonical("mmap,file=3,errno=ENOMEM", "mmap,file=3,errno=ENOMEM");
	assert_canonical("job,ctx=2,fence-error=ETIME", "job,ctx=2,fence-error=ETIME");
	assert_canonical("alloc,errno=EFBIG", "alloc,errno=EFBIG");
	assert_canonical("ioctl=GEM_CLOSE,errno=133", "ioctl=GEM_CLOSE,errno=EHWPOISON");
}

static void parsed_specs_hold_their_values(void **state)
{
	struct fdri_fault_spec s;

	(void)state;
	s = parse_ok("ioctl=GEM_CLOSE,nth=2,errno=EBADF");
	assert_int_equal(s.target, FDRI_FAULT_T_IOCTL);
	assert_string_equal(s.name, "GEM_CLOSE");
	assert_int_equal(s.nth, 2);
	assert_int_equal(s.action, FDRI_FAULT_A_ERRNO);
	assert_int_equal(s.err, EBADF);
	assert_int_equal(s.times, -1);
	assert_int_equal(s.pid, -1);
	assert_int_equal(s.device, -1);
	assert_true(s.probability == 1.0);

	s = parse_ok("limit=2M");
	assert_int_equal(s.target, FDRI_FAULT_T_ALLOC);
	assert_int_equal(s.action, FDRI_FAULT_A_LIMIT);
	assert_int_equal(s.limit, 2u << 20);
	assert_int_equal(s.err, ENOMEM);

	s = parse_ok("unplug,device=0");
	assert_int_equal(s.target, FDRI_FAULT_T_DEVICE);
	assert_int_equal(s.device, 0);
	assert_int_equal(s.action, FDRI_FAULT_A_UNPLUG);

	s = parse_ok("alloc-fail");
	assert_int_equal(s.target, FDRI_FAULT_T_ALLOC);
	assert_int_equal(s.err, ENOMEM);

	s = parse_ok("ioctl=GEM_OPEN,delay=500us,after=3");
	assert_int_equal(s.delay_ns, 500000);
	assert_int_equal(s.after_ns, 3000000);

	s = parse_ok("ioctl=GEM_OPEN,restart=EINTR");
	assert_int_equal(s.action, FDRI_FAULT_A_RESTART);
	assert_int_equal(s.err, EINTR);
}

static void assert_rejected(const char *text, const char *reason)
{
	struct fdri_fault_spec s;
	char err[256];

	assert_int_equal(fdri_fault_parse(text, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, reason);
	/* and the spec is left at its defaults */
	assert_int_equal(s.action, 0);
	assert_int_equal(s.times, -1);
}

static void bad_specs_are_rejected_with_the_offending_item(void **state)
{
	(void)state;
	assert_rejected("ioctl=GEM_CLOSE,bogus=1,errno=EINVAL", "'bogus=1': unknown item");
	assert_rejected("ioctl=GEM_CLOSE,nth=x,errno=EINVAL", "'nth=x': not a number");
	assert_rejected("ioctl=GEM_CLOSE,nth=0,errno=EINVAL", "'nth=0': nth counts from 1");
	assert_rejected("ioctl=GEM_CLOSE,call=0,errno=EINVAL", "'call=0': calls are numbered from 1");
	assert_rejected("ioctl=GEM_CLOSE,interval=0,errno=EINVAL",
			"'interval=0': interval must be at least 1");
	assert_rejected("ioctl=GEM_CLOSE,nth,errno=EINVAL", "'nth': needs a value");
	assert_rejected("job,hang=1", "'hang=1': takes no value");
	assert_rejected("ioctl=GEM_CLOSE,errno=ENOPE", "'errno=ENOPE': unknown errno");
	assert_rejected("ioctl=GEM_CLOSE,errno=EIO,errno=EBADF", "'errno=EBADF': errno given twice");
	assert_rejected("ioctl=GEM_CLOSE,probability=1.5,errno=EIO",
			"'probability=1.5': probability is a number from 0 to 1 (or a percentage)");
	assert_rejected("ioctl=GEM_CLOSE,probability=150%,errno=EIO",
			"'probability=150%': probability is a number from 0 to 1 (or a percentage)");
	assert_rejected("ioctl=GEM_CLOSE,times=-2,errno=EIO", "'times=-2': not a number");
	assert_rejected("ioctl=GEM_CLOSE,after=3h,errno=EIO",
			"'after=3h': not a duration (10ms, 2s, 500us, 1.5s; plain numbers are ms)");
	assert_rejected("limit=12Q", "'limit=12Q': not a size (4096, 4K, 16M, 1G)");
	assert_rejected("ioctl=GEM_CLOSE,restart=EIO", "'restart=EIO': restart is EINTR or EAGAIN");
	assert_rejected("ioctl=GEM_CLOSE,errno=EIO,hang",
			"'hang': a fault has one action, it already has errno");
	assert_rejected("job,ioctl=GEM_CLOSE,hang",
			"'ioctl=GEM_CLOSE': a fault has one target, it already has job");
	assert_rejected("ioctl=GEM-CLOSE,errno=EIO",
			"'ioctl=GEM-CLOSE': not an ioctl name, a group (gem, prime, syncobj, kms, gpu, dmabuf, syncfile) or *");
	assert_rejected("ioctl=,errno=EIO", "'ioctl=': ioctl= needs a name, a group or *");
	assert_rejected("ioctl=GEM_CLSOE,errno=EIO",
			"'ioctl=GEM_CLSOE': no such ioctl (names as GEM_CLOSE, PRIME_FD_TO_HANDLE, FAKEDRI_SUBMIT, DMA_BUF_IOCTL_SYNC, SYNC_IOC_MERGE)");
	assert_rejected("ioctl=GEM_CLOSE,nth=1", "'ioctl=GEM_CLOSE,nth=1': no action (errno=, restart=, delay=, fence-error=, hang, alloc-fail, limit=, unplug)");
	assert_rejected("ioctl=GEM_CLOSE,hang", "'ioctl=GEM_CLOSE,hang': a ioctl fault cannot hang");
	assert_rejected("device,errno=EIO", "'device,errno=EIO': a device fault cannot errno");
	assert_rejected("limit=1M,errno=EIO", "'limit=1M,errno=EIO': limit fails with ENOMEM or ENOSPC");
	assert_rejected("", "'': no action (errno=, restart=, delay=, fence-error=, hang, alloc-fail, limit=, unplug)");
}

static void every_table_names_its_ioctls(void **state)
{
	const char *names[] = { "VERSION", "GEM_CLOSE", "MODE_CREATE_DUMB", "PRIME_FD_TO_HANDLE",
				"SYNCOBJ_TIMELINE_WAIT", "FAKEDRI_SUBMIT", "FAKEDRI_GEM_CREATE",
				"VGEM_FENCE_ATTACH", "DMA_BUF_IOCTL_SYNC", "SYNC_IOC_FILE_INFO",
				"SW_SYNC_IOC_INC" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char text[64];
		struct fdri_fault_spec s;

		snprintf(text, sizeof(text), "ioctl=%s,errno=EIO", names[i]);
		s = parse_ok(text);
		assert_string_equal(s.name, names[i]);
	}
}

static void errno_names_map_both_ways(void **state)
{
	(void)state;
	assert_string_equal(fdri_fault_errno_name(ENOMEM), "ENOMEM");
	assert_string_equal(fdri_fault_errno_name(ETIME), "ETIME");
	assert_string_equal(fdri_fault_errno_name(ECANCELED), "ECANCELED");
	assert_null(fdri_fault_errno_name(0));
	assert_int_equal(fdri_fault_errno_parse("ENODEV"), ENODEV);
	assert_int_equal(fdri_fault_errno_parse("eintr"), EINTR);
	assert_int_equal(fdri_fault_errno_parse("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(fdri_fault_errno_parse("12"), 12);
	assert_int_equal(fdri_fault_errno_parse("0"), -1);
	assert_int_equal(fdri_fault_errno_parse("ENOTANERRNO"), -1);
	assert_int_equal(fdri_fault_errno_parse(""), -1);
}

static void ioctls_belong_to_their_groups(void **state)
{
	(void)state;
	assert_int_equal(fdri_fault_ioctl_groups("GEM_CLOSE"), FDRI_FAULT_G_GEM);
	assert_int_equal(fdri_fault_ioctl_groups("MODE_CREATE_DUMB"), FDRI_FAULT_G_GEM);
	assert_int_equal(fdri_fault_ioctl_groups("MODE_GETRESOURCES"), FDRI_FAULT_G_KMS);
	assert_int_equal(fdri_fault_ioctl_groups("PRIME_FD_TO_HANDLE"), FDRI_FAULT_G_PRIME);
	assert_int_equal(fdri_fault_ioctl_groups("SYNCOBJ_WAIT"), FDRI_FAULT_G_SYNCOBJ);
	assert_int_equal(fdri_fault_ioctl_groups("FAKEDRI_SUBMIT"), FDRI_FAULT_G_GPU);
	assert_int_equal(fdri_fault_ioctl_groups("FAKEDRI_GEM_CREATE"),
			 FDRI_FAULT_G_GPU | FDRI_FAULT_G_GEM);
	assert_int_equal(fdri_fault_ioctl_groups("DMA_BUF_IOCTL_SYNC"), FDRI_FAULT_G_DMABUF);
	assert_int_equal(fdri_fault_ioctl_groups("SYNC_IOC_FILE_INFO"), FDRI_FAULT_G_SYNCFILE);
	assert_int_equal(fdri_fault_ioctl_groups("VERSION"), 0);
	assert_int_equal(fdri_fault_ioctl_groups(NULL), 0);
}

/* --- the registry --- */

static struct fdri_fault_site ioctl_site(const char *name)
{
	struct fdri_fault_site s = {
		.target = FDRI_FAULT_T_IOCTL, .name = name,
		.groups = fdri_fault_ioctl_groups(name), .cmd = 0x1234,
		.device = 0, .pid = 100, .tid = 100, .file = 1,
		.ctx = -1, .queue = -1, .size = 1,
	};
	return s;
}

static struct fdri_faults *with(const char *spec)
{
	struct fdri_faults *f = fdri_faults_create();
	struct fdri_fault_spec s = parse_ok(spec);

	assert_non_null(f);
	assert_int_equal(fdri_faults_add(f, &s, 0), 1);
	return f;
}

/* Which of @n calls at @site fire: a string of '.' and 'X'. */
static void fire_pattern(struct fdri_faults *f, const struct fdri_fault_site *site, int n,
			 char *out)
{
	struct fdri_fault_hit hit;

	for (int i = 0; i < n; i++)
		out[i] = fdri_faults_check(f, site, &hit) ? 'X' : '.';
	out[n] = 0;
}

static void nth_fires_on_the_nth_matching_call_only(void **state)
{
	struct fdri_faults *f = with("ioctl=GEM_CLOSE,nth=3,errno=EINVAL");
	struct fdri_fault_site close = ioctl_site("GEM_CLOSE"), open = ioctl_site("GEM_OPEN");
	struct fdri_fault_hit hit;
	char p[16];

	(void)state;
	/* other ioctls are numbered but do not count for it */
	assert_false(fdri_faults_check(f, &open, &hit));
	assert_false(fdri_faults_check(f, &close, &hit));
	assert_false(fdri_faults_check(f, &open, &hit));
	assert_false(fdri_faults_check(f, &close, &hit));
	assert_true(fdri_faults_check(f, &close, &hit));
	assert_int_equal(hit.action, FDRI_FAULT_A_ERRNO);
	assert_int_equal(hit.err, EINVAL);
	assert_int_equal(hit.call, 5);
	assert_int_equal(hit.fault_id, 1);
	fire_pattern(f, &close, 6, p);
	assert_string_equal(p, "......");
	assert_int_equal(fdri_faults_injected(f), 1);
	assert_int_equal(fdri_faults_calls(f), 11);
	fdri_faults_put(f);
}

static void interval_fires_on_every_nth_matching_call(void **state)
{
	struct fdri_faults *f = with("ioctl=gem,interval=3,errno=EIO");
	struct fdri_fault_site s = ioctl_site("GEM_FLINK");
	char p[16];

	(void)state;
	fire_pattern(f, &s, 10, p);
	assert_string_equal(p, "..X..X..X.");
	fdri_faults_put(f);
}

static void times_caps_the_injections(void **state)
{
	struct fdri_faults *f = with("ioctl=*,times=2,errno=EIO");
	struct fdri_fault_site s = ioctl_site("VERSION");
	char p[16];

	(void)state;
	fire_pattern(f, &s, 5, p);
	assert_string_equal(p, "XX...");
	assert_int_equal(fdri_faults_injected(f), 2);
	fdri_faults_put(f);
}

static void space_is_consumed_before_any_injection(void **state)
{
	struct fdri_faults *f = with("alloc,space=10000,errno=ENOMEM");
	struct fdri_fault_site s = { .target = FDRI_FAULT_T_ALLOC, .size = 4096, .device = 0,
				     .pid = 1, .ctx = -1, .queue = -1 };
	char p[16];

	(void)state;
	/* 10000 > 4096 -> 5904 > 4096 -> 1808: fails from then on (should_fail) */
	fire_pattern(f, &s, 4, p);
	assert_string_equal(p, "..XX");
	fdri_faults_put(f);
}

static void probability_with_a_seed_is_reproducible(void **state)
{
	struct fdri_faults *a = with("ioctl=*,probability=0.3,seed=7,errno=EINTR");
	struct fdri_faults *b = with("ioctl=*,probability=0.3,seed=7,errno=EINTR");
	struct fdri_faults *c = with("ioctl=*,probability=0.3,seed=8,errno=EINTR");
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	char pa[201], pb[201], pc[201];
	int fired = 0;

	(void)state;
	fire_pattern(a, &s, 200, pa);
	fire_pattern(b, &s, 200, pb);
	fire_pattern(c, &s, 200, pc);
	assert_string_equal(pa, pb);
	assert_string_not_equal(pa, pc);
	for (int i = 0; i < 200; i++)
		fired += pa[i] == 'X';
	/* 30% of 200, within a wide margin */
	assert_in_range(fired, 35, 85);
	assert_int_equal(fdri_faults_injected(a), fired);
	fdri_faults_put(a);
	fdri_faults_put(b);
	fdri_faults_put(c);
}

static void probability_zero_never_fires(void **state)
{
	struct fdri_faults *f = with("ioctl=*,probability=0,errno=EINTR");
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	char p[64];

	(void)state;
	fire_pattern(f, &s, 50, p);
	assert_null(strchr(p, 'X'));
	fdri_faults_put(f);
}

static void after_counts_only_calls_from_its_time_on(void **state)
{
	struct fdri_faults *f = fdri_faults_create();
	struct fdri_fault_spec spec = parse_ok("ioctl=*,after=10ms,nth=1,errno=EIO");
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	struct fdri_fault_hit hit;

	(void)state;
	assert_int_equal(fdri_faults_add(f, &spec, 1000000000), 1);
	s.now = 1000000000 + 9999999;
	assert_false(fdri_faults_check(f, &s, &hit));
	s.now = 1000000000 + 10000000;
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(hit.call, 2);
	assert_false(fdri_faults_check(f, &s, &hit));
	fdri_faults_put(f);
}

static void call_matches_that_site_whatever_it_is(void **state)
{
	struct fdri_faults *f = with("call=3,errno=ENOSPC");
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	struct fdri_fault_site alloc = { .target = FDRI_FAULT_T_ALLOC, .size = 4096,
					 .ctx = -1, .queue = -1 };
	struct fdri_fault_hit hit;

	(void)state;
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_true(fdri_faults_check(f, &alloc, &hit));
	assert_int_equal(hit.err, ENOSPC);
	assert_int_equal(hit.call, 3);
	assert_false(fdri_faults_check(f, &s, &hit));
	fdri_faults_put(f);
}

static void filters_pick_the_process_file_context_and_device(void **state)
{
	struct fdri_faults *f = fdri_faults_create();
	const char *specs[] = { "ioctl=*,pid=7,errno=EPERM", "ioctl=*,file=5,errno=EBADF",
				"job,ctx=3,hang", "job,queue=2,delay=1ms",
				"ioctl=*,device=128,errno=ENODEV" };
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	struct fdri_fault_site job = { .target = FDRI_FAULT_T_JOB, .ctx = 1, .queue = 0,
				       .device = 0 };
	struct fdri_fault_hit hit;

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		struct fdri_fault_spec spec = parse_ok(specs[i]);

		assert_int_equal(fdri_faults_add(f, &spec, 0), i + 1);
	}
	assert_false(fdri_faults_check(f, &s, &hit));
	s.pid = 7;
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(hit.err, EPERM);
	s.pid = 8;
	s.file = 5;
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(hit.err, EBADF);
	s.file = 6;
	s.device = 128;
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(hit.err, ENODEV);
	assert_false(fdri_faults_check(f, &job, &hit));
	job.ctx = 3;
	assert_true(fdri_faults_check(f, &job, &hit));
	assert_int_equal(hit.action, FDRI_FAULT_A_HANG);
	job.ctx = 1;
	job.queue = 2;
	assert_true(fdri_faults_check(f, &job, &hit));
	assert_int_equal(hit.action, FDRI_FAULT_A_DELAY);
	assert_int_equal(hit.delay_ns, 1000000);
	fdri_faults_put(f);
}

static void a_fault_without_target_matches_only_sites_that_can_act(void **state)
{
	struct fdri_faults *f = with("hang");
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	struct fdri_fault_site job = { .target = FDRI_FAULT_T_JOB, .ctx = 1, .queue = 0 };
	struct fdri_fault_hit hit;

	(void)state;
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_true(fdri_faults_check(f, &job, &hit));
	fdri_faults_put(f);
}

static void the_first_fault_that_fires_wins(void **state)
{
	struct fdri_faults *f = fdri_faults_create();
	struct fdri_fault_spec a = parse_ok("ioctl=GEM_CLOSE,interval=2,errno=EIO");
	struct fdri_fault_spec b = parse_ok("ioctl=GEM_CLOSE,nth=2,errno=EBADF");
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	struct fdri_fault_hit hit;

	(void)state;
	assert_int_equal(fdri_faults_add(f, &a, 0), 1);
	assert_int_equal(fdri_faults_add(f, &b, 0), 2);
	assert_false(fdri_faults_check(f, &s, &hit));
	/* a fires on its 2nd; b does not see the call, so its 2nd is the 3rd */
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(hit.fault_id, 1);
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(hit.fault_id, 2);
	assert_int_equal(hit.err, EBADF);
	fdri_faults_put(f);
}

static void restart_exempts_the_same_threads_next_call_once(void **state)
{
	struct fdri_faults *f = with("ioctl=SYNCOBJ_WAIT,restart=EINTR");
	struct fdri_fault_site s = ioctl_site("SYNCOBJ_WAIT");
	struct fdri_fault_hit hit;

	(void)state;
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(hit.action, FDRI_FAULT_A_RESTART);
	assert_int_equal(hit.err, EINTR);
	/* another thread's call is not the restart */
	s.tid = 101;
	assert_true(fdri_faults_check(f, &s, &hit));
	s.tid = 100;
	assert_false(fdri_faults_check(f, &s, &hit));  /* the restart */
	assert_true(fdri_faults_check(f, &s, &hit));   /* a new call */
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_int_equal(fdri_faults_injected(f), 3);
	fdri_faults_put(f);
}

static void limit_caps_the_device_total_or_a_process(void **state)
{
	struct fdri_faults *f = fdri_faults_create();
	struct fdri_fault_spec total = parse_ok("limit=1M");
	struct fdri_fault_spec proc = parse_ok("limit=64K,pid=7,errno=ENOSPC");
	struct fdri_fault_site s = { .target = FDRI_FAULT_T_ALLOC, .size = 4096, .pid = 1,
				     .ctx = -1, .queue = -1 };
	struct fdri_fault_hit hit;

	(void)state;
	assert_int_equal(fdri_faults_add(f, &total, 0), 1);
	assert_int_equal(fdri_faults_add(f, &proc, 0), 2);
	/* limits do not fire at the check */
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_int_equal(fdri_faults_limit(f, &s, (1 << 20) - 4096, 1 << 19), 0);
	assert_int_equal(fdri_faults_limit(f, &s, (1 << 20) - 4095, 0), -ENOMEM);
	s.pid = 7;
	assert_int_equal(fdri_faults_limit(f, &s, 0, 60 << 10), 0);
	assert_int_equal(fdri_faults_limit(f, &s, 0, 61 << 10), -ENOSPC);
	s.size = 2 << 20;
	assert_int_equal(fdri_faults_limit(f, &s, 0, 0), -ENOMEM);
	assert_int_equal(fdri_faults_injected(f), 3);
	assert_int_equal(fdri_faults_limit(NULL, &s, 0, 0), 0);
	fdri_faults_put(f);
}

static void limit_honours_times_and_after(void **state)
{
	struct fdri_faults *f = fdri_faults_create();
	struct fdri_fault_spec spec = parse_ok("limit=4K,times=1,after=1s");
	struct fdri_fault_site s = { .target = FDRI_FAULT_T_ALLOC, .size = 8192, .pid = 1,
				     .ctx = -1, .queue = -1, .now = 100 };

	(void)state;
	assert_int_equal(fdri_faults_add(f, &spec, 100), 1);
	assert_int_equal(fdri_faults_limit(f, &s, 0, 0), 0);
	s.now = 100 + 1000000000;
	assert_int_equal(fdri_faults_limit(f, &s, 0, 0), -ENOMEM);
	assert_int_equal(fdri_faults_limit(f, &s, 0, 0), 0);
	assert_int_equal(fdri_faults_injected(f), 1);
	fdri_faults_put(f);
}

struct recorded {
	int n;
	uint64_t call;
	char line[FDRI_FAULT_SPEC_MAX];
	char site[32];
	int calls;
	uint64_t last_call;
};

static void record(void *priv, const struct fdri_fault_record *rec)
{
	struct recorded *r = priv;

	r->n++;
	r->call = rec->call;
	fdri_fault_format(&rec->spec, r->line, sizeof(r->line));
	snprintf(r->site, sizeof(r->site), "%s", rec->site_name);
}

static void on_call(void *priv, uint64_t call, const struct fdri_fault_site *site)
{
	struct recorded *r = priv;

	(void)site;
	r->calls++;
	r->last_call = call;
}

static void the_hooks_hear_of_every_call_and_injection(void **state)
{
	struct fdri_faults *f = with("ioctl=PRIME_FD_TO_HANDLE,nth=2,errno=ENOMEM");
	struct fdri_fault_site s = ioctl_site("PRIME_FD_TO_HANDLE");
	struct fdri_fault_hit hit;
	struct recorded r = { 0 };

	(void)state;
	fdri_faults_set_record_hook(f, record, &r);
	fdri_faults_set_call_hook(f, on_call, &r);
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_true(fdri_faults_check(f, &s, &hit));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.call, 2);
	assert_string_equal(r.site, "PRIME_FD_TO_HANDLE");
	/* the logged line replays exactly that call */
	assert_string_equal(r.line, "ioctl=PRIME_FD_TO_HANDLE,call=2,errno=ENOMEM");
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.last_call, 2);
	fdri_faults_put(f);
}

static void an_empty_registry_numbers_calls_only_for_the_call_hook(void **state)
{
	struct fdri_faults *f = fdri_faults_create();
	struct fdri_fault_site s = ioctl_site("GEM_CLOSE");
	struct fdri_fault_hit hit;
	struct recorded r = { 0 };

	(void)state;
	assert_false(fdri_faults_active(f));
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_int_equal(fdri_faults_calls(f), 0);
	fdri_faults_set_call_hook(f, on_call, &r);
	assert_true(fdri_faults_active(f));
	assert_false(fdri_faults_check(f, &s, &hit));
	assert_int_equal(fdri_faults_calls(f), 1);
	assert_int_equal(r.calls, 1);
	assert_false(fdri_faults_check(NULL, &s, &hit));
	assert_false(fdri_faults_active(NULL));
	fdri_faults_put(f);
}

static int count_fault(void *priv, unsigned int id, const struct fdri_fault_spec *spec,
		       uint64_t fired)
{
	int *n = priv;

	(void)spec;
	(void)fired;
	*n = *n * 10 + (int)id;
	return 0;
}

static void clear_disarms_one_or_all_faults(void **state)
{
	struct fdri_faults *f = fdri_faults_create();
	struct fdri_fault_spec s = parse_ok("ioctl=*,errno=EIO");
	struct fdri_fault_site site = ioctl_site("GEM_CLOSE");
	struct fdri_fault_hit hit;
	int walk = 0;

	(void)state;
	for (int i = 1; i <= 3; i++)
		assert_int_equal(fdri_faults_add(f, &s, 0), i);
	assert_int_equal(fdri_faults_clear(f, 2), 1);
	assert_int_equal(fdri_faults_clear(f, 2), 0);
	fdri_faults_for_each(f, count_fault, &walk);
	assert_int_equal(walk, 13);
	assert_true(fdri_faults_check(f, &site, &hit));
	assert_int_equal(hit.fault_id, 1);
	assert_int_equal(fdri_faults_clear(f, 0), 2);
	assert_false(fdri_faults_check(f, &site, &hit));
	/* ids are not reused */
	assert_int_equal(fdri_faults_add(f, &s, 0), 4);
	fdri_faults_put(f);
}

/* --- the sites of the core, through the request path --- */

/* Arms @spec on fx->dev (and fx->dev2 if made), as the daemon does. */
static struct fdri_faults *arm(struct fx *fx, const char *spec)
{
	struct fdri_faults *f = fx->dev->faults;
	struct fdri_fault_spec s = parse_ok(spec);

	if (!f) {
		f = fdri_faults_create();
		assert_non_null(f);
		fdri_device_set_faults(fx->dev, f);
		fdri_faults_put(f);
	}
	if (fx->dev2 && !fx->dev2->faults)
		fdri_device_set_faults(fx->dev2, f);
	assert_true(fdri_faults_add(f, &s, fx->host.now) > 0);
	return f;
}

static int gem_flink(struct fx *fx, struct fdri_file *f, uint32_t handle)
{
	struct drm_gem_flink fl = { .handle = handle };

	return fx_ioctl(fx, f, DRM_IOCTL_GEM_FLINK, &fl);
}

static void an_errno_fault_fails_the_ioctl_without_running_it(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	struct fdri_faults *reg = arm(fx, "ioctl=GEM_CLOSE,nth=1,errno=ENOMEM");

	assert_int_equal(fx_gem_close(fx, f, h), -ENOMEM);
	/* the handle is still there: the handler did not run */
	assert_int_equal(fx_stats(fx, f).objects, 1);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
	assert_int_equal(fx_stats(fx, f).objects, 0);
	assert_int_equal(fdri_faults_injected(reg), 1);
}

static void an_ioctl_group_matches_its_ioctls_only(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	int fd = -1;

	arm(fx, "ioctl=prime,errno=EIO");
	assert_int_equal(gem_flink(fx, f, h), 0);
	assert_int_equal(fx_export(fx, f, h, DRM_CLOEXEC, &fd), -EIO);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
}

static void a_restart_fault_fails_once_and_the_restart_proceeds(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	struct fdri_faults *reg = arm(fx, "ioctl=GEM_FLINK,restart=EAGAIN");

	assert_int_equal(gem_flink(fx, f, h), -EAGAIN);
	assert_int_equal(gem_flink(fx, f, h), 0);     /* drmIoctl's restart */
	assert_int_equal(gem_flink(fx, f, h), -EAGAIN); /* a new call */
	assert_int_equal(gem_flink(fx, f, h), 0);
	assert_int_equal(fdri_faults_injected(reg), 2);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
}

static void a_delay_fault_parks_the_call_then_runs_it(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t h = fx_gem_create(fx, f, 4096);
	struct drm_gem_close c = { .handle = h };
	struct fx_tx t;

	arm(fx, "ioctl=GEM_CLOSE,delay=10ms");
	fx_tx_submit(&t, fx, f, DRM_IOCTL_GEM_CLOSE, &c);
	assert_int_equal(t.completed, 0);
	assert_int_equal(fx->dev->stats.parked, 1);
	fx_advance(&fx->host, 9999999);
	assert_int_equal(t.completed, 0);
	assert_int_equal(fx->dev->stats.objects, 1);
	fx_advance(&fx->host, 1);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.ret, 0);
	assert_int_equal(fx->dev->stats.objects, 0);
	fdri_req_fini(&t.req);
}

static void an_unplug_fault_at_an_ioctl_unplugs_the_device(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_version v = { 0 };

	arm(fx, "ioctl=VERSION,nth=2,unplug");
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_false(fx->dev->unplugged);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), -ENODEV);
	assert_true(fx->dev->unplugged);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), -ENODEV);
}

static void process_and_file_filters_pick_the_caller(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user2);
	struct fdri_file *c = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct drm_version v = { 0 };
	char spec[64];

	arm(fx, "ioctl=VERSION,pid=2000,errno=EPERM");
	snprintf(spec, sizeof(spec), "ioctl=VERSION,file=%llu,errno=EBADF",
		 (unsigned long long)c->id);
	arm(fx, spec);
	assert_int_equal(fx_ioctl(fx, a, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(fx_ioctl(fx, b, DRM_IOCTL_VERSION, &v), -EPERM);
	assert_int_equal(fx_ioctl(fx, c, DRM_IOCTL_VERSION, &v), -EBADF);
}

static void the_device_filter_picks_the_device(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *d2 = fx_second_device(fx);
	struct fdri_file *a, *b;
	struct drm_version v = { 0 };

	fdri_device_set_identity(fx->dev, NULL, 0, 128);
	fdri_device_set_identity(d2, NULL, 1, 129);
	arm(fx, "ioctl=VERSION,device=1,errno=EIO");
	a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	b = fx_open_on(fx, d2, FDRI_NODE_RENDER, &fx->user);
	assert_int_equal(fx_ioctl(fx, a, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(fx_ioctl(fx, b, DRM_IOCTL_VERSION, &v), -EIO);
}

static void fd_object_ioctls_are_sites_and_control_ioctls_are_not(void **state)
{
	struct fx *fx = *state;
	struct fdri_sw_sync_open o = { 0 };
	struct fdri_fdobj *obj;
	uint32_t one = 1;
	int fd = -1, err;
	struct fdri_faults *reg = arm(fx, "ioctl=*,errno=EIO");

	assert_int_equal(fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_NONE, NULL, &fx->user,
						  FDRI_IOCTL_SW_SYNC_OPEN, &o, -1, &fd), 0);
	fd = fx_take(&fx->host, fd);
	obj = fdri_fdobj_lookup(fx->dev->fdobjs, fd, NULL, &err);
	assert_non_null(obj);
	assert_int_equal(fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_FDOBJ, obj, &fx->user,
						  SW_SYNC_IOC_INC, &one, -1, NULL), -EIO);
	assert_int_equal(fdri_faults_injected(reg), 1);
	fx_client_close(&fx->host, fd);
}

static void alloc_fail_fails_the_backing_creation(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32);
	uint64_t off = fx_map_dumb(fx, f, h);
	int memfd = -1;

	arm(fx, "alloc-fail,times=1");
	assert_int_equal(fdri_file_mmap(f, off, 4096, &memfd), -ENOMEM);
	assert_int_equal(fx->dev->stats.backed_bytes, 0);
	assert_int_equal(fdri_file_mmap(f, off, 4096, &memfd), 0);
	assert_true(memfd >= 0);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
}

static void an_mmap_fault_fails_the_mmap(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_PRIMARY, &fx->user);
	uint32_t h = fx_dumb_create(fx, f, 64, 64, 32);
	uint64_t off = fx_map_dumb(fx, f, h);
	int memfd = -1;

	arm(fx, "mmap,nth=1,errno=EAGAIN");
	assert_int_equal(fdri_file_mmap(f, off, 4096, &memfd), -EAGAIN);
	assert_int_equal(fdri_file_mmap(f, off, 4096, &memfd), 0);
	assert_int_equal(fx_gem_close(fx, f, h), 0);
}

static void a_limit_caps_the_device_total_with_enomem(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user2);
	struct drm_fakedri_gem_create c = { .size = 8192 };
	struct fdri_faults *reg = arm(fx, "limit=16K");

	fx_gem_create(fx, a, 8192);
	fx_gem_create(fx, b, 8192);
	assert_int_equal(fx_ioctl(fx, a, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), -ENOMEM);
	c.size = 4096;
	assert_int_equal(fx_ioctl(fx, b, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), -ENOMEM);
	assert_int_equal(fdri_faults_injected(reg), 2);
}

static void a_limit_with_pid_caps_that_process_with_its_errno(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *a = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *b = fx_open(fx, FDRI_NODE_RENDER, &fx->user2);
	struct drm_fakedri_gem_create c = { .size = 4096 };

	arm(fx, "limit=8K,pid=1000,errno=ENOSPC");
	fx_gem_create(fx, a, 8192);
	assert_int_equal(fx_ioctl(fx, a, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), -ENOSPC);
	fx_gem_create(fx, b, 8192);
	fx_gem_create(fx, b, 8192);
}

static int fault_ctl(struct fx *fx, struct fdri_fault_ctl *c)
{
	return fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_NONE, NULL, &fx->user,
					FDRI_IOCTL_FAULT_CTL, c, -1, NULL);
}

static void fault_ctl_adds_lists_counts_and_clears_faults(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_fault_ctl c = { .op = FDRI_FAULT_OP_ADD };
	struct drm_version v = { 0 };

	/* a daemon without a registry has no fault control */
	assert_int_equal(fault_ctl(fx, &c), -EOPNOTSUPP);
	fdri_device_set_faults(fx->dev, fdri_faults_create());
	fdri_faults_put(fx->dev->faults); /* the device holds the only reference */

	snprintf(c.spec, sizeof(c.spec), "ioctl=version,interval=2,errno=eio");
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_int_equal(c.value, 1);
	snprintf(c.spec, sizeof(c.spec), "ioctl=VERSION,nth=0,errno=EIO");
	assert_int_equal(fault_ctl(fx, &c), -EINVAL);
	assert_string_equal(c.spec, "'nth=0': nth counts from 1");

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), -EIO);

	c = (struct fdri_fault_ctl){ .op = FDRI_FAULT_OP_GET, .id = 0 };
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_int_equal(c.id, 1);
	assert_int_equal(c.value, 1);
	assert_string_equal(c.spec, "ioctl=VERSION,interval=2,errno=EIO");
	c = (struct fdri_fault_ctl){ .op = FDRI_FAULT_OP_GET, .id = 1 };
	assert_int_equal(fault_ctl(fx, &c), -ENOENT);

	c = (struct fdri_fault_ctl){ .op = FDRI_FAULT_OP_STATS };
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_int_equal(c.value, 1);
	assert_int_equal(c.calls, 2);

	c = (struct fdri_fault_ctl){ .op = FDRI_FAULT_OP_CLEAR, .id = 0 };
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_int_equal(c.value, 1);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VERSION, &v), 0);

	c = (struct fdri_fault_ctl){ .op = 99 };
	assert_int_equal(fault_ctl(fx, &c), -EINVAL);
}

static void a_device_fault_unplugs_that_device_at_once(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *d2 = fx_second_device(fx);
	struct fdri_fault_ctl c = { .op = FDRI_FAULT_OP_ADD };
	struct fdri_faults *reg = arm(fx, "ioctl=GEM_OPEN,errno=EIO");

	fdri_device_set_identity(fx->dev, NULL, 0, 128);
	fdri_device_set_identity(d2, NULL, 1, 129);
	snprintf(c.spec, sizeof(c.spec), "unplug,device=5");
	assert_int_equal(fault_ctl(fx, &c), -ENODEV);
	snprintf(c.spec, sizeof(c.spec), "unplug,device=1");
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_true(d2->unplugged);
	assert_false(fx->dev->unplugged);
	assert_int_equal(fdri_faults_injected(reg), 1);
}

static void a_device_fault_with_after_unplugs_when_its_time_comes(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *d2 = fx_second_device(fx);
	struct fdri_fault_ctl c = { .op = FDRI_FAULT_OP_ADD };

	arm(fx, "ioctl=GEM_OPEN,errno=EIO");
	fdri_device_set_identity(fx->dev, NULL, 0, 128);
	fdri_device_set_identity(d2, NULL, 1, 129);
	snprintf(c.spec, sizeof(c.spec), "unplug,device=1,after=5ms");
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_false(d2->unplugged);
	fx_advance(&fx->host, 4999999);
	assert_false(d2->unplugged);
	fx_advance(&fx->host, 1);
	assert_true(d2->unplugged);
	assert_false(fx->dev->unplugged);
	assert_int_equal(fdri_faults_injected(fx->dev->faults), 1);
}

static void a_cleared_device_fault_does_not_unplug_later(void **state)
{
	struct fx *fx = *state;
	struct fdri_fault_ctl c = { .op = FDRI_FAULT_OP_ADD };

	arm(fx, "ioctl=GEM_OPEN,errno=EIO");
	snprintf(c.spec, sizeof(c.spec), "unplug,after=1ms");
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_int_equal(c.value, 2);
	c = (struct fdri_fault_ctl){ .op = FDRI_FAULT_OP_CLEAR, .id = 2 };
	assert_int_equal(fault_ctl(fx, &c), 0);
	fx_advance(&fx->host, 2000000);
	assert_false(fx->dev->unplugged);
}

static void fault_ctl_unplug_unplugs_by_minor(void **state)
{
	struct fx *fx = *state;
	struct fdri_fault_ctl c = { .op = FDRI_FAULT_OP_UNPLUG, .id = 3 };

	arm(fx, "ioctl=GEM_OPEN,errno=EIO");
	fdri_device_set_identity(fx->dev, NULL, 3, 131);
	c.id = 4;
	assert_int_equal(fault_ctl(fx, &c), -ENODEV);
	assert_false(fx->dev->unplugged);
	c.id = 3;
	assert_int_equal(fault_ctl(fx, &c), 0);
	assert_true(fx->dev->unplugged);
}

static void device_faults_armed_before_the_devices_start_with_them(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *d2 = fx_second_device(fx);
	struct fdri_faults *reg;

	reg = arm(fx, "unplug,device=1,after=3ms");
	arm(fx, "unplug,device=7");
	fdri_device_set_identity(fx->dev, NULL, 0, 128);
	fdri_device_set_identity(d2, NULL, 1, 129);
	fdri_device_set_faults(d2, reg);
	fdri_fault_start_device(fx->dev);
	fdri_fault_start_device(d2);
	assert_false(d2->unplugged);
	fx_advance(&fx->host, 2999999);
	assert_false(d2->unplugged);
	fx_advance(&fx->host, 1);
	assert_true(d2->unplugged);
	assert_false(fx->dev->unplugged);
	assert_int_equal(fdri_faults_injected(reg), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(specs_round_trip_through_their_canonical_form),
		cmocka_unit_test(parsed_specs_hold_their_values),
		cmocka_unit_test(bad_specs_are_rejected_with_the_offending_item),
		cmocka_unit_test(every_table_names_its_ioctls),
		cmocka_unit_test(errno_names_map_both_ways),
		cmocka_unit_test(ioctls_belong_to_their_groups),
		cmocka_unit_test(nth_fires_on_the_nth_matching_call_only),
		cmocka_unit_test(interval_fires_on_every_nth_matching_call),
		cmocka_unit_test(times_caps_the_injections),
		cmocka_unit_test(space_is_consumed_before_any_injection),
		cmocka_unit_test(probability_with_a_seed_is_reproducible),
		cmocka_unit_test(probability_zero_never_fires),
		cmocka_unit_test(after_counts_only_calls_from_its_time_on),
		cmocka_unit_test(call_matches_that_site_whatever_it_is),
		cmocka_unit_test(filters_pick_the_process_file_context_and_device),
		cmocka_unit_test(a_fault_without_target_matches_only_sites_that_can_act),
		cmocka_unit_test(the_first_fault_that_fires_wins),
		cmocka_unit_test(restart_exempts_the_same_threads_next_call_once),
		cmocka_unit_test(limit_caps_the_device_total_or_a_process),
		cmocka_unit_test(limit_honours_times_and_after),
		cmocka_unit_test(the_hooks_hear_of_every_call_and_injection),
		cmocka_unit_test(an_empty_registry_numbers_calls_only_for_the_call_hook),
		cmocka_unit_test(clear_disarms_one_or_all_faults),
		FX_TEST(an_errno_fault_fails_the_ioctl_without_running_it),
		FX_TEST(an_ioctl_group_matches_its_ioctls_only),
		FX_TEST(a_restart_fault_fails_once_and_the_restart_proceeds),
		FX_TEST(a_delay_fault_parks_the_call_then_runs_it),
		FX_TEST(an_unplug_fault_at_an_ioctl_unplugs_the_device),
		FX_TEST(process_and_file_filters_pick_the_caller),
		FX_TEST(the_device_filter_picks_the_device),
		FX_TEST(fd_object_ioctls_are_sites_and_control_ioctls_are_not),
		FX_TEST(alloc_fail_fails_the_backing_creation),
		FX_TEST(an_mmap_fault_fails_the_mmap),
		FX_TEST(a_limit_caps_the_device_total_with_enomem),
		FX_TEST(a_limit_with_pid_caps_that_process_with_its_errno),
		FX_TEST(fault_ctl_adds_lists_counts_and_clears_faults),
		FX_TEST(a_device_fault_unplugs_that_device_at_once),
		FX_TEST(a_device_fault_with_after_unplugs_when_its_time_comes),
		FX_TEST(a_cleared_device_fault_does_not_unplug_later),
		FX_TEST(fault_ctl_unplug_unplugs_by_minor),
		FX_TEST(device_faults_armed_before_the_devices_start_with_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
