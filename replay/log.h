/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h -- usbip-replay's one-line messages on stderr, and the divergence log with its cap. */
#ifndef REPLAY_LOG_H
#define REPLAY_LOG_H

#include <stdint.h>
#include <stdio.h>

/* "usbip-replay: " + the message + newline, on stderr. */
void replay_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with --verbose. */
void replay_log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void replay_log_set_verbose(int on);
/* Where the lines go instead of stderr (the fuzz target discards them); NULL: stderr. */
void replay_log_set_stream(FILE *f);

/* A divergence from the recording: counted always, logged as "divergence: ..." up to a cap
 * of REPLAY_DIVERGENCE_LOG_CAP lines (then one line saying the rest are only counted). */
#define REPLAY_DIVERGENCE_LOG_CAP 200
void replay_divergence(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The divergences counted by the calling thread. */
uint64_t replay_divergence_count(void);

#endif
