/*
 * fakedri_fault.h - fault injection from inside a program running under
 * fakedri (docs/faults.md, "The client API").
 *
 * The functions live in the shim (libfakedri-shim.so), which `fakedri run`
 * preloads; there is no library to link (docs/packaging.md). A program
 * finds them with dlsym(RTLD_DEFAULT, "fakedri_fault_add"), or declares
 * them weak (`#pragma weak fakedri_fault_add`) and calls them when they are
 * not NULL: both are NULL when not running under fakedri. A plain call does
 * not link. Faults are the daemon's, shared by all its devices and all
 * its clients: a fault armed by one process fires for any process it
 * matches (filter with pid=). Each call is one round trip to the daemon;
 * the functions are thread-safe and keep no state.
 */
#ifndef FAKEDRI_FAULT_H
#define FAKEDRI_FAULT_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * fakedri_fault_add() - arm a fault
 * @spec: a SPEC as for `fakedri run --fault`, e.g.
 *        "ioctl=PRIME_FD_TO_HANDLE,nth=1,errno=ENOMEM"
 *
 * Return: the fault's id (>= 1), or -1 with errno: EINVAL for a bad spec
 * (its reason is printed to stderr in one line), ENODEV when not running
 * under fakedri, ENOMEM.
 */
int fakedri_fault_add(const char *spec);

/**
 * fakedri_fault_clear() - disarm fault @id, or all faults with 0
 *
 * Return: how many faults were disarmed (0 if @id was not armed), or -1
 * with errno (ENODEV: not under fakedri).
 */
int fakedri_fault_clear(int id);

/**
 * fakedri_fault_injected() - faults the daemon has injected so far (all
 * processes, all devices), or -1 with errno (ENODEV: not under fakedri).
 */
long long fakedri_fault_injected(void);

#ifdef __cplusplus
}
#endif

#endif
