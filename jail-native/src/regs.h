/* Registers of a tracee stopped at a seccomp trace stop: the system call and its arguments. */
#ifndef JAIL_REGS_H
#define JAIL_REGS_H

#include <sys/types.h>

#if defined(__x86_64__)
#include <sys/user.h>
typedef struct user_regs_struct machine_regs;
#elif defined(__aarch64__)
#include <asm/ptrace.h>
typedef struct user_pt_regs machine_regs;
#else
#error "jail: add the system call registers of this architecture to regs.h and regs.c"
#endif

struct syscall_stop {
    long number;
    unsigned long args[6];
    machine_regs regs;
};

/* Reads the system call of a tracee at a seccomp stop. Returns 0 or -errno. */
int regs_read(pid_t tid, struct syscall_stop *stop);

/* Skips the system call, so that it returns result (such as -EPERM) without running. Returns 0
 * or -errno. */
int regs_skip(pid_t tid, struct syscall_stop *stop, long result);

#endif
