/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_device_table.c -- the analyzer's per-device registry: views attached to one registry
 * keep their own state of the same device, each in its own first-seen (or sorted) order; a
 * table without a registry makes one of its own. */
#include <criterion/criterion.h>
#include "device_table.h"

struct counted {
    struct device_key key;
    int n;
};

struct named {
    struct device_key key;
    char *name;
};

static int freed;

static void named_free(void *p)
{
    free(((struct named *)p)->name);
    freed++;
}

Test(device_table, views_of_one_registry_keep_their_own_state_of_each_device)
{
    struct device_registry *r = device_registry_new();
    struct device_table *counts = device_table_new(r, sizeof(struct counted), NULL);
    struct device_table *names = device_table_new(r, sizeof(struct named), named_free);
    bool made;
    struct counted *c = device_table_get(counts, 1, 0x10002, &made);
    cr_assert(made);
    cr_assert_eq(c->key.conn_id, 1);
    cr_assert_eq(c->key.devid, 0x10002);
    c->n = 7;
    cr_assert_eq(device_table_get(counts, 1, 0x10002, &made), c);
    cr_assert_not(made);
    cr_assert_null(device_table_find(names, 1, 0x10002), "the other view has no state of it yet");
    struct named *n = device_table_get(names, 2, 0x10003, NULL);
    n->name = strdup("second");
    struct named *first = device_table_get(names, 1, 0x10002, NULL);
    first->name = strdup("first");
    cr_assert_eq(((struct counted *)device_table_find(counts, 1, 0x10002))->n, 7);
    cr_assert_null(device_table_find(counts, 2, 0x10003));

    cr_assert_eq(device_table_len(counts), 1);
    cr_assert_eq(device_table_len(names), 2);
    cr_assert_eq(device_table_at(names, 0), n, "the view's own order: it saw 2-3 first");
    cr_assert_eq(device_table_at(names, 1), first);
    cr_assert_null(device_table_at(names, 2));

    freed = 0;
    device_table_free(names);
    cr_assert_eq(freed, 2);
    cr_assert_eq(((struct counted *)device_table_find(counts, 1, 0x10002))->n, 7, "the other view's state stays");
    device_table_free(counts);
    device_registry_free(r);
}

static int by_devid_descending(const void *a, const void *b)
{
    const struct device_key *x = *(struct device_key *const *)a, *y = *(struct device_key *const *)b;
    return x->devid < y->devid ? 1 : x->devid > y->devid ? -1 : 0;
}

Test(device_table, a_table_without_a_registry_has_its_own_and_sorts_its_order)
{
    struct device_table *t = device_table_new(NULL, sizeof(struct counted), NULL);
    struct device_table *other = device_table_new(NULL, sizeof(struct counted), NULL);
    for (uint32_t d = 1; d <= 3; d++)
        device_table_get(t, 1, d, NULL);
    cr_assert_null(device_table_find(other, 1, 2), "a registry of its own: no other table sees it");
    device_table_sort(t, by_devid_descending);
    for (unsigned i = 0; i < 3; i++)
        cr_assert_eq(((struct device_key *)device_table_at(t, i))->devid, 3 - i);
    cr_assert_not_null(device_table_find(t, 1, 1), "sorting keeps every device findable");
    device_table_free(other);
    device_table_free(t);
}
