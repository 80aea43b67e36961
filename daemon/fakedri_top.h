/* fakedri_top.h - the `top` command (see fakedri_top.c). */
#ifndef FAKEDRI_TOP_H
#define FAKEDRI_TOP_H

/* `fakedri top [OPTIONS]`: argv[0] is "top". Returns the exit status. */
int fakedri_top_main(int argc, char **argv);

#endif
