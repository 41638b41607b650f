/*
 * libbaihook.so: an LD_PRELOAD library that makes programs see the CPU cores of the session
 * instead of the cores of the host.
 *
 * A container limited to 2 CPUs by a CFS quota still shows every core of the host in
 * /sys/devices/system/cpu, so thread pools sized by sysconf(_SC_NPROCESSORS_ONLN) oversubscribe
 * the quota. When BACKENDAI_CORE_COUNT is an integer >= 1, this library returns it from
 * sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF), get_nprocs() and
 * get_nprocs_conf(). Otherwise, and for every other sysconf name, it calls glibc's functions.
 *
 * Python 3.11's os.cpu_count() and multiprocessing.cpu_count() call sysconf(_SC_NPROCESSORS_ONLN)
 * on Linux, so they see the session's cores. sched_getaffinity(2) is left alone: it returns the
 * set of CPUs a thread may run on, which callers pass back to sched_setaffinity, and a made-up
 * set would pin them to the wrong cores. So os.sched_getaffinity(), nproc and OpenMP still see
 * the host's cores. Statically linked programs, such as most Go binaries, and glibc's internal
 * calls do not go through this library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define CORE_COUNT_VARIABLE "BACKENDAI_CORE_COUNT"

/* Upper bound for the variable, far above any machine, so that a typo is not taken. */
#define CORE_COUNT_MAX 65536

/* Returns the core count from the environment, or 0 if it is unset or not an integer >= 1. */
static long session_core_count(void)
{
    const char *text = getenv(CORE_COUNT_VARIABLE);
    if (text == NULL || *text == '\0') {
        return 0;
    }
    int saved_errno = errno;
    char *end;
    errno = 0;
    long count = strtol(text, &end, 10);
    int parse_errno = errno;
    errno = saved_errno;
    if (parse_errno != 0 || *end != '\0' || count < 1 || count > CORE_COUNT_MAX) {
        return 0;
    }
    return count;
}

static void *real_sysconf_address;
static void *real_get_nprocs_address;
static void *real_get_nprocs_conf_address;

/* Returns the next definition of a function, which is glibc's, looked up once. Threads that
 * race on the first call look it up twice and store the same address. */
static void *next_function(void **cache, const char *name)
{
    void *function = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (function == NULL) {
        function = dlsym(RTLD_NEXT, name);
        __atomic_store_n(cache, function, __ATOMIC_RELEASE);
    }
    return function;
}

long sysconf(int name)
{
    if (name == _SC_NPROCESSORS_ONLN || name == _SC_NPROCESSORS_CONF) {
        long count = session_core_count();
        if (count > 0) {
            return count;
        }
    }
    long (*real_sysconf)(int) = (long (*)(int))next_function(&real_sysconf_address, "sysconf");
    if (real_sysconf == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return real_sysconf(name);
}

static int count_or_next(void **cache, const char *name)
{
    long count = session_core_count();
    if (count > 0) {
        return (int)count;
    }
    int (*real_function)(void) = (int (*)(void))next_function(cache, name);
    return real_function == NULL ? 1 : real_function();
}

int get_nprocs(void)
{
    return count_or_next(&real_get_nprocs_address, "get_nprocs");
}

int get_nprocs_conf(void)
{
    return count_or_next(&real_get_nprocs_conf_address, "get_nprocs_conf");
}
