/* fdri_client.c - the client registry (see fdri_client.h). */
#include "fdri_client.h"

#include <stdlib.h>

const char *const fdri_quota_names[FDRI_Q_COUNT] = {
	[FDRI_Q_FILES] = "files",
	[FDRI_Q_HANDLES] = "handles",
	[FDRI_Q_DMABUFS] = "dmabufs",
	[FDRI_Q_MEMORY] = "memory",
	[FDRI_Q_CHANNELS] = "channels",
	[FDRI_Q_PARKED] = "parked",
};

struct fdri_clients *fdri_clients_create(void)
{
	struct fdri_clients *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	fdri_map_init(&reg->by_tgid);
	reg->refcount = 1;
	return reg;
}

void fdri_clients_get(struct fdri_clients *reg)
{
	reg->refcount++;
}

void fdri_clients_put(struct fdri_clients *reg)
{
	if (!reg || --reg->refcount)
		return;
	fdri_map_fini(&reg->by_tgid);
	free(reg);
}

static uint64_t tgid_key(pid_t tgid)
{
	return (uint64_t)(uint32_t)tgid + 1; /* key 0 is the map's "empty" */
}

struct fdri_client *fdri_client_get(struct fdri_clients *reg, pid_t tgid)
{
	struct fdri_client *c = fdri_map_get(&reg->by_tgid, tgid_key(tgid));

	if (c) {
		c->refcount++;
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (!c || fdri_map_put(&reg->by_tgid, tgid_key(tgid), c)) {
		free(c);
		return NULL;
	}
	c->reg = reg;
	c->tgid = tgid;
	c->refcount = 1;
	fdri_clients_get(reg);
	return c;
}

void fdri_client_ref(struct fdri_client *c)
{
	c->refcount++;
}

void fdri_client_put(struct fdri_client *c)
{
	struct fdri_clients *reg;

	if (!c || --c->refcount)
		return;
	reg = c->reg;
	fdri_map_del(&reg->by_tgid, tgid_key(c->tgid));
	free(c);
	fdri_clients_put(reg);
}
