/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap_map.c -- classic pcap files read in place (see pcap_map.h): a 24-byte file header, then
 * records of a 16-byte header (seconds, micro- or nanoseconds, caplen, len) and caplen bytes.
 * The file is mapped a window at a time, so memory stays flat however big the file is. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pcap_map.h"
#include "reader.h"

#define UIP_PCAP_FILE_HDR 24
#define UIP_PCAP_REC_HDR 16
#define UIP_PCAP_MAGIC_US 0xa1b2c3d4u
#define UIP_PCAP_MAGIC_NS 0xa1b23c4du
/* libpcap refuses records above this (its MAXIMUM_SNAPLEN) */
#define UIP_PCAP_MAX_CAPLEN 262144u
/* Bytes mapped at a time (a record larger than this gets a window of its own size). */
#define UIP_PCAP_WINDOW (2u * 1024 * 1024)

struct uip_pcap_map {
    int fd;             /* -1: the bytes were given by the caller, all of them in the window */
    size_t size;        /* of the file */
    const uint8_t *win; /* file bytes [win_off, win_off + win_len) */
    size_t win_off, win_len;
    bool big;  /* the file's byte order */
    bool nano; /* timestamps in nanoseconds */
    size_t off; /* next record */
};

static void uip_pcap_unmap(struct uip_pcap_map *m)
{
    if (m->fd >= 0 && m->win)
        munmap((void *)m->win, m->win_len);
    m->win = NULL;
}

/* Pointer to file bytes [off, off + n), which the caller checked lie inside the file; NULL if
 * they cannot be mapped. Pointers from earlier calls may no longer be valid. */
static const uint8_t *uip_pcap_bytes(struct uip_pcap_map *m, size_t off, size_t n)
{
    if (m->win && off >= m->win_off && n <= m->win_len && off - m->win_off <= m->win_len - n)
        return m->win + (off - m->win_off);
    if (m->fd < 0)
        return NULL;
    uip_pcap_unmap(m);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t start = off / page * page, len = off + n - start;
    if (len < UIP_PCAP_WINDOW)
        len = UIP_PCAP_WINDOW;
    if (len > m->size - start)
        len = m->size - start;
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, m->fd, (off_t)start);
    if (p == MAP_FAILED)
        return NULL;
    m->win = p;
    m->win_off = start;
    m->win_len = len;
    return m->win + (off - start);
}

/* Recognize the file header; false if this is not a classic pcap file. */
static bool uip_pcap_header(struct uip_pcap_map *m)
{
    if (!uip_in_bounds(m->size, 0, UIP_PCAP_FILE_HDR))
        return false;
    const uint8_t *h = uip_pcap_bytes(m, 0, UIP_PCAP_FILE_HDR);
    if (!h)
        return false;
    uint32_t be = uip_get_be32(h), le = uip_get_le32(h);
    if (be == UIP_PCAP_MAGIC_US || be == UIP_PCAP_MAGIC_NS) {
        m->big = true;
        m->nano = be == UIP_PCAP_MAGIC_NS;
    } else if (le == UIP_PCAP_MAGIC_US || le == UIP_PCAP_MAGIC_NS) {
        m->big = false;
        m->nano = le == UIP_PCAP_MAGIC_NS;
    } else {
        return false;
    }
    m->off = UIP_PCAP_FILE_HDR;
    return true;
}

static struct uip_pcap_map *uip_pcap_map_new(int fd, const uint8_t *p, size_t n)
{
    struct uip_pcap_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->fd = fd;
    m->size = n;
    if (fd < 0) {
        m->win = p;
        m->win_len = n;
    }
    if (!uip_pcap_header(m)) {
        uip_pcap_map_close(m);
        return NULL;
    }
    return m;
}

struct uip_pcap_map *uip_pcap_map_from_bytes(const uint8_t *p, size_t n)
{
    return uip_pcap_map_new(-1, p, n);
}

struct uip_pcap_map *uip_pcap_map_open(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    return uip_pcap_map_new(fd, NULL, (size_t)st.st_size);
}

int uip_pcap_map_next(struct uip_pcap_map *m, struct uip_pcap_record *rec, char *err, size_t errlen)
{
    size_t left = m->size - m->off;
    if (left == 0)
        return 0;
    if (left < UIP_PCAP_REC_HDR) {
        snprintf(err, errlen, "truncated dump file; tried to read %d header bytes, only got %zu",
                 UIP_PCAP_REC_HDR, left);
        return -1;
    }
    const uint8_t *h = uip_pcap_bytes(m, m->off, UIP_PCAP_REC_HDR);
    if (!h) {
        snprintf(err, errlen, "cannot map the file at offset %zu", m->off);
        return -1;
    }
    uint32_t sec = uip_get_ord32(h, m->big), frac = uip_get_ord32(h + 4, m->big);
    rec->caplen = uip_get_ord32(h + 8, m->big);
    rec->len = uip_get_ord32(h + 12, m->big);
    if (rec->caplen > UIP_PCAP_MAX_CAPLEN) {
        snprintf(err, errlen, "invalid packet capture length %u, bigger than maximum of %u",
                 rec->caplen, UIP_PCAP_MAX_CAPLEN);
        return -1;
    }
    if (!uip_in_bounds(left, UIP_PCAP_REC_HDR, rec->caplen)) {
        snprintf(err, errlen, "truncated dump file; tried to read %u captured bytes, only got %zu",
                 rec->caplen, left - UIP_PCAP_REC_HDR);
        return -1;
    }
    rec->ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)frac * (m->nano ? 1u : 1000u);
    rec->data = uip_pcap_bytes(m, m->off + UIP_PCAP_REC_HDR, rec->caplen);
    if (!rec->data) {
        snprintf(err, errlen, "cannot map the file at offset %zu", m->off);
        return -1;
    }
    m->off += UIP_PCAP_REC_HDR + (size_t)rec->caplen;
    return 1;
}

void uip_pcap_map_close(struct uip_pcap_map *m)
{
    if (!m)
        return;
    uip_pcap_unmap(m);
    free(m);
}
