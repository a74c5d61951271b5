/* SPDX-License-Identifier: GPL-2.0-or-later */
/* device_table.c -- the analyzer's per-device registry (see device_table.h): a hash index on
 * (connection, devid) over the devices; each device holds one state pointer per attached view,
 * at the view's slot. */
#include <glib.h>
#include "device_table.h"

struct registry_device {
    struct device_key key;
    GPtrArray *states; /* a view's state at its slot, NULL where it has none */
};

struct device_registry {
    GHashTable *index; /* (conn_id << 32 | devid) -> struct registry_device (owned) */
    unsigned views;    /* slots handed out */
};

struct device_table {
    struct device_registry *registry;
    struct device_registry *own; /* the registry made for this table alone, or NULL */
    unsigned slot;
    size_t entry_size;
    void (*entry_free)(void *entry);
    GPtrArray *order; /* this view's states */
};

static guint64 key_of(uint32_t conn_id, uint32_t devid)
{
    return (guint64)conn_id << 32 | devid;
}

static void device_destroy(gpointer p)
{
    struct registry_device *d = p;
    g_ptr_array_free(d->states, TRUE);
    g_free(d);
}

struct device_registry *device_registry_new(void)
{
    struct device_registry *r = g_new0(struct device_registry, 1);
    r->index = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, device_destroy);
    return r;
}

void device_registry_free(struct device_registry *r)
{
    if (!r)
        return;
    g_hash_table_destroy(r->index);
    g_free(r);
}

static struct registry_device *registry_find(const struct device_registry *r, uint32_t conn_id, uint32_t devid)
{
    guint64 k = key_of(conn_id, devid);
    return g_hash_table_lookup(r->index, &k);
}

static struct registry_device *registry_get(struct device_registry *r, uint32_t conn_id, uint32_t devid)
{
    struct registry_device *d = registry_find(r, conn_id, devid);
    if (d)
        return d;
    d = g_new0(struct registry_device, 1);
    d->key = (struct device_key){conn_id, devid};
    d->states = g_ptr_array_new();
    guint64 *k = g_new(guint64, 1);
    *k = key_of(conn_id, devid);
    g_hash_table_insert(r->index, k, d);
    return d;
}

/* The table's state of device d, or NULL. */
static void *state_of(const struct device_table *t, const struct registry_device *d)
{
    return t->slot < d->states->len ? g_ptr_array_index(d->states, t->slot) : NULL;
}

struct device_table *device_table_new(struct device_registry *r, size_t entry_size,
                                      void (*entry_free)(void *entry))
{
    struct device_table *t = g_new0(struct device_table, 1);
    if (!r)
        r = t->own = device_registry_new();
    t->registry = r;
    t->slot = r->views++;
    t->entry_size = entry_size < sizeof(struct device_key) ? sizeof(struct device_key) : entry_size;
    t->entry_free = entry_free;
    t->order = g_ptr_array_new();
    return t;
}

static void state_destroy(gpointer p, gpointer table)
{
    struct device_table *t = table;
    if (t->entry_free)
        t->entry_free(p);
    g_free(p);
}

void device_table_free(struct device_table *t)
{
    if (!t)
        return;
    g_ptr_array_foreach(t->order, state_destroy, t);
    g_ptr_array_free(t->order, TRUE);
    device_registry_free(t->own);
    g_free(t);
}

void *device_table_find(const struct device_table *t, uint32_t conn_id, uint32_t devid)
{
    const struct registry_device *d = registry_find(t->registry, conn_id, devid);
    return d ? state_of(t, d) : NULL;
}

void *device_table_get(struct device_table *t, uint32_t conn_id, uint32_t devid, bool *made)
{
    struct registry_device *d = registry_get(t->registry, conn_id, devid);
    struct device_key *e = state_of(t, d);
    if (made)
        *made = e == NULL;
    if (e)
        return e;
    e = g_malloc0(t->entry_size);
    *e = d->key;
    if (d->states->len <= t->slot)
        g_ptr_array_set_size(d->states, (gint)t->slot + 1);
    g_ptr_array_index(d->states, t->slot) = e;
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
