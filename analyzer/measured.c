/* SPDX-License-Identifier: GPL-2.0-or-later */
/* measured.c -- usbip-analyze --measured CAPTURE: another capture's main bulk stream, measured, as
 * a point for the what-if curves (its throughput as captured, at its own base round trip). */
#include "measured.h"

#include <stdio.h>
#include <string.h>

#include "uip/error.h"
#include "whatif_report.h"

struct measuring {
    struct whatif_set *whatif;
    bool out_of_memory;
};

static void on_urb(void *user, const struct uip_urb *u)
{
    struct measuring *m = user;
    if (!whatif_set_urb(m->whatif, u))
        m->out_of_memory = true;
}

static void on_handshake(void *user, uint32_t conn_id, const struct uip_tcp_handshake *h)
{
    struct measuring *m = user;
    if (!whatif_set_handshake(m->whatif, conn_id, h))
        m->out_of_memory = true;
}

enum measured_result measured_point(const char *path, const struct uip_session_config *cfg,
                                    struct plot_point *out, char *err, size_t errlen)
{
    struct measuring m = {.whatif = whatif_set_new(NULL)}; /* another capture: devices of its own */
    if (!m.whatif) {
        snprintf(err, errlen, "--measured %s: out of memory", path);
        return MEASURED_UNREADABLE;
    }
    struct uip_session_callbacks cb = {.tracker = {.urb = on_urb}, .handshake = on_handshake};
    char why[400] = "";
    int code = 0;
    struct uip_session *s = uip_session_open(path, cfg, &cb, &m, &code, why, sizeof why);
    int rc = s ? uip_session_run(s, why, sizeof why) : -1;
    uip_session_close(s);
    enum measured_result result = MEASURED_OK;
    if (rc != UIP_OK || m.out_of_memory) {
        snprintf(err, errlen, "--measured: %s", m.out_of_memory ? "out of memory" : why);
        result = MEASURED_UNREADABLE;
    } else {
        whatif_set_fit(m.whatif);
        double rtt_s = 0, bps = 0;
        uint8_t ep = 0;
        int8_t dir = 0;
        if (whatif_set_main_stream(m.whatif, &rtt_s, &bps, &ep, &dir)) {
            const char *base = strrchr(path, '/');
            *out = (struct plot_point){.rtt_ms = rtt_s * 1e3, .kBps = bps / 1e3};
            snprintf(out->label, sizeof out->label, "%s ep %u %s", base ? base + 1 : path, ep,
                     dir == UIP_DIR_IN ? "IN" : "OUT");
        } else {
            snprintf(err, errlen, "--measured %s: no bulk transfer to place on a throughput curve", path);
            result = MEASURED_NO_BULK;
        }
    }
    whatif_set_free(m.whatif);
    return result;
}
