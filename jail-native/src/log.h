/* Messages of the jail on stderr, each on one line that starts with "jail: ". */
#ifndef JAIL_LOG_H
#define JAIL_LOG_H

#include <stdbool.h>

/* Writes "jail: MESSAGE\n" to stderr in one write(2), so that lines of processes do not mix. */
void log_message(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Like log_message, with ": " and the text of the current errno appended. */
void log_errno(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Returns true while the budget of denial messages lasts. The first call past the budget writes
 * one line stating that further denials are not logged, so that a program that loops on a
 * denied call cannot flood its own stderr or the container log.
 */
bool log_denial_budget(void);

/* Sets the number of denial messages that log_denial_budget allows (50 unless set). */
void log_set_denial_budget(unsigned long messages);

#endif
