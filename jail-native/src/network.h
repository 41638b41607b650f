/* Checks of the destinations of connect and send calls: loopback only, and denied ports. */
#ifndef JAIL_NETWORK_H
#define JAIL_NETWORK_H

#include "policy.h"
#include "regs.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Outcome of a destination check: error 0 lets the call run; otherwise it fails with -error. */
struct network_decision {
    int error;
    bool quiet;     /* the kernel would fail the call the same way, so there is nothing to report */
    char what[160]; /* the denied call and destination, such as "connect to 192.0.2.1:80" */
};

/*
 * Checks every destination address of a connect, sendto, sendmsg or sendmmsg call that a tracee
 * stopped in. Inet destinations must be loopback addresses unless the policy sets 'network any',
 * and their port must not be a denied one. Other families, such as AF_UNIX, pass.
 */
void network_check(const struct policy *policy, pid_t tid, const struct syscall_stop *stop,
                   struct network_decision *decision);

/* Returns true if socket or socketpair may run with the arguments of the stop. Writes the
 * denied call to what otherwise, such as "socket of family 17 (packet)". */
bool network_socket_allowed(const struct policy *policy, const struct syscall_stop *stop,
                            char *what, size_t size);

#endif
