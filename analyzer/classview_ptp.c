/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_ptp.c -- the MTP/PTP view: the still-image class's transactions on its bulk
 * endpoints (PTP, ISO 15740, and MTP on top of it, as phones and cameras speak it): each
 * operation's command container, its data phase either way and its response, per operation code
 * the count, the answers, the bytes and the time from the command's submit to the response's
 * completion; each object moved (GetObject, SendObject, ...) with its transaction id, handle,
 * bytes and throughput; the events on the interrupt endpoint (see classview.h,
 * analyzer/README.md "Class-level view"). */
#include <glib.h>
#include <inttypes.h>
#include "classview_int.h"
#include "stats.h"

/* Container types (PTP 1.0 / MTP 1.1, "USB container"). */
#define PTP_COMMAND 1
#define PTP_DATA 2
#define PTP_RESPONSE 3
#define PTP_HEADER 12      /* length 4, type 2, code 2, transaction id 4 */
#define PTP_MAX_PARAMS 5
#define PTP_EVENT 4
#define PTP_RESPONSE_OK 0x2001
#define PTP_OBJECTS_LISTED 32 /* objects moved listed one by one; the rest are counted */
#define PTP_EVENT_CODES 16    /* event codes counted one by one; the rest together */

/* One object moved by a transaction (its data phase). */
struct ptp_object {
    uint32_t tid, handle; /* the command's transaction id and first parameter */
    uint16_t code, response; /* response 0: none came (the transfer was cut) */
    int direction;        /* of the data phase (UIP_DIR_IN: from the device) */
    uint64_t bytes, duration_ns; /* payload; command submitted to response (or last data) completed */
};

struct ptp_op {
    uint16_t code;
    uint64_t count, ok, failed, unanswered;
    uint16_t last_failure;       /* the last response code other than OK */
    uint64_t bytes_in, bytes_out; /* data phase payload */
    uint64_t urbs;               /* bulk URBs of its transactions, command to response */
    struct lat_hist lat;         /* command submitted to response completed */
};

struct cv_ptp {
    GPtrArray *ops;              /* struct ptp_op *, in order of first command */
    uint64_t transactions, sessions_opened, bytes_in, bytes_out;
    struct ptp_object objects[PTP_OBJECTS_LISTED];
    uint64_t n_objects, object_bytes[2]; /* every object moved; bytes by direction */
    struct { uint16_t code; uint64_t count; } events[PTP_EVENT_CODES];
    uint64_t n_events, other_events;
    /* the open transaction */
    bool open;
    struct ptp_op *op;
    uint32_t tid, handle;
    uint64_t t_command, t_data_end, urbs, data;
    int data_dir;                /* the data phase's direction: -1 none yet, else enum uip_direction */
};

/* The operations that move an object's bytes in their data phase. */
static bool moves_object(uint16_t code)
{
    return code == 0x1009 || code == 0x100a || code == 0x100d || code == 0x101b || code == 0x95c1;
}

/* A PTP/MTP code and its name (operations, events). */
struct ptp_name {
    uint16_t code;
    const char *name;
};

/* The name of code in the n entries of names, or NULL. */
static const char *name_of(const struct ptp_name *names, size_t n, uint16_t code)
{
    for (size_t i = 0; i < n; i++)
        if (names[i].code == code)
            return names[i].name;
    return NULL;
}

static const struct ptp_name event_names[] = {
    {0x4002, "ObjectAdded"}, {0x4003, "ObjectRemoved"}, {0x4004, "StoreAdded"},
    {0x4005, "StoreRemoved"}, {0x4006, "DevicePropChanged"}, {0x4007, "ObjectInfoChanged"},
    {0x4008, "DeviceInfoChanged"}, {0x400a, "StoreFull"}, {0x400c, "StorageInfoChanged"},
    {0xc801, "ObjectPropChanged"}, {0xc802, "ObjectPropDescChanged"}, {0xc803, "ObjectReferencesChanged"},
};

static const char *event_name(uint16_t code)
{
    return name_of(event_names, sizeof event_names / sizeof event_names[0], code);
}

static const struct ptp_name ptp_names[] = {
    {0x1001, "GetDeviceInfo"}, {0x1002, "OpenSession"}, {0x1003, "CloseSession"},
    {0x1004, "GetStorageIDs"}, {0x1005, "GetStorageInfo"}, {0x1006, "GetNumObjects"},
    {0x1007, "GetObjectHandles"}, {0x1008, "GetObjectInfo"}, {0x1009, "GetObject"},
    {0x100a, "GetThumb"}, {0x100b, "DeleteObject"}, {0x100c, "SendObjectInfo"},
    {0x100d, "SendObject"}, {0x1014, "GetDevicePropDesc"}, {0x1015, "GetDevicePropValue"},
    {0x1016, "SetDevicePropValue"}, {0x101b, "GetPartialObject"}, {0x9801, "GetObjectPropsSupported"},
    {0x9802, "GetObjectPropDesc"}, {0x9803, "GetObjectPropValue"}, {0x9804, "SetObjectPropValue"},
    {0x9805, "GetObjectPropList"}, {0x9810, "GetObjectReferences"}, {0x9811, "SetObjectReferences"},
    {0x95c1, "GetPartialObject64"}, {0x95c4, "BeginEditObject"}, {0x95c5, "EndEditObject"},
};

static const char *op_name(uint16_t code)
{
    return name_of(ptp_names, sizeof ptp_names / sizeof ptp_names[0], code);
}

/* A container's header in the URB's kept data. */
struct ptp_header {
    uint32_t length, tid;
    uint16_t type, code;
};

static bool header_of(const struct uip_urb *u, struct ptp_header *h)
{
    if (!u->data || !cv_get_le32(u->data, u->data_kept, 0, &h->length) ||
        !cv_get_le16(u->data, u->data_kept, 4, &h->type) || !cv_get_le16(u->data, u->data_kept, 6, &h->code) ||
        !cv_get_le32(u->data, u->data_kept, 8, &h->tid))
        return false;
    return h->length >= PTP_HEADER && h->type >= PTP_COMMAND && h->type <= 4;
}

bool cv_ptp_is_command(const struct uip_urb *u)
{
    struct ptp_header h;
    return u->direction == UIP_DIR_OUT && cv_answered(u) && header_of(u, &h) && h.type == PTP_COMMAND &&
           h.length <= PTP_HEADER + 4 * PTP_MAX_PARAMS && h.length == (uint32_t)u->actual_length &&
           (h.code & 0xf000) != 0 && (h.code & 0x0fff) != 0;
}

struct cv_ptp *cv_ptp_new(void)
{
    struct cv_ptp *p = g_new0(struct cv_ptp, 1);
    p->ops = g_ptr_array_new_with_free_func(g_free);
    return p;
}

void cv_ptp_free(struct cv_ptp *p)
{
    if (!p)
        return;
    g_ptr_array_free(p->ops, TRUE);
    g_free(p);
}

static struct ptp_op *op_get(struct cv_ptp *p, uint16_t code)
{
    for (guint i = 0; i < p->ops->len; i++) {
        struct ptp_op *o = g_ptr_array_index(p->ops, i);
        if (o->code == code)
            return o;
    }
    struct ptp_op *o = g_new0(struct ptp_op, 1);
    o->code = code;
    g_ptr_array_add(p->ops, o);
    return o;
}

/* The open transaction moved an object: kept (the first ones) and counted. */
static void note_object(struct cv_ptp *p, uint16_t response, uint64_t t_response)
{
    int dir = p->data_dir == UIP_DIR_IN;
    p->object_bytes[dir] += p->data;
    if (p->n_objects < PTP_OBJECTS_LISTED)
        p->objects[p->n_objects] = (struct ptp_object){
            .tid = p->tid, .handle = p->handle, .code = p->op->code, .response = response,
            .direction = p->data_dir, .bytes = p->data,
            .duration_ns = t_response > p->t_command ? t_response - p->t_command : 0};
    p->n_objects++;
}

/* The open transaction ends without a response (another command came, or the capture ended):
 * an object it was moving is listed as cut, with what came. */
static void abandon(struct cv_ptp *p)
{
    if (p->open) {
        p->op->unanswered++;
        p->op->urbs += p->urbs;
        if (moves_object(p->op->code) && p->data_dir >= 0)
            note_object(p, 0, p->t_data_end);
    }
    p->open = false;
}

static void data_bytes(struct cv_ptp *p, const struct uip_urb *u, uint32_t header)
{
    uint64_t n = u->actual_length > (int32_t)header ? (uint64_t)(u->actual_length - (int32_t)header) : 0;
    p->data += n;
    p->t_data_end = u->t_complete_ns;
    if (u->direction == UIP_DIR_IN) {
        p->op->bytes_in += n;
        p->bytes_in += n;
    } else {
        p->op->bytes_out += n;
        p->bytes_out += n;
    }
}

void cv_ptp_event(struct cv_ptp *p, const struct uip_urb *u)
{
    struct ptp_header h;
    if (!cv_answered(u) || u->status != 0 || !header_of(u, &h) || h.type != PTP_EVENT)
        return;
    p->n_events++;
    for (size_t i = 0; i < PTP_EVENT_CODES; i++) {
        if (!p->events[i].count)
            p->events[i].code = h.code;
        if (p->events[i].code == h.code) {
            p->events[i].count++;
            return;
        }
    }
    p->other_events++;
}

static double throughput_Bps(const struct ptp_object *o)
{
    return o->duration_ns ? (double)o->bytes / ((double)o->duration_ns / 1e9) : 0.0;
}

void cv_ptp_urb(struct cv_ptp *p, const struct uip_urb *u)
{
    if (!cv_answered(u) || u->status != 0)
        return; /* a read the host took back (a pending IN at the session's end), or an error */
    struct ptp_header h;
    bool has_header = header_of(u, &h);
    if (cv_ptp_is_command(u)) {
        abandon(p);
        p->open = true;
        p->op = op_get(p, h.code);
        p->op->count++;
        p->transactions++;
        p->sessions_opened += h.code == 0x1002;
        p->tid = h.tid;
        p->handle = 0;
        cv_get_le32(u->data, u->data_kept, PTP_HEADER, &p->handle); /* the first parameter, if any */
        p->t_command = u->t_submit_ns;
        p->urbs = 1;
        p->data = 0;
        p->data_dir = -1;
        return;
    }
    if (!p->open)
        return;
    p->urbs++;
    if (has_header && h.tid == p->tid && h.type == PTP_RESPONSE && u->direction == UIP_DIR_IN) {
        if (h.code == PTP_RESPONSE_OK)
            p->op->ok++;
        else {
            p->op->failed++;
            p->op->last_failure = h.code;
        }
        if (u->t_complete_ns >= p->t_command)
            lat_hist_add(&p->op->lat, u->t_complete_ns - p->t_command);
        p->op->urbs += p->urbs;
        p->open = false;
        if (moves_object(p->op->code) && p->data_dir >= 0)
            note_object(p, h.code, u->t_complete_ns);
        return;
    }
    if (has_header && h.tid == p->tid && h.type == PTP_DATA && p->data_dir < 0) {
        p->data_dir = u->direction;
        data_bytes(p, u, PTP_HEADER);
    } else if (p->data_dir == u->direction) {
        data_bytes(p, u, 0); /* the data phase goes on without a header */
    }
}

void cv_ptp_finish(struct cv_ptp *p)
{
    abandon(p);
}

void cv_ptp_text(FILE *out, const struct cv_ptp *p)
{
    fprintf(out, "  MTP/PTP: %" PRIu64 " operations, %" PRIu64 " session(s) opened; data %" PRIu64
                 " bytes in, %" PRIu64 " bytes out\n",
            p->transactions, p->sessions_opened, p->bytes_in, p->bytes_out);
    fprintf(out, "    %-33s %6s %6s %7s %10s %10s %10s %10s %6s\n", "operation", "count", "ok", "failed",
            "bytes in", "bytes out", "lat p50", "max", "URBs");
    for (guint i = 0; i < p->ops->len; i++) {
        const struct ptp_op *o = g_ptr_array_index(p->ops, i);
        const char *name = op_name(o->code);
        char label[40], failed[24];
        snprintf(label, sizeof label, "%s (0x%04x)", name ? name : "operation", o->code);
        snprintf(failed, sizeof failed, "%" PRIu64, o->failed + o->unanswered);
        fprintf(out, "    %-33s %6" PRIu64 " %6" PRIu64 " %7s %10" PRIu64 " %10" PRIu64, label, o->count, o->ok,
                failed, o->bytes_in, o->bytes_out);
        if (o->lat.count)
            fprintf(out, " %8.3fms %8.3fms", cv_secs(lat_hist_quantile(&o->lat, 0.5)) * 1e3,
                    cv_secs(o->lat.max) * 1e3);
        else
            fprintf(out, " %10s %10s", "-", "-");
        fprintf(out, " %6.1f", o->count ? (double)o->urbs / (double)o->count : 0.0);
        if (o->failed)
            fprintf(out, "  last failure: response 0x%04x", o->last_failure);
        if (o->unanswered)
            fprintf(out, "  %" PRIu64 " without a response", o->unanswered);
        fputc('\n', out);
    }
    if (p->n_objects) {
        fprintf(out, "    objects moved: %" PRIu64 " (%" PRIu64 " bytes from the device, %" PRIu64 " to it)%s\n",
                p->n_objects, p->object_bytes[1], p->object_bytes[0],
                p->n_objects > PTP_OBJECTS_LISTED ? "; the first listed" : "");
        for (uint64_t i = 0; i < p->n_objects && i < PTP_OBJECTS_LISTED; i++) {
            const struct ptp_object *o = &p->objects[i];
            fprintf(out, "      transaction %u %s handle 0x%08x: %" PRIu64 " bytes %s the device in %.3f s (%.1f kB/s), ",
                    o->tid, op_name(o->code), o->handle, o->bytes, o->direction == UIP_DIR_IN ? "from" : "to",
                    cv_secs(o->duration_ns), throughput_Bps(o) / 1e3);
            if (o->response)
                fprintf(out, "response 0x%04x\n", o->response);
            else
                fprintf(out, "cut: no response came\n");
        }
    }
    if (p->n_events) {
        fprintf(out, "    events (interrupt endpoint): %" PRIu64, p->n_events);
        for (size_t i = 0; i < PTP_EVENT_CODES && p->events[i].count; i++) {
            const char *name = event_name(p->events[i].code);
            fprintf(out, "%s %s (0x%04x) x%" PRIu64, i ? "," : ":", name ? name : "event", p->events[i].code,
                    p->events[i].count);
        }
        if (p->other_events)
            fprintf(out, ", %" PRIu64 " of other codes", p->other_events);
        fputc('\n', out);
    }
}

void cv_ptp_json(FILE *out, const struct cv_ptp *p)
{
    fprintf(out, "{\"operations\":%" PRIu64 ",\"sessions_opened\":%" PRIu64 ",\"bytes_in\":%" PRIu64
                 ",\"bytes_out\":%" PRIu64 ",\"by_operation\":[",
            p->transactions, p->sessions_opened, p->bytes_in, p->bytes_out);
    for (guint i = 0; i < p->ops->len; i++) {
        const struct ptp_op *o = g_ptr_array_index(p->ops, i);
        const char *name = op_name(o->code);
        fprintf(out, "%s{\"code\":\"0x%04x\",\"name\":", i ? "," : "", o->code);
        if (name)
            fprintf(out, "\"%s\"", name);
        else
            fprintf(out, "null");
        fprintf(out, ",\"count\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"unanswered\":%" PRIu64
                     ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"urbs\":%" PRIu64,
                o->count, o->ok, o->failed, o->unanswered, o->bytes_in, o->bytes_out, o->urbs);
        if (o->lat.count)
            fprintf(out, ",\"latency_p50\":%.9f,\"latency_max\":%.9f", cv_secs(lat_hist_quantile(&o->lat, 0.5)),
                    cv_secs(o->lat.max));
        if (o->failed)
            fprintf(out, ",\"last_failure\":\"0x%04x\"", o->last_failure);
        fputc('}', out);
    }
    fprintf(out, "],\"objects_moved\":%" PRIu64 ",\"object_bytes_in\":%" PRIu64 ",\"object_bytes_out\":%" PRIu64
                 ",\"objects\":[",
            p->n_objects, p->object_bytes[1], p->object_bytes[0]);
    for (uint64_t i = 0; i < p->n_objects && i < PTP_OBJECTS_LISTED; i++) {
        const struct ptp_object *o = &p->objects[i];
        fprintf(out, "%s{\"transaction\":%u,\"operation\":\"%s\",\"handle\":%u,\"direction\":\"%s\",\"bytes\":%" PRIu64
                     ",\"duration\":%.9f,\"throughput_Bps\":%.1f,\"response\":",
                i ? "," : "", o->tid, op_name(o->code), o->handle, o->direction == UIP_DIR_IN ? "in" : "out", o->bytes,
                cv_secs(o->duration_ns), throughput_Bps(o));
        if (o->response)
            fprintf(out, "\"0x%04x\"}", o->response);
        else
            fprintf(out, "null}");
    }
    fprintf(out, "],\"events\":%" PRIu64 ",\"by_event\":[", p->n_events);
    for (size_t i = 0; i < PTP_EVENT_CODES && p->events[i].count; i++) {
        const char *name = event_name(p->events[i].code);
        fprintf(out, "%s{\"code\":\"0x%04x\",\"name\":", i ? "," : "", p->events[i].code);
        if (name)
            fprintf(out, "\"%s\"", name);
        else
            fprintf(out, "null");
        fprintf(out, ",\"count\":%" PRIu64 "}", p->events[i].count);
    }
    fprintf(out, "],\"other_events\":%" PRIu64 "}", p->other_events);
}
