/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_pcap_map.c -- the in-place pcap reader on synthetic files: both byte orders and timestamp
 * resolutions, records that cross mapping windows, and every way a file can be corrupt. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "pcap_map.h"
#include "synth_link.h"

static void file_with(struct synth_buf *f, bool nano, bool big, int records, uint32_t size)
{
    uint8_t *data = malloc(size);
    cr_assert_not_null(data);
    synth_pcap_file_header(f, SYNTH_LT_ETHERNET, nano, big, 262144);
    for (int i = 0; i < records; i++) {
        memset(data, 'a' + i % 26, size);
        synth_pcap_record(f, 1000000000ull * (uint64_t)(i + 1) + 123000, nano, big, data, size,
                          size + 4);
    }
    free(data);
}

static void expect_records(struct uip_pcap_map *m, int records, uint32_t size)
{
    struct uip_pcap_record rec;
    char err[256];
    for (int i = 0; i < records; i++) {
        cr_assert_eq(uip_pcap_map_next(m, &rec, err, sizeof err), 1, "record %d", i);
        cr_assert_eq(rec.caplen, size);
        cr_assert_eq(rec.len, size + 4);
        cr_assert_eq(rec.ts_ns, 1000000000ull * (uint64_t)(i + 1) + 123000);
        cr_assert_eq(rec.data[0], 'a' + i % 26);
        cr_assert_eq(rec.data[size - 1], 'a' + i % 26, "the whole record is readable");
    }
    cr_assert_eq(uip_pcap_map_next(m, &rec, err, sizeof err), 0);
}

Test(pcap_map, both_byte_orders_and_resolutions_from_bytes)
{
    for (int v = 0; v < 4; v++) {
        struct synth_buf f = {0};
        file_with(&f, v & 1, v & 2, 5, 60);
        struct uip_pcap_map *m = uip_pcap_map_from_bytes(f.data, f.len);
        cr_assert_not_null(m, "variant %d", v);
        expect_records(m, 5, 60);
        uip_pcap_map_close(m);
        synth_buf_free(&f);
    }
}

Test(pcap_map, records_across_mapping_windows_from_a_file)
{
    struct synth_buf f = {0};
    char path[64];
    file_with(&f, false, false, 40, 200000); /* 8 MB: several 2 MiB windows, records straddling */
    cr_assert_eq(synth_write_temp(&f, path, sizeof path), 0);
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0);
    struct uip_pcap_map *m = uip_pcap_map_open(fd);
    cr_assert_not_null(m);
    expect_records(m, 40, 200000);
    uip_pcap_map_close(m);
    close(fd);
    unlink(path);
    synth_buf_free(&f);
}

Test(pcap_map, not_classic_pcap_is_left_to_libpcap)
{
    struct synth_buf f = {0};
    synth_pcapng_shb(&f);
    synth_pcapng_idb(&f, SYNTH_LT_ETHERNET, 262144, -1);
    cr_assert_null(uip_pcap_map_from_bytes(f.data, f.len));
    cr_assert_null(uip_pcap_map_from_bytes(f.data, 10), "shorter than a file header");
    synth_buf_free(&f);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_null(uip_pcap_map_open(fds[0]), "a pipe is not mapped");
    close(fds[0]);
    close(fds[1]);
}

static int next_of(struct synth_buf *f, char *err, size_t errlen)
{
    struct uip_pcap_map *m = uip_pcap_map_from_bytes(f->data, f->len);
    struct uip_pcap_record rec;
    int rc;
    cr_assert_not_null(m);
    while ((rc = uip_pcap_map_next(m, &rec, err, errlen)) == 1)
        ;
    uip_pcap_map_close(m);
    return rc;
}

Test(pcap_map, corrupt_files_stop_with_a_reason)
{
    char err[256];
    struct synth_buf f = {0};
    file_with(&f, false, false, 2, 60);
    f.len -= 10; /* the last record's data cut */
    cr_assert_eq(next_of(&f, err, sizeof err), -1);
    cr_assert(strstr(err, "truncated dump file"), "%s", err);

    f.len = 24 + 16 + 60 + 7; /* a record header cut */
    cr_assert_eq(next_of(&f, err, sizeof err), -1);
    cr_assert(strstr(err, "header bytes, only got 7"), "%s", err);
    synth_buf_free(&f);

    struct synth_buf g = {0};
    synth_pcap_file_header(&g, SYNTH_LT_ETHERNET, false, false, 262144);
    const uint8_t huge[16] = {1, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0xff, 0xff, 0x7f, 0xf0, 0xff, 0xff, 0x7f};
    synth_append(&g, huge, sizeof huge);
    cr_assert_eq(next_of(&g, err, sizeof err), -1);
    cr_assert(strstr(err, "bigger than maximum"), "%s", err);
    synth_buf_free(&g);
}
