/* recorded_disk.c -- test helper: the md5 of the first BYTES of a disk as a recorded usb-storage
 * session read it (SCSI READ(10) commands in bulk-only CBWs and the bulk IN data after them). */
#include <glib.h>
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

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: recorded_disk CAPTURE BYTES\n");
        return 2;
    }
    size_t want = strtoul(argv[2], NULL, 10);
    struct replay_recording rec;
    char err[512];
    if (replay_recording_load(argv[1], NULL, &rec, err, sizeof err) != REPLAY_LOAD_OK) {
        fprintf(stderr, "recorded_disk: %s\n", err);
        return 2;
    }
    uint8_t *image = calloc(1, want);
    uint8_t *have = calloc(1, want);
    uint32_t block = 512;
    uint8_t opcode = 0;
    uint64_t at = 0; /* byte offset the next data IN lands at */
    for (size_t i = 0; i < rec.n_urbs; i++) {
        const struct replay_urb *u = &rec.urbs[i];
        if (u->ep == 0 || !u->answered)
            continue;
        if (u->direction == UIP_DIR_OUT && u->data_len == CBW_SIZE && !memcmp(u->data, "USBC", 4)) {
            const uint8_t *cb = u->data + 15;
            opcode = cb[0];
            if (opcode == SCSI_READ_10)
                at = (uint64_t)be32(cb + 2) * block;
        } else if (u->direction == UIP_DIR_IN && u->actual_length == CSW_SIZE &&
                   !memcmp(u->data, "USBS", 4)) {
            opcode = 0;
        } else if (u->direction == UIP_DIR_IN && opcode == SCSI_READ_CAPACITY_10 && u->data_len >= 8) {
            block = be32(u->data + 4);
        } else if (u->direction == UIP_DIR_IN && opcode == SCSI_READ_10) {
            for (uint32_t k = 0; k < u->data_len; k++, at++)
                if (at < want) {
                    image[at] = u->data[k];
                    have[at] = 1;
                }
        }
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
