/* fdri_vgem_fence.c - placeholder, being written */
#include "fdri_fence.h"
