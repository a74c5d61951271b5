/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_pcapng.c -- libFuzzer target: arbitrary bytes as a pcapng file through the core's block
 * reader in memory, each record then through usbipd-win's decoders (usbmon and unlink records)
 * and the generic usbmon one. Must never crash, hang or read outside the input. */
#include <pcap/pcap.h>
#include <stdint.h>
#include "pcapng.h"
#include "usbipd_win.h"
#include "usbmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte handed over, so that a pointer outside the input is caught by ASan. */
static void fz_usbmon(void *user, const struct uip_usbmon_event *ev)
{
    uint32_t *sum = user;
    for (uint32_t i = 0; i < ev->len_cap; i++)
        *sum += ev->data[i];
}

static void fz_unlink(void *user, const struct uip_usbipd_unlink *u)
{
    *(uint32_t *)user += u->hdr.seqnum + u->busnum;
}

static void fz_record(const struct uip_pcapng *r, const struct uip_pcapng_record *rec,
                      uint64_t frame, uint32_t *sum)
{
    static const struct uip_capture_callbacks cb = {.usbmon = fz_usbmon, .usbipd_unlink = fz_unlink};
    enum uip_ignore_reason why;
    for (uint32_t i = 0; i < rec->caplen; i++)
        *sum += rec->data[i];
    if (rec->linktype == DLT_USB_LINUX_MMAPPED || rec->linktype == DLT_USB_LINUX)
        uip_usbmon_packet(rec->linktype, rec->big, rec->data, rec->caplen, rec->ts_ns, frame, &cb,
                          sum, &why);
    if (rec->linktype == DLT_USB_LINUX_MMAPPED)
        uip_usbipd_win_usbmon(rec, frame, &cb, sum, &why);
    if (rec->linktype == 101)
        uip_usbipd_win_unlink(rec, frame, &cb, sum, &why);
    *sum += uip_usbipd_win_section(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct uip_pcapng *r = uip_pcapng_from_bytes(data, size);
    struct uip_pcapng_record rec;
    char err[256];
    uint32_t sum = 0;
    uint64_t frame = 0;
    if (!r)
        return 0;
    if (uip_pcapng_head(r, err, sizeof err) == 0)
        while (uip_pcapng_next(r, &rec, err, sizeof err) == 1)
            fz_record(r, &rec, ++frame, &sum);
    uip_pcapng_close(r);
    volatile uint32_t sink = sum; /* keeps the reads from being optimised away */
    (void)sink;
    return 0;
}
