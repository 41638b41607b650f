#define _GNU_SOURCE
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Symbolic links followed per path before ELOOP, as Linux does (MAXSYMLINKS). */
#define SYMLINKS_MAX 40

/* Suffix that readlink shows on /proc magic links to deleted files. */
#define DELETED_SUFFIX " (deleted)"

/* Reads bytes with PTRACE_PEEKDATA, one aligned word at a time. It works for tracees that are
 * not dumpable, which process_vm_readv may not read. */
static long peek_bytes(pid_t tid, unsigned long address, char *buffer, size_t length)
{
    size_t copied = 0;
    while (copied < length) {
        unsigned long at = address + copied;
        unsigned long aligned = at & ~(sizeof(long) - 1);
        errno = 0;
        long word = ptrace(PTRACE_PEEKDATA, tid, (void *)aligned, NULL);
        if (word == -1 && errno != 0) {
            return copied > 0 ? (long)copied : -errno;
        }
        size_t skip = at - aligned;
        size_t take = sizeof(long) - skip;
        if (take > length - copied) {
            take = length - copied;
        }
        memcpy(buffer + copied, (const char *)&word + skip, take);
        copied += take;
    }
    return (long)copied;
}

/* Reads up to length bytes that lie within one page, so that an unmapped next page does not
 * make the whole read fail. */
static long read_chunk(pid_t tid, unsigned long address, char *buffer, size_t length)
{
    struct iovec local = {.iov_base = buffer, .iov_len = length};
    struct iovec remote = {.iov_base = (void *)address, .iov_len = length};
    ssize_t count = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (count >= 0) {
        return (long)count;
    }
    if (errno == EPERM || errno == EACCES || errno == ENOSYS) {
        return peek_bytes(tid, address, buffer, length);
    }
    return -errno;
}

long tracee_read_string(pid_t tid, unsigned long address, char *buffer, size_t size)
{
    static unsigned long page_size;
    if (page_size == 0) {
        long configured = sysconf(_SC_PAGESIZE);
        page_size = configured > 0 ? (unsigned long)configured : 4096;
    }
    size_t offset = 0;
    while (offset < size) {
        unsigned long at = address + offset;
        size_t length = page_size - (at % page_size);
        if (length > size - offset) {
            length = size - offset;
        }
        long count = read_chunk(tid, at, buffer + offset, length);
        if (count < 0) {
            return count;
        }
        if (count == 0) {
            return -EFAULT;
        }
        const char *end = memchr(buffer + offset, '\0', (size_t)count);
        if (end != NULL) {
            return end - buffer;
        }
        offset += (size_t)count;
    }
    return -ENAMETOOLONG;
}

int tracee_read_memory(pid_t tid, unsigned long address, void *buffer, size_t size)
{
    static unsigned long page_size;
    if (page_size == 0) {
        long configured = sysconf(_SC_PAGESIZE);
        page_size = configured > 0 ? (unsigned long)configured : 4096;
    }
    char *bytes = buffer;
    size_t offset = 0;
    while (offset < size) {
        unsigned long at = address + offset;
        size_t length = page_size - (at % page_size);
        if (length > size - offset) {
            length = size - offset;
        }
        long count = read_chunk(tid, at, bytes + offset, length);
        if (count < 0) {
            return (int)count;
        }
        if (count == 0) {
            return -EFAULT;
        }
        offset += (size_t)count;
    }
    return 0;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t text_length = strlen(text);
    size_t suffix_length = strlen(suffix);
    return text_length >= suffix_length && strcmp(text + text_length - suffix_length, suffix) == 0;
}

/* Reads a link of the tracee's /proc directory, such as cwd or fd/3. */
static int read_proc_link(pid_t tid, const char *name, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/%s", (int)tid, name);
    ssize_t length = readlink(link, out, size - 1);
    if (length < 0) {
        return -errno;
    }
    if ((size_t)length == size - 1) {
        return -ENAMETOOLONG;
    }
    out[length] = '\0';
    return 0;
}

/* State of one resolution: the resolved part, which has no symbolic links, and the rest. */
struct walk {
    pid_t tid;
    pid_t tgid;
    char done[PATH_MAX];
    size_t done_length;
    char todo[2 * PATH_MAX];
    const char *cursor;
    int symlinks;
    bool exists;
    bool opaque; /* a magic link ended the resolution; later components are appended as text */
};

static void pop_component(struct walk *walk)
{
    while (walk->done_length > 0 && walk->done[walk->done_length - 1] != '/') {
        walk->done_length--;
    }
    if (walk->done_length > 0) {
        walk->done_length--;
    }
    walk->done[walk->done_length] = '\0';
}

static int push_component(struct walk *walk, const char *name, size_t length)
{
    if (walk->done_length + 1 + length >= sizeof(walk->done)) {
        return -ENAMETOOLONG;
    }
    walk->done[walk->done_length++] = '/';
    memcpy(walk->done + walk->done_length, name, length);
    walk->done_length += length;
    walk->done[walk->done_length] = '\0';
    return 0;
}

/* Replaces the unresolved rest with target followed by the rest. */
static int restart_at(struct walk *walk, const char *target)
{
    char rest[2 * PATH_MAX];
    size_t rest_length = strlen(walk->cursor);
    size_t target_length = strlen(target);
    if (target_length + 1 + rest_length >= sizeof(walk->todo)) {
        return -ENAMETOOLONG;
    }
    memcpy(rest, walk->cursor, rest_length + 1);
    memcpy(walk->todo, target, target_length);
    walk->todo[target_length] = '/';
    memcpy(walk->todo + target_length + 1, rest, rest_length + 1);
    walk->cursor = walk->todo;
    return 0;
}

static bool done_is_under_proc(const struct walk *walk)
{
    return strncmp(walk->done, "/proc/", 6) == 0;
}

/* Tells whether walk->done lies in the /proc directory of a process other than the tracee,
 * such as /proc/1/root. */
static bool done_is_other_process(const struct walk *walk)
{
    if (!done_is_under_proc(walk)) {
        return false;
    }
    const char *digits = walk->done + 6;
    char *end;
    long id = strtol(digits, &end, 10);
    if (end == digits || (*end != '/' && *end != '\0')) {
        return false;
    }
    return id != (long)walk->tgid && id != (long)walk->tid;
}

/* Follows the symbolic link that walk->done names. */
static int follow_link(struct walk *walk)
{
    if (done_is_other_process(walk)) {
        /* A link of another process, such as /proc/1/root or /proc/1/cwd, leads into that
         * process's view of the files. Keep the /proc path, which no rule allows unless one names
         * /proc. */
        walk->opaque = true;
        return 0;
    }
    char target[PATH_MAX];
    ssize_t length = readlink(walk->done, target, sizeof(target) - 1);
    if (length < 0) {
        walk->exists = false;
        return 0;
    }
    target[length] = '\0';
    if (done_is_under_proc(walk) && target[0] != '/' && strchr(target, ':') != NULL) {
        /* A magic link to a pipe, socket or anonymous inode: no path to resolve further. */
        walk->opaque = true;
        return 0;
    }
    if (done_is_under_proc(walk) && target[0] == '/' && ends_with(target, DELETED_SUFFIX)) {
        /* A magic link to a deleted file or a memfd: match the name it had. */
        target[strlen(target) - strlen(DELETED_SUFFIX)] = '\0';
        snprintf(walk->done, sizeof(walk->done), "%s", target);
        walk->done_length = strlen(walk->done);
        walk->opaque = true;
        return 0;
    }
    if (++walk->symlinks > SYMLINKS_MAX) {
        return -ELOOP;
    }
    if (target[0] == '/') {
        walk->done_length = 0;
        walk->done[0] = '\0';
    } else {
        pop_component(walk);
    }
    return restart_at(walk, target);
}

/* Handles "self" and "thread-self" right below /proc, which name the jail's own directory when
 * the jail looks them up. Returns 1 if the component was handled. */
static int substitute_proc_self(struct walk *walk, const char *name, size_t length)
{
    if (strcmp(walk->done, "/proc") != 0) {
        return 0;
    }
    char number[32];
    int result;
    if (length == 4 && memcmp(name, "self", 4) == 0) {
        snprintf(number, sizeof(number), "%d", (int)walk->tgid);
        result = push_component(walk, number, strlen(number));
    } else if (length == 11 && memcmp(name, "thread-self", 11) == 0) {
        snprintf(number, sizeof(number), "%d", (int)walk->tgid);
        result = push_component(walk, number, strlen(number));
        if (result == 0) {
            result = push_component(walk, "task", 4);
        }
        if (result == 0) {
            snprintf(number, sizeof(number), "%d", (int)walk->tid);
            result = push_component(walk, number, strlen(number));
        }
    } else {
        return 0;
    }
    return result == 0 ? 1 : result;
}

static int step(struct walk *walk, const char *name, size_t length)
{
    if (length == 0 || (length == 1 && name[0] == '.')) {
        return 0;
    }
    if (length == 2 && name[0] == '.' && name[1] == '.') {
        pop_component(walk);
        return 0;
    }
    if (!walk->opaque) {
        int substituted = substitute_proc_self(walk, name, length);
        if (substituted != 0) {
            return substituted < 0 ? substituted : 0;
        }
    }
    int result = push_component(walk, name, length);
    if (result != 0 || walk->opaque || !walk->exists) {
        return result;
    }
    struct stat status;
    if (lstat(walk->done, &status) != 0) {
        walk->exists = false;
        return 0;
    }
    return S_ISLNK(status.st_mode) ? follow_link(walk) : 0;
}

static int walk_all(struct walk *walk)
{
    while (*walk->cursor != '\0') {
        const char *name = walk->cursor;
        const char *end = strchrnul(name, '/');
        walk->cursor = *end == '/' ? end + 1 : end;
        int result = step(walk, name, (size_t)(end - name));
        if (result != 0) {
            return result;
        }
    }
    return 0;
}

/* Returns the length of "/proc/ID" if path is that directory or below it, else 0. */
static int proc_prefix_length(const char *path, pid_t id)
{
    char prefix[32];
    int length = snprintf(prefix, sizeof(prefix), "/proc/%d", (int)id);
    if (strncmp(path, prefix, (size_t)length) == 0 &&
        (path[length] == '\0' || path[length] == '/')) {
        return length;
    }
    return 0;
}

/* Writes the resolved path, with the tracee's /proc/TGID shown as /proc/self and the calling
 * thread's /proc/TID as /proc/self/task/TID, the same directory: the JVM's threads read it. */
static int write_result(const struct walk *walk, char *out, size_t size)
{
    const char *path = walk->done_length == 0 ? "/" : walk->done;
    int own_length = proc_prefix_length(path, walk->tgid);
    int thread_length = walk->tid != walk->tgid ? proc_prefix_length(path, walk->tid) : 0;
    int written;
    if (own_length > 0) {
        written = snprintf(out, size, "/proc/self%s", path + own_length);
    } else if (thread_length > 0) {
        written =
            snprintf(out, size, "/proc/self/task/%d%s", (int)walk->tid, path + thread_length);
    } else {
        written = snprintf(out, size, "%s", path);
    }
    return written < 0 || (size_t)written >= size ? -ENAMETOOLONG : 0;
}

static int start_walk(struct walk *walk, pid_t tid, pid_t tgid, const char *base, const char *path)
{
    walk->tid = tid;
    walk->tgid = tgid;
    walk->done[0] = '\0';
    walk->done_length = 0;
    walk->symlinks = 0;
    walk->exists = true;
    walk->opaque = false;
    int length = base == NULL ? snprintf(walk->todo, sizeof(walk->todo), "%s", path)
                              : snprintf(walk->todo, sizeof(walk->todo), "%s/%s", base, path);
    if (length < 0 || (size_t)length >= sizeof(walk->todo)) {
        return -ENAMETOOLONG;
    }
    walk->cursor = walk->todo;
    return 0;
}

/* Reads the directory that a relative path starts from: the working directory or dirfd. */
static int read_base(pid_t tid, int dirfd, char *base, size_t size)
{
    char name[32];
    if (dirfd == AT_FDCWD) {
        snprintf(name, sizeof(name), "cwd");
    } else {
        snprintf(name, sizeof(name), "fd/%d", dirfd);
    }
    int result = read_proc_link(tid, name, base, size);
    if (result != 0) {
        return result == -ENOENT ? -EBADF : result;
    }
    if (base[0] != '/' || ends_with(base, DELETED_SUFFIX)) {
        return -ENOTDIR; /* not a directory, or one that was removed */
    }
    return 0;
}

int path_resolve(pid_t tid, pid_t tgid, int dirfd, const char *path, char *out, size_t size,
                 bool *exists)
{
    static struct walk walk; /* large; the jail is single-threaded */
    char base[PATH_MAX];
    if (path[0] == '\0') {
        return -ENOENT;
    }
    if (path[0] != '/') {
        int result = read_base(tid, dirfd, base, sizeof(base));
        if (result != 0) {
            return result;
        }
    }
    int result = start_walk(&walk, tid, tgid, path[0] == '/' ? NULL : base, path);
    if (result == 0) {
        result = walk_all(&walk);
    }
    if (result == 0) {
        result = write_result(&walk, out, size);
    }
    *exists = walk.exists;
    return result;
}

int path_resolve_fd(pid_t tid, pid_t tgid, int fd, char *out, size_t size, bool *exists)
{
    char name[32];
    snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
    return path_resolve(tid, tgid, AT_FDCWD, name, out, size, exists);
}
