/* Passing signals that the jail receives on to the program's process group. */
#ifndef JAIL_FORWARD_H
#define JAIL_FORWARD_H

#include <sys/types.h>

/*
 * Signal handler that passes the signal on to every process of the program's group. A process
 * whose main thread does not block the signal gets it on that thread (tgkill); others get it as
 * a process signal (kill). The kernel gives a process signal to a thread that does not block it,
 * and skips threads that are stopped for the tracer at that moment. So it may pick a thread that
 * runs its handler only after the jail resumed it. Python handles signals in its main thread, so a
 * SIGINT that landed on another thread could be handled after the interrupted code had already
 * finished. Directing it at the main thread, as Linux does for untraced processes whenever that
 * thread can take it, keeps the interrupt on time.
 *
 * NOTE: the group's members are found by scanning /proc, so a process forked during the scan
 * may miss the signal; kill(-group), which the kernel does atomically, is the fallback only if
 * /proc cannot be read.
 */
void forward_signal_handler(int signal);

/* Records the program's process group, and passes on a signal that arrived before it existed. */
void forward_set_group(pid_t group);

#endif
