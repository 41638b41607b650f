/* The tasks (threads and processes) that the jail traces, by thread id. */
#ifndef JAIL_TRACEES_H
#define JAIL_TRACEES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tracee {
    pid_t tid;              /* 0 marks a free slot */
    pid_t tgid;             /* process id; equal to tid for the thread that leads the process */
    bool fork_reserved;     /* allowed to create a process that has not shown up yet */
    bool unreadable_logged; /* the message that the task's memory is unreadable was logged */
};

struct tracee_table {
    struct tracee *slots;
    size_t capacity; /* a power of two */
    size_t count;
};

int tracees_init(struct tracee_table *table);

struct tracee *tracees_find(struct tracee_table *table, pid_t tid);

/* Adds a task, or returns the existing entry. Returns NULL if memory runs out. */
struct tracee *tracees_add(struct tracee_table *table, pid_t tid, pid_t tgid);

void tracees_remove(struct tracee_table *table, pid_t tid);

#endif
