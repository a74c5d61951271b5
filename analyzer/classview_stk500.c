/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_stk500.c -- avrdude's STK500v1 commands, answers and turnarounds in a serial view,
 * judged against avrdude's own timeouts (see classview_stk500.h). */
#include <glib.h>
#include <inttypes.h>
#include "classview_int.h"
#include "classview_stk500.h"
#include "json_out.h"
#include "stats.h"

/* AVR061 "STK500 Communication Protocol" (avrdude's stk500_private.h names them Cmnd_STK_*). */
#define STK_INSYNC 0x14
#define STK_OK 0x10
#define STK_CRC_EOP 0x20
#define STK_GET_SYNC 0x30
#define STK_SET_DEVICE_EXT 0x45
#define STK_PROG_PAGE 0x64

static const struct {
    uint8_t code;
    uint8_t length; /* bytes with the final 0x20; 0: given by the command's own length field */
    const char *name;
} commands[] = {
    {STK_GET_SYNC, 2, "GET_SYNC"},         {0x31, 2, "GET_SIGN_ON"},
    {0x40, 4, "SET_PARAMETER"},            {0x41, 3, "GET_PARAMETER"},
    {0x42, 22, "SET_DEVICE"},              {STK_SET_DEVICE_EXT, 0, "SET_DEVICE_EXT"},
    {0x50, 2, "ENTER_PROGMODE"},           {0x51, 2, "LEAVE_PROGMODE"},
    {0x52, 2, "CHIP_ERASE"},               {0x55, 4, "LOAD_ADDRESS"},
    {0x56, 6, "UNIVERSAL"},                {STK_PROG_PAGE, 0, "PROG_PAGE"},
    {0x74, 5, "READ_PAGE"},                {0x75, 2, "READ_SIGN"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

struct stk500_command_stats {
    uint64_t sent, answered, in_sync, out_of_step;
    struct lat_hist turnaround;
};

struct stk500 {
    struct stk500_command_stats cmd[N_COMMANDS];
};

struct stk500 *stk500_new(void)
{
    return g_new0(struct stk500, 1);
}

void stk500_free(struct stk500 *k)
{
    g_free(k);
}

int stk500_command(const uint8_t *data, uint32_t kept, uint32_t len)
{
    uint16_t page;
    if (!kept)
        return -1;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (commands[i].code != data[0])
            continue;
        uint32_t want = commands[i].length;
        if (data[0] == STK_SET_DEVICE_EXT && kept >= 2) /* its second byte counts the bytes after it */
            want = 2u + data[1];
        else if (data[0] == STK_PROG_PAGE && cv_get_be16(data, kept, 1, &page)) /* bytes 1-2: page size */
            want = 5u + page;
        if (!want || len != want || (kept >= len && data[len - 1] != STK_CRC_EOP))
            return -1;
        return (int)i;
    }
    return -1;
}

const char *stk500_name(int cmd)
{
    return cmd >= 0 && (size_t)cmd < N_COMMANDS ? commands[cmd].name : "?";
}

void stk500_exchange(struct stk500 *k, int cmd, bool answered, uint64_t turnaround_ns,
                     const uint8_t *answer, uint8_t answer_kept, bool out_of_step)
{
    struct stk500_command_stats *c = &k->cmd[cmd];
    c->sent++;
    if (!answered)
        return;
    c->answered++;
    lat_hist_add(&c->turnaround, turnaround_ns);
    /* in sync: Resp_STK_INSYNC first; a get-sync's whole answer is INSYNC OK */
    if (answer_kept >= 1 && answer[0] == STK_INSYNC &&
        (commands[cmd].code != STK_GET_SYNC || (answer_kept >= 2 && answer[1] == STK_OK)))
        c->in_sync++;
    if (out_of_step)
        c->out_of_step++;
}

/* Plain words on the get-syncs' turnaround against avrdude's drain and receive timeout. */
static void verdict(const struct stk500 *k, char *buf, size_t n)
{
    const struct stk500_command_stats *g = &k->cmd[0]; /* GET_SYNC */
    double drain_ms = cv_secs(STK500_AVRDUDE_DRAIN_NS) * 1e3;
    double recv_ms = cv_secs(STK500_AVRDUDE_RECEIVE_TIMEOUT_NS) * 1e3;
    double max_ms = cv_secs(g->turnaround.max) * 1e3;
    if (!g->sent)
        snprintf(buf, n, "no get-sync was sent");
    else if (!g->answered)
        snprintf(buf, n, "no get-sync was answered: avrdude retries, then gives up");
    else if (g->turnaround.max > STK500_AVRDUDE_RECEIVE_TIMEOUT_NS)
        snprintf(buf, n, "get-sync answers took up to %.3f ms, longer than avrdude's %.0f ms receive "
                         "timeout: it gives up waiting", max_ms, recv_ms);
    else if (g->turnaround.max > STK500_AVRDUDE_DRAIN_NS)
        snprintf(buf, n, "get-sync answers took up to %.3f ms, longer than the %.0f ms avrdude drains "
                         "after each of its first two get-syncs: those answers arrive after it has "
                         "moved on and are read as the answers to later commands (out of step)",
                 max_ms, drain_ms);
    else
        snprintf(buf, n, "get-sync answers took at most %.3f ms, within the %.0f ms avrdude drains "
                         "after each of its first two get-syncs (and its %.0f ms receive timeout)",
                 max_ms, drain_ms, recv_ms);
}

void stk500_text(FILE *out, const struct stk500 *k)
{
    char words[512];
    const struct stk500_command_stats *g = &k->cmd[0];
    fprintf(out, "    STK500v1 (avrdude): get-sync 0x30 0x20 sent %" PRIu64 " times, answered 0x14 0x10 %"
                 PRIu64 " times, %" PRIu64 " of them only after the next write\n",
            g->sent, g->in_sync, g->out_of_step);
    fprintf(out, "      %-16s %6s %9s %8s %12s %15s %11s  %s\n", "command", "sent", "answered",
            "in sync", "out of step", "turnaround p50", "max", "avrdude allows");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const struct stk500_command_stats *c = &k->cmd[i];
        if (!c->sent)
            continue;
        fprintf(out, "      %-16s %6" PRIu64 " %9" PRIu64 " %8" PRIu64 " %12" PRIu64, commands[i].name,
                c->sent, c->answered, c->in_sync, c->out_of_step);
        if (c->turnaround.count)
            fprintf(out, " %13.3fms %9.3fms", cv_secs(lat_hist_quantile(&c->turnaround, 0.5)) * 1e3,
                    cv_secs(c->turnaround.max) * 1e3);
        else
            fprintf(out, " %15s %11s", "-", "-");
        /* the first two get-syncs' answers are drained for 250 ms; any other answer is awaited 5 s */
        bool drained = commands[i].code == STK_GET_SYNC;
        fprintf(out, "  %.0f ms%s\n",
                cv_secs(drained ? STK500_AVRDUDE_DRAIN_NS : STK500_AVRDUDE_RECEIVE_TIMEOUT_NS) * 1e3,
                drained ? " (drain)" : "");
    }
    verdict(k, words, sizeof words);
    fprintf(out, "      %s\n", words);
}

void stk500_json(FILE *out, const struct stk500 *k)
{
    char words[512];
    verdict(k, words, sizeof words);
    fprintf(out, "{\"drain_window\":%.3f,\"receive_timeout\":%.3f,\"verdict\":",
            cv_secs(STK500_AVRDUDE_DRAIN_NS), cv_secs(STK500_AVRDUDE_RECEIVE_TIMEOUT_NS));
    json_string(out, words);
    fprintf(out, ",\"commands\":[");
    bool first = true;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const struct stk500_command_stats *c = &k->cmd[i];
        if (!c->sent)
            continue;
        fprintf(out, "%s{\"command\":\"%s\",\"code\":%u,\"sent\":%" PRIu64 ",\"answered\":%" PRIu64
                     ",\"in_sync\":%" PRIu64 ",\"out_of_step\":%" PRIu64
                     ",\"turnaround\":{\"count\":%" PRIu64 ",\"p50\":%.9f,\"max\":%.9f}}",
                first ? "" : ",", commands[i].name, commands[i].code, c->sent, c->answered, c->in_sync,
                c->out_of_step, c->turnaround.count, cv_secs(lat_hist_quantile(&c->turnaround, 0.5)),
                cv_secs(c->turnaround.max));
        first = false;
    }
    fprintf(out, "]}");
}
