/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_stream.c -- per-connection TCP reassembly for capture.c: in-order bytes are passed on
 * without copying; only out-of-order segments are copied, up to a bound, then a gap is declared.
 * Also reports a sender's bytes that waited for the peer's receive window to open. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include "uip/error.h"
#include "uip/framer.h"
#include "uip/wire.h"
#include "tcp_stream.h"

struct uip_tcp_key {
    int family;
    uint8_t addr[2][16]; /* canonical order: the smaller (addr, port) first */
    uint16_t port[2];
};

struct uip_ooo_seg {
    struct uip_ooo_seg *next;
    uint32_t seq;
    uint32_t len;      /* bytes on the wire */
    uint32_t captured; /* bytes held (<= len) */
    uint64_t ts, frame; /* the packet that carried it */
    uint8_t data[];
};

struct uip_tcp_dir {
    bool started;
    bool fin;
    uint32_t next;
    struct uip_ooo_seg *ooo;
    size_t ooo_bytes;
    int8_t wscale;    /* the shift its SYN announced, -1 when none */
    uint16_t mss;     /* the maximum segment size its SYN announced, 0 when none */
    uint16_t syn_window; /* its SYN's window field (never scaled) */
    bool edge_known;  /* the peer advertised a receive window for this direction's bytes */
    uint32_t edge;    /* that window's right edge: the peer's ack plus its scaled window */
    bool at_edge;     /* the bytes sent reached the edge: more had to wait for the peer */
};

enum uip_conn_kind { UIP_CONN_UNDECIDED, UIP_CONN_USBIP, UIP_CONN_OTHER };

struct uip_tcp_conn {
    struct uip_tcp_key key;
    enum uip_conn_kind kind;
    int client_orient;        /* orientation (0: key addr[0] -> addr[1]) of the client's bytes */
    struct uip_tcp_dir dir[2]; /* by orientation */
    bool syn_seen[2];
    bool handshake_told;      /* the handshake callback ran */
    bool closed;
    struct uip_conn_end first_fin; /* by -1 until a FIN came */
    uint32_t conn_id;
};

struct uip_tcp_table {
    struct uip_capture_config cfg;
    struct uip_capture_callbacks cb;
    void *user;
    struct uip_capture_stats *stats;
    GHashTable *conns;  /* key -> conn (owned) */
    GPtrArray *infos;   /* conn_id - 1 -> struct uip_conn_info (owned) */
};

static guint uip_key_hash(gconstpointer p)
{
    const struct uip_tcp_key *k = p;
    guint h = (guint)k->family * 2654435761u;
    int n = k->family == 4 ? 4 : 16;
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < n; i++)
            h = h * 31 + k->addr[s][i];
        h = h * 31 + k->port[s];
    }
    return h;
}

static gboolean uip_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(struct uip_tcp_key)) == 0;
}

static void uip_dir_clear(struct uip_tcp_dir *d)
{
    while (d->ooo) {
        struct uip_ooo_seg *s = d->ooo;
        d->ooo = s->next;
        free(s);
    }
    d->ooo_bytes = 0;
}

static void uip_conn_free(gpointer p)
{
    struct uip_tcp_conn *c = p;
    uip_dir_clear(&c->dir[0]);
    uip_dir_clear(&c->dir[1]);
    free(c);
}

struct uip_tcp_table *uip_tcp_table_new(const struct uip_capture_config *cfg,
                                        const struct uip_capture_callbacks *cb, void *user,
                                        struct uip_capture_stats *stats)
{
    struct uip_tcp_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->cb = *cb;
    t->user = user;
    t->stats = stats;
    t->conns = g_hash_table_new_full(uip_key_hash, uip_key_equal, NULL, uip_conn_free);
    t->infos = g_ptr_array_new_with_free_func(g_free);
    return t;
}

void uip_tcp_table_free(struct uip_tcp_table *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->conns);
    g_ptr_array_free(t->infos, TRUE);
    free(t);
}

const struct uip_conn_info *uip_tcp_table_conn(const struct uip_tcp_table *t, uint32_t conn_id)
{
    if (conn_id == 0 || conn_id > t->infos->len)
        return NULL;
    return g_ptr_array_index(t->infos, conn_id - 1);
}

/* Canonical key; *orient is 0 when the packet goes addr[0] -> addr[1]. */
static void uip_make_key(const struct uip_ip_packet *ip, struct uip_tcp_key *k, int *orient)
{
    int n = ip->family == 4 ? 4 : 16;
    int cmp = memcmp(ip->src, ip->dst, (size_t)n);
    memset(k, 0, sizeof *k);
    k->family = ip->family;
    *orient = cmp > 0 || (cmp == 0 && ip->sport > ip->dport);
    memcpy(k->addr[*orient], ip->src, (size_t)n);
    memcpy(k->addr[!*orient], ip->dst, (size_t)n);
    k->port[*orient] = ip->sport;
    k->port[!*orient] = ip->dport;
}

const char *uip_conn_end_name(enum uip_conn_end_kind k)
{
    switch (k) {
    case UIP_END_CLOSED: return "closed";
    case UIP_END_RESET: return "reset";
    case UIP_END_OPEN: return "open";
    default: return "not ended";
    }
}

static enum uip_side uip_side_of(const struct uip_tcp_conn *c, int orient)
{
    return orient == c->client_orient ? UIP_SIDE_CLIENT : UIP_SIDE_SERVER;
}

static void uip_open_conn(struct uip_tcp_table *t, struct uip_tcp_conn *c, uint64_t ts,
                          uint64_t frame, bool detected)
{
    struct uip_conn_info *info = g_new0(struct uip_conn_info, 1);
    int co = c->client_orient;
    g_ptr_array_add(t->infos, info);
    c->conn_id = t->infos->len;
    c->kind = UIP_CONN_USBIP;
    info->conn_id = c->conn_id;
    info->family = c->key.family;
    memcpy(info->client_addr, c->key.addr[co], 16);
    memcpy(info->server_addr, c->key.addr[!co], 16);
    info->client_port = c->key.port[co];
    info->server_port = c->key.port[!co];
    info->saw_syn = c->syn_seen[co];
    info->detected = detected;
    info->ts_ns = ts;
    info->frame = frame;
    t->stats->connections++;
    if (t->cb.conn_open)
        t->cb.conn_open(t->user, info);
}

static void uip_tell_handshake(struct uip_tcp_table *t, const struct uip_tcp_conn *c)
{
    struct uip_tcp_handshake h;
    for (int orient = 0; orient < 2; orient++) {
        enum uip_side side = uip_side_of(c, orient);
        h.mss[side] = c->dir[orient].mss;
        h.wscale[side] = c->dir[orient].wscale;
        h.syn_window[side] = c->dir[orient].syn_window;
    }
    if (t->cb.handshake)
        t->cb.handshake(t->user, c->conn_id, &h);
}

static void uip_emit_data(struct uip_tcp_table *t, struct uip_tcp_conn *c, int orient,
                          const uint8_t *p, uint32_t captured, uint32_t len, uint64_t ts,
                          uint64_t frame)
{
    enum uip_side side = uip_side_of(c, orient);
    if (captured && t->cb.stream_data)
        t->cb.stream_data(t->user, c->conn_id, side, p, captured, ts, frame);
    t->stats->stream_bytes += captured;
    if (len > captured) { /* the capture kept only part of the payload (snaplen) */
        t->stats->gaps++;
        t->stats->gap_bytes += len - captured;
        if (t->cb.stream_gap)
            t->cb.stream_gap(t->user, c->conn_id, side, len - captured, ts, frame);
    }
    c->dir[orient].next += len;
}

static void uip_emit_gap(struct uip_tcp_table *t, struct uip_tcp_conn *c, int orient,
                         uint32_t n, uint64_t ts, uint64_t frame)
{
    t->stats->gaps++;
    t->stats->gap_bytes += n;
    if (t->cb.stream_gap)
        t->cb.stream_gap(t->user, c->conn_id, uip_side_of(c, orient), n, ts, frame);
    c->dir[orient].next += n;
}

/* Deliver a segment at or before next; returns false if it was all old. */
static bool uip_deliver_seg(struct uip_tcp_table *t, struct uip_tcp_conn *c, int orient,
                            uint32_t seq, const uint8_t *p, uint32_t captured, uint32_t len,
                            uint64_t ts, uint64_t frame)
{
    uint32_t old = c->dir[orient].next - seq; /* bytes already delivered */
    if (old >= len) {
        t->stats->retransmitted_bytes += len;
        return false;
    }
    t->stats->retransmitted_bytes += old;
    uint32_t cap_after = captured > old ? captured - old : 0;
    uip_emit_data(t, c, orient, p + (captured > old ? old : captured), cap_after, len - old, ts,
                  frame);
    return true;
}

/* Deliver the held segments that are now in order. When a packet filled the hole they reach
 * the receiver with it (ts, frame); after a gap is declared (own_time) the hole was never seen
 * filled, and each keeps the time and frame of the packet that carried it. */
static void uip_drain(struct uip_tcp_table *t, struct uip_tcp_conn *c, int orient, uint64_t ts,
                      uint64_t frame, bool own_time)
{
    struct uip_tcp_dir *d = &c->dir[orient];
    while (d->ooo && (int32_t)(d->ooo->seq - d->next) <= 0) {
        struct uip_ooo_seg *s = d->ooo;
        d->ooo = s->next;
        d->ooo_bytes -= s->captured;
        uip_deliver_seg(t, c, orient, s->seq, s->data, s->captured, s->len, own_time ? s->ts : ts,
                        own_time ? s->frame : frame);
        free(s);
    }
}

/* Give up waiting: declare the gap to the first buffered segment and go on from there. */
static void uip_skip_to_buffered(struct uip_tcp_table *t, struct uip_tcp_conn *c, int orient,
                                 uint64_t ts, uint64_t frame)
{
    struct uip_tcp_dir *d = &c->dir[orient];
    if (!d->ooo)
        return;
    uip_emit_gap(t, c, orient, d->ooo->seq - d->next, d->ooo->ts, d->ooo->frame);
    uip_drain(t, c, orient, ts, frame, true);
}

static bool uip_store_ooo(struct uip_tcp_table *t, struct uip_tcp_dir *d, uint32_t seq,
                          const uint8_t *p, uint32_t captured, uint32_t len, uint64_t ts,
                          uint64_t frame)
{
    struct uip_ooo_seg *s = malloc(sizeof *s + captured);
    struct uip_ooo_seg **pos = &d->ooo;
    if (!s)
        return false;
    s->seq = seq;
    s->len = len;
    s->captured = captured;
    s->ts = ts;
    s->frame = frame;
    memcpy(s->data, p, captured);
    while (*pos && (int32_t)((*pos)->seq - seq) <= 0)
        pos = &(*pos)->next;
    s->next = *pos;
    *pos = s;
    d->ooo_bytes += captured;
    return true;
}

static void uip_segment(struct uip_tcp_table *t, struct uip_tcp_conn *c, int orient,
                        const struct uip_ip_packet *ip, uint64_t ts, uint64_t frame)
{
    struct uip_tcp_dir *d = &c->dir[orient];
    uint32_t seq = ip->seq + ((ip->flags & UIP_TCP_SYN) ? 1 : 0);

    if (!ip->payload_len) {
        t->stats->ignored[UIP_IGN_NO_PAYLOAD]++;
        return;
    }
    if ((int32_t)(seq - d->next) <= 0) {
        if (uip_deliver_seg(t, c, orient, seq, ip->payload, ip->payload_captured, ip->payload_len,
                            ts, frame)) {
            t->stats->packets_used++;
            uip_drain(t, c, orient, ts, frame, false);
        } else {
            t->stats->ignored[UIP_IGN_RETRANSMISSION]++;
        }
        return;
    }
    /* ahead of what we have: hold it, within the bound */
    while (d->ooo && d->ooo_bytes + ip->payload_captured > t->cfg.ooo_limit)
        uip_skip_to_buffered(t, c, orient, ts, frame);
    if ((int32_t)(seq - d->next) <= 0) { /* the skip reached it */
        uip_segment(t, c, orient, ip, ts, frame);
        return;
    }
    if (ip->payload_captured > t->cfg.ooo_limit ||
        !uip_store_ooo(t, d, seq, ip->payload, ip->payload_captured, ip->payload_len, ts, frame)) {
        /* cannot be held: the hole before it becomes a counted gap and the packet is used */
        uip_emit_gap(t, c, orient, seq - d->next, ts, frame);
        uip_segment(t, c, orient, ip, ts, frame);
        return;
    }
    t->stats->packets_used++;
}

/* The peer's receive window, from this packet's ack and window, for the other direction's bytes.
 * Known only when both SYNs were seen: they say whether and how windows are scaled. */
static void uip_window_advertised(struct uip_tcp_conn *c, int orient, const struct uip_ip_packet *ip)
{
    struct uip_tcp_dir *peer = &c->dir[!orient];
    if (!(ip->flags & UIP_TCP_ACK) || !c->syn_seen[0] || !c->syn_seen[1])
        return;
    bool scaled = c->dir[0].wscale >= 0 && c->dir[1].wscale >= 0 && !(ip->flags & UIP_TCP_SYN);
    peer->edge = ip->ack + ((uint32_t)ip->window << (scaled ? c->dir[orient].wscale : 0));
    peer->edge_known = true;
}

/* Does this segment resume, in order, bytes that had reached the edge of the peer's window, now
 * moved on? The first bytes after the edge settle it either way: a one-byte window probe or
 * bytes after a capture gap end the wait uncounted. */
static bool uip_window_resumed(struct uip_tcp_dir *d, uint32_t seq, uint32_t len)
{
    if (!d->at_edge || !len)
        return false;
    d->at_edge = false;
    return seq == d->next && (int32_t)(d->edge - d->next) > 0;
}

/* How c ends: reset by side reset_by (or -1), or closed by FINs, or open at the capture's end. */
static void uip_note_end(struct uip_tcp_table *t, const struct uip_tcp_conn *c, int reset_by,
                         bool at_end, uint64_t ts, uint64_t frame)
{
    if (!c->conn_id || c->conn_id > t->infos->len)
        return;
    struct uip_conn_info *info = g_ptr_array_index(t->infos, c->conn_id - 1);
    if (reset_by >= 0) {
        info->end = (struct uip_conn_end){UIP_END_RESET, reset_by, ts, frame};
        return;
    }
    info->end = c->first_fin;
    info->end.kind = at_end ? UIP_END_OPEN : UIP_END_CLOSED;
    if (c->first_fin.by < 0) {
        info->end.ts_ns = ts;
        info->end.frame = frame;
    }
}

static void uip_close_conn(struct uip_tcp_table *t, struct uip_tcp_conn *c, int reset_by,
                           bool at_end, uint64_t ts, uint64_t frame)
{
    if (c->closed)
        return;
    uip_note_end(t, c, reset_by, at_end, ts, frame);
    bool reset = reset_by >= 0;
    for (int o = 0; o < 2; o++)
        while (c->dir[o].ooo)
            uip_skip_to_buffered(t, c, o, ts, frame);
    c->closed = true;
    if (t->cb.conn_close)
        t->cb.conn_close(t->user, c->conn_id, reset, at_end, ts, frame);
}

/* Does the payload begin like the side's first USB/IP message? */
static bool uip_looks_like(const struct uip_ip_packet *ip, enum uip_side side)
{
    size_t off;
    return uip_find_header(ip->payload, ip->payload_captured, side, true, &off) == UIP_OK &&
           off == 0;
}

void uip_tcp_table_packet(struct uip_tcp_table *t, const struct uip_ip_packet *ip, uint64_t ts,
                          uint64_t frame)
{
    struct uip_tcp_key key;
    int orient;
    bool to_port = ip->dport == t->cfg.port, from_port = ip->sport == t->cfg.port;

    uip_make_key(ip, &key, &orient);
    struct uip_tcp_conn *c = g_hash_table_lookup(t->conns, &key);
    bool fresh_syn = (ip->flags & (UIP_TCP_SYN | UIP_TCP_ACK)) == UIP_TCP_SYN;

    if (c && c->closed && fresh_syn) { /* the 4-tuple is reused by a new connection */
        g_hash_table_remove(t->conns, &key);
        c = NULL;
    }
    if (!c) {
        if (!to_port && !from_port && !t->cfg.detect_any_port) {
            t->stats->ignored[UIP_IGN_OTHER_PORT]++;
            return;
        }
        c = calloc(1, sizeof *c);
        if (!c) {
            t->stats->ignored[UIP_IGN_NO_MEMORY]++;
            return;
        }
        c->key = key;
        c->first_fin.by = -1;
        g_hash_table_insert(t->conns, &c->key, c);
        if (to_port || from_port) {
            c->client_orient = to_port ? orient : !orient;
            c->kind = UIP_CONN_USBIP;
        }
    }
    if (c->kind == UIP_CONN_OTHER) {
        t->stats->ignored[UIP_IGN_OTHER_PORT]++;
        return;
    }
    struct uip_tcp_dir *d = &c->dir[orient];
    if (!d->started) { /* a later SYN on a started direction is a retransmission: keep next */
        d->started = true;
        c->syn_seen[orient] = (ip->flags & UIP_TCP_SYN) != 0;
        d->next = ip->seq + (c->syn_seen[orient] ? 1 : 0);
        d->wscale = ip->wscale;
        d->mss = ip->mss;
        d->syn_window = ip->window;
    }
    if (c->kind == UIP_CONN_UNDECIDED) {
        if (!ip->payload_captured) {
            t->stats->ignored[UIP_IGN_NO_PAYLOAD]++;
            return;
        }
        if (uip_looks_like(ip, UIP_SIDE_CLIENT)) {
            c->client_orient = orient;
        } else if (uip_looks_like(ip, UIP_SIDE_SERVER)) {
            c->client_orient = !orient;
        } else {
            c->kind = UIP_CONN_OTHER;
            t->stats->ignored[UIP_IGN_OTHER_PORT]++;
            return;
        }
        uip_open_conn(t, c, ts, frame, true);
    } else if (!c->conn_id) {
        uip_open_conn(t, c, ts, frame, false);
    }
    if (c->syn_seen[0] && c->syn_seen[1] && !c->handshake_told) {
        c->handshake_told = true;
        uip_tell_handshake(t, c);
    }
    if (c->closed) {
        t->stats->ignored[ip->payload_len ? UIP_IGN_RETRANSMISSION : UIP_IGN_NO_PAYLOAD]++;
        return;
    }
    uip_window_advertised(c, orient, ip);
    uint32_t seq = ip->seq + ((ip->flags & UIP_TCP_SYN) ? 1 : 0);
    if (uip_window_resumed(d, seq, ip->payload_len)) {
        t->stats->window_waits[uip_side_of(c, orient)]++;
        if (t->cb.window_wait)
            t->cb.window_wait(t->user, c->conn_id, uip_side_of(c, orient), ts, frame);
    }
    uip_segment(t, c, orient, ip, ts, frame);
    /* exactly at the edge: a sender with TCP_NODELAY (usbip sets it) fills the window it has */
    if (ip->payload_len && d->edge_known && d->next == d->edge)
        d->at_edge = true;
    if (ip->flags & UIP_TCP_FIN) {
        d->fin = true;
        if (c->first_fin.by < 0)
            c->first_fin = (struct uip_conn_end){UIP_END_CLOSED, uip_side_of(c, orient), ts, frame};
    }
    if (ip->flags & UIP_TCP_RST)
        uip_close_conn(t, c, uip_side_of(c, orient), false, ts, frame);
    else if (c->dir[0].fin && c->dir[1].fin && !c->dir[0].ooo && !c->dir[1].ooo)
        uip_close_conn(t, c, -1, false, ts, frame);
}

static gint uip_conn_cmp(gconstpointer pa, gconstpointer pb)
{
    const struct uip_tcp_conn *a = *(struct uip_tcp_conn *const *)pa;
    const struct uip_tcp_conn *b = *(struct uip_tcp_conn *const *)pb;
    return a->conn_id < b->conn_id ? -1 : a->conn_id > b->conn_id;
}

void uip_tcp_table_finish(struct uip_tcp_table *t, uint64_t ts, uint64_t frame)
{
    GHashTableIter it;
    gpointer k, v;
    GPtrArray *open = g_ptr_array_new();

    g_hash_table_iter_init(&it, t->conns);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct uip_tcp_conn *c = v;
        if (c->kind == UIP_CONN_USBIP && c->conn_id && !c->closed)
            g_ptr_array_add(open, c);
    }
    g_ptr_array_sort(open, uip_conn_cmp); /* close in connection order so reports are stable */
    for (guint i = 0; i < open->len; i++)
        uip_close_conn(t, g_ptr_array_index(open, i), -1, true, ts, frame);
    g_ptr_array_free(open, TRUE);
}
