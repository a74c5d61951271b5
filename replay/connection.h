/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connection.h -- one client connection of the replay server: the OP phase (devlist, import),
 * then CMD_SUBMIT/CMD_UNLINK answered from the recording, with held and delayed answers. */
#ifndef REPLAY_CONNECTION_H
#define REPLAY_CONNECTION_H

#include <stdint.h>
#include <stdbool.h>
#include "pcap_writer.h"
#include "recording.h"
#include "serial.h"
#include "storage.h"
#include "timing.h"

/* Caps that keep a hostile client from growing the server without bound. */
#define REPLAY_MAX_URB_DATA (4u * 1024u * 1024u)     /* OUT data of one CMD_SUBMIT */
#define REPLAY_MAX_HELD_URBS 4096u                   /* outstanding URBs per connection */
#define REPLAY_MAX_OUTPUT (64u * 1024u * 1024u)      /* answers not yet taken by the client */
#define REPLAY_MAX_MADE_BYTES (256u * 1024u * 1024u) /* storage-model answers waiting to go out */
#define REPLAY_OP_TIMEOUT_NS (10ull * 1000000000ull) /* to send the OP request */

struct replay_serve_config {
    const struct replay_recording *rec;
    const struct replay_storage *storage; /* the mass-storage model, or NULL */
    const struct replay_serial *serial;   /* the serial-adapter model, or NULL */
    struct replay_timing timing;
    bool unmatched_pending;   /* requests with nothing recorded stay pending ... */
    int32_t unmatched_status; /* ... or are answered with this status (default -EPIPE) */
};

struct replay_conn;

/* Take over the connected, non-blocking socket fd and flow (NULL: not recorded; written to and
 * closed with the connection). now: CLOCK_MONOTONIC ns. NULL on no memory. */
struct replay_conn *replay_conn_new(int fd, uint32_t id, const char *peer,
                                    const struct replay_serve_config *cfg, uint64_t now,
                                    struct replay_pcap_flow *flow);
/* Close the socket and log what the connection did. NULL is a no-op. */
void replay_conn_free(struct replay_conn *c);

/* The socket is readable / writable / a deadline passed. false: close it (the reason is logged). */
bool replay_conn_on_readable(struct replay_conn *c, uint64_t now);
bool replay_conn_on_writable(struct replay_conn *c);
bool replay_conn_on_time(struct replay_conn *c, uint64_t now);

int replay_conn_fd(const struct replay_conn *c);
/* Bytes already received wait to be handled (on_readable stops after a batch of PDUs): call
 * on_readable again without waiting for the socket. */
bool replay_conn_has_input(const struct replay_conn *c);
bool replay_conn_wants_write(const struct replay_conn *c);
/* The earliest deadline (an answer due, the OP timeout), UINT64_MAX for none. */
uint64_t replay_conn_next_deadline(const struct replay_conn *c);
/* The connection imported the device. */
bool replay_conn_imported(const struct replay_conn *c);

#endif
