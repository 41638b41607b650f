#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned long denial_messages;
static unsigned long denial_messages_max = 50;

static void write_line(const char *format, va_list arguments, int error)
{
    char line[1024];
    size_t length = (size_t)snprintf(line, sizeof(line), "jail: ");
    int written = vsnprintf(line + length, sizeof(line) - length, format, arguments);
    if (written > 0) {
        length += (size_t)written;
    }
    if (length > sizeof(line) - 1) {
        length = sizeof(line) - 1;
    }
    if (error != 0) {
        written = snprintf(line + length, sizeof(line) - length, ": %s", strerror(error));
        if (written > 0) {
            length += (size_t)written;
        }
        if (length > sizeof(line) - 1) {
            length = sizeof(line) - 1;
        }
    }
    line[length++] = '\n';
    /* Nothing useful can be done if stderr is closed or full; the message is lost. */
    ssize_t ignored = write(STDERR_FILENO, line, length);
    (void)ignored;
}

void log_message(const char *format, ...)
{
    int saved_errno = errno;
    va_list arguments;
    va_start(arguments, format);
    write_line(format, arguments, 0);
    va_end(arguments);
    errno = saved_errno;
}

void log_errno(const char *format, ...)
{
    int saved_errno = errno;
    va_list arguments;
    va_start(arguments, format);
    write_line(format, arguments, saved_errno);
    va_end(arguments);
    errno = saved_errno;
}

bool log_denial_budget(void)
{
    denial_messages++;
    if (denial_messages <= denial_messages_max) {
        return true;
    }
    if (denial_messages == denial_messages_max + 1) {
        log_message("%lu denials were logged; further denials are not logged", denial_messages_max);
    }
    return false;
}

void log_set_denial_budget(unsigned long messages)
{
    denial_messages_max = messages;
}
