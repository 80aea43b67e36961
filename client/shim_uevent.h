/*
 * shim_uevent.h - the shim's NETLINK_KOBJECT_UEVENT sockets and sysfs
 * control files (shim_uevent.c, docs/hotplug.md): the hooks shim_libc.c
 * calls. Each returns at once for an fd that is not one of these.
 */
#ifndef SHIM_UEVENT_H
#define SHIM_UEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct msghdr;

/* Is @fd one of our uevent sockets (true) or sysfs control files? One
 * array load for any other fd. */
bool shim_uevent_is_socket(int fd);
bool shim_uevent_is_sysfs(int fd);
/* recvmsg() on a uevent socket: the payload, a netlink sender address and
 * SCM_CREDENTIALS as the kernel gives them. -1/errno on failure. */
ssize_t shim_uevent_recvmsg(int fd, struct msghdr *m, int flags);
/* write() to a sysfs control file: the daemon carries it out; @len or
 * -1/errno (the kernel store()'s error). */
ssize_t shim_uevent_sysfs_write(int fd, const void *buf, size_t len);
/* After a real open() for writing of @path returned @fd: enters it if it
 * is a sysfs control file (bind, unbind) of the sysroot. */
void shim_uevent_opened(int fd, const char *path, int flags);
/* Before close(fd) (and close_range, closefrom; through shim_fd_clear()
 * and shim_fd_clear_range()): forgets it, or those in [first, last]. */
void shim_uevent_close(int fd);
void shim_uevent_close_range(unsigned int first, unsigned int last);
/* After a dup of @oldfd to @newfd: @newfd is what @oldfd is (a uevent
 * socket's copy does not own the daemon's end), or nothing of ours. */
void shim_uevent_fd_dup(int oldfd, int newfd);
/* Is the virtual node at @path gone (unbound: its sysroot file removed)? */
bool shim_uevent_node_gone(const char *path);

#endif
