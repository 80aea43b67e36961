/* fdri_log.h - leveled logging to stderr for the daemon. Owns no state but
 * the current level. */
#ifndef FDRI_LOG_H
#define FDRI_LOG_H

enum fdri_log_level {
	FDRI_LOG_ERROR = 0,
	FDRI_LOG_WARN,
	FDRI_LOG_INFO,
	FDRI_LOG_DEBUG,
	FDRI_LOG_TRACE,
};

extern int fdri_log_level;
/* the program name every line starts with; default "fakedrid" */
extern const char *fdri_log_prog;

void fdri_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses "error", "warn", "info", "debug", "trace"; -1 if unknown. */
int fdri_log_parse(const char *s);

#endif
