#define _GNU_SOURCE
#include "forward.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Everything here runs in a signal handler, so it uses system calls and pure string functions
 * only: no stdio, no allocation. */

static volatile sig_atomic_t program_group;
static volatile sig_atomic_t pending_signal;

struct dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static pid_t parse_pid(const char *text)
{
    if (*text == '\0') {
        return -1;
    }
    long value = 0;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9' || value > INT_MAX / 10) {
            return -1;
        }
        value = value * 10 + (*text - '0');
    }
    return value > INT_MAX ? -1 : (pid_t)value;
}

/* Appends the decimal digits of a non-negative number; returns the new end. */
static char *append_number(char *out, long value)
{
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    while (count > 0) {
        *out++ = digits[--count];
    }
    return out;
}

static char *append_text(char *out, const char *text)
{
    size_t length = strlen(text);
    memcpy(out, text, length);
    return out + length;
}

/* Parses the hexadecimal mask after "SigBlk:\t". */
static uint64_t parse_mask(const char *text)
{
    uint64_t mask = 0;
    for (int i = 0; i < 16; i++) {
        char c = text[i];
        int digit;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else {
            break;
        }
        mask = mask << 4 | (uint64_t)digit;
    }
    return mask;
}

/* Returns true if the process's main thread lives and does not block the signal. */
static bool main_thread_takes(pid_t pid, int signal)
{
    char path[64];
    char *end = append_text(path, "/proc/");
    end = append_number(end, pid);
    end = append_text(end, "/task/");
    end = append_number(end, pid);
    end = append_text(end, "/status");
    *end = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    char text[4096];
    ssize_t length = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (length <= 0) {
        return false;
    }
    text[length] = '\0';
    const char *state = strstr(text, "\nState:\t");
    if (state == NULL || state[8] == 'Z' || state[8] == 'X') {
        return false;
    }
    const char *blocked = strstr(text, "\nSigBlk:\t");
    if (blocked == NULL) {
        return false;
    }
    return (parse_mask(blocked + 9) & (UINT64_C(1) << (signal - 1))) == 0;
}

static void signal_process(pid_t pid, int signal)
{
    if (main_thread_takes(pid, signal)) {
        syscall(SYS_tgkill, pid, pid, signal);
    } else {
        kill(pid, signal);
    }
}

static void signal_group(pid_t group, int signal)
{
    int directory = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) {
        kill(-group, signal);
        return;
    }
    char buffer[8192] __attribute__((aligned(8)));
    for (;;) {
        long length = syscall(SYS_getdents64, directory, buffer, sizeof(buffer));
        if (length <= 0) {
            break;
        }
        for (long offset = 0; offset < length;) {
            const struct dirent64 *entry = (const struct dirent64 *)(buffer + offset);
            offset += entry->d_reclen;
            pid_t pid = parse_pid(entry->d_name);
            if (pid > 0 && getpgid(pid) == group) {
                signal_process(pid, signal);
            }
        }
    }
    close(directory);
}

void forward_signal_handler(int signal)
{
    int saved_errno = errno;
    pid_t group = (pid_t)program_group;
    if (group > 0) {
        signal_group(group, signal);
    } else {
        pending_signal = signal;
    }
    errno = saved_errno;
}

void forward_set_group(pid_t group)
{
    program_group = group;
    int signal = pending_signal;
    if (signal != 0) {
        pending_signal = 0;
        signal_group(group, signal);
    }
}
