/* fdri_dmabuf_sync.c - placeholder, being written */
#include "fdri_ioctl.h"

const struct fdri_ioctl_desc fdri_dmabuf_ioctls[] = { { 0 } };
const unsigned int fdri_dmabuf_num_ioctls = 0;
