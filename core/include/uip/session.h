/* SPDX-License-Identifier: GPL-2.0-or-later */
/* session.h -- the pipeline the tools share: capture -> per-direction framers -> URB tracker,
 * with the accounting of every byte and packet that could not be used. */
#ifndef UIP_SESSION_H
#define UIP_SESSION_H

#include <stdint.h>
#include <stdbool.h>
#include "uip/capture.h"
#include "uip/framer.h"
#include "uip/tracker.h"

struct uip_session_callbacks {
    void (*conn_open)(void *user, const struct uip_conn_info *c);
    /* Every framed PDU, after the tracker has seen it (optional). */
    void (*pdu)(void *user, uint32_t conn_id, enum uip_side side, const struct uip_pdu *pdu);
    /* Every skipped run of stream bytes (optional). */
    void (*skipped)(void *user, uint32_t conn_id, enum uip_side side, uint64_t offset,
                    uint64_t nbytes, enum uip_skip_reason reason, uint64_t ts_ns, uint64_t frame);
    struct uip_tracker_callbacks tracker;
    void (*conn_close)(void *user, uint32_t conn_id, bool reset, bool at_end, uint64_t ts_ns);
    /* A side's bytes waited for its peer's TCP receive window (optional; see uip/capture.h). */
    void (*window_wait)(void *user, uint32_t conn_id, enum uip_side side, uint64_t ts_ns,
                        uint64_t frame);
    /* What a connection's SYNs announced (optional; see uip/capture.h). */
    void (*handshake)(void *user, uint32_t conn_id, const struct uip_tcp_handshake *h);
};

struct uip_session_config {
    struct uip_capture_config capture;
    uint32_t data_keep;     /* transfer data bytes kept per PDU/URB off endpoint 0 */
    uint32_t control_keep;  /* on endpoint 0 */
};

/* Accounting of a whole run: nothing dropped without being counted. */
struct uip_session_stats {
    struct uip_capture_stats capture;
    struct uip_framer_stats framing;   /* summed over every direction of every connection */
    uint64_t unsent_completions;       /* usbipd-win: completions it wrote but never sent */
};

struct uip_session;

struct uip_session *uip_session_open(const char *path, const struct uip_session_config *cfg,
                                     const struct uip_session_callbacks *cb, void *user,
                                     int *code, char *err, size_t errlen);
/* The same over a live capture (uip_capture_open_live's codes). */
struct uip_session *uip_session_open_live(const struct uip_live_config *live,
                                          const struct uip_session_config *cfg,
                                          const struct uip_session_callbacks *cb, void *user,
                                          int *code, char *err, size_t errlen);
/* A session without a capture: its caller feeds each connection's stream bytes in order, as a
 * proxy that holds the two sockets sees them. Returns NULL when out of memory. */
struct uip_session *uip_session_open_streams(const struct uip_session_config *cfg,
                                             const struct uip_session_callbacks *cb, void *user);
/* A new connection of such a session; c->conn_id is ignored: the session numbers connections from
 * 1 in order and returns the number (0 when out of memory). Its bytes come with that number. */
uint32_t uip_session_stream_open(struct uip_session *s, const struct uip_conn_info *c);
void uip_session_stream_data(struct uip_session *s, uint32_t conn_id, enum uip_side side,
                             const uint8_t *bytes, size_t len, uint64_t ts_ns);
/* The connection ended: by the side whose read ended first (-1: neither, the caller stopped),
 * reset when that read failed rather than reaching the end of the stream. */
void uip_session_stream_close(struct uip_session *s, uint32_t conn_id, int by, bool reset,
                              uint64_t ts_ns);
/* Run to the end of the capture (for a live one, to a stop condition), then flush the tracker.
 * Same returns as uip_capture_run. A session of streams returns UIP_OK at once. */
int uip_session_run(struct uip_session *s, char *err, size_t errlen);
/* Stats summed so far. */
void uip_session_stats(const struct uip_session *s, struct uip_session_stats *out);
const struct uip_conn_info *uip_session_conn(const struct uip_session *s, uint32_t conn_id);
const struct uip_tracker *uip_session_tracker(const struct uip_session *s);
void uip_session_close(struct uip_session *s);

#endif
