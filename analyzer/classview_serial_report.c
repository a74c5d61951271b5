/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_serial_report.c -- the serial view's outputs: the text section (totals, the
 * conversation with polls counted, the STK500v1 table) and the "serial" JSON object. */
#include <inttypes.h>
#include "classview_serial.h"
#include "json_out.h"
#include "uip/usb.h"

/* The first bytes in hex, then "... (N bytes, what)" as far as there is more to say. */
static void hex_bytes(FILE *out, const uint8_t *b, uint8_t kept, uint32_t len, const char *what)
{
    for (uint8_t i = 0; i < kept; i++)
        fprintf(out, "%s%02x", i ? " " : "", b[i]);
    if (len > kept)
        fprintf(out, " ... (%u bytes%s%s)", len, what ? ", " : "", what ? what : "");
    else if (what)
        fprintf(out, " (%s)", what);
}

static void text_exchange(FILE *out, const struct exchange *ex)
{
    fprintf(out, "write ");
    hex_bytes(out, ex->out, ex->out_kept, ex->out_len, ex->stk >= 0 ? stk500_name(ex->stk) : NULL);
    if (ex->t_answer) {
        fprintf(out, " -> ");
        hex_bytes(out, ex->in, ex->in_kept, ex->in_len, NULL);
        fprintf(out, " after %.3f ms (write acknowledged after %.3f ms)",
                cv_secs(ex->t_answer - ex->t_submit) * 1e3, cv_secs(ex->t_ack - ex->t_submit) * 1e3);
        if (cv_serial_out_of_step(ex))
            fprintf(out, ", out of step: the next write went %.3f ms before it",
                    cv_secs(ex->t_answer - ex->next_submit) * 1e3);
    } else {
        fprintf(out, " -> no answer before %s", ex->next_submit ? "the next write" : "the end");
    }
    for (unsigned r = 0; r < ex->n_runs; r++)
        fprintf(out, "%s%" PRIu64 "x ep %u IN %d bytes %s", r ? ", " : "; polled ", ex->runs[r].count,
                ex->runs[r].ep, ex->runs[r].length, uip_status_name(ex->runs[r].status)
                                                        ? uip_status_name(ex->runs[r].status) : "?");
    uint64_t in_runs = 0;
    for (unsigned r = 0; r < ex->n_runs; r++)
        in_runs += ex->runs[r].count;
    if (ex->polls > in_runs)
        fprintf(out, ", %" PRIu64 " other polls", ex->polls - in_runs);
    fputc('\n', out);
}

static gint by_time(gconstpointer pa, gconstpointer pb)
{
    const struct item *a = pa, *b = pb;
    return (a->t > b->t) - (a->t < b->t);
}

/* The listing in time order (a copy: the view itself stays as fed). */
static GArray *sorted_items(const struct cv_serial *s)
{
    GArray *items = g_array_sized_new(FALSE, FALSE, sizeof(struct item), s->items->len);
    g_array_append_vals(items, s->items->data, s->items->len);
    g_array_sort(items, by_time);
    return items;
}

void cv_serial_text(FILE *out, const struct cv_serial *s, uint64_t t0_ns)
{
    fprintf(out, "  serial (%s): %" PRIu64 " bytes written in %" PRIu64 " writes, %" PRIu64
                 " bytes read in %" PRIu64 " URBs with data (payload only), %" PRIu64
                 " polls without data\n",
            s->kind == CV_SERIAL_FTDI ? "FTDI" : "CDC-ACM", s->bytes_out, s->writes, s->bytes_in,
            s->data_urbs, s->polls);
    fprintf(out, "    turnaround (write submitted to the first answer data): %" PRIu64 " of %" PRIu64
                 " writes answered before the next write",
            s->answered, s->exchanges);
    if (s->turnaround.count)
        fprintf(out, ", p50 %.3f ms, max %.3f ms (after the write's acknowledgement: p50 %.3f ms)",
                cv_secs(lat_hist_quantile(&s->turnaround, 0.5)) * 1e3, cv_secs(s->turnaround.max) * 1e3,
                cv_secs(lat_hist_quantile(&s->after_ack, 0.5)) * 1e3);
    fprintf(out, "; %" PRIu64 " answered only after the next write was sent\n", s->out_of_step);
    if (s->reset_pulses)
        fprintf(out, "    control lines: DTR pulsed low %" PRIu64 " time(s), for %.3f ms the last time\n",
                s->reset_pulses, cv_secs(s->last_pulse_ns) * 1e3);
    fprintf(out, "    conversation (from the capture's start; polls counted, not listed):\n");
    GArray *items = sorted_items(s);
    for (guint i = 0; i < items->len; i++) {
        const struct item *it = &g_array_index(items, struct item, i);
        fprintf(out, "    %9.3f s  ", it->t >= t0_ns ? cv_secs(it->t - t0_ns) : 0.0);
        if (it->kind == ITEM_RATE) {
            fprintf(out, "line rate %u baud\n", it->baud);
        } else if (it->kind == ITEM_LINES) {
            fprintf(out, "control lines:%s%s%s%s", it->dtr >= 0 ? " DTR=" : "",
                    it->dtr >= 0 ? (it->dtr ? "1" : "0") : "", it->rts >= 0 ? " RTS=" : "",
                    it->rts >= 0 ? (it->rts ? "1" : "0") : "");
            if (it->dtr_low_ns)
                fprintf(out, " (after %.3f ms low: a DTR pulse, which resets an Arduino)",
                        cv_secs(it->dtr_low_ns) * 1e3);
            fputc('\n', out);
        } else {
            text_exchange(out, &it->ex);
        }
    }
    g_array_free(items, TRUE);
    if (s->unlisted_exchanges)
        fprintf(out, "    ... and %" PRIu64 " more exchanges\n", s->unlisted_exchanges);
    if (s->unlisted_line_events)
        fprintf(out, "    ... and %" PRIu64 " more line settings\n", s->unlisted_line_events);
    if (s->stk)
        stk500_text(out, s->stk);
}

static void json_hist(FILE *out, const struct lat_hist *h)
{
    fprintf(out, "{\"count\":%" PRIu64 ",\"p50\":%.9f,\"max\":%.9f}", h->count,
            cv_secs(lat_hist_quantile(h, 0.5)), cv_secs(h->max));
}

static void json_hex(FILE *out, const uint8_t *b, uint8_t n)
{
    fputc('"', out);
    for (uint8_t i = 0; i < n; i++)
        fprintf(out, "%02x", b[i]);
    fputc('"', out);
}

static void json_item(FILE *out, const struct item *it)
{
    fprintf(out, "{\"time\":%.9f,", cv_secs(it->t));
    if (it->kind == ITEM_RATE) {
        fprintf(out, "\"event\":\"line_rate\",\"baud\":%u}", it->baud);
        return;
    }
    if (it->kind == ITEM_LINES) {
        fprintf(out, "\"event\":\"control_lines\"");
        if (it->dtr >= 0)
            fprintf(out, ",\"dtr\":%d", it->dtr);
        if (it->rts >= 0)
            fprintf(out, ",\"rts\":%d", it->rts);
        if (it->dtr_low_ns)
            fprintf(out, ",\"dtr_low_for\":%.9f", cv_secs(it->dtr_low_ns));
        fputc('}', out);
        return;
    }
    const struct exchange *ex = &it->ex;
    fprintf(out, "\"event\":\"exchange\",\"write\":");
    json_hex(out, ex->out, ex->out_kept);
    fprintf(out, ",\"write_bytes\":%u", ex->out_len);
    if (ex->stk >= 0)
        fprintf(out, ",\"stk500\":\"%s\"", stk500_name(ex->stk));
    if (ex->t_answer) {
        fprintf(out, ",\"answer\":");
        json_hex(out, ex->in, ex->in_kept);
        fprintf(out, ",\"answer_bytes\":%u,\"turnaround\":%.9f,\"acknowledged\":%.9f,\"out_of_step\":%s",
                ex->in_len, cv_secs(ex->t_answer - ex->t_submit), cv_secs(ex->t_ack - ex->t_submit),
                cv_serial_out_of_step(ex) ? "true" : "false");
    }
    fprintf(out, ",\"polls\":%" PRIu64 "}", ex->polls);
}

void cv_serial_json(FILE *out, const struct cv_serial *s)
{
    fprintf(out, "{\"kind\":\"%s\",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ",\"writes\":%" PRIu64
                 ",\"data_urbs\":%" PRIu64 ",\"polls\":%" PRIu64 ",\"unsolicited_bytes\":%" PRIu64
                 ",\"exchanges\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"out_of_step\":%" PRIu64
                 ",\"turnaround\":",
            s->kind == CV_SERIAL_FTDI ? "ftdi" : "cdc-acm", s->bytes_out, s->bytes_in, s->writes,
            s->data_urbs, s->polls, s->unsolicited_bytes, s->exchanges, s->answered, s->out_of_step);
    json_hist(out, &s->turnaround);
    fprintf(out, ",\"after_acknowledgement\":");
    json_hist(out, &s->after_ack);
    fprintf(out, ",\"reset_pulses\":%" PRIu64 ",\"conversation\":[", s->reset_pulses);
    GArray *items = sorted_items(s);
    for (guint i = 0; i < items->len; i++) {
        fprintf(out, "%s", i ? "," : "");
        json_item(out, &g_array_index(items, struct item, i));
    }
    g_array_free(items, TRUE);
    fprintf(out, "],\"unlisted_exchanges\":%" PRIu64 ",\"unlisted_line_events\":%" PRIu64,
            s->unlisted_exchanges, s->unlisted_line_events);
    if (s->stk) {
        fprintf(out, ",\"stk500\":");
        stk500_json(out, s->stk);
    }
    fputc('}', out);
}
