/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conn_end.c -- how each USB/IP connection ended (contract in conn_end.h). The transport facts
 * come from the core (uip_conn_info.end: first FIN or RST, its sender and time); this module
 * adds what the URBs say (the last answer, the URBs caught outstanding) and the meaning: Linux's
 * usbip-host shuts its socket down when its device disconnects (stub_dev.c: stub_disconnect ->
 * usbip_event_add(&sdev->ud, SDEV_EVENT_REMOVED), whose handler runs stub_shutdown_connection),
 * which is how an unplug, an unbind or a phone's re-enumeration on a USB mode switch reaches the
 * client. */
#include "conn_end.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include "json_out.h"

/* URBs listed by name per connection; the rest are counted. */
#define CONN_END_LISTED 8

struct caught_urb {
    uint64_t id;
    uint8_t ep, xfer_type;
    int8_t direction;
    uint64_t t_submit_ns;
};

struct conn_end_state {
    uint64_t last_answer_ns, last_answer_frame;
    uint64_t outstanding;
    struct caught_urb listed[CONN_END_LISTED];
};

struct conn_ends {
    GHashTable *conns; /* conn_id -> struct conn_end_state */
};

struct conn_ends *conn_ends_new(void)
{
    struct conn_ends *e = g_new0(struct conn_ends, 1);
    e->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return e;
}

void conn_ends_free(struct conn_ends *e)
{
    if (!e)
        return;
    g_hash_table_destroy(e->conns);
    g_free(e);
}

static struct conn_end_state *conn_end_get(struct conn_ends *e, uint32_t conn_id)
{
    struct conn_end_state *c = g_hash_table_lookup(e->conns, GUINT_TO_POINTER(conn_id));
    if (!c) {
        c = g_new0(struct conn_end_state, 1);
        g_hash_table_insert(e->conns, GUINT_TO_POINTER(conn_id), c);
    }
    return c;
}

void conn_ends_urb(struct conn_ends *e, const struct uip_urb *u)
{
    struct conn_end_state *c = conn_end_get(e, u->conn_id);
    if (u->t_complete_ns && u->t_complete_ns >= c->last_answer_ns) {
        c->last_answer_ns = u->t_complete_ns;
        c->last_answer_frame = u->frame_complete;
    }
    if (u->outcome != UIP_URB_CONNECTION_CLOSED && u->outcome != UIP_URB_PENDING_AT_END)
        return;
    if (c->outstanding < CONN_END_LISTED)
        c->listed[c->outstanding] = (struct caught_urb){u->id, u->ep, u->xfer_type, u->direction,
                                                        u->t_submit_ns};
    c->outstanding++;
}

static const char *side_name(int side)
{
    return side == UIP_SIDE_SERVER ? "server" : "client";
}

/* What the end means, in words, into buf. imported: the connection went past its set-up
 * exchange (an import that succeeded). */
static void conn_end_meaning(const struct uip_conn_end *end, bool imported, uint64_t outstanding,
                             char *buf, size_t n)
{
    if (!imported && end->kind == UIP_END_CLOSED) {
        snprintf(buf, n, "the %s closed the connection after the set-up exchange (usbipd closes it "
                         "after a device list or a refused import; usbip list closes its own): normal",
                 side_name(end->by));
        return;
    }
    char with[64] = "";
    if (outstanding)
        snprintf(with, sizeof with, " with %" PRIu64 " URB%s outstanding", outstanding,
                 outstanding == 1 ? "" : "s");
    switch (end->kind) {
    case UIP_END_CLOSED:
        if (end->by == UIP_SIDE_SERVER)
            snprintf(buf, n, "the server closed the connection%s: usbip-host does this when its "
                             "device disconnects (unplugged, unbound, or re-enumerating as a phone "
                             "does on a USB mode switch); the client loses the device and must "
                             "import it again", with);
        else
            snprintf(buf, n, "the client closed the connection%s: the device was detached "
                             "(usbip detach, or the client's vhci port was released)", with);
        break;
    case UIP_END_RESET:
        snprintf(buf, n, "the %s reset the connection%s: its USB/IP socket was torn down "
                         "abruptly (the program or the host went away, or it closed with "
                         "unread data); the device is lost to the client", side_name(end->by), with);
        break;
    case UIP_END_OPEN:
        if (end->by >= 0)
            snprintf(buf, n, "the %s had begun closing the connection (its FIN) when the capture "
                             "ended%s", side_name(end->by), with);
        else if (outstanding)
            snprintf(buf, n, "still open when the capture ended%s: they were waiting for answers "
                             "(the capture stopped mid-session, or the device stopped answering)",
                     with);
        else
            snprintf(buf, n, "still open when the capture ended");
        break;
    default:
        snprintf(buf, n, "not ended");
        break;
    }
}

/* The device of the same busid imported on an earlier connection with another VID:PID. */
static const struct dev_stats *reenumerated_from(const struct analysis *a, const struct dev_stats *d)
{
    if (!d->info.has_record)
        return NULL;
    const struct dev_stats *found = NULL;
    for (unsigned i = 0; i < analysis_n_devices(a); i++) {
        const struct dev_stats *o = analysis_device_at(a, i);
        if (o->conn_id >= d->conn_id || !o->info.has_record ||
            strcmp(o->info.record.busid, d->info.record.busid) != 0)
            continue;
        bool same = o->info.record.id_vendor == d->info.record.id_vendor &&
                    o->info.record.id_product == d->info.record.id_product;
        found = same ? NULL : o; /* the latest earlier import decides */
    }
    return found;
}

static const struct dev_stats *first_device_of(const struct analysis *a, uint32_t conn_id)
{
    for (unsigned i = 0; i < analysis_n_devices(a); i++)
        if (analysis_device_at(a, i)->conn_id == conn_id)
            return analysis_device_at(a, i);
    return NULL;
}

static bool was_imported(const struct analysis *a, uint32_t conn_id)
{
    const struct dev_stats *d = first_device_of(a, conn_id);
    return d && !d->info.import_failed;
}

static double secs(uint64_t ns) { return (double)ns / 1e9; }

/* What the URBs say about connection ci's end, and its meaning in words into buf. */
static const struct conn_end_state *conn_end_describe(const struct conn_ends *e,
                                                      const struct analysis *a,
                                                      const struct uip_conn_info *ci, char *buf,
                                                      size_t n)
{
    static const struct conn_end_state none;
    const struct conn_end_state *c = g_hash_table_lookup(e->conns, GUINT_TO_POINTER(ci->conn_id));
    if (!c)
        c = &none;
    conn_end_meaning(&ci->end, was_imported(a, ci->conn_id), c->outstanding, buf, n);
    return c;
}

void conn_ends_text(FILE *out, const struct conn_ends *e, const struct uip_session *s,
                    const struct analysis *a, uint32_t conn_id, uint64_t capture_first_ns)
{
    const struct uip_conn_info *ci = s ? uip_session_conn(s, conn_id) : NULL;
    if (!ci)
        return;
    const struct dev_stats *d = first_device_of(a, conn_id);
    const struct dev_stats *was = d ? reenumerated_from(a, d) : NULL;
    if (was)
        fprintf(out, "  re-enumerated: busid %s was %04x:%04x on connection %u and is imported "
                     "again here as %04x:%04x (the device changed its USB identity, as a phone "
                     "does on a mode switch)\n",
                d->info.record.busid, was->info.record.id_vendor, was->info.record.id_product,
                was->conn_id, d->info.record.id_vendor, d->info.record.id_product);
    if (ci->end.kind == UIP_END_NONE)
        return;
    char meaning[512];
    const struct conn_end_state *c = conn_end_describe(e, a, ci, meaning, sizeof meaning);
    fprintf(out, "  connection end: %s\n", meaning);
    fprintf(out, "    %s at %.3f s (frame %" PRIu64 ")", uip_conn_end_name(ci->end.kind),
            ci->end.ts_ns >= capture_first_ns ? secs(ci->end.ts_ns - capture_first_ns) : 0.0,
            ci->end.frame);
    if (c->last_answer_ns && ci->end.ts_ns >= c->last_answer_ns)
        fprintf(out, ", %.1f ms after the last answer (frame %" PRIu64 ")",
                secs(ci->end.ts_ns - c->last_answer_ns) * 1e3, c->last_answer_frame);
    else if (!c->last_answer_ns)
        fprintf(out, ", before any answer");
    fprintf(out, "\n");
    for (uint64_t i = 0; i < c->outstanding && i < CONN_END_LISTED; i++) {
        const struct caught_urb *u = &c->listed[i];
        fprintf(out, "    outstanding: seqnum %" PRIu64 ", %s %s ep %u, submitted %.1f ms before\n",
                u->id, uip_xfer_type_name(u->xfer_type), u->direction == UIP_DIR_IN ? "IN" : "OUT",
                u->ep, ci->end.ts_ns >= u->t_submit_ns ? secs(ci->end.ts_ns - u->t_submit_ns) * 1e3 : 0.0);
    }
    if (c->outstanding > CONN_END_LISTED)
        fprintf(out, "    ... and %" PRIu64 " more outstanding\n", c->outstanding - CONN_END_LISTED);
}

void conn_ends_json(FILE *out, const struct conn_ends *e, const struct uip_session *s,
                    const struct analysis *a, uint64_t capture_first_ns)
{
    fprintf(out, "[");
    bool first = true;
    for (uint32_t id = 1; s && uip_session_conn(s, id); id++) {
        const struct uip_conn_info *ci = uip_session_conn(s, id);
        if (ci->end.kind == UIP_END_NONE)
            continue;
        char meaning[512];
        const struct conn_end_state *c = conn_end_describe(e, a, ci, meaning, sizeof meaning);
        fprintf(out, "%s{\"connection\":%u,\"how\":\"%s\",\"by\":", first ? "" : ",", id,
                uip_conn_end_name(ci->end.kind));
        if (ci->end.by >= 0)
            fprintf(out, "\"%s\"", side_name(ci->end.by));
        else
            fprintf(out, "null");
        fprintf(out, ",\"time\":%.9f,\"frame\":%" PRIu64 ",\"since_last_answer\":",
                ci->end.ts_ns >= capture_first_ns ? secs(ci->end.ts_ns - capture_first_ns) : 0.0,
                ci->end.frame);
        if (c->last_answer_ns && ci->end.ts_ns >= c->last_answer_ns)
            fprintf(out, "%.9f", secs(ci->end.ts_ns - c->last_answer_ns));
        else
            fprintf(out, "null");
        fprintf(out, ",\"outstanding\":%" PRIu64 ",\"outstanding_urbs\":[", c->outstanding);
        for (uint64_t i = 0; i < c->outstanding && i < CONN_END_LISTED; i++) {
            const struct caught_urb *u = &c->listed[i];
            fprintf(out, "%s{\"seqnum\":%" PRIu64 ",\"ep\":%u,\"direction\":\"%s\",\"type\":\"%s\"}",
                    i ? "," : "", u->id, u->ep, u->direction == UIP_DIR_IN ? "IN" : "OUT",
                    uip_xfer_type_name(u->xfer_type));
        }
        fprintf(out, "],\"meaning\":");
        json_string(out, meaning);
        const struct dev_stats *d = first_device_of(a, id);
        const struct dev_stats *was = d ? reenumerated_from(a, d) : NULL;
        if (was)
            fprintf(out, ",\"reenumerated_from\":{\"connection\":%u,\"vid\":\"%04x\",\"pid\":\"%04x\"}",
                    was->conn_id, was->info.record.id_vendor, was->info.record.id_product);
        fprintf(out, "}");
        first = false;
    }
    fprintf(out, "]");
}
