/*
 * bai-init: PID 1 of kernel containers, in place of Docker's init. It starts the command it is
 * given (the runner's entrypoint), passes signals on to it, reaps orphaned processes, and exits
 * with the command's status when the command ends.
 *
 * Unlike Docker's init it makes itself not dumpable first. It runs as the kernel's user outside
 * the jail, so a dumpable PID 1 would let user code that wins a race against the jail's path
 * rules open /proc/1/mem and run code outside the jail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit status when the command cannot be started, as a shell reports it. */
#define EXIT_CANNOT_START 127

static int status_of(int status)
{
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bai-init COMMAND [ARGUMENTS...]\n");
        return 2;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        fprintf(stderr, "bai-init: prctl(PR_SET_DUMPABLE, 0) failed: %s\n", strerror(errno));
        return 1;
    }
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &previous);

    pid_t command = fork();
    if (command < 0) {
        fprintf(stderr, "bai-init: fork failed: %s\n", strerror(errno));
        return 1;
    }
    if (command == 0) {
        sigprocmask(SIG_SETMASK, &previous, NULL);
        execv(argv[1], argv + 1);
        fprintf(stderr, "bai-init: cannot run %s: %s\n", argv[1], strerror(errno));
        _exit(EXIT_CANNOT_START);
    }

    for (;;) {
        siginfo_t info;
        int signal_number = sigwaitinfo(&all, &info);
        if (signal_number < 0) {
            continue;
        }
        if (signal_number != SIGCHLD) {
            kill(command, signal_number);
            continue;
        }
        int status;
        pid_t ended;
        while ((ended = waitpid(-1, &status, WNOHANG)) > 0) {
            if (ended == command) {
                return status_of(status);
            }
        }
    }
}
