/*
 * jail: runs a program under a seccomp-bpf filter and a ptrace supervisor that enforce a policy.
 *
 * The jail forks the program into a process group of its own, seizes it with ptrace before it
 * loads the filter and calls execve, and then follows every thread and process it creates. The
 * filter lets most calls run in the kernel. The calls whose arguments matter stop in the jail,
 * which checks paths, counts processes and protects itself, its parent and init from signals.
 * See jail-native/README.md.
 */
#define _GNU_SOURCE
#include "filter.h"
#include "forward.h"
#include "log.h"
#include "policy.h"
#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

/* Extra path rules from the command line, applied after the policy file. */
#define EXTRA_RULES_MAX 64

#define TRACE_OPTIONS                                                                              \
    (PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |      \
     PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)

/* Signals that the jail passes on to the program's process group instead of dying. */
static const int FORWARDED_SIGNALS[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

#define FORWARDED_COUNT (sizeof(FORWARDED_SIGNALS) / sizeof(FORWARDED_SIGNALS[0]))

struct extra_rule {
    enum path_access access;
    bool exec;
    const char *path;
};

struct options {
    const char *policy_file;
    bool watch;
    long max_procs; /* -1 keeps the policy's value */
    int oom_score_adj; /* -1001 leaves the program's value */
    bool print_policy;
    bool new_session;
    bool network; /* inet sockets may reach any address */
    const char *deny_ports[DENY_PORTS_MAX];
    size_t deny_port_count;
    struct extra_rule extra[EXTRA_RULES_MAX];
    size_t extra_count;
    char **command;
};

static void usage(FILE *stream)
{
    fprintf(stream,
            "Usage: jail [OPTIONS] [--] PROGRAM [ARGUMENTS...]\n"
            "Runs PROGRAM under a seccomp filter and a ptrace supervisor that enforce a policy.\n"
            "\n"
            "  --policy FILE       policy file (default: policies/default.policy next to the\n"
            "                      jail binary)\n"
            "  --watch             log to stderr what the policy would deny, and allow it\n"
            "  --max-procs N       maximum number of live processes of the program, in place of\n"
            "                      the policy's max-procs; 0 for no limit\n"
            "  --allow-read PATH   also allow opening files under PATH for reading\n"
            "  --allow-write PATH  also allow opening files under PATH for reading and writing\n"
            "  --allow-exec PATH   also allow running programs under PATH\n"
            "  --network           let inet sockets connect and send to any address, not only\n"
            "                      to loopback addresses\n"
            "  --deny-port PORT    deny connect and send calls to TCP or UDP port PORT on every\n"
            "                      address, also with --network; repeatable\n"
            "  --oom-score-adj N   set the program's oom_score_adj to N (-1000 to 1000) when it\n"
            "                      starts, so that its processes inherit it\n"
            "  --setsid            start a new session, so that the jail leads a process group\n"
            "                      that its caller can signal (the program gets a group of its\n"
            "                      own in any case)\n"
            "  --print-policy      print the effective policy and exit\n"
            "  --help              print this help and exit\n"
            "\n"
            "Exit status: the program's exit status, 128+N if signal N killed it, %d if the jail\n"
            "failed, %d if the program cannot be run and %d if it was not found.\n",
            JAIL_FAILURE_EXIT, EXIT_CANNOT_RUN, EXIT_NOT_FOUND);
}

static int add_extra(struct options *options, enum path_access access, bool exec, const char *path)
{
    if (options->extra_count == EXTRA_RULES_MAX) {
        log_message("too many --allow-* options; the maximum is %d", EXTRA_RULES_MAX);
        return -1;
    }
    options->extra[options->extra_count++] =
        (struct extra_rule){.access = access, .exec = exec, .path = path};
    return 0;
}

static int parse_oom_score_adj(const char *text, int *value)
{
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || parsed < -1000 || parsed > 1000) {
        log_message("invalid --oom-score-adj '%s': expected a number from -1000 to 1000", text);
        return -1;
    }
    *value = (int)parsed;
    return 0;
}

static int parse_max_procs(const char *text, long *value)
{
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || parsed < 0) {
        log_message("invalid --max-procs '%s': expected a number >= 0", text);
        return -1;
    }
    *value = parsed;
    return 0;
}

enum option_id {
    OPTION_POLICY = 1,
    OPTION_WATCH,
    OPTION_MAX_PROCS,
    OPTION_ALLOW_READ,
    OPTION_ALLOW_WRITE,
    OPTION_ALLOW_EXEC,
    OPTION_PRINT_POLICY,
    OPTION_SETSID,
    OPTION_NETWORK,
    OPTION_DENY_PORT,
    OPTION_OOM_SCORE_ADJ,
    OPTION_HELP,
};

static const struct option LONG_OPTIONS[] = {
    {"policy", required_argument, NULL, OPTION_POLICY},
    {"watch", no_argument, NULL, OPTION_WATCH},
    {"max-procs", required_argument, NULL, OPTION_MAX_PROCS},
    {"allow-read", required_argument, NULL, OPTION_ALLOW_READ},
    {"allow-write", required_argument, NULL, OPTION_ALLOW_WRITE},
    {"allow-exec", required_argument, NULL, OPTION_ALLOW_EXEC},
    {"print-policy", no_argument, NULL, OPTION_PRINT_POLICY},
    {"setsid", no_argument, NULL, OPTION_SETSID},
    {"network", no_argument, NULL, OPTION_NETWORK},
    {"deny-port", required_argument, NULL, OPTION_DENY_PORT},
    {"oom-score-adj", required_argument, NULL, OPTION_OOM_SCORE_ADJ},
    {"help", no_argument, NULL, OPTION_HELP},
    {NULL, 0, NULL, 0},
};

/* Handles one option. Returns 0, 1 for --help, or -1 on an error. */
static int apply_option(struct options *options, int id, const char *argument)
{
    switch (id) {
    case OPTION_POLICY:
        options->policy_file = argument;
        return 0;
    case OPTION_WATCH:
        options->watch = true;
        return 0;
    case OPTION_MAX_PROCS:
        return parse_max_procs(argument, &options->max_procs);
    case OPTION_ALLOW_READ:
        return add_extra(options, ACCESS_READ, false, argument);
    case OPTION_ALLOW_WRITE:
        return add_extra(options, ACCESS_WRITE, false, argument);
    case OPTION_ALLOW_EXEC:
        return add_extra(options, ACCESS_EXEC, true, argument);
    case OPTION_PRINT_POLICY:
        options->print_policy = true;
        return 0;
    case OPTION_SETSID:
        options->new_session = true;
        return 0;
    case OPTION_NETWORK:
        options->network = true;
        return 0;
    case OPTION_DENY_PORT:
        if (options->deny_port_count == DENY_PORTS_MAX) {
            log_message("too many --deny-port options; the maximum is %d", DENY_PORTS_MAX);
            return -1;
        }
        options->deny_ports[options->deny_port_count++] = argument;
        return 0;
    case OPTION_OOM_SCORE_ADJ:
        return parse_oom_score_adj(argument, &options->oom_score_adj);
    case OPTION_HELP:
        return 1;
    default:
        return -1;
    }
}

/* Parses the command line. Returns 0, 1 if the jail should exit with 0 (--help), or -1. */
static int parse_options(int argc, char **argv, struct options *options)
{
    memset(options, 0, sizeof(*options));
    options->max_procs = -1;
    options->oom_score_adj = OOM_SCORE_ADJ_UNSET;
    int id;
    /* "+" stops at the first non-option, which starts the program's command line. */
    while ((id = getopt_long(argc, argv, "+", LONG_OPTIONS, NULL)) != -1) {
        int result = apply_option(options, id, optarg);
        if (result != 0) {
            if (result < 0) {
                usage(stderr);
            } else {
                usage(stdout);
            }
            return result;
        }
    }
    options->command = argv + optind;
    if (!options->print_policy && options->command[0] == NULL) {
        log_message("missing the program to run");
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Returns policies/default.policy in the folder of the jail binary. */
static char *default_policy_file(void)
{
    char binary[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", binary, sizeof(binary) - 1);
    if (length < 0) {
        log_errno("cannot read /proc/self/exe to find the default policy; pass --policy");
        return NULL;
    }
    binary[length] = '\0';
    char *file = NULL;
    if (asprintf(&file, "%s/policies/default.policy", dirname(binary)) < 0) {
        log_errno("cannot build the path of the default policy");
        return NULL;
    }
    return file;
}

static int load_policy(const struct options *options, struct policy *policy)
{
    char *default_file = NULL;
    const char *file = options->policy_file;
    if (file == NULL) {
        default_file = default_policy_file();
        if (default_file == NULL) {
            return -1;
        }
        file = default_file;
    }
    int result = policy_load(policy, file);
    free(default_file);
    for (size_t i = 0; result == 0 && i < options->extra_count; i++) {
        const struct extra_rule *rule = &options->extra[i];
        result = rule->exec ? policy_add_exec_rule(policy, rule->access, rule->path)
                            : policy_add_open_rule(policy, rule->access, rule->path);
    }
    for (size_t i = 0; result == 0 && i < options->deny_port_count; i++) {
        result = policy_add_deny_port(policy, options->deny_ports[i]);
    }
    if (result == 0 && options->max_procs >= 0) {
        policy->max_procs = options->max_procs;
    }
    if (options->network) {
        policy->network_any = true;
    }
    return result;
}

static int set_signal_action(int signal, void (*handler)(int))
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(signal, &action, NULL) != 0) {
        log_errno("sigaction(%d) failed", signal);
        return -1;
    }
    return 0;
}

/* Runs in the forked child: waits until the jail traces it, loads the filter and runs the
 * program. Never returns. */
static void run_program(int sync_fd, scmp_filter_ctx filter, char **command)
{
    if (setpgid(0, 0) != 0) {
        log_errno("setpgid(0, 0) failed");
        _exit(JAIL_FAILURE_EXIT);
    }
    char byte;
    ssize_t count;
    do {
        count = read(sync_fd, &byte, 1);
    } while (count < 0 && errno == EINTR);
    if (count != 1) {
        _exit(JAIL_FAILURE_EXIT); /* the jail failed before it traced this process */
    }
    close(sync_fd);
    for (size_t i = 0; i < FORWARDED_COUNT; i++) {
        signal(FORWARDED_SIGNALS[i], SIG_DFL);
    }
    signal(SIGPIPE, SIG_DFL);
    int result = seccomp_load(filter);
    if (result != 0) {
        errno = -result;
        log_errno("seccomp_load failed");
        _exit(JAIL_FAILURE_EXIT);
    }
    execvp(command[0], command);
    int error = errno;
    log_errno("cannot run %s", command[0]);
    _exit(error == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

static void add_protected(pid_t *list, size_t *count, pid_t value)
{
    if (value <= 0 || *count == PROTECTED_MAX) {
        return;
    }
    for (size_t i = 0; i < *count; i++) {
        if (list[i] == value) {
            return;
        }
    }
    list[(*count)++] = value;
}

/* The processes that the program may not signal: the jail, the process that started it (the
 * kernel runner) and init, and their process groups. */
static void protect_processes(struct tracer_config *config)
{
    pid_t parent = getppid();
    add_protected(config->protected_pids, &config->protected_pid_count, getpid());
    add_protected(config->protected_pids, &config->protected_pid_count, parent);
    add_protected(config->protected_pids, &config->protected_pid_count, 1);
    add_protected(config->protected_groups, &config->protected_group_count, getpgrp());
    add_protected(config->protected_groups, &config->protected_group_count, getpgid(parent));
    add_protected(config->protected_groups, &config->protected_group_count, getpgid(1));
}

/* Seizes the program, hardens the jail and lets the program go on. Returns 0 or -1. */
static int attach(pid_t program, int sync_fd)
{
    if (setpgid(program, program) != 0 && errno != EACCES && errno != ESRCH) {
        log_errno("setpgid(%d, %d) failed", (int)program, (int)program);
    }
    if (ptrace(PTRACE_SEIZE, program, 0, (void *)(long)TRACE_OPTIONS) != 0) {
        log_errno("ptrace(PTRACE_SEIZE, %d) failed", (int)program);
        return -1;
    }
    /* Without this, a program of the same uid could open /proc/JAIL/mem and write to the jail. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        log_errno("prctl(PR_SET_DUMPABLE, 0) failed");
        return -1;
    }
    forward_set_group(program);
    if (write(sync_fd, "x", 1) != 1) {
        log_errno("cannot start pid %d", (int)program);
        return -1;
    }
    close(sync_fd);
    return 0;
}

static int start_and_trace(const struct options *options, const struct policy *policy,
                           scmp_filter_ctx filter)
{
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) != 0) {
        log_errno("pipe2 failed");
        return JAIL_FAILURE_EXIT;
    }
    pid_t program = fork();
    if (program < 0) {
        log_errno("fork failed");
        return JAIL_FAILURE_EXIT;
    }
    if (program == 0) {
        close(sync[1]);
        run_program(sync[0], filter, options->command);
    }
    close(sync[0]);
    if (attach(program, sync[1]) != 0) {
        kill(program, SIGKILL);
        waitpid(program, NULL, 0);
        return JAIL_FAILURE_EXIT;
    }
    struct tracer_config config = {
        .policy = policy,
        .watch = options->watch,
        .max_procs = policy->max_procs,
        .main_pid = program,
        .oom_score_adj = options->oom_score_adj,
    };
    protect_processes(&config);
    return tracer_run(&config);
}

static int install_signal_handlers(void)
{
    for (size_t i = 0; i < FORWARDED_COUNT; i++) {
        if (set_signal_action(FORWARDED_SIGNALS[i], forward_signal_handler) != 0) {
            return -1;
        }
    }
    /* The jail writes only messages; a closed stderr must not kill it and its program. */
    return set_signal_action(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    struct options options;
    int parsed = parse_options(argc, argv, &options);
    if (parsed != 0) {
        return parsed > 0 ? 0 : JAIL_FAILURE_EXIT;
    }
    struct policy policy;
    if (load_policy(&options, &policy) != 0) {
        return JAIL_FAILURE_EXIT;
    }
    if (options.print_policy) {
        policy_print(&policy);
        return fflush(stdout) == 0 ? 0 : JAIL_FAILURE_EXIT;
    }
    /* setsid fails for a process group leader, whose group the caller can signal already. */
    if (options.new_session && setsid() < 0 && getpgrp() != getpid()) {
        log_errno("setsid failed");
        return JAIL_FAILURE_EXIT;
    }
    scmp_filter_ctx filter = filter_build(&policy, options.watch);
    if (filter == NULL || install_signal_handlers() != 0) {
        return JAIL_FAILURE_EXIT;
    }
    return start_and_trace(&options, &policy, filter);
}
