/* fakedrid_main.c - `fakedrid`: the daemon binary. Owns nothing but main(). */
#include <stdio.h>
#include <string.h>

#include "fdri_daemon_cmd.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("fakedrid " FAKEDRI_VERSION "\n");
		return 0;
	}
	return fdri_daemon_main(argc, argv, "fakedrid");
}
