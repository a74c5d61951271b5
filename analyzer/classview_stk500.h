/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_stk500.h -- avrdude's STK500v1 exchange inside a serial view: which writes are
 * STK500v1 commands, and per command how many were sent, answered in sync and out of step, and how
 * long the answers took beside the time avrdude allows them. */
#ifndef ANALYZE_CLASSVIEW_STK500_H
#define ANALYZE_CLASSVIEW_STK500_H

#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>

/* avrdude 7.1 (Debian 12's, the lab's), src/ser_posix.c: "long serial_recv_timeout = 5000; ms"
 * and "long serial_drain_timeout = 250; ms". stk500.c's stk500_getsync sends get-sync twice,
 * each followed by a drain that reads whatever comes for 250 ms in all (select's timeout is not
 * reset between reads), then sends it again and waits up to the receive timeout for 0x14 0x10. */
#define STK500_AVRDUDE_RECEIVE_TIMEOUT_NS 5000000000ull
#define STK500_AVRDUDE_DRAIN_NS 250000000ull

struct stk500;

struct stk500 *stk500_new(void);
void stk500_free(struct stk500 *k);
/* The STK500v1 command (an index for the functions below) a write of len bytes is, -1 when
 * none: its first kept bytes name a command whose length it has and, when the write's last byte
 * was kept, end with Sync_CRC_EOP 0x20. */
int stk500_command(const uint8_t *data, uint32_t kept, uint32_t len);
const char *stk500_name(int cmd);
/* One exchange of command cmd: answered when data came before the next write, turnaround_ns from
 * the write's submit to it, answer its first payload bytes; out_of_step when the next write went
 * before the answer. */
void stk500_exchange(struct stk500 *k, int cmd, bool answered, uint64_t turnaround_ns,
                     const uint8_t *answer, uint8_t answer_kept, bool out_of_step);
void stk500_text(FILE *out, const struct stk500 *k);
/* The "stk500" JSON object (no trailing newline). */
void stk500_json(FILE *out, const struct stk500 *k);

#endif
