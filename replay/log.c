/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c -- usbip-replay's one-line messages on stderr, and the divergence log with its cap. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static int log_verbose;
static FILE *log_stream; /* NULL: stderr */
/* Per thread: pair runs serve and drive in two threads, each with its own count. */
static _Thread_local uint64_t divergences;

/* One write per line, so that lines of two threads do not mix. */
static void log_line(const char *prefix, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void log_line(const char *prefix, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "usbip-replay: %s", prefix);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    fprintf(log_stream ? log_stream : stderr, "%s\n", line);
}

void replay_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("", fmt, ap);
    va_end(ap);
}

void replay_log_verbose(const char *fmt, ...)
{
    if (!log_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line("", fmt, ap);
    va_end(ap);
}

void replay_log_set_stream(FILE *f)
{
    log_stream = f;
}

void replay_log_set_verbose(int on)
{
    log_verbose = on;
}

void replay_divergence(const char *fmt, ...)
{
    divergences++;
    if (divergences > REPLAY_DIVERGENCE_LOG_CAP + 1)
        return;
    if (divergences == REPLAY_DIVERGENCE_LOG_CAP + 1) {
        replay_log("divergence: more than %d divergences; the rest are only counted",
                   REPLAY_DIVERGENCE_LOG_CAP);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    log_line("divergence: ", fmt, ap);
    va_end(ap);
}

uint64_t replay_divergence_count(void)
{
    return divergences;
}
