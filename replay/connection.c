/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connection.c -- one client connection of the replay server: the OP phase (devlist, import),
 * then CMD_SUBMIT/CMD_UNLINK answered from the recording, with held and delayed answers. */
#include "connection.h"

#include <errno.h>
#include <stdarg.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "matcher.h"
#include "uip/error.h"
#include "uip/framer.h"

#define NEVER UINT64_MAX
/* PDUs handled per readable event, so that one busy client cannot starve the others. */
#define PDUS_PER_READ 64
/* One recv takes what the socket has, up to this: a small PDU costs one recv, not one per part. */
#define RX_BUFFER_SIZE 16384
/* How late after its due time (arrival + --timing) each answer went out, in microseconds; the
 * last bucket holds the later ones. */
#define LATE_BUCKETS 4096

enum conn_stage {
    STAGE_OP_HEADER = 0, /* waiting for the 8-byte OP header */
    STAGE_OP_IMPORT,     /* waiting for the busid of an OP_REQ_IMPORT */
    STAGE_URB_HEADER,    /* imported: waiting for a 48-byte URB header */
    STAGE_URB_BODY,      /* waiting for the rest of a CMD_SUBMIT */
    STAGE_CLOSING,       /* the OP exchange is over: close once the reply is written */
};

/* A live URB not answered yet: due at a time, or held until unlinked (due NEVER). */
struct held_urb {
    uint32_t seqnum;
    uint32_t direction;
    int32_t transfer_buffer_length;
    uint32_t number_of_packets;
    const struct replay_urb *answer; /* NULL: nothing recorded, answer with unmatched_status */
    struct replay_urb *made;         /* a model's answer (answer == made), owned */
    bool serial_read;                /* a read waiting for the serial model's next response */
    uint64_t arrived;                /* when its CMD_SUBMIT came (serial reads) */
    uint64_t due;
    uint64_t order;         /* arrival, to keep equal deadlines in order */
    bool unlink_waits;      /* a CMD_UNLINK came that the recording answered after */
    uint32_t unlink_seqnum; /* the RET_SUBMIT: its RET_UNLINK (status 0) follows it */
};

struct replay_conn {
    int fd;
    uint32_t id;
    char *peer;
    const struct replay_serve_config *cfg;
    enum conn_stage stage;
    uint64_t op_deadline;
    uint8_t *in; /* the PDU being read: in_len of in_need bytes */
    size_t in_len, in_need, in_cap;
    uint8_t rx[RX_BUFFER_SIZE]; /* received, not yet moved to in: rx_off..rx_len */
    size_t rx_off, rx_len;
    struct uip_header hdr;
    GByteArray *out; /* bytes not yet written, from out_off */
    size_t out_off;
    struct replay_matcher *matcher;
    GHashTable *held; /* seqnum -> struct held_urb */
    uint64_t arrivals;
    uint64_t made_bytes; /* data of the models' answers still held */
    struct replay_serial_session *serial;
    GQueue serial_reads; /* seqnums of the held serial reads, oldest first */
    bool told_where_recording_ends;
    uint64_t past_repeated, past_unmatched; /* requests past the recording: repeats, nothing recorded */
    struct replay_pcap_flow *flow; /* --write: the session as written to the pcap */
    uint64_t submits, answered, unlinked, unlinks_too_late;
    uint32_t late_us[LATE_BUCKETS]; /* answers by how late they went out (1 us buckets) */
    uint64_t close_due; /* the recorded server's close, once its last answer before it went out */
};

static bool conn_fail(struct replay_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool conn_fail(struct replay_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    replay_log("conn %u (%s): closing: %s", c->id, c->peer, why);
    g_free(why);
    return false;
}

static bool expect(struct replay_conn *c, enum conn_stage stage, size_t need)
{
    c->stage = stage;
    c->in_need = need;
    if (need > c->in_cap) {
        uint8_t *p = realloc(c->in, need);
        if (!p)
            return conn_fail(c, "out of memory for a %zu-byte PDU", need);
        c->in = p;
        c->in_cap = need;
    }
    return true;
}

static void held_urb_free(gpointer p)
{
    struct held_urb *u = p;
    replay_match_free_made(u->made);
    g_free(u);
}

/* Remove a held URB (answered or unlinked). */
static void release_held(struct replay_conn *c, struct held_urb *u)
{
    if (u->made)
        c->made_bytes -= u->made->data_len;
    if (u->serial_read)
        g_queue_remove(&c->serial_reads, GUINT_TO_POINTER(u->seqnum));
    g_hash_table_remove(c->held, GUINT_TO_POINTER(u->seqnum));
}

struct replay_conn *replay_conn_new(int fd, uint32_t id, const char *peer,
                                    const struct replay_serve_config *cfg, uint64_t now,
                                    struct replay_pcap_flow *flow)
{
    struct replay_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->flow = flow;
    c->fd = fd;
    c->id = id;
    c->peer = g_strdup(peer);
    c->cfg = cfg;
    c->op_deadline = now + REPLAY_OP_TIMEOUT_NS;
    c->close_due = NEVER;
    c->out = g_byte_array_new();
    c->held = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, held_urb_free);
    if (!expect(c, STAGE_OP_HEADER, UIP_OP_HEADER_SIZE)) {
        replay_conn_free(c);
        return NULL;
    }
    return c;
}

/* The q-quantile (0..1) of the answers' lateness, in microseconds (LATE_BUCKETS - 1: that or more). */
static unsigned late_quantile_us(const struct replay_conn *c, double q)
{
    uint64_t total = 0, seen = 0;
    for (unsigned i = 0; i < LATE_BUCKETS; i++)
        total += c->late_us[i];
    uint64_t rank = (uint64_t)(q * (double)(total - 1)) + 1;
    for (unsigned i = 0; i < LATE_BUCKETS; i++)
        if ((seen += c->late_us[i]) >= rank)
            return i;
    return LATE_BUCKETS - 1;
}

void replay_conn_free(struct replay_conn *c)
{
    if (!c)
        return;
    if (c->matcher)
        replay_log("conn %u (%s): session ended: %llu URBs submitted, %llu answered, %llu unlinked "
                   "(%llu after their answer), %u still pending",
                   c->id, c->peer, (unsigned long long)c->submits, (unsigned long long)c->answered,
                   (unsigned long long)c->unlinked, (unsigned long long)c->unlinks_too_late,
                   g_hash_table_size(c->held));
    if (c->past_repeated || c->past_unmatched)
        replay_log("conn %u (%s): %llu request(s) went past the end of the recording: %llu asked more "
                   "often than recorded (given its last recorded answer), %llu with nothing recorded",
                   c->id, c->peer, (unsigned long long)(c->past_repeated + c->past_unmatched),
                   (unsigned long long)c->past_repeated, (unsigned long long)c->past_unmatched);
    if (c->answered)
        replay_log("conn %u (%s): answers went out a median %u us (p99 %s%u us) after the time "
                   "--timing set for them", c->id, c->peer, late_quantile_us(c, 0.5),
                   late_quantile_us(c, 0.99) == LATE_BUCKETS - 1 ? ">= " : "", late_quantile_us(c, 0.99));
    close(c->fd);
    replay_pcap_flow_close(c->flow);
    replay_matcher_free(c->matcher);
    replay_serial_session_free(c->serial);
    g_queue_clear(&c->serial_reads);
    g_hash_table_destroy(c->held);
    g_byte_array_free(c->out, TRUE);
    free(c->in);
    g_free(c->peer);
    free(c);
}

int replay_conn_fd(const struct replay_conn *c)
{
    return c->fd;
}

bool replay_conn_imported(const struct replay_conn *c)
{
    return c->matcher != NULL;
}

bool replay_conn_wants_write(const struct replay_conn *c)
{
    return c->out->len > c->out_off;
}

bool replay_conn_on_writable(struct replay_conn *c)
{
    while (c->out_off < c->out->len) {
        ssize_t n = send(c->fd, c->out->data + c->out_off, c->out->len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return conn_fail(c, "send failed: %s", n < 0 ? strerror(errno) : "no progress");
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out->len) {
        g_byte_array_set_size(c->out, 0);
        c->out_off = 0;
        if (c->stage == STAGE_CLOSING)
            return false; /* OP exchange done; the reply is out */
    }
    return true;
}

static bool conn_send(struct replay_conn *c, const uint8_t *p, size_t n)
{
    if (c->out->len - c->out_off + n > REPLAY_MAX_OUTPUT)
        return conn_fail(c, "the client does not read its answers (%u bytes waiting)",
                         c->out->len - (guint)c->out_off);
    g_byte_array_append(c->out, p, (guint)n);
    if (c->flow)
        replay_pcap_flow_data(c->flow, UIP_SIDE_SERVER, p, n);
    return true;
}

/* ---- OP phase ------------------------------------------------------------------------------ */

static bool send_op_header(struct replay_conn *c, uint16_t code, uint32_t status)
{
    struct uip_op_header h = {.version = UIP_PROTOCOL_VERSION, .code = code, .status = status};
    uint8_t b[UIP_OP_HEADER_SIZE];
    uip_encode_op_header(&h, b);
    return conn_send(c, b, sizeof b);
}

static bool answer_devlist(struct replay_conn *c)
{
    const struct replay_recording *r = c->cfg->rec;
    uint8_t count[4] = {0, 0, 0, 1};
    uint8_t rec[UIP_DEVICE_RECORD_SIZE];
    struct uip_device_record listed = r->device;
    /* An import reply of a device not configured yet says 0 interfaces; list the recorded ones. */
    if (!listed.num_interfaces)
        listed.num_interfaces = (uint8_t)r->n_ifaces;
    uip_encode_device_record(&listed, rec);
    if (!send_op_header(c, UIP_OP_REP_DEVLIST, UIP_ST_OK) || !conn_send(c, count, sizeof count) ||
        !conn_send(c, rec, sizeof rec))
        return false;
    for (uint32_t i = 0; i < listed.num_interfaces && i < UIP_MAX_INTERFACES; i++) {
        struct uip_interface_record none = {0};
        uint8_t b[UIP_INTERFACE_RECORD_SIZE];
        uip_encode_interface_record(i < r->n_ifaces ? &r->ifaces[i] : &none, b);
        if (!conn_send(c, b, sizeof b))
            return false;
    }
    replay_log("conn %u (%s): OP_REQ_DEVLIST answered with busid %s", c->id, c->peer, r->device.busid);
    c->stage = STAGE_CLOSING;
    return true;
}

static bool answer_import(struct replay_conn *c, uint64_t now)
{
    const struct replay_recording *r = c->cfg->rec;
    char busid[UIP_BUSID_SIZE + 1];
    memcpy(busid, c->in + UIP_OP_HEADER_SIZE, UIP_BUSID_SIZE);
    busid[UIP_BUSID_SIZE] = 0;
    for (char *p = busid; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    if (strcmp(busid, r->device.busid)) {
        replay_log("conn %u (%s): OP_REQ_IMPORT of busid '%s' refused (this recording plays %s)", c->id,
                   c->peer, busid, r->device.busid);
        c->stage = STAGE_CLOSING;
        return send_op_header(c, UIP_OP_REP_IMPORT, UIP_ST_NODEV);
    }
    uint8_t rec[UIP_DEVICE_RECORD_SIZE];
    uip_encode_device_record(&r->device, rec);
    if (!send_op_header(c, UIP_OP_REP_IMPORT, UIP_ST_OK) || !conn_send(c, rec, sizeof rec))
        return false;
    c->matcher = replay_matcher_new(r, replay_timing_borrows_answers(&c->cfg->timing), c->cfg->storage);
    if (!c->matcher)
        return conn_fail(c, "out of memory");
    if (c->cfg->serial)
        c->serial = replay_serial_session_new(c->cfg->serial, &c->cfg->timing, now);
    replay_log("conn %u (%s): imported busid %s (%04x:%04x), %zu recorded URBs to play", c->id, c->peer,
               busid, r->device.id_vendor, r->device.id_product, r->n_urbs);
    return expect(c, STAGE_URB_HEADER, UIP_HEADER_SIZE);
}

static bool handle_op_header(struct replay_conn *c)
{
    struct uip_op_header h;
    uip_decode_op_header(c->in, c->in_len, &h);
    if (h.version != UIP_PROTOCOL_VERSION)
        return conn_fail(c, "OP request with protocol version 0x%04x (not 0x%04x)", h.version,
                         UIP_PROTOCOL_VERSION);
    if (h.code == UIP_OP_REQ_DEVLIST)
        return answer_devlist(c);
    if (h.code == UIP_OP_REQ_IMPORT)
        return expect(c, STAGE_OP_IMPORT, UIP_OP_REQ_IMPORT_SIZE);
    const char *name = uip_op_code_name(h.code);
    return conn_fail(c, "unexpected OP code 0x%04x (%s)", h.code, name ? name : "unknown");
}

/* ---- URB phase ----------------------------------------------------------------------------- */

static bool send_ret_unlink(struct replay_conn *c, uint32_t seqnum, int32_t status)
{
    struct uip_header h = {.command = UIP_RET_UNLINK, .seqnum = seqnum};
    h.u.ret_unlink.status = status;
    uint8_t b[UIP_HEADER_SIZE];
    uip_encode_header(&h, b);
    return conn_send(c, b, sizeof b);
}

/* The RET_SUBMIT of a held URB: the recorded answer fitted to the live request. */
static bool send_ret_submit(struct replay_conn *c, const struct held_urb *u)
{
    const struct replay_urb *a = u->answer;
    struct uip_header h = {.command = UIP_RET_SUBMIT, .seqnum = u->seqnum};
    int32_t status = a ? a->status : c->cfg->unmatched_status;
    int32_t actual = a && a->actual_length > 0 ? a->actual_length : 0;
    if (a && u->direction == UIP_DIR_IN && (uint32_t)actual > a->data_len)
        actual = (int32_t)a->data_len;
    if (actual > u->transfer_buffer_length) {
        replay_divergence("conn %u seq %u: recorded answer of %d bytes is longer than the %d asked; "
                          "truncated with -EOVERFLOW",
                          c->id, u->seqnum, actual, u->transfer_buffer_length);
        actual = u->transfer_buffer_length > 0 ? u->transfer_buffer_length : 0;
        status = -EOVERFLOW;
    }
    bool iso = uip_np_is_iso(u->number_of_packets);
    bool iso_recorded = iso && a && a->iso && a->iso_count == u->number_of_packets;
    if (iso && !iso_recorded)
        actual = 0; /* the descriptors we make up carry no data */
    h.u.ret_submit.status = status;
    h.u.ret_submit.actual_length = actual;
    h.u.ret_submit.start_frame = a ? a->start_frame : 0;
    h.u.ret_submit.number_of_packets = iso ? u->number_of_packets : 0;
    h.u.ret_submit.error_count = a ? a->error_count : 0;
    uint8_t b[UIP_HEADER_SIZE];
    uip_encode_header(&h, b);
    if (!conn_send(c, b, sizeof b))
        return false;
    if (u->direction == UIP_DIR_IN && actual > 0 && !conn_send(c, a->data, (size_t)actual))
        return false;
    for (uint32_t i = 0; iso && i < u->number_of_packets; i++) {
        struct uip_iso_desc none = {0};
        uint8_t d[UIP_ISO_DESC_SIZE];
        uip_encode_iso_desc(iso_recorded ? &a->iso[i] : &none, d);
        if (!conn_send(c, d, sizeof d))
            return false;
    }
    c->answered++;
    uint64_t now = replay_net_now_ns(), late_us = now > u->due ? (now - u->due) / 1000u : 0;
    c->late_us[late_us < LATE_BUCKETS ? late_us : LATE_BUCKETS - 1]++;
    const struct replay_recording *r = c->cfg->rec;
    if (a && r->server_closed && a == &r->urbs[r->close_after] && c->close_due == NEVER)
        c->close_due = now + r->close_delay_ns; /* the device's going, not an answer: as recorded */
    return true;
}

/* Once per connection, at the first request past the recording (nothing recorded for it, or
 * asked more often than recorded): where the recording ends. */
static void tell_where_recording_ends(struct replay_conn *c)
{
    const struct replay_recording *r = c->cfg->rec;
    if (c->told_where_recording_ends || !r->n_urbs)
        return;
    c->told_where_recording_ends = true;
    const struct replay_urb *last = &r->urbs[r->n_urbs - 1];
    char what[128] = "";
    if (last->has_setup)
        replay_setup_describe(last->setup, what, sizeof what);
    replay_log("conn %u: the session has gone past the recording, whose %zu URBs end with seq %u "
               "(ep %u %s%s%s, %s) %.3f s after its first; requests past it get the last recorded "
               "answer of the same request, or the --unmatched answer",
               c->id, r->n_urbs, last->seqnum, last->ep, last->direction == UIP_DIR_IN ? "IN" : "OUT",
               what[0] ? " " : "", what, last->answered ? "answered" : "never answered",
               (double)(last->t_submit_ns - r->urbs[0].t_submit_ns) / 1e9);
}

/* Hold the CMD_SUBMIT in c->hdr (its answer and due time are the caller's to set). */
static struct held_urb *hold(struct replay_conn *c)
{
    const struct uip_header *h = &c->hdr;
    struct held_urb *u = g_new0(struct held_urb, 1);
    *u = (struct held_urb){.seqnum = h->seqnum,
                           .direction = h->direction,
                           .transfer_buffer_length = h->u.cmd_submit.transfer_buffer_length,
                           .order = c->arrivals++,
                           .due = NEVER};
    g_hash_table_insert(c->held, GUINT_TO_POINTER(h->seqnum), u);
    return u;
}

/* A CMD_SUBMIT on the serial adapter's bulk endpoints (OUT data: out_len bytes): a write is
 * answered as recorded and schedules the responses that followed it; a read waits for the next
 * response due. */
static bool handle_serial(struct replay_conn *c, uint32_t out_len, uint64_t now)
{
    const struct uip_header *h = &c->hdr;
    struct held_urb *u = hold(c);
    if (h->direction == UIP_DIR_IN) {
        u->serial_read = true;
        u->arrived = now;
        g_queue_push_tail(&c->serial_reads, GUINT_TO_POINTER(h->seqnum));
        return true;
    }
    struct replay_urb *made = calloc(1, sizeof *made);
    if (!made)
        return conn_fail(c, "out of memory");
    if (!replay_serial_write(c->serial, c->id, h, c->in + UIP_HEADER_SIZE, out_len, now, made)) {
        c->past_unmatched++;
        tell_where_recording_ends(c);
    }
    u->answer = u->made = made;
    u->due = now + replay_timing_delay(&c->cfg->timing, made->latency_ns);
    return true;
}

/* Give the serial responses due by now to the oldest waiting reads. */
static bool serve_serial_reads(struct replay_conn *c, uint64_t now)
{
    while (c->serial && !g_queue_is_empty(&c->serial_reads) && replay_serial_next_due(c->serial) <= now) {
        uint32_t seqnum = GPOINTER_TO_UINT(g_queue_pop_head(&c->serial_reads));
        struct held_urb *u = g_hash_table_lookup(c->held, GUINT_TO_POINTER(seqnum));
        struct replay_urb *made = calloc(1, sizeof *made);
        if (!made)
            return conn_fail(c, "out of memory");
        uint64_t response_due = replay_serial_next_due(c->serial);
        replay_serial_take(c->serial, now, u->transfer_buffer_length, made);
        u->serial_read = false;
        u->answer = u->made = made;
        /* due when the response was, or when the read came if later: lateness counts from there */
        u->due = response_due > u->arrived ? response_due : u->arrived;
        u->order = c->arrivals++; /* after the write it follows, due at the same time */
        if ((c->made_bytes += made->data_len) > REPLAY_MAX_MADE_BYTES)
            return conn_fail(c, "more than %u bytes of answers waiting to go out", REPLAY_MAX_MADE_BYTES);
    }
    return true;
}

static bool handle_submit(struct replay_conn *c, uint64_t now)
{
    const struct uip_header *h = &c->hdr;
    if (g_hash_table_contains(c->held, GUINT_TO_POINTER(h->seqnum)))
        return conn_fail(c, "CMD_SUBMIT seq %u while seq %u is still outstanding", h->seqnum, h->seqnum);
    if (g_hash_table_size(c->held) >= REPLAY_MAX_HELD_URBS)
        return conn_fail(c, "more than %u outstanding URBs", REPLAY_MAX_HELD_URBS);
    c->submits++;
    uint32_t out_len = h->direction == UIP_DIR_OUT && h->u.cmd_submit.transfer_buffer_length > 0
                           ? (uint32_t)h->u.cmd_submit.transfer_buffer_length
                           : 0;
    if (c->serial && replay_serial_owns(c->cfg->serial, h->ep, h->direction))
        return handle_serial(c, out_len, now);
    struct replay_match m;
    replay_matcher_match(c->matcher, c->id, h, c->in + UIP_HEADER_SIZE, out_len, &m);
    if (m.repeated) {
        c->past_repeated++;
        tell_where_recording_ends(c);
    }
    struct held_urb *u = hold(c);
    u->number_of_packets = h->u.cmd_submit.number_of_packets;
    u->answer = m.urb;
    u->made = m.made;
    if (m.made && (c->made_bytes += m.made->data_len) > REPLAY_MAX_MADE_BYTES)
        return conn_fail(c, "more than %u bytes of answers waiting to go out", REPLAY_MAX_MADE_BYTES);
    switch (m.kind) {
    case REPLAY_MATCH_ANSWER:
        u->due = now + replay_timing_delay(&c->cfg->timing, m.urb->latency_ns);
        break;
    case REPLAY_MATCH_HOLD:
        replay_log_verbose("conn %u seq %u: pending, as recorded seq %u was", c->id, h->seqnum,
                           m.urb->seqnum);
        u->due = NEVER;
        break;
    case REPLAY_MATCH_NONE:
        c->past_unmatched++;
        tell_where_recording_ends(c);
        u->answer = NULL;
        u->due = c->cfg->unmatched_pending ? NEVER : now;
        break;
    }
    return true;
}

static bool handle_unlink(struct replay_conn *c)
{
    uint32_t victim = c->hdr.u.cmd_unlink.unlink_seqnum;
    struct held_urb *u = g_hash_table_lookup(c->held, GUINT_TO_POINTER(victim));
    if (u && u->answer && u->answer->unlink_raced && u->due != NEVER) {
        /* As recorded: the answer was already on its way when the unlink came, so the
         * RET_SUBMIT goes out at its time and the RET_UNLINK (status 0) right after it. The
         * client keeps the URB until its RET_UNLINK, so this never answers a given-back URB. */
        u->unlink_waits = true;
        u->unlink_seqnum = c->hdr.seqnum;
        replay_log_verbose(
            "conn %u seq %u: CMD_UNLINK of seq %u: answered after its RET_SUBMIT, as recorded", c->id,
            c->hdr.seqnum, victim);
        return true;
    }
    bool held = u != NULL;
    if (u)
        release_held(c, u);
    /* The victim's RET_SUBMIT is never sent after this: only the RET_UNLINK. */
    if (held)
        c->unlinked++;
    else
        c->unlinks_too_late++;
    replay_log_verbose("conn %u seq %u: CMD_UNLINK of seq %u (%s)", c->id, c->hdr.seqnum, victim,
                       held ? "held: -ECONNRESET" : "already answered or unknown: 0");
    return send_ret_unlink(c, c->hdr.seqnum, held ? -ECONNRESET : 0);
}

static bool handle_urb_header(struct replay_conn *c, uint64_t now)
{
    int rc = uip_validate_header(c->in, c->in_len, UIP_SIDE_CLIENT, &c->hdr);
    if (rc != UIP_OK)
        return conn_fail(c, "malformed URB header: %s", uip_strerror(rc));
    if (c->hdr.command == UIP_CMD_UNLINK)
        return handle_unlink(c) && expect(c, STAGE_URB_HEADER, UIP_HEADER_SIZE);
    uint64_t len = 0;
    rc = uip_urb_pdu_length(&c->hdr, (int)c->hdr.direction, &len, NULL);
    if (rc != UIP_OK)
        return conn_fail(c, "CMD_SUBMIT seq %u: %s", c->hdr.seqnum, uip_strerror(rc));
    if (len - UIP_HEADER_SIZE > REPLAY_MAX_URB_DATA)
        return conn_fail(c, "CMD_SUBMIT seq %u carries %llu bytes (cap %u)", c->hdr.seqnum,
                         (unsigned long long)(len - UIP_HEADER_SIZE), REPLAY_MAX_URB_DATA);
    if (len == UIP_HEADER_SIZE)
        return handle_submit(c, now) && expect(c, STAGE_URB_HEADER, UIP_HEADER_SIZE);
    return expect(c, STAGE_URB_BODY, (size_t)len);
}

/* A complete unit (the in_need bytes) is in c->in. */
static bool handle_unit(struct replay_conn *c, uint64_t now)
{
    switch (c->stage) {
    case STAGE_OP_HEADER: return handle_op_header(c);
    case STAGE_OP_IMPORT: return answer_import(c, now);
    case STAGE_URB_HEADER: return handle_urb_header(c, now);
    case STAGE_URB_BODY: return handle_submit(c, now) && expect(c, STAGE_URB_HEADER, UIP_HEADER_SIZE);
    case STAGE_CLOSING: break;
    }
    return true;
}

bool replay_conn_on_readable(struct replay_conn *c, uint64_t now)
{
    bool drained = false; /* the last recv took less than it could: the socket is empty */
    for (int units = 0; units < PDUS_PER_READ && c->stage != STAGE_CLOSING;) {
        if (c->rx_off == c->rx_len) {
            if (drained)
                break;
            ssize_t n = recv(c->fd, c->rx, sizeof c->rx, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (n < 0)
                return conn_fail(c, "receive failed: %s", strerror(errno));
            if (n == 0) {
                if (c->in_len)
                    return conn_fail(c, "the client disconnected in the middle of a PDU (%zu of %zu bytes)",
                                     c->in_len, c->in_need);
                if (!c->matcher)
                    return conn_fail(c, "the client disconnected without an OP request");
                return false; /* the client detached: the session summary says the rest */
            }
            if (c->flow)
                replay_pcap_flow_data(c->flow, UIP_SIDE_CLIENT, c->rx, (size_t)n);
            c->rx_off = 0;
            c->rx_len = (size_t)n;
            drained = (size_t)n < sizeof c->rx;
        }
        size_t take = c->in_need - c->in_len;
        if (take > c->rx_len - c->rx_off)
            take = c->rx_len - c->rx_off;
        memcpy(c->in + c->in_len, c->rx + c->rx_off, take);
        c->rx_off += take;
        c->in_len += take;
        if (c->in_len < c->in_need)
            continue;
        units++;
        if (!handle_unit(c, now))
            return false;
        /* The OP import body and the CMD_SUBMIT data continue the PDU already in c->in. */
        if (c->stage != STAGE_OP_IMPORT && c->stage != STAGE_URB_BODY)
            c->in_len = 0;
    }
    return replay_conn_on_time(c, now);
}

bool replay_conn_has_input(const struct replay_conn *c)
{
    return c->rx_off < c->rx_len && c->stage != STAGE_CLOSING;
}

/* ---- deadlines ----------------------------------------------------------------------------- */

static struct held_urb *earliest_held(const struct replay_conn *c)
{
    GHashTableIter it;
    gpointer v;
    struct held_urb *best = NULL;
    g_hash_table_iter_init(&it, c->held);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        struct held_urb *u = v;
        if (u->due != NEVER &&
            (!best || u->due < best->due || (u->due == best->due && u->order < best->order)))
            best = u;
    }
    return best;
}

uint64_t replay_conn_next_deadline(const struct replay_conn *c)
{
    if (!c->matcher && c->stage != STAGE_CLOSING)
        return c->op_deadline;
    const struct held_urb *u = earliest_held(c);
    uint64_t due = u ? u->due : NEVER;
    if (c->close_due < due)
        due = c->close_due;
    if (c->serial && !g_queue_is_empty((GQueue *)&c->serial_reads)) {
        uint64_t response = replay_serial_next_due(c->serial);
        if (response < due)
            due = response;
    }
    return due;
}

bool replay_conn_on_time(struct replay_conn *c, uint64_t now)
{
    if (!c->matcher && c->stage != STAGE_CLOSING && now >= c->op_deadline)
        return conn_fail(c, "no OP request within %llu s", REPLAY_OP_TIMEOUT_NS / 1000000000ull);
    if (!serve_serial_reads(c, now))
        return false;
    struct held_urb *u;
    while ((u = earliest_held(c)) && u->due <= now) {
        bool ok = send_ret_submit(c, u);
        if (ok && u->unlink_waits) {
            c->unlinks_too_late++;
            ok = send_ret_unlink(c, u->unlink_seqnum, 0);
        }
        release_held(c, u);
        if (!ok)
            return false;
    }
    if (!replay_conn_on_writable(c))
        return false;
    if (now >= c->close_due && !replay_conn_wants_write(c))
        return conn_fail(c, "as recorded: the server closed the connection %.1f ms after the answer to "
                            "recorded seq %u, as usbip-host does when its device disconnects (a phone's "
                            "USB mode switch)",
                         (double)c->cfg->rec->close_delay_ns / 1e6, c->cfg->rec->urbs[c->cfg->rec->close_after].seqnum);
    return true;
}
