/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_framer.c -- libFuzzer target: arbitrary bytes, split at fuzzer-chosen points and
 * interleaved with gaps, into a framer of either side; every byte must be accounted for. */
#include <stdlib.h>
#include "uip/framer.h"

static bool fuzz_lookup(void *user, uint32_t seqnum, struct uip_cmd_info *out)
{
    if (seqnum % 3 == 0)
        return false;
    out->direction = seqnum % 3 == 1 ? UIP_DIR_IN : UIP_DIR_OUT;
    out->ep = seqnum % 16;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct uip_framer_config cfg = {
        .side = (data[0] & 1) ? UIP_SIDE_SERVER : UIP_SIDE_CLIENT,
        .at_connection_start = (data[0] & 2) != 0,
        .data_keep = data[1], .control_keep = 4096,
    };
    cfg.cb.lookup_cmd = fuzz_lookup;
    struct uip_framer *f = uip_framer_new(&cfg);
    if (!f)
        return 0;
    size_t pos = 2;
    uint64_t fed = 0;
    while (pos < size) {
        size_t n = 1 + data[pos] % 97u;
        if (data[pos] == 0xff)
            uip_framer_gap(f, 1 + data[pos] % 7u, pos, pos);
        if (n > size - pos)
            n = size - pos;
        uip_framer_feed(f, data + pos, n, pos, pos);
        fed += n;
        pos += n;
    }
    uip_framer_finish(f, pos, pos);
    const struct uip_framer_stats *st = uip_framer_stats(f);
    uint64_t accounted = st->bytes_parsed;
    for (int r = 0; r < UIP_SKIP__COUNT; r++)
        accounted += st->bytes_skipped[r];
    if (accounted != fed)
        abort(); /* a byte was neither parsed nor counted as skipped */
    uip_framer_free(f);
    return 0;
}
