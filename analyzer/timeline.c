/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timeline.c -- per-interval throughput and queue depth, per device (see timeline.h). */
#include <glib.h>
#include <inttypes.h>
#include "device_table.h"
#include "timeline.h"

struct timeline_row {
    uint64_t bucket;
    uint32_t conn_id, devid;
    uint64_t submits, completions, bytes;
    uint32_t queue_max;
};

/* A device's rows, found by interval. */
struct timeline_device {
    struct device_key key;
    GHashTable *rows; /* bucket (guint64) -> struct timeline_row (owned by the timeline) */
};

struct timeline {
    uint64_t interval_ns, origin_ns;
    bool started;
    struct device_table *devs; /* struct timeline_device */
    GPtrArray *rows;           /* every device's rows, for the output */
};

static void device_free(void *p)
{
    g_hash_table_destroy(((struct timeline_device *)p)->rows);
}

struct timeline *timeline_new(uint64_t interval_ns, struct device_registry *devices)
{
    struct timeline *t = g_new0(struct timeline, 1);
    t->interval_ns = interval_ns ? interval_ns : 1000000000u;
    t->devs = device_table_new(devices, sizeof(struct timeline_device), device_free);
    t->rows = g_ptr_array_new_with_free_func(g_free);
    return t;
}

void timeline_free(struct timeline *t)
{
    if (!t)
        return;
    device_table_free(t->devs);
    g_ptr_array_free(t->rows, TRUE);
    g_free(t);
}

/* The device's row of the interval, made when it has none. */
static struct timeline_row *row_get(struct timeline *t, uint32_t conn_id, uint32_t devid, uint64_t bucket)
{
    bool made;
    struct timeline_device *d = device_table_get(t->devs, conn_id, devid, &made);
    if (made)
        d->rows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    struct timeline_row *r = g_hash_table_lookup(d->rows, &bucket);
    if (r)
        return r;
    r = g_new0(struct timeline_row, 1);
    r->bucket = bucket;
    r->conn_id = conn_id;
    r->devid = devid;
    g_ptr_array_add(t->rows, r);
    guint64 *k = g_new(guint64, 1);
    *k = bucket;
    g_hash_table_insert(d->rows, k, r);
    return r;
}

void timeline_event(struct timeline *t, const struct uip_event *ev)
{
    if (ev->kind == UIP_EV_ANOMALY)
        return;
    if (!t->started) {
        t->origin_ns = ev->ts_ns;
        t->started = true;
    }
    uint64_t bucket = ev->ts_ns >= t->origin_ns ? (ev->ts_ns - t->origin_ns) / t->interval_ns : 0;
    struct timeline_row *r = row_get(t, ev->conn_id, ev->devid, bucket);
    if (ev->kind == UIP_EV_SUBMIT)
        r->submits++;
    else if (ev->kind == UIP_EV_COMPLETE)
        r->completions++;
    r->bytes += ev->data_len;
    if (ev->depth_dev > r->queue_max)
        r->queue_max = ev->depth_dev;
}

static gint row_cmp(gconstpointer pa, gconstpointer pb)
{
    const struct timeline_row *a = *(struct timeline_row *const *)pa, *b = *(struct timeline_row *const *)pb;
    if (a->bucket != b->bucket)
        return a->bucket < b->bucket ? -1 : 1;
    if (a->conn_id != b->conn_id)
        return a->conn_id < b->conn_id ? -1 : 1;
    return a->devid < b->devid ? -1 : a->devid > b->devid;
}

void timeline_text(FILE *out, const struct timeline *t)
{
    g_ptr_array_sort(t->rows, row_cmp);
    fprintf(out, "\nTimeline (interval %.3f s, from the first URB event)\n", (double)t->interval_ns / 1e9);
    fprintf(out, "  %10s %5s %10s %9s %9s %12s %10s %9s\n", "time_s", "conn", "device", "submits",
            "completed", "bytes", "kB/s", "queue_max");
    for (guint i = 0; i < t->rows->len; i++) {
        const struct timeline_row *r = g_ptr_array_index(t->rows, i);
        char dev[16];
        snprintf(dev, sizeof dev, "%u-%u", r->devid >> 16, r->devid & 0xffff);
        fprintf(out, "  %10.3f %5u %10s %9" PRIu64 " %9" PRIu64 " %12" PRIu64 " %10.1f %9u\n",
                (double)(r->bucket * t->interval_ns) / 1e9, r->conn_id, dev, r->submits,
                r->completions, r->bytes, (double)r->bytes / ((double)t->interval_ns / 1e9) / 1000,
                r->queue_max);
    }
}

void timeline_json(FILE *out, const struct timeline *t)
{
    g_ptr_array_sort(t->rows, row_cmp);
    fprintf(out, "[");
    for (guint i = 0; i < t->rows->len; i++) {
        const struct timeline_row *r = g_ptr_array_index(t->rows, i);
        fprintf(out, "%s{\"time\":%.9f,\"connection\":%u,\"devid\":%u,\"submits\":%" PRIu64
                     ",\"completed\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"queue_max\":%u}",
                i ? "," : "", (double)(r->bucket * t->interval_ns) / 1e9, r->conn_id, r->devid,
                r->submits, r->completions, r->bytes, r->queue_max);
    }
    fprintf(out, "]");
}
