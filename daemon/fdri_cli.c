/*
 * fdri_cli.c - command-line conventions (fdri_cli.h).
 *
 * Wraps glibc's getopt_long(3): it reads `--opt value`, `--opt=value`,
 * unambiguous abbreviations and `--`; its own messages are off (opterr = 0)
 * and fdri_cli_getopt() reports each failure as "PROG: WHAT" followed by
 * "Try 'PROG --help'." on stderr. Owns no memory; getopt's state is
 * global, so one command parses at a time (fdri_cli_begin() resets it).
 */
#define _GNU_SOURCE
#include "fdri_cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/**
 * fdri_cli_hint() - print the hint line of a usage error.
 * @prog: the command as the user typed it ("fakedri run")
 *
 * Return: FDRI_CLI_USAGE, the exit status of a usage error.
 */
int fdri_cli_hint(const char *prog)
{
	fprintf(stderr, "Try '%s --help'.\n", prog);
	return FDRI_CLI_USAGE;
}

/**
 * fdri_cli_usage_error() - report a usage error: "PROG: MESSAGE" and the
 * hint line, on stderr.
 * @prog: the command as the user typed it
 * @fmt: printf format of the message
 *
 * Return: FDRI_CLI_USAGE.
 */
int fdri_cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return fdri_cli_hint(prog);
}

/**
 * fdri_cli_begin() - start parsing a command's arguments: getopt's state
 * is reset and its own messages are off.
 */
void fdri_cli_begin(void)
{
	optind = 0;
	opterr = 0;
}

/**
 * fdri_cli_version() - the answer to --version.
 * @prog: the command as the user typed it; its first word is printed
 *
 * Return: 0, the exit status.
 */
int fdri_cli_version(const char *prog)
{
	/* the program's name: "fakedri", not "fakedri run" */
	printf("%.*s " FAKEDRI_VERSION "\n", (int)strcspn(prog, " "), prog);
	return 0;
}

static const struct option *by_val(const struct option *lo, int val)
{
	for (; lo->name; lo++)
		if (lo->val == val && !lo->flag)
			return lo;
	return NULL;
}

/* An option getopt did not take: unknown, ambiguous, or a flag with a value. */
static void report_bad(const char *prog, const char *arg, const struct option *lo)
{
	const char *eq = strchr(arg, '=');
	int len = eq ? (int)(eq - arg) : (int)strlen(arg), matches = 0;
	char list[512] = "";
	size_t used = 0;

	if (strncmp(arg, "--", 2) || len <= 2) {
		fdri_cli_usage_error(prog, "unknown option '%.*s'", len, arg);
		return;
	}
	for (const struct option *o = lo; o->name; o++) {
		if (strncmp(o->name, arg + 2, (size_t)len - 2))
			continue;
		if (strlen(o->name) == (size_t)len - 2) { /* exact: a flag given a value */
			fdri_cli_usage_error(prog, "option '--%s' takes no value (got '%s')",
					     o->name, eq ? eq + 1 : "");
			return;
		}
		matches++;
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s--%s",
						 matches > 1 ? ", " : "", o->name);
	}
	if (matches == 1) /* a flag's abbreviation given a value */
		fdri_cli_usage_error(prog, "option '%s' takes no value (got '%s')", list,
				     eq ? eq + 1 : "");
	else if (matches > 1)
		fdri_cli_usage_error(prog, "ambiguous option '%.*s' (%s)", len, arg, list);
	else
		fdri_cli_usage_error(prog, "unknown option '%.*s'", len, arg);
}

/**
 * fdri_cli_getopt() - getopt_long() with fakedri's messages.
 * @prog: the command as the user typed it, for messages
 * @argc: argument count
 * @argv: arguments; argv[0] is the command's own name
 * @shortopts: getopt's short options; must begin with "+:" (stop at the
 *             first non-option; report a missing value as ':')
 * @lo: long options, ending with a zeroed entry
 *
 * Call fdri_cli_begin() first. Unknown and ambiguous options, missing
 * values and values given to options that take none are reported (two
 * lines on stderr: the problem and the hint).
 *
 * Return: the option's value as getopt_long() returns it, -1 after the
 * last option (optind is then the first operand), or FDRI_CLI_BAD having
 * reported a usage error.
 */
int fdri_cli_getopt(const char *prog, int argc, char **argv, const char *shortopts,
		    const struct option *lo)
{
	int prev = optind ? optind : 1;
	int c = getopt_long(argc, argv, shortopts, lo, NULL);
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const struct option *o;

	if (c == ':') {
		o = optopt > 0 && optopt < 0x80 && strchr(shortopts, optopt) ? NULL :
		    by_val(lo, optopt);
		if (o)
			fdri_cli_usage_error(prog, "option '--%s' needs a value", o->name);
		else
			fdri_cli_usage_error(prog, "option '-%c' needs a value", optopt);
		return FDRI_CLI_BAD;
	}
	if (c != '?')
		return c;
	if (optopt && optopt < 0x80 && (arg[0] != '-' || arg[1] != '-')) {
		fdri_cli_usage_error(prog, "unknown option '-%c'", optopt);
		return FDRI_CLI_BAD;
	}
	/* a long option: the one getopt stopped at */
	if (prev < argc && optind == prev + 1)
		arg = argv[prev];
	report_bad(prog, arg, lo);
	return FDRI_CLI_BAD;
}
