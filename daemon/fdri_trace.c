/*
 * fdri_trace.c - the timeline trace (fdri_trace.h), as Chrome trace-event
 * JSON.
 *
 * Owns struct fdri_trace and its FILE. Each event is one line of the JSON
 * array; nothing is kept per job: a job's slice is written when it is
 * done, from the times its view carries. Track ids: a device is pid
 * FDRI_TRACE_GPU_PID + index (above any real pid Linux hands out,
 * /proc/sys/kernel/pid_max <= 2^22) with tid queue + 1; clients keep
 * their own pid and tid.
 */
#define _GNU_SOURCE
#include "fdri_trace.h"
#include "fdri_gpu.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define FDRI_TRACE_GPU_PID 0x1000000

struct fdri_trace {
	FILE *f;
	int64_t t0;
	bool first;
	int err;
};

struct fdri_trace *fdri_trace_open(const char *path, int64_t t0_ns)
{
	struct fdri_trace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->f = fopen(path, "we");
	if (!t->f) {
		int e = errno;

		free(t);
		errno = e;
		return NULL;
	}
	t->t0 = t0_ns;
	t->first = true;
	fputs("[\n", t->f);
	return t;
}

int fdri_trace_close(struct fdri_trace *t)
{
	int err;

	if (!t)
		return 0;
	fputs("\n]\n", t->f);
	err = t->err;
	if (fclose(t->f) && !err)
		err = -errno;
	free(t);
	return err;
}

/* One event: the JSON object's members, without braces. */
__attribute__((format(printf, 2, 3)))
static void event(struct fdri_trace *t, const char *fmt, ...)
{
	va_list ap;

	fputs(t->first ? "{" : ",\n{", t->f);
	t->first = false;
	va_start(ap, fmt);
	vfprintf(t->f, fmt, ap);
	va_end(ap);
	if (fputs("}", t->f) < 0 && !t->err)
		t->err = -errno;
}

/* microseconds since t0, as the format wants */
static double us(const struct fdri_trace *t, int64_t ns)
{
	return (double)(ns - t->t0) / 1000.0;
}

static int gpu_pid(unsigned int index)
{
	return FDRI_TRACE_GPU_PID + (int)index;
}

void fdri_trace_add_device(struct fdri_trace *t, unsigned int index, const char *name,
			   unsigned int nqueues)
{
	event(t, "\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,"
		 "\"args\":{\"name\":\"GPU %u (%s)\"}", gpu_pid(index), index, name);
	event(t, "\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,"
		 "\"args\":{\"sort_index\":%u}", gpu_pid(index), index);
	for (unsigned int q = 0; q < nqueues; q++)
		event(t, "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%u,"
			 "\"args\":{\"name\":\"ring queue%u\"}", gpu_pid(index), q + 1, q);
}

/* The flow of one job: submit -> run -> signal. Fence contexts are unique
 * in the daemon, so (context, seqno) names the job. */
static uint64_t flow_id(const struct fdri_gpu_job_info *job)
{
	return job->fence_context << 32 ^ job->seqno;
}

void fdri_trace_job_submitted(struct fdri_trace *t, unsigned int index,
			      const struct fdri_gpu_job_info *job)
{
	event(t, "\"ph\":\"X\",\"cat\":\"drm_sched\",\"name\":\"drm_sched_job_queue\","
		 "\"pid\":%d,\"tid\":%d,\"ts\":%.3f,\"dur\":0,"
		 "\"bind_id\":\"0x%" PRIx64 "\",\"flow_out\":true,"
		 "\"args\":{\"dev\":\"%u\",\"ring\":\"queue%u\",\"fence\":\"%" PRIu64 ":%" PRIu64 "\","
		 "\"client_id\":%" PRIu64 ",\"ctx\":%u,\"duration_ns\":%" PRIu64 "}",
	      (int)job->pid, (int)job->tid, us(t, job->submit_ns), flow_id(job), index, job->queue,
	      job->fence_context, job->seqno, job->file_id, job->ctx_id, job->duration_ns);
}

void fdri_trace_job_done(struct fdri_trace *t, unsigned int index,
			 const struct fdri_gpu_job_info *job)
{
	int64_t start = job->start_ns ? job->start_ns : job->end_ns;

	event(t, "\"ph\":\"X\",\"cat\":\"drm_sched\",\"name\":\"drm_sched_job_run\","
		 "\"pid\":%d,\"tid\":%u,\"ts\":%.3f,\"dur\":%.3f,"
		 "\"bind_id\":\"0x%" PRIx64 "\",\"flow_in\":true,\"flow_out\":true,"
		 "\"args\":{\"dev\":\"%u\",\"ring\":\"queue%u\",\"fence\":\"%" PRIu64 ":%" PRIu64 "\","
		 "\"client_id\":%" PRIu64 ",\"ctx\":%u,\"priority\":%d,\"error\":%d}",
	      gpu_pid(index), job->queue + 1, us(t, start), (double)(job->end_ns - start) / 1000.0,
	      flow_id(job), index, job->queue, job->fence_context, job->seqno, job->file_id,
	      job->ctx_id, (int)job->priority, job->error);
	event(t, "\"ph\":\"X\",\"cat\":\"dma_fence\",\"name\":\"dma_fence_signaled\","
		 "\"pid\":%d,\"tid\":%u,\"ts\":%.3f,\"dur\":0,"
		 "\"bind_id\":\"0x%" PRIx64 "\",\"flow_in\":true,"
		 "\"args\":{\"driver\":\"fakedri\",\"timeline\":\"queue%u\",\"context\":%" PRIu64 ","
		 "\"seqno\":%" PRIu64 ",\"error\":%d}",
	      gpu_pid(index), job->queue + 1, us(t, job->end_ns), flow_id(job), job->queue,
	      job->fence_context, job->seqno, job->error);
}

void fdri_trace_hazard(struct fdri_trace *t, unsigned int index,
		       const struct fdri_gpu_hazard_info *hz)
{
	const struct fdri_gpu_job_info *job = hz->job;

	event(t, "\"ph\":\"i\",\"s\":\"t\",\"cat\":\"fakedri\",\"name\":\"hazard\","
		 "\"pid\":%d,\"tid\":%u,\"ts\":%.3f,"
		 "\"args\":{\"fence\":\"%" PRIu64 ":%" PRIu64 "\",\"bo\":%" PRIu64 ","
		 "\"access\":\"%s\",\"other_fence\":\"%" PRIu64 ":%" PRIu64 "\",\"other_access\":\"%s\"}",
	      gpu_pid(index), job->queue + 1, us(t, job->start_ns), job->fence_context, job->seqno,
	      hz->bo_id, hz->job_writes ? "write" : "read", hz->other_context, hz->other_seqno,
	      hz->other_writes ? "write" : "read");
}

void fdri_trace_wait(struct fdri_trace *t, pid_t pid, pid_t tid, const char *what,
		     int64_t start_ns, int64_t end_ns, int ret)
{
	event(t, "\"ph\":\"X\",\"cat\":\"wait\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,"
		 "\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"ret\":%d}",
	      what, (int)pid, (int)tid, us(t, start_ns), (double)(end_ns - start_ns) / 1000.0, ret);
}
