/* fdri_syncobj.c - placeholder, being written */
#include "fdri_fence.h"
