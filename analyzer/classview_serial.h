/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_serial.h -- the serial view's state, shared by its input side (classview_serial.c:
 * line settings, control lines, payload, exchanges) and its outputs (classview_serial_report.c). */
#ifndef ANALYZE_CLASSVIEW_SERIAL_H
#define ANALYZE_CLASSVIEW_SERIAL_H

#include <glib.h>
#include <stdint.h>
#include <stdbool.h>
#include "classview_int.h"
#include "classview_stk500.h"
#include "stats.h"

#define SHOWN_BYTES 8       /* bytes of a write or an answer kept for the listing */
#define POLL_RUNS 3         /* runs of identical polls kept per exchange */
#define LISTED_EXCHANGES 16 /* the conversation lists the first ones ... */
#define LISTED_LINE_EVENTS 32 /* ... and the line rate and control-line changes */

/* A run of identical polls (IN URBs answered without payload) between a write and its answer. */
struct poll_run {
    uint8_t ep;
    int32_t status, length;
    uint64_t count;
};

/* One write and what came back before the next write. */
struct exchange {
    uint64_t t_submit, t_ack, t_answer, next_submit; /* 0: did not happen */
    uint32_t out_len, in_len;                       /* payload bytes */
    uint8_t out[SHOWN_BYTES], in[SHOWN_BYTES];
    uint8_t out_kept, in_kept;
    int stk;                                        /* STK500 command index, -1 when none */
    struct poll_run runs[POLL_RUNS];
    unsigned n_runs;
    uint64_t polls;                                 /* all polls, also those past POLL_RUNS runs */
};

enum item_kind { ITEM_LINES, ITEM_RATE, ITEM_EXCHANGE };

/* One line of the conversation listing. */
struct item {
    enum item_kind kind;
    uint64_t t;
    int8_t dtr, rts;      /* ITEM_LINES: 1 set, 0 cleared, -1 left alone */
    uint64_t dtr_low_ns;  /* ITEM_LINES raising DTR: how long it had been low */
    uint32_t baud;        /* ITEM_RATE */
    struct exchange ex;   /* ITEM_EXCHANGE */
};

struct cv_serial {
    enum cv_serial_kind kind;
    uint64_t bytes_out, bytes_in, writes, data_urbs, polls, unsolicited_bytes;
    uint64_t exchanges, answered, out_of_step;
    struct lat_hist turnaround; /* write submitted to first answer data */
    struct lat_hist after_ack;  /* write acknowledged (completed) to first answer data */
    bool open;
    struct exchange cur;
    int cur_item;               /* the open exchange's place in items, -1 when not listed */
    int8_t dtr;                 /* -1 unknown */
    uint64_t dtr_low_since, reset_pulses, last_pulse_ns;
    GArray *items;              /* struct item */
    unsigned listed_exchanges, listed_line_events;
    uint64_t unlisted_exchanges, unlisted_line_events;
    struct stk500 *stk;         /* once a STK500v1 command was written */
};

/* The next write went out before this exchange's answer came: the host had moved on. */
static inline bool cv_serial_out_of_step(const struct exchange *ex)
{
    return ex->t_answer && ex->next_submit && ex->next_submit < ex->t_answer;
}

#endif
