/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ffs_adb.c -- lab-ffs-adb, the lab phone's ADB-shaped interface: a FunctionFS function with
 * the interface Android's adbd presents (class 0xff, subclass 0x42, protocol 1, a bulk OUT and a
 * bulk IN endpoint, "ADB Interface"), so that the gadget is composed as a phone in "MTP + ADB"
 * mode is. It answers no ADB message: no host driver binds this interface, and the lab only needs
 * the client's kernel to enumerate it beside MTP and CDC-ACM.
 *
 *   lab-ffs-adb MOUNTPOINT
 *     writes the descriptors and strings to MOUNTPOINT/ep0 (a mounted functionfs), then reads
 *     its events (bind, enable, disable, ...) until it is killed.
 *
 * Exit 1 with a one-line reason when the function cannot be set up (2: usage). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/usb/functionfs.h>

#define ADB_CLASS 0xff
#define ADB_SUBCLASS 0x42
#define ADB_PROTOCOL 0x01

static size_t put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return 4;
}

/* The interface and its two bulk endpoints at one speed (max packet 64 full speed, 512 high). */
static size_t put_interface(uint8_t *p, uint16_t max_packet)
{
    const uint8_t desc[] = {
        9, 4, 0, 0, 2, ADB_CLASS, ADB_SUBCLASS, ADB_PROTOCOL, 1,        /* interface, string 1 */
        7, 5, 0x01, 2, (uint8_t)max_packet, (uint8_t)(max_packet >> 8), 0, /* bulk OUT ep 1 */
        7, 5, 0x82, 2, (uint8_t)max_packet, (uint8_t)(max_packet >> 8), 0, /* bulk IN ep 2 */
    };
    memcpy(p, desc, sizeof desc);
    return sizeof desc;
}

static int write_all(int fd, const uint8_t *p, size_t n, const char *what)
{
    if (write(fd, p, n) == (ssize_t)n)
        return 0;
    fprintf(stderr, "lab-ffs-adb: writing the %s to ep0 failed: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: lab-ffs-adb MOUNTPOINT\n");
        return 2;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/ep0", argv[1]);
    int ep0 = open(path, O_RDWR);
    if (ep0 < 0) {
        fprintf(stderr, "lab-ffs-adb: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    uint8_t descs[128];
    size_t n = 4 + 4; /* magic and length, filled in last */
    n += put_le32(descs + n, FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
    n += put_le32(descs + n, 3); /* full-speed descriptors */
    n += put_le32(descs + n, 3); /* high-speed descriptors */
    n += put_interface(descs + n, 64);
    n += put_interface(descs + n, 512);
    put_le32(descs, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
    put_le32(descs + 4, (uint32_t)n);

    static const char name[] = "ADB Interface";
    uint8_t strings[64];
    size_t m = 4 + 4;
    m += put_le32(strings + m, 1); /* one string */
    m += put_le32(strings + m, 1); /* in one language */
    strings[m++] = 0x09;           /* en-US, 0x0409 little-endian */
    strings[m++] = 0x04;
    memcpy(strings + m, name, sizeof name); /* with its NUL */
    m += sizeof name;
    put_le32(strings, FUNCTIONFS_STRINGS_MAGIC);
    put_le32(strings + 4, (uint32_t)m);

    if (write_all(ep0, descs, n, "descriptors") || write_all(ep0, strings, m, "strings"))
        return 1;
    printf("lab-ffs-adb: ADB-shaped function ready on %s\n", argv[1]);
    fflush(stdout);
    struct usb_functionfs_event ev;
    while (read(ep0, &ev, sizeof ev) > 0 || errno == EINTR)
        printf("lab-ffs-adb: event %u\n", ev.type);
    return 0;
}
