/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_classview.c -- libFuzzer target: arbitrary bytes as a capture file through the session
 * into usbip-analyze's class-level view (SCSI commands of bulk-only transport, serial exchanges
 * and avrdude's STK500, HID reports), then its text and JSON for every device it recognised.
 * Seeded with the real captures, mutations reach the class parsers through URB data. Must never
 * crash or hang. */
#include "classview.h"
#include "fuzz_input.h"
#include "uip/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DEVICES 64

struct seen {
    struct classview *cv;
    uint32_t conn[MAX_DEVICES], devid[MAX_DEVICES];
    size_t n;
};

static void note(struct seen *s, uint32_t conn_id, uint32_t devid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->conn[i] == conn_id && s->devid[i] == devid)
            return;
    if (s->n < MAX_DEVICES) {
        s->conn[s->n] = conn_id;
        s->devid[s->n++] = devid;
    }
}

static void on_urb(void *user, const struct uip_urb *u)
{
    struct seen *s = user;
    classview_urb(s->cv, u);
    note(s, u->conn_id, u->devid);
}

static void on_device(void *user, const struct uip_device_info *d)
{
    struct seen *s = user;
    classview_device(s->cv, d);
    note(s, d->conn_id, d->devid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    const char *path = fuzz_input_file("classview", data, size);
    if (!path)
        return 0;
    struct uip_session_config cfg = {.data_keep = 64, .control_keep = 4096};
    struct seen s = {.cv = classview_new(NULL)};
    struct uip_session_callbacks cb = {.tracker = {.urb = on_urb, .device = on_device}};
    char err[256];
    int code;
    struct uip_session *session = uip_session_open(path, &cfg, &cb, &s, &code, err, sizeof err);
    if (session) {
        uip_session_run(session, err, sizeof err);
        uip_session_close(session);
    }
    classview_finish(s.cv);
    for (size_t i = 0; i < s.n; i++)
        if (classview_recognised(s.cv, s.conn[i], s.devid[i])) {
            classview_text(sink, s.cv, s.conn[i], s.devid[i], 0);
            classview_json(sink, s.cv, s.conn[i], s.devid[i]);
        }
    classview_free(s.cv);
    return 0;
}
