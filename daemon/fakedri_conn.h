/*
 * fakedri_conn.h - a control connection to a running daemon, without a
 * DRM file (fdri_wire.h: HELLO with FDRI_NODE_NONE), as `fakedri fault`
 * and `fakedri top` use it. See fakedri_conn.c.
 */
#ifndef FAKEDRI_CONN_H
#define FAKEDRI_CONN_H

#include <stddef.h>
#include <stdint.h>

struct fakedri_conn {
	int main_sock;
	int chan;
};

int fakedri_conn_open(const char *path, uint32_t device, struct fakedri_conn *c);
int fakedri_conn_ioctl(struct fakedri_conn *c, uint32_t cmd, void *arg, size_t len, int *fd);
void fakedri_conn_close(struct fakedri_conn *c);

#endif
