/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch.c -- usbip-replay proxy's live view (see watch.h): a session of streams in the core, the
 * analyzer's statistics for each device's enumeration, the analyzer's live view to draw them. */
#include "watch.h"

#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include "device_table.h"
#include "live_view.h"
#include "stats.h"
#include "uip/session.h"

#define REDRAW_NS 1000000000ull

struct replay_watch {
    struct device_registry *devices; /* the views' state of each device */
    struct uip_session *session;
    struct analysis *analysis; /* enumeration state and the device's identity */
    struct live_view *view;
    uint64_t last_draw_ns;
};

/* The capture clock: CLOCK_REALTIME, as the view ages outstanding URBs by it. */
static uint64_t now_ns(void)
{
    return (uint64_t)g_get_real_time() * 1000u;
}

static void on_urb(void *user, const struct uip_urb *u)
{
    struct replay_watch *w = user;
    analysis_urb(w->analysis, u);
    live_view_urb(w->view, u);
}

static void on_event(void *user, const struct uip_event *ev)
{
    struct replay_watch *w = user;
    analysis_event(w->analysis, ev);
    live_view_event(w->view, ev);
}

static void on_device(void *user, const struct uip_device_info *d)
{
    struct replay_watch *w = user;
    analysis_device(w->analysis, d);
}

struct replay_watch *replay_watch_new(FILE *out, const char *label)
{
    struct replay_watch *w = g_new0(struct replay_watch, 1);
    struct uip_session_config cfg = {.data_keep = 0, .control_keep = 4096};
    struct uip_session_callbacks cb = {.tracker = {.urb = on_urb, .event = on_event, .device = on_device}};
    w->devices = device_registry_new();
    w->analysis = analysis_new(w->devices);
    w->view = live_view_new(out, label, "stops", w->devices);
    w->session = uip_session_open_streams(&cfg, &cb, w);
    if (!w->analysis || !w->view || !w->session) {
        replay_watch_free(w);
        return NULL;
    }
    return w;
}

void replay_watch_free(struct replay_watch *w)
{
    if (!w)
        return;
    if (w->session && w->view)
        live_view_draw(w->view, w->analysis, w->session);
    uip_session_close(w->session);
    live_view_free(w->view);
    analysis_free(w->analysis);
    device_registry_free(w->devices);
    g_free(w);
}

/* An address and port of a socket into the core's connection record. */
static void address(const struct sockaddr *sa, int *family, uint8_t addr[16], uint16_t *port)
{
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        *family = 6;
        memcpy(addr, &in6->sin6_addr, 16);
        *port = ntohs(in6->sin6_port);
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        *family = 4;
        memcpy(addr, &in->sin_addr, 4);
        *port = ntohs(in->sin_port);
    }
}

uint32_t replay_watch_open(struct replay_watch *w, const struct sockaddr *client,
                           const struct sockaddr *server)
{
    struct uip_conn_info c = {.saw_syn = true, .ts_ns = now_ns()};
    address(client, &c.family, c.client_addr, &c.client_port);
    address(server, &c.family, c.server_addr, &c.server_port);
    return uip_session_stream_open(w->session, &c);
}

void replay_watch_data(struct replay_watch *w, uint32_t conn_id, enum uip_side side,
                       const uint8_t *bytes, size_t len)
{
    if (conn_id)
        uip_session_stream_data(w->session, conn_id, side, bytes, len, now_ns());
}

void replay_watch_close(struct replay_watch *w, uint32_t conn_id, int by, bool reset)
{
    if (conn_id)
        uip_session_stream_close(w->session, conn_id, by, reset, now_ns());
}

void replay_watch_tick(struct replay_watch *w)
{
    uint64_t now = now_ns();
    if (now - w->last_draw_ns < REDRAW_NS)
        return;
    w->last_draw_ns = now;
    live_view_draw(w->view, w->analysis, w->session);
}
