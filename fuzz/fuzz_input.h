/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_input.h -- what the fuzz targets that read a capture file share: the fuzzer's bytes written
 * to a file of this process's own (the session opens captures by path). */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* The bytes as /tmp/fuzz-NAME-PID.pcap; its path (the same on every call), or NULL when it cannot
 * be written. */
static inline const char *fuzz_input_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[96];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz-%s-%d.pcap", name, (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    size_t written = fwrite(data, 1, size, f);
    return fclose(f) == 0 && written == size ? path : NULL;
}

#endif
