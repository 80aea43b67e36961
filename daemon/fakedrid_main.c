/* fakedrid_main.c - `fakedrid`: the daemon binary. Owns nothing but main(). */
#include "fdri_daemon_cmd.h"

int main(int argc, char **argv)
{
	return fdri_daemon_main(argc, argv, "fakedrid");
}
