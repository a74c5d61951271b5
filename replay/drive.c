/* SPDX-License-Identifier: GPL-2.0-or-later */
/* drive.c -- usbip-replay drive: a USB/IP client that imports a device from a real server, sends it
 * the recorded host requests with their recorded concurrency and compares every answer. */
#define _GNU_SOURCE
#include "drive.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "matcher.h"
#include "net.h"
#include "timing.h"
#include "uip/error.h"
#include "uip/tracker.h"
#include "uip/usb.h"
#include "uip/wire.h"

/* An unlink settled by its RET_UNLINK, or by its victim's RET_SUBMIT that crossed it. In the
 * second case usbip-host queues its RET_UNLINK (status 0) without waking its sender thread, so it
 * goes out only with the stub's next transmission, maybe never: like vhci-hcd, drive does not
 * wait for it, and takes it when it comes. */
#define UNLINK_ANSWERED UINT32_MAX
#define UNLINK_RACED (UINT32_MAX - 1)

/* One recv takes what the socket has, up to this. */
#define DRIVE_RX_SIZE 65536

/* The state of one recorded URB in the live session; its live seqnum is its index + 1. */
struct live_urb {
    bool submitted;
    bool done;      /* answered live, unlinked, or not sent (isochronous) */
    bool unlinking; /* a CMD_UNLINK was sent for it */
    uint64_t sent_ns;
    uint64_t answer_ns;   /* when its RET_SUBMIT came (0: not answered live) */
    uint64_t deadline_ns; /* for its answer, or for the RET_UNLINK once unlinking */
};

struct drive {
    const struct replay_drive_config *cfg;
    const struct replay_recording *rec;
    int fd;
    struct replay_pcap_flow *flow;
    uint32_t devid;
    struct live_urb *live;
    size_t next;       /* the next recorded URB to submit */
    size_t first_open; /* no URB below it is still waited for */
    size_t awaited;    /* submitted, answered in the recording, not yet answered live */
    uint32_t *unlinks; /* victim index of each CMD_UNLINK sent (its seqnum: n_urbs + 1 + k);
                        * UNLINK_ANSWERED, UNLINK_RACED once settled */
    size_t n_unlinks, unlinks_open;
    size_t late;       /* URBs unlinked for want of an answer while the server answered others */
    uint64_t last_rx_ns;
    uint8_t *rx;       /* received from the server, not yet taken: rx_off..rx_len */
    size_t rx_off, rx_len;
    uint8_t *tx;       /* a CMD_SUBMIT being sent */
    size_t tx_cap;
    struct uip_iso_desc *iso; /* a RET_SUBMIT's isochronous packets */
    uint32_t iso_cap;
    uint8_t *buf;      /* a RET_SUBMIT's payload */
    size_t buf_cap;
    size_t answered, not_sent;
    bool context_shown; /* the first divergent answer was shown with its context */
    uint8_t serial_index; /* the recorded iSerialNumber, for --ignore ...:serial */
    uint64_t divergences_at_start;
};

/* ---- --ignore -------------------------------------------------------------------------- */

static bool parse_scope(const char *scope, struct replay_ignore_rule *r)
{
    if (!strcmp(scope, "strings") || !strcmp(scope, "serial")) {
        r->requests = scope[1] == 't' ? REPLAY_IGNORE_STRINGS : REPLAY_IGNORE_SERIAL;
        return true;
    }
    if (strncmp(scope, "ep", 2))
        return false;
    char *end;
    long ep = strtol(scope + 2, &end, 10);
    if (end == scope + 2 || ep < 0 || ep > 15)
        return false;
    r->ep = (int8_t)ep;
    if (!strcmp(end, "in"))
        r->dirs = 1u << UIP_DIR_IN;
    else if (!strcmp(end, "out"))
        r->dirs = 1u << UIP_DIR_OUT;
    else if (*end)
        return false;
    return true;
}

bool replay_drive_parse_ignore(const char *text, struct replay_drive_config *cfg, char *err, size_t errlen)
{
    char copy[512];
    if (snprintf(copy, sizeof copy, "%s", text) >= (int)sizeof copy) {
        snprintf(err, errlen, "--ignore: the list is too long");
        return false;
    }
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (cfg->n_ignore == REPLAY_MAX_IGNORE) {
            snprintf(err, errlen, "--ignore: at most %d items", REPLAY_MAX_IGNORE);
            return false;
        }
        struct replay_ignore_rule r = {.ep = -1, .dirs = 1u << UIP_DIR_OUT | 1u << UIP_DIR_IN};
        char *scope = strchr(item, ':');
        if (scope)
            *scope++ = 0;
        if (!strcmp(item, "status"))
            r.fields = REPLAY_FIELD_STATUS;
        else if (!strcmp(item, "length"))
            r.fields = REPLAY_FIELD_LENGTH;
        else if (!strcmp(item, "data"))
            r.fields = REPLAY_FIELD_DATA;
        else if (!strcmp(item, "all"))
            r.fields = REPLAY_FIELD_STATUS | REPLAY_FIELD_LENGTH | REPLAY_FIELD_DATA;
        if (!r.fields || (scope && !parse_scope(scope, &r))) {
            snprintf(err, errlen,
                     "--ignore wants FIELD[:SCOPE],... (FIELD status, length, data or all; SCOPE epN, "
                     "epNin, epNout, strings or serial), not '%s%s%s'",
                     item, scope ? ":" : "", scope ? scope : "");
            return false;
        }
        cfg->ignore[cfg->n_ignore++] = r;
    }
    return true;
}

static bool is_string_request(const struct replay_urb *u)
{
    return u->ep == 0 && u->has_setup && u->setup[0] == 0x80 &&
           u->setup[1] == UIP_USB_REQ_GET_DESCRIPTOR && u->setup[3] == UIP_USB_DT_STRING;
}

/* iSerialNumber of the recorded device descriptor (0: none recorded, or no serial number). */
static uint8_t recorded_serial_index(const struct replay_recording *rec)
{
    for (size_t i = 0; i < rec->n_urbs; i++) {
        const struct replay_urb *u = &rec->urbs[i];
        if (u->ep == 0 && u->has_setup && u->setup[0] == 0x80 && u->setup[1] == UIP_USB_REQ_GET_DESCRIPTOR &&
            u->setup[3] == UIP_USB_DT_DEVICE && u->answered && u->data_len >= 17)
            return u->data[16];
    }
    return 0;
}

/* The fields of u's answer that are not compared. */
static unsigned ignored_fields(const struct drive *d, const struct replay_urb *u)
{
    unsigned fields = 0;
    for (size_t i = 0; i < d->cfg->n_ignore; i++) {
        const struct replay_ignore_rule *r = &d->cfg->ignore[i];
        bool requests = r->requests == REPLAY_IGNORE_ANY ||
                        (is_string_request(u) && (r->requests == REPLAY_IGNORE_STRINGS ||
                                                  (d->serial_index && u->setup[2] == d->serial_index)));
        if ((r->ep < 0 || r->ep == u->ep) && (u->direction < 0 || (r->dirs >> u->direction & 1)) && requests)
            fields |= r->fields;
    }
    return fields;
}

/* ---- socket ------------------------------------------------------------------------------ */

static uint64_t deadline_after_ms(int ms)
{
    return replay_net_now_ns() + (uint64_t)ms * 1000000u;
}

/* 0 sent; -1 with a log line (timeout or a closed connection). */
static int send_all(struct drive *d, const uint8_t *p, size_t len)
{
    uint64_t deadline = deadline_after_ms(d->cfg->timeout_ms);
    if (d->flow)
        replay_pcap_flow_data(d->flow, UIP_SIDE_CLIENT, p, len);
    while (len) {
        ssize_t n = send(d->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pf = {.fd = d->fd, .events = POLLOUT};
            if (replay_net_poll(&pf, 1, deadline, 0, false) <= 0) {
                replay_log("drive: the server stopped reading (nothing sent for %d ms)", d->cfg->timeout_ms);
                return -1;
            }
            continue;
        }
        if (n <= 0) {
            replay_log("drive: the server closed the connection (%s)", strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

enum recv_result { RECV_OK, RECV_TIMEOUT, RECV_CLOSED };

/* Read what the socket has into d->rx (it is empty), waiting for it until deadline_ns. While
 * spinning (pair), recv itself is polled: one syscall when the data comes, not poll then recv. */
static enum recv_result fill_rx(struct drive *d, uint64_t deadline_ns)
{
    uint64_t spin_until = d->cfg->spin_ns ? replay_net_now_ns() + d->cfg->spin_ns : 0;
    for (;;) {
        ssize_t n = recv(d->fd, d->rx, DRIVE_RX_SIZE, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            uint64_t now = replay_net_now_ns();
            if (now < spin_until && now < deadline_ns)
                continue;
            struct pollfd pf = {.fd = d->fd, .events = POLLIN};
            int r = replay_net_poll(&pf, 1, deadline_ns, 0, false);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return RECV_TIMEOUT;
            continue;
        }
        if (n <= 0)
            return RECV_CLOSED;
        if (d->flow)
            replay_pcap_flow_data(d->flow, UIP_SIDE_SERVER, d->rx, (size_t)n);
        d->last_rx_ns = replay_net_now_ns();
        d->rx_off = 0;
        d->rx_len = (size_t)n;
        return RECV_OK;
    }
}

static enum recv_result recv_all(struct drive *d, uint8_t *p, size_t len, uint64_t deadline_ns)
{
    while (len) {
        if (d->rx_off == d->rx_len) {
            enum recv_result r = fill_rx(d, deadline_ns);
            if (r != RECV_OK)
                return r;
        }
        size_t take = d->rx_len - d->rx_off < len ? d->rx_len - d->rx_off : len;
        memcpy(p, d->rx + d->rx_off, take);
        d->rx_off += take;
        p += take;
        len -= take;
    }
    return RECV_OK;
}

/* Wait until the server has something to read (it is read into d->rx) or closed the
 * connection (read_pdu then says so), at most until deadline_ns. */
static bool wait_readable(struct drive *d, uint64_t deadline_ns)
{
    return d->rx_off < d->rx_len || fill_rx(d, deadline_ns) != RECV_TIMEOUT;
}

/* ---- describing URBs ---------------------------------------------------------------------- */

static void describe_urb(const struct drive *d, size_t i, char *buf, size_t len)
{
    const struct replay_urb *u = &d->rec->urbs[i];
    char what[160] = "";
    if (u->has_setup)
        replay_setup_describe(u->setup, what, sizeof what);
    snprintf(buf, len, "URB %zu of %zu (recorded seqnum %u, ep %u %s %s%s%s)", i + 1, d->rec->n_urbs,
             u->seqnum, u->ep, u->direction == UIP_DIR_IN ? "IN" : "OUT",
             uip_xfer_type_name((enum uip_xfer_type)u->xfer_type), what[0] ? " " : "", what);
}

static void describe_status(int32_t status, char *buf, size_t len)
{
    const char *name = uip_status_name(status);
    snprintf(buf, len, "%d%s%s%s", status, name ? " (" : "", name ? name : "", name ? ")" : "");
}

/* One line of up to 16 bytes of data from off ("--" past its end). */
static void hex_row(const char *label, const uint8_t *p, size_t len, size_t off)
{
    char line[16 * 3 + 1] = "";
    for (size_t k = 0; k < 16; k++) {
        if (off + k < len)
            snprintf(line + 3 * k, sizeof line - 3 * k, " %02x", p[off + k]);
        else
            snprintf(line + 3 * k, sizeof line - 3 * k, " --");
    }
    replay_log("  %s at 0x%04zx:%s", label, off, line);
}

/* The first divergence: the URB's request, and expected against received (h NULL: nothing). */
static void log_context(const struct drive *d, size_t i, const struct uip_header *h, const uint8_t *data,
                        size_t data_len, size_t diff_at)
{
    const struct replay_urb *u = &d->rec->urbs[i];
    replay_log("  first divergence, in context:");
    if (u->has_setup)
        replay_log("  setup %02x %02x %02x %02x %02x %02x %02x %02x, transfer_buffer_length %d",
                   u->setup[0], u->setup[1], u->setup[2], u->setup[3], u->setup[4], u->setup[5],
                   u->setup[6], u->setup[7], u->transfer_buffer_length);
    else
        replay_log("  transfer_buffer_length %d", u->transfer_buffer_length);
    char exp_st[64], got_st[64];
    describe_status(u->status, exp_st, sizeof exp_st);
    describe_status(h ? h->u.ret_submit.status : 0, got_st, sizeof got_st);
    if (u->answered)
        replay_log("  expected: status %s, actual_length %d", exp_st, u->actual_length);
    else
        replay_log("  expected: no answer (the URB was pending when the recording ended or was unlinked)");
    if (!h) {
        replay_log("  received: no answer");
        return;
    }
    replay_log("  received: status %s, actual_length %d", got_st, h->u.ret_submit.actual_length);
    if (u->direction == UIP_DIR_IN && u->answered && diff_at != SIZE_MAX) {
        size_t row = diff_at & ~(size_t)15;
        hex_row("expected", u->data, u->data_len, row);
        hex_row("received", data, data_len, row);
    }
}

/* ---- comparing -------------------------------------------------------------------------- */

/* Compare a live answer with the recorded one: status, actual_length, IN data, and for
 * isochronous URBs (iso: the live packets) each packet's status and actual_length. */
static void compare(struct drive *d, size_t i, const struct uip_header *h, const uint8_t *data, size_t data_len,
                    const struct uip_iso_desc *iso)
{
    const struct replay_urb *u = &d->rec->urbs[i];
    char urb[256];
    describe_urb(d, i, urb, sizeof urb);
    int32_t status = h->u.ret_submit.status, actual = h->u.ret_submit.actual_length;
    if (d->live[i].unlinking) {
        replay_log_verbose("drive: %s answered as it was being unlinked", urb);
        return;
    }
    if (!u->answered) {
        char st[64];
        describe_status(status, st, sizeof st);
        replay_divergence("%s: answered live (status %s, actual_length %d), never answered in the "
                          "recording", urb, st, actual);
        if (!d->context_shown)
            log_context(d, i, h, data, data_len, SIZE_MAX);
        d->context_shown = true;
        return;
    }
    unsigned ignore = ignored_fields(d, u);
    char what[256] = "";
    size_t w = 0, diff_at = SIZE_MAX;
    if (!(ignore & REPLAY_FIELD_STATUS) && status != u->status) {
        char exp_st[64], got_st[64];
        describe_status(u->status, exp_st, sizeof exp_st);
        describe_status(status, got_st, sizeof got_st);
        w += (size_t)snprintf(what + w, sizeof what - w, "; status %s, recorded %s", got_st, exp_st);
    }
    if (!(ignore & REPLAY_FIELD_LENGTH) && actual != u->actual_length && w < sizeof what)
        w += (size_t)snprintf(what + w, sizeof what - w, "; actual_length %d, recorded %d", actual,
                              u->actual_length);
    if (!(ignore & REPLAY_FIELD_DATA) && u->direction == UIP_DIR_IN) {
        size_t common = data_len < u->data_len ? data_len : u->data_len;
        for (size_t k = 0; k < common && diff_at == SIZE_MAX; k++)
            if (data[k] != u->data[k])
                diff_at = k;
        if (diff_at != SIZE_MAX && w < sizeof what)
            w += (size_t)snprintf(what + w, sizeof what - w, "; IN data differs from byte %zu", diff_at);
        else if (data_len != u->data_len)
            diff_at = common; /* for the context: where the shorter one ends */
    }
    for (uint32_t k = 0; iso && k < u->iso_count && w < sizeof what; k++) {
        bool st = !(ignore & REPLAY_FIELD_STATUS) && iso[k].status != u->iso[k].status;
        bool len = !(ignore & REPLAY_FIELD_LENGTH) && iso[k].actual_length != u->iso[k].actual_length;
        if (st || len) {
            w += (size_t)snprintf(what + w, sizeof what - w,
                                  "; packet %u of %u: status %d, actual_length %u, recorded %d, %u", k,
                                  u->iso_count, iso[k].status, iso[k].actual_length, u->iso[k].status,
                                  u->iso[k].actual_length);
            break; /* the first packet that differs */
        }
    }
    if (!w)
        return;
    replay_divergence("%s:%s", urb, what + 1);
    if (!d->context_shown)
        log_context(d, i, h, data, data_len, diff_at);
    d->context_shown = true;
}

/* ---- the session ------------------------------------------------------------------------ */

static enum replay_drive_result import_device(struct drive *d)
{
    uint8_t req[UIP_OP_REQ_IMPORT_SIZE] = {0};
    struct uip_op_header oh = {.version = UIP_PROTOCOL_VERSION, .code = UIP_OP_REQ_IMPORT};
    uip_encode_op_header(&oh, req);
    memcpy(req + UIP_OP_HEADER_SIZE, d->cfg->busid, strnlen(d->cfg->busid, UIP_BUSID_SIZE - 1));
    if (send_all(d, req, sizeof req))
        return REPLAY_DRIVE_NO_ANSWER;
    uint8_t rep[UIP_OP_REP_IMPORT_SIZE];
    uint64_t deadline = deadline_after_ms(d->cfg->timeout_ms);
    enum recv_result r = recv_all(d, rep, UIP_OP_HEADER_SIZE, deadline);
    if (r != RECV_OK) {
        replay_log("drive: the server %s the import of %s", r == RECV_TIMEOUT ? "did not answer" : "closed the connection at",
                   d->cfg->busid);
        return REPLAY_DRIVE_NO_ANSWER;
    }
    uip_decode_op_header(rep, UIP_OP_HEADER_SIZE, &oh);
    if (oh.code != UIP_OP_REP_IMPORT) {
        replay_log("drive: the server answered the import with op code 0x%04x, not OP_REP_IMPORT", oh.code);
        return REPLAY_DRIVE_REFUSED;
    }
    if (oh.status != UIP_ST_OK) {
        const char *name = uip_op_status_name(oh.status);
        replay_log("drive: the server refused the import of %s: status %u (%s)", d->cfg->busid, oh.status,
                   name ? name : "unknown");
        return REPLAY_DRIVE_REFUSED;
    }
    r = recv_all(d, rep + UIP_OP_HEADER_SIZE, UIP_DEVICE_RECORD_SIZE, deadline);
    if (r != RECV_OK) {
        replay_log("drive: the server's OP_REP_IMPORT ended before its device record");
        return REPLAY_DRIVE_REFUSED;
    }
    struct uip_device_record dev;
    uip_decode_device_record(rep + UIP_OP_HEADER_SIZE, UIP_DEVICE_RECORD_SIZE, &dev);
    d->devid = dev.busnum << 16 | (dev.devnum & 0xffff);
    replay_log("drive: imported busid %s %04x:%04x from %s (devid 0x%08x)", dev.busid, dev.id_vendor,
               dev.id_product, d->cfg->server, d->devid);
    if (dev.id_vendor != d->rec->device.id_vendor || dev.id_product != d->rec->device.id_product)
        replay_divergence("the server's device is %04x:%04x, the recording's %04x:%04x", dev.id_vendor,
                          dev.id_product, d->rec->device.id_vendor, d->rec->device.id_product);
    return REPLAY_DRIVE_DONE;
}

static uint64_t recorded_completion(const struct replay_urb *u)
{
    return u->t_submit_ns + u->latency_ns;
}

/* URB i may go when every URB that completed (in the recording) before it was submitted has
 * completed live: URBs outstanding together in the recording are outstanding together live. */
static bool ready(const struct drive *d, size_t i)
{
    const struct replay_urb *u = &d->rec->urbs[i];
    for (size_t j = d->first_open; j < i; j++) {
        const struct replay_urb *o = &d->rec->urbs[j];
        if (!d->live[j].done && o->answered && recorded_completion(o) <= u->t_submit_ns)
            return false;
    }
    return true;
}

/* The CMD_SUBMIT of recorded URB i as drive sends it: live seqnum i + 1, the imported devid. */
static void cmd_header(const struct drive *d, size_t i, struct uip_header *h)
{
    const struct replay_urb *u = &d->rec->urbs[i];
    int32_t len = u->transfer_buffer_length;
    if (len < 0 || (uint32_t)len > UIP_MAX_TRANSFER_LENGTH)
        len = 0; /* the recording's own impossible length: sent as an empty transfer */
    *h = (struct uip_header){.command = UIP_CMD_SUBMIT,
                             .seqnum = (uint32_t)i + 1,
                             .devid = d->devid,
                             .direction = u->direction == UIP_DIR_IN ? UIP_DIR_IN : UIP_DIR_OUT,
                             .ep = u->ep};
    h->u.cmd_submit.transfer_flags = u->transfer_flags;
    h->u.cmd_submit.transfer_buffer_length = len;
    h->u.cmd_submit.interval = u->interval;
    h->u.cmd_submit.number_of_packets = u->iso_count; /* 0: not isochronous */
    memcpy(h->u.cmd_submit.setup, u->setup, UIP_SETUP_SIZE);
}

/* How long URB u's answer is expected to take: its recorded latency, or what the server's
 * timing makes of it (pair). */
static uint64_t expected_latency(const struct drive *d, const struct replay_urb *u)
{
    return d->cfg->expected ? replay_timing_delay(d->cfg->expected, u->latency_ns) : u->latency_ns;
}

static enum replay_drive_result submit(struct drive *d, size_t i)
{
    const struct replay_urb *u = &d->rec->urbs[i];
    struct live_urb *l = &d->live[i];
    if (u->xfer_type == UIP_XFER_ISOCHRONOUS && !u->iso_count) {
        /* never answered in the recording: its packet layout was not recorded */
        l->done = true;
        d->not_sent++;
        return REPLAY_DRIVE_DONE;
    }
    struct uip_header h;
    cmd_header(d, i, &h);
    size_t out = h.direction == UIP_DIR_OUT ? (size_t)h.u.cmd_submit.transfer_buffer_length : 0;
    size_t pdu_len = UIP_HEADER_SIZE + out + (size_t)u->iso_count * UIP_ISO_DESC_SIZE;
    if (pdu_len > d->tx_cap) {
        uint8_t *nb = realloc(d->tx, pdu_len);
        if (!nb) {
            replay_log("drive: out of memory");
            return REPLAY_DRIVE_NO_ANSWER;
        }
        d->tx = nb;
        d->tx_cap = pdu_len;
    }
    uip_encode_header(&h, d->tx);
    size_t have = u->data ? (u->data_len < out ? u->data_len : out) : 0;
    if (have)
        memcpy(d->tx + UIP_HEADER_SIZE, u->data, have);
    memset(d->tx + UIP_HEADER_SIZE + have, 0, out - have); /* OUT data the recording lacks: zeros */
    for (uint32_t k = 0; k < u->iso_count; k++) {
        /* the packets as the host laid them out (the answer echoes offset and length) */
        struct uip_iso_desc packet = {.offset = u->iso[k].offset, .length = u->iso[k].length};
        uip_encode_iso_desc(&packet, d->tx + UIP_HEADER_SIZE + out + (size_t)k * UIP_ISO_DESC_SIZE);
    }
    if (send_all(d, d->tx, pdu_len))
        return REPLAY_DRIVE_NO_ANSWER;
    l->submitted = true;
    l->sent_ns = replay_net_now_ns();
    l->deadline_ns = l->sent_ns + expected_latency(d, u) + (uint64_t)d->cfg->timeout_ms * 1000000u;
    if (u->answered)
        d->awaited++;
    return REPLAY_DRIVE_DONE;
}

static void finish_urb(struct drive *d, size_t i)
{
    d->live[i].done = true;
    if (d->rec->urbs[i].answered)
        d->awaited--;
    while (d->first_open < d->next && d->live[d->first_open].done)
        d->first_open++;
}

static enum replay_drive_result protocol_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static enum replay_drive_result protocol_error(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    replay_log("drive: %s", line);
    return REPLAY_DRIVE_PROTOCOL;
}

/* URB i was answered after drive sent its CMD_UNLINK: the unlink is settled (see UNLINK_RACED). */
static void settle_crossed_unlink(struct drive *d, size_t i)
{
    for (size_t k = 0; k < d->n_unlinks; k++)
        if (d->unlinks[k] == i) {
            d->unlinks[k] = UNLINK_RACED;
            d->unlinks_open--;
            return;
        }
}

static enum replay_drive_result on_ret_submit(struct drive *d, const struct uip_header *h)
{
    size_t i = (size_t)h->seqnum - 1;
    if (h->seqnum == 0 || i >= d->next || !d->live[i].submitted || d->live[i].done)
        return protocol_error("the server answered seqnum %u, which is not outstanding", h->seqnum);
    d->live[i].answer_ns = d->last_rx_ns;
    struct uip_header cmd;
    cmd_header(d, i, &cmd);
    uint64_t len;
    if (uip_check_ret_against_cmd(h, &cmd) != UIP_OK ||
        uip_urb_pdu_length(h, (int)cmd.direction, &len, NULL) != UIP_OK || len < UIP_HEADER_SIZE)
        return protocol_error("the server's answer to seqnum %u has an impossible length",
                              h->seqnum);
    size_t payload = (size_t)(len - UIP_HEADER_SIZE);
    if (payload > d->buf_cap) {
        uint8_t *nb = realloc(d->buf, payload);
        if (!nb)
            return protocol_error("out of memory for the answer to seqnum %u", h->seqnum);
        d->buf = nb;
        d->buf_cap = payload;
    }
    enum recv_result r = recv_all(d, d->buf, payload, deadline_after_ms(d->cfg->timeout_ms));
    if (r != RECV_OK) {
        replay_log("drive: the server %s in the middle of the answer to seqnum %u",
                   r == RECV_TIMEOUT ? "stopped sending" : "closed the connection", h->seqnum);
        return REPLAY_DRIVE_NO_ANSWER;
    }
    size_t data_len = cmd.direction == UIP_DIR_IN && h->u.ret_submit.actual_length > 0
                          ? (size_t)h->u.ret_submit.actual_length : 0;
    uint32_t packets = uip_np_is_iso(h->u.ret_submit.number_of_packets) ? h->u.ret_submit.number_of_packets : 0;
    if (packets) {
        if (packets > d->iso_cap) {
            struct uip_iso_desc *ni = realloc(d->iso, packets * sizeof *ni);
            if (!ni)
                return protocol_error("out of memory for the answer to seqnum %u", h->seqnum);
            d->iso = ni;
            d->iso_cap = packets;
        }
        for (uint32_t k = 0; k < packets; k++)
            uip_decode_iso_desc(d->buf + data_len + (size_t)k * UIP_ISO_DESC_SIZE, UIP_ISO_DESC_SIZE, &d->iso[k]);
        if (uip_check_iso(h, (int)cmd.direction, d->iso, packets, cmd.u.cmd_submit.transfer_buffer_length) != UIP_OK)
            return protocol_error("the server's answer to seqnum %u has impossible isochronous packets",
                                  h->seqnum);
    }
    compare(d, i, h, d->buf, data_len, packets ? d->iso : NULL);
    if (d->live[i].unlinking)
        settle_crossed_unlink(d, i);
    d->answered++;
    finish_urb(d, i);
    return REPLAY_DRIVE_DONE;
}

static enum replay_drive_result on_ret_unlink(struct drive *d, const struct uip_header *h)
{
    size_t k = (size_t)h->seqnum - d->rec->n_urbs - 1;
    if (h->seqnum <= d->rec->n_urbs || k >= d->n_unlinks || d->unlinks[k] == UNLINK_ANSWERED)
        return protocol_error("the server sent RET_UNLINK for seqnum %u, which is no unlink "
                              "outstanding", h->seqnum);
    if (d->unlinks[k] == UNLINK_RACED) { /* its victim's answer came first, and settled it */
        d->unlinks[k] = UNLINK_ANSWERED;
        return REPLAY_DRIVE_DONE;
    }
    size_t victim = d->unlinks[k];
    d->unlinks[k] = UNLINK_ANSWERED;
    d->unlinks_open--;
    if (!d->live[victim].done)
        finish_urb(d, victim);
    return REPLAY_DRIVE_DONE;
}

/* Read and handle one PDU from the server (once it has started, it must be whole within
 * --timeout). */
static enum replay_drive_result read_pdu(struct drive *d)
{
    uint8_t raw[UIP_HEADER_SIZE];
    uint64_t deadline_ns = deadline_after_ms(d->cfg->timeout_ms);
    enum recv_result r = recv_all(d, raw, sizeof raw, deadline_ns);
    if (r != RECV_OK) {
        replay_log("drive: the server %s", r == RECV_TIMEOUT ? "stopped answering in the middle of a PDU"
                                                             : "closed the connection");
        return REPLAY_DRIVE_NO_ANSWER;
    }
    struct uip_header h;
    int check = uip_decode_header(raw, sizeof raw, &h);
    if (check == UIP_OK)
        check = uip_check_header(&h, raw);
    if (check != UIP_OK)
        return protocol_error("the server sent an impossible URB header: %s", uip_strerror(check));
    if (h.command == UIP_RET_SUBMIT)
        return on_ret_submit(d, &h);
    if (h.command == UIP_RET_UNLINK)
        return on_ret_unlink(d, &h);
    return protocol_error("the server sent command %u, not an answer", h.command);
}

static enum replay_drive_result send_unlink(struct drive *d, size_t i)
{
    struct uip_header h = {.command = UIP_CMD_UNLINK,
                           .seqnum = (uint32_t)(d->rec->n_urbs + 1 + d->n_unlinks),
                           .devid = d->devid};
    h.u.cmd_unlink.unlink_seqnum = (uint32_t)i + 1;
    uint8_t raw[UIP_HEADER_SIZE];
    uip_encode_header(&h, raw);
    d->live[i].unlinking = true;
    d->live[i].deadline_ns = deadline_after_ms(d->cfg->timeout_ms);
    d->unlinks[d->n_unlinks++] = (uint32_t)i;
    d->unlinks_open++;
    return send_all(d, raw, sizeof raw) ? REPLAY_DRIVE_NO_ANSWER : REPLAY_DRIVE_DONE;
}

/* The outstanding awaited URB with the earliest deadline. */
static size_t most_urgent(const struct drive *d)
{
    size_t best = SIZE_MAX;
    for (size_t j = d->first_open; j < d->next; j++)
        if (!d->live[j].done && d->rec->urbs[j].answered &&
            (best == SIZE_MAX || d->live[j].deadline_ns < d->live[best].deadline_ns))
            best = j;
    return best;
}

/* URB j's deadline passed. If the server answered something since j was sent, j is late: a
 * divergence, and j is unlinked; else the server stopped answering. */
static enum replay_drive_result expired(struct drive *d, size_t j)
{
    const struct replay_urb *u = &d->rec->urbs[j];
    struct live_urb *l = &d->live[j];
    char urb[256];
    describe_urb(d, j, urb, sizeof urb);
    double waited = (double)(replay_net_now_ns() - l->sent_ns) / 1e9;
    if (l->unlinking) {
        replay_log("drive: the server stopped answering: no RET_UNLINK for %s within %.1f s", urb,
                   d->cfg->timeout_ms / 1e3);
        return REPLAY_DRIVE_NO_ANSWER;
    }
    if (d->last_rx_ns <= l->sent_ns) {
        replay_log("drive: the server stopped answering: nothing for %.1f s after %s was sent "
                   "(expected latency + --timeout)", waited, urb);
        return REPLAY_DRIVE_NO_ANSWER;
    }
    replay_divergence("%s: no answer within %.1f s (expected latency %.3f s + --timeout), unlinked", urb,
                      waited, (double)expected_latency(d, u) / 1e9);
    if (!d->context_shown)
        log_context(d, j, NULL, NULL, 0, SIZE_MAX);
    d->context_shown = true;
    d->late++;
    return send_unlink(d, j);
}

/* Unlink the outstanding URBs that the recording never answered and whose recorded unlink came
 * before before_ns (a serial port closed, a keyboard detached): as the host did. */
static enum replay_drive_result unlink_as_recorded(struct drive *d, uint64_t before_ns)
{
    enum replay_drive_result rc = REPLAY_DRIVE_DONE;
    for (size_t j = d->first_open; j < d->next && rc == REPLAY_DRIVE_DONE; j++) {
        const struct replay_urb *u = &d->rec->urbs[j];
        const struct live_urb *l = &d->live[j];
        if (l->submitted && !l->done && !l->unlinking && u->t_unlink_ns && u->t_unlink_ns <= before_ns)
            rc = send_unlink(d, j);
    }
    return rc;
}

/* Submit in recorded order as the recorded concurrency allows; wait for the answers. */
static enum replay_drive_result play(struct drive *d)
{
    enum replay_drive_result rc = REPLAY_DRIVE_DONE;
    while (rc == REPLAY_DRIVE_DONE && (d->next < d->rec->n_urbs || d->awaited)) {
        while (rc == REPLAY_DRIVE_DONE && d->next < d->rec->n_urbs && ready(d, d->next)) {
            rc = unlink_as_recorded(d, d->rec->urbs[d->next].t_submit_ns);
            if (rc == REPLAY_DRIVE_DONE)
                rc = submit(d, d->next++);
        }
        if (rc != REPLAY_DRIVE_DONE || !d->awaited)
            continue;
        size_t j = most_urgent(d);
        rc = wait_readable(d, d->live[j].deadline_ns) ? read_pdu(d) : expired(d, j);
    }
    return rc;
}

/* Unlink the URBs the recording never answered (still pending at its end), and wait for it. */
static enum replay_drive_result unlink_pending(struct drive *d)
{
    size_t before = d->n_unlinks;
    enum replay_drive_result rc = REPLAY_DRIVE_DONE;
    for (size_t i = 0; i < d->rec->n_urbs && rc == REPLAY_DRIVE_DONE; i++)
        if (d->live[i].submitted && !d->live[i].done && !d->live[i].unlinking)
            rc = send_unlink(d, i);
    if (d->n_unlinks > before)
        replay_log("drive: %zu URB(s) pending at the end of the recording were sent and are now unlinked",
                   d->n_unlinks - before);
    uint64_t deadline = deadline_after_ms(d->cfg->timeout_ms);
    while (rc == REPLAY_DRIVE_DONE && d->unlinks_open) {
        if (!wait_readable(d, deadline)) {
            replay_log("drive: the server stopped answering: %zu unlink(s) not answered within %.1f s",
                       d->unlinks_open, d->cfg->timeout_ms / 1e3);
            return REPLAY_DRIVE_NO_ANSWER;
        }
        rc = read_pdu(d);
    }
    return rc;
}

/* The recording's server closed the connection after its last answer (its device went away):
 * wait for this server to do the same, up to the recorded delay and the timeout. A server that
 * keeps the connection open diverges from the recording; one that closes it is as recorded. */
static enum replay_drive_result await_recorded_close(struct drive *d)
{
    uint64_t wait_ms = d->rec->close_delay_ns / 1000000u + (uint64_t)d->cfg->timeout_ms;
    uint64_t deadline = deadline_after_ms((int)(wait_ms < INT32_MAX ? wait_ms : INT32_MAX));
    while (wait_readable(d, deadline)) {
        if (d->rx_off < d->rx_len) { /* more answers (checked as any): the close is still to come */
            enum replay_drive_result rc = read_pdu(d);
            if (rc != REPLAY_DRIVE_DONE)
                return rc;
            continue;
        }
        replay_log("drive: the server closed the connection %.1f ms after its last answer, as the "
                   "recording's did after %.1f ms (its device went away)",
                   (double)(replay_net_now_ns() - d->last_rx_ns) / 1e6, (double)d->rec->close_delay_ns / 1e6);
        return REPLAY_DRIVE_DONE;
    }
    replay_divergence("drive: the recording's server closed the connection %.1f ms after its last answer; "
                      "this one kept it open", (double)d->rec->close_delay_ns / 1e6);
    return REPLAY_DRIVE_DONE;
}

/* ---- latency ---------------------------------------------------------------------------- */

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted values. */
static int64_t quantile(const int64_t *sorted, size_t n, double q)
{
    size_t k = (size_t)(q * (double)(n - 1) + 0.5);
    return sorted[k < n ? k : n - 1];
}

static void format_duration(int64_t ns, char *buf, size_t len)
{
    double a = ns < 0 ? -(double)ns : (double)ns;
    if (a < 1e6)
        snprintf(buf, len, "%.0f us", (double)ns / 1e3);
    else if (a < 1e9)
        snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
    else
        snprintf(buf, len, "%.3f s", (double)ns / 1e9);
}

/* How long the live answers took against what was expected of them (the recorded latency, or
 * what cfg->expected makes of it), logged and kept in cfg->stats. */
static void summarize_latency(const struct drive *d)
{
    size_t n = 0, cap = d->rec->n_urbs ? d->rec->n_urbs : 1;
    int64_t *live = malloc(cap * sizeof *live), *late = malloc(cap * sizeof *late),
            *recorded = malloc(cap * sizeof *recorded);
    uint64_t first_sent = UINT64_MAX, last_answer = 0;
    for (size_t i = 0; live && late && recorded && i < d->rec->n_urbs; i++) {
        const struct replay_urb *u = &d->rec->urbs[i];
        const struct live_urb *l = &d->live[i];
        if (!l->answer_ns || !u->answered)
            continue;
        uint64_t expected = expected_latency(d, u);
        live[n] = (int64_t)(l->answer_ns - l->sent_ns);
        recorded[n] = (int64_t)u->latency_ns;
        late[n] = live[n] - (int64_t)expected;
        n++;
        if (l->sent_ns < first_sent)
            first_sent = l->sent_ns;
        if (l->answer_ns > last_answer)
            last_answer = l->answer_ns;
    }
    if (n) {
        qsort(live, n, sizeof *live, compare_i64);
        qsort(late, n, sizeof *late, compare_i64);
        qsort(recorded, n, sizeof *recorded, compare_i64);
        char a[32], b[32], c[32], e[32];
        format_duration(quantile(live, n, 0.5), a, sizeof a);
        format_duration(quantile(recorded, n, 0.5), b, sizeof b);
        format_duration(quantile(late, n, 0.5), c, sizeof c);
        format_duration(quantile(late, n, 0.99), e, sizeof e);
        replay_log("drive: %zu answers: latency median %s live, %s recorded; later than %s by a "
                   "median %s (p99 %s)", n, a, b, d->cfg->expected ? "the server's timing" : "recorded", c, e);
    }
    if (d->cfg->stats)
        *d->cfg->stats = (struct replay_drive_stats){
            .answers = n,
            .late_median_ns = n ? quantile(late, n, 0.5) : 0,
            .late_p99_ns = n ? quantile(late, n, 0.99) : 0,
            .elapsed_ns = n ? last_answer - first_sent : 0,
        };
    free(live);
    free(late);
    free(recorded);
}

enum replay_drive_result replay_drive_run(const struct replay_drive_config *cfg)
{
    struct drive d = {.cfg = cfg,
                      .rec = cfg->rec,
                      .divergences_at_start = replay_divergence_count(),
                      .serial_index = recorded_serial_index(cfg->rec)};
    d.fd = replay_net_connect(cfg->server, cfg->timeout_ms);
    if (d.fd < 0)
        return REPLAY_DRIVE_NO_CONNECT;
    if (cfg->write) {
        struct sockaddr_storage local, peer;
        socklen_t ll = sizeof local, pl = sizeof peer;
        if (!getsockname(d.fd, (struct sockaddr *)&local, &ll) &&
            !getpeername(d.fd, (struct sockaddr *)&peer, &pl))
            d.flow = replay_pcap_flow_open(cfg->write, (struct sockaddr *)&local, (struct sockaddr *)&peer);
    }
    d.live = calloc(d.rec->n_urbs ? d.rec->n_urbs : 1, sizeof *d.live);
    d.unlinks = calloc(d.rec->n_urbs ? d.rec->n_urbs : 1, sizeof *d.unlinks); /* one per URB at most */
    d.rx = malloc(DRIVE_RX_SIZE);
    if (!d.live || !d.unlinks || !d.rx)
        replay_log("drive: out of memory");
    enum replay_drive_result rc = d.live && d.unlinks && d.rx ? import_device(&d) : REPLAY_DRIVE_NO_ANSWER;
    if (rc == REPLAY_DRIVE_DONE)
        rc = play(&d);
    if (rc == REPLAY_DRIVE_DONE)
        rc = d.rec->server_closed ? await_recorded_close(&d) : unlink_pending(&d);
    if (rc == REPLAY_DRIVE_DONE) {
        summarize_latency(&d);
        if (d.not_sent)
            replay_log("drive: %zu isochronous URB(s) the recording never answered were not sent "
                       "(their packets were not recorded)", d.not_sent);
        replay_log("drive: %zu URBs sent, %zu answered, %zu unlinked (as recorded, or at the end); %llu "
                   "divergence(s) from the recording",
                   d.rec->n_urbs - d.not_sent, d.answered, d.n_unlinks - d.late,
                   (unsigned long long)(replay_divergence_count() - d.divergences_at_start));
    }
    replay_pcap_flow_close(d.flow);
    close(d.fd);
    free(d.live);
    free(d.unlinks);
    free(d.rx);
    free(d.tx);
    free(d.iso);
    free(d.buf);
    return rc;
}
