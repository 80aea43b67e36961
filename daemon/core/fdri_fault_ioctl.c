/*
 * fdri_fault_ioctl.c - fault control from outside the core: the
 * FDRI_IOCTL_FAULT_CTL handler of connections without a DRM file
 * (`fakedri fault`, the client API) and fdri_fault_arm(), which arms a
 * spec and carries out device faults (unplug now, or after a delay).
 *
 * Owns no objects: the faults are the registry's (fdri_fault.c), shared
 * by the daemon's devices; the delayed unplug uses the target device's
 * own timer (dev->unplug_timer, freed by fdri_device_destroy()), so it
 * never outlives the device. The devices are found through the daemon's
 * shared fd-object registry (dev->fdobjs->devices).
 */
#include "fdri_fault.h"
#include "fdri_fdobj.h"
#include "fdri_ioctl.h"
#include "fdri_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/**
 * fdri_fault_device() - a device of the daemon by its primary minor.
 * @dev: any device of the daemon.
 * @minor: card<N>'s N, or -1 for @dev itself.
 *
 * Returns the device (borrowed) or NULL.
 */
struct fdri_device *fdri_fault_device(struct fdri_device *dev, int64_t minor)
{
	struct fdri_list *l;

	if (minor < 0)
		return dev;
	for (l = dev->fdobjs->devices.next; l != &dev->fdobjs->devices; l = l->next) {
		struct fdri_device *d = fdri_container_of(l, struct fdri_device, peer_link);

		if (fdri_device_minor(d, FDRI_NODE_TYPE_PRIMARY) == minor)
			return d;
	}
	return NULL;
}

/* The device site: unplugs @dev if a device fault fires for it now. */
static bool device_site(struct fdri_device *dev)
{
	struct fdri_fault_site site = {
		.target = FDRI_FAULT_T_DEVICE,
		.device = fdri_device_minor(dev, FDRI_NODE_TYPE_PRIMARY),
		.ctx = -1, .queue = -1,
		.size = 1,
		.now = dev->host->now(dev->host_ctx),
	};
	struct fdri_fault_hit hit;

	if (!fdri_faults_check(dev->faults, &site, &hit) || hit.action != FDRI_FAULT_A_UNPLUG)
		return false;
	fdri_device_unplug(dev);
	return true;
}

static void unplug_timer_fired(struct fdri_timer *t)
{
	struct fdri_device *dev = fdri_container_of(t, struct fdri_device, unplug_timer);

	dev->unplug_timer_armed = false;
	if (!dev->unplugged)
		device_site(dev);
}

/* Unplugs @dev through its device site at @deadline (0: now); the
 * earliest deadline wins. 0 or -errno. */
static int device_unplug_at(struct fdri_device *dev, int64_t deadline)
{
	int ret;

	if (!deadline) {
		device_site(dev);
		return 0;
	}
	if (dev->unplug_timer_armed && dev->unplug_timer.deadline <= deadline)
		return 0;
	dev->unplug_timer.func = unplug_timer_fired;
	ret = dev->host->timer_arm(dev->host_ctx, &dev->unplug_timer, deadline);
	if (!ret)
		dev->unplug_timer_armed = true;
	return ret;
}

static bool has_trigger(const struct fdri_fault_spec *s)
{
	return s->call || s->nth || s->interval || s->probability < 1.0 || s->space;
}

int fdri_fault_arm(struct fdri_device *dev, const struct fdri_fault_spec *spec)
{
	struct fdri_device *target = NULL;
	int64_t now;
	int id, ret;

	if (!dev->faults)
		return -EOPNOTSUPP;
	if (spec->target == FDRI_FAULT_T_DEVICE && spec->action == FDRI_FAULT_A_UNPLUG &&
	    !has_trigger(spec)) {
		target = fdri_fault_device(dev, spec->device);
		if (!target)
			return -ENODEV;
	}
	now = dev->host->now(dev->host_ctx);
	id = fdri_faults_add(dev->faults, spec, now);
	if (id < 0 || !target || target->unplugged)
		return id;
	ret = device_unplug_at(target, spec->after_ns ? now + spec->after_ns : 0);
	if (ret) {
		fdri_faults_clear(dev->faults, (unsigned int)id);
		return ret;
	}
	return id;
}

struct start_walk {
	struct fdri_device *dev;
	int minor;
	int64_t now;
};

static int start_one(void *priv, unsigned int id, const struct fdri_fault_spec *spec,
		     uint64_t fired)
{
	struct start_walk *w = priv;

	(void)id;
	(void)fired;
	if (w->dev->unplugged)
		return 1;
	if (spec->target == FDRI_FAULT_T_DEVICE && spec->action == FDRI_FAULT_A_UNPLUG &&
	    !has_trigger(spec) && (spec->device < 0 || spec->device == w->minor))
		device_unplug_at(w->dev, spec->after_ns ? w->now + spec->after_ns : 0);
	return 0;
}

/**
 * fdri_fault_start_device() - carries out the device faults armed before
 * @dev had its identity (the daemon's --fault and FAKEDRI_FAULTS specs).
 * @dev: a device with its registry and primary minor set.
 *
 * `unplug,device=N` (or without device=: every device) unplugs it now,
 * with after=DURATION once that long has passed from now.
 */
void fdri_fault_start_device(struct fdri_device *dev)
{
	struct start_walk w = {
		.dev = dev,
		.minor = fdri_device_minor(dev, FDRI_NODE_TYPE_PRIMARY),
	};

	if (!dev->faults)
		return;
	w.now = dev->host->now(dev->host_ctx);
	fdri_faults_for_each(dev->faults, start_one, &w);
}

struct nth_walk {
	unsigned int index;
	struct fdri_fault_ctl *ctl;
	bool found;
};

static int get_nth(void *priv, unsigned int id, const struct fdri_fault_spec *spec,
		   uint64_t fired)
{
	struct nth_walk *w = priv;

	if (w->index--)
		return 0;
	w->ctl->id = id;
	w->ctl->value = fired;
	fdri_fault_format(spec, w->ctl->spec, sizeof(w->ctl->spec));
	w->found = true;
	return 1;
}

/**
 * fdri_ioctl_fault_ctl() - FDRI_IOCTL_FAULT_CTL.
 * @f: NULL (a connection without a DRM file).
 * @w: the caller.
 * @data: struct fdri_fault_ctl.
 * @a: the request; a->dev is the connection's device.
 *
 * ADD, CLEAR, GET, STATS and UNPLUG as common/fdri_wire.h says. Returns 0
 * or -EINVAL (bad op or spec: the reason in @spec), -ENOENT (GET past the
 * end), -ENODEV (no such device), -ENOMEM, -EOPNOTSUPP (no registry).
 */
int fdri_ioctl_fault_ctl(struct fdri_file *f, const struct fdri_caller *w, void *data,
			 struct fdri_ioctl_args *a)
{
	struct fdri_fault_ctl *c = data;
	struct fdri_faults *reg = a->dev ? a->dev->faults : NULL;
	struct fdri_fault_spec spec;
	struct fdri_device *d;
	char err[sizeof(c->spec)];
	int ret;

	(void)f;
	(void)w;
	if (!reg)
		return -EOPNOTSUPP;
	switch (c->op) {
	case FDRI_FAULT_OP_ADD:
		c->spec[sizeof(c->spec) - 1] = 0;
		if (fdri_fault_parse(c->spec, &spec, err, sizeof(err))) {
			memcpy(c->spec, err, sizeof(c->spec));
			return -EINVAL;
		}
		ret = fdri_fault_arm(a->dev, &spec);
		if (ret < 0)
			return ret;
		c->value = (uint64_t)ret;
		c->id = (uint32_t)ret;
		return 0;
	case FDRI_FAULT_OP_CLEAR:
		c->value = fdri_faults_clear(reg, c->id);
		return 0;
	case FDRI_FAULT_OP_GET: {
		struct nth_walk walk = { .index = c->id, .ctl = c };

		fdri_faults_for_each(reg, get_nth, &walk);
		return walk.found ? 0 : -ENOENT;
	}
	case FDRI_FAULT_OP_STATS:
		c->value = fdri_faults_injected(reg);
		c->calls = fdri_faults_calls(reg);
		return 0;
	case FDRI_FAULT_OP_UNPLUG:
		d = fdri_fault_device(a->dev, c->id == UINT32_MAX ? -1 : (int64_t)c->id);
		if (!d)
			return -ENODEV;
		fdri_device_unplug(d);
		return 0;
	}
	return -EINVAL;
}
