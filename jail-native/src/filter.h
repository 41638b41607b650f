/* The seccomp-bpf filter that a policy turns into, built with libseccomp. */
#ifndef JAIL_FILTER_H
#define JAIL_FILTER_H

#include "policy.h"

#include <seccomp.h>
#include <stdbool.h>

/* SECCOMP_RET_DATA of the filter's trace actions, which PTRACE_GETEVENTMSG returns. The tracer
 * decides by the system call number, not by this value, because a filter that the program
 * installs itself can return other values. */
#define TRACE_CHECK 1
#define TRACE_WATCH 2

/*
 * Builds the filter of a policy. In watch mode every denial becomes a trace action, so that the
 * tracer can log the call and let it run, while errno rules keep failing their calls, because
 * libraries rely on them to choose a fallback. Returns NULL after logging on failure.
 */
scmp_filter_ctx filter_build(const struct policy *policy, bool watch);

#endif
