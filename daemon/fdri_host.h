/*
 * fdri_host.h - the real host behind the core's fdri_host_ops: memfds as
 * backing storage and dma-bufs, identified by their memfd name. Owns no
 * state beyond the fds it creates, which the core owns once returned.
 */
#ifndef FDRI_HOST_H
#define FDRI_HOST_H

#include "fdri_core.h"

#include "fdri_wire.h"

extern const struct fdri_host_ops fdri_host_ops;

#endif
