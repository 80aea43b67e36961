/*
 * fdri_memfd.h - what makes a memfd one of fakedri's buffers, for the
 * daemon (which makes them and identifies imports) and the shim (which
 * adopts those that arrive by exec or SCM_RIGHTS): a name starting with
 * FDRI_MEMFD_PREFIX (fdri_defs.h) and exactly the seals the daemon sets.
 * A name can be forged, so the seals decide. Owns nothing. Needs
 * _GNU_SOURCE for the seal constants.
 */
#ifndef FDRI_MEMFD_H
#define FDRI_MEMFD_H

#include <fcntl.h>
#include <stdbool.h>

#include "fdri_defs.h"

/* The seals the daemon gives its buffers: against shrinking, growing and
 * any new seal (so no one can seal it against writes later). */
#define FDRI_MEMFD_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* @seals (F_GET_SEALS) as the daemon leaves them: ours, and never a write
 * seal, which would break the writable mappings of others. */
static inline bool fdri_memfd_seals_ok(int seals)
{
	return seals >= 0 && (seals & FDRI_MEMFD_SEALS) == FDRI_MEMFD_SEALS &&
	       !(seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}

#endif
