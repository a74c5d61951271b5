/* SPDX-License-Identifier: GPL-2.0-or-later */
/* urb_log.c -- the URBs a tracker delivers, kept for tests (see urb_log.h). */
#include <stdlib.h>
#include "urb_log.h"

void urb_log_add(void *user, const struct uip_urb *u)
{
    struct urb_log *l = user;
    if (l->n >= URB_LOG_MAX)
        abort();
    l->urbs[l->n] = *u;
    l->urbs[l->n].data = NULL;
    l->urbs[l->n].iso = NULL;
    l->n++;
}

const struct uip_urb *urb_log_find(const struct urb_log *l, uint64_t id)
{
    for (int i = 0; i < l->n; i++)
        if (l->urbs[i].id == id)
            return &l->urbs[i];
    return NULL;
}
