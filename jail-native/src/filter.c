#define _GNU_SOURCE
#include "filter.h"

#include "log.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>

/* personality(2) arguments that the jail allows: the query and the default personality. */
#define PERSONALITY_QUERY 0xffffffffULL
#define PERSONALITY_LINUX 0x0ULL

/* Mask that compares only the low 32 bits of an argument, because the kernel reads int and
 * unsigned int arguments from the low half of the register and ignores the high half. */
#define LOW_32_BITS 0xffffffffULL

static int add_rule(scmp_filter_ctx filter, uint32_t action, const struct syscall_rule *rule)
{
    int result = seccomp_rule_add(filter, action, rule->number, 0);
    if (result != 0) {
        errno = -result;
        log_errno("seccomp_rule_add(%s, from %s) failed", rule->name, rule->origin);
    }
    return result;
}

/* Threads run unchecked; clone calls that create processes stop in the tracer, which counts
 * them. A clone with CLONE_UNTRACED matches neither rule, so it gets the filter's default action:
 * EPERM in the shipped policies, logged and allowed in watch mode. Its child would escape the
 * tracer, the process cap and the cleanup when the program ends. The flags are the first argument
 * of clone on every architecture. */
static int add_clone_rules(scmp_filter_ctx filter)
{
    const scmp_datum_t mask = CLONE_THREAD | CLONE_UNTRACED;
    int result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, mask, CLONE_THREAD));
    if (result == 0) {
        result = seccomp_rule_add(filter, SCMP_ACT_TRACE(TRACE_CHECK), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, mask, 0));
    }

    if (result != 0) {
        errno = -result;
        log_errno("seccomp_rule_add(clone) failed");
    }
    return result;
}

/*
 * Narrows an allowed socket or socketpair to the policy's families. The low 32 bits of the first
 * argument are the family, which the kernel reads as an int. Listed families run; the others
 * below AF_MAX fail with EPERM, or stop in the jail for logging in watch mode. Values from AF_MAX
 * up, which the kernel rejects with EAFNOSUPPORT anyway, get the filter's default action.
 */
static int add_socket_rules(scmp_filter_ctx filter, const struct syscall_rule *rule,
                            const struct policy *policy, bool watch, uint32_t default_action)
{
    uint32_t deny_action = watch ? SCMP_ACT_TRACE(TRACE_WATCH) : SCMP_ACT_ERRNO(EPERM);
    int result = 0;
    for (int family = 0; family < AF_MAX && result == 0; family++) {
        bool allowed = policy_socket_family_allowed(policy, family);
        uint32_t action = allowed ? SCMP_ACT_ALLOW : deny_action;
        /* libseccomp rejects a rule whose action is the default action. */
        if (action == default_action) {
            continue;
        }
        result = seccomp_rule_add(filter, action, rule->number, 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, LOW_32_BITS, (scmp_datum_t)family));
    }
    if (result != 0) {
        errno = -result;
        log_errno("seccomp_rule_add(%s, from %s) failed", rule->name, rule->origin);
    }
    return result;
}

/*
 * Adds connect, sendto, sendmsg and sendmmsg, which the policy traces. They run unchecked when
 * the jail checks no destinations (network any and no denied ports). sendto with a NULL address,
 * as send() makes it on a connected socket, runs unchecked in any case.
 */
static int add_destination_rules(scmp_filter_ctx filter, const struct syscall_rule *rule,
                                 const struct policy *policy)
{
    int result;
    if (!policy_checks_destinations(policy)) {
        result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, rule->number, 0);
    } else if (rule->number == SCMP_SYS(sendto)) {
        result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, rule->number, 1,
                                  SCMP_A4(SCMP_CMP_EQ, 0));
        if (result == 0) {
            result = seccomp_rule_add(filter, SCMP_ACT_TRACE(TRACE_CHECK), rule->number, 1,
                                      SCMP_A4(SCMP_CMP_NE, 0));
        }
    } else {
        result = seccomp_rule_add(filter, SCMP_ACT_TRACE(TRACE_CHECK), rule->number, 0);
    }
    if (result != 0) {
        errno = -result;
        log_errno("seccomp_rule_add(%s, from %s) failed", rule->name, rule->origin);
    }
    return result;
}

static int add_personality_rules(scmp_filter_ctx filter)
{
    int result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, LOW_32_BITS, PERSONALITY_QUERY));
    if (result == 0) {
        result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, LOW_32_BITS, PERSONALITY_LINUX));
    }
    if (result != 0) {
        errno = -result;
        log_errno("seccomp_rule_add(personality) failed");
    }
    return result;
}

static uint32_t rule_action(const struct syscall_rule *rule, bool watch)
{
    switch (rule->action) {
    case SYSCALL_ALLOW:
        return SCMP_ACT_ALLOW;
    case SYSCALL_TRACE:
        return SCMP_ACT_TRACE(TRACE_CHECK);
    case SYSCALL_DENY:
        return watch ? SCMP_ACT_TRACE(TRACE_WATCH) : SCMP_ACT_ERRNO(EPERM);
    case SYSCALL_ERRNO:
        return SCMP_ACT_ERRNO((uint32_t)rule->error);
    }
    return SCMP_ACT_ERRNO(EPERM);
}

static int add_policy_rules(scmp_filter_ctx filter, const struct policy *policy, bool watch,
                            uint32_t default_action)
{
    for (size_t i = 0; i < policy->syscall_count; i++) {
        const struct syscall_rule *rule = &policy->syscalls[i];
        uint32_t action = rule_action(rule, watch);
        /* libseccomp rejects rules that repeat the default action, such as deny rules under
         * "default errno EPERM"; the default covers them. Negative numbers are calls that this
         * architecture lacks. */
        if (rule->number < 0 || action == default_action) {
            continue;
        }
        enum check_kind kind = check_kind_of_number(rule->number);
        int result;
        if (rule->number == SCMP_SYS(clone) && rule->action == SYSCALL_TRACE) {
            result = add_clone_rules(filter);
        } else if (kind == CHECK_CONNECT && rule->action == SYSCALL_TRACE) {
            result = add_destination_rules(filter, rule, policy);
        } else if (kind == CHECK_SOCKET && rule->action == SYSCALL_ALLOW &&
                   policy->socket_families_set) {
            result = add_socket_rules(filter, rule, policy, watch, default_action);
        } else {
            result = add_rule(filter, action, rule);
        }
        if (result != 0) {
            return result;
        }
    }
    return 0;
}

static int set_attribute(scmp_filter_ctx filter, enum scmp_filter_attr attribute, uint32_t value,
                         const char *name)
{
    int result = seccomp_attr_set(filter, attribute, value);
    if (result != 0) {
        errno = -result;
        log_errno("seccomp_attr_set(%s) failed", name);
    }
    return result;
}

scmp_filter_ctx filter_build(const struct policy *policy, bool watch)
{
    uint32_t default_action = policy->default_kill
                                  ? SCMP_ACT_KILL_PROCESS
                                  : SCMP_ACT_ERRNO((uint32_t)policy->default_error);
    if (watch) {
        default_action = SCMP_ACT_TRACE(TRACE_WATCH);
    }
    scmp_filter_ctx filter = seccomp_init(default_action);
    if (filter == NULL) {
        log_message("seccomp_init failed");
        return NULL;
    }
    /* System calls of another ABI, such as int 0x80 on x86-64, kill the process: the policy
     * names calls of the native ABI only. No new privileges is required to load a filter
     * without CAP_SYS_ADMIN, and it keeps set-user-ID programs from gaining privileges. */
    if (set_attribute(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "ACT_BADARCH") != 0 ||
        set_attribute(filter, SCMP_FLTATR_CTL_NNP, 1, "CTL_NNP") != 0 ||
        add_policy_rules(filter, policy, watch, default_action) != 0 ||
        add_personality_rules(filter) != 0) {
        seccomp_release(filter);
        return NULL;
    }
    /* A binary tree of system call numbers makes the filter's cost grow with the logarithm of
     * the number of rules. Older libseccomp versions lack the attribute, so failure is fine. */
    (void)seccomp_attr_set(filter, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    return filter;
}
