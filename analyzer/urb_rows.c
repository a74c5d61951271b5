/* SPDX-License-Identifier: GPL-2.0-or-later */
/* urb_rows.c -- one row per finished URB (contract in urb_rows.h): every column is formatted
 * once, then written as CSV or as a JSON object. */
#include "urb_rows.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include "json_out.h"
#include "uip/usb.h"

enum { URB_COLUMNS = 23 };

static const char *const column_names[URB_COLUMNS] = {
    "connection", "devid", "seqnum", "endpoint", "direction", "type", "setup",
    "transfer_buffer_length", "actual_length", "status", "status_name", "submit_time",
    "complete_time", "latency", "queue_depth_device", "queue_depth_endpoint", "outcome",
    "submit_frame", "complete_frame", "unlink_status", "submit_first_byte_time",
    "latency_from_first_byte", "complete_first_byte_time",
};

/* The columns of u as text; a column without a value (no answer, no unlink, ...) is absent. */
struct urb_row {
    char value[URB_COLUMNS][32];
    bool present[URB_COLUMNS];
};

/* Which columns are strings in JSON (the others are numbers). */
static bool column_is_text(int i)
{
    return i == 4 || i == 5 || i == 6 || i == 10 || i == 16;
}

static void put(struct urb_row *r, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(struct urb_row *r, int i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->value[i], sizeof r->value[i], fmt, ap);
    va_end(ap);
    r->present[i] = true;
}

static void put_time(struct urb_row *r, int i, uint64_t ns)
{
    if (ns)
        put(r, i, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

static void urb_row_fill(struct urb_row *r, const struct uip_urb *u)
{
    memset(r, 0, sizeof *r);
    put(r, 0, "%u", u->conn_id);
    put(r, 1, "%u", u->devid);
    put(r, 2, "%" PRIu64, u->id);
    put(r, 3, "%u", u->ep);
    put(r, 4, "%s", u->direction == 1 ? "in" : u->direction == 0 ? "out" : "?");
    put(r, 5, "%s", uip_xfer_type_name(u->xfer_type));
    if (u->has_setup) {
        put(r, 6, "%s", "");
        for (int i = 0; i < 8; i++)
            snprintf(r->value[6] + 2 * i, 3, "%02x", u->setup[i]);
    }
    put(r, 7, "%d", u->transfer_buffer_length);
    put(r, 8, "%d", u->actual_length);
    if (u->t_complete_ns) { /* no answer (pending, or unlinked first): no status to give */
        const char *sn = uip_status_name(u->status);
        put(r, 9, "%d", u->status);
        put(r, 10, "%s", sn ? sn : "");
    }
    put_time(r, 11, u->t_submit_ns);
    put_time(r, 12, u->t_complete_ns);
    if (u->t_submit_ns && u->t_complete_ns >= u->t_submit_ns)
        put(r, 13, "%.9f", (double)(u->t_complete_ns - u->t_submit_ns) / 1e9);
    put(r, 14, "%u", u->depth_dev_at_submit);
    put(r, 15, "%u", u->depth_ep_at_submit);
    put(r, 16, "%s", uip_urb_outcome_name(u->outcome));
    put(r, 17, "%" PRIu64, u->frame_submit);
    put(r, 18, "%" PRIu64, u->frame_complete);
    if (u->t_unlink_ret_ns)
        put(r, 19, "%d", u->unlink_status);
    /* from the CMD_SUBMIT's first byte: a large OUT URB's latency with its data's time on the wire */
    put_time(r, 20, u->t_submit_first_ns);
    if (u->t_submit_first_ns && u->t_complete_ns >= u->t_submit_first_ns)
        put(r, 21, "%.9f", (double)(u->t_complete_ns - u->t_submit_first_ns) / 1e9);
    put_time(r, 22, u->t_complete_first_ns); /* a large IN answer's data took until complete_time */
}

void urb_rows_csv_header(FILE *f)
{
    for (int i = 0; i < URB_COLUMNS; i++)
        fprintf(f, "%s%s", i ? "," : "", column_names[i]);
    fputc('\n', f);
}

void urb_rows_csv(FILE *f, const struct uip_urb *u)
{
    struct urb_row r;
    urb_row_fill(&r, u);
    for (int i = 0; i < URB_COLUMNS; i++)
        fprintf(f, "%s%s", i ? "," : "", r.value[i]);
    fputc('\n', f);
}

void urb_rows_json(FILE *f, const struct uip_urb *u)
{
    struct urb_row r;
    urb_row_fill(&r, u);
    fputc('{', f);
    for (int i = 0; i < URB_COLUMNS; i++) {
        fprintf(f, "%s\"%s\":", i ? "," : "", column_names[i]);
        if (!r.present[i])
            fputs("null", f);
        else if (column_is_text(i))
            json_string(f, r.value[i]);
        else
            fputs(r.value[i], f);
    }
    fputs("}\n", f);
}
