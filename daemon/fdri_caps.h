/*
 * fdri_caps.h - capable(CAP_SYS_ADMIN) of a calling thread, read from
 * /proc/<tgid>/task/<tid>/status (CapEff). The transports install it as
 * fdri_caller.capable, so the core asks only where the kernel would: at
 * open, for DRM_ROOT_ONLY ioctls and for SET/DROP_MASTER. Owns no state.
 */
#ifndef FDRI_CAPS_H
#define FDRI_CAPS_H

#include <stdbool.h>

#include "fdri_core.h"

bool fdri_caps_capable(const struct fdri_caller *who);

#endif
