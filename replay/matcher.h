/* SPDX-License-Identifier: GPL-2.0-or-later */
/* matcher.h -- which recorded URB answers a live CMD_SUBMIT: control requests by endpoint and
 * setup packet (repeats in recorded order), other endpoints in the endpoint's recorded order. */
#ifndef REPLAY_MATCHER_H
#define REPLAY_MATCHER_H

#include <stdint.h>
#include <stdbool.h>
#include "recording.h"
#include "storage.h"
#include "uip/wire.h"

enum replay_match_kind {
    REPLAY_MATCH_ANSWER = 0, /* answer with the recorded RET_SUBMIT of urb */
    REPLAY_MATCH_HOLD,       /* the recorded URB was never answered: keep the live one pending */
    REPLAY_MATCH_NONE,       /* nothing recorded for this request (a divergence, already logged) */
};

struct replay_match {
    enum replay_match_kind kind;
    const struct replay_urb *urb; /* ANSWER and HOLD */
    struct replay_urb *made;      /* when urb was made up by the storage model: the caller frees
                                     it with replay_match_free_made (urb == made) */
    bool repeated; /* a control request asked more often than recorded: urb is its last instance */
};

void replay_match_free_made(struct replay_urb *made); /* NULL is a no-op */

struct replay_matcher;

/* Cap on the data of one answer the storage model makes up. */
#define REPLAY_MAX_MADE_DATA (4u * 1024u * 1024u)

/* One per imported connection: each starts at the beginning of the recording. borrow_answers:
 * a control request whose recorded instance was never answered takes the next answered
 * instance of the same request (see replay_timing_borrows_answers). storage (may be NULL): the
 * mass-storage model that takes over the bulk-only-transport endpoints once the live commands
 * depart from the recorded order. NULL on no memory. */
struct replay_matcher *replay_matcher_new(const struct replay_recording *r, bool borrow_answers,
                                          const struct replay_storage *storage);
void replay_matcher_free(struct replay_matcher *m); /* NULL is a no-op */

/* Match a live CMD_SUBMIT (out_data: its OUT data, out_len bytes). Differences in OUT data or
 * transfer length, and requests with nothing recorded, are logged as divergences naming
 * conn_id and the live seqnum. */
void replay_matcher_match(struct replay_matcher *m, uint32_t conn_id, const struct uip_header *cmd,
                          const uint8_t *out_data, uint32_t out_len, struct replay_match *out);

/* "GET_DESCRIPTOR(DEVICE) wLength 18"-style name of a setup packet, or its raw fields. */
void replay_setup_describe(const uint8_t setup[UIP_SETUP_SIZE], char *buf, size_t len);

#endif
