/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcapng.h -- the core's pcapng reader: blocks read one by one from a stream or from memory,
 * each interface with its own link type, records up to UIP_PCAPNG_MAX_RECORD bytes. */
#ifndef UIP_PCAPNG_H
#define UIP_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "uip/capture.h"

/* The largest record read (libpcap stops at 256 KiB; usbipd-win writes whole transfers). */
#define UIP_PCAPNG_MAX_RECORD (64u * 1024 * 1024)
/* The largest block: a record and its block's fields and options. */
#define UIP_PCAPNG_MAX_BLOCK (UIP_PCAPNG_MAX_RECORD + 65536u)
/* The first four bytes of every pcapng file (the same in both byte orders). */
#define UIP_PCAPNG_SHB_TYPE 0x0A0D0D0Au

struct uip_pcapng;

/* One packet record. data (caplen bytes) is valid until the next call. */
struct uip_pcapng_record {
    uint64_t ts_ns;
    uint32_t caplen, len;
    const uint8_t *data;
    uint32_t ifid;       /* interface in its section */
    int linktype;        /* that interface's link type */
    bool big;            /* the section's byte order (usbmon headers are in it) */
    uint64_t offset;     /* file offset of the record's block */
};

/* Read fp from its current position (the caller keeps fp), or the n bytes at p (not copied;
 * they must outlive the reader). NULL when out of memory. */
struct uip_pcapng *uip_pcapng_open(FILE *fp);
struct uip_pcapng *uip_pcapng_from_bytes(const uint8_t *p, size_t n);
void uip_pcapng_close(struct uip_pcapng *r); /* NULL is a no-op */

/* Read the section header and the interface descriptions before the first other block (which
 * is kept for uip_pcapng_next). 0, or -1 with a one-line reason in err when the file is not
 * pcapng or its first blocks are broken. */
int uip_pcapng_head(struct uip_pcapng *r, char *err, size_t errlen);

/* 1 with the next packet record, 0 at the clean end of the file, -1 when the file is broken
 * there: a one-line reason that names the block's file offset in err. Every block read is
 * counted (uip_pcapng_blocks). */
int uip_pcapng_next(struct uip_pcapng *r, struct uip_pcapng_record *rec, char *err,
                    size_t errlen);

/* Blocks read so far by type (UIP_PCAPNG__COUNT counts), and interfaces described. */
const uint64_t *uip_pcapng_blocks(const struct uip_pcapng *r);
uint32_t uip_pcapng_interfaces_total(const struct uip_pcapng *r);

/* The current section: its interfaces, their link types and names ("" when unnamed), and the
 * application that wrote it (shb_userappl, "" when absent). */
uint32_t uip_pcapng_if_count(const struct uip_pcapng *r);
int uip_pcapng_if_linktype(const struct uip_pcapng *r, uint32_t ifid); /* -1 out of range */
const char *uip_pcapng_if_name(const struct uip_pcapng *r, uint32_t ifid);
uint64_t uip_pcapng_if_offset(const struct uip_pcapng *r, uint32_t ifid); /* of its block */
const char *uip_pcapng_userappl(const struct uip_pcapng *r);

#endif
