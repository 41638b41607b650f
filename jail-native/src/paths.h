/* Paths that a tracee passes to open and exec calls, read from its memory and resolved. */
#ifndef JAIL_PATHS_H
#define JAIL_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Copies the NUL-terminated string at address in the tracee's memory into buffer. Returns its
 * length, -ENAMETOOLONG if it does not fit, or another -errno if the memory cannot be read.
 */
long tracee_read_string(pid_t tid, unsigned long address, char *buffer, size_t size);

/* Copies size bytes at address in the tracee's memory into buffer. Returns 0, or -errno if a
 * byte cannot be read (-EFAULT for an unmapped address). */
int tracee_read_memory(pid_t tid, unsigned long address, void *buffer, size_t size);

/*
 * Resolves path as the tracee would: relative to dirfd (AT_FDCWD for its working directory),
 * following symbolic links, and with /proc/self and /proc/thread-self taken as the tracee's.
 * The result names the tracee's own /proc directory /proc/self, so that policies can allow it
 * and no other process's. Magic links under /proc/PID/ whose target is not a path, such as
 * pipe:[INODE], end the resolution. Sets *exists to false if the final path does not exist.
 * Returns 0 or -errno (-ENAMETOOLONG, -ELOOP, or the error of reading the tracee's links).
 */
int path_resolve(pid_t tid, pid_t tgid, int dirfd, const char *path, char *out, size_t size,
                 bool *exists);

/* Resolves what an open file descriptor of the tracee refers to, for execveat(AT_EMPTY_PATH). */
int path_resolve_fd(pid_t tid, pid_t tgid, int fd, char *out, size_t size, bool *exists);

#endif
