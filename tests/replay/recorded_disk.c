/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recorded_disk.c -- test helper: a disk as a recorded usb-storage session read it (SCSI READ(10)
 * commands in bulk-only CBWs and the bulk IN data after them).
 *   recorded_disk CAPTURE BYTES              the md5 of its first BYTES (all read in the recording)
 *   recorded_disk --image CAPTURE OUT FLIPPED  write it as a disk image of the recorded capacity
 *       (blocks never read: zeros) to OUT, and to FLIPPED with one byte changed: byte 100 of the
 *       data of the recording's last READ(10); prints that READ's LBA */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recording.h"

#define CBW_SIZE 31
#define CSW_SIZE 13
#define SCSI_READ_CAPACITY_10 0x25
#define SCSI_READ_10 0x28

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool write_file(const char *path, const uint8_t *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, len, f) == len;
    if (f && fclose(f))
        ok = false;
    return ok;
}

int main(int argc, char **argv)
{
    bool image_mode = argc == 5 && !strcmp(argv[1], "--image");
    if (argc != 3 && !image_mode) {
        fprintf(stderr, "usage: recorded_disk CAPTURE BYTES | recorded_disk --image CAPTURE OUT FLIPPED\n");
        return 2;
    }
    const char *capture = image_mode ? argv[2] : argv[1];
    struct replay_recording rec;
    char err[512];
    if (replay_recording_load(capture, NULL, &rec, err, sizeof err) != REPLAY_LOAD_OK) {
        fprintf(stderr, "recorded_disk: %s\n", err);
        return 2;
    }
    uint32_t block = 512;
    uint64_t capacity = 0; /* bytes, from READ CAPACITY(10) */
    for (size_t i = 0, capacity_asked = 0; i < rec.n_urbs; i++) {
        const struct replay_urb *u = &rec.urbs[i];
        if (u->direction == UIP_DIR_OUT && u->data_len == CBW_SIZE && !memcmp(u->data, "USBC", 4))
            capacity_asked = u->data[15] == SCSI_READ_CAPACITY_10;
        else if (capacity_asked && u->direction == UIP_DIR_IN && u->data_len == 8) {
            block = be32(u->data + 4);
            capacity = ((uint64_t)be32(u->data) + 1) * block;
            break;
        }
    }
    size_t want = image_mode ? (size_t)capacity : strtoul(argv[2], NULL, 10);
    if (!want || want > (1u << 30)) {
        fprintf(stderr, "recorded_disk: no READ CAPACITY(10) answer, or a disk over 1 GiB\n");
        return 2;
    }
    uint8_t *image = calloc(1, want);
    uint8_t *have = calloc(1, want);
    uint8_t opcode = 0;
    uint64_t at = 0;          /* byte offset the next data IN lands at */
    uint64_t last_read = 0;   /* byte offset of the last READ(10) */
    for (size_t i = 0; i < rec.n_urbs; i++) {
        const struct replay_urb *u = &rec.urbs[i];
        if (u->ep == 0 || !u->answered)
            continue;
        if (u->direction == UIP_DIR_OUT && u->data_len == CBW_SIZE && !memcmp(u->data, "USBC", 4)) {
            const uint8_t *cb = u->data + 15;
            opcode = cb[0];
            if (opcode == SCSI_READ_10)
                last_read = at = (uint64_t)be32(cb + 2) * block;
        } else if (u->direction == UIP_DIR_IN && u->actual_length == CSW_SIZE &&
                   !memcmp(u->data, "USBS", 4)) {
            opcode = 0;
        } else if (u->direction == UIP_DIR_IN && opcode == SCSI_READ_10) {
            for (uint32_t k = 0; k < u->data_len; k++, at++)
                if (at < want) {
                    image[at] = u->data[k];
                    have[at] = 1;
                }
        }
    }
    if (image_mode) {
        bool ok = write_file(argv[3], image, want) && last_read + 100 < want;
        if (ok) {
            image[last_read + 100] ^= 0xff;
            ok = write_file(argv[4], image, want);
        }
        if (!ok) {
            fprintf(stderr, "recorded_disk: cannot write the images\n");
            return 1;
        }
        printf("%llu\n", (unsigned long long)(last_read / block));
        free(image);
        free(have);
        replay_recording_free(&rec);
        return 0;
    }
    size_t missing = 0;
    for (size_t k = 0; k < want; k++)
        missing += !have[k];
    if (missing) {
        fprintf(stderr, "recorded_disk: %zu of the first %zu bytes were not read in the recording\n",
                missing, want);
        return 1;
    }
    gchar *md5 = g_compute_checksum_for_data(G_CHECKSUM_MD5, image, want);
    printf("%s\n", md5);
    g_free(md5);
    free(image);
    free(have);
    replay_recording_free(&rec);
    return 0;
}
