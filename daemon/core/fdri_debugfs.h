/*
 * fdri_debugfs.h - a device's debugfs files, /sys/kernel/debug/dri/<minor>/,
 * as text the core writes and a transport hands out.
 *
 * The kernel's own files, in Linux 6.1's formats (drm_debugfs.c): "name",
 * "clients" and "gem_names". Then fakedri's views of its state, in the style
 * of drivers' debugfs files (dma_resv_describe, dma_fence_describe):
 * "fakedri_objects" (buffer objects with their handles, names, dma-buf and
 * fences) and "fakedri_fences" (syncobjs, fence fds and waits).
 *
 * DOC: lifetime
 * A file's text is a snapshot made when it is opened, as a seq_file's is
 * when first read; struct fdri_seq owns its buffer until fdri_seq_fini().
 * Nothing here keeps a reference on what it describes.
 */
#ifndef FDRI_DEBUGFS_H
#define FDRI_DEBUGFS_H

#include <stdbool.h>
#include <stddef.h>

#include "fdri_core.h"

/* A growing text buffer (the seq_file of a show function). */
struct fdri_seq {
	char *buf;
	size_t len, cap;
	bool oom;                   /* an allocation failed: the text is cut */
};

void fdri_seq_init(struct fdri_seq *m);
void fdri_seq_fini(struct fdri_seq *m);
__attribute__((format(printf, 2, 3)))
void fdri_seq_printf(struct fdri_seq *m, const char *fmt, ...);
/* dma_fence_describe(): "driver timeline seq N [un]signalled\n" */
struct fdri_fence;
void fdri_seq_fence(struct fdri_seq *m, struct fdri_fence *fence);

/* The files of every device's directory, NULL-terminated, in the order
 * the kernel creates them. */
extern const char *const fdri_debugfs_files[];

/*
 * Writes debugfs file @name of @dev into @m. Returns 0, -ENOENT for a
 * name that is not one of fdri_debugfs_files, -ENOMEM.
 */
int fdri_debugfs_show(struct fdri_device *dev, const char *name, struct fdri_seq *m);

/* FDRI_IOCTL_DEBUGFS_OPEN of a connection without a DRM file (fdri_wire.h):
 * the file's text as a read-only fd (host blob_create). */
int fdri_ioctl_debugfs_open(struct fdri_file *, const struct fdri_caller *, void *,
			    struct fdri_ioctl_args *);

#endif
