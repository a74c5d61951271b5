/* SPDX-License-Identifier: GPL-2.0-or-later */
/* device_table.h -- the analyzer's per-device registry. One registry serves a run: each view
 * (statistics, class views, what-if, timeline, plots, the live view, the comparison) attaches
 * to it and keeps its state of a device there, found by the device's connection and devid. A
 * view's device_table is its handle on the registry: its own states, in the order it first
 * saw their devices. */
#ifndef ANALYZE_DEVICE_TABLE_H
#define ANALYZE_DEVICE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every view's state of a device starts with these two members (its struct's first ones, in
 * this order): the registry fills them in. */
struct device_key {
    uint32_t conn_id, devid;
};

struct device_registry;
struct device_table;

struct device_registry *device_registry_new(void);
/* Frees the devices; the tables attached to it are freed on their own (before or after). */
void device_registry_free(struct device_registry *r); /* NULL is a no-op */

/* A view attached to registry r (NULL: a registry of the table's own), whose states are
 * entry_size bytes (a struct starting as struct device_key does), zeroed when made; entry_free
 * (may be NULL) frees what a state owns, not the state itself. */
struct device_table *device_table_new(struct device_registry *r, size_t entry_size,
                                      void (*entry_free)(void *entry));
void device_table_free(struct device_table *t); /* NULL is a no-op */
/* The view's state of the device, made (zeroed, *made set) when it has none yet. */
void *device_table_get(struct device_table *t, uint32_t conn_id, uint32_t devid, bool *made);
/* The view's state of the device, or NULL. */
void *device_table_find(const struct device_table *t, uint32_t conn_id, uint32_t devid);
unsigned device_table_len(const struct device_table *t);
/* The view's i-th state, in the order the view first saw its device (or sorted). */
void *device_table_at(const struct device_table *t, unsigned i);
/* Put the view's states in the order cmp says (as g_ptr_array_sort: cmp gets pointers to two
 * state pointers). */
void device_table_sort(struct device_table *t, int (*cmp)(const void *a, const void *b));

#endif
