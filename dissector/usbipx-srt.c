/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipx-srt.c -- the URB latency statistic: a service response time table with one row per
 * device, endpoint and direction (count, min, max, average), for tshark -z usbipx,srt and
 * Wireshark's Statistics > Service Response Time > USBIPX. */
#include "usbipx.h"

#include <epan/srt_table.h>
#include <epan/tap.h>
#include "uip/wire.h"

static int usbipx_tap = -1;
static GHashTable *usbipx_srt_rows; /* usbipx_endpoint_key -> row index + 1 */

static void usbipx_srt_init(struct register_srt *srt, GArray *srt_array)
{
    init_srt_table("USB/IP URB latency (CMD_SUBMIT to RET_SUBMIT)", NULL, srt_array, 0,
                   "Device endpoint", NULL, NULL);
    if (usbipx_srt_rows)
        g_hash_table_remove_all(usbipx_srt_rows);
    else
        usbipx_srt_rows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
}

static tap_packet_status usbipx_srt_packet(void *pss, packet_info *pinfo, epan_dissect_t *edt,
                                           const void *prv, tap_flags_t flags)
{
    srt_data_t *data = pss;
    const struct usbipx_urb *u = prv;
    srt_stat_table *table = g_array_index(data->srt_array, srt_stat_table *, 0);
    uint64_t key = usbipx_endpoint_key(u->devid, u->ep, u->direction == UIP_DIR_IN);
    gpointer row = g_hash_table_lookup(usbipx_srt_rows, &key);
    int index;

    if (row) {
        index = GPOINTER_TO_INT(row) - 1;
    } else {
        index = (int)g_hash_table_size(usbipx_srt_rows);
        uint64_t *k = g_new(uint64_t, 1);
        *k = key;
        g_hash_table_insert(usbipx_srt_rows, k, GINT_TO_POINTER(index + 1));
    }
    if (index >= table->num_procs || !table->procedures[index].procedure) {
        char label[96];
        snprintf(label, sizeof label, "devid %u-%u ep %u %s", u->devid >> 16, u->devid & 0xffff, u->ep,
                 u->direction == UIP_DIR_IN ? "IN" : "OUT");
        init_srt_table_row(table, index, label);
    }
    nstime_t submit = usbipx_nstime(u->t_submit_ns);
    add_srt_table_data(table, index, &submit, pinfo);
    return TAP_PACKET_REDRAW;
}

void usbipx_srt_register(void)
{
    usbipx_tap = register_tap(USBIPX_FILTER);
    register_srt_table(proto_usbipx, NULL, 1, usbipx_srt_packet, usbipx_srt_init, NULL);
}

void usbipx_srt_queue(packet_info *pinfo, const struct usbipx_urb *urb)
{
    tap_queue_packet(usbipx_tap, pinfo, urb);
}
