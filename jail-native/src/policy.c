#include "policy.h"

#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Maximum depth of include directives, which stops include loops. */
#define INCLUDE_DEPTH_MAX 8

/* Maximum number of words on one line of a policy file. */
#define LINE_WORDS_MAX 64

/*
 * System calls that no policy may allow or trace. Some reach kernel code that a sandboxed
 * program never needs: modules, mounts, namespaces, keyrings, BPF and perf. Some inspect or
 * change other processes: ptrace, process_vm_* and pidfd_getfd. The rest bypass the jail's
 * checks, because io_uring opens files without system calls and open_by_handle_at opens without
 * a path. The jail allows personality only for querying and for the default PER_LINUX itself.
 */
static const char *const FORBIDDEN_SYSCALLS[] = {
    "ptrace",
    "keyctl",
    "add_key",
    "request_key",
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "bpf",
    "perf_event_open",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "setns",
    "unshare",
    "personality",
    "userfaultfd",
    "process_vm_readv",
    "process_vm_writev",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_by_handle_at",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "pidfd_getfd",
};

struct checked_syscall {
    const char *name;
    enum check_kind kind;
};

static const struct checked_syscall CHECKED_SYSCALLS[] = {
    {"open", CHECK_OPEN},
    {"openat", CHECK_OPEN},
    {"creat", CHECK_OPEN},
    {"execve", CHECK_EXEC},
    {"execveat", CHECK_EXEC},
    {"fork", CHECK_PROCESS},
    {"vfork", CHECK_PROCESS},
    {"clone", CHECK_PROCESS},
    {"kill", CHECK_SIGNAL},
    {"tkill", CHECK_SIGNAL},
    {"tgkill", CHECK_SIGNAL},
    {"rt_sigqueueinfo", CHECK_SIGNAL},
    {"rt_tgsigqueueinfo", CHECK_SIGNAL},
    {"pidfd_open", CHECK_SIGNAL},
    {"prctl", CHECK_PRCTL},
    {"connect", CHECK_CONNECT},
    {"sendto", CHECK_CONNECT},
    {"sendmsg", CHECK_CONNECT},
    {"sendmmsg", CHECK_CONNECT},
};

/* Calls that create sockets. Policies list them under 'allow', and socket-families narrows them
 * in the filter, so they stop in the jail only in watch mode, which logs the families that the
 * policy denies. They are not in CHECKED_SYSCALLS, which would require 'trace'. */
static const char *const SOCKET_SYSCALLS[] = {"socket", "socketpair"};

struct socket_family {
    const char *name;
    int value;
};

/* The names that socket-families takes: the AF_ constant in lower case without "AF_". */
static const struct socket_family SOCKET_FAMILIES[] = {
    {"unix", AF_UNIX},         {"inet", AF_INET},       {"ax25", AF_AX25},
    {"ipx", AF_IPX},           {"appletalk", AF_APPLETALK}, {"x25", AF_X25},
    {"inet6", AF_INET6},       {"key", AF_KEY},         {"netlink", AF_NETLINK},
    {"packet", AF_PACKET},     {"rds", AF_RDS},         {"llc", AF_LLC},
    {"can", AF_CAN},           {"tipc", AF_TIPC},       {"bluetooth", AF_BLUETOOTH},
    {"alg", AF_ALG},           {"vsock", AF_VSOCK},     {"kcm", AF_KCM},
    {"qipcrtr", AF_QIPCRTR},   {"smc", AF_SMC},         {"xdp", AF_XDP},
};

#define ARRAY_LENGTH(array) (sizeof(array) / sizeof((array)[0]))

struct errno_entry {
    const char *name;
    int value;
};

static const struct errno_entry ERRNO_NAMES[] = {
    {"EPERM", EPERM},   {"EACCES", EACCES}, {"ENOSYS", ENOSYS},         {"EAGAIN", EAGAIN},
    {"ENOENT", ENOENT}, {"EINVAL", EINVAL}, {"EOPNOTSUPP", EOPNOTSUPP},
};

int errno_from_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_LENGTH(ERRNO_NAMES); i++) {
        if (strcmp(ERRNO_NAMES[i].name, name) == 0) {
            return ERRNO_NAMES[i].value;
        }
    }
    return 0;
}

const char *errno_name(int error)
{
    for (size_t i = 0; i < ARRAY_LENGTH(ERRNO_NAMES); i++) {
        if (ERRNO_NAMES[i].value == error) {
            return ERRNO_NAMES[i].name;
        }
    }
    return "errno";
}

enum check_kind check_kind_of_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_LENGTH(CHECKED_SYSCALLS); i++) {
        if (strcmp(CHECKED_SYSCALLS[i].name, name) == 0) {
            return CHECKED_SYSCALLS[i].kind;
        }
    }
    return CHECK_NONE;
}

enum check_kind check_kind_of_number(int number)
{
    static int numbers[ARRAY_LENGTH(CHECKED_SYSCALLS)];
    static bool resolved;
    static int socket_numbers[ARRAY_LENGTH(SOCKET_SYSCALLS)];
    if (!resolved) {
        for (size_t i = 0; i < ARRAY_LENGTH(CHECKED_SYSCALLS); i++) {
            numbers[i] = seccomp_syscall_resolve_name(CHECKED_SYSCALLS[i].name);
        }
        for (size_t i = 0; i < ARRAY_LENGTH(SOCKET_SYSCALLS); i++) {
            socket_numbers[i] = seccomp_syscall_resolve_name(SOCKET_SYSCALLS[i]);
        }
        resolved = true;
    }
    if (number < 0) {
        return CHECK_NONE;
    }
    for (size_t i = 0; i < ARRAY_LENGTH(CHECKED_SYSCALLS); i++) {
        if (numbers[i] == number) {
            return CHECKED_SYSCALLS[i].kind;
        }
    }
    for (size_t i = 0; i < ARRAY_LENGTH(SOCKET_SYSCALLS); i++) {
        if (socket_numbers[i] == number) {
            return CHECK_SOCKET;
        }
    }
    return CHECK_NONE;
}

const char *socket_family_name(int family)
{
    for (size_t i = 0; i < ARRAY_LENGTH(SOCKET_FAMILIES); i++) {
        if (SOCKET_FAMILIES[i].value == family) {
            return SOCKET_FAMILIES[i].name;
        }
    }
    return NULL;
}

bool policy_socket_family_allowed(const struct policy *policy, int family)
{
    if (!policy->socket_families_set) {
        return true;
    }
    for (size_t i = 0; i < policy->socket_family_count; i++) {
        if (policy->socket_families[i] == family) {
            return true;
        }
    }
    return false;
}

bool policy_checks_destinations(const struct policy *policy)
{
    return !policy->network_any || policy->deny_port_count > 0;
}

static bool is_forbidden(const char *name)
{
    for (size_t i = 0; i < ARRAY_LENGTH(FORBIDDEN_SYSCALLS); i++) {
        if (strcmp(FORBIDDEN_SYSCALLS[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static const char *action_word(const struct syscall_rule *rule)
{
    switch (rule->action) {
    case SYSCALL_ALLOW:
        return "allow";
    case SYSCALL_TRACE:
        return "trace";
    case SYSCALL_DENY:
        return "deny";
    case SYSCALL_ERRNO:
        return "errno";
    }
    return "?";
}

/* Location of the line being parsed, for messages. */
struct location {
    const char *file;
    unsigned long line;
};

static char *format_origin(const struct location *where)
{
    char text[PATH_MAX + 32];
    snprintf(text, sizeof(text), "%s:%lu", where->file, where->line);
    return strdup(text);
}

static struct syscall_rule *find_rule_by_name(struct policy *policy, const char *name)
{
    for (size_t i = 0; i < policy->syscall_count; i++) {
        if (strcmp(policy->syscalls[i].name, name) == 0) {
            return &policy->syscalls[i];
        }
    }
    return NULL;
}

static int add_syscall(struct policy *policy, const struct location *where, const char *name,
                       enum syscall_action action, int error)
{
    int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) {
        log_message("%s:%lu: unknown system call '%s'", where->file, where->line, name);
        return -1;
    }
    struct syscall_rule *existing = find_rule_by_name(policy, name);
    if (existing != NULL) {
        if (existing->action == action && existing->error == error) {
            return 0;
        }
        log_message("%s:%lu: '%s' is already listed under %s at %s", where->file, where->line, name,
                    action_word(existing), existing->origin);
        return -1;
    }
    if (policy->syscall_count == policy->syscall_capacity) {
        size_t capacity = policy->syscall_capacity == 0 ? 64 : policy->syscall_capacity * 2;
        struct syscall_rule *grown = realloc(policy->syscalls, capacity * sizeof(*grown));
        if (grown == NULL) {
            log_errno("cannot grow the system call list of %s", where->file);
            return -1;
        }
        policy->syscalls = grown;
        policy->syscall_capacity = capacity;
    }
    struct syscall_rule *rule = &policy->syscalls[policy->syscall_count];
    rule->number = number;
    rule->name = strdup(name);
    rule->action = action;
    rule->error = error;
    rule->origin = format_origin(where);
    if (rule->name == NULL || rule->origin == NULL) {
        log_errno("cannot store the rule for '%s'", name);
        free(rule->name);
        free(rule->origin);
        return -1;
    }
    policy->syscall_count++;
    return 0;
}

/*
 * Normalizes an absolute path prefix in place: collapses repeated slashes and removes a trailing
 * slash. Returns -1 for a relative prefix or one with "." or ".." components, which a resolved
 * path never has, so such a rule could never match.
 */
static int normalize_prefix(char *prefix)
{
    if (prefix[0] != '/') {
        return -1;
    }
    char *out = prefix;
    const char *in = prefix;
    while (*in != '\0') {
        while (*in == '/') {
            in++;
        }
        if (*in == '\0') {
            break;
        }
        const char *end = strchr(in, '/');
        size_t length = end == NULL ? strlen(in) : (size_t)(end - in);
        if ((length == 1 && in[0] == '.') || (length == 2 && in[0] == '.' && in[1] == '.')) {
            return -1;
        }
        *out++ = '/';
        memmove(out, in, length);
        out += length;
        in += length;
    }
    if (out == prefix) {
        *out++ = '/';
    }
    *out = '\0';
    return 0;
}

/*
 * Returns the canonical form of a rule's path: realpath of a path that exists outside /proc, so
 * that a rule for /bin matches /usr/bin where /bin links to it, and the normalized text of any
 * other path. Paths under /proc stay as written, because /proc/self would resolve to the jail.
 */
static char *canonical_prefix(const char *prefix)
{
    bool under_proc = strncmp(prefix, "/proc", 5) == 0 && (prefix[5] == '\0' || prefix[5] == '/');
    bool absolute = prefix[0] == '/';
    char *resolved = under_proc || !absolute ? NULL : realpath(prefix, NULL);
    char *copy = resolved != NULL ? resolved : strdup(prefix);
    if (copy == NULL) {
        log_errno("cannot store the path rule '%s'", prefix);
        return NULL;
    }
    if (normalize_prefix(copy) != 0) {
        log_message("invalid path '%s': expected an absolute path without . or .. components",
                    prefix);
        free(copy);
        return NULL;
    }
    return copy;
}

static int add_rule(struct path_rules *rules, enum path_access access, const char *prefix)
{
    char *copy = canonical_prefix(prefix);
    if (copy == NULL) {
        return -1;
    }
    if (rules->count == rules->capacity) {
        size_t capacity = rules->capacity == 0 ? 32 : rules->capacity * 2;
        struct path_rule *grown = realloc(rules->items, capacity * sizeof(*grown));
        if (grown == NULL) {
            log_errno("cannot grow the path rules");
            free(copy);
            return -1;
        }
        rules->items = grown;
        rules->capacity = capacity;
    }
    rules->items[rules->count].prefix = copy;
    rules->items[rules->count].length = strlen(copy);
    rules->items[rules->count].access = access;
    rules->count++;
    return 0;
}

int policy_add_open_rule(struct policy *policy, enum path_access access, const char *prefix)
{
    return add_rule(&policy->open_rules, access, prefix);
}

int policy_add_exec_rule(struct policy *policy, enum path_access access, const char *prefix)
{
    return add_rule(&policy->exec_rules, access, prefix);
}

/* Returns true if path is prefix or lies below it, component-wise: "/usr" matches "/usr" and
 * "/usr/bin" but not "/usrx". */
static bool path_is_under(const char *path, const struct path_rule *rule)
{
    if (rule->length == 1) {
        return path[0] == '/';
    }
    return strncmp(path, rule->prefix, rule->length) == 0 &&
           (path[rule->length] == '\0' || path[rule->length] == '/');
}

/* Returns the access of the longest matching rule; of equally long ones, the last. */
static enum path_access match_rules(const struct path_rules *rules, const char *path)
{
    enum path_access access = ACCESS_NONE;
    size_t best = 0;
    for (size_t i = 0; i < rules->count; i++) {
        const struct path_rule *rule = &rules->items[i];
        if (rule->length >= best && path_is_under(path, rule)) {
            best = rule->length;
            access = rule->access;
        }
    }
    return access;
}

enum path_access policy_open_access(const struct policy *policy, const char *path)
{
    return match_rules(&policy->open_rules, path);
}

bool policy_exec_allowed(const struct policy *policy, const char *path)
{
    return match_rules(&policy->exec_rules, path) == ACCESS_EXEC;
}

const struct syscall_rule *policy_find_syscall(const struct policy *policy, int number)
{
    if (number < 0) {
        return NULL;
    }
    for (size_t i = 0; i < policy->syscall_count; i++) {
        if (policy->syscalls[i].number == number) {
            return &policy->syscalls[i];
        }
    }
    return NULL;
}

bool policy_denies(const struct policy *policy, int number)
{
    const struct syscall_rule *rule = policy_find_syscall(policy, number);
    if (rule == NULL) {
        return true;
    }
    return rule->action == SYSCALL_DENY || rule->action == SYSCALL_ERRNO;
}

static int parse_file(struct policy *policy, const char *file, int depth);

/* Returns the path of an included file: relative names are relative to the including file. */
static char *include_path(const char *including_file, const char *name)
{
    if (name[0] == '/') {
        return strdup(name);
    }
    const char *slash = strrchr(including_file, '/');
    size_t directory_length = slash == NULL ? 0 : (size_t)(slash - including_file) + 1;
    size_t length = directory_length + strlen(name) + 1;
    char *path = malloc(length);
    if (path != NULL) {
        memcpy(path, including_file, directory_length);
        strcpy(path + directory_length, name);
    }
    return path;
}

static int parse_long(const char *text, long minimum, long *value)
{
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || parsed < minimum) {
        return -1;
    }
    *value = parsed;
    return 0;
}

static int directive_syscalls(struct policy *policy, const struct location *where, char **words,
                              size_t count, enum syscall_action action, int error)
{
    for (size_t i = 0; i < count; i++) {
        if (add_syscall(policy, where, words[i], action, error) != 0) {
            return -1;
        }
    }
    return 0;
}

static int directive_paths(struct policy *policy, const struct location *where, char **words,
                           size_t count, bool exec, enum path_access access)
{
    if (count == 0) {
        log_message("%s:%lu: expected at least one path", where->file, where->line);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        int result = exec ? policy_add_exec_rule(policy, access, words[i])
                          : policy_add_open_rule(policy, access, words[i]);
        if (result != 0) {
            log_message("%s:%lu: the path rule above is invalid", where->file, where->line);
            return -1;
        }
    }
    return 0;
}

static int directive_default(struct policy *policy, const struct location *where, char **words,
                             size_t count)
{
    if (count == 1 && strcmp(words[0], "kill") == 0) {
        policy->default_kill = true;
        return 0;
    }
    if (count == 2 && strcmp(words[0], "errno") == 0 && errno_from_name(words[1]) != 0) {
        policy->default_kill = false;
        policy->default_error = errno_from_name(words[1]);
        return 0;
    }
    log_message("%s:%lu: expected 'default errno NAME' or 'default kill'", where->file,
                where->line);
    return -1;
}

static int directive_errno(struct policy *policy, const struct location *where, char **words,
                           size_t count)
{
    int error = count == 0 ? 0 : errno_from_name(words[0]);
    if (error == 0) {
        log_message("%s:%lu: expected 'errno NAME SYSCALL...' with NAME one of EPERM, EACCES, "
                    "ENOSYS, EAGAIN, ENOENT, EINVAL, EOPNOTSUPP",
                    where->file, where->line);
        return -1;
    }
    return directive_syscalls(policy, where, words + 1, count - 1, SYSCALL_ERRNO, error);
}

static int directive_max_procs(struct policy *policy, const struct location *where, char **words,
                               size_t count)
{
    if (count != 1 || parse_long(words[0], 0, &policy->max_procs) != 0) {
        log_message("%s:%lu: expected 'max-procs N' with N >= 0 (0 for no limit)", where->file,
                    where->line);
        return -1;
    }
    return 0;
}

static int directive_socket_families(struct policy *policy, const struct location *where,
                                     char **words, size_t count)
{
    if (count == 0) {
        log_message("%s:%lu: expected 'socket-families FAMILY...', such as 'socket-families unix "
                    "inet'",
                    where->file, where->line);
        return -1;
    }
    policy->socket_families_set = true;
    for (size_t i = 0; i < count; i++) {
        int family = -1;
        for (size_t j = 0; j < ARRAY_LENGTH(SOCKET_FAMILIES); j++) {
            if (strcmp(SOCKET_FAMILIES[j].name, words[i]) == 0) {
                family = SOCKET_FAMILIES[j].value;
            }
        }
        if (family < 0) {
            log_message("%s:%lu: unknown address family '%s'; use the AF_ name in lower case "
                        "without AF_, such as unix, inet, inet6 or netlink",
                        where->file, where->line, words[i]);
            return -1;
        }
        if (policy_socket_family_allowed(policy, family)) {
            continue;
        }
        if (policy->socket_family_count == SOCKET_FAMILIES_MAX) {
            log_message("%s:%lu: more than %d address families", where->file, where->line,
                        SOCKET_FAMILIES_MAX);
            return -1;
        }
        policy->socket_families[policy->socket_family_count++] = family;
    }
    return 0;
}

static int directive_network(struct policy *policy, const struct location *where, char **words,
                             size_t count)
{
    if (count == 1 && strcmp(words[0], "loopback") == 0) {
        policy->network_any = false;
        return 0;
    }
    if (count == 1 && strcmp(words[0], "any") == 0) {
        policy->network_any = true;
        return 0;
    }
    log_message("%s:%lu: expected 'network loopback' or 'network any'", where->file, where->line);
    return -1;
}

int policy_add_deny_port(struct policy *policy, const char *text)
{
    long port;
    if (parse_long(text, 1, &port) != 0 || port > 65535) {
        log_message("invalid port '%s': expected a number from 1 to 65535", text);
        return -1;
    }
    for (size_t i = 0; i < policy->deny_port_count; i++) {
        if (policy->deny_ports[i] == port) {
            return 0;
        }
    }
    if (policy->deny_port_count == DENY_PORTS_MAX) {
        log_message("too many denied ports; the maximum is %d", DENY_PORTS_MAX);
        return -1;
    }
    policy->deny_ports[policy->deny_port_count++] = (unsigned short)port;
    return 0;
}

static int directive_deny_port(struct policy *policy, const struct location *where, char **words,
                               size_t count)
{
    if (count == 0) {
        log_message("%s:%lu: expected 'deny-port PORT...'", where->file, where->line);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (policy_add_deny_port(policy, words[i]) != 0) {
            log_message("%s:%lu: the port above is invalid", where->file, where->line);
            return -1;
        }
    }
    return 0;
}

static int directive_include(struct policy *policy, const struct location *where, char **words,
                             size_t count, int depth)
{
    if (count != 1) {
        log_message("%s:%lu: expected 'include FILE'", where->file, where->line);
        return -1;
    }
    if (depth >= INCLUDE_DEPTH_MAX) {
        log_message("%s:%lu: includes nest deeper than %d files", where->file, where->line,
                    INCLUDE_DEPTH_MAX);
        return -1;
    }
    char *path = include_path(where->file, words[0]);
    if (path == NULL) {
        log_errno("%s:%lu: cannot build the path of '%s'", where->file, where->line, words[0]);
        return -1;
    }
    int result = parse_file(policy, path, depth + 1);
    free(path);
    return result;
}

static int parse_directive(struct policy *policy, const struct location *where, char **words,
                           size_t count, int depth)
{
    const char *keyword = words[0];
    char **rest = words + 1;
    size_t rest_count = count - 1;
    if (strcmp(keyword, "allow") == 0) {
        return directive_syscalls(policy, where, rest, rest_count, SYSCALL_ALLOW, 0);
    }
    if (strcmp(keyword, "trace") == 0) {
        return directive_syscalls(policy, where, rest, rest_count, SYSCALL_TRACE, 0);
    }
    if (strcmp(keyword, "deny") == 0) {
        return directive_syscalls(policy, where, rest, rest_count, SYSCALL_DENY, EPERM);
    }
    if (strcmp(keyword, "errno") == 0) {
        return directive_errno(policy, where, rest, rest_count);
    }
    if (strcmp(keyword, "default") == 0) {
        return directive_default(policy, where, rest, rest_count);
    }
    if (strcmp(keyword, "read") == 0) {
        return directive_paths(policy, where, rest, rest_count, false, ACCESS_READ);
    }
    if (strcmp(keyword, "write") == 0) {
        return directive_paths(policy, where, rest, rest_count, false, ACCESS_WRITE);
    }
    if (strcmp(keyword, "noaccess") == 0) {
        return directive_paths(policy, where, rest, rest_count, false, ACCESS_NONE);
    }
    if (strcmp(keyword, "exec") == 0) {
        return directive_paths(policy, where, rest, rest_count, true, ACCESS_EXEC);
    }
    if (strcmp(keyword, "noexec") == 0) {
        return directive_paths(policy, where, rest, rest_count, true, ACCESS_NONE);
    }
    if (strcmp(keyword, "max-procs") == 0) {
        return directive_max_procs(policy, where, rest, rest_count);
    }
    if (strcmp(keyword, "socket-families") == 0) {
        return directive_socket_families(policy, where, rest, rest_count);
    }
    if (strcmp(keyword, "network") == 0) {
        return directive_network(policy, where, rest, rest_count);
    }
    if (strcmp(keyword, "deny-port") == 0) {
        return directive_deny_port(policy, where, rest, rest_count);
    }
    if (strcmp(keyword, "include") == 0) {
        return directive_include(policy, where, rest, rest_count, depth);
    }
    log_message("%s:%lu: unknown directive '%s'", where->file, where->line, keyword);
    return -1;
}

/* Splits a line at blanks into words, dropping a comment that starts with '#'. Returns the
 * number of words, or -1 if there are more than max. */
static int split_words(char *line, char **words, size_t max)
{
    char *comment = strchr(line, '#');
    if (comment != NULL) {
        *comment = '\0';
    }
    size_t count = 0;
    char *cursor = line;
    for (;;) {
        while (isspace((unsigned char)*cursor)) {
            cursor++;
        }
        if (*cursor == '\0') {
            return (int)count;
        }
        if (count == max) {
            return -1;
        }
        words[count++] = cursor;
        while (*cursor != '\0' && !isspace((unsigned char)*cursor)) {
            cursor++;
        }
        if (*cursor != '\0') {
            *cursor++ = '\0';
        }
    }
}

static int parse_stream(struct policy *policy, FILE *stream, const char *file, int depth)
{
    struct location where = {.file = file, .line = 0};
    char *line = NULL;
    size_t line_size = 0;
    int result = 0;
    while (result == 0 && getline(&line, &line_size, stream) != -1) {
        where.line++;
        char *words[LINE_WORDS_MAX];
        int count = split_words(line, words, LINE_WORDS_MAX);
        if (count < 0) {
            log_message("%s:%lu: more than %d words; split the line", file, where.line,
                        LINE_WORDS_MAX);
            result = -1;
        } else if (count > 0) {
            result = parse_directive(policy, &where, words, (size_t)count, depth);
        }
    }
    if (result == 0 && ferror(stream)) {
        log_errno("cannot read %s", file);
        result = -1;
    }
    free(line);
    return result;
}

static int parse_file(struct policy *policy, const char *file, int depth)
{
    FILE *stream = fopen(file, "re");
    if (stream == NULL) {
        log_errno("cannot open the policy %s", file);
        return -1;
    }
    int result = parse_stream(policy, stream, file, depth);
    if (fclose(stream) != 0 && result == 0) {
        log_errno("cannot close %s", file);
        result = -1;
    }
    return result;
}

/* Rejects policies that allow a forbidden call or that allow a call the jail must check. */
static int validate(const struct policy *policy)
{
    int result = 0;
    for (size_t i = 0; i < policy->syscall_count; i++) {
        const struct syscall_rule *rule = &policy->syscalls[i];
        bool permits = rule->action == SYSCALL_ALLOW || rule->action == SYSCALL_TRACE;
        if (permits && is_forbidden(rule->name)) {
            log_message("%s: '%s' may not be allowed by any policy", rule->origin, rule->name);
            result = -1;
        } else if (rule->action == SYSCALL_ALLOW && check_kind_of_name(rule->name) != CHECK_NONE) {
            log_message("%s: '%s' is checked by the jail; list it under 'trace'", rule->origin,
                        rule->name);
            result = -1;
        } else if (rule->action == SYSCALL_TRACE && check_kind_of_name(rule->name) == CHECK_NONE) {
            log_message("%s: the jail has no check for '%s'; list it under 'allow' or 'deny'",
                        rule->origin, rule->name);
            result = -1;
        }
    }
    return result;
}

int policy_load(struct policy *policy, const char *file)
{
    memset(policy, 0, sizeof(*policy));
    policy->default_error = EPERM;
    policy->file = strdup(file);
    if (policy->file == NULL) {
        log_errno("cannot store the policy name");
        return -1;
    }
    if (parse_file(policy, file, 0) != 0) {
        return -1;
    }
    return validate(policy);
}

static int compare_rule_names(const void *left, const void *right)
{
    const struct syscall_rule *const *a = left;
    const struct syscall_rule *const *b = right;
    return strcmp((*a)->name, (*b)->name);
}

static void print_syscalls(const struct policy *policy, enum syscall_action action, int error)
{
    const struct syscall_rule **sorted = calloc(policy->syscall_count + 1, sizeof(*sorted));
    if (sorted == NULL) {
        log_errno("cannot sort the system calls");
        return;
    }
    size_t count = 0;
    for (size_t i = 0; i < policy->syscall_count; i++) {
        const struct syscall_rule *rule = &policy->syscalls[i];
        if (rule->action == action && (action != SYSCALL_ERRNO || rule->error == error)) {
            sorted[count++] = rule;
        }
    }
    qsort(sorted, count, sizeof(*sorted), compare_rule_names);
    for (size_t i = 0; i < count; i++) {
        if (action == SYSCALL_ERRNO) {
            printf("errno %s %s\n", errno_name(error), sorted[i]->name);
        } else {
            printf("%s %s\n", action_word(sorted[i]), sorted[i]->name);
        }
    }
    free(sorted);
}

static const char *access_word(bool exec, enum path_access access)
{
    switch (access) {
    case ACCESS_NONE:
        return exec ? "noexec" : "noaccess";
    case ACCESS_READ:
        return "read";
    case ACCESS_WRITE:
        return "write";
    case ACCESS_EXEC:
        return "exec";
    }
    return "?";
}

void policy_print(const struct policy *policy)
{
    printf("# effective policy of %s\n", policy->file);
    if (policy->default_kill) {
        printf("default kill\n");
    } else {
        printf("default errno %s\n", errno_name(policy->default_error));
    }
    print_syscalls(policy, SYSCALL_ALLOW, 0);
    print_syscalls(policy, SYSCALL_TRACE, 0);
    print_syscalls(policy, SYSCALL_DENY, 0);
    for (size_t i = 0; i < ARRAY_LENGTH(ERRNO_NAMES); i++) {
        print_syscalls(policy, SYSCALL_ERRNO, ERRNO_NAMES[i].value);
    }
    for (size_t i = 0; i < policy->open_rules.count; i++) {
        const struct path_rule *rule = &policy->open_rules.items[i];
        printf("%s %s\n", access_word(false, rule->access), rule->prefix);
    }
    for (size_t i = 0; i < policy->exec_rules.count; i++) {
        const struct path_rule *rule = &policy->exec_rules.items[i];
        printf("%s %s\n", access_word(true, rule->access), rule->prefix);
    }
    printf("max-procs %ld\n", policy->max_procs);
    if (policy->socket_families_set) {
        printf("socket-families");
        for (size_t i = 0; i < policy->socket_family_count; i++) {
            printf(" %s", socket_family_name(policy->socket_families[i]));
        }
        printf("\n");
    }
    printf("network %s\n", policy->network_any ? "any" : "loopback");
    if (policy->deny_port_count > 0) {
        printf("deny-port");
        for (size_t i = 0; i < policy->deny_port_count; i++) {
            printf(" %u", (unsigned int)policy->deny_ports[i]);
        }
        printf("\n");
    }
}

static void free_rules(struct path_rules *rules)
{
    for (size_t i = 0; i < rules->count; i++) {
        free(rules->items[i].prefix);
    }
    free(rules->items);
    memset(rules, 0, sizeof(*rules));
}

void policy_free(struct policy *policy)
{
    for (size_t i = 0; i < policy->syscall_count; i++) {
        free(policy->syscalls[i].name);
        free(policy->syscalls[i].origin);
    }
    free(policy->syscalls);
    free_rules(&policy->open_rules);
    free_rules(&policy->exec_rules);
    free(policy->file);
    memset(policy, 0, sizeof(*policy));
}
