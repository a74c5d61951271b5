/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_scsi.c -- the mass-storage view's transport side: each bulk-only transport command
 * (CBW, data, CSW) becomes one SCSI command (opcode, LBA, blocks, bytes, latency, URBs, serial
 * round trips, CSW status), summed per opcode (outputs in classview_scsi_report.c). */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include "classview_int.h"
#include "classview_scsi.h"

/* USB Mass Storage Class Bulk-Only Transport 1.0, 5.1 and 5.2. */
#define CBW_LEN 31
#define CSW_LEN 13
#define CBW_SIGNATURE 0x43425355u /* "USBC" */
#define CSW_SIGNATURE 0x53425355u /* "USBS" */
#define CBW_CB_OFFSET 15
#define CBW_CB_MAX 16
#define CBW_FLAG_IN 0x80

struct cbw {
    uint32_t tag, transfer_length;
    uint8_t flags, lun, cb_len, cb[CBW_CB_MAX];
};

static bool is_bulk(const struct uip_urb *u)
{
    return u->ep != 0 && (u->xfer_type == UIP_XFER_BULK || u->xfer_type == UIP_XFER_UNKNOWN);
}

static bool parse_cbw(const struct uip_urb *u, struct cbw *c)
{
    uint32_t sig;
    /* the host's CBW is a command even when no answer came (the device was gone), not when refused */
    if (!is_bulk(u) || u->direction != UIP_DIR_OUT || u->transfer_buffer_length != CBW_LEN ||
        (cv_answered(u) && (u->status != 0 || u->actual_length != CBW_LEN)) ||
        !cv_get_le32(u->data, u->data_kept, 0, &sig) || sig != CBW_SIGNATURE ||
        !cv_in_bounds(u->data_kept, 0, CBW_LEN))
        return false;
    cv_get_le32(u->data, u->data_kept, 4, &c->tag);
    cv_get_le32(u->data, u->data_kept, 8, &c->transfer_length);
    c->flags = u->data[12];
    c->lun = u->data[13] & 0x0f;
    c->cb_len = u->data[14] & 0x1f;
    if (c->cb_len < 1 || c->cb_len > CBW_CB_MAX) /* not a meaningful CBW (BOT 6.2.1) */
        return false;
    memcpy(c->cb, u->data + CBW_CB_OFFSET, c->cb_len);
    return true;
}

bool cv_scsi_is_cbw(const struct uip_urb *u)
{
    struct cbw c;
    return parse_cbw(u, &c);
}

static bool parse_csw(const struct uip_urb *u, uint32_t *tag, uint32_t *residue, uint8_t *status)
{
    uint32_t sig;
    if (!is_bulk(u) || u->direction != UIP_DIR_IN || !cv_answered(u) || u->status != 0 ||
        u->actual_length != CSW_LEN || !cv_in_bounds(u->data_kept, 0, CSW_LEN) ||
        !cv_get_le32(u->data, u->data_kept, 0, &sig) || sig != CSW_SIGNATURE)
        return false;
    cv_get_le32(u->data, u->data_kept, 4, tag);
    cv_get_le32(u->data, u->data_kept, 8, residue);
    *status = u->data[12];
    return true;
}

/* The command's name from its command block (SPC-4, SBC-3 opcode names). */
static void command_name(const uint8_t *cb, uint8_t cb_len, char *buf, size_t n)
{
    static const struct {
        uint8_t opcode;
        const char *name;
    } names[] = {
        {0x00, "TEST UNIT READY"}, {0x03, "REQUEST SENSE"}, {0x12, "INQUIRY"},
        {0x1a, "MODE SENSE(6)"}, {0x1b, "START STOP UNIT"}, {0x1e, "PREVENT ALLOW MEDIUM REMOVAL"},
        {0x25, "READ CAPACITY(10)"}, {0x28, "READ(10)"}, {0x2a, "WRITE(10)"},
        {0x35, "SYNCHRONIZE CACHE(10)"}, {0x88, "READ(16)"}, {0x8a, "WRITE(16)"},
    };
    if (cb[0] == 0x9e) { /* SERVICE ACTION IN(16): the service action is in byte 1 */
        uint8_t sa = cb_len >= 2 ? cb[1] & 0x1f : 0;
        if (sa == 0x10)
            snprintf(buf, n, "READ CAPACITY(16)");
        else
            snprintf(buf, n, "SERVICE ACTION IN(16) 0x%02x", sa);
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].opcode == cb[0]) {
            snprintf(buf, n, "%s", names[i].name);
            return;
        }
    snprintf(buf, n, "0x%02x", cb[0]);
}

/* LBA and block count of READ/WRITE(10) and (16) (SBC-3 5.11, 5.12, 5.29, 5.30). */
static bool command_lba(const uint8_t *cb, uint8_t cb_len, uint64_t *lba, uint32_t *blocks)
{
    uint32_t lba32;
    uint16_t blocks16;
    switch (cb[0]) {
    case 0x28:
    case 0x2a:
        if (!cv_get_be32(cb, cb_len, 2, &lba32) || !cv_get_be16(cb, cb_len, 7, &blocks16))
            return false;
        *lba = lba32;
        *blocks = blocks16;
        return true;
    case 0x88:
    case 0x8a:
        return cv_get_be64(cb, cb_len, 2, lba) && cv_get_be32(cb, cb_len, 10, blocks);
    default:
        return false;
    }
}

struct cv_scsi *cv_scsi_new(uint32_t conn_id, uint32_t devid)
{
    struct cv_scsi *s = g_new0(struct cv_scsi, 1);
    s->conn_id = conn_id;
    s->devid = devid;
    s->spans = g_array_new(FALSE, FALSE, sizeof(struct urb_span));
    s->kinds = g_ptr_array_new_with_free_func(g_free);
    return s;
}

void cv_scsi_free(struct cv_scsi *s)
{
    if (!s)
        return;
    g_array_free(s->spans, TRUE);
    g_ptr_array_free(s->kinds, TRUE);
    g_free(s);
}

static void add_span(struct cv_scsi *s, const struct uip_urb *u)
{
    /* a URB never answered (unlinked first, pending at the end) holds nothing up after its submit */
    struct urb_span sp = {u->t_submit_ns, u->t_complete_ns ? u->t_complete_ns : u->t_submit_ns};
    g_array_append_val(s->spans, sp);
    s->cur.urbs++;
}

static gint by_submit(gconstpointer pa, gconstpointer pb)
{
    const struct urb_span *a = pa, *b = pb;
    return (a->submit > b->submit) - (a->submit < b->submit);
}

/* Serial round trips: in submit order, a URB submitted only after every earlier one of the
 * command had completed starts a new round trip; URBs in flight together share one. */
static uint32_t count_round_trips(GArray *spans)
{
    g_array_sort(spans, by_submit);
    uint32_t n = 0;
    uint64_t busy_until = 0;
    for (guint i = 0; i < spans->len; i++) {
        const struct urb_span *sp = &g_array_index(spans, struct urb_span, i);
        if (i == 0 || sp->submit >= busy_until)
            n++;
        if (sp->complete > busy_until)
            busy_until = sp->complete;
    }
    return n;
}

static struct scsi_kind *kind_get(struct cv_scsi *s, const struct scsi_cmd *c)
{
    for (guint i = 0; i < s->kinds->len; i++) {
        struct scsi_kind *k = g_ptr_array_index(s->kinds, i);
        if (!strcmp(k->name, c->name))
            return k;
    }
    struct scsi_kind *k = g_new0(struct scsi_kind, 1);
    snprintf(k->name, sizeof k->name, "%s", c->name);
    k->opcode = c->opcode;
    g_ptr_array_add(s->kinds, k);
    return k;
}

/* Keep the SCSI_SLOWEST slowest answered commands, slowest first (the earlier one on a tie). */
static void note_slowest(struct cv_scsi *s, const struct scsi_cmd *c)
{
    unsigned at = s->n_slowest;
    while (at > 0 && c->latency_ns > s->slowest[at - 1].latency_ns)
        at--;
    if (at == SCSI_SLOWEST)
        return;
    unsigned keep = s->n_slowest < SCSI_SLOWEST ? s->n_slowest : SCSI_SLOWEST - 1;
    memmove(&s->slowest[at + 1], &s->slowest[at], (keep - at) * sizeof *c);
    s->slowest[at] = *c;
    if (s->n_slowest < SCSI_SLOWEST)
        s->n_slowest++;
}

static void close_command(struct cv_scsi *s, FILE *csv)
{
    struct scsi_cmd *c = &s->cur;
    c->round_trips = count_round_trips(s->spans);
    g_array_set_size(s->spans, 0);
    s->open = false;
    struct scsi_kind *k = kind_get(s, c);
    s->commands++;
    s->bytes += c->bytes;
    s->urbs += c->urbs;
    s->round_trips += c->round_trips;
    s->status[c->status]++;
    k->count++;
    k->bytes += c->bytes;
    k->round_trips += c->round_trips;
    k->status[c->status]++;
    if (c->t_complete) {
        lat_hist_add(&k->lat, c->latency_ns);
        note_slowest(s, c);
    }
    if (csv)
        cv_scsi_csv_row(csv, s, c);
}

static void open_command(struct cv_scsi *s, const struct cbw *w, const struct uip_urb *u)
{
    struct scsi_cmd *c = &s->cur;
    memset(c, 0, sizeof *c);
    c->tag = w->tag;
    c->transfer_length = w->transfer_length;
    c->lun = w->lun;
    c->opcode = w->cb[0];
    c->data_in = (w->flags & CBW_FLAG_IN) != 0;
    c->has_lba = command_lba(w->cb, w->cb_len, &c->lba, &c->blocks);
    command_name(w->cb, w->cb_len, c->name, sizeof c->name);
    c->t_submit = u->t_submit_ns;
    c->cbw_frame = u->frame_submit;
    c->status = ST_NO_CSW;
    s->open = true;
    add_span(s, u);
}

void cv_scsi_urb(struct cv_scsi *s, const struct uip_urb *u, FILE *csv)
{
    struct cbw w;
    if (!is_bulk(u))
        return;
    if (parse_cbw(u, &w)) {
        if (s->open)
            close_command(s, csv);
        open_command(s, &w, u);
        return;
    }
    if (!s->open)
        return; /* bulk traffic outside a command: not the transport's */
    add_span(s, u);
    uint32_t tag, residue;
    uint8_t status;
    if (parse_csw(u, &tag, &residue, &status)) {
        struct scsi_cmd *c = &s->cur;
        c->residue = residue;
        c->t_complete = u->t_complete_ns;
        /* 0 if the capture's clock went back between the two */
        c->latency_ns = c->t_complete > c->t_submit ? c->t_complete - c->t_submit : 0;
        c->csw_frame = u->frame_complete;
        c->status = tag == c->tag && status <= ST_PHASE_ERROR ? (enum scsi_status)status : ST_INVALID_CSW;
        close_command(s, csv);
        return;
    }
    if (cv_answered(u) && u->actual_length > 0)
        s->cur.bytes += (uint64_t)u->actual_length;
}

void cv_scsi_finish(struct cv_scsi *s, FILE *csv)
{
    if (s->open)
        close_command(s, csv);
}
