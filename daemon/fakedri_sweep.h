/* fakedri_sweep.h - the `sweep` command (see fakedri_sweep.c). */
#ifndef FAKEDRI_SWEEP_H
#define FAKEDRI_SWEEP_H

/* `fakedri sweep [OPTIONS] -- PROGRAM [ARGS]`: argv[0] is "sweep". Returns
 * the exit status. */
int fdri_sweep_main(int argc, char **argv);

#endif
