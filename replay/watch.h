/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch.h -- usbip-replay proxy's live view: the bytes it forwards, framed and tracked by the
 * core's session as a capture would be, drawn every second by usbip-analyze's live view. */
#ifndef REPLAY_WATCH_H
#define REPLAY_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include "uip/frame_at.h"

struct replay_watch;

/* A view drawn to out (a terminal) under label; NULL when out of memory. */
struct replay_watch *replay_watch_new(FILE *out, const char *label);
/* Stops watching: the last view stays on the screen. NULL is a no-op. */
void replay_watch_free(struct replay_watch *w);
/* A proxied connection from client to server: its number in the view (0 when out of memory). */
uint32_t replay_watch_open(struct replay_watch *w, const struct sockaddr *client,
                           const struct sockaddr *server);
/* Bytes side sent, in stream order: the client's as they leave it, the server's as they reach
 * the client (what the client sees, as --write records it). */
void replay_watch_data(struct replay_watch *w, uint32_t conn_id, enum uip_side side,
                       const uint8_t *bytes, size_t len);
/* The connection ended: by the side whose stream ended first (-1: the proxy stopped), reset when
 * that side's read failed. */
void replay_watch_close(struct replay_watch *w, uint32_t conn_id, int by, bool reset);
/* Redraw when a second has passed since the last time. */
void replay_watch_tick(struct replay_watch *w);

#endif
