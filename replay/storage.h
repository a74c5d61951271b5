/* SPDX-License-Identifier: GPL-2.0-or-later */
/* storage.h -- a model of a recorded USB mass-storage (bulk-only transport) device: the blocks
 * the recording read and the answers to its other SCSI commands, for when the live kernel's
 * I/O pattern (request sizes, readahead) departs from the recorded one. */
#ifndef REPLAY_STORAGE_H
#define REPLAY_STORAGE_H

#include <stdint.h>
#include <stdbool.h>
#include "recording.h"
#include "uip/wire.h"

struct replay_storage;         /* built once from the recording, read-only afterwards */
struct replay_storage_session; /* one per imported connection */

/* NULL when the recording holds no bulk-only-transport traffic (or on no memory). */
struct replay_storage *replay_storage_new(const struct replay_recording *r);
void replay_storage_free(struct replay_storage *s); /* NULL is a no-op */

/* True when the recorded URB u is the same CBW as the live one, tag included (the CSW must
 * echo the live tag, so a different tag is a departure too). */
bool replay_storage_same_command(const uint8_t *live_cbw, uint32_t live_len, const struct replay_urb *u);
/* True when (ep, direction) is one of the device's bulk-only-transport endpoints. */
bool replay_storage_owns(const struct replay_storage *s, uint32_t ep, uint32_t direction);

struct replay_storage_session *replay_storage_session_new(const struct replay_storage *s);
void replay_storage_session_free(struct replay_storage_session *ss); /* NULL is a no-op */

/*
 * Answer a live URB on a bulk-only-transport endpoint from the model: a CBW is accepted, the
 * data phase of READ(10)/READ(16) comes from the blocks this session wrote (WRITE(10)/(16) data
 * is kept per session, up to 256 MiB), else from the recorded blocks, and of other commands from
 * the recorded answer to the same command block; the CSW echoes the live tag. *answer gets a
 * made-up recorded URB whose data (answer->data, malloc'd, at most max_data bytes) the caller
 * frees. Blocks or commands the recording lacks are logged as divergences.
 */
void replay_storage_answer(struct replay_storage_session *ss, uint32_t conn_id,
                           const struct uip_header *cmd, const uint8_t *out, uint32_t out_len,
                           uint32_t max_data, struct replay_urb *answer);

#endif
