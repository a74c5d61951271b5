/* SPDX-License-Identifier: GPL-2.0-or-later */
/* session.c -- the pipeline the tools share (contract in uip/session.h): a capture, or the
 * streams a caller feeds -> two framers per connection -> URB tracker, every byte accounted for. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uip/error.h"
#include "uip/session.h"

struct uip_session;

/* The framer of one direction of one connection. */
struct uip_side_ctx {
    struct uip_session *s;
    uint32_t conn_id;
    enum uip_side side;
    struct uip_framer *framer;
};

struct uip_sconn {
    struct uip_side_ctx sides[2];
};

struct uip_session {
    struct uip_session_config cfg;
    struct uip_session_callbacks cb;
    void *user;
    struct uip_capture *capture;
    struct uip_tracker *tracker;
    GPtrArray *conns;                 /* conn_id - 1 -> struct uip_sconn (NULL once closed) */
    struct uip_framer_stats finished; /* framing stats of closed connections */
    GArray *streams;                  /* fed by the caller: conn_id - 1 -> struct uip_conn_info */
    uint64_t stream_chunks;           /* the "frame" number of each chunk fed */
};

static void uip_add_stats(struct uip_framer_stats *sum, const struct uip_framer_stats *s)
{
    sum->pdus += s->pdus;
    sum->bytes_parsed += s->bytes_parsed;
    for (int r = 0; r < UIP_SKIP__COUNT; r++)
        sum->bytes_skipped[r] += s->bytes_skipped[r];
    sum->data_bytes_missing += s->data_bytes_missing;
    sum->resyncs += s->resyncs;
}

static struct uip_sconn *uip_sconn_get(struct uip_session *s, uint32_t conn_id)
{
    if (conn_id == 0 || conn_id > s->conns->len)
        return NULL;
    return g_ptr_array_index(s->conns, conn_id - 1);
}

/* ---- framer callbacks ------------------------------------------------------------ */

static bool uip_s_lookup(void *user, uint32_t seqnum, struct uip_cmd_info *out)
{
    struct uip_side_ctx *sc = user;
    return uip_tracker_lookup_cmd(sc->s->tracker, sc->conn_id, seqnum, out);
}

static void uip_s_pdu(void *user, const struct uip_pdu *pdu)
{
    struct uip_side_ctx *sc = user;
    struct uip_session *s = sc->s;
    uip_tracker_pdu(s->tracker, sc->conn_id, pdu);
    if (s->cb.pdu)
        s->cb.pdu(s->user, sc->conn_id, sc->side, pdu);
}

static void uip_s_skipped(void *user, uint64_t offset, uint64_t nbytes,
                          enum uip_skip_reason reason, uint64_t ts_ns, uint64_t frame)
{
    struct uip_side_ctx *sc = user;
    if (sc->s->cb.skipped)
        sc->s->cb.skipped(sc->s->user, sc->conn_id, sc->side, offset, nbytes, reason, ts_ns, frame);
}

/* ---- capture callbacks ------------------------------------------------------------- */

static void uip_s_conn_open(void *user, const struct uip_conn_info *c)
{
    struct uip_session *s = user;
    struct uip_sconn *sc = calloc(1, sizeof *sc);

    while (s->conns->len < c->conn_id)
        g_ptr_array_add(s->conns, NULL);
    if (sc) {
        for (int side = 0; side < 2; side++) {
            struct uip_side_ctx *x = &sc->sides[side];
            struct uip_framer_config fc = {
                .side = (enum uip_side)side, .at_connection_start = c->saw_syn,
                .data_keep = s->cfg.data_keep, .control_keep = s->cfg.control_keep, .user = x,
            };
            fc.cb.lookup_cmd = uip_s_lookup;
            fc.cb.pdu = uip_s_pdu;
            fc.cb.skipped = uip_s_skipped;
            x->s = s;
            x->conn_id = c->conn_id;
            x->side = (enum uip_side)side;
            x->framer = uip_framer_new(&fc);
        }
    }
    g_ptr_array_index(s->conns, c->conn_id - 1) = sc;
    if (s->cb.conn_open)
        s->cb.conn_open(s->user, c);
}

static void uip_s_data(void *user, uint32_t conn_id, enum uip_side side, const uint8_t *bytes,
                       size_t len, uint64_t ts_ns, uint64_t frame)
{
    struct uip_sconn *sc = uip_sconn_get(user, conn_id);
    if (sc && sc->sides[side].framer)
        uip_framer_feed(sc->sides[side].framer, bytes, len, ts_ns, frame);
}

static void uip_s_gap(void *user, uint32_t conn_id, enum uip_side side, uint64_t nbytes,
                      uint64_t ts_ns, uint64_t frame)
{
    struct uip_sconn *sc = uip_sconn_get(user, conn_id);
    if (sc && sc->sides[side].framer)
        uip_framer_gap(sc->sides[side].framer, nbytes, ts_ns, frame);
}

static void uip_s_close(void *user, uint32_t conn_id, bool reset, bool at_end, uint64_t ts_ns,
                        uint64_t frame)
{
    struct uip_session *s = user;
    struct uip_sconn *sc = uip_sconn_get(s, conn_id);
    if (!sc)
        return;
    for (int side = 0; side < 2; side++) {
        struct uip_framer *f = sc->sides[side].framer;
        if (!f)
            continue;
        uip_framer_finish(f, ts_ns, frame);
        uip_add_stats(&s->finished, uip_framer_stats(f));
        uip_framer_free(f);
    }
    free(sc);
    g_ptr_array_index(s->conns, conn_id - 1) = NULL;
    uip_tracker_conn_closed(s->tracker, conn_id, at_end, ts_ns);
    if (s->cb.conn_close)
        s->cb.conn_close(s->user, conn_id, reset, at_end, ts_ns);
}

static void uip_s_window_wait(void *user, uint32_t conn_id, enum uip_side side, uint64_t ts_ns,
                              uint64_t frame)
{
    struct uip_session *s = user;
    if (s->cb.window_wait)
        s->cb.window_wait(s->user, conn_id, side, ts_ns, frame);
}

static void uip_s_handshake(void *user, uint32_t conn_id, const struct uip_tcp_handshake *h)
{
    struct uip_session *s = user;
    if (s->cb.handshake)
        s->cb.handshake(s->user, conn_id, h);
}

static void uip_s_usbmon(void *user, const struct uip_usbmon_event *ev)
{
    struct uip_session *s = user;
    uip_tracker_usbmon(s->tracker, ev);
}

static void uip_s_usbipd_unlink(void *user, const struct uip_usbipd_unlink *u)
{
    struct uip_session *s = user;
    uip_tracker_usbipd_unlink(s->tracker, u);
}

/* ---- public API ----------------------------------------------------------------------- */

/* A session with its tracker and no input yet; NULL when out of memory. */
static struct uip_session *uip_session_new(const struct uip_session_config *cfg,
                                           const struct uip_session_callbacks *cb, void *user)
{
    struct uip_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    s->cb = *cb;
    s->user = user;
    s->conns = g_ptr_array_new();
    s->tracker = uip_tracker_new(&cb->tracker, user, cfg->data_keep, cfg->control_keep);
    if (!s->tracker) {
        uip_session_close(s);
        return NULL;
    }
    return s;
}

/* A session over a capture opened live (live) or from a file (path). */
static struct uip_session *uip_session_start(const char *path, const struct uip_live_config *live,
                                             const struct uip_session_config *cfg,
                                             const struct uip_session_callbacks *cb, void *user,
                                             int *code, char *err, size_t errlen)
{
    struct uip_capture_callbacks ccb = {
        .conn_open = uip_s_conn_open, .stream_data = uip_s_data, .stream_gap = uip_s_gap,
        .conn_close = uip_s_close, .usbmon = uip_s_usbmon, .window_wait = uip_s_window_wait,
        .usbipd_unlink = uip_s_usbipd_unlink, .handshake = uip_s_handshake,
    };
    struct uip_session *s = uip_session_new(cfg, cb, user);
    if (!s) {
        *code = UIP_ERR_NO_MEMORY;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->capture = live ? uip_capture_open_live(live, &cfg->capture, &ccb, s, code, err, errlen)
                      : uip_capture_open(path, &cfg->capture, &ccb, s, code, err, errlen);
    if (!s->capture) {
        uip_session_close(s);
        return NULL;
    }
    return s;
}

struct uip_session *uip_session_open(const char *path, const struct uip_session_config *cfg,
                                     const struct uip_session_callbacks *cb, void *user,
                                     int *code, char *err, size_t errlen)
{
    return uip_session_start(path, NULL, cfg, cb, user, code, err, errlen);
}

struct uip_session *uip_session_open_live(const struct uip_live_config *live,
                                          const struct uip_session_config *cfg,
                                          const struct uip_session_callbacks *cb, void *user,
                                          int *code, char *err, size_t errlen)
{
    return uip_session_start(NULL, live, cfg, cb, user, code, err, errlen);
}

struct uip_session *uip_session_open_streams(const struct uip_session_config *cfg,
                                             const struct uip_session_callbacks *cb, void *user)
{
    struct uip_session *s = uip_session_new(cfg, cb, user);
    if (s)
        s->streams = g_array_new(FALSE, TRUE, sizeof(struct uip_conn_info));
    return s;
}

uint32_t uip_session_stream_open(struct uip_session *s, const struct uip_conn_info *c)
{
    struct uip_conn_info info = *c;
    info.conn_id = s->streams->len + 1;
    info.end = (struct uip_conn_end){.kind = UIP_END_NONE, .by = -1};
    g_array_append_val(s->streams, info);
    uip_s_conn_open(s, &info);
    return uip_sconn_get(s, info.conn_id) ? info.conn_id : 0;
}

void uip_session_stream_data(struct uip_session *s, uint32_t conn_id, enum uip_side side,
                             const uint8_t *bytes, size_t len, uint64_t ts_ns)
{
    uip_s_data(s, conn_id, side, bytes, len, ts_ns, ++s->stream_chunks);
}

void uip_session_stream_close(struct uip_session *s, uint32_t conn_id, int by, bool reset,
                              uint64_t ts_ns)
{
    if (conn_id == 0 || conn_id > s->streams->len)
        return;
    struct uip_conn_info *c = &g_array_index(s->streams, struct uip_conn_info, conn_id - 1);
    if (c->end.kind != UIP_END_NONE)
        return;
    c->end = (struct uip_conn_end){.kind = reset ? UIP_END_RESET : by < 0 ? UIP_END_OPEN : UIP_END_CLOSED,
                                   .by = by, .ts_ns = ts_ns, .frame = s->stream_chunks};
    uip_s_close(s, conn_id, reset, by < 0, ts_ns, s->stream_chunks);
}

int uip_session_run(struct uip_session *s, char *err, size_t errlen)
{
    if (!s->capture)
        return UIP_OK;
    int rc = uip_capture_run(s->capture, err, errlen);
    uip_tracker_finish(s->tracker, uip_capture_stats(s->capture)->last_ts_ns);
    return rc;
}

void uip_session_stats(const struct uip_session *s, struct uip_session_stats *out)
{
    memset(out, 0, sizeof *out);
    if (s->capture)
        out->capture = *uip_capture_stats(s->capture);
    out->framing = s->finished;
    out->unsent_completions = uip_tracker_unsent_completions(s->tracker);
    for (guint i = 0; i < s->conns->len; i++) {
        struct uip_sconn *sc = g_ptr_array_index(s->conns, i);
        for (int side = 0; sc && side < 2; side++)
            if (sc->sides[side].framer)
                uip_add_stats(&out->framing, uip_framer_stats(sc->sides[side].framer));
    }
}

const struct uip_conn_info *uip_session_conn(const struct uip_session *s, uint32_t conn_id)
{
    if (s->streams)
        return conn_id && conn_id <= s->streams->len
                   ? &g_array_index(s->streams, struct uip_conn_info, conn_id - 1) : NULL;
    return uip_capture_conn(s->capture, conn_id);
}

const struct uip_tracker *uip_session_tracker(const struct uip_session *s)
{
    return s->tracker;
}

void uip_session_close(struct uip_session *s)
{
    if (!s)
        return;
    uip_capture_close(s->capture);
    for (guint i = 0; i < s->conns->len; i++) {
        struct uip_sconn *sc = g_ptr_array_index(s->conns, i);
        for (int side = 0; sc && side < 2; side++)
            uip_framer_free(sc->sides[side].framer);
        free(sc);
    }
    g_ptr_array_free(s->conns, TRUE);
    if (s->streams)
        g_array_free(s->streams, TRUE);
    uip_tracker_free(s->tracker);
    free(s);
}
