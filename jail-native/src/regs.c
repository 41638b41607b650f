#include "regs.h"

#include <elf.h>
#include <errno.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#if defined(__x86_64__)

int regs_read(pid_t tid, struct syscall_stop *stop)
{
    if (ptrace(PTRACE_GETREGS, tid, 0, &stop->regs) != 0) {
        return -errno;
    }
    stop->number = (long)stop->regs.orig_rax;
    stop->args[0] = stop->regs.rdi;
    stop->args[1] = stop->regs.rsi;
    stop->args[2] = stop->regs.rdx;
    stop->args[3] = stop->regs.r10;
    stop->args[4] = stop->regs.r8;
    stop->args[5] = stop->regs.r9;
    return 0;
}

/* At a seccomp stop, system call number -1 makes the kernel skip the call and return rax. */
int regs_skip(pid_t tid, struct syscall_stop *stop, long result)
{
    stop->regs.orig_rax = (unsigned long long)-1;
    stop->regs.rax = (unsigned long long)result;
    if (ptrace(PTRACE_SETREGS, tid, 0, &stop->regs) != 0) {
        return -errno;
    }
    return 0;
}

#elif defined(__aarch64__)

/* NOTE: the AArch64 code follows the kernel's ptrace ABI but has not run on an AArch64 host. */

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif

int regs_read(pid_t tid, struct syscall_stop *stop)
{
    struct iovec vector = {.iov_base = &stop->regs, .iov_len = sizeof(stop->regs)};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &vector) != 0) {
        return -errno;
    }
    stop->number = (long)stop->regs.regs[8];
    for (int i = 0; i < 6; i++) {
        stop->args[i] = stop->regs.regs[i];
    }
    return 0;
}

int regs_skip(pid_t tid, struct syscall_stop *stop, long result)
{
    int number = -1;
    struct iovec number_vector = {.iov_base = &number, .iov_len = sizeof(number)};
    if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &number_vector) != 0) {
        return -errno;
    }
    stop->regs.regs[0] = (unsigned long long)result;
    struct iovec vector = {.iov_base = &stop->regs, .iov_len = sizeof(stop->regs)};
    if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &vector) != 0) {
        return -errno;
    }
    return 0;
}

#endif
