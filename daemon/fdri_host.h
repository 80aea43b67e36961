/*
 * fdri_host.h - the real host behind the core's fdri_host_ops: memfds as
 * backing storage and dma-bufs, identified by their memfd name; the
 * monotonic clock, libevent timers (never early) and eventfd signal fds.
 * Owns no state beyond the fds it creates, which the core owns once
 * returned, and each timer's event, freed by timer_fini.
 */
#ifndef FDRI_HOST_H
#define FDRI_HOST_H

#include <event2/event.h>

#include "fdri_core.h"

#include "fdri_wire.h"

extern const struct fdri_host_ops fdri_host_ops;

/* The daemon's loop, whose base is the host ops' context: precise timers.
 * NULL if libevent cannot make one. */
struct event_base *fdri_host_loop_new(void);

/* The process (thread-group id) of thread @tid, from /proc; @tid itself if
 * it cannot be read. For transports whose callers come as threads (CUSE). */
pid_t fdri_host_tgid(pid_t tid);

#endif
