/* fdri_daemon_cmd.h - the `daemon` command (see fdri_daemon_cmd.c). */
#ifndef FDRI_DAEMON_CMD_H
#define FDRI_DAEMON_CMD_H

int fdri_daemon_main(int argc, char **argv, const char *prog);

#endif
