/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap_map.h -- classic pcap files read in place: each record is handed out as a pointer into a
 * read-only mapping of the file, so the bulk data the framer skips is never copied or touched. */
#ifndef UIP_PCAP_MAP_H
#define UIP_PCAP_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uip_pcap_map;

/* One record: data points into the mapping (caplen bytes); len is the length on the wire. */
struct uip_pcap_record {
    uint64_t ts_ns;
    uint32_t caplen, len;
    const uint8_t *data;
};

/* Map fd if it is a regular file holding a classic pcap capture (micro- or nanosecond, either
 * byte order); NULL otherwise (the caller reads it another way). The fd stays the caller's. */
struct uip_pcap_map *uip_pcap_map_open(int fd);

/* Parse the in-memory image of a pcap file (for tests and the fuzzer): like uip_pcap_map_open,
 * without owning the bytes. NULL if it is not a classic pcap file. */
struct uip_pcap_map *uip_pcap_map_from_bytes(const uint8_t *p, size_t n);

/* 1 with the next record, 0 at the clean end of the file, -1 when the file is corrupt there
 * (a one-line reason in err). Never reads outside the file. rec->data stays valid only until
 * the next call (as libpcap's buffer does). */
int uip_pcap_map_next(struct uip_pcap_map *m, struct uip_pcap_record *rec, char *err, size_t errlen);

void uip_pcap_map_close(struct uip_pcap_map *m);

#endif
