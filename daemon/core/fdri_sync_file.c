/* fdri_sync_file.c - placeholder, being written */
#include "fdri_fence.h"
