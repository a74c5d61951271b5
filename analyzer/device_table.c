/* SPDX-License-Identifier: GPL-2.0-or-later */
/* device_table.c -- the analyzer's per-device registry (see device_table.h): a hash index on
 * (connection, devid) over an array that keeps the order devices were first seen. */
#include <glib.h>
#include "device_table.h"

struct device_table {
    size_t entry_size;
    void (*entry_free)(void *entry);
    GHashTable *index; /* (conn_id << 32 | devid) -> entry */
    GPtrArray *order;  /* entries */
};

static guint64 key_of(uint32_t conn_id, uint32_t devid)
{
    return (guint64)conn_id << 32 | devid;
}

static void entry_destroy(gpointer p, gpointer table)
{
    struct device_table *t = table;
    if (t->entry_free)
        t->entry_free(p);
    g_free(p);
}

struct device_table *device_table_new(size_t entry_size, void (*entry_free)(void *entry))
{
    struct device_table *t = g_new0(struct device_table, 1);
    t->entry_size = entry_size < sizeof(struct device_key) ? sizeof(struct device_key) : entry_size;
    t->entry_free = entry_free;
    t->index = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    t->order = g_ptr_array_new();
    return t;
}

void device_table_free(struct device_table *t)
{
    if (!t)
        return;
    g_ptr_array_foreach(t->order, entry_destroy, t);
    g_ptr_array_free(t->order, TRUE);
    g_hash_table_destroy(t->index);
    g_free(t);
}

void *device_table_find(const struct device_table *t, uint32_t conn_id, uint32_t devid)
{
    guint64 k = key_of(conn_id, devid);
    return g_hash_table_lookup(t->index, &k);
}

void *device_table_get(struct device_table *t, uint32_t conn_id, uint32_t devid, bool *made)
{
    struct device_key *e = device_table_find(t, conn_id, devid);
    if (made)
        *made = e == NULL;
    if (e)
        return e;
    e = g_malloc0(t->entry_size);
    e->conn_id = conn_id;
    e->devid = devid;
    guint64 *k = g_new(guint64, 1);
    *k = key_of(conn_id, devid);
    g_hash_table_insert(t->index, k, e);
    g_ptr_array_add(t->order, e);
    return e;
}

unsigned device_table_len(const struct device_table *t)
{
    return t->order->len;
}

void *device_table_at(const struct device_table *t, unsigned i)
{
    return i < t->order->len ? g_ptr_array_index(t->order, i) : NULL;
}

void device_table_sort(struct device_table *t, int (*cmp)(const void *a, const void *b))
{
    g_ptr_array_sort(t->order, (GCompareFunc)cmp);
}
