/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcapng.c -- pcapng files read block by block (IETF draft-ietf-opsawg-pcapng): sections in
 * either byte order, interfaces each with their own link type, snaplen and time resolution,
 * enhanced, simple and obsolete packet blocks; every other block read, counted and skipped.
 * Lengths are checked against the block and the block against the file before any use. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "pcapng.h"
#include "reader.h"

#define NG_IDB 0x00000001u
#define NG_PB 0x00000002u
#define NG_SPB 0x00000003u
#define NG_NRB 0x00000004u
#define NG_ISB 0x00000005u
#define NG_EPB 0x00000006u
#define NG_DSB 0x0000000Au
#define NG_CB_COPY 0x00000BADu
#define NG_CB_NOCOPY 0x40000BADu
#define NG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define NG_MIN_BLOCK 12u     /* type, total length, trailing total length */
#define NG_SHB_FIXED 16u     /* byte-order magic, version, section length */
#define NG_IDB_FIXED 8u      /* link type, reserved, snaplen */
#define NG_PKT_FIXED 20u     /* EPB/PB: interface, timestamp, captured and original length */
#define NG_MAX_INTERFACES 65536u
#define NG_OPT_SHB_USERAPPL 4
#define NG_OPT_IF_NAME 2
#define NG_OPT_IF_TSRESOL 9
#define NG_OPT_IF_TSOFFSET 14

struct ng_if {
    int linktype;
    uint32_t snaplen;   /* 0: none */
    bool binary;        /* resolution 2^-exp s, else 10^-exp s */
    uint8_t exp;
    int64_t tsoffset;   /* seconds added to every timestamp */
    char name[32];
    uint64_t offset;    /* of its description block */
};

struct uip_pcapng {
    FILE *fp;                 /* the stream, or NULL when reading mem */
    const uint8_t *mem;
    size_t mem_len, mem_off;
    uint64_t off;             /* file offset of the next block */
    uint8_t *buf;             /* the current block, blk_len bytes */
    size_t cap;
    uint32_t blk_len, blk_type;
    uint64_t blk_off;
    bool held;                /* buf holds a block read but not yet processed */
    bool in_section;
    bool big;                 /* the section's byte order */
    struct ng_if *ifs;
    uint32_t n_if, cap_if, if_total;
    char userappl[64];
    uint64_t last_ts;         /* for simple packet blocks, which carry none */
    uint64_t blocks[UIP_PCAPNG__COUNT];
};

const char *uip_pcapng_block_name(enum uip_pcapng_block b)
{
    switch (b) {
    case UIP_PCAPNG_SHB: return "section header";
    case UIP_PCAPNG_IDB: return "interface description";
    case UIP_PCAPNG_EPB: return "enhanced packet";
    case UIP_PCAPNG_SPB: return "simple packet";
    case UIP_PCAPNG_PB: return "packet (obsolete)";
    case UIP_PCAPNG_NRB: return "name resolution (skipped)";
    case UIP_PCAPNG_ISB: return "interface statistics (skipped)";
    case UIP_PCAPNG_DSB: return "decryption secrets (skipped)";
    case UIP_PCAPNG_CUSTOM: return "custom (skipped)";
    case UIP_PCAPNG_OTHER: return "unknown type (skipped)";
    default: return "unknown";
    }
}

static enum uip_pcapng_block ng_kind(uint32_t type)
{
    switch (type) {
    case UIP_PCAPNG_SHB_TYPE: return UIP_PCAPNG_SHB;
    case NG_IDB: return UIP_PCAPNG_IDB;
    case NG_EPB: return UIP_PCAPNG_EPB;
    case NG_SPB: return UIP_PCAPNG_SPB;
    case NG_PB: return UIP_PCAPNG_PB;
    case NG_NRB: return UIP_PCAPNG_NRB;
    case NG_ISB: return UIP_PCAPNG_ISB;
    case NG_DSB: return UIP_PCAPNG_DSB;
    case NG_CB_COPY:
    case NG_CB_NOCOPY: return UIP_PCAPNG_CUSTOM;
    default: return UIP_PCAPNG_OTHER;
    }
}

/* ---- opening ----------------------------------------------------------------------------- */

static struct uip_pcapng *ng_new(FILE *fp, const uint8_t *p, size_t n)
{
    struct uip_pcapng *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fp = fp;
    r->mem = p;
    r->mem_len = n;
    return r;
}

struct uip_pcapng *uip_pcapng_open(FILE *fp)
{
    return ng_new(fp, NULL, 0);
}

struct uip_pcapng *uip_pcapng_from_bytes(const uint8_t *p, size_t n)
{
    return ng_new(NULL, p, n);
}

void uip_pcapng_close(struct uip_pcapng *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->ifs);
    free(r);
}

/* ---- reading blocks ---------------------------------------------------------------------- */

/* Up to n bytes into dst; how many there were. */
static size_t ng_read(struct uip_pcapng *r, uint8_t *dst, size_t n)
{
    if (r->fp)
        return fread(dst, 1, n, r->fp);
    size_t left = r->mem_len - r->mem_off;
    if (n > left)
        n = left;
    memcpy(dst, r->mem + r->mem_off, n);
    r->mem_off += n;
    return n;
}

/* -1, with "pcapng block at offset N: " and the printf-style reason in err. */
__attribute__((format(printf, 4, 5)))
static int ng_fail(const struct uip_pcapng *r, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return -1;
    int n = snprintf(err, errlen, "pcapng block at offset %llu: ", (unsigned long long)r->blk_off);
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool ng_reserve(struct uip_pcapng *r, size_t n)
{
    if (n <= r->cap)
        return true;
    uint8_t *b = realloc(r->buf, n);
    if (!b)
        return false;
    r->buf = b;
    r->cap = n;
    return true;
}

/* The byte order of a section header whose first 12 bytes are h; false if the magic is wrong. */
static bool ng_section_order(const uint8_t *h, bool *big)
{
    if (uip_get_be32(h + 8) == NG_BYTE_ORDER_MAGIC)
        *big = true;
    else if (uip_get_le32(h + 8) == NG_BYTE_ORDER_MAGIC)
        *big = false;
    else
        return false;
    return true;
}

/* The block's total length from its first 12 bytes (h; got of them read), checked. */
static int ng_block_length(struct uip_pcapng *r, const uint8_t *h, size_t got, char *err,
                           size_t errlen)
{
    r->blk_type = uip_get_ord32(h, r->big);
    if (uip_get_be32(h) == UIP_PCAPNG_SHB_TYPE) {
        r->blk_type = UIP_PCAPNG_SHB_TYPE;
        if (got < 12)
            return ng_fail(r, err, errlen, "truncated: the file ends inside a section header");
        if (!ng_section_order(h, &r->big))
            return ng_fail(r, err, errlen, "section header without its byte-order magic");
    } else if (!r->in_section) {
        return ng_fail(r, err, errlen, "not a pcapng section header");
    }
    r->blk_len = uip_get_ord32(h + 4, r->big);
    if (r->blk_len < NG_MIN_BLOCK || r->blk_len % 4)
        return ng_fail(r, err, errlen, "total length %u is not a multiple of 4 of at least 12",
                       r->blk_len);
    if (r->blk_len > UIP_PCAPNG_MAX_BLOCK)
        return ng_fail(r, err, errlen, "total length %u is above the reader's limit of %u bytes",
                       r->blk_len, UIP_PCAPNG_MAX_BLOCK);
    return 0;
}

/* Read the next block whole into buf: 1, 0 at the clean end of the file, -1 broken. */
static int ng_read_block(struct uip_pcapng *r, char *err, size_t errlen)
{
    uint8_t h[12];
    r->blk_off = r->off;
    size_t got = ng_read(r, h, 8);
    if (got == 0)
        return 0;
    if (got < 8)
        return ng_fail(r, err, errlen, "truncated: the file ends inside a block header");
    if (uip_get_be32(h) == UIP_PCAPNG_SHB_TYPE)
        got += ng_read(r, h + 8, 4);
    if (ng_block_length(r, h, got, err, errlen) < 0)
        return -1;
    if (!ng_reserve(r, r->blk_len))
        return ng_fail(r, err, errlen, "out of memory for the block");
    memcpy(r->buf, h, got);
    size_t rest = ng_read(r, r->buf + got, r->blk_len - got);
    r->off += got + rest;
    if (got + rest < r->blk_len)
        return ng_fail(r, err, errlen, "truncated: the file ends %zu bytes into a block of %u",
                       got + rest, r->blk_len);
    uint32_t trailing = uip_get_ord32(r->buf + r->blk_len - 4, r->big);
    if (trailing != r->blk_len)
        return ng_fail(r, err, errlen, "leading total length %u differs from trailing %u",
                       r->blk_len, trailing);
    return 1;
}

/* ---- options ----------------------------------------------------------------------------- */

typedef bool (*ng_option_fn)(void *ctx, uint16_t code, const uint8_t *v, uint16_t len, bool big);

/* Walk the options in [p, p+n): -1 when one overruns the block or fn refuses it. */
static int ng_options(struct uip_pcapng *r, const uint8_t *p, size_t n, ng_option_fn fn, void *ctx,
                      char *err, size_t errlen)
{
    size_t off = 0;
    while (uip_in_bounds(n, off, 4)) {
        uint16_t code = uip_get_ord16(p + off, r->big), len = uip_get_ord16(p + off + 2, r->big);
        if (code == 0)
            return 0;
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        if (!uip_in_bounds(n, off + 4, padded))
            return ng_fail(r, err, errlen, "option %u of %u bytes overruns the block", code, len);
        if (!fn(ctx, code, p + off + 4, len, r->big))
            return ng_fail(r, err, errlen, "option %u has an invalid value", code);
        off += 4 + padded;
    }
    return 0;
}

static void ng_copy_string(char *dst, size_t size, const uint8_t *v, uint16_t len)
{
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

/* ---- section headers and interfaces ------------------------------------------------------ */

static bool ng_shb_option(void *ctx, uint16_t code, const uint8_t *v, uint16_t len, bool big)
{
    struct uip_pcapng *r = ctx;
    if (code == NG_OPT_SHB_USERAPPL)
        ng_copy_string(r->userappl, sizeof r->userappl, v, len);
    return true;
}

static int ng_section(struct uip_pcapng *r, char *err, size_t errlen)
{
    if (r->blk_len < NG_MIN_BLOCK + NG_SHB_FIXED)
        return ng_fail(r, err, errlen, "section header shorter than its fields");
    const uint8_t *b = r->buf + 8;
    uint16_t major = uip_get_ord16(b + 4, r->big), minor = uip_get_ord16(b + 6, r->big);
    if (major != 1)
        return ng_fail(r, err, errlen, "pcapng version %u.%u is not supported (1.x is)",
                       major, minor);
    r->in_section = true;
    r->n_if = 0;
    r->userappl[0] = 0;
    return ng_options(r, b + NG_SHB_FIXED, r->blk_len - NG_MIN_BLOCK - NG_SHB_FIXED, ng_shb_option,
                      r, err, errlen);
}

static bool ng_if_option(void *ctx, uint16_t code, const uint8_t *v, uint16_t len, bool big)
{
    struct ng_if *i = ctx;
    switch (code) {
    case NG_OPT_IF_NAME:
        ng_copy_string(i->name, sizeof i->name, v, len);
        return true;
    case NG_OPT_IF_TSRESOL:
        /* 2^-exp past 63 or 10^-exp past 19 cannot be converted to nanoseconds */
        if (len != 1 || ((v[0] & 0x80) ? (v[0] & 0x7f) > 63 : v[0] > 19))
            return false;
        i->binary = v[0] & 0x80;
        i->exp = v[0] & 0x7f;
        return true;
    case NG_OPT_IF_TSOFFSET:
        if (len != 8)
            return false;
        i->tsoffset = (int64_t)uip_get_ord64(v, big);
        return true;
    default:
        return true;
    }
}

static int ng_interface(struct uip_pcapng *r, char *err, size_t errlen)
{
    struct ng_if i = {.exp = 6, .offset = r->blk_off};
    if (r->blk_len < NG_MIN_BLOCK + NG_IDB_FIXED)
        return ng_fail(r, err, errlen, "interface description shorter than its fields");
    if (r->n_if >= NG_MAX_INTERFACES)
        return ng_fail(r, err, errlen, "more than 65536 interfaces in one section");
    const uint8_t *b = r->buf + 8;
    i.linktype = uip_get_ord16(b, r->big);
    i.snaplen = uip_get_ord32(b + 4, r->big);
    if (ng_options(r, b + NG_IDB_FIXED, r->blk_len - NG_MIN_BLOCK - NG_IDB_FIXED, ng_if_option, &i,
                   err, errlen) < 0)
        return -1;
    if (r->n_if == r->cap_if) {
        uint32_t cap = r->cap_if ? r->cap_if * 2 : 4;
        struct ng_if *ifs = realloc(r->ifs, cap * sizeof *ifs);
        if (!ifs)
            return ng_fail(r, err, errlen, "out of memory for the interface");
        r->ifs = ifs;
        r->cap_if = cap;
    }
    r->ifs[r->n_if++] = i;
    r->if_total++;
    return 0;
}

/* ---- packets ----------------------------------------------------------------------------- */

static uint64_t ng_pow10(unsigned e)
{
    uint64_t v = 1;
    while (e--)
        v *= 10;
    return v;
}

/* Timestamp units of interface i to nanoseconds since 1970; false when out of range. */
static bool ng_ts_ns(const struct ng_if *i, uint64_t units, uint64_t *ns)
{
    typedef unsigned __int128 u128;
    u128 v;
    if (i->binary)
        v = ((u128)units * 1000000000u) >> i->exp;
    else if (i->exp <= 9)
        v = (u128)units * ng_pow10(9u - i->exp);
    else
        v = units / ng_pow10(i->exp - 9u);
    __int128 t = (__int128)v + (__int128)i->tsoffset * 1000000000;
    if (t < 0 || t > (__int128)UINT64_MAX)
        return false;
    *ns = (uint64_t)t;
    return true;
}

/* The record's interface, length and time (units; NULL: the previous record's) checked; data
 * at body + fixed. */
static int ng_record(struct uip_pcapng *r, struct uip_pcapng_record *rec, uint32_t ifid,
                     const uint64_t *units, uint32_t fixed, char *err, size_t errlen)
{
    uint32_t avail = r->blk_len - NG_MIN_BLOCK - fixed;
    if (ifid >= r->n_if)
        return ng_fail(r, err, errlen, "interface id %u out of range (the section describes %u)",
                       ifid, r->n_if);
    if (rec->caplen > UIP_PCAPNG_MAX_RECORD)
        return ng_fail(r, err, errlen, "captured length %u is above the reader's limit of %u bytes",
                       rec->caplen, UIP_PCAPNG_MAX_RECORD);
    if (rec->caplen > avail)
        return ng_fail(r, err, errlen, "captured length %u overruns the block (%u bytes of data)",
                       rec->caplen, avail);
    rec->ts_ns = r->last_ts;
    if (units && !ng_ts_ns(&r->ifs[ifid], *units, &rec->ts_ns))
        return ng_fail(r, err, errlen, "timestamp out of range");
    rec->ifid = ifid;
    rec->linktype = r->ifs[ifid].linktype;
    rec->big = r->big;
    rec->offset = r->blk_off;
    rec->data = r->buf + 8 + fixed;
    r->last_ts = rec->ts_ns;
    return 1;
}

/* Enhanced packet block, or the obsolete packet block (16-bit interface id, drops count). */
static int ng_packet(struct uip_pcapng *r, struct uip_pcapng_record *rec, bool obsolete, char *err,
                     size_t errlen)
{
    if (r->blk_len < NG_MIN_BLOCK + NG_PKT_FIXED)
        return ng_fail(r, err, errlen, "packet block shorter than its fields");
    const uint8_t *b = r->buf + 8;
    uint32_t ifid = obsolete ? uip_get_ord16(b, r->big) : uip_get_ord32(b, r->big);
    uint64_t units = (uint64_t)uip_get_ord32(b + 4, r->big) << 32 | uip_get_ord32(b + 8, r->big);
    rec->caplen = uip_get_ord32(b + 12, r->big);
    rec->len = uip_get_ord32(b + 16, r->big);
    return ng_record(r, rec, ifid, &units, NG_PKT_FIXED, err, errlen);
}

/* Simple packet block: interface 0, no time (the previous record's is given), the packet cut
 * to the interface's snaplen. */
static int ng_simple(struct uip_pcapng *r, struct uip_pcapng_record *rec, char *err, size_t errlen)
{
    if (r->blk_len < NG_MIN_BLOCK + 4)
        return ng_fail(r, err, errlen, "simple packet block shorter than its fields");
    if (!r->n_if)
        return ng_fail(r, err, errlen, "simple packet block before any interface description");
    uint32_t avail = r->blk_len - NG_MIN_BLOCK - 4, snap = r->ifs[0].snaplen;
    rec->len = uip_get_ord32(r->buf + 8, r->big);
    rec->caplen = rec->len < avail ? rec->len : avail;
    if (snap && rec->caplen > snap)
        rec->caplen = snap;
    return ng_record(r, rec, 0, NULL, 4, err, errlen);
}

/* Process the block in buf: 1 with a record, 0 for a block without one, -1 broken. */
static int ng_process(struct uip_pcapng *r, struct uip_pcapng_record *rec, char *err,
                      size_t errlen)
{
    enum uip_pcapng_block kind = ng_kind(r->blk_type);
    int rc = 0;
    switch (kind) {
    case UIP_PCAPNG_SHB: rc = ng_section(r, err, errlen); break;
    case UIP_PCAPNG_IDB: rc = ng_interface(r, err, errlen); break;
    case UIP_PCAPNG_EPB: rc = ng_packet(r, rec, false, err, errlen); break;
    case UIP_PCAPNG_PB: rc = ng_packet(r, rec, true, err, errlen); break;
    case UIP_PCAPNG_SPB: rc = ng_simple(r, rec, err, errlen); break;
    default: break; /* read whole and checked; nothing in it is used */
    }
    if (rc >= 0)
        r->blocks[kind]++;
    return rc;
}

int uip_pcapng_head(struct uip_pcapng *r, char *err, size_t errlen)
{
    for (;;) {
        int rc = ng_read_block(r, err, errlen);
        if (rc <= 0)
            return rc < 0 || r->in_section ? rc : ng_fail(r, err, errlen, "empty file");
        if (r->blk_type != UIP_PCAPNG_SHB_TYPE && r->blk_type != NG_IDB) {
            r->held = true;
            return 0;
        }
        if (ng_process(r, NULL, err, errlen) < 0)
            return -1;
    }
}

int uip_pcapng_next(struct uip_pcapng *r, struct uip_pcapng_record *rec, char *err,
                    size_t errlen)
{
    for (;;) {
        if (!r->held) {
            int rc = ng_read_block(r, err, errlen);
            if (rc <= 0)
                return rc;
        }
        r->held = false;
        int rc = ng_process(r, rec, err, errlen);
        if (rc != 0)
            return rc;
    }
}

const uint64_t *uip_pcapng_blocks(const struct uip_pcapng *r)
{
    return r->blocks;
}

uint32_t uip_pcapng_interfaces_total(const struct uip_pcapng *r)
{
    return r->if_total;
}

uint32_t uip_pcapng_if_count(const struct uip_pcapng *r)
{
    return r->n_if;
}

int uip_pcapng_if_linktype(const struct uip_pcapng *r, uint32_t ifid)
{
    return ifid < r->n_if ? r->ifs[ifid].linktype : -1;
}

const char *uip_pcapng_if_name(const struct uip_pcapng *r, uint32_t ifid)
{
    return ifid < r->n_if ? r->ifs[ifid].name : "";
}

uint64_t uip_pcapng_if_offset(const struct uip_pcapng *r, uint32_t ifid)
{
    return ifid < r->n_if ? r->ifs[ifid].offset : 0;
}

const char *uip_pcapng_userappl(const struct uip_pcapng *r)
{
    return r->userappl;
}
