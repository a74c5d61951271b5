/* log.c -- usbip-replay's one-line messages on stderr, and the divergence log with its cap. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static int log_verbose;
static uint64_t divergences;

static void log_line(const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "usbip-replay: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
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
