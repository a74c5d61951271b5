/* SPDX-License-Identifier: GPL-2.0-or-later */
/* serial.c -- a model of a recorded USB serial adapter (FTDI, CDC-ACM): what came back on the bulk
 * IN endpoint after each bulk OUT write, and how long after, so that a live session gets each
 * recorded response after the live write it answers, whatever the live reads look like.
 *
 * A serial adapter answers a bulk IN URB only when bytes arrive from the line, so a recorded IN
 * URB's latency says nothing about the device: it is how long the host's read waited for the
 * other end. What a replay must keep is the order of writes and responses and the time from a
 * write to each response that followed it. */
#include "serial.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "uip/tracker.h"
#include "uip/usb.h"

#define FTDI_VENDOR 0x0403
#define CDC_CLASS 0x02
#define CDC_SUBCLASS_ACM 0x02
#define CDC_PROTOCOL_VENDOR 0xff /* RNDIS has CDC ACM's class and subclass with this protocol */

/* A recorded IN answer with data, and when it came after the write before it. */
struct response {
    const struct replay_urb *urb;
    uint64_t delay_ns; /* after that write was sent (or, before any write, the first URB) */
};

struct recorded_write {
    const struct replay_urb *urb;
    GArray *responses; /* struct response, in completion order */
};

struct replay_serial {
    uint32_t ep_in, ep_out;
    struct recorded_write *writes; /* writes[0] holds the responses before the first write */
    size_t n_writes;               /* recorded writes + 1 */
    size_t n_responses;
};

struct pending_response {
    const struct replay_urb *urb;
    uint64_t due;
};

struct replay_serial_session {
    const struct replay_serial *s;
    struct replay_timing timing;
    size_t writes_seen;
    GQueue due; /* struct pending_response *, in due order */
    bool told_past;
};

static bool is_serial_device(const struct replay_recording *r)
{
    if (r->device.id_vendor == FTDI_VENDOR)
        return true;
    for (uint32_t i = 0; i < r->n_ifaces; i++)
        if (r->ifaces[i].iface_class == CDC_CLASS && r->ifaces[i].iface_subclass == CDC_SUBCLASS_ACM &&
            r->ifaces[i].iface_protocol != CDC_PROTOCOL_VENDOR)
            return true;
    return false;
}

/* The bulk endpoint of a direction with the most URBs (0: none). */
static uint32_t busiest_bulk_ep(const struct replay_recording *r, int direction)
{
    size_t count[16] = {0};
    for (size_t i = 0; i < r->n_urbs; i++)
        if (r->urbs[i].xfer_type == UIP_XFER_BULK && r->urbs[i].direction == direction)
            count[r->urbs[i].ep & 15]++;
    uint32_t best = 0;
    for (uint32_t e = 1; e < 16; e++)
        if (count[e] > count[best])
            best = e;
    return count[best] ? best : 0;
}

static uint64_t completion(const struct replay_urb *u)
{
    return u->t_submit_ns + u->latency_ns;
}

/* A write when it was sent, a read when it came back. */
static uint64_t event_time(const struct replay_urb *u)
{
    return u->direction == UIP_DIR_OUT ? u->t_submit_ns : completion(u);
}

static int by_event_time(const void *a, const void *b)
{
    uint64_t x = event_time(*(const struct replay_urb *const *)a);
    uint64_t y = event_time(*(const struct replay_urb *const *)b);
    return (x > y) - (x < y);
}

struct replay_serial *replay_serial_new(const struct replay_recording *r)
{
    if (!r->n_urbs || !is_serial_device(r))
        return NULL;
    uint32_t ep_in = busiest_bulk_ep(r, UIP_DIR_IN), ep_out = busiest_bulk_ep(r, UIP_DIR_OUT);
    if (!ep_in || !ep_out)
        return NULL;
    /* The answered writes by submit time and the answered reads with data by completion time:
     * a response follows the last write sent before it came (the device answers bytes it has
     * received, and may do so before the write's own answer is back). */
    GPtrArray *events = g_ptr_array_new();
    for (size_t i = 0; i < r->n_urbs; i++) {
        const struct replay_urb *u = &r->urbs[i];
        bool write = u->ep == ep_out && u->direction == UIP_DIR_OUT;
        bool read = u->ep == ep_in && u->direction == UIP_DIR_IN && u->actual_length > 0 && u->data_len;
        if (u->answered && (write || read))
            g_ptr_array_add(events, (gpointer)u);
    }
    qsort(events->pdata, events->len, sizeof(gpointer), by_event_time);
    struct replay_serial *s = g_new0(struct replay_serial, 1);
    s->ep_in = ep_in;
    s->ep_out = ep_out;
    size_t writes = 1;
    for (guint i = 0; i < events->len; i++)
        writes += ((const struct replay_urb *)events->pdata[i])->direction == UIP_DIR_OUT;
    s->writes = g_new0(struct recorded_write, writes);
    for (size_t k = 0; k < writes; k++)
        s->writes[k].responses = g_array_new(FALSE, FALSE, sizeof(struct response));
    uint64_t since = r->urbs[0].t_submit_ns;
    for (guint i = 0; i < events->len; i++) {
        const struct replay_urb *u = events->pdata[i];
        if (u->direction == UIP_DIR_OUT) {
            s->writes[++s->n_writes].urb = u;
            since = u->t_submit_ns;
        } else {
            struct response resp = {.urb = u, .delay_ns = completion(u) > since ? completion(u) - since : 0};
            g_array_append_val(s->writes[s->n_writes].responses, resp);
            s->n_responses++;
        }
    }
    s->n_writes++; /* writes[0] is the time before the first write */
    g_ptr_array_free(events, TRUE);
    return s;
}

void replay_serial_free(struct replay_serial *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n_writes; k++)
        g_array_free(s->writes[k].responses, TRUE);
    g_free(s->writes);
    g_free(s);
}

bool replay_serial_owns(const struct replay_serial *s, uint32_t ep, uint32_t direction)
{
    return (direction == UIP_DIR_IN && ep == s->ep_in) || (direction == UIP_DIR_OUT && ep == s->ep_out);
}

void replay_serial_counts(const struct replay_serial *s, size_t *writes, size_t *responses)
{
    *writes = s->n_writes - 1;
    *responses = s->n_responses;
}

/* Queue the responses recorded after writes[k], due from base on. */
static void schedule(struct replay_serial_session *ss, size_t k, uint64_t base)
{
    const GArray *responses = ss->s->writes[k].responses;
    for (guint i = 0; i < responses->len; i++) {
        const struct response *r = &g_array_index(responses, struct response, i);
        struct pending_response *p = g_new(struct pending_response, 1);
        p->urb = r->urb;
        p->due = base + replay_timing_delay(&ss->timing, r->delay_ns);
        /* keep due order; a later write's response never overtakes an earlier one */
        GList *tail = g_queue_peek_tail_link(&ss->due);
        if (tail && ((struct pending_response *)tail->data)->due > p->due)
            p->due = ((struct pending_response *)tail->data)->due;
        g_queue_push_tail(&ss->due, p);
    }
}

struct replay_serial_session *replay_serial_session_new(const struct replay_serial *s,
                                                        const struct replay_timing *timing, uint64_t now)
{
    struct replay_serial_session *ss = g_new0(struct replay_serial_session, 1);
    ss->s = s;
    ss->timing = *timing;
    g_queue_init(&ss->due);
    schedule(ss, 0, now);
    return ss;
}

void replay_serial_session_free(struct replay_serial_session *ss)
{
    if (!ss)
        return;
    g_queue_clear_full(&ss->due, g_free);
    g_free(ss);
}

bool replay_serial_write(struct replay_serial_session *ss, uint32_t conn_id, const struct uip_header *cmd,
                         const uint8_t *out, uint32_t out_len, uint64_t now, struct replay_urb *answer)
{
    *answer = (struct replay_urb){.seqnum = cmd->seqnum,
                                  .ep = (uint8_t)cmd->ep,
                                  .direction = UIP_DIR_OUT,
                                  .answered = true,
                                  .actual_length = (int32_t)out_len,
                                  .transfer_buffer_length = cmd->u.cmd_submit.transfer_buffer_length};
    size_t k = ++ss->writes_seen;
    if (k >= ss->s->n_writes) {
        if (!ss->told_past)
            replay_divergence("conn %u seq %u ep %u OUT: write %zu, past the %zu recorded writes: taken, "
                              "nothing comes back", conn_id, cmd->seqnum, cmd->ep, k, ss->s->n_writes - 1);
        ss->told_past = true;
        return false;
    }
    const struct replay_urb *w = ss->s->writes[k].urb;
    answer->status = w->status;
    answer->latency_ns = w->latency_ns;
    uint32_t n = out_len < w->data_len ? out_len : w->data_len, at = 0;
    while (at < n && out[at] == w->data[at])
        at++;
    if (at < n || out_len != w->data_len)
        replay_divergence("conn %u seq %u ep %u OUT: write %zu differs from the recorded one (seq %u) "
                          "%s %u", conn_id, cmd->seqnum, cmd->ep, k, w->seqnum,
                          at < n ? "from byte" : "in length:", at < n ? at : out_len);
    schedule(ss, k, now);
    return true;
}

uint64_t replay_serial_next_due(const struct replay_serial_session *ss)
{
    const struct pending_response *p = g_queue_peek_head((GQueue *)&ss->due);
    return p ? p->due : UINT64_MAX;
}

bool replay_serial_take(struct replay_serial_session *ss, uint64_t now, int32_t max_len, struct replay_urb *answer)
{
    struct pending_response *p = g_queue_peek_head(&ss->due);
    if (!p || p->due > now)
        return false;
    g_queue_pop_head(&ss->due);
    const struct replay_urb *u = p->urb;
    g_free(p);
    uint32_t n = max_len <= 0 ? 0 : (uint32_t)max_len < u->data_len ? (uint32_t)max_len : u->data_len;
    if (n < u->data_len)
        replay_log_verbose("serial: a recorded response of %u bytes cut to the live read's %d", u->data_len,
                           max_len);
    *answer = *u;
    answer->iso = NULL;
    answer->iso_count = 0;
    answer->data = malloc(n ? n : 1);
    answer->data_len = answer->data ? n : 0;
    if (answer->data && n)
        memcpy(answer->data, u->data, n);
    answer->actual_length = (int32_t)answer->data_len;
    answer->latency_ns = 0;
    return true;
}
