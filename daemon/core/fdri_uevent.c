/*
 * fdri_uevent.c - see fdri_uevent.h: formats uevents for both netlink
 * groups. Owns nothing; every string is the caller's.
 */
#include "fdri_uevent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* MurmurHash2 (Austin Appleby), as systemd's src/basic/MurmurHash2.c,
 * little-endian reads of 4-byte blocks, seed 0. */
uint32_t fdri_uevent_hash32(const char *s)
{
	const uint32_t m = 0x5bd1e995;
	const int r = 24;
	size_t len = strlen(s);
	const unsigned char *data = (const unsigned char *)s;
	uint32_t h = 0 ^ (uint32_t)len;

	while (len >= 4) {
		uint32_t k = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
			     (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;

		k *= m;
		k ^= k >> r;
		k *= m;
		h *= m;
		h ^= k;
		data += 4;
		len -= 4;
	}
	switch (len) {
	case 3: h ^= (uint32_t)data[2] << 16; /* fall through */
	case 2: h ^= (uint32_t)data[1] << 8;  /* fall through */
	case 1: h ^= data[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

uint64_t fdri_uevent_bloom64(const char *s)
{
	uint32_t hash = fdri_uevent_hash32(s);
	uint64_t bits = 0;

	bits |= 1ull << (hash & 63);
	bits |= 1ull << ((hash >> 6) & 63);
	bits |= 1ull << ((hash >> 12) & 63);
	bits |= 1ull << ((hash >> 18) & 63);
	return bits;
}

struct out {
	char *buf;
	size_t len, pos;
	int err;
};

/* Appends "a" "b" and a NUL. */
static void put(struct out *o, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;

	if (o->err || o->pos + la + lb + 1 > o->len) {
		o->err = -ENOSPC;
		return;
	}
	memcpy(o->buf + o->pos, a, la);
	if (lb)
		memcpy(o->buf + o->pos + la, b, lb);
	o->buf[o->pos + la + lb] = '\0';
	o->pos += la + lb + 1;
}

static void put_u64(struct out *o, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	put(o, key, num);
}

static void put_be32(char *at, uint32_t v)
{
	v = htonl(v);
	memcpy(at, &v, 4);
}

static void put_u32(char *at, uint32_t v)
{
	memcpy(at, &v, 4);
}

ssize_t fdri_uevent_format(const struct fdri_uevent *ev, unsigned int group, char *buf,
			   size_t len)
{
	struct out o = { buf, len, 0, 0 };
	bool udev = group == FDRI_UEVENT_GROUP_UDEV;
	size_t start;

	if (!ev->action || !ev->devpath || !ev->subsystem ||
	    (group != FDRI_UEVENT_GROUP_KERNEL && !udev))
		return -EINVAL;
	if (udev) {
		if (len < FDRI_UEVENT_UDEV_HEADER)
			return -ENOSPC;
		memset(buf, 0, FDRI_UEVENT_UDEV_HEADER);
		o.pos = FDRI_UEVENT_UDEV_HEADER;
	} else {
		/* "add@/devices/..." */
		char head[8 + 256];

		snprintf(head, sizeof(head), "%s@", ev->action);
		put(&o, head, ev->devpath);
	}
	start = o.pos;
	put(&o, "ACTION=", ev->action);
	put(&o, "DEVPATH=", ev->devpath);
	put(&o, "SUBSYSTEM=", ev->subsystem);
	for (int i = 0; i < ev->nprops; i++) {
		if (udev && ev->udev_devname && !strncmp(ev->props[i], "DEVNAME=", 8))
			put(&o, "DEVNAME=", ev->udev_devname);
		else
			put(&o, ev->props[i], NULL);
	}
	put_u64(&o, "SEQNUM=", ev->seqnum);
	if (udev) {
		char tags[256] = "";
		size_t tl = 0;

		put_u64(&o, "USEC_INITIALIZED=", ev->usec_initialized);
		for (int i = 0; i < ev->nudev_props; i++)
			put(&o, ev->udev_props[i], NULL);
		for (int i = 0; i < ev->ntags && tl + strlen(ev->tags[i]) + 3 < sizeof(tags); i++)
			tl += (size_t)snprintf(tags + tl, sizeof(tags) - tl, "%s%s:", tl ? "" : ":",
					       ev->tags[i]);
		if (ev->ntags) {
			put(&o, "TAGS=", tags);
			put(&o, "CURRENT_TAGS=", tags);
		}
	}
	if (o.err)
		return o.err;
	if (udev) {
		uint64_t bloom = 0;

		for (int i = 0; i < ev->ntags; i++)
			bloom |= fdri_uevent_bloom64(ev->tags[i]);
		memcpy(buf, "libudev", 8);
		put_be32(buf + 8, FDRI_UEVENT_UDEV_MAGIC);
		/* the host-order fields of monitor_netlink_header */
		put_u32(buf + 12, FDRI_UEVENT_UDEV_HEADER);
		put_u32(buf + 16, (uint32_t)start);
		put_u32(buf + 20, (uint32_t)(o.pos - start));
		put_be32(buf + 24, fdri_uevent_hash32(ev->subsystem));
		if (ev->devtype)
			put_be32(buf + 28, fdri_uevent_hash32(ev->devtype));
		if (bloom) {
			put_be32(buf + 32, (uint32_t)(bloom >> 32));
			put_be32(buf + 36, (uint32_t)bloom);
		}
	}
	return (ssize_t)o.pos;
}
