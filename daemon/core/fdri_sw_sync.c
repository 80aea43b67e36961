/* fdri_sw_sync.c - placeholder, being written */
#include "fdri_fence.h"
