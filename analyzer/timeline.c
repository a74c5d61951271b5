/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timeline.c -- per-interval throughput and queue depth, per device (see timeline.h). */
#include <glib.h>
#include <inttypes.h>
#include "timeline.h"

struct timeline_row {
    uint64_t bucket;
    uint32_t conn_id, devid;
    uint64_t submits, completions, bytes;
    uint32_t queue_max;
};

struct timeline {
    uint64_t interval_ns, origin_ns;
    bool started;
    GHashTable *index; /* (bucket, conn, devid) -> row */
    GPtrArray *rows;
};

struct timeline *timeline_new(uint64_t interval_ns)
{
    struct timeline *t = g_new0(struct timeline, 1);
    t->interval_ns = interval_ns ? interval_ns : 1000000000u;
    t->index = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
    t->rows = g_ptr_array_new_with_free_func(g_free);
    return t;
}

void timeline_free(struct timeline *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->index);
    g_ptr_array_free(t->rows, TRUE);
    g_free(t);
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
    uint64_t key[2] = {bucket, (uint64_t)ev->conn_id << 32 | ev->devid};
    GBytes *k = g_bytes_new(key, sizeof key);
    struct timeline_row *r = g_hash_table_lookup(t->index, k);
    if (!r) {
        r = g_new0(struct timeline_row, 1);
        r->bucket = bucket;
        r->conn_id = ev->conn_id;
        r->devid = ev->devid;
        g_ptr_array_add(t->rows, r);
        g_hash_table_insert(t->index, k, r);
    } else {
        g_bytes_unref(k);
    }
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
