/* SPDX-License-Identifier: GPL-2.0-or-later */
/* matcher.c -- which recorded URB answers a live CMD_SUBMIT: control requests by endpoint and
 * setup packet (repeats in recorded order), other endpoints in the endpoint's recorded order. */
#include "matcher.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "uip/tracker.h"
#include "uip/usb.h"

/* Recorded URBs (indexes into the recording) in submit order, and how far the live side got. */
struct urb_queue {
    GArray *idx; /* size_t */
    guint next;
};

struct replay_matcher {
    const struct replay_recording *rec;
    bool borrow_answers;
    GHashTable *control;           /* control key -> struct urb_queue */
    struct urb_queue order[2][16]; /* [direction][ep], non-control endpoints */
    uint8_t ep_type[2][16];        /* enum uip_xfer_type seen in the recording */
    const struct replay_storage *storage;
    struct replay_storage_session *storage_session; /* set once the model took over */
};

/* The hash key of a control request: "EP:SETUP-HEX". */
static char *control_key(uint32_t ep, const uint8_t setup[UIP_SETUP_SIZE])
{
    return g_strdup_printf("%u:%02x%02x%02x%02x%02x%02x%02x%02x", ep, setup[0], setup[1], setup[2],
                           setup[3], setup[4], setup[5], setup[6], setup[7]);
}

static void queue_free(gpointer p)
{
    struct urb_queue *q = p;
    g_array_free(q->idx, TRUE);
    g_free(q);
}

static bool is_control(const struct replay_matcher *m, uint32_t ep, uint32_t dir)
{
    return ep == 0 || m->ep_type[dir & 1][ep & 15] == UIP_XFER_CONTROL;
}

struct replay_matcher *replay_matcher_new(const struct replay_recording *r, bool borrow_answers,
                                          const struct replay_storage *storage)
{
    struct replay_matcher *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->rec = r;
    m->storage = storage;
    m->borrow_answers = borrow_answers;
    m->control = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, queue_free);
    memset(m->ep_type, UIP_XFER_UNKNOWN, sizeof m->ep_type);
    for (int d = 0; d < 2; d++)
        for (int e = 0; e < 16; e++)
            m->order[d][e].idx = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (size_t i = 0; i < r->n_urbs; i++) {
        const struct replay_urb *u = &r->urbs[i];
        int dir = u->direction == UIP_DIR_IN;
        if (m->ep_type[dir][u->ep] == UIP_XFER_UNKNOWN)
            m->ep_type[dir][u->ep] = u->xfer_type;
    }
    for (size_t i = 0; i < r->n_urbs; i++) {
        const struct replay_urb *u = &r->urbs[i];
        int dir = u->direction == UIP_DIR_IN;
        struct urb_queue *q;
        if (is_control(m, u->ep, (uint32_t)dir)) {
            char *key = control_key(u->ep, u->setup);
            q = g_hash_table_lookup(m->control, key);
            if (!q) {
                q = g_new0(struct urb_queue, 1);
                q->idx = g_array_new(FALSE, FALSE, sizeof(size_t));
                g_hash_table_insert(m->control, key, q);
            } else {
                g_free(key);
            }
        } else {
            q = &m->order[dir][u->ep];
        }
        g_array_append_val(q->idx, i);
    }
    return m;
}

void replay_matcher_free(struct replay_matcher *m)
{
    if (!m)
        return;
    g_hash_table_destroy(m->control);
    replay_storage_session_free(m->storage_session);
    for (int d = 0; d < 2; d++)
        for (int e = 0; e < 16; e++)
            g_array_free(m->order[d][e].idx, TRUE);
    free(m);
}

void replay_setup_describe(const uint8_t setup[UIP_SETUP_SIZE], char *buf, size_t len)
{
    struct uip_setup s;
    uip_setup_decode(setup, &s);
    const char *req = uip_setup_is_standard(&s) ? uip_std_request_name(s.b_request) : NULL;
    if (req && s.b_request == UIP_USB_REQ_GET_DESCRIPTOR) {
        const char *type = uip_descriptor_type_name((uint8_t)(s.w_value >> 8));
        if (type)
            snprintf(buf, len, "%s(%s) wLength %u", req, type, s.w_length);
        else
            snprintf(buf, len, "%s(type 0x%02x) wLength %u", req, s.w_value >> 8, s.w_length);
    } else if (req) {
        snprintf(buf, len, "%s wValue 0x%04x wIndex 0x%04x", req, s.w_value, s.w_index);
    } else {
        snprintf(buf, len, "bmRequestType 0x%02x bRequest 0x%02x wValue 0x%04x wIndex 0x%04x wLength %u",
                 s.bm_request_type, s.b_request, s.w_value, s.w_index, s.w_length);
    }
}

static void compare_out_data(uint32_t conn_id, const struct uip_header *cmd, const struct replay_urb *u,
                             const uint8_t *out_data, uint32_t out_len)
{
    if (cmd->direction != UIP_DIR_OUT)
        return;
    uint32_t n = out_len < u->data_len ? out_len : u->data_len;
    uint32_t at = 0;
    while (at < n && out_data[at] == u->data[at])
        at++;
    if (at < n)
        replay_divergence("conn %u seq %u ep %u OUT: data differs from recorded seq %u at byte %u "
                          "(live 0x%02x, recorded 0x%02x)",
                          conn_id, cmd->seqnum, cmd->ep, u->seqnum, at, out_data[at], u->data[at]);
    else if (out_len != u->data_len)
        replay_divergence("conn %u seq %u ep %u OUT: %u data bytes, recorded seq %u had %u", conn_id,
                          cmd->seqnum, cmd->ep, out_len, u->seqnum, u->data_len);
}

/* The next answered instance in q at or after position from, else any answered one. */
static const struct replay_urb *answered_instance(const struct replay_matcher *m,
                                                  const struct urb_queue *q, guint from)
{
    for (guint k = 0; k < q->idx->len; k++) {
        const struct replay_urb *u =
            &m->rec->urbs[g_array_index(q->idx, size_t, (from + k) % q->idx->len)];
        if (u->answered)
            return u;
    }
    return NULL;
}

static void match_control(struct replay_matcher *m, uint32_t conn_id, const struct uip_header *cmd,
                          struct replay_match *out)
{
    char *key = control_key(cmd->ep, cmd->u.cmd_submit.setup);
    struct urb_queue *q = g_hash_table_lookup(m->control, key);
    g_free(key);
    if (!q) {
        char what[128];
        replay_setup_describe(cmd->u.cmd_submit.setup, what, sizeof what);
        replay_divergence("conn %u seq %u ep %u control %s: not in the recording", conn_id, cmd->seqnum,
                          cmd->ep, what);
        out->kind = REPLAY_MATCH_NONE;
        return;
    }
    bool repeated = q->next >= q->idx->len;
    guint pos = repeated ? q->idx->len - 1 : q->next++;
    if (repeated)
        replay_log_verbose("conn %u seq %u: control request repeated past its %u recorded instance(s)",
                           conn_id, cmd->seqnum, q->idx->len);
    const struct replay_urb *u = &m->rec->urbs[g_array_index(q->idx, size_t, pos)];
    if (!u->answered && m->borrow_answers) {
        const struct replay_urb *other = answered_instance(m, q, pos);
        if (other)
            u = other;
    }
    out->urb = u;
    out->kind = u->answered ? REPLAY_MATCH_ANSWER : REPLAY_MATCH_HOLD;
    out->repeated = repeated;
}

void replay_match_free_made(struct replay_urb *made)
{
    if (!made)
        return;
    free(made->data);
    free(made);
}

/* A live CBW that is not the one recorded next: the kernel's I/O departs from the recording,
 * so the storage model answers the bulk-only-transport endpoints from here on. */
static bool storage_takes_over(struct replay_matcher *m, uint32_t conn_id, const struct uip_header *cmd,
                               const uint8_t *out, uint32_t out_len, const struct urb_queue *q)
{
    if (!m->storage || !replay_storage_owns(m->storage, cmd->ep, cmd->direction))
        return false;
    if (m->storage_session)
        return true;
    if (cmd->direction != UIP_DIR_OUT)
        return false;
    const struct replay_urb *next =
        q->next < q->idx->len ? &m->rec->urbs[g_array_index(q->idx, size_t, q->next)] : NULL;
    if (next && replay_storage_same_command(out, out_len, next))
        return false;
    m->storage_session = replay_storage_session_new(m->storage);
    if (!m->storage_session)
        return false;
    replay_divergence("conn %u seq %u: the mass-storage commands depart from the recording here (%s); "
                      "answering from the recorded blocks from now on",
                      conn_id, cmd->seqnum,
                      next ? "another command block or length" : "past the recorded commands");
    return true;
}

static void match_storage(struct replay_matcher *m, uint32_t conn_id, const struct uip_header *cmd,
                          const uint8_t *out, uint32_t out_len, struct replay_match *res)
{
    struct replay_urb *made = calloc(1, sizeof *made);
    if (!made) {
        res->kind = REPLAY_MATCH_NONE;
        return;
    }
    replay_storage_answer(m->storage_session, conn_id, cmd, out, out_len, REPLAY_MAX_MADE_DATA, made);
    res->kind = REPLAY_MATCH_ANSWER;
    res->urb = res->made = made;
}

static void match_in_order(struct replay_matcher *m, uint32_t conn_id, const struct uip_header *cmd,
                           const uint8_t *out, uint32_t out_len, struct replay_match *res)
{
    int dir = cmd->direction == UIP_DIR_IN;
    struct urb_queue *q = &m->order[dir][cmd->ep & 15];
    if (storage_takes_over(m, conn_id, cmd, out, out_len, q)) {
        match_storage(m, conn_id, cmd, out, out_len, res);
        return;
    }
    if (q->next >= q->idx->len) {
        replay_divergence("conn %u seq %u ep %u %s %s: past the %u URB(s) recorded on this endpoint",
                          conn_id, cmd->seqnum, cmd->ep, dir ? "IN" : "OUT",
                          uip_xfer_type_name(m->ep_type[dir][cmd->ep & 15]), q->idx->len);
        res->kind = REPLAY_MATCH_NONE;
        return;
    }
    const struct replay_urb *u = &m->rec->urbs[g_array_index(q->idx, size_t, q->next++)];
    if (u->transfer_buffer_length != cmd->u.cmd_submit.transfer_buffer_length)
        replay_divergence("conn %u seq %u ep %u %s: transfer length %d, recorded seq %u asked %d",
                          conn_id, cmd->seqnum, cmd->ep, dir ? "IN" : "OUT",
                          cmd->u.cmd_submit.transfer_buffer_length, u->seqnum,
                          u->transfer_buffer_length);
    res->urb = u;
    res->kind = u->answered ? REPLAY_MATCH_ANSWER : REPLAY_MATCH_HOLD;
}

void replay_matcher_match(struct replay_matcher *m, uint32_t conn_id, const struct uip_header *cmd,
                          const uint8_t *out_data, uint32_t out_len, struct replay_match *out)
{
    *out = (struct replay_match){.kind = REPLAY_MATCH_NONE};
    if (is_control(m, cmd->ep, cmd->direction))
        match_control(m, conn_id, cmd, out);
    else
        match_in_order(m, conn_id, cmd, out_data, out_len, out);
    if (out->urb && !out->made)
        compare_out_data(conn_id, cmd, out->urb, out_data, out_len);
}
