/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recorded_sketch.c -- test helper: the flash image an STK500v1 programmer (avrdude -c arduino)
 * wrote in a recorded serial session, rebuilt from the recorded bulk OUT writes: each
 * LOAD_ADDRESS (0x55 lo hi 0x20, a word address) followed by PROG_PAGE (0x64 size_hi size_lo 'F'
 * data... 0x20). The lab replays the session with avrdude writing this same image.
 *   recorded_sketch CAPTURE OUT     writes OUT (up to the highest byte programmed); prints its size */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recording.h"
#include "uip/tracker.h"

#define STK_LOAD_ADDRESS 0x55
#define STK_PROG_PAGE 0x64
#define CRC_EOP 0x20
#define MEMTYPE_FLASH 'F'
#define FLASH_MAX (256u * 1024u)

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: recorded_sketch CAPTURE OUT\n");
        return 2;
    }
    struct replay_recording rec;
    char err[512];
    if (replay_recording_load(argv[1], NULL, &rec, err, sizeof err) != REPLAY_LOAD_OK) {
        fprintf(stderr, "recorded_sketch: %s\n", err);
        return 2;
    }
    static uint8_t flash[FLASH_MAX];
    memset(flash, 0xff, sizeof flash);
    size_t end = 0, pages = 0;
    uint32_t address = 0; /* bytes */
    for (size_t i = 0; i < rec.n_urbs; i++) {
        const struct replay_urb *u = &rec.urbs[i];
        if (u->xfer_type != UIP_XFER_BULK || u->direction != UIP_DIR_OUT || !u->answered || !u->data_len)
            continue;
        const uint8_t *p = u->data;
        uint32_t n = u->data_len;
        if (n == 4 && p[0] == STK_LOAD_ADDRESS && p[3] == CRC_EOP) {
            address = 2u * (uint32_t)(p[1] | p[2] << 8);
        } else if (n >= 5 && p[0] == STK_PROG_PAGE && p[3] == MEMTYPE_FLASH && p[n - 1] == CRC_EOP) {
            uint32_t size = (uint32_t)(p[1] << 8 | p[2]);
            if (size != n - 5 || address + size > FLASH_MAX) {
                fprintf(stderr, "recorded_sketch: a PROG_PAGE of %u bytes in a %u-byte write at 0x%x\n", size,
                        n, address);
                return 1;
            }
            memcpy(flash + address, p + 4, size);
            if (address + size > end)
                end = address + size;
            pages++;
        }
    }
    replay_recording_free(&rec);
    if (!pages) {
        fprintf(stderr, "recorded_sketch: no STK500 PROG_PAGE of flash in %s\n", argv[1]);
        return 1;
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(flash, 1, end, f) != end || fclose(f)) {
        fprintf(stderr, "recorded_sketch: cannot write %s\n", argv[2]);
        return 1;
    }
    printf("%zu\n", end);
    return 0;
}
