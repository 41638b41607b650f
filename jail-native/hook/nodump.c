/*
 * libbainodump.so: preloaded into the kernel runner's JVM only, by bin/entrypoint.sh. Its
 * constructor makes the runner not dumpable, so its /proc/PID/mem, environ and the like belong to
 * root. User code of the same uid then can neither open them nor ptrace the runner, also when a
 * race passes the jail's path check or the jail is off. The constructor then removes the library
 * from LD_PRELOAD, so that the runner's children do not load it: the jail must read their memory.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

__attribute__((constructor)) static void make_not_dumpable(void)
{
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        perror("libbainodump: prctl(PR_SET_DUMPABLE, 0) failed");
    }
    unsetenv("LD_PRELOAD");
}
