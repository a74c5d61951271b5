/* SPDX-License-Identifier: GPL-2.0-or-later */
/* serial.h -- a model of a recorded USB serial adapter (FTDI, CDC-ACM): what came back on the bulk
 * IN endpoint after each bulk OUT write, and how long after, so that a live session gets each
 * recorded response after the live write it answers, whatever the live reads look like. */
#ifndef REPLAY_SERIAL_H
#define REPLAY_SERIAL_H

#include <stdint.h>
#include <stdbool.h>
#include "recording.h"
#include "timing.h"
#include "uip/wire.h"

struct replay_serial;         /* built once from the recording, read-only afterwards */
struct replay_serial_session; /* one per imported connection */

/* NULL when the recording is not of a serial adapter with bulk traffic (or on no memory). */
struct replay_serial *replay_serial_new(const struct replay_recording *r);
void replay_serial_free(struct replay_serial *s); /* NULL is a no-op */
/* True when (ep, direction) is the adapter's bulk IN or bulk OUT endpoint. */
bool replay_serial_owns(const struct replay_serial *s, uint32_t ep, uint32_t direction);
/* Recorded writes and responses, for the log. */
void replay_serial_counts(const struct replay_serial *s, size_t *writes, size_t *responses);

/* now: when the session began (CLOCK_MONOTONIC ns): responses recorded before the first write
 * come that long after it. */
struct replay_serial_session *replay_serial_session_new(const struct replay_serial *s,
                                                        const struct replay_timing *timing, uint64_t now);
void replay_serial_session_free(struct replay_serial_session *ss); /* NULL is a no-op */

/*
 * A live write (CMD_SUBMIT on the OUT endpoint) at now: *answer gets its RET_SUBMIT (status 0,
 * the live length, the recorded write's latency under the timing). The responses recorded after
 * the matching recorded write was sent (the k-th live write matches the k-th recorded one) become
 * due at now plus their recorded delay after it under the timing. A write whose data differs
 * from the recorded one, or past the recorded writes, is logged as a divergence. false: the write
 * is past the recorded ones (taken; nothing comes back).
 */
bool replay_serial_write(struct replay_serial_session *ss, uint32_t conn_id, const struct uip_header *cmd,
                         const uint8_t *out, uint32_t out_len, uint64_t now, struct replay_urb *answer);
/* When the next response is due (UINT64_MAX: none left). */
uint64_t replay_serial_next_due(const struct replay_serial_session *ss);
/* The next response, due by now, for a live read asking for max_len bytes: *answer gets a copy
 * whose data the caller frees (a response longer than the read is cut to it and the rest dropped,
 * with a log line; a read of no bytes gets none). false when none is due. */
bool replay_serial_take(struct replay_serial_session *ss, uint64_t now, int32_t max_len, struct replay_urb *answer);

#endif
