/*
 * fdri_defs.h - the constants the daemon, its core and the shim share:
 * node types, the DRM character major, the default socket, the name of
 * fakedri's buffers. Owns no state. Everything else the shim and daemon
 * agree on is the wire format (fdri_wire.h), which includes this.
 */
#ifndef FDRI_DEFS_H
#define FDRI_DEFS_H

/* Node types: the kernel's enum drm_minor_type values (minor >> 6). */
#define FDRI_NODE_PRIMARY 0
#define FDRI_NODE_RENDER 2
/* HELLO's node for a connection without a DRM file. */
#define FDRI_NODE_NONE 0xffffffffu

/* DRM_MAJOR: the character major of every DRM node. */
#define FDRI_DRM_MAJOR 226

#define FDRI_STR_(x) #x
#define FDRI_STR(x) FDRI_STR_(x)

/* The socket of a CUSE-mode daemon without --socket; the shim finds it
 * (and the configuration next to it) when FAKEDRI_SOCKET is unset. */
#define FDRI_DEFAULT_SOCKET "/run/fakedri/fakedri.sock"

/* memfd name prefix of every fakedri buffer: "fakedri-bo:<instance hex>".
 * Together with the SHRINK|GROW|SEAL seals it marks a fakedri dma-buf. */
#define FDRI_MEMFD_PREFIX "fakedri-bo:"

#endif
