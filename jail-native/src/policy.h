/*
 * Policies: which system calls a jailed program may make, which paths it may open and run, and
 * how many processes it may have. jail-native/README.md describes the file format.
 */
#ifndef JAIL_POLICY_H
#define JAIL_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum syscall_action {
    SYSCALL_ALLOW, /* runs unchecked */
    SYSCALL_TRACE, /* stops in the jail, which checks the arguments */
    SYSCALL_DENY,  /* fails with EPERM; logged and allowed in watch mode */
    SYSCALL_ERRNO, /* fails with a chosen errno in every mode, for library fallbacks */
};

struct syscall_rule {
    int number; /* negative for a system call that this architecture lacks */
    char *name;
    enum syscall_action action;
    int error;    /* for SYSCALL_ERRNO */
    char *origin; /* FILE:LINE of the directive, for messages */
};

/* Access that a path rule grants. Open rules use ACCESS_NONE, ACCESS_READ and ACCESS_WRITE; exec
 * rules use ACCESS_NONE and ACCESS_EXEC. */
enum path_access {
    ACCESS_NONE,
    ACCESS_READ,
    ACCESS_WRITE,
    ACCESS_EXEC,
};

struct path_rule {
    char *prefix; /* absolute, normalized, without a trailing slash except for "/" */
    size_t length;
    enum path_access access;
};

struct path_rules {
    struct path_rule *items;
    size_t count;
    size_t capacity;
};

/* Address families that a policy may name in socket-families. */
#define SOCKET_FAMILIES_MAX 64

/* Ports that connect and send calls may not reach, from deny-port and --deny-port. */
#define DENY_PORTS_MAX 64

struct policy {
    char *file;
    bool default_kill; /* kill the process instead of failing with default_error */
    int default_error;
    struct syscall_rule *syscalls;
    size_t syscall_count;
    size_t syscall_capacity;
    struct path_rules open_rules;
    struct path_rules exec_rules;
    long max_procs; /* 0 for no limit */
    /* Families that socket and socketpair may create; without socket-families, every family. */
    bool socket_families_set;
    int socket_families[SOCKET_FAMILIES_MAX];
    size_t socket_family_count;
    /* network any: inet destinations are not limited to loopback (--network). */
    bool network_any;
    unsigned short deny_ports[DENY_PORTS_MAX];
    size_t deny_port_count;
};

/* Reads a policy file and the files it includes, and checks the result. Returns 0, or -1 after
 * logging what is wrong. */
int policy_load(struct policy *policy, const char *file);

/* Adds an open rule (ACCESS_NONE, ACCESS_READ, ACCESS_WRITE) or an exec rule (ACCESS_NONE,
 * ACCESS_EXEC) as if the policy had it last. Returns 0, or -1 after logging. */
int policy_add_open_rule(struct policy *policy, enum path_access access, const char *prefix);
int policy_add_exec_rule(struct policy *policy, enum path_access access, const char *prefix);

/* Adds a port that connect and send calls may not reach on any address. Returns 0, or -1 after
 * logging. */
int policy_add_deny_port(struct policy *policy, const char *text);

/* Returns true if socket and socketpair may create sockets of the family. */
bool policy_socket_family_allowed(const struct policy *policy, int family);

/* Returns the name of an address family as socket-families takes it, such as "inet", or NULL. */
const char *socket_family_name(int family);

/* Returns true if the jail must check the destinations of connect and send calls: the network is
 * limited to loopback, or some ports are denied. */
bool policy_checks_destinations(const struct policy *policy);

/* Returns the access that the longest matching open rule grants to a resolved path. */
enum path_access policy_open_access(const struct policy *policy, const char *path);

/* Returns true if the longest matching exec rule allows running the resolved path. */
bool policy_exec_allowed(const struct policy *policy, const char *path);

/* Returns the rule for a system call number, or NULL for a call that the default action covers. */
const struct syscall_rule *policy_find_syscall(const struct policy *policy, int number);

/* Returns true if the policy denies the system call in enforce mode (rule or default action). */
bool policy_denies(const struct policy *policy, int number);

/* Prints the effective policy in the file format, for review. */
void policy_print(const struct policy *policy);

/* The check that the jail makes when a traced system call stops in it. */
enum check_kind {
    CHECK_NONE,    /* not a checked call: logged in watch mode if the policy denies it */
    CHECK_OPEN,    /* open, openat, creat: open rules */
    CHECK_EXEC,    /* execve, execveat: exec rules */
    CHECK_PROCESS, /* fork, vfork, clone without CLONE_THREAD: max-procs */
    CHECK_SIGNAL,  /* kill and relatives: the jail, its parent and init are protected */
    CHECK_PRCTL,   /* prctl: PR_SET_DUMPABLE 0 would hide the program's memory from the jail */
    CHECK_CONNECT, /* connect, sendto, sendmsg, sendmmsg: loopback destinations, denied ports */
    CHECK_SOCKET,  /* socket, socketpair: socket-families; stops in the jail in watch mode only */
};

/* Returns the check of a system call that the jail can check, by name or by number. */
enum check_kind check_kind_of_name(const char *name);
enum check_kind check_kind_of_number(int number);

void policy_free(struct policy *policy);

/* Returns the errno value for a name such as "EPERM", or 0 for an unknown name. */
int errno_from_name(const char *name);

/* Returns the name of an errno value from errno_from_name's table, or "errno". */
const char *errno_name(int error);

#endif
