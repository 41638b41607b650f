#define _GNU_SOURCE
#include "network.h"

#include "paths.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Messages of one sendmmsg call that the kernel sends at most (UIO_MAXIOV), and how many of them
 * the jail reads at a time. */
#define SENDMMSG_MAX 1024
#define SENDMMSG_CHUNK 64

/* Smallest address length that IPv6 connect and send calls accept, without the scope id
 * (SIN6_LEN_RFC2133 in Linux). */
#define SOCKADDR_IN6_MIN_LENGTH 24

static void deny(struct network_decision *decision, int error, bool quiet)
{
    decision->error = error;
    decision->quiet = quiet;
}

/* 127.0.0.0/8, and 0.0.0.0, which Linux connects to the local host (ip_route_output_key_hash_rcu
 * in net/ipv4/route.c replaces a zero destination with the source or 127.0.0.1). */
static bool is_loopback_ipv4(const struct in_addr *address)
{
    uint32_t host = ntohl(address->s_addr);
    return (host >> 24) == 127 || host == INADDR_ANY;
}

/* ::1, ::ffff:127.0.0.0/104, and :: and ::ffff:0.0.0.0, which Linux connects to the local host
 * as it does 0.0.0.0 (tcp_v6_connect and ip6_datagram_connect replace :: with ::1). */
static bool is_loopback_ipv6(const struct in6_addr *address)
{
    if (IN6_IS_ADDR_LOOPBACK(address) || IN6_IS_ADDR_UNSPECIFIED(address)) {
        return true;
    }
    if (IN6_IS_ADDR_V4MAPPED(address)) {
        struct in_addr mapped;
        memcpy(&mapped, &address->s6_addr[12], sizeof(mapped));
        return is_loopback_ipv4(&mapped);
    }
    return false;
}

static bool is_denied_port(const struct policy *policy, unsigned short port)
{
    for (size_t i = 0; i < policy->deny_port_count; i++) {
        if (policy->deny_ports[i] == port) {
            return true;
        }
    }
    return false;
}

/* Decides on one inet destination, given as text for the message. */
static void check_inet(const struct policy *policy, const char *call, bool loopback,
                       const char *host, unsigned short port, struct network_decision *decision)
{
    if (!loopback && !policy->network_any) {
        snprintf(decision->what, sizeof(decision->what),
                 "%s to %s:%u (not a loopback address)", call, host, (unsigned int)port);
        deny(decision, EPERM, false);
    } else if (is_denied_port(policy, port)) {
        snprintf(decision->what, sizeof(decision->what), "%s to %s:%u (a denied port)", call, host,
                 (unsigned int)port);
        deny(decision, EPERM, false);
    }
}

/*
 * Checks one socket address. Send calls take AF_UNSPEC as AF_INET on IPv4 datagram sockets
 * (udp_sendmsg in Linux accepts it for compatibility), so for them it is checked as IPv4; for
 * connect it disconnects a datagram socket. Lengths that the kernel rejects with EINVAL are
 * denied quietly with EINVAL, because an address shorter than its family's cannot be read.
 */
static void check_address(const struct policy *policy, const char *call, bool sends,
                          const unsigned char *bytes, size_t length,
                          struct network_decision *decision)
{
    sa_family_t family;
    if (length < sizeof(family)) {
        return; /* no family: the kernel rejects it or uses the connected address */
    }
    memcpy(&family, bytes, sizeof(family));
    char host[INET6_ADDRSTRLEN + 2];
    if (family == AF_INET || (family == AF_UNSPEC && sends)) {
        if (length < sizeof(struct sockaddr_in)) {
            if (family == AF_INET) {
                deny(decision, EINVAL, true);
            }
            return;
        }
        struct sockaddr_in address;
        memcpy(&address, bytes, sizeof(address));
        inet_ntop(AF_INET, &address.sin_addr, host, sizeof(host));
        check_inet(policy, call, is_loopback_ipv4(&address.sin_addr), host,
                   ntohs(address.sin_port), decision);
    } else if (family == AF_INET6) {
        if (length < SOCKADDR_IN6_MIN_LENGTH) {
            deny(decision, EINVAL, true);
            return;
        }
        struct sockaddr_in6 address;
        memset(&address, 0, sizeof(address));
        memcpy(&address, bytes, SOCKADDR_IN6_MIN_LENGTH);
        host[0] = '[';
        inet_ntop(AF_INET6, &address.sin6_addr, host + 1, sizeof(host) - 2);
        strcat(host, "]");
        check_inet(policy, call, is_loopback_ipv6(&address.sin6_addr), host,
                   ntohs(address.sin6_port), decision);
    }
}

/* Denies a call whose address or message header cannot be read. A bad pointer fails with EFAULT,
 * as in the kernel. Other errors, such as those for a tracee that is not dumpable (an
 * execute-only program), fail with EPERM, because the destination stays unchecked. */
static void deny_unreadable(struct network_decision *decision, const char *call, int error)
{
    if (error == EFAULT) {
        deny(decision, EFAULT, true);
        return;
    }
    snprintf(decision->what, sizeof(decision->what),
             "%s, whose destination the jail cannot read (%s)", call, strerror(error));
    deny(decision, EPERM, false);
}

/*
 * Reads the socket address at address with length bytes from the tracee and checks it. The
 * kernel rejects negative lengths, and copies at most sizeof(struct sockaddr_storage) bytes
 * (sendmsg cuts a longer msg_namelen, connect and sendto reject it).
 */
static void read_and_check(const struct policy *policy, pid_t tid, const char *call, bool sends,
                           unsigned long address, long length, struct network_decision *decision)
{
    if (address == 0 || length <= 0) {
        return;
    }
    struct sockaddr_storage storage;
    size_t size = (size_t)length < sizeof(storage) ? (size_t)length : sizeof(storage);
    int result = tracee_read_memory(tid, address, &storage, size);
    if (result != 0) {
        deny_unreadable(decision, call, -result);
        return;
    }
    check_address(policy, call, sends, (const unsigned char *)&storage, size, decision);
}

static void check_message(const struct policy *policy, pid_t tid, const char *call,
                          const struct msghdr *message, struct network_decision *decision)
{
    /* msg_namelen is a socklen_t, which the kernel reads as an int. */
    read_and_check(policy, tid, call, true, (unsigned long)message->msg_name,
                   (long)(int)message->msg_namelen, decision);
}

static void check_sendmsg(const struct policy *policy, pid_t tid, unsigned long address,
                          struct network_decision *decision)
{
    struct msghdr message;
    int result = tracee_read_memory(tid, address, &message, sizeof(message));
    if (result != 0) {
        deny_unreadable(decision, "sendmsg", -result);
        return;
    }
    check_message(policy, tid, "sendmsg", &message, decision);
}

static void check_sendmmsg(const struct policy *policy, pid_t tid, unsigned long address,
                           unsigned long count, struct network_decision *decision)
{
    /* The kernel reads vlen as an unsigned int and sends at most UIO_MAXIOV messages. */
    count = (unsigned int)count;
    if (count > SENDMMSG_MAX) {
        count = SENDMMSG_MAX;
    }
    struct mmsghdr messages[SENDMMSG_CHUNK];
    for (unsigned long first = 0; first < count && decision->error == 0; first += SENDMMSG_CHUNK) {
        unsigned long chunk = count - first < SENDMMSG_CHUNK ? count - first : SENDMMSG_CHUNK;
        int result = tracee_read_memory(tid, address + first * sizeof(messages[0]), messages,
                                        chunk * sizeof(messages[0]));
        if (result != 0) {
            deny_unreadable(decision, "sendmmsg", -result);
            return;
        }
        for (unsigned long i = 0; i < chunk && decision->error == 0; i++) {
            check_message(policy, tid, "sendmmsg", &messages[i].msg_hdr, decision);
        }
    }
}

void network_check(const struct policy *policy, pid_t tid, const struct syscall_stop *stop,
                   struct network_decision *decision)
{
    decision->error = 0;
    decision->quiet = false;
    decision->what[0] = '\0';
    if (!policy_checks_destinations(policy)) {
        return;
    }
    /* The address lengths are socklen_t or int arguments, of which the kernel reads the low 32
     * bits as an int. */
    if (stop->number == SCMP_SYS(connect)) {
        read_and_check(policy, tid, "connect", false, stop->args[1], (long)(int)stop->args[2],
                       decision);
    } else if (stop->number == SCMP_SYS(sendto)) {
        read_and_check(policy, tid, "sendto", true, stop->args[4], (long)(int)stop->args[5],
                       decision);
    } else if (stop->number == SCMP_SYS(sendmsg)) {
        check_sendmsg(policy, tid, stop->args[1], decision);
    } else if (stop->number == SCMP_SYS(sendmmsg)) {
        check_sendmmsg(policy, tid, stop->args[1], stop->args[2], decision);
    }
}

bool network_socket_allowed(const struct policy *policy, const struct syscall_stop *stop,
                            char *what, size_t size)
{
    int family = (int)stop->args[0];
    if (policy_socket_family_allowed(policy, family)) {
        return true;
    }
    const char *name = socket_family_name(family);
    snprintf(what, size, "%s of family %d (%s)",
             stop->number == SCMP_SYS(socketpair) ? "socketpair" : "socket", family,
             name == NULL ? "unknown" : name);
    return false;
}
