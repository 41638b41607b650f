#define _GNU_SOURCE
#include "tracer.h"

#include "log.h"
#include "network.h"
#include "paths.h"
#include "regs.h"
#include "tracees.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

/* The dumpable value of a normal process, as prctl(PR_SET_DUMPABLE) takes it. */
#define SUID_DUMP_USER 1

/* Denial messages in watch mode, where the log is the point. */
#define WATCH_DENIAL_MESSAGES 1000

/* Milliseconds that the jail waits for the tasks that it killed after the program's end. */
#define KILL_WAIT_MS 5000

/* System call numbers below this are logged once each in watch mode. */
#define SYSCALL_NUMBERS_LOGGED 1024

struct tracer {
    const struct tracer_config *config;
    struct tracee_table tracees;
    long processes; /* traced processes that are alive */
    long reserved;  /* allowed process creations whose new process has not shown up yet */
    bool limit_logged;
    bool oom_score_set;
    bool syscall_logged[SYSCALL_NUMBERS_LOGGED];
};

/* Outcome of a check: error 0 lets the call run; otherwise it fails with -error. */
struct decision {
    int error;
    bool quiet; /* the kernel would fail the call the same way, so there is nothing to report */
    char what[PATH_MAX + 64];
};

/* Reads the process id (Tgid) of a task. Returns -1 if the task is gone or a zombie. */
static pid_t read_tgid(pid_t tid)
{
    char file[64];
    snprintf(file, sizeof(file), "/proc/%d/status", (int)tid);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    char text[4096];
    ssize_t length = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (length <= 0) {
        return -1;
    }
    text[length] = '\0';
    const char *state = strstr(text, "\nState:\t");
    if (state != NULL && (state[8] == 'Z' || state[8] == 'X')) {
        return -1;
    }
    const char *tgid = strstr(text, "\nTgid:\t");
    return tgid == NULL ? -1 : (pid_t)strtol(tgid + 7, NULL, 10);
}

/* Adds a task that the tracer meets for the first time, in a fork event or its first stop. */
static struct tracee *register_task(struct tracer *tracer, pid_t tid)
{
    struct tracee *entry = tracees_find(&tracer->tracees, tid);
    if (entry != NULL) {
        return entry;
    }
    pid_t tgid = read_tgid(tid);
    if (tgid <= 0) {
        return NULL;
    }
    entry = tracees_add(&tracer->tracees, tid, tgid);
    if (entry == NULL) {
        log_errno("cannot track task %d", (int)tid);
        return NULL;
    }
    if (tid == tgid) {
        tracer->processes++;
    }
    return entry;
}

static void release_reservation(struct tracer *tracer, struct tracee *entry)
{
    if (entry->fork_reserved) {
        entry->fork_reserved = false;
        tracer->reserved--;
    }
}

static void forget_task(struct tracer *tracer, pid_t tid)
{
    struct tracee *entry = tracees_find(&tracer->tracees, tid);
    if (entry == NULL) {
        return;
    }
    release_reservation(tracer, entry);
    if (entry->tid == entry->tgid) {
        tracer->processes--;
    }
    tracees_remove(&tracer->tracees, tid);
}

static void resume(pid_t tid, int request, int signal)
{
    if (ptrace(request, tid, 0, (void *)(long)signal) != 0 && errno != ESRCH) {
        log_errno("ptrace(%s, %d) failed",
                  request == PTRACE_LISTEN ? "PTRACE_LISTEN" : "PTRACE_CONT", (int)tid);
    }
}

static bool is_stop_signal(int signal)
{
    return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
}

static void deny(struct decision *decision, int error, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void deny(struct decision *decision, int error, const char *format, ...)
{
    decision->error = error;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(decision->what, sizeof(decision->what), format, arguments);
    va_end(arguments);
}

/*
 * Returns true if reading the task's memory or /proc links failed because it is not dumpable.
 * A program becomes so when it runs from a file that its user cannot read, such as an
 * execute-only program. Linux then lets only root and CAP_SYS_PTRACE read its memory, even for
 * its tracer. Its path checks are skipped with a message, because denying every open would stop
 * the dynamic loader. prctl(PR_SET_DUMPABLE, 0) is denied, so a program cannot choose this.
 */
static bool cannot_read(struct tracee *entry, int error)
{
    if (error != EIO && error != EPERM && error != EACCES) {
        return false;
    }
    if (!entry->unreadable_logged && log_denial_budget()) {
        log_message("cannot read the memory of pid %d, which is not dumpable (such as a program "
                    "without read permission); its open and exec calls run unchecked",
                    (int)entry->tid);
    }
    entry->unreadable_logged = true;
    return true;
}

/* Denies quietly with the error that the kernel would return for a bad or missing path. */
static void deny_like_kernel(struct decision *decision, int error)
{
    decision->error = error;
    decision->quiet = true;
}

static void check_open(const struct tracer *tracer, struct tracee *entry,
                       const struct syscall_stop *stop, struct decision *decision)
{
    int dirfd = AT_FDCWD;
    unsigned long address = stop->args[0];
    int flags = (int)stop->args[1];
    if (stop->number == SCMP_SYS(openat)) {
        dirfd = (int)stop->args[0];
        address = stop->args[1];
        flags = (int)stop->args[2];
    } else if (stop->number == SCMP_SYS(creat)) {
        flags = O_CREAT | O_WRONLY | O_TRUNC;
    }
    char raw[PATH_MAX];
    long length = tracee_read_string(entry->tid, address, raw, sizeof(raw));
    if (length < 0) {
        if (!cannot_read(entry, (int)-length)) {
            deny_like_kernel(decision, (int)-length);
        }
        return;
    }
    char path[PATH_MAX];
    bool exists;
    int result = path_resolve(entry->tid, entry->tgid, dirfd, raw, path, sizeof(path), &exists);
    if (result != 0) {
        if (!cannot_read(entry, -result)) {
            deny_like_kernel(decision, -result);
        }
        return;
    }
    bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0;
    enum path_access access = policy_open_access(tracer->config->policy, path);
    if (access == ACCESS_WRITE || (access == ACCESS_READ && !writes)) {
        return;
    }
    if (!exists && (flags & O_CREAT) == 0) {
        deny_like_kernel(decision, ENOENT);
        return;
    }
    deny(decision, EPERM, "open of %s for %s", path, writes ? "writing" : "reading");
}

static void check_exec(const struct tracer *tracer, struct tracee *entry,
                       const struct syscall_stop *stop, struct decision *decision)
{
    int dirfd = AT_FDCWD;
    unsigned long address = stop->args[0];
    int flags = 0;
    if (stop->number == SCMP_SYS(execveat)) {
        dirfd = (int)stop->args[0];
        address = stop->args[1];
        flags = (int)stop->args[4];
    }
    char raw[PATH_MAX];
    long length = tracee_read_string(entry->tid, address, raw, sizeof(raw));
    if (length < 0) {
        if (!cannot_read(entry, (int)-length)) {
            deny_like_kernel(decision, (int)-length);
        }
        return;
    }
    char path[PATH_MAX];
    bool exists;
    int result =
        length == 0 && (flags & AT_EMPTY_PATH) != 0
            ? path_resolve_fd(entry->tid, entry->tgid, dirfd, path, sizeof(path), &exists)
            : path_resolve(entry->tid, entry->tgid, dirfd, raw, path, sizeof(path), &exists);
    if (result != 0) {
        if (!cannot_read(entry, -result)) {
            deny_like_kernel(decision, -result);
        }
        return;
    }
    if (!policy_exec_allowed(tracer->config->policy, path)) {
        if (!exists) {
            deny_like_kernel(decision, ENOENT);
            return;
        }
        deny(decision, EPERM, "exec of %s", path);
        return;
    }
    /* A program that its user cannot read runs not dumpable, so the jail could read neither its
     * memory nor its paths, and it could open /proc/PID/mem of the kernel runner, which runs as
     * the same user outside the jail. The jail runs as that user, so its access check is theirs. */
    if (exists && access(path, X_OK) == 0 && access(path, R_OK) != 0) {
        deny(decision, EPERM, "exec of %s, which its user can run but not read", path);
    }
}

static void check_process(struct tracer *tracer, struct decision *decision)
{
    long limit = tracer->config->max_procs;
    if (limit <= 0 || tracer->processes + tracer->reserved < limit) {
        return;
    }
    deny(decision, EAGAIN, "process creation: the limit of %ld processes is reached", limit);
    /* A fork bomb hits the limit over and over, so only the first time is logged. */
    if (tracer->limit_logged) {
        decision->quiet = true;
    }
    tracer->limit_logged = true;
}

static bool is_protected_process(const struct tracer_config *config, pid_t pid)
{
    pid_t tgid = read_tgid(pid);
    if (tgid <= 0) {
        tgid = pid;
    }
    for (size_t i = 0; i < config->protected_pid_count; i++) {
        if (config->protected_pids[i] == tgid) {
            return true;
        }
    }
    return false;
}

static bool is_protected_group(const struct tracer_config *config, pid_t group)
{
    for (size_t i = 0; i < config->protected_group_count; i++) {
        if (config->protected_groups[i] == group) {
            return true;
        }
    }
    return false;
}

/* Returns true if kill(pid, ...) from tid would reach a protected process. */
static bool kill_reaches_protected(const struct tracer_config *config, pid_t tid, pid_t pid)
{
    if (pid == -1) {
        return true; /* every process that the caller may signal */
    }
    if (pid == 0) {
        return is_protected_group(config, getpgid(tid));
    }
    if (pid < 0) {
        return is_protected_group(config, -pid);
    }
    return is_protected_process(config, pid);
}

static void check_signal(const struct tracer *tracer, const struct tracee *entry,
                         const struct syscall_stop *stop, struct decision *decision)
{
    const struct tracer_config *config = tracer->config;
    pid_t target = (pid_t)stop->args[0];
    bool reaches;
    if (stop->number == SCMP_SYS(kill)) {
        int signal = (int)stop->args[1];
        reaches = signal != 0 && kill_reaches_protected(config, entry->tid, target);
    } else {
        /* tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo and pidfd_open name a thread or a
         * process first. */
        reaches = is_protected_process(config, target);
    }
    if (reaches) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)stop->number);
        deny(decision, EPERM, "%s of %d, which reaches the jail, its parent or init",
             name == NULL ? "signal" : name, (int)target);
        free(name);
    }
}

static void check_connect(const struct tracer *tracer, const struct tracee *entry,
                          const struct syscall_stop *stop, struct decision *decision)
{
    struct network_decision network;
    network_check(tracer->config->policy, entry->tid, stop, &network);
    if (network.error != 0) {
        decision->error = network.error;
        decision->quiet = network.quiet;
        snprintf(decision->what, sizeof(decision->what), "%s", network.what);
    }
}

static void check_prctl(const struct syscall_stop *stop, struct decision *decision)
{
    if ((int)stop->args[0] == PR_SET_DUMPABLE && stop->args[1] != SUID_DUMP_USER) {
        deny(decision, EPERM, "prctl(PR_SET_DUMPABLE, %lu)", stop->args[1]);
    }
}

/* Logs a call that watch mode lets through although the policy denies it, once per call. */
static void log_watched_syscall(struct tracer *tracer, pid_t tid, long number)
{
    if (number >= 0 && number < SYSCALL_NUMBERS_LOGGED) {
        if (tracer->syscall_logged[number]) {
            return;
        }
        tracer->syscall_logged[number] = true;
    }
    if (!log_denial_budget()) {
        return;
    }
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)number);
    log_message("watch: would deny %s (system call %ld) in pid %d", name == NULL ? "?" : name,
                number, (int)tid);
    free(name);
}

static void report(const struct tracer *tracer, pid_t tid, const struct decision *decision)
{
    if (decision->quiet || !log_denial_budget()) {
        return;
    }
    if (tracer->config->watch) {
        log_message("watch: would deny %s in pid %d", decision->what, (int)tid);
    } else {
        log_message("denied %s in pid %d: %s", decision->what, (int)tid, strerror(decision->error));
    }
}

static void handle_seccomp_stop(struct tracer *tracer, struct tracee *entry)
{
    struct syscall_stop stop;
    int result = regs_read(entry->tid, &stop);
    if (result != 0) {
        if (result != -ESRCH) {
            errno = -result;
            log_errno("cannot read the registers of pid %d", (int)entry->tid);
        }
        return;
    }
    struct decision decision = {.error = 0, .quiet = false, .what = ""};
    enum check_kind kind = check_kind_of_number((int)stop.number);
    switch (kind) {
    case CHECK_OPEN:
        check_open(tracer, entry, &stop, &decision);
        break;
    case CHECK_EXEC:
        check_exec(tracer, entry, &stop, &decision);
        break;
    case CHECK_PROCESS:
        check_process(tracer, &decision);
        break;
    case CHECK_SIGNAL:
        check_signal(tracer, entry, &stop, &decision);
        break;
    case CHECK_PRCTL:
        check_prctl(&stop, &decision);
        break;
    case CHECK_CONNECT:
        check_connect(tracer, entry, &stop, &decision);
        break;
    case CHECK_SOCKET:
        if (!network_socket_allowed(tracer->config->policy, &stop, decision.what,
                                    sizeof(decision.what))) {
            decision.error = EPERM;
        }
        break;
    case CHECK_NONE:
        /* Only watch mode traces denied calls. In enforce mode the trace action came from a
         * filter that the program installed itself, and the jail's filter allowed the call. */
        if (tracer->config->watch && policy_denies(tracer->config->policy, (int)stop.number)) {
            log_watched_syscall(tracer, entry->tid, stop.number);
        }
        return;
    }
    if (decision.error != 0) {
        report(tracer, entry->tid, &decision);
    }
    if (decision.error != 0 && !tracer->config->watch) {
        result = regs_skip(entry->tid, &stop, -decision.error);
        if (result != 0 && result != -ESRCH) {
            errno = -result;
            log_errno("cannot deny the call of pid %d; killing it", (int)entry->tid);
            kill(entry->tid, SIGKILL);
        }
        return;
    }
    if (kind == CHECK_PROCESS) {
        entry->fork_reserved = true;
        tracer->reserved++;
    }
}

static unsigned long event_message(pid_t tid)
{
    unsigned long message = 0;
    if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &message) != 0) {
        return 0;
    }
    return message;
}


/*
 * Sets oom_score_adj of the program when its first exec has completed. The program was forked
 * from the jail, which is not dumpable, so until that exec its /proc files belong to root. After
 * the exec they belong to its user, who is also the jail's user, so the jail can write them.
 * Processes that the program starts inherit the value.
 */
static void set_oom_score(struct tracer *tracer, pid_t tid)
{
    if (tracer->oom_score_set || tracer->config->oom_score_adj == OOM_SCORE_ADJ_UNSET) {
        return;
    }
    tracer->oom_score_set = true;
    char file[64];
    snprintf(file, sizeof(file), "/proc/%d/oom_score_adj", (int)tid);
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    char value[16];
    int length = snprintf(value, sizeof(value), "%d", tracer->config->oom_score_adj);
    if (fd < 0 || write(fd, value, (size_t)length) != length) {
        log_errno("cannot set the oom_score_adj of pid %d to %s", (int)tid, value);
    }
    if (fd >= 0) {
        close(fd);
    }
}

static void handle_event(struct tracer *tracer, struct tracee *entry, int event)
{
    switch (event) {
    case PTRACE_EVENT_SECCOMP:
        handle_seccomp_stop(tracer, entry);
        break;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE: {
        pid_t child = (pid_t)event_message(entry->tid);
        if (child > 0) {
            register_task(tracer, child);
        }
        break;
    }
    case PTRACE_EVENT_EXEC: {
        /* A thread that is not the leader took over the leader's thread id in execve; its old
         * id reports no exit. */
        pid_t former = (pid_t)event_message(entry->tid);
        if (former > 0 && former != entry->tid) {
            forget_task(tracer, former);
        }
        set_oom_score(tracer, entry->tid);
        break;
    }
    default:
        break;
    }
}

static void handle_stop(struct tracer *tracer, pid_t tid, int status)
{
    int signal = WSTOPSIG(status);
    int event = (unsigned int)status >> 16;
    struct tracee *entry = register_task(tracer, tid);
    if (entry == NULL) {
        /* The task died after it stopped; resuming it lets the kernel finish its exit. */
        resume(tid, PTRACE_CONT, 0);
        return;
    }
    /* The next stop of a task that was allowed to create a process comes after the call. */
    release_reservation(tracer, entry);
    if (event == 0) {
        resume(tid, PTRACE_CONT, signal); /* signal-delivery stop: deliver the signal */
        return;
    }
    if (event == PTRACE_EVENT_STOP) {
        /* A group stop keeps the task stopped until SIGCONT; other event stops, such as the
         * first stop of a new task, end at once. */
        resume(tid, is_stop_signal(signal) ? PTRACE_LISTEN : PTRACE_CONT, 0);
        return;
    }
    handle_event(tracer, entry, event);
    resume(tid, PTRACE_CONT, 0);
}

static int exit_status_of(int status)
{
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

static void kill_all_tracees(const struct tracer *tracer)
{
    for (size_t i = 0; i < tracer->tracees.capacity; i++) {
        if (tracer->tracees.slots[i].tid != 0) {
            kill(tracer->tracees.slots[i].tgid, SIGKILL);
        }
    }
}

/*
 * Kills every task that the jail still traces, such as a daemon that the program forked and
 * detached with setsid, and waits until each has exited, so that none outlives the jail's exit.
 * A task that forks meanwhile shows up in a stop and is killed as well. Tasks that take longer
 * than KILL_WAIT_MS, such as ones in uninterruptible sleep, are left to PTRACE_O_EXITKILL, which
 * makes the kernel kill them when the jail exits.
 */
static void end_remaining_tasks(struct tracer *tracer)
{
    if (tracer->tracees.count == 0) {
        return;
    }
    kill_all_tracees(tracer);
    for (long waited = 0; tracer->tracees.count > 0 && waited < KILL_WAIT_MS;) {
        int status;
        pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
        if (tid < 0 && errno == EINTR) {
            continue;
        }
        if (tid < 0) {
            break; /* ECHILD: no traced task is left */
        }
        if (tid == 0) {
            usleep(1000);
            waited++;
        } else if (WIFEXITED(status) || WIFSIGNALED(status)) {
            forget_task(tracer, tid);
        } else if (register_task(tracer, tid) != NULL) {
            kill(tid, SIGKILL);
        }
    }
    if (tracer->tracees.count > 0) {
        log_message("%zu tasks of the program did not exit within %d ms of SIGKILL; the kernel "
                    "kills them when the jail exits",
                    tracer->tracees.count, KILL_WAIT_MS);
    }
}

int tracer_run(const struct tracer_config *config)
{
    struct tracer tracer = {.config = config, .processes = 0, .reserved = 0};
    if (tracees_init(&tracer.tracees) != 0) {
        log_errno("cannot allocate the task table");
        return JAIL_FAILURE_EXIT;
    }
    if (config->watch) {
        log_set_denial_budget(WATCH_DENIAL_MESSAGES);
    }
    if (tracees_add(&tracer.tracees, config->main_pid, config->main_pid) == NULL) {
        log_errno("cannot track pid %d", (int)config->main_pid);
        return JAIL_FAILURE_EXIT;
    }
    tracer.processes = 1;
    for (;;) {
        int status;
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) {
            if (errno == EINTR) {
                continue;
            }
            log_errno("waitpid failed");
            return JAIL_FAILURE_EXIT;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            forget_task(&tracer, tid);
            if (tid == config->main_pid) {
                end_remaining_tasks(&tracer);
                return exit_status_of(status);
            }
        } else if (WIFSTOPPED(status)) {
            handle_stop(&tracer, tid, status);
        }
    }
}
