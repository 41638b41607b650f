/*
 * probe: a program that the tests run under the jail. Each command makes one kind of call and
 * prints its result on stdout as "ok" or the errno name, such as "EPERM", so that the test
 * script can compare it.
 *
 *   probe exit CODE              exit with CODE
 *   probe raise SIGNAL           kill itself with SIGNAL (a number)
 *   probe ptrace                 ptrace(PTRACE_TRACEME)
 *   probe keyctl                 keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING)
 *   probe open PATH r|w          open PATH for reading, or for writing with O_CREAT
 *   probe openat DIR PATH        open DIR, then openat(dirfd, PATH, O_RDONLY)
 *   probe exec PATH              execv(PATH, {PATH, "exit", "0"}): exits 0 if it ran
 *   probe kill PID SIGNAL        kill(PID, SIGNAL); PID "parent" is getppid()
 *   probe tkill-parent SIGNAL    tkill(getppid(), SIGNAL)
 *   probe kill-parent-group SIGNAL  kill(-getpgid(getppid()), SIGNAL)
 *   probe open-parent-mem        open /proc/PPID/mem for reading and writing
 *   probe personality VALUE      personality(VALUE), VALUE in hexadecimal
 *   probe undumpable             prctl(PR_SET_DUMPABLE, 0)
 *   probe wait-signal            print "ready", wait for SIGINT, exit 42 when it comes
 *   probe busy-main-signal N     start N idle threads, print "ready" and open files in the main
 *                                thread until SIGINT comes; exit 42 if the main thread handled
 *                                it, 43 if another thread did
 *   probe forkbomb SECONDS       fork as fast as possible for SECONDS, in every process,
 *                                then print "max-live N eagain N other N"
 *   probe threads N              start N threads that wait, then print "ok" and exit
 *   probe thread-own-proc        in a second thread, open /proc/TID/stat of that thread
 *   probe pidfd-signal-self      open /proc/self as a pidfd and send signal 0 through it
 *   probe clone-untraced THREAD  clone(SIGCHLD | CLONE_UNTRACED), with CLONE_THREAD and
 *                                CLONE_VM | CLONE_SIGHAND if THREAD is 1; the child exits at once
 *   probe open-loop N PATH       open and close PATH N times, print the microseconds per open
 *   probe socket FAMILY TYPE     socket(FAMILY, TYPE, 0), both numbers
 *   probe socketpair FAMILY      socketpair(FAMILY, SOCK_STREAM, 0)
 *   probe listen-connect HOST    listen on HOST (IPv4 or IPv6) on a free TCP port and connect to it
 *   probe connect HOST PORT      connect a TCP socket to HOST:PORT
 *   probe sendto HOST PORT       send a UDP datagram with sendto(..., HOST:PORT)
 *   probe sendto-unspec HOST PORT   the same with an AF_UNSPEC address that contains an IPv4 HOST
 *   probe send-connected HOST PORT  connect a UDP socket to HOST:PORT, then send() (a NULL address)
 *   probe sendmsg HOST PORT      send a UDP datagram with sendmsg and msg_name HOST:PORT
 *   probe sendmmsg HOST PORT     sendmmsg two datagrams: to 127.0.0.1:PORT, then to HOST:PORT
 *   probe join-parent-group-kill SIGNAL  setpgid(0, getpgid(getppid())), then kill(0, SIGNAL)
 *   probe daemon                 fork a child that calls setsid and forks a daemon that waits
 *                                forever; print the daemon's pid once it runs and exit 0
 *   probe spawn PROGRAM ARGS...  run PROGRAM without the jail around it and print "exit N" or
 *                                "signal N" for its end, so a test can tell them apart
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *wait_forever(void *argument);

static const char *errno_text(int error)
{
    switch (error) {
    case 0:
        return "ok";
    case EPERM:
        return "EPERM";
    case EACCES:
        return "EACCES";
    case ENOENT:
        return "ENOENT";
    case EAGAIN:
        return "EAGAIN";
    case ESRCH:
        return "ESRCH";
    case ENOSYS:
        return "ENOSYS";
    case ENOTDIR:
        return "ENOTDIR";
    case EINVAL:
        return "EINVAL";
    case EFAULT:
        return "EFAULT";
    case ECONNREFUSED:
        return "ECONNREFUSED";
    case ENETUNREACH:
        return "ENETUNREACH";
    case EHOSTUNREACH:
        return "EHOSTUNREACH";
    case EADDRNOTAVAIL:
        return "EADDRNOTAVAIL";
    case EAFNOSUPPORT:
        return "EAFNOSUPPORT";
    default:
        return strerror(error);
    }
}

static int report(int error)
{
    printf("%s\n", errno_text(error));
    return 0;
}

static int result_of(long result)
{
    return report(result < 0 ? errno : 0);
}

static int command_open(const char *path, const char *mode)
{
    int flags = strcmp(mode, "w") == 0 ? O_WRONLY | O_CREAT : O_RDONLY;
    int fd = open(path, flags | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
    }
    return result_of(fd);
}

static int command_openat(const char *directory, const char *path)
{
    int dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        return result_of(dirfd);
    }
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
    }
    int result = result_of(fd);
    close(dirfd);
    return result;
}

static int command_exec(const char *path)
{
    char *arguments[] = {(char *)path, "exit", "0", NULL};
    execv(path, arguments);
    return report(errno);
}

static int command_kill(const char *target, int signal)
{
    pid_t pid = strcmp(target, "parent") == 0 ? getppid() : (pid_t)atoi(target);
    return result_of(kill(pid, signal));
}

static int command_open_parent_mem(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)getppid());
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
    }
    return result_of(fd);
}

static void on_interrupt(int signal)
{
    (void)signal;
    _exit(42);
}

static void on_interrupt_report_thread(int signal)
{
    (void)signal;
    _exit(gettid() == getpid() ? 42 : 43);
}

static int command_busy_main_signal(int threads)
{
    signal(SIGINT, on_interrupt_report_thread);
    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        int error = pthread_create(&thread, NULL, wait_forever, NULL);
        if (error != 0) {
            return report(error);
        }
    }
    printf("ready\n");
    fflush(stdout);
    /* Each open stops in the jail, so the main thread is often stopped for the tracer. */
    for (;;) {
        int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);
        }
    }
}

static int command_wait_signal(void)
{
    signal(SIGINT, on_interrupt);
    printf("ready\n");
    fflush(stdout);
    while (pause() == -1) {
    }
    return 1;
}

struct bomb_counters {
    atomic_long live;
    atomic_long max_live;
    atomic_long eagain;
    atomic_long other;
};

static void note_started(struct bomb_counters *counters)
{
    long live = atomic_fetch_add(&counters->live, 1) + 1;
    long max = atomic_load(&counters->max_live);
    while (live > max && !atomic_compare_exchange_weak(&counters->max_live, &max, live)) {
    }
}

static double now_seconds(void)
{
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

/* Forks until the deadline; every child does the same. Returns in the original process only. */
static void bomb(struct bomb_counters *counters, double deadline, pid_t root)
{
    while (now_seconds() < deadline) {
        pid_t child = fork();
        if (child == 0) {
            note_started(counters);
            continue;
        }
        if (child < 0) {
            atomic_fetch_add(errno == EAGAIN ? &counters->eagain : &counters->other, 1);
            usleep(1000);
        }
    }
    if (getpid() != root) {
        atomic_fetch_sub(&counters->live, 1);
        _exit(0);
    }
}

static int command_forkbomb(double seconds)
{
    struct bomb_counters *counters =
        mmap(NULL, sizeof(*counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counters == MAP_FAILED) {
        return report(errno);
    }
    note_started(counters);
    bomb(counters, now_seconds() + seconds, getpid());
    /* Children that finished are zombies of their parents; the jail kills the rest when this
     * process exits. */
    printf("max-live %ld eagain %ld other %ld\n", atomic_load(&counters->max_live),
           atomic_load(&counters->eagain), atomic_load(&counters->other));
    return 0;
}

static int command_open_loop(long count, const char *path)
{
    double start = now_seconds();
    for (long i = 0; i < count; i++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return report(errno);
        }
        close(fd);
    }
    printf("%.1f\n", (now_seconds() - start) * 1e6 / (double)count);
    return 0;
}

static void *wait_forever(void *argument)
{
    (void)argument;
    for (;;) {
        pause();
    }
    return NULL;
}

static int command_threads(int count)
{
    for (int i = 0; i < count; i++) {
        pthread_t thread;
        int error = pthread_create(&thread, NULL, wait_forever, NULL);
        if (error != 0) {
            return report(error);
        }
    }
    return report(0);
}

static void *open_own_thread_directory(void *result)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)gettid());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *(int *)result = fd < 0 ? errno : 0;
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

static int command_clone_untraced(bool thread)
{
    unsigned long flags = CLONE_UNTRACED;
    if (thread) {
        flags |= CLONE_THREAD | CLONE_VM | CLONE_SIGHAND;
    } else {
        flags |= SIGCHLD;
    }
    /* A raw clone with a NULL stack: a child process returns here on its copy of the stack. A
     * thread shares the caller's memory, so it must exit at once without touching the stack. */
    long child = syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
    if (child == 0) {
        syscall(SYS_exit, 0);
    }
    if (child > 0 && !thread) {
        waitpid((pid_t)child, NULL, 0);
    }
    return result_of(child);
}

static int command_thread_own_proc(void)
{
    pthread_t thread;
    int result = 0;
    int error = pthread_create(&thread, NULL, open_own_thread_directory, &result);
    if (error != 0) {
        return report(error);
    }
    pthread_join(thread, NULL);
    return report(result);
}

/* Fills address with HOST (IPv4 or IPv6 text) and PORT. Returns its length, or 0 if invalid. */
static socklen_t parse_address(const char *host, int port, struct sockaddr_storage *address)
{
    memset(address, 0, sizeof(*address));
    struct sockaddr_in *ipv4 = (struct sockaddr_in *)address;
    struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)address;
    if (inet_pton(AF_INET, host, &ipv4->sin_addr) == 1) {
        ipv4->sin_family = AF_INET;
        ipv4->sin_port = htons((unsigned short)port);
        return sizeof(*ipv4);
    }
    if (inet_pton(AF_INET6, host, &ipv6->sin6_addr) == 1) {
        ipv6->sin6_family = AF_INET6;
        ipv6->sin6_port = htons((unsigned short)port);
        return sizeof(*ipv6);
    }
    fprintf(stderr, "probe: invalid address '%s'\n", host);
    return 0;
}

static int command_connect(const char *host, int port)
{
    struct sockaddr_storage address;
    socklen_t length = parse_address(host, port, &address);
    if (length == 0) {
        return 2;
    }
    int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return report(errno);
    }
    int result = connect(fd, (struct sockaddr *)&address, length);
    int error = result < 0 ? errno : 0;
    close(fd);
    return report(error);
}

static int command_listen_connect(const char *host)
{
    struct sockaddr_storage address;
    socklen_t length = parse_address(host, 0, &address);
    if (length == 0) {
        return 2;
    }
    int listener = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, length) != 0 ||
        listen(listener, 1) != 0 ||
        getsockname(listener, (struct sockaddr *)&address, &length) != 0) {
        return report(errno);
    }
    int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return report(errno);
    }
    int result = connect(fd, (struct sockaddr *)&address, length);
    int error = result < 0 ? errno : 0;
    close(fd);
    close(listener);
    return report(error);
}

static int udp_socket(int family)
{
    return socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static int command_sendto(const char *host, int port, bool unspecified)
{
    struct sockaddr_storage address;
    socklen_t length = parse_address(host, port, &address);
    if (length == 0) {
        return 2;
    }
    int fd = udp_socket(address.ss_family);
    if (fd < 0) {
        return report(errno);
    }
    if (unspecified) {
        address.ss_family = AF_UNSPEC; /* udp_sendmsg takes it as AF_INET */
    }
    ssize_t sent = sendto(fd, "x", 1, 0, (struct sockaddr *)&address, length);
    int error = sent < 0 ? errno : 0;
    close(fd);
    return report(error);
}

static int command_send_connected(const char *host, int port)
{
    struct sockaddr_storage address;
    socklen_t length = parse_address(host, port, &address);
    if (length == 0) {
        return 2;
    }
    int fd = udp_socket(address.ss_family);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, length) != 0) {
        return report(errno);
    }
    ssize_t sent = send(fd, "x", 1, 0);
    int error = sent < 0 ? errno : 0;
    close(fd);
    return report(error);
}

static int command_sendmsg(const char *host, int port)
{
    struct sockaddr_storage address;
    socklen_t length = parse_address(host, port, &address);
    if (length == 0) {
        return 2;
    }
    int fd = udp_socket(address.ss_family);
    if (fd < 0) {
        return report(errno);
    }
    struct iovec data = {.iov_base = "x", .iov_len = 1};
    struct msghdr message = {
        .msg_name = &address, .msg_namelen = length, .msg_iov = &data, .msg_iovlen = 1};
    ssize_t sent = sendmsg(fd, &message, 0);
    int error = sent < 0 ? errno : 0;
    close(fd);
    return report(error);
}

static int command_sendmmsg(const char *host, int port)
{
    struct sockaddr_storage addresses[2];
    socklen_t lengths[2] = {parse_address("127.0.0.1", port, &addresses[0]),
                            parse_address(host, port, &addresses[1])};
    if (lengths[1] == 0 || addresses[1].ss_family != AF_INET) {
        fprintf(stderr, "probe: sendmmsg takes an IPv4 address\n");
        return 2;
    }
    int fd = udp_socket(AF_INET);
    if (fd < 0) {
        return report(errno);
    }
    struct iovec data = {.iov_base = "x", .iov_len = 1};
    struct mmsghdr messages[2];
    memset(messages, 0, sizeof(messages));
    for (int i = 0; i < 2; i++) {
        messages[i].msg_hdr.msg_name = &addresses[i];
        messages[i].msg_hdr.msg_namelen = lengths[i];
        messages[i].msg_hdr.msg_iov = &data;
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd, messages, 2, 0);
    int error = sent < 0 ? errno : 0;
    close(fd);
    if (error == 0 && sent != 2) {
        printf("sent %d of 2\n", sent);
        return 0;
    }
    return report(error);
}

static int command_join_parent_group_kill(int signal)
{
    if (setpgid(0, getpgid(getppid())) != 0) {
        return report(errno);
    }
    return result_of(kill(0, signal));
}

/* The daemon's pid travels through a pipe, so that the caller prints it only once the daemon
 * runs. */
static int command_daemon(void)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        return report(errno);
    }
    pid_t child = fork();
    if (child < 0) {
        return report(errno);
    }
    if (child == 0) {
        setsid();
        pid_t daemon = fork();
        if (daemon == 0) {
            pid_t self = getpid();
            if (write(pipe_fds[1], &self, sizeof(self)) != sizeof(self)) {
                _exit(1);
            }
            for (;;) {
                pause();
            }
        }
        _exit(daemon < 0 ? 1 : 0);
    }
    close(pipe_fds[1]);
    waitpid(child, NULL, 0);
    pid_t daemon;
    if (read(pipe_fds[0], &daemon, sizeof(daemon)) != sizeof(daemon)) {
        printf("no daemon\n");
        return 1;
    }
    printf("%d\n", (int)daemon);
    return 0;
}

static int command_spawn(char **command)
{
    pid_t child = fork();
    if (child < 0) {
        return report(errno);
    }
    if (child == 0) {
        execv(command[0], command);
        _exit(127);
    }
    int status;
    if (waitpid(child, &status, 0) < 0) {
        return report(errno);
    }
    fflush(stdout);
    if (WIFSIGNALED(status)) {
        printf("signal %d\n", WTERMSIG(status));
    } else {
        printf("exit %d\n", WEXITSTATUS(status));
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : "";
    if (strcmp(command, "exit") == 0 && argc == 3) {
        return atoi(argv[2]);
    }
    if (strcmp(command, "raise") == 0 && argc == 3) {
        signal(atoi(argv[2]), SIG_DFL);
        return raise(atoi(argv[2])) == 0 ? 0 : 1;
    }
    if (strcmp(command, "ptrace") == 0) {
        return result_of(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
    }
    if (strcmp(command, "keyctl") == 0) {
        return result_of(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
    }
    if (strcmp(command, "open") == 0 && argc == 4) {
        return command_open(argv[2], argv[3]);
    }
    if (strcmp(command, "openat") == 0 && argc == 4) {
        return command_openat(argv[2], argv[3]);
    }
    if (strcmp(command, "exec") == 0 && argc == 3) {
        return command_exec(argv[2]);
    }
    if (strcmp(command, "kill") == 0 && argc == 4) {
        return command_kill(argv[2], atoi(argv[3]));
    }
    if (strcmp(command, "tkill-parent") == 0 && argc == 3) {
        return result_of(syscall(SYS_tkill, getppid(), atoi(argv[2])));
    }
    if (strcmp(command, "kill-parent-group") == 0 && argc == 3) {
        return result_of(kill(-getpgid(getppid()), atoi(argv[2])));
    }
    if (strcmp(command, "open-parent-mem") == 0) {
        return command_open_parent_mem();
    }
    if (strcmp(command, "personality") == 0 && argc == 3) {
        return result_of(personality(strtoul(argv[2], NULL, 16)));
    }
    if (strcmp(command, "busy-main-signal") == 0 && argc == 3) {
        return command_busy_main_signal(atoi(argv[2]));
    }
    if (strcmp(command, "undumpable") == 0) {
        return result_of(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    }
    if (strcmp(command, "wait-signal") == 0) {
        return command_wait_signal();
    }
    if (strcmp(command, "forkbomb") == 0 && argc == 3) {
        return command_forkbomb(atof(argv[2]));
    }
    if (strcmp(command, "open-loop") == 0 && argc == 4) {
        return command_open_loop(atol(argv[2]), argv[3]);
    }
    if (strcmp(command, "threads") == 0 && argc == 3) {
        return command_threads(atoi(argv[2]));
    }
    if (strcmp(command, "clone-untraced") == 0 && argc == 3) {
        return command_clone_untraced(atoi(argv[2]) == 1);
    }
    if (strcmp(command, "pidfd-signal-self") == 0 && argc == 2) {
        int fd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            return report(errno);
        }
        return result_of(syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0));
    }
    if (strcmp(command, "thread-own-proc") == 0 && argc == 2) {
        return command_thread_own_proc();
    }
    if (strcmp(command, "socket") == 0 && argc == 4) {
        int fd = socket(atoi(argv[2]), atoi(argv[3]) | SOCK_CLOEXEC, 0);
        return result_of(fd);
    }
    if (strcmp(command, "socketpair") == 0 && argc == 3) {
        int fds[2];
        return result_of(socketpair(atoi(argv[2]), SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
    }
    if (strcmp(command, "listen-connect") == 0 && argc == 3) {
        return command_listen_connect(argv[2]);
    }
    if (strcmp(command, "connect") == 0 && argc == 4) {
        return command_connect(argv[2], atoi(argv[3]));
    }
    if (strcmp(command, "sendto") == 0 && argc == 4) {
        return command_sendto(argv[2], atoi(argv[3]), false);
    }
    if (strcmp(command, "sendto-unspec") == 0 && argc == 4) {
        return command_sendto(argv[2], atoi(argv[3]), true);
    }
    if (strcmp(command, "send-connected") == 0 && argc == 4) {
        return command_send_connected(argv[2], atoi(argv[3]));
    }
    if (strcmp(command, "sendmsg") == 0 && argc == 4) {
        return command_sendmsg(argv[2], atoi(argv[3]));
    }
    if (strcmp(command, "sendmmsg") == 0 && argc == 4) {
        return command_sendmmsg(argv[2], atoi(argv[3]));
    }
    if (strcmp(command, "join-parent-group-kill") == 0 && argc == 3) {
        return command_join_parent_group_kill(atoi(argv[2]));
    }
    if (strcmp(command, "daemon") == 0) {
        return command_daemon();
    }
    if (strcmp(command, "spawn") == 0 && argc >= 3) {
        return command_spawn(argv + 2);
    }
    fprintf(stderr, "probe: unknown command; see the comment at the top of tests/probe.c\n");
    return 2;
}
