/* The ptrace loop that follows every task of the jailed program and checks traced calls. */
#ifndef JAIL_TRACER_H
#define JAIL_TRACER_H

#include "policy.h"

#include <stdbool.h>
#include <sys/types.h>

/* Exit status of the jail when the jail itself fails, as env(1) and docker run use it. */
#define JAIL_FAILURE_EXIT 125

#define PROTECTED_MAX 4

/* The value of oom_score_adj in tracer_config that leaves the program's value alone. */
#define OOM_SCORE_ADJ_UNSET (-1001)

struct tracer_config {
    const struct policy *policy;
    bool watch;
    long max_procs;                      /* 0 for no limit */
    pid_t main_pid;                      /* the program the jail started, already seized */
    int oom_score_adj;                   /* set at the program's first exec, or OOM_SCORE_ADJ_UNSET */
    pid_t protected_pids[PROTECTED_MAX]; /* the jail, its parent and init */
    size_t protected_pid_count;
    pid_t protected_groups[PROTECTED_MAX]; /* their process groups */
    size_t protected_group_count;
};

/*
 * Resumes and traces the program until the main process ends. Returns the exit status for the
 * jail: the program's exit code, 128 plus the number of the signal that killed it, or
 * JAIL_FAILURE_EXIT if tracing failed.
 */
int tracer_run(const struct tracer_config *config);

#endif
