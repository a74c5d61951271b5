/* SPDX-License-Identifier: GPL-2.0-or-later */
/* device_table.h -- the analyzer's per-device registry: each view (statistics, class views,
 * what-if, plots, the live view, the comparison) keeps its state of a device in an entry found
 * by the device's connection and devid, in the order the devices were first seen. */
#ifndef ANALYZE_DEVICE_TABLE_H
#define ANALYZE_DEVICE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every entry starts with these two members (its struct's first ones, in this order): the table
 * fills them in. */
struct device_key {
    uint32_t conn_id, devid;
};

struct device_table;

/* A table of entries of entry_size bytes (a struct starting as struct device_key does), zeroed
 * when made; entry_free (may be NULL) frees what an entry owns, not the entry itself. */
struct device_table *device_table_new(size_t entry_size, void (*entry_free)(void *entry));
void device_table_free(struct device_table *t); /* NULL is a no-op */
/* The entry of the device, made (zeroed, *made set) when it has none yet. */
void *device_table_get(struct device_table *t, uint32_t conn_id, uint32_t devid, bool *made);
/* The entry of the device, or NULL. */
void *device_table_find(const struct device_table *t, uint32_t conn_id, uint32_t devid);
unsigned device_table_len(const struct device_table *t);
/* The i-th entry, in the order the devices were first seen (or sorted). */
void *device_table_at(const struct device_table *t, unsigned i);
/* Put the entries in the order cmp says (as g_ptr_array_sort: cmp gets pointers to two entry
 * pointers). */
void device_table_sort(struct device_table *t, int (*cmp)(const void *a, const void *b));

#endif
