/* fdri_fence_chain.c - placeholder, being written */
#include "fdri_fence.h"
