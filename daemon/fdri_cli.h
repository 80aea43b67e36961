/*
 * fdri_cli.h - the command-line conventions every fakedri command follows
 * (fakedri, its subcommands, fakedrid): getopt_long(3) with fakedri's own
 * messages, usage errors on stderr with a hint line and exit status 2,
 * --help and --version on stdout with exit status 0.
 */
#ifndef FDRI_CLI_H
#define FDRI_CLI_H

#include <getopt.h>

/* Exit status of a usage error (bad option, bad or missing value). */
#define FDRI_CLI_USAGE 2

/* getopt_long() values of the options every command has. */
#define FDRI_CLI_HELP 'h'
#define FDRI_CLI_VERSION 0x7f00
/* The failure return of fdri_cli_getopt(), already reported. */
#define FDRI_CLI_BAD 0x7f01

/* Long options for --help and --version, to end a command's table with. */
#define FDRI_CLI_COMMON_OPTS \
	{ "help", no_argument, NULL, FDRI_CLI_HELP }, \
	{ "version", no_argument, NULL, FDRI_CLI_VERSION }

int fdri_cli_usage_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fdri_cli_hint(const char *prog);
void fdri_cli_begin(void);
int fdri_cli_getopt(const char *prog, int argc, char **argv, const char *shortopts,
		    const struct option *lo);
int fdri_cli_version(const char *prog);

#endif
