/*
 * bench_floor.h - the floor fakedri's costs are divided by: a bare 64-byte
 * request/reply round trip on an AF_UNIX SOCK_SEQPACKET socketpair between
 * this process and a forked echo server, with or without fakedri's
 * spin-then-sleep policies (see bench_floor.c).
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <stdbool.h>
#include <sys/types.h>

/* fakedri's defaults: the daemon's --spin-us and the shim's FAKEDRI_SPIN_US */
#define BENCH_FLOOR_SERVER_SPIN_US 50
#define BENCH_FLOOR_CLIENT_SPIN_US 30

struct bench_floor {
	pid_t pid;		/* the echo server */
	int sock;		/* our end */
	long client_spin_ns;	/* 0: straight to a blocking recv */
	unsigned long seq;	/* last request sent; the server echoes seq + 1 */
};

/* Whether spinning is on at all: not with one CPU, like fakedri. */
bool bench_floor_can_spin(void);

/* Forks the echo server. spin: both sides use fakedri's policies (when
 * bench_floor_can_spin()); otherwise both always block. 0 or -errno. */
int bench_floor_start(struct bench_floor *f, bool spin);

/* n round trips; the nanoseconds they took, or a negative number if a
 * reply was missing or wrong. */
double bench_floor_run(struct bench_floor *f, long n);

/* Ends the server; 0 if it served every request and exited cleanly. */
int bench_floor_stop(struct bench_floor *f);

#endif
