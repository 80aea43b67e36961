/* fdri_log.c - see fdri_log.h. */
#include "fdri_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fdri_log_level = FDRI_LOG_WARN;
const char *fdri_log_prog = "fakedrid";

static const char *const names[] = { "error", "warn", "info", "debug", "trace" };

void fdri_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > fdri_log_level)
		return;
	fprintf(stderr, "%s: %s: ", fdri_log_prog, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int fdri_log_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}
