/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reader.h -- bounds-checked byte access for the core: the only way wire bytes are read or
 * written. The byte order is in the name; callers check the length once, then read. */
#ifndef UIP_READER_H
#define UIP_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* True when [off, off+n) lies inside a buffer of len bytes (overflow-safe). */
static inline bool uip_in_bounds(size_t len, size_t off, size_t n)
{
    return off <= len && n <= len - off;
}

static inline uint16_t uip_get_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t uip_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t uip_get_le16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

static inline uint32_t uip_get_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t uip_get_le64(const uint8_t *p)
{
    return (uint64_t)uip_get_le32(p + 4) << 32 | uip_get_le32(p);
}

/* Big-endian when big, else little-endian: fields in a file's or a record's own byte order. */
static inline uint16_t uip_get_ord16(const uint8_t *p, bool big)
{
    return big ? uip_get_be16(p) : uip_get_le16(p);
}

static inline uint32_t uip_get_ord32(const uint8_t *p, bool big)
{
    return big ? uip_get_be32(p) : uip_get_le32(p);
}

static inline uint64_t uip_get_ord64(const uint8_t *p, bool big)
{
    return big ? (uint64_t)uip_get_be32(p) << 32 | uip_get_be32(p + 4) : uip_get_le64(p);
}

static inline void uip_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void uip_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* True when all n bytes at p are zero. */
static inline bool uip_all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

#endif
